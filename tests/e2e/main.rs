//! End to end over real HTTP: the `offerctl` binary against the emulator (in process on an
//! ephemeral loopback port, or an `offerctl serve` child process), requests counted with
//! `/_emulator/stats`. The `fault_*` modules are the fault-tolerance suites (docs/reliability.md).

mod appcharge;
mod appcharge_offers;
mod auth;
mod decisions;
mod doctor;
mod documented_payloads;
mod dps;
mod drift;
mod environments;
mod fault_apply;
mod fault_concurrent;
mod fault_kill_apply;
mod fault_kill_serve;
mod fault_saved_plan;
mod faults;
mod hostile;
mod pull;
mod ranking;
mod reconcile;
mod serve_cli;
mod spelling;
#[path = "../support/mod.rs"]
mod support;
