//! Appcharge's publisher API over HTTP.
//!
//! Reads: `GET /v2/offer?recordLimit=&offset=&offerType=` (paged, `{totalCount, offers}`, one
//! offer type at a time) and `GET /components/v1/<kind>` (a bare array). Writes: V2 by default (`POST /v2/offer`,
//! `PUT`/`DELETE /v2/offer/{publisherOfferId}`, components under `/components/v1/`); with
//! [`ApiVersion::V1`], rolling offers are created and updated with `POST
//! /offering/rolling-offer` and `PUT /offering/rolling-offer/{sku}` in the body shape of seed
//! 003. Deletes always use V2 (V1 documents no delete for rolling offers).

use std::fmt;
use std::time::Duration;

use reqwest::{Method, StatusCode, Url};
use serde_json::Value;

use super::api::{Api, CreateError, DeleteAnswer};
use super::client::Client;
use super::transport::{Failure, Reply, Safety, Transport};
use crate::backend::{BackendError, BoxFuture, ErrorKind};
use crate::net::retry::RetryPolicy;
use crate::providers::appcharge::kind::Kind;
use crate::providers::appcharge::wire;
use crate::secret::Secret;

/// Which generation of Appcharge's offer API writes rolling offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ApiVersion {
    /// `/v2/offer` (current).
    #[default]
    V2,
    /// `/offering/rolling-offer` (deprecated by Appcharge since 2026-01-15).
    V1,
}

/// The largest page Appcharge documents for offer lists (`recordLimit` 0–500).
pub const MAX_PAGE_SIZE: usize = 500;

#[derive(Debug, Clone)]
pub struct AppchargeConfig {
    /// `https://api.appcharge.com`, a sandbox, or an emulator's origin.
    pub endpoint: String,
    pub token: Secret,
    pub api: ApiVersion,
    pub page_size: usize,
    pub retry: RetryPolicy,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
}

impl AppchargeConfig {
    pub fn new(endpoint: impl Into<String>, token: Secret) -> Self {
        AppchargeConfig {
            endpoint: endpoint.into(),
            token,
            api: ApiVersion::V2,
            page_size: MAX_PAGE_SIZE,
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
        }
    }
}

pub struct HttpApi {
    t: Transport,
    version: ApiVersion,
    page_size: usize,
}

impl fmt::Debug for HttpApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpApi")
            .field("transport", &self.t)
            .field("version", &self.version)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// The Appcharge client over HTTP.
pub type AppchargeClient = Client<HttpApi>;

impl AppchargeClient {
    /// Checks the configuration and builds the HTTP client. No network I/O.
    pub fn new(config: AppchargeConfig) -> Result<AppchargeClient, String> {
        let mut base =
            crate::net::check_url(&config.endpoint, "Appcharge endpoint").map_err(|e| e.0)?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        if config.page_size == 0 || config.page_size > MAX_PAGE_SIZE {
            return Err(format!(
                "the Appcharge page size must be 1 to {MAX_PAGE_SIZE}"
            ));
        }
        let backoff = config.retry.base_delay;
        let max_attempts = config.retry.max_attempts.max(1);
        Ok(Client {
            api: HttpApi {
                t: Transport::new(
                    base,
                    config.token,
                    config.retry,
                    config.connect_timeout,
                    config.request_timeout,
                )?,
                version: config.api,
                page_size: config.page_size,
            },
            max_attempts,
            backoff,
        })
    }
}

impl fmt::Debug for AppchargeClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppchargeClient")
            .field("api", &self.api)
            .finish_non_exhaustive()
    }
}

fn collection(kind: Kind) -> String {
    match kind.component_path() {
        Some(component) => format!("components/v1/{component}"),
        None => "v2/offer".into(),
    }
}

impl HttpApi {
    fn object_url(&self, collection: &str, key: &str) -> Url {
        let mut url = self.t.url(collection);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(key);
        }
        url
    }

    fn parse(&self, what: &str, reply: &Reply) -> Result<Value, BackendError> {
        serde_json::from_slice(&reply.body).map_err(|e| {
            // A page with one offer nested deeper than the parser reads names that offer.
            let why = crate::live::compact::unreadable(
                &reply.body,
                &["offers"],
                &e,
                &["publisherOfferId", "name"],
            );
            self.t.error(
                ErrorKind::Other,
                format!("{what}: HTTP {}: the answer {why}", reply.status),
            )
        })
    }

    fn v1(&self, kind: Kind) -> bool {
        kind == Kind::RollingOffer && self.version == ApiVersion::V1
    }
}

impl Api for HttpApi {
    fn describe(&self) -> String {
        format!(
            "Appcharge at {}",
            self.t.base.as_str().trim_end_matches('/')
        )
    }

    fn offers_page<'a>(
        &'a self,
        offset: usize,
        only: Option<&'a str>,
        offer_type: Option<&'a str>,
    ) -> BoxFuture<'a, Result<(u64, Vec<Value>), BackendError>> {
        Box::pin(async move {
            let what = "listing offers";
            let mut url = self.t.url("v2/offer");
            {
                let mut query = url.query_pairs_mut();
                query.append_pair("recordLimit", &self.page_size.to_string());
                query.append_pair("offset", &offset.to_string());
                if let Some(id) = only {
                    query.append_pair("publisherOfferIds", id);
                }
                if let Some(offer_type) = offer_type {
                    query.append_pair("offerType", offer_type);
                }
            }
            let reply = self.t.resendable(what, Method::GET, url, None).await?;
            if reply.status != StatusCode::OK {
                return Err(self.t.answer_error(what, &reply));
            }
            let body = self.parse(what, &reply)?;
            let total = body.get("totalCount").and_then(Value::as_u64);
            let offers = body.get("offers").and_then(Value::as_array);
            match (total, offers) {
                (Some(total), Some(offers)) => Ok((total, offers.clone())),
                _ => Err(self.t.error(
                    ErrorKind::Other,
                    format!("{what}: the answer has no `totalCount` and `offers`; refusing to use a partial list"),
                )),
            }
        })
    }

    fn components(&self, kind: Kind) -> BoxFuture<'_, Result<Vec<Value>, BackendError>> {
        Box::pin(async move {
            let what = format!("listing {kind}");
            let reply = self
                .t
                .resendable(&what, Method::GET, self.t.url(&collection(kind)), None)
                .await?;
            if reply.status != StatusCode::OK {
                return Err(self.t.answer_error(&what, &reply));
            }
            match self.parse(&what, &reply)? {
                Value::Array(items) => Ok(items),
                // Some of Appcharge's lists wrap the array.
                Value::Object(mut map) => match map.remove("result") {
                    Some(Value::Array(items)) => Ok(items),
                    _ => Err(self.t.error(
                        ErrorKind::Other,
                        format!("{what}: the answer is not a list"),
                    )),
                },
                _ => Err(self.t.error(
                    ErrorKind::Other,
                    format!("{what}: the answer is not a list"),
                )),
            }
        })
    }

    fn create<'a>(
        &'a self,
        kind: Kind,
        canonical: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, CreateError>> {
        Box::pin(async move {
            let key = wire::key_of(kind, canonical).unwrap_or_default();
            let what = format!("creating {kind}/{key}");
            let (url, body) = if self.v1(kind) {
                (
                    self.t.url("offering/rolling-offer"),
                    wire::v1_rolling_body(canonical),
                )
            } else {
                (
                    self.t.url(&collection(kind)),
                    wire::write_body(kind, canonical, true),
                )
            };
            match self
                .t
                .execute(&what, Method::POST, url, Some(&body), Safety::Once)
                .await
            {
                Ok(reply) if reply.status.is_success() => Ok(reply.json()),
                Ok(reply) if reply.status == StatusCode::CONFLICT => {
                    Err(CreateError::Exists(self.t.answer_error(&what, &reply)))
                }
                Ok(reply) => Err(CreateError::Failed(self.t.answer_error(&what, &reply))),
                Err(Failure::Error(error)) => Err(CreateError::Failed(error)),
                Err(Failure::Unknown { error, retryable }) => {
                    Err(CreateError::Unknown { error, retryable })
                }
            }
        })
    }

    fn update<'a>(
        &'a self,
        kind: Kind,
        key: &'a str,
        canonical: &'a Value,
    ) -> BoxFuture<'a, Result<Option<Value>, BackendError>> {
        Box::pin(async move {
            let what = format!("updating {kind}/{key}");
            let (url, body) = if self.v1(kind) {
                (
                    self.object_url("offering/rolling-offer", key),
                    wire::v1_rolling_body(canonical),
                )
            } else {
                // V2 offer updates name the offer in the path only, as Appcharge's examples do.
                let keep_key = !kind.is_offer();
                (
                    self.object_url(&collection(kind), key),
                    wire::write_body(kind, canonical, keep_key),
                )
            };
            let reply = self
                .t
                .resendable(&what, Method::PUT, url, Some(&body))
                .await?;
            if !reply.status.is_success() {
                return Err(self.t.answer_error(&what, &reply));
            }
            Ok(reply.json())
        })
    }

    fn delete<'a>(
        &'a self,
        kind: Kind,
        key: &'a str,
    ) -> BoxFuture<'a, Result<DeleteAnswer, BackendError>> {
        Box::pin(async move {
            let what = format!("deleting {kind}/{key}");
            let url = self.object_url(&collection(kind), key);
            let reply = self.t.resendable(&what, Method::DELETE, url, None).await?;
            match reply.status {
                s if s.is_success() => Ok(DeleteAnswer::Deleted),
                StatusCode::NOT_FOUND if reply.uncertain => Ok(DeleteAnswer::GoneAfterRetry),
                StatusCode::CONFLICT if kind.can_be_referenced() => {
                    Ok(DeleteAnswer::InUse(self.t.answer_error(&what, &reply)))
                }
                _ => Err(self.t.answer_error(&what, &reply)),
            }
        })
    }
}
