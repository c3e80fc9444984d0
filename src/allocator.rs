//! The binary's allocator settings (edge): `main.rs` makes mimalloc the global allocator, and
//! calls [`return_freed_memory_promptly`] first thing. Here, in the library, so that the tests
//! check the option it sets (the binary target has no tests).

/// mimalloc's `mi_option_purge_delay` (v3's `mi_option_t`, which `libmimalloc-sys` does not
/// name): how long freed memory stays committed before it is returned, in milliseconds.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back after 1 ms rather than mimalloc's second: a plan frees each object's
/// documents as it compares them, and kept committed they raised its peak by 11 MB (89 -> 78
/// MB), no faster (BENCHMARKS.md, issue 25). Call before starting any thread.
pub fn return_freed_memory_promptly() {
    // SAFETY: mi_option_set writes one option; the caller has started no other thread.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 1) };
}

#[cfg(test)]
mod tests {
    use super::PURGE_DELAY;

    #[test]
    fn the_option_set_at_start_is_mimallocs_purge_delay() {
        // Unset, mimalloc's purge delay is 1000 ms, a default no other option of v3 has: the
        // constant names the option it says (a mimalloc that renumbered its options fails here).
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads one option.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
        }
    }
}
