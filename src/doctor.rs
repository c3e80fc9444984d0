//! Checks of a configured vendor service against the assumptions offerctl's clients make about
//! it, a capability some providers have (`Provider::doctor`): `offerctl doctor` asks every
//! provider that has one. What is checked, and how, is the provider's.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use crate::environment::{ConfigFile, Environment, Layer};
use crate::exit::CommandError;

/// One row of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub assumption: String,
    pub observed: String,
    /// `ok`, `mismatch`, or `skipped` (not observable here, or needs `--write-probe`).
    pub status: &'static str,
}

impl Check {
    /// A check that was made: `ok` when the service did what was assumed, else `mismatch`.
    pub fn made(assumption: &str, observed: impl Into<String>, ok: bool) -> Self {
        Check {
            assumption: assumption.to_string(),
            observed: observed.into(),
            status: if ok { "ok" } else { "mismatch" },
        }
    }

    /// A check that could not be made here.
    pub fn skipped(assumption: &str, observed: impl Into<String>) -> Self {
        Check {
            assumption: assumption.to_string(),
            observed: observed.into(),
            status: "skipped",
        }
    }

    pub fn is_mismatch(&self) -> bool {
        self.status == "mismatch"
    }
}

/// Where the service to check is configured.
pub struct Remote<'a> {
    /// The command's connection flags (the type the providers' composition flattens into it;
    /// each provider reads its own).
    pub flags: &'a dyn Any,
    /// offerctl.yaml, read once.
    pub config: &'a ConfigFile,
    pub environment: &'a Environment,
    pub layer: &'a Layer,
    /// A secret by the variable it is read from by default, from the variable the environment
    /// binds it to instead, if any.
    pub secret: &'a dyn Fn(&str) -> Option<String>,
}

/// Checks to run (they talk to the service).
pub type Checks = Pin<Box<dyn Future<Output = Vec<Check>>>>;

/// A provider's checks of its vendor's service.
pub trait Doctor: Send + Sync {
    /// The checks of the service `remote` configures, ready to run; `write_probe` allows
    /// creating, patching and deleting throw-away objects. Fails (exit 3) when no service is
    /// configured or its settings are invalid.
    fn checks(&self, remote: &Remote<'_>, write_probe: bool) -> Result<Checks, CommandError>;
}
