//! offerctl: a declarative GitOps reconciler for offer-decisioning configuration.
//!
//! Data flows one way: `manifest` (load and validate) → `graph` (order) → `live` (read the
//! repository) → `diff` → `plan` → `apply`. Pure stages do no I/O; files and network live at the
//! edges (`sources`, the repository clients, `commands`).

pub mod kind;
pub mod repository;
pub mod serve;
