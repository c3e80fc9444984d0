//! End to end over real HTTP: the `offerctl` binary against `offerctl serve` running in the
//! test process on an ephemeral loopback port. Requests are counted with `/_emulator/stats`.

mod auth;
mod dps;
mod faults;
mod harness;
mod reconcile;
