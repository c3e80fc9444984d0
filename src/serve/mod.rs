//! The emulator server, without any vendor: the listener whose connections fault injection can
//! sever, the gateway around every route (request ids, per-request logging, statistics,
//! latency, injected failures, throttling, drop-after-commit, credential checks), and the
//! emulator's own controls under `/_emulator/`.
//!
//! Providers contribute a [`Facade`] each (which paths it owns, how it authenticates, the shape
//! of its gateway errors) and the routes of their APIs; the composition point
//! (`offerctl serve`) binds a listener with [`bind`] and serves them with
//! [`Listening::serve`]. See `docs/serve.md`.

mod conn;
mod faults;
mod gate;
pub mod spelling;
mod stats;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use conn::{ConnHandle, KillableListener};
use faults::Faults;
use gate::Gateway;

pub use gate::Committed;

/// One provider's API as the gateway sees it.
pub trait Facade: Send + Sync + 'static {
    /// Whether requests to `path` are this facade's: its credential check and error shapes
    /// apply to them. Paths no facade owns are answered by the first facade of the server.
    fn owns(&self, path: &str) -> bool;

    /// The credential check for a request to `path`: the rejection, if any.
    fn reject(&self, path: &str, headers: &HeaderMap) -> Option<Response>;

    /// The answer to a request failed by `--fail-rate` (a 503).
    fn unavailable(&self) -> Response;

    /// The answer to a request over `--throttle` (a 429), to be retried after `seconds`.
    fn throttled(&self, seconds: u64) -> Response;

    /// The answer to a request no route matches.
    fn not_found(&self, method: &Method, path: &str) -> Response;
}

/// The gateway's settings (the provider-neutral flags of `offerctl serve`).
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Delay every request by this much.
    pub latency: Duration,
    /// Answer this fraction of requests with 503 before doing anything (0..=1).
    pub fail_rate: f64,
    /// Allow this many requests per second (bursts up to one second's worth), 429 above.
    pub throttle: Option<f64>,
    /// Answer every n-th request 429 with `Retry-After: 1`, whatever the rate: the same
    /// number of 429s on a fast machine and a slow one (tests that must see 429s use it).
    pub throttle_every: Option<u64>,
    /// Commit this fraction of successful writes, then close the connection (0..=1).
    pub drop_after_commit: f64,
    /// Seed for the fault-injection draws.
    pub seed: Option<u64>,
}

impl Options {
    /// Checks what the flag parsers check, for embedders that build `Options` directly.
    pub fn check(&self) -> Result<(), String> {
        probability(&self.fail_rate.to_string())?;
        probability(&self.drop_after_commit.to_string())?;
        if let Some(rate) = self.throttle {
            positive_rate(&rate.to_string())?;
        }
        if self.throttle_every == Some(0) {
            return Err("throttle_every must be at least 1".to_string());
        }
        Ok(())
    }
}

/// Parses a probability between 0 and 1 (a flag parser).
pub fn probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{text:?} is not a probability between 0 and 1")),
    }
}

/// Parses a positive request rate (a flag parser).
pub fn positive_rate(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if r.is_finite() && r > 0.0 => Ok(r),
        _ => Err(format!("{text:?} is not a positive request rate")),
    }
}

/// Compares secrets without an early exit, so timing does not reveal a matching prefix.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A bound listener, not serving yet (facades may need its address to build their routes).
pub struct Listening {
    listener: tokio::net::TcpListener,
    /// The address actually bound (the real port when the requested one was 0).
    pub addr: SocketAddr,
}

/// Binds `addr`.
pub async fn bind(addr: SocketAddr) -> std::io::Result<Listening> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    Ok(Listening { listener, addr })
}

impl Listening {
    /// Serves `routes` (every provider's, already merged, with their state) behind the gateway
    /// in the background. Adds `GET`/`DELETE /_emulator/stats` and the not-found answer.
    pub fn serve(
        self,
        options: &Options,
        routes: Router,
        facades: Vec<Arc<dyn Facade>>,
    ) -> Running {
        let faults = Faults::new(
            options.latency,
            options.fail_rate,
            options.drop_after_commit,
            options.throttle,
            options.throttle_every,
            options.seed,
        );
        let gateway = Arc::new(Gateway::new(faults, facades));
        let stats = {
            let gateway = gateway.clone();
            move || async move { (StatusCode::OK, axum::Json(gateway.stats.snapshot())).into_response() }
        };
        let clear = {
            let gateway = gateway.clone();
            move || async move {
                gateway.stats.clear();
                StatusCode::NO_CONTENT.into_response()
            }
        };
        let not_found = {
            let gateway = gateway.clone();
            move |method: Method, uri: Uri| async move {
                match gateway.facade(uri.path()) {
                    Some(facade) => facade.not_found(&method, uri.path()),
                    None => gate::plain(404, &format!("no resource at {}", uri.path())),
                }
            }
        };
        let router = routes
            .route("/_emulator/stats", get(stats).delete(clear))
            .fallback(not_found)
            .layer(axum::middleware::from_fn_with_state(
                gateway.clone(),
                gate::gate,
            ));
        let (tx, rx) = oneshot::channel::<()>();
        let service = router.into_make_service_with_connect_info::<ConnHandle>();
        let listener = KillableListener::new(self.listener);
        let task = tokio::spawn(async move {
            axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await
        });
        Running {
            addr: self.addr,
            shutdown: Some(tx),
            task: Some(task),
        }
    }
}

/// How long a shutdown waits for in-flight requests before it ends regardless.
pub const DRAIN_DEADLINE: Duration = Duration::from_secs(5);

/// A server started by [`Listening::serve`]. Dropping it stops accepting connections.
pub struct Running {
    /// The address bound.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish for up to [`DRAIN_DEADLINE`], and waits
    /// for the server to end. Connections still open at the deadline (a client that never
    /// finishes its request) are left to close with the process or their read timeout.
    pub async fn stop(&mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let Some(mut task) = self.task.take() else {
            return Ok(());
        };
        match tokio::time::timeout(DRAIN_DEADLINE, &mut task).await {
            Ok(Ok(result)) => result,
            Ok(Err(join)) => Err(std::io::Error::other(join)),
            Err(_) => {
                task.abort();
                tracing::warn!(
                    "shutdown: connections still busy after {DRAIN_DEADLINE:?}; closing anyway"
                );
                Ok(())
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
