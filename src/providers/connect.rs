//! Opening every provider's repository for a run, from flags, environment and offerctl.yaml.
//! The composition point: it names each provider; the commands see only backends.

use std::sync::Arc;

use crate::backend::Backend;
use crate::exit::{CommandError, Exit};
use crate::providers::adobe::config::{self as adobe, FileConfig, RemoteArgs, Settings};
use crate::providers::appcharge::config::{self as appcharge, AppchargeArgs, FileSection};

/// One provider's repository, or why it cannot be opened. A provider that a run does not use
/// may be misconfigured (no credentials): its error only matters once the run needs it.
pub struct Repository {
    pub provider: &'static str,
    pub backend: Result<Arc<dyn Backend>, CommandError>,
    /// A line for stderr when the run uses it: set for the embedded repository, which a
    /// user may not expect.
    pub announcement: Option<String>,
}

impl Repository {
    /// The embedded local repository rather than a vendor's service.
    pub fn is_embedded(&self) -> bool {
        self.announcement.is_some()
    }
}

pub struct Repositories {
    pub list: Vec<Repository>,
    /// Settings of `plan` and `apply` from the configuration file.
    pub file: FileConfig,
}

/// Opens every provider's repository. No network I/O. Fails only on a configuration file that
/// cannot be read or parsed (exit 3).
pub fn connect(
    remote: &RemoteArgs,
    appcharge_args: &AppchargeArgs,
) -> Result<Repositories, CommandError> {
    connect_with_env(remote, appcharge_args, |name| std::env::var(name).ok())
}

/// [`connect`] with the secrets read through `env`.
pub fn connect_with_env(
    remote: &RemoteArgs,
    appcharge_args: &AppchargeArgs,
    env: impl Fn(&str) -> Option<String> + Copy,
) -> Result<Repositories, CommandError> {
    let settings = Settings::resolve(remote)?;
    let file = settings.file.clone();
    let section = match file.sections.get("appcharge") {
        Some((at, value)) => {
            FileSection::parse(at, value).map_err(|e| CommandError::new(Exit::Invalid, e))?
        }
        None => FileSection::default(),
    };
    let state_dir = settings.state_dir.clone();
    let max_attempts = settings.max_attempts;
    let adobe_repo = match adobe::connect_settings(settings, env) {
        Ok(connection) => Repository {
            provider: crate::providers::adobe::kind::PROVIDER,
            backend: Ok(Arc::from(connection.backend)),
            announcement: connection.announcement,
        },
        Err(error) => Repository {
            provider: crate::providers::adobe::kind::PROVIDER,
            backend: Err(error),
            announcement: None,
        },
    };
    let appcharge_repo =
        match appcharge::connect(appcharge_args, &section, &state_dir, max_attempts, env) {
            Ok(connection) => Repository {
                provider: crate::providers::appcharge::kind::PROVIDER,
                backend: Ok(Arc::from(connection.backend)),
                announcement: connection.announcement,
            },
            Err(error) => Repository {
                provider: crate::providers::appcharge::kind::PROVIDER,
                backend: Err(error),
                announcement: None,
            },
        };
    Ok(Repositories {
        list: vec![adobe_repo, appcharge_repo],
        file,
    })
}
