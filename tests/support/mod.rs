//! The one harness of the integration tests. The `e2e` and `emulator` targets include it with
//! `#[path = "../support/mod.rs"] mod support;` (`client_secrets` with `mod support;`; `it`
//! names it `common`; `client_config_env` needs none) and take what they need:
//!
//! - [`emulator`]: the emulator, in process or as an `offerctl serve` child process
//!   ([`ServeProcess`]), and requests to it with valid gateway headers ([`Emu`], [`Remote`]);
//! - [`client`]: offerctl's XCore client pointed at an emulator, and fake servers for answers
//!   the emulator never gives;
//! - [`world`]: the `offerctl` binary in a working directory pointed at an emulator;
//! - [`faults`]: what the fault tests read back (journals, plans) and their seeded randomness;
//! - [`catalogue`]: a generated catalogue as the product UI leaves it (also used by
//!   `benches/export.rs`).
#![allow(dead_code)] // each target uses only part of the harness

pub mod appcharge;
pub mod catalogue;
pub mod client;
pub mod emulator;
pub mod faults;
pub mod world;

// One flat namespace (`use crate::support::*`); a target uses only part of it.
#[allow(unused_imports)]
pub use {client::*, emulator::*, faults::*, world::*};
