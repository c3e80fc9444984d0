//! Injected faults and throttling: latency, random failures, a token bucket, a throttle by
//! request count, and the seeded draws that decide them.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Fault and latency injection, all off by default.
pub struct Faults {
    pub latency: Duration,
    pub fail_rate: f64,
    pub drop_after_commit: f64,
    pub throttle: Option<Mutex<Bucket>>,
    /// Refuse every n-th request that reaches throttling: as many 429s however fast requests
    /// arrive, where the token bucket's depend on the machine's speed.
    throttle_every: Option<u64>,
    throttle_count: AtomicU64,
    /// One generator per fault, so that whether the n-th request fails does not depend on how
    /// many commits happened to finish before it: concurrent clients interleave differently
    /// from run to run, and with one shared stream a seed's faults landed in different places.
    fail_rng: Mutex<StdRng>,
    drop_rng: Mutex<StdRng>,
}

impl Faults {
    pub fn new(
        latency: Duration,
        fail_rate: f64,
        drop_after_commit: f64,
        throttle: Option<f64>,
        throttle_every: Option<u64>,
        seed: Option<u64>,
    ) -> Faults {
        let seed = seed.unwrap_or_else(|| rand::rng().random());
        Faults {
            latency,
            fail_rate,
            drop_after_commit,
            throttle: throttle.map(|rps| Mutex::new(Bucket::new(rps))),
            throttle_every: throttle_every.filter(|&n| n > 0),
            throttle_count: AtomicU64::new(0),
            fail_rng: Mutex::new(StdRng::seed_from_u64(seed)),
            drop_rng: Mutex::new(StdRng::seed_from_u64(seed ^ DROP_STREAM)),
        }
    }

    /// Whether this request fails before reaching the repository.
    pub(super) fn fail(&self) -> bool {
        roll(&self.fail_rng, self.fail_rate)
    }

    /// Whether this request is one of the n-th that `throttle_every` refuses.
    pub(super) fn throttled_by_count(&self) -> bool {
        self.throttle_every.is_some_and(|n| {
            let count = self.throttle_count.fetch_add(1, Ordering::Relaxed) + 1;
            count.is_multiple_of(n)
        })
    }

    /// Whether the response to this committed write is lost.
    pub(super) fn drop_response(&self) -> bool {
        roll(&self.drop_rng, self.drop_after_commit)
    }
}

/// Separates the drop stream from the failure stream of the same seed.
const DROP_STREAM: u64 = 0x9e37_79b9_7f4a_7c15;

/// Draws from a seeded generator; `false` without drawing when `p` is 0, so that a disabled
/// fault does not consume draws.
fn roll(rng: &Mutex<StdRng>, p: f64) -> bool {
    if p <= 0.0 {
        return false;
    }
    let mut rng = rng.lock().unwrap_or_else(|e| e.into_inner());
    rng.random::<f64>() < p
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
    pub(super) fn take(&mut self) -> Result<(), u64> {
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
