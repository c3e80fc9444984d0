//! Environments: one catalogue, many repositories. `offerctl.yaml` may define `environments:`,
//! each a block of the same settings as the file's top level (which every environment
//! inherits) plus `secrets:` (the environment variables holding its secrets), `vars:` (values
//! for `${{ vars.NAME }}` in manifests) and `overlays:` (directories of manifests that patch,
//! remove or add objects for that environment only).
//!
//! Pure: the file's text comes in, settings and manifests come out; reading files is the edge's.

pub mod compare;
pub mod config;
pub mod overlay;
pub mod vars;

pub use config::{ConfigFile, Environment, Layer};
