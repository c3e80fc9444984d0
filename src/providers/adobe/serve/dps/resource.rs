//! What a DPS request addresses: its collection and kind (from the path and `offer-type`), and
//! the content types it must carry.

use axum::http::{HeaderMap, StatusCode, Uri, header};

use super::super::media::MediaType;
use super::super::request::header_str;
use super::error::{Result, bad_request, problem};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::dps as mapping;

pub const DPS_BASE: &str = "/data/core/dps";

/// The collection of a request path (`/offers` of `/data/core/dps/offers/x`).
pub(super) fn collection_of(uri: &Uri) -> &str {
    let rest = uri.path().strip_prefix(DPS_BASE).unwrap_or_default();
    let end = rest[1.min(rest.len())..]
        .find('/')
        .map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

/// The kind a request addresses: its collection, and for `/offers` the `offer-type` parameter.
pub(super) fn kind_of(uri: &Uri, params: &[(String, String)]) -> Result<Kind> {
    let collection = collection_of(uri);
    if collection == "/offers" {
        let offer_type = params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("offer-type"))
            .map(|(_, v)| v.trim().to_ascii_lowercase());
        return match offer_type.as_deref() {
            Some("personalized") => Ok(Kind::Offer),
            Some("fallback") => Ok(Kind::FallbackOffer),
            Some(other) => Err(bad_request(format!(
                "offer-type must be personalized or fallback, not {other:?}"
            ))),
            None => Err(bad_request(
                "the offer-type parameter is required (personalized or fallback)",
            )),
        };
    }
    Kind::ALL
        .into_iter()
        .find(|kind| mapping::resource(*kind).0 == collection)
        .ok_or_else(|| problem(StatusCode::NOT_FOUND, "not-found", "no such collection"))
}

pub(super) fn require_json(headers: &HeaderMap, allowed: &[&str]) -> Result<()> {
    let essence = header_str(headers, header::CONTENT_TYPE)
        .and_then(MediaType::parse)
        .map(|m| m.essence);
    match essence {
        Some(essence) if allowed.contains(&essence.as_str()) => Ok(()),
        _ => Err(problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            format!(
                "a valid content-type must be specified: {}",
                allowed.join(" or ")
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::adobe::serve::request::query_params;

    #[test]
    fn collections_and_kinds() {
        let uri: Uri = "/data/core/dps/offers/dps:x?offer-type=FALLBACK"
            .parse()
            .expect("uri");
        assert_eq!(collection_of(&uri), "/offers");
        assert_eq!(
            kind_of(&uri, &query_params(&uri)).ok(),
            Some(Kind::FallbackOffer)
        );
        let uri: Uri = "/data/core/dps/offer-decisions".parse().expect("uri");
        assert_eq!(collection_of(&uri), "/offer-decisions");
        assert_eq!(kind_of(&uri, &[]).ok(), Some(Kind::Activity));
        let uri: Uri = "/data/core/dps/offers".parse().expect("uri");
        assert!(kind_of(&uri, &[]).is_err());
    }
}
