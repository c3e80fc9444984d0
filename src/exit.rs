//! Exit codes (one table for every command) and the error type commands return.

use std::process::ExitCode;

/// The process exit status. Documented in the README and in `offerctl --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// Success, or no changes.
    Success = 0,
    /// An error, or an apply that failed.
    Error = 1,
    /// Changes are present (`plan --detailed-exitcode`).
    Changes = 2,
    /// Invalid manifests or configuration.
    Invalid = 3,
    /// Authentication failed.
    Auth = 4,
    /// A stale plan or a conflicting change.
    Conflict = 5,
    /// A destructive change was refused.
    Refused = 6,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit as u8)
    }
}

pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success / no changes
  1  error or failed apply
  2  changes present (plan --detailed-exitcode)
  3  invalid manifests or configuration
  4  authentication failed
  5  stale plan or conflict
  6  destructive change refused";

/// A command's failure: what to tell the user, and how to exit.
#[derive(Debug)]
pub struct CommandError {
    pub exit: Exit,
    /// Printed as `error: <message>`; empty when the command already reported the details.
    pub message: String,
}

impl CommandError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CommandError {
            exit,
            message: message.into(),
        }
    }

    /// The details were already printed (e.g. located diagnostics); only the exit code remains.
    pub fn reported(exit: Exit) -> Self {
        CommandError::new(exit, "")
    }
}
