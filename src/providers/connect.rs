//! Opening every provider's repository for a run, from flags, environment and offerctl.yaml.
//! The composition point: it names each provider; the commands see only backends.

use std::sync::Arc;

use crate::backend::Backend;
use crate::environment::{ConfigFile, Environment, Layer};
use crate::exit::{CommandError, Exit};
use crate::providers::adobe::config::{self as adobe, FileConfig, RemoteArgs, Settings};
use crate::providers::adobe::kind as adobe_kind;
use crate::providers::appcharge::config::{self as appcharge, AppchargeArgs, FileSection};
use crate::providers::appcharge::kind as appcharge_kind;

/// Opens a repository on first use: its backend and a line for stderr.
type Opener = Box<dyn FnOnce() -> Result<(Box<dyn Backend>, Option<String>), CommandError> + Send>;

enum State {
    Open(Result<Arc<dyn Backend>, CommandError>),
    /// An embedded repository: opening it creates and locks files under the state directory,
    /// which only a run that uses the provider should do.
    Deferred(Opener),
    Opening,
}

/// One provider's repository, or why it cannot be opened. A provider that a run does not use
/// may be misconfigured (no credentials): its error only matters once the run needs it.
pub struct Repository {
    pub provider: &'static str,
    embedded: bool,
    state: State,
    /// A line for stderr when the run uses it: set for the embedded repository, which a
    /// user may not expect.
    pub announcement: Option<String>,
}

fn copy(error: &CommandError) -> CommandError {
    CommandError::new(error.exit, error.message.clone())
}

impl Repository {
    fn opened(
        provider: &'static str,
        result: Result<(Box<dyn Backend>, Option<String>), CommandError>,
    ) -> Self {
        let (state, announcement) = match result {
            Ok((backend, announcement)) => (State::Open(Ok(Arc::from(backend))), announcement),
            Err(error) => (State::Open(Err(error)), None),
        };
        Repository {
            provider,
            embedded: false,
            state,
            announcement,
        }
    }

    fn deferred(provider: &'static str, open: Opener) -> Self {
        Repository {
            provider,
            embedded: true,
            state: State::Deferred(open),
            announcement: None,
        }
    }

    /// The embedded local repository rather than a vendor's service.
    pub fn is_embedded(&self) -> bool {
        self.embedded
    }

    /// The backend if it is open already (a vendor's service: no I/O was needed), for reads a
    /// run starts before it knows which providers it uses.
    pub fn ready(&self) -> Option<Arc<dyn Backend>> {
        match &self.state {
            State::Open(Ok(backend)) => Some(backend.clone()),
            _ => None,
        }
    }

    /// Whether it is open, or can still be opened.
    pub fn usable(&self) -> bool {
        !matches!(self.state, State::Open(Err(_)))
    }

    /// The backend, opening the repository now if it was deferred.
    pub fn open(&mut self) -> Result<Arc<dyn Backend>, CommandError> {
        if let State::Deferred(_) = self.state {
            let State::Deferred(open) = std::mem::replace(&mut self.state, State::Opening) else {
                unreachable!("matched above");
            };
            self.state = match open() {
                Ok((backend, announcement)) => {
                    self.announcement = announcement;
                    State::Open(Ok(Arc::from(backend)))
                }
                Err(error) => State::Open(Err(error)),
            };
        }
        match &self.state {
            State::Open(Ok(backend)) => Ok(backend.clone()),
            State::Open(Err(error)) => Err(copy(error)),
            State::Deferred(_) | State::Opening => Err(CommandError::new(
                Exit::Error,
                "the repository could not be opened",
            )),
        }
    }
}

pub struct Repositories {
    pub list: Vec<Repository>,
    /// Settings of `plan` and `apply` from the configuration file.
    pub file: FileConfig,
}

/// Secrets an environment may bind to variables of its own (`secrets:` in offerctl.yaml), each
/// with the provider that uses it and the variable it is read from otherwise.
const SECRETS: &[(&str, &str, &str)] = &[
    ("accessToken", adobe_kind::PROVIDER, adobe::ENV_ACCESS_TOKEN),
    (
        "clientSecret",
        adobe_kind::PROVIDER,
        adobe::ENV_CLIENT_SECRET,
    ),
    (
        "appchargeToken",
        appcharge_kind::PROVIDER,
        appcharge::ENV_TOKEN,
    ),
];

/// The keys `secrets:` takes.
pub const SECRET_KEYS: &[&str] = &["accessToken", "clientSecret", "appchargeToken"];

/// Opens every provider's repository for one environment (`offerctl.yaml` read once into
/// `config`; `environment` and `layer` its settings). No network I/O. Fails only on settings
/// that are invalid (exit 3).
pub fn connect(
    remote: &RemoteArgs,
    appcharge_args: &AppchargeArgs,
    config: &ConfigFile,
    environment: &Environment,
    layer: &Layer,
) -> Result<Repositories, CommandError> {
    connect_with_env(
        remote,
        appcharge_args,
        config,
        environment,
        layer,
        &|name| std::env::var(name).ok(),
    )
}

/// The secret a provider reads from the variable `name` (`OFFERCTL_ACCESS_TOKEN`), read from
/// the variable `environment` binds it to instead, if any.
pub fn secret(
    environment: &Environment,
    env: &dyn Fn(&str) -> Option<String>,
    name: &str,
) -> Option<String> {
    SECRETS
        .iter()
        .find(|(_, _, default)| *default == name)
        .and_then(|(key, _, _)| environment.secrets.get(*key))
        .map_or_else(|| env(name), |variable| env(variable))
}

/// [`connect`] with the secrets read through `env`.
pub fn connect_with_env(
    remote: &RemoteArgs,
    appcharge_args: &AppchargeArgs,
    config: &ConfigFile,
    environment: &Environment,
    layer: &Layer,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Repositories, CommandError> {
    let settings = Settings::for_environment(remote, config, environment, layer)?;
    let file = settings.file.clone();
    let section = match file.sections.get("appcharge") {
        Some((at, value)) => {
            FileSection::parse(at, value).map_err(|e| CommandError::new(Exit::Invalid, e))?
        }
        None => FileSection::default(),
    };
    let bound = |name: &str| secret(environment, env, name);
    let unset = |provider: &str| -> Option<CommandError> {
        SECRETS
            .iter()
            .filter(|(_, owner, _)| *owner == provider)
            .find_map(|(key, _, _)| {
                let variable = environment.secrets.get(*key)?;
                env(variable).is_none().then(|| {
                    CommandError::new(
                        Exit::Invalid,
                        format!(
                            "environment `{}`: `secrets.{key}` names the variable {variable}, which is not set",
                            environment.name.as_deref().unwrap_or("")
                        ),
                    )
                })
            })
    };
    let state_dir = settings.state_dir.clone();
    let max_attempts = settings.max_attempts;
    let adobe_provider = adobe_kind::PROVIDER;
    let adobe_repo = if settings.endpoint.is_none() {
        Repository::deferred(
            adobe_provider,
            Box::new(move || {
                adobe::connect_settings(settings, |_| None).map(|c| (c.backend, c.announcement))
            }),
        )
    } else {
        let result = match unset(adobe_provider) {
            Some(error) => Err(error),
            None => adobe::connect_settings(settings, bound).map(|c| (c.backend, c.announcement)),
        };
        Repository::opened(adobe_provider, result)
    };
    let appcharge_provider = appcharge_kind::PROVIDER;
    let appcharge_repo = if appcharge::endpoint(appcharge_args, &section).is_none() {
        let args = appcharge_args.clone();
        Repository::deferred(
            appcharge_provider,
            Box::new(move || {
                appcharge::connect(&args, &section, &state_dir, max_attempts, |_| None)
                    .map(|c| (c.backend, c.announcement))
            }),
        )
    } else {
        let result = match unset(appcharge_provider) {
            Some(error) => Err(error),
            None => appcharge::connect(appcharge_args, &section, &state_dir, max_attempts, bound)
                .map(|c| (c.backend, c.announcement)),
        };
        Repository::opened(appcharge_provider, result)
    };
    Ok(Repositories {
        list: vec![adobe_repo, appcharge_repo],
        file,
    })
}
