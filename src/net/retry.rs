//! When and how long to wait before sending a request again.
//!
//! Exponential backoff with jitter, bounded attempts and a bounded delay; a server's
//! `Retry-After` (delay-seconds or an HTTP-date) replaces the computed delay, up to
//! [`RetryPolicy::max_retry_after`]. Which requests may be sent again at all is decided by each
//! provider's client, not here. Shared by every provider's HTTP clients.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::StatusCode;

/// Retry settings. The defaults suit the real service; tests shrink the delays.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (at least 1).
    pub max_attempts: u32,
    /// Delay before the first retry; doubles on each later one.
    pub base_delay: Duration,
    /// Largest computed backoff delay.
    pub max_delay: Duration,
    /// Largest `Retry-After` honoured; longer requests are shortened to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The backoff before retry number `retry` (1 for the first retry): "equal jitter", a
    /// random delay between half and all of `base * 2^(retry-1)`, capped at `max_delay`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(20);
        let ceiling = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = ceiling / 2;
        let spread = (ceiling - half).as_micros() as u64;
        let jitter = if spread == 0 {
            0
        } else {
            rand::rng().random_range(0..=spread)
        };
        half + Duration::from_micros(jitter)
    }

    /// The delay before retry number `retry`: the server's `Retry-After` when it gave one
    /// (capped), the backoff otherwise.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(wait) => wait.min(self.max_retry_after),
            None => self.backoff(retry),
        }
    }
}

/// Statuses that say "not now" rather than "no": worth another attempt.
pub fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Statuses that prove the request was not processed (the server refused it before acting),
/// so even a non-idempotent request may be sent again.
pub fn was_refused(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 503)
}

/// Parses a `Retry-After` value: delay-seconds, or an HTTP-date (RFC 9110 §10.2.3) relative to
/// `now` (a date in the past means "now").
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = parse_http_date(value)?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only HTTP-date form senders may use.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let parsed = time::PrimitiveDateTime::parse(value, &format).ok()?;
    Some(parsed.assume_utc().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("", now), None);
    }

    #[test]
    fn backoff_grows_is_jittered_and_bounded() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let first = policy.backoff(1);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let third = policy.backoff(3);
            assert!(third >= Duration::from_millis(200) && third <= Duration::from_millis(400));
            let late = policy.backoff(30);
            assert!(late >= Duration::from_millis(500) && late <= Duration::from_millis(1000));
        }
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            policy.delay(1, Some(Duration::from_secs(600))),
            Duration::from_secs(5),
            "Retry-After is capped"
        );
    }

    #[test]
    fn which_statuses_are_retried() {
        for code in [429, 502, 503, 504] {
            assert!(is_transient(StatusCode::from_u16(code).expect("status")));
        }
        for code in [200, 400, 401, 403, 404, 409, 422, 500] {
            assert!(!is_transient(StatusCode::from_u16(code).expect("status")));
        }
        assert!(was_refused(StatusCode::TOO_MANY_REQUESTS));
        assert!(was_refused(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!was_refused(StatusCode::BAD_GATEWAY));
        assert!(!was_refused(StatusCode::GATEWAY_TIMEOUT));
    }
}
