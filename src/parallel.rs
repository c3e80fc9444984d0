//! Work split over the machine's cores, results in order.

/// `f(0), f(1), ... f(n - 1)`, split over the machine's cores when there are at least
/// `worth` items (fewer are not worth the threads); the calling thread takes the first part.
pub fn map<T: Send>(n: usize, worth: usize, f: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get().min(8));
    if threads < 2 || n < worth.max(2) {
        return (0..n).map(f).collect();
    }
    let chunk = n.div_ceil(threads);
    std::thread::scope(|scope| {
        let f = &f;
        let others: Vec<_> = (chunk..n)
            .step_by(chunk)
            .map(|start| {
                scope.spawn(move || (start..n.min(start + chunk)).map(f).collect::<Vec<T>>())
            })
            .collect();
        let mut out: Vec<T> = (0..chunk).map(f).collect();
        for other in others {
            match other.join() {
                Ok(part) => out.extend(part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
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

#[cfg(test)]
mod tests {
    use super::map;

    #[test]
    fn results_come_in_order() {
        for n in [0, 1, 2, 3, 999, 1000, 1001, 4097] {
            for worth in [2, 1000] {
                assert_eq!(
                    map(n, worth, |i| i * 2),
                    (0..n).map(|i| i * 2).collect::<Vec<_>>()
                );
            }
        }
    }
}
