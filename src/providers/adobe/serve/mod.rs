//! Adobe's facade in `offerctl serve`: the XCore offer repository.
//!
//! The HTTP facade over [`crate::providers::adobe::repository`]: axum on tokio, paths under
//! `/data/core/xcore/` and `/data/core/dps/`, XCore's media types, the platform gateway's header
//! checks and an IMS token endpoint. The server around it (listener, gateway, fault injection,
//! `/_emulator/`) is [`crate::serve`]; the composition with the other providers is
//! [`crate::providers::serve`]. See `docs/serve.md` for the wire contract.

mod controls;
mod credentials;
mod dps;
mod gateway;
mod hal;
mod http;
mod ims;
mod media;
mod problem;
mod request;
mod response;
mod revisions;
pub mod spelling;
mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::providers::adobe::repository::Repository;
use state::App;

pub use credentials::Credentials;
pub use dps::DPS_BASE;
pub use http::BASE;

/// Adobe's part of `offerctl serve`: the XCore, DPS and IMS routes over one repository, and
/// their face to the gateway.
pub struct Adobe {
    app: Arc<App>,
}

impl Adobe {
    /// `addr` is the server's bound address (for `Content-Base` when a request has no `Host`).
    pub fn new(repo: Arc<Repository>, credentials: Credentials, addr: SocketAddr) -> Adobe {
        Adobe {
            app: Arc::new(App::new(repo, credentials, addr)),
        }
    }

    /// The routes, with their state.
    pub fn routes(&self) -> Router {
        http::routes(self.app.clone())
    }

    /// The paths, credential checks and gateway error shapes of these routes.
    pub fn facade(&self) -> Arc<dyn crate::serve::Facade> {
        Arc::new(gateway::Gateway {
            credentials: self.app.credentials.clone(),
        })
    }

    /// `POST /_emulator/reset`: empties the sandbox named by `?sandbox=` or `x-sandbox-name`;
    /// the answer names it and its container.
    pub async fn reset(&self, headers: &HeaderMap, uri: &Uri) -> Result<Value, Response> {
        controls::reset(&self.app, headers, uri)
            .await
            .map_err(IntoResponse::into_response)
    }
}
