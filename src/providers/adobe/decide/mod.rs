//! Offline decisioning: what Adobe's decisioning engine would propose, computed locally from
//! the catalogue (`simulate`), checked against expectations kept in git (`test`), and compared
//! between the live and the desired catalogue (a plan's decision impact).

pub mod capability;
pub mod cases;
pub mod catalogue;
pub mod engine;
#[cfg(test)]
mod impact_tests;
pub mod names;
pub mod output;
pub mod pql;
pub mod reason;
pub mod segments;
#[cfg(test)]
mod tests;
