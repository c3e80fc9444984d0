//! Where Appcharge is and how to reach it: `--appcharge-endpoint` (`OFFERCTL_APPCHARGE_ENDPOINT`,
//! `appcharge: {endpoint: ...}` in offerctl.yaml), `--appcharge-api v1|v2`, and the publisher
//! token from `OFFERCTL_APPCHARGE_TOKEN` only: never a flag (other users could read it in `ps`)
//! nor the file (it tends to be committed).
//!
//! Without an endpoint, Appcharge kinds live in the embedded local repository, beside Adobe's.

use std::path::Path;

use clap::Args;
use serde_json::Value;

use super::clients::embedded::Embedded;
use super::clients::http::{ApiVersion, AppchargeClient, AppchargeConfig, MAX_PAGE_SIZE};
use crate::backend::Backend;
use crate::exit::{CommandError, Exit};
use crate::secret::Secret;

pub const ENV_TOKEN: &str = "OFFERCTL_APPCHARGE_TOKEN";

/// Appcharge's connection flags, flattened into the commands that talk to repositories.
#[derive(Debug, Clone, Default, Args)]
pub struct AppchargeArgs {
    /// Appcharge API origin, e.g. https://api.appcharge.com (or https://api-sandbox.appcharge.com).
    /// Without one, Appcharge kinds use the embedded local repository. The publisher token is
    /// read from OFFERCTL_APPCHARGE_TOKEN only.
    #[arg(long, value_name = "URL", env = "OFFERCTL_APPCHARGE_ENDPOINT")]
    pub appcharge_endpoint: Option<String>,

    /// Which Appcharge offer API writes rolling offers: v2 (/v2/offer) or v1
    /// (/offering/rolling-offer, deprecated) [default: v2].
    #[arg(long, value_enum, value_name = "API", env = "OFFERCTL_APPCHARGE_API")]
    pub appcharge_api: Option<ApiVersion>,
}

/// The `appcharge:` section of offerctl.yaml: `endpoint`, `api` (v1 or v2), `pageSize`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileSection {
    pub endpoint: Option<String>,
    pub api: Option<ApiVersion>,
    pub page_size: Option<usize>,
}

impl FileSection {
    /// Reads the section's JSON form; `at` locates it for messages.
    pub fn parse(at: &str, value: &Value) -> Result<FileSection, String> {
        let Some(map) = value.as_object() else {
            return Err(format!(
                "{at}: `appcharge` must be a mapping (endpoint, api, pageSize)"
            ));
        };
        let mut section = FileSection::default();
        let mut problems = Vec::new();
        for (key, value) in map {
            match (key.as_str(), value) {
                (_, Value::Null) => {}
                ("endpoint", Value::String(s)) if !s.trim().is_empty() => {
                    section.endpoint = Some(s.trim().to_string())
                }
                ("api", Value::String(s)) if s == "v1" || s == "v2" => {
                    section.api = Some(if s == "v1" { ApiVersion::V1 } else { ApiVersion::V2 })
                }
                ("api", other) => problems.push(format!("{at}: `appcharge.api` must be v1 or v2, found {other}")),
                ("pageSize", Value::Number(n))
                    if n.as_u64().is_some_and(|n| (1..=MAX_PAGE_SIZE as u64).contains(&n)) =>
                {
                    section.page_size = n.as_u64().map(|n| n as usize)
                }
                ("pageSize", other) => problems.push(format!(
                    "{at}: `appcharge.pageSize` must be a whole number from 1 to {MAX_PAGE_SIZE}, found {other}"
                )),
                ("token" | "publisherToken" | "secret", _) => problems.push(format!(
                    "{at}: `appcharge.{key}`: secrets are never read from the configuration file; set {ENV_TOKEN} in the environment"
                )),
                ("endpoint", other) => problems.push(format!("{at}: `appcharge.endpoint` must be a URL, found {other}")),
                (other, _) => problems.push(format!(
                    "{at}: unknown key `appcharge.{other}`; known keys: endpoint, api, pageSize"
                )),
            }
        }
        if problems.is_empty() {
            Ok(section)
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// The configured endpoint: the flag (or its variable), then the file.
pub fn endpoint(args: &AppchargeArgs, file: &FileSection) -> Option<String> {
    args.appcharge_endpoint
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(String::from)
        .or(file.endpoint.clone())
}

/// Appcharge's repository for this run, and a line for stderr when it is the embedded one.
pub struct Connection {
    pub backend: Box<dyn Backend>,
    pub announcement: Option<String>,
}

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(Exit::Invalid, message)
}

/// Opens Appcharge's repository: the API when an endpoint is configured (token from `env`),
/// the embedded repository under `state_dir` otherwise. No network I/O.
pub fn connect(
    args: &AppchargeArgs,
    file: &FileSection,
    state_dir: &Path,
    max_attempts: u32,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Connection, CommandError> {
    let endpoint = endpoint(args, file);
    let api = args.appcharge_api.or(file.api).unwrap_or_default();
    let Some(endpoint) = endpoint else {
        let dir = state_dir.join("repository");
        let embedded = Embedded::open(&dir).map_err(|e| CommandError::new(Exit::Error, e))?;
        return Ok(Connection {
            backend: Box::new(embedded),
            announcement: Some(format!(
                "No Appcharge endpoint configured: using the embedded local repository in {}.",
                dir.display()
            )),
        });
    };
    let token = env(ENV_TOKEN)
        .filter(|t| !t.trim().is_empty())
        .map(Secret::new)
        .ok_or_else(|| {
            invalid(format!(
                "no publisher token for the Appcharge endpoint {endpoint}: set {ENV_TOKEN} in the environment"
            ))
        })?;
    let mut config = AppchargeConfig::new(endpoint, token);
    config.api = api;
    config.retry.max_attempts = max_attempts;
    if let Some(size) = file.page_size {
        config.page_size = size;
    }
    let client = AppchargeClient::new(config).map_err(invalid)?;
    Ok(Connection {
        backend: Box::new(client),
        announcement: None,
    })
}
