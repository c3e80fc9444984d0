//! Answering in a service's own spelling: a layer over a provider's routes that rewrites the
//! instants of outgoing JSON bodies, member by member, the way the real service writes them
//! (`….000+00:00`, `….000Z`, six fractional digits). The stores keep values verbatim; only
//! what goes out is respelled, so that clients are tested against the services' habit of
//! answering a value in another spelling than the one written.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use axum::middleware::{self, Next};
use axum::response::Response;
use serde_json::Value;
use time::OffsetDateTime;

use crate::diff::meaning::instant;

/// How a service writes an instant, always in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstantStyle {
    /// Milliseconds and `Z`: `2026-03-01T05:59:59.000Z`.
    MillisZ,
    /// Milliseconds and a numeric offset: `2026-03-01T05:59:59.000+00:00`.
    MillisOffset,
    /// Microseconds and `Z`: `2026-03-01T05:59:59.000000Z`.
    MicrosZ,
}

impl InstantStyle {
    /// `at` in this style.
    pub fn write(self, at: OffsetDateTime) -> String {
        let at = at.to_offset(time::UtcOffset::UTC);
        let (digits, zone) = match self {
            InstantStyle::MillisZ => (3, "Z"),
            InstantStyle::MillisOffset => (3, "+00:00"),
            InstantStyle::MicrosZ => (6, "Z"),
        };
        let fraction = format!("{:09}", at.nanosecond());
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{}{zone}",
            at.year(),
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            &fraction[..digits]
        )
    }
}

/// Which members of a JSON answer to a request path are instants, and how they are written:
/// `(path, member name)` → style, `None` for members left as they are.
pub type Speller = Arc<dyn Fn(&str, &str) -> Option<InstantStyle> + Send + Sync>;

/// `routes` with every JSON answer respelled by `speller`.
pub fn layer(routes: Router, speller: Speller) -> Router {
    routes.layer(middleware::from_fn(move |request: Request, next: Next| {
        let speller = speller.clone();
        async move {
            let path = request.uri().path().to_string();
            let response = next.run(request).await;
            respell_response(response, &|member| speller(&path, member)).await
        }
    }))
}

async fn respell_response(
    response: Response,
    style: &(dyn Fn(&str) -> Option<InstantStyle> + Sync),
) -> Response {
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if !respell(&mut value, style) {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let text = serde_json::to_vec(&value).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(text))
}

/// Rewrites, at any depth, each string member that `style` names and that holds an RFC 3339
/// instant; whether anything changed.
pub fn respell(value: &mut Value, style: &(dyn Fn(&str) -> Option<InstantStyle> + Sync)) -> bool {
    let mut changed = false;
    match value {
        Value::Object(map) => {
            for (key, member) in map.iter_mut() {
                if let (Some(style), Value::String(text)) = (style(key), &*member)
                    && let Some(at) = instant(text)
                {
                    let respelled = style.write(at);
                    if respelled != *text {
                        *member = Value::String(respelled);
                        changed = true;
                    }
                } else {
                    changed |= respell(member, style);
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                changed |= respell(item, style);
            }
        }
        _ => {}
    }
    changed
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn named_instants_are_respelled_at_any_depth_and_nothing_else() {
        let mut body = json!({
            "startDate": "2026-03-01T06:59:59+01:00",
            "name": "2026-03-01T05:59:59Z",
            "results": [{"created": "2026-03-01T05:59:59.123456Z", "endDate": "never"}]
        });
        let style = |member: &str| match member {
            "startDate" | "endDate" => Some(InstantStyle::MillisOffset),
            "created" => Some(InstantStyle::MicrosZ),
            _ => None,
        };
        assert!(respell(&mut body, &style));
        assert_eq!(
            body,
            json!({
                "startDate": "2026-03-01T05:59:59.000+00:00",
                "name": "2026-03-01T05:59:59Z",
                "results": [{"created": "2026-03-01T05:59:59.123456Z", "endDate": "never"}]
            })
        );
        let at = instant("2026-03-01T05:59:59.5Z").expect("an instant");
        assert_eq!(InstantStyle::MillisZ.write(at), "2026-03-01T05:59:59.500Z");
        assert_eq!(
            InstantStyle::MicrosZ.write(at),
            "2026-03-01T05:59:59.500000Z"
        );
    }
}
