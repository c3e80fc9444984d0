//! What the fault tests read back from offerctl (plans, apply journals), polling with a bound
//! against hangs, and seeded scenarios.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long a test waits for progress before it calls the system hung. A bound against a hang,
/// never a performance expectation.
pub const HANG: Duration = Duration::from_secs(120);

/// The addresses of the plan's changes with an action other than `no_op`.
pub fn planned(plan: &Value) -> BTreeMap<String, String> {
    plan["changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .filter(|c| c["action"] != "no_op")
                .map(|c| {
                    (
                        c["address"].as_str().unwrap_or_default().to_string(),
                        c["action"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The complete lines of an apply journal (a line cut by a kill is ignored).
pub fn journal(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Journal lines of writes the repository acknowledged: `finish` / `succeeded` creates and
/// updates, with their receipts.
pub fn acknowledged(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|l| {
            l["event"] == "finish"
                && l["status"] == "succeeded"
                && (l["intent"] == "create" || l["intent"] == "update")
        })
        .collect()
}

/// How many runs a long fault variant makes: `FAULT_RUNS` if set, else `default`.
pub fn fault_runs(default: u64) -> u64 {
    std::env::var("FAULT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Polls `check` until it holds; panics after [`HANG`].
pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < HANG, "no progress for {HANG:?}: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A small deterministic generator (SplitMix64), so that a seed names a scenario.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low..high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low).max(1)
    }
}
