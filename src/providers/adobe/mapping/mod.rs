//! Mapping between the manifest language and each repository API's wire format, one module per
//! API, so that a new API plugs in here without touching the manifests, the diff or the plan.

pub mod dps;
pub mod xcore;

#[cfg(test)]
mod diff_tests;
#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod formula_tests;
