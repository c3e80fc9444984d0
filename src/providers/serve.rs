//! `offerctl serve`: every provider's emulator facade on one listener, behind one gateway.
//!
//! The server and gateway are the core's ([`crate::serve`]); each provider contributes its
//! routes and its [`crate::serve::Facade`]. This is the one place naming them together: the
//! flags, opening the stores, `/_emulator/reset`, and [`RunningServer`].
//!
//! Embed it with [`start`] (returns once listening; tests bind `127.0.0.1:0`) or run it until
//! SIGINT/SIGTERM with [`run`].

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;

use crate::providers::adobe::repository::{RepoError, Repository, container_id};
use crate::providers::adobe::serve::spelling as adobe_spelling;
use crate::providers::adobe::serve::{Adobe, BASE, Credentials};
use crate::providers::appcharge::repository::{Store, StoreError};
use crate::providers::appcharge::serve::Appcharge;
use crate::providers::appcharge::serve::spelling as appcharge_spelling;
use crate::serve::spelling::{self, InstantStyle};
use crate::serve::{self as server, Options, positive_rate, probability};

/// Flags of `offerctl serve`.
#[derive(clap::Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1:8080",
        env = "OFFERCTL_LISTEN"
    )]
    pub listen: SocketAddr,

    /// Persist the stores in DIR (every acknowledged write is synced to disk; Appcharge's under
    /// DIR/appcharge). In memory when absent.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,

    /// Accept only this bearer token (and issue it from /ims/token/v3). Any token otherwise.
    #[arg(
        long,
        value_name = "T",
        env = "OFFERCTL_SERVE_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// Client id that /ims/token/v3 and the x-api-key header must match. Any otherwise.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Client secret that /ims/token/v3 must be given. Any otherwise.
    #[arg(
        long,
        value_name = "SECRET",
        env = "OFFERCTL_SERVE_CLIENT_SECRET",
        hide_env_values = true
    )]
    pub client_secret: Option<String>,

    /// Accept only this Appcharge publisher token (x-publisher-token). Any non-empty token
    /// otherwise.
    #[arg(
        long,
        value_name = "T",
        env = "OFFERCTL_SERVE_APPCHARGE_TOKEN",
        hide_env_values = true
    )]
    pub appcharge_token: Option<String>,

    /// Delay every request by MS milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub latency: u64,

    /// Answer this fraction of requests with 503 before doing anything (0..=1).
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = probability)]
    pub fail_rate: f64,

    /// Allow RPS requests per second (bursts up to one second's worth); excess gets 429 with
    /// Retry-After.
    #[arg(long, value_name = "RPS", value_parser = positive_rate)]
    pub throttle: Option<f64>,

    /// Answer every Nth request with 429 and Retry-After: 1, however fast requests arrive: the
    /// same number of 429s on a fast machine and a slow one (unlike --throttle).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub throttle_every: Option<u64>,

    /// Commit this fraction of successful writes, then close the connection without answering
    /// (0..=1).
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = probability)]
    pub drop_after_commit: f64,

    /// Seed for the fault-injection random draws, for reproducible runs.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Polls of a delete job that answer 202 before the outcome is decided (0: the first poll
    /// decides).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub delete_pending_polls: u32,

    /// Deviation (for testing `offerctl doctor`): list pages hold at most N items, whatever
    /// `limit` asks.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=500))]
    pub max_page_size: Option<u64>,

    /// Deviation (for testing `offerctl doctor`): do not check If-Match, so a stale etag
    /// overwrites instead of getting 409.
    #[arg(long)]
    pub ignore_if_match: bool,

    /// Deviation (for testing `offerctl doctor`): delete objects that others still refer to
    /// instead of refusing.
    #[arg(long)]
    pub delete_referenced: bool,

    /// How answers spell instants: as written (verbatim), or as the services' documentation
    /// shows them (documented, alias adobe): DPS `….000+00:00`, XCore `….000Z` with metadata
    /// to the microsecond, Appcharge `….000Z`.
    #[arg(long, value_enum, value_name = "HOW", default_value_t = Spelling::Verbatim)]
    pub spelling: Spelling,
}

/// How `offerctl serve` spells the instants it answers with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Spelling {
    /// Exactly as they were written.
    #[default]
    Verbatim,
    /// As each service's documentation shows it answering.
    #[value(alias = "adobe")]
    Documented,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: None,
            token: None,
            client_id: None,
            client_secret: None,
            appcharge_token: None,
            latency: 0,
            fail_rate: 0.0,
            throttle: None,
            throttle_every: None,
            drop_after_commit: 0.0,
            seed: None,
            delete_pending_polls: 0,
            max_page_size: None,
            ignore_if_match: false,
            delete_referenced: false,
            spelling: Spelling::Verbatim,
        }
    }
}

impl ServeArgs {
    /// Defaults, listening on an ephemeral loopback port (for tests and embedding).
    pub fn ephemeral() -> Self {
        ServeArgs {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..ServeArgs::default()
        }
    }

    fn options(&self) -> Options {
        Options {
            latency: Duration::from_millis(self.latency),
            fail_rate: self.fail_rate,
            throttle: self.throttle,
            throttle_every: self.throttle_every,
            drop_after_commit: self.drop_after_commit,
            seed: self.seed,
        }
    }
}

// Hand-written so that secrets never reach a log through `{:?}`.
impl fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redact = |s: &Option<String>| s.as_ref().map(|_| "<redacted>");
        f.debug_struct("ServeArgs")
            .field("listen", &self.listen)
            .field("data", &self.data)
            .field("token", &redact(&self.token))
            .field("client_id", &self.client_id)
            .field("client_secret", &redact(&self.client_secret))
            .field("appcharge_token", &redact(&self.appcharge_token))
            .field("latency", &self.latency)
            .field("fail_rate", &self.fail_rate)
            .field("throttle", &self.throttle)
            .field("throttle_every", &self.throttle_every)
            .field("drop_after_commit", &self.drop_after_commit)
            .field("seed", &self.seed)
            .field("delete_pending_polls", &self.delete_pending_polls)
            .field("max_page_size", &self.max_page_size)
            .field("ignore_if_match", &self.ignore_if_match)
            .field("delete_referenced", &self.delete_referenced)
            .field("spelling", &self.spelling)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the repository: {0}")]
    Repository(#[from] RepoError),
    #[error("cannot open the Appcharge store: {0}")]
    Appcharge(#[from] StoreError),
    #[error("invalid option: {0}")]
    InvalidArgument(String),
    #[error("server failed: {0}")]
    Server(std::io::Error),
}

/// A server started by [`start`]. Dropping it without [`RunningServer::shutdown`] stops
/// accepting connections as well.
pub struct RunningServer {
    /// The address actually bound (the real port when `listen` had port 0).
    pub addr: SocketAddr,
    repo: Arc<Repository>,
    appcharge: Arc<Store>,
    server: server::Running,
}

impl RunningServer {
    /// `http://ADDR`, the origin to prefix paths with.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The container id of `sandbox` (the same for every server: it is derived from the name).
    pub fn container_id(&self, sandbox: &str) -> String {
        container_id(sandbox)
    }

    /// The Adobe repository behind the server, for in-process inspection.
    pub fn repository(&self) -> &Arc<Repository> {
        &self.repo
    }

    /// The Appcharge store behind the server, for in-process inspection.
    pub fn appcharge(&self) -> &Arc<Store> {
        &self.appcharge
    }

    /// Stops accepting, lets in-flight requests finish, and waits for the server to end.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        self.server.stop().await.map_err(Error::Server)
    }
}

/// Runs a blocking store operation (opening reads and syncs files) off the async workers.
async fn blocking<T: Send + 'static, E: Send + 'static>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, Error>
where
    Error: From<E>,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(Error::from),
        Err(join) => Err(Error::Server(std::io::Error::other(join))),
    }
}

/// Opens the stores, binds the listener and starts serving in the background.
pub async fn start(args: ServeArgs) -> Result<RunningServer, Error> {
    // The clap parsers check these too; embedders construct ServeArgs directly.
    let options = args.options();
    options.check().map_err(Error::InvalidArgument)?;
    let repo = match &args.data {
        Some(dir) => {
            let dir = dir.clone();
            blocking(move || Repository::open(&dir)).await?
        }
        None => Repository::open_in_memory(),
    };
    repo.set_delete_pending_polls(args.delete_pending_polls);
    let deviations = repo.deviations();
    let max_page_size = args.max_page_size.map_or(0, |n| n as usize);
    deviations.max_page_size.store(max_page_size, Relaxed);
    deviations
        .ignore_if_match
        .store(args.ignore_if_match, Relaxed);
    deviations
        .delete_referenced
        .store(args.delete_referenced, Relaxed);
    let repo = Arc::new(repo);
    let store = match &args.data {
        // Its own directory (and lock), beside the Adobe repository's files.
        Some(dir) => {
            let dir = dir.join("appcharge");
            blocking(move || Store::open(&dir)).await?
        }
        None => Store::in_memory(),
    };
    let store = Arc::new(store);
    let listening = server::bind(args.listen)
        .await
        .map_err(|source| Error::Bind {
            addr: args.listen,
            source,
        })?;
    let addr = listening.addr;
    let adobe = Arc::new(Adobe::new(
        repo.clone(),
        Credentials {
            token: args.token.clone(),
            client_id: args.client_id.clone(),
            client_secret: args.client_secret.clone(),
        },
        addr,
    ));
    let appcharge = Appcharge::new(store.clone(), args.appcharge_token.clone());
    let reset = {
        let (adobe, store) = (adobe.clone(), store.clone());
        move |headers: HeaderMap, uri: Uri| async move { reset(&adobe, &store, &headers, &uri).await }
    };
    let spelled =
        |routes: Router, documented: fn(&str, &str) -> Option<InstantStyle>| match args.spelling {
            Spelling::Verbatim => routes,
            Spelling::Documented => spelling::layer(routes, Arc::new(documented)),
        };
    let routes = Router::new()
        .merge(spelled(adobe.routes(), adobe_spelling::documented))
        .merge(spelled(appcharge.routes(), appcharge_spelling::documented))
        .route("/_emulator/reset", post(reset));
    // Adobe first: it answers paths no facade owns, as it did alone.
    let facades = vec![adobe.facade(), appcharge.facade()];
    let server = listening.serve(&options, routes, facades);
    Ok(RunningServer {
        addr,
        repo,
        appcharge: store,
        server,
    })
}

/// `POST /_emulator/reset`: every provider's store (Adobe: the sandbox named by `?sandbox=` or
/// `x-sandbox-name`; Appcharge: everything).
async fn reset(adobe: &Adobe, store: &Arc<Store>, headers: &HeaderMap, uri: &Uri) -> Response {
    let mut body = match adobe.reset(headers, uri).await {
        Ok(body) => body,
        Err(response) => return response,
    };
    let store = store.clone();
    match blocking(move || store.reset()).await {
        Ok(()) => {
            body["appcharge"] = serde_json::json!({"reset": true});
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(error) => {
            let body = serde_json::json!({"message": error.to_string()});
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
        }
    }
}

/// Runs the server until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn run(args: ServeArgs) -> Result<(), Error> {
    let storage = match &args.data {
        Some(dir) => format!("data in {}", dir.display()),
        None => "in memory (use --data DIR to persist)".to_string(),
    };
    let settings = Settings::of(&args);
    let mut server = start(args).await?;
    // Not println!: it panics when stdout is closed (a supervisor that stopped reading).
    let say = |line: String| {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    };
    // The origin alone on this line: scripts read the address from it.
    say(format!("offerctl serve: listening on {}", server.url()));
    say(format!(
        "offerctl serve: Adobe's XCore API at {0}{BASE}/, Decision Management at {0}/data/core/dps/",
        server.url()
    ));
    say(format!("offerctl serve: {storage}"));
    say(format!(
        "offerctl serve: sandbox prod has container {} (other sandboxes: see GET {BASE}/ with x-sandbox-name)",
        container_id("prod")
    ));
    say(format!(
        "offerctl serve: Appcharge publisher API at {}/v2/offer, /offering/rolling-offer, /components/v1/",
        server.url()
    ));
    say("offerctl serve: point offerctl at it by running these lines in your shell:".into());
    for line in settings.lines(&server.url()) {
        say(line);
    }
    server::shutdown_signal().await;
    say("offerctl serve: shutting down".to_string());
    server.server.stop().await.map_err(Error::Server)
}

/// The settings that point offerctl at this server, as shell lines to paste: the origin (the
/// API's path is offerctl's to append) and credentials the server accepts. A token it was
/// given is a secret and is never printed: its line says where the value is.
struct Settings {
    token_given: bool,
    client_id: Option<String>,
    appcharge_token_given: bool,
}

impl Settings {
    fn of(args: &ServeArgs) -> Settings {
        Settings {
            token_given: args.token.is_some(),
            client_id: args.client_id.clone(),
            appcharge_token_given: args.appcharge_token.is_some(),
        }
    }

    fn lines(&self, origin: &str) -> Vec<String> {
        let secret = |given: bool, flag: &str| {
            if given {
                format!("\"<the {flag} given to offerctl serve>\"")
            } else {
                "local".to_string()
            }
        };
        vec![
            format!("export OFFERCTL_ENDPOINT={origin}"),
            "export OFFERCTL_ORG=local@AdobeOrg".to_string(),
            format!(
                "export OFFERCTL_ACCESS_TOKEN={}",
                secret(self.token_given, "--token")
            ),
            format!(
                "export OFFERCTL_API_KEY={}",
                self.client_id.as_deref().unwrap_or("local")
            ),
            format!("export OFFERCTL_APPCHARGE_ENDPOINT={origin}"),
            format!(
                "export OFFERCTL_APPCHARGE_TOKEN={}",
                secret(self.appcharge_token_given, "--appcharge-token")
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_to_paste_name_the_client_id_but_never_a_token() {
        let args = ServeArgs {
            token: Some("tok-SECRET".into()),
            client_id: Some("cid".into()),
            appcharge_token: Some("pub-SECRET".into()),
            ..ServeArgs::ephemeral()
        };
        let lines = Settings::of(&args).lines("http://127.0.0.1:1").join("\n");
        assert!(!lines.contains("SECRET"), "{lines}");
        assert!(lines.contains("export OFFERCTL_API_KEY=cid\n"), "{lines}");
        assert!(
            lines
                .contains("export OFFERCTL_ACCESS_TOKEN=\"<the --token given to offerctl serve>\""),
            "{lines}"
        );
    }
}
