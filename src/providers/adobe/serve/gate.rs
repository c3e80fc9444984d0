//! What the platform gateway does before and after a request reaches the repository: request
//! ids, per-request logging, request statistics, injected faults, and credential checks.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::App;
use super::conn::ConnHandle;
use super::problem::ApiError;

/// Marks a response to a write that committed; only those may be dropped after commit.
#[derive(Clone, Copy, Debug)]
pub struct Committed;

/// Fault and latency injection, all off by default.
pub struct Faults {
    pub latency: Duration,
    pub fail_rate: f64,
    pub drop_after_commit: f64,
    pub throttle: Option<Mutex<Bucket>>,
    pub rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(
        latency: Duration,
        fail_rate: f64,
        drop_after_commit: f64,
        throttle: Option<f64>,
        seed: Option<u64>,
    ) -> Faults {
        let seed = seed.unwrap_or_else(|| rand::rng().random());
        Faults {
            latency,
            fail_rate,
            drop_after_commit,
            throttle: throttle.map(|rps| Mutex::new(Bucket::new(rps))),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Draws from the seeded generator; `false` without drawing when `p` is 0, so that a
    /// disabled fault does not shift the sequence of an enabled one.
    fn roll(&self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        rng.random::<f64>() < p
    }
}

/// A token bucket: `rate` requests per second, bursts up to one second's worth.
pub struct Bucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: f64) -> Bucket {
        let capacity = rate.max(1.0);
        Bucket {
            rate,
            capacity,
            tokens: capacity,
            last: Instant::now(),
        }
    }

    /// Takes a token, or says how many whole seconds to wait for one.
    fn take(&mut self) -> Result<(), u64> {
        let now = Instant::now();
        let elapsed = now.duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - self.tokens) / self.rate).ceil();
            Err(if wait.is_finite() && wait >= 1.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}

/// Request counters for `GET /_emulator/stats`.
#[derive(Default)]
pub struct Stats {
    inner: Mutex<Counters>,
}

#[derive(Default)]
struct Counters {
    total: u64,
    by_route: BTreeMap<String, u64>,
    by_method: BTreeMap<String, u64>,
    by_status: BTreeMap<u16, u64>,
    dropped: u64,
}

impl Stats {
    fn record(&self, method: &str, route: &str, status: StatusCode, dropped: bool) {
        let mut c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        c.total += 1;
        *c.by_route.entry(format!("{method} {route}")).or_default() += 1;
        *c.by_method.entry(method.to_string()).or_default() += 1;
        *c.by_status.entry(status.as_u16()).or_default() += 1;
        c.dropped += u64::from(dropped);
    }

    pub fn snapshot(&self) -> Value {
        let c = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        json!({
            "total": c.total,
            "byRoute": c.by_route,
            "byMethod": c.by_method,
            "byStatus": c.by_status.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
            "dropped": c.dropped,
        })
    }

    pub fn clear(&self) {
        *self.inner.lock().unwrap_or_else(|e| e.into_inner()) = Counters::default();
    }
}

/// Credentials the gateway accepts.
pub struct Credentials {
    pub token: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// Compares secrets without an early exit, so timing does not reveal a matching prefix.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl Credentials {
    /// The gateway's header checks, with its error codes (AEP troubleshooting guide).
    fn check(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|token| !token.is_empty());
        let Some(bearer) = bearer else {
            return Err(ApiError::gateway(
                StatusCode::FORBIDDEN,
                "403010",
                "Oauth token is missing.",
            ));
        };
        if let Some(expected) = &self.token
            && !same_secret(bearer, expected)
        {
            return Err(ApiError::gateway(
                StatusCode::UNAUTHORIZED,
                "401013",
                "Oauth token is not valid",
            ));
        }
        let api_key = headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty());
        let Some(api_key) = api_key else {
            return Err(ApiError::gateway(
                StatusCode::FORBIDDEN,
                "403000",
                "Api Key is required",
            ));
        };
        if let Some(client_id) = &self.client_id
            && api_key != client_id
        {
            return Err(ApiError::gateway(
                StatusCode::FORBIDDEN,
                "403003",
                "Api Key is invalid",
            ));
        }
        let has_org = headers
            .get("x-gw-ims-org-id")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty());
        if !has_org {
            return Err(ApiError::gateway(
                StatusCode::BAD_REQUEST,
                "400003",
                "Missing header: x-gw-ims-org-id",
            ));
        }
        Ok(())
    }
}

const REQUEST_ID: &str = "x-request-id";

/// The middleware around every route.
pub async fn gate(
    State(app): State<Arc<App>>,
    ConnectInfo(conn): ConnectInfo<ConnHandle>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let request_id = request
        .headers()
        .get(REQUEST_ID)
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
                .unwrap_or(HeaderValue::from_static("-"))
        });
    let internal = path.starts_with("/_emulator/");
    let needs_auth = path.starts_with("/data/");

    let mut response = if internal {
        next.run(request).await
    } else {
        match before(&app, needs_auth, request.headers()).await {
            Err(error) => error.into_response(),
            Ok(()) => next.run(request).await,
        }
    };

    let mut dropped = false;
    if response.extensions().get::<Committed>().is_some()
        && app.faults.roll(app.faults.drop_after_commit)
    {
        conn.kill();
        dropped = true;
    }
    response
        .headers_mut()
        .insert(REQUEST_ID, request_id.clone());
    let status = response.status();
    if !internal {
        let route = route.as_deref().unwrap_or("(unmatched)");
        app.stats.record(&method, route, status, dropped);
    }
    // The path only: query strings can carry credentials (the token endpoint accepts them).
    tracing::info!(
        target: "offerctl::serve",
        method = %method,
        path = %path,
        status = status.as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        request_id = request_id.to_str().unwrap_or("-"),
        dropped,
        "request"
    );
    response
}

/// Latency, then injected failure, then throttling, then credentials.
async fn before(app: &App, needs_auth: bool, headers: &HeaderMap) -> Result<(), ApiError> {
    if !app.faults.latency.is_zero() {
        tokio::time::sleep(app.faults.latency).await;
    }
    if app.faults.roll(app.faults.fail_rate) {
        return Err(ApiError::gateway(
            StatusCode::SERVICE_UNAVAILABLE,
            "503000",
            "Service unavailable (injected fault)",
        ));
    }
    if let Some(bucket) = &app.faults.throttle {
        let verdict = bucket.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Err(seconds) = verdict {
            return Err(ApiError::Throttled { seconds });
        }
    }
    if needs_auth {
        app.credentials.check(headers)?;
    }
    Ok(())
}
