//! Work split over the machine's cores, results in order.

use std::sync::atomic::{AtomicUsize, Ordering};

/// `f(0), f(1), ... f(n - 1)`, split over the machine's cores when there are at least
/// `worth` items (fewer are not worth the threads); the calling thread works too.
///
/// Threads take small runs of items from a shared counter until none are left, rather than a
/// fixed share each: items cost differently (an offer's documents are larger than a tag's, a
/// file's last part is shorter), and with fixed shares one core idled while the other
/// finished (a 10,000-object comparison: 50 and 80 ms).
pub fn map<T: Send>(n: usize, worth: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get().min(8));
    if threads < 2 || n < worth.max(2) {
        return (0..n).map(f).collect();
    }
    let run = n.div_ceil(threads * 16);
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<T>)> = Vec::new();
        loop {
            let start = next.fetch_add(run, Ordering::Relaxed);
            if start >= n {
                return done;
            }
            done.push((start, (start..n.min(start + run)).map(&f).collect()));
        }
    };
    let mut runs = std::thread::scope(|scope| {
        let others: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
        let mut runs = work();
        for other in others {
            match other.join() {
                Ok(part) => runs.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        runs
    });
    runs.sort_unstable_by_key(|(start, _)| *start);
    let mut out = Vec::with_capacity(n);
    for (_, part) in runs {
        out.extend(part);
    }
    out
}

/// Frees `value` on a thread of its own. What a plan was made from (every manifest and every
/// live object) takes a noticeable share of a large plan's time to free, and nothing waits
/// for it: the plan is shown (or applied) meanwhile, and a process that exits first simply
/// returns the memory all at once.
pub fn discard<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("offerctl-free".into())
        .spawn(move || drop(value));
}

/// `f` of each item, each on a thread of its own (for a few long tasks that each wait as
/// much as they compute, such as one environment's plan), results in order.
pub fn each<T: Send, R: Send>(
    items: impl IntoIterator<Item = T>,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    std::thread::scope(|scope| {
        let f = &f;
        let running: Vec<_> = items
            .into_iter()
            .map(|item| scope.spawn(move || f(item)))
            .collect();
        running
            .into_iter()
            .map(|thread| {
                thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::{each, map};

    #[test]
    fn each_item_is_worked_on_its_own_thread_and_results_come_in_order() {
        let main = std::thread::current().id();
        let results = each(0..5, |i| (i * 2, std::thread::current().id()));
        assert_eq!(
            results.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
            [0, 2, 4, 6, 8]
        );
        assert!(results.iter().all(|(_, thread)| *thread != main));
    }

    #[test]
    fn results_come_in_order() {
        for n in [0, 1, 2, 3, 31, 32, 33, 999, 1000, 1001, 4097, 10_000] {
            for worth in [2, 1000] {
                assert_eq!(
                    map(n, worth, |i| i * 2),
                    (0..n).map(|i| i * 2).collect::<Vec<_>>()
                );
            }
        }
    }
}
