//! Which offer repository to use and how to reach it: flags, environment variables and an
//! optional `offerctl.yaml`, in that order of precedence (a flag wins over its environment
//! variable, which wins over the file).
//!
//! Secrets come **only** from the environment: `OFFERCTL_ACCESS_TOKEN` (a bearer token) or
//! `OFFERCTL_CLIENT_SECRET` (with a client id, for Adobe IMS server-to-server OAuth). They are
//! never accepted as flags (other users could read them in `ps`) nor from the configuration
//! file (it tends to be committed); the file rejects such keys with an explanation.
//!
//! Without an endpoint, offerctl uses the embedded local repository under the state directory
//! (default `.offerctl/repository`), so that it works on a fresh machine with no credentials.
//!
//! [`connect`] does no network I/O: the XCore client exchanges credentials and discovers the
//! container lazily, on the first call that needs them (see [`crate::providers::adobe::clients::xcore`]).
//! Every error here is a configuration error (exit code 3).

use std::ops::Range;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::backend::Backend;
use crate::environment::config::{DEFAULT_ENVIRONMENT, ENVIRONMENTS, OVERLAYS, SECRETS, VARS};
use crate::environment::{ConfigFile, Environment, Layer};
use crate::exit::{CommandError, Exit};
use crate::providers::adobe::clients::dps::DpsClient;
use crate::providers::adobe::clients::embedded::Embedded;
use crate::providers::adobe::clients::xcore::{
    Auth, ClientCredentials, DEFAULT_SCOPES, DEFAULT_TOKEN_URL, RetryPolicy, XcoreClient,
    XcoreConfig, check_url,
};
use crate::secret::Secret;
use crate::yaml::{self, Entry, Resolved};

/// Keys the core reads from the same file (environments and what they bind).
const CORE_KEYS: &[&str] = &[ENVIRONMENTS, DEFAULT_ENVIRONMENT, SECRETS, VARS, OVERLAYS];

pub const DEFAULT_SANDBOX: &str = "prod";
pub const DEFAULT_STATE_DIR: &str = ".offerctl";
pub const DEFAULT_CONFIG_FILE: &str = "offerctl.yaml";
/// A bearer token, used as is (it cannot be refreshed).
pub const ENV_ACCESS_TOKEN: &str = "OFFERCTL_ACCESS_TOKEN";
/// The OAuth client secret that goes with `--client-id` / `OFFERCTL_CLIENT_ID`.
pub const ENV_CLIENT_SECRET: &str = "OFFERCTL_CLIENT_SECRET";

/// For the `after_help` of commands that flatten [`RemoteArgs`].
pub const CREDENTIALS_HELP: &str = "\
Credentials are read from the environment only (never from flags or offerctl.yaml):
  OFFERCTL_ACCESS_TOKEN                      a bearer token (with --api-key), or
  OFFERCTL_CLIENT_ID + OFFERCTL_CLIENT_SECRET  Adobe IMS OAuth server-to-server credentials
Without --endpoint, the embedded local repository in .offerctl/repository is used.";

/// Which of Adobe's APIs serves the offer repository at the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Api {
    /// Decision Management ("Offer Library") API, `/data/core/dps`: what Adobe serves today.
    #[default]
    Dps,
    /// The XCore repository API, `/data/core/xcore` (deprecated by Adobe in 2024).
    Xcore,
}

impl Api {
    pub fn as_str(self) -> &'static str {
        match self {
            Api::Dps => "dps",
            Api::Xcore => "xcore",
        }
    }
}

/// Where the offer repository is. Flattened into the commands that talk to it.
///
/// No field has a clap default: defaults apply after the configuration file, so that a file
/// value is not hidden by a default.
#[derive(Debug, Clone, Default, Args)]
pub struct RemoteArgs {
    /// API gateway, e.g. https://platform.adobe.io (the --api path is appended). Without one,
    /// the embedded local repository under --state-dir is used.
    #[arg(long, value_name = "URL", env = "OFFERCTL_ENDPOINT")]
    pub endpoint: Option<String>,

    /// Which API the endpoint serves: dps (/data/core/dps, Decision Management) or xcore
    /// (/data/core/xcore, legacy) [default: dps].
    #[arg(long, value_enum, value_name = "API", env = "OFFERCTL_API")]
    pub api: Option<Api>,

    /// Sandbox name [default: prod].
    #[arg(long, value_name = "NAME", env = "OFFERCTL_SANDBOX")]
    pub sandbox: Option<String>,

    /// IMS organization id (…@AdobeOrg), sent as x-gw-ims-org-id.
    #[arg(long, value_name = "ORG", env = "OFFERCTL_ORG")]
    pub org: Option<String>,

    /// API key (x-api-key) [default: the client id].
    #[arg(
        long,
        value_name = "KEY",
        env = "OFFERCTL_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<Secret>,

    /// XCore container id [default: discovered from the repository's home document]. Not used
    /// with --api dps, where the sandbox alone selects the data.
    #[arg(long, value_name = "ID", env = "OFFERCTL_CONTAINER")]
    pub container: Option<String>,

    /// OAuth server-to-server client id; the secret is read from OFFERCTL_CLIENT_SECRET only.
    #[arg(
        long,
        value_name = "ID",
        env = "OFFERCTL_CLIENT_ID",
        hide_env_values = true
    )]
    pub client_id: Option<Secret>,

    /// OAuth scopes, comma-separated [default:
    /// openid,AdobeID,read_organizations,additional_info.projectedProductContext,session].
    #[arg(long, value_name = "LIST", env = "OFFERCTL_SCOPES")]
    pub scopes: Option<String>,

    /// IMS token endpoint [default: https://ims-na1.adobelogin.com/ims/token/v3].
    #[arg(long, value_name = "URL", env = "OFFERCTL_TOKEN_URL")]
    pub token_url: Option<String>,

    /// Attempts per request before giving up on a failing or throttling server, the first
    /// included [default: 5]. Raise it for flaky networks; creates are still never sent twice
    /// blindly.
    #[arg(long, value_name = "N", env = "OFFERCTL_MAX_ATTEMPTS", value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_attempts: Option<u32>,

    /// Objects per list page [default: 500, XCore's documented maximum; with --api dps, whose
    /// maximum Adobe does not document, 100 when the server refuses 500]. Pages hold what the
    /// server gives; fewer pages make plans faster at high latency.
    #[arg(long, value_name = "N", env = "OFFERCTL_PAGE_SIZE", value_parser = clap::value_parser!(u32).range(1..=10000))]
    pub page_size: Option<u32>,

    /// Configuration file [default: offerctl.yaml, when it exists].
    #[arg(long, value_name = "FILE", env = "OFFERCTL_CONFIG")]
    pub config: Option<PathBuf>,

    /// Where offerctl keeps local state, including the embedded repository [default: .offerctl].
    #[arg(long, value_name = "DIR", env = "OFFERCTL_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
}

/// The contents of `offerctl.yaml`. Keys are the flags' names in camelCase, plus settings of
/// `plan` and `apply`. Every field is optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileConfig {
    /// Where it was read from (`None`: no file).
    pub path: Option<PathBuf>,
    pub endpoint: Option<String>,
    pub api: Option<Api>,
    pub sandbox: Option<String>,
    pub org: Option<String>,
    pub api_key: Option<Secret>,
    pub container: Option<String>,
    pub client_id: Option<Secret>,
    pub scopes: Option<String>,
    pub token_url: Option<String>,
    /// Relative paths are relative to the file's directory.
    pub state_dir: Option<PathBuf>,
    /// Delete repository objects that no manifest declares.
    pub prune: Option<bool>,
    /// Refuse an apply that would delete more than this many objects.
    pub max_deletes: Option<u64>,
    /// Concurrent requests during apply (at least 1).
    pub parallelism: Option<u64>,
    /// Attempts per request (1 to 100).
    pub max_attempts: Option<u32>,
    /// Objects per list page.
    pub page_size: Option<u32>,
    /// Other providers' sections (`appcharge:`), by key: where each is, and its JSON form.
    /// Each provider reads its own.
    pub sections: std::collections::BTreeMap<String, (String, serde_json::Value)>,
}

/// Keys of other providers' sections in the file.
const SECTION_KEYS: &[&str] = &["appcharge"];

const STRING_KEYS: &[&str] = &[
    "endpoint",
    "api",
    "sandbox",
    "org",
    "apiKey",
    "container",
    "clientId",
    "scopes",
    "tokenUrl",
    "stateDir",
];
const OTHER_KEYS: &[&str] = &[
    "prune",
    "maxDeletes",
    "parallelism",
    "maxAttempts",
    "pageSize",
];
/// Keys people might try for secrets: refused with an explanation rather than "unknown".
const SECRET_KEYS: &[&str] = &[
    "accessToken",
    "token",
    "clientSecret",
    "secret",
    "password",
    "bearerToken",
];

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(Exit::Invalid, message)
}

/// The same spelling, ignoring case, `-` and `_` (`api_key` for `apiKey`).
fn loose(key: &str) -> String {
    key.chars()
        .filter(|c| !matches!(c, '-' | '_'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn suggestion(key: &str) -> Option<&'static str> {
    let known = STRING_KEYS.iter().chain(OTHER_KEYS);
    known
        .clone()
        .find(|k| loose(k) == loose(key))
        .or_else(|| known.min_by_key(|k| strsim::levenshtein(&loose(k), &loose(key))))
        .filter(|k| loose(k) == loose(key) || strsim::levenshtein(&loose(k), &loose(key)) <= 2)
        .copied()
}

impl FileConfig {
    /// Reads and checks a configuration file.
    pub fn read(path: &Path) -> Result<FileConfig, CommandError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            invalid(format!(
                "cannot read the configuration file {}: {e}",
                path.display()
            ))
        })?;
        let mut config = FileConfig::parse(&path.display().to_string(), &text)?;
        config.resolve_paths(path);
        Ok(config)
    }

    /// Relative paths of the file (`stateDir`) resolved against its directory.
    pub fn resolve_paths(&mut self, path: &Path) {
        let config = self;
        let base = path.parent().unwrap_or(Path::new(""));
        if let Some(dir) = &config.state_dir
            && dir.is_relative()
        {
            config.state_dir = Some(base.join(dir));
        }
        config.path = Some(path.to_path_buf());
    }

    /// Parses configuration text; `display` names the file in messages. Reports every problem
    /// at once, each as `file:line:column: message`. Environments are not selected here: the
    /// top level's settings are read.
    pub fn parse(display: &str, text: &str) -> Result<FileConfig, CommandError> {
        let config = ConfigFile::parse(display, text).map_err(|p| invalid(p.join("\n")))?;
        FileConfig::from_entries(&config, &config.layer(None).entries)
    }

    /// The settings among `entries` (one environment's, from `config`) that are this
    /// provider's or the runs' (`prune`, ...), checked; the core's keys (`environments`,
    /// `secrets`, `vars`, `overlays`) are skipped, other providers' sections kept for them.
    pub fn from_entries(
        config: &ConfigFile,
        entries: &[Entry],
    ) -> Result<FileConfig, CommandError> {
        let at = |span: &Range<usize>| config.locate(span);
        let mut config_out = FileConfig {
            path: config.path.clone(),
            ..FileConfig::default()
        };
        let config = &mut config_out;
        let mut problems = Vec::new();
        for entry in entries {
            let key = entry.key.as_str();
            if CORE_KEYS.contains(&key) {
                continue;
            }
            let node = &entry.value;
            let here = at(&node.span);
            if STRING_KEYS.contains(&key) {
                let text = match &node.value {
                    _ if node.is_null() => None,
                    yaml::Value::Scalar(scalar) => Some(match scalar.resolve() {
                        Resolved::Str(s) => s.to_string(),
                        _ => scalar.text.clone(),
                    }),
                    _ => {
                        problems.push(format!(
                            "{here}: `{key}` must be text, found {}",
                            node.describe()
                        ));
                        None
                    }
                };
                let text = text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
                match key {
                    "endpoint" => config.endpoint = text,
                    "api" => {
                        config.api = match text.as_deref() {
                            None => None,
                            Some("dps") => Some(Api::Dps),
                            Some("xcore") => Some(Api::Xcore),
                            Some(other) => {
                                problems.push(format!(
                                    "{here}: `api` must be dps or xcore, found {other:?}"
                                ));
                                None
                            }
                        }
                    }
                    "sandbox" => config.sandbox = text,
                    "org" => config.org = text,
                    "apiKey" => config.api_key = text.map(Secret::new),
                    "container" => config.container = text,
                    "clientId" => config.client_id = text.map(Secret::new),
                    "scopes" => config.scopes = text,
                    "tokenUrl" => config.token_url = text,
                    _ => config.state_dir = text.map(PathBuf::from),
                }
                continue;
            }
            if SECTION_KEYS.contains(&key) {
                config
                    .sections
                    .insert(key.to_string(), (here.clone(), node.to_json()));
                continue;
            }
            let scalar = match &node.value {
                yaml::Value::Scalar(scalar) if !node.is_null() => Some(scalar.resolve()),
                _ => None,
            };
            match key {
                "prune" => match scalar {
                    Some(Resolved::Bool(b)) => config.prune = Some(b),
                    _ if node.is_null() => {}
                    _ => problems.push(format!(
                        "{here}: `prune` must be true or false, found {}",
                        node.describe()
                    )),
                },
                "maxAttempts" => match scalar {
                    Some(Resolved::Int(n)) if (1..=100).contains(&n) => {
                        config.max_attempts = Some(n as u32)
                    }
                    _ if node.is_null() => {}
                    _ => problems.push(format!(
                        "{here}: `maxAttempts` must be a whole number from 1 to 100, found {}",
                        node.describe()
                    )),
                },
                "pageSize" => match scalar {
                    Some(Resolved::Int(n)) if (1..=10_000).contains(&n) => {
                        config.page_size = Some(n as u32)
                    }
                    _ if node.is_null() => {}
                    _ => problems.push(format!(
                        "{here}: `pageSize` must be a whole number from 1 to 10000, found {}",
                        node.describe()
                    )),
                },
                "maxDeletes" | "parallelism" => {
                    let minimum = if key == "parallelism" { 1 } else { 0 };
                    match scalar {
                        Some(Resolved::Int(n)) if n >= minimum => {
                            let n = Some(n as u64);
                            if key == "parallelism" {
                                config.parallelism = n;
                            } else {
                                config.max_deletes = n;
                            }
                        }
                        _ if node.is_null() => {}
                        _ => problems.push(format!(
                            "{here}: `{key}` must be a whole number of at least {minimum}, found {}",
                            node.describe()
                        )),
                    }
                }
                _ if SECRET_KEYS.iter().any(|s| loose(s) == loose(key)) => {
                    problems.push(format!(
                        "{}: `{key}`: secrets are never read from the configuration file (it is easily committed); set {ENV_ACCESS_TOKEN}, or {ENV_CLIENT_SECRET} with clientId, in the environment",
                        at(&entry.key_span)
                    ));
                }
                _ => {
                    let hint = match suggestion(key) {
                        Some(known) => format!("did you mean `{known}`? "),
                        None => String::new(),
                    };
                    let all: Vec<&str> = STRING_KEYS
                        .iter()
                        .chain(OTHER_KEYS)
                        .chain(SECTION_KEYS)
                        .chain(CORE_KEYS)
                        .copied()
                        .collect();
                    problems.push(format!(
                        "{}: unknown key `{key}`; {hint}known keys: {}",
                        at(&entry.key_span),
                        all.join(", ")
                    ));
                }
            }
        }
        if problems.is_empty() {
            Ok(config_out)
        } else {
            Err(invalid(problems.join("\n")))
        }
    }
}

/// Flags, environment and file merged, defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub endpoint: Option<String>,
    pub api: Api,
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// Objects per list page, when set (each API has its own default).
    pub page_size: Option<usize>,
    pub sandbox: String,
    pub org: Option<String>,
    pub api_key: Option<Secret>,
    pub container: Option<String>,
    pub client_id: Option<Secret>,
    pub scopes: String,
    pub token_url: String,
    pub state_dir: PathBuf,
    pub file: FileConfig,
}

fn nonempty(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn nonempty_secret(value: &Option<Secret>) -> Option<Secret> {
    value.clone().filter(|s| !s.expose().trim().is_empty())
}

impl Settings {
    /// Reads the configuration file (the one named, or `offerctl.yaml` when it exists) and
    /// merges: flag > environment (clap has already done that) > file > default.
    pub fn resolve(args: &RemoteArgs) -> Result<Settings, CommandError> {
        let file = match &args.config {
            Some(path) if !path.as_os_str().is_empty() => {
                if !path.exists() {
                    return Err(invalid(format!(
                        "the configuration file {} does not exist",
                        path.display()
                    )));
                }
                FileConfig::read(path)?
            }
            _ => {
                let default = Path::new(DEFAULT_CONFIG_FILE);
                if default.is_file() {
                    FileConfig::read(default)?
                } else {
                    FileConfig::default()
                }
            }
        };
        Ok(Settings::merge(args, file))
    }

    /// Merges already-read arguments and file.
    pub fn merge(args: &RemoteArgs, file: FileConfig) -> Settings {
        Settings {
            endpoint: nonempty(&args.endpoint).or(file.endpoint.clone()),
            api: args.api.or(file.api).unwrap_or_default(),
            max_attempts: args
                .max_attempts
                .or(file.max_attempts)
                .unwrap_or(RetryPolicy::default().max_attempts),
            page_size: args.page_size.or(file.page_size).map(|n| n as usize),
            sandbox: nonempty(&args.sandbox)
                .or(file.sandbox.clone())
                .unwrap_or_else(|| DEFAULT_SANDBOX.to_string()),
            org: nonempty(&args.org).or(file.org.clone()),
            api_key: nonempty_secret(&args.api_key).or(file.api_key.clone()),
            container: nonempty(&args.container).or(file.container.clone()),
            client_id: nonempty_secret(&args.client_id).or(file.client_id.clone()),
            scopes: nonempty(&args.scopes)
                .or(file.scopes.clone())
                .unwrap_or_else(|| DEFAULT_SCOPES.to_string()),
            token_url: nonempty(&args.token_url)
                .or(file.token_url.clone())
                .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_string()),
            state_dir: args
                .state_dir
                .clone()
                .filter(|d| !d.as_os_str().is_empty())
                .or(file.state_dir.clone())
                .unwrap_or_else(|| PathBuf::from(DEFAULT_STATE_DIR)),
            file,
        }
    }

    /// The settings of the run in `environment`: flags (and their environment variables) over
    /// the environment's block over the file's top level over defaults.
    pub fn for_environment(
        remote: &RemoteArgs,
        config: &ConfigFile,
        environment: &Environment,
        layer: &Layer,
    ) -> Result<Settings, CommandError> {
        let mut file = FileConfig::from_entries(config, &layer.entries)?;
        if let Some(path) = &config.path {
            file.resolve_paths(path);
        }
        let mut settings = Settings::merge(remote, file);
        if let Some(name) = &environment.name {
            // Each environment without an endpoint gets embedded repositories of its own.
            settings.state_dir = settings.state_dir.join("environments").join(name);
        }
        Ok(settings)
    }

    /// The XCore client configuration, with credentials from `env` (the process environment
    /// in [`connect`]). `None` when no endpoint is configured.
    pub fn xcore_config(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<XcoreConfig>, CommandError> {
        let Some(endpoint) = &self.endpoint else {
            return Ok(None);
        };
        let env = |name: &str| env(name).filter(|v| !v.trim().is_empty()).map(Secret::new);
        let Some(org) = &self.org else {
            return Err(invalid(format!(
                "the endpoint {endpoint} needs an organization: set --org, OFFERCTL_ORG or `org` in {DEFAULT_CONFIG_FILE}"
            )));
        };
        let auth = match (
            env(ENV_ACCESS_TOKEN),
            &self.client_id,
            env(ENV_CLIENT_SECRET),
        ) {
            (Some(token), _, _) => Auth::Token(token),
            (None, Some(client_id), Some(client_secret)) => {
                let token_url =
                    check_url(&self.token_url, "token URL").map_err(|e| invalid(e.to_string()))?;
                Auth::ClientCredentials(ClientCredentials {
                    client_id: client_id.clone(),
                    client_secret,
                    scopes: self.scopes.clone(),
                    token_url,
                })
            }
            (None, Some(_), None) => {
                return Err(invalid(format!(
                    "a client id is configured but {ENV_CLIENT_SECRET} is not set: set it in the environment (secrets are never read from flags or the configuration file), or set {ENV_ACCESS_TOKEN} instead"
                )));
            }
            (None, None, Some(_)) => {
                return Err(invalid(format!(
                    "{ENV_CLIENT_SECRET} is set but no client id: set --client-id, OFFERCTL_CLIENT_ID or `clientId` in {DEFAULT_CONFIG_FILE}"
                )));
            }
            (None, None, None) => {
                return Err(invalid(format!(
                    "no credentials for {endpoint}: set {ENV_ACCESS_TOKEN} (and --api-key or OFFERCTL_API_KEY), or OFFERCTL_CLIENT_ID and {ENV_CLIENT_SECRET} for OAuth server-to-server, in the environment"
                )));
            }
        };
        let mut config =
            XcoreConfig::new(endpoint.clone(), self.sandbox.clone(), org.clone(), auth);
        config.api_key = self.api_key.clone();
        config.container = self.container.clone();
        config.retry.max_attempts = self.max_attempts;
        if let Some(size) = self.page_size {
            config.page_size = size;
        }
        Ok(Some(config))
    }
}

/// The repository to work with, and what to tell the user about it.
pub struct Connection {
    pub backend: Box<dyn Backend>,
    /// One line for stderr when the choice may surprise (the embedded repository).
    pub announcement: Option<String>,
    /// Settings of `plan` and `apply` from the configuration file.
    pub file: FileConfig,
}

/// Opens the configured repository: the XCore API when an endpoint is configured (credentials
/// from the process environment), the embedded local repository otherwise. No network I/O.
pub fn connect(args: &RemoteArgs) -> Result<Connection, CommandError> {
    connect_with_env(args, |name| std::env::var(name).ok())
}

/// [`connect`] with the secrets read through `env` instead of the process environment.
pub fn connect_with_env(
    args: &RemoteArgs,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Connection, CommandError> {
    connect_settings(Settings::resolve(args)?, env)
}

/// [`connect_with_env`] with settings already resolved.
pub fn connect_settings(
    settings: Settings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Connection, CommandError> {
    match settings.xcore_config(env)? {
        Some(config) => {
            let backend: Box<dyn Backend> = match settings.api {
                Api::Xcore => {
                    Box::new(XcoreClient::new(config).map_err(|e| invalid(e.to_string()))?)
                }
                Api::Dps => {
                    if let Some(container) = &config.container {
                        return Err(invalid(format!(
                            "the container {container} is set, but the DPS API has no containers (the sandbox selects the data): drop --container / OFFERCTL_CONTAINER / `container`, or use --api xcore"
                        )));
                    }
                    let connection = config.connection();
                    let client = match settings.page_size {
                        Some(size) => DpsClient::new(&connection, size),
                        None => DpsClient::with_default_page_size(&connection),
                    }
                    .map_err(|e| invalid(e.to_string()))?;
                    Box::new(client)
                }
            };
            Ok(Connection {
                backend,
                announcement: None,
                file: settings.file,
            })
        }
        None => {
            let dir = settings.state_dir.join("repository");
            let embedded = Embedded::open(&dir, &settings.sandbox)
                .map_err(|e| CommandError::new(Exit::Error, e.message))?;
            Ok(Connection {
                backend: Box::new(embedded),
                announcement: Some(format!(
                    "No endpoint configured: using the embedded local repository in {} (sandbox {}).",
                    dir.display(),
                    settings.sandbox
                )),
                file: settings.file,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_for_near_misses() {
        assert_eq!(suggestion("api_key"), Some("apiKey"));
        assert_eq!(suggestion("endpiont"), Some("endpoint"));
        assert_eq!(suggestion("state-dir"), Some("stateDir"));
        assert_eq!(suggestion("completely-different"), None);
    }
}
