//! offerctl: a declarative GitOps reconciler for offer-decisioning configuration.
//!
//! Data flows one way: `manifest` (load and validate) → `graph` (order) → `live` (read the
//! repository) → `diff` → `plan` → `apply`. Pure stages do no I/O; files and network live at the
//! edges (`sources`, the repository clients, `commands`).

pub mod allocator;
pub mod apply;
pub mod backend;
pub mod check;
pub mod cli;
pub mod commands;
#[cfg(test)]
mod core_tests;
pub mod decisions;
pub mod diagnostic;
pub mod diff;
pub mod doctor;
pub mod environment;
pub mod exit;
pub mod export;
pub mod files;
pub mod format;
pub mod graph;
pub mod json_bounds;
pub mod json_member;
pub mod kind;
pub mod live;
pub mod manifest;
pub mod net;
pub mod parallel;
pub mod plan;
pub mod preview;
pub mod printable;
pub mod provider;
pub mod providers;
pub mod pull;
pub mod secret;
pub mod serve;
pub mod source;
pub mod sources;
pub mod wal;
pub mod yaml;
