//! Appcharge's facade in `offerctl serve`: the publisher API's offer routes (V2 `/v2/offer`, V1
//! `/offering/rolling-offer`) and component routes (`/components/v1/…`) over a
//! [`Store`], with `x-publisher-token` auth and Appcharge's error bodies. The server around it
//! is [`crate::serve`]; see `docs/serve.md` for the wire contract.

mod error;
mod handlers;
pub mod spelling;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;

use crate::providers::appcharge::repository::Store;
use crate::serve::same_secret;
use error::{Api, Failure};

pub use handlers::{DEFAULT_RECORD_LIMIT, MAX_RECORD_LIMIT};

/// The header carrying the publisher token.
pub const TOKEN_HEADER: &str = "x-publisher-token";

/// Appcharge's part of `offerctl serve`.
pub struct Appcharge {
    store: Arc<Store>,
    token: Option<String>,
}

impl Appcharge {
    /// Serves `store`; accepts only `token` when given, any non-empty token otherwise.
    pub fn new(store: Arc<Store>, token: Option<String>) -> Appcharge {
        Appcharge { store, token }
    }

    /// The routes, with their state.
    pub fn routes(&self) -> Router {
        handlers::routes(self.store.clone())
    }

    /// The paths, token check and gateway error shapes of these routes.
    pub fn facade(&self) -> Arc<dyn crate::serve::Facade> {
        Arc::new(Gateway {
            token: self.token.clone(),
        })
    }
}

struct Gateway {
    token: Option<String>,
}

impl crate::serve::Facade for Gateway {
    fn owns(&self, path: &str) -> bool {
        Api::of(path).is_some()
    }

    fn reject(&self, _path: &str, headers: &HeaderMap) -> Option<Response> {
        let given = headers
            .get(TOKEN_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let accepted = match (given, &self.token) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(given), Some(expected)) => same_secret(given, expected),
        };
        (!accepted).then(|| error::message(StatusCode::UNAUTHORIZED, "Unauthorized"))
    }

    fn unavailable(&self) -> Response {
        error::message(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service unavailable (injected fault)",
        )
    }

    fn throttled(&self, seconds: u64) -> Response {
        error::rate_limited(seconds)
    }

    fn not_found(&self, _method: &Method, path: &str) -> Response {
        let api = Api::of(path).unwrap_or(Api::Components);
        let uri = path.parse().unwrap_or_default();
        api.error(
            Failure::new(StatusCode::NOT_FOUND, format!("no resource at {path}")),
            &uri,
            None,
        )
    }
}
