//! Request counters for `GET /_emulator/stats`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use axum::http::StatusCode;
use serde_json::{Value, json};

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
    pub(super) fn record(&self, method: &str, route: &str, status: StatusCode, dropped: bool) {
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
