//! The regular expressions of list filters, each compiled once per pattern.
//!
//! A sharded list sends the same few id patterns on every page (one per shard), and compiling
//! one (twice: alone, then anchored) cost more than answering the page. Compiled expressions
//! are kept by pattern, up to [`KEPT`]; past that all are dropped and compiled again as asked,
//! so that clients sending ever new patterns cannot grow the emulator without bound.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use regex::Regex;

const KEPT: usize = 256;

static COMPILED: LazyLock<Compiled> = LazyLock::new(Compiled::default);

/// `pattern` compiled, as [`Regex::new`] compiles it.
pub(super) fn compiled(pattern: &str) -> Result<Regex, regex::Error> {
    COMPILED.get(pattern)
}

/// Compiled expressions by pattern.
#[derive(Default)]
struct Compiled(Mutex<HashMap<String, Regex>>);

impl Compiled {
    fn get(&self, pattern: &str) -> Result<Regex, regex::Error> {
        let kept = self
            .0
            .lock()
            .ok()
            .and_then(|kept| kept.get(pattern).cloned());
        if let Some(regex) = kept {
            return Ok(regex);
        }
        let regex = Regex::new(pattern)?;
        if let Ok(mut kept) = self.0.lock() {
            if kept.len() >= KEPT {
                kept.clear();
            }
            kept.insert(pattern.to_string(), regex.clone());
        }
        Ok(regex)
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.0.lock().map(|kept| kept.len()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pattern_compiles_as_regex_new_compiles_it_and_is_kept() {
        let compiled = Compiled::default();
        let pattern = "(?is)^(?:^(.*:)?[0-3][^:]*$)$";
        let first = compiled.get(pattern).expect("compiles");
        assert_eq!(first.as_str(), pattern);
        assert!(first.is_match("xcore:tag:2f") && !first.is_match("xcore:tag:4f"));
        assert_eq!(compiled.len(), 1);
        assert_eq!(compiled.get(pattern).expect("kept").as_str(), pattern);
        assert_eq!(compiled.len(), 1);
        // An invalid pattern is refused as `Regex::new` refuses it, and not kept.
        let invalid = String::from("a)|(b");
        let refused = compiled.get(&invalid).expect_err("invalid");
        assert_eq!(
            refused.to_string(),
            Regex::new(&invalid).expect_err("invalid").to_string()
        );
        assert_eq!(compiled.len(), 1);
    }

    #[test]
    fn the_kept_patterns_are_bounded() {
        let compiled = Compiled::default();
        for n in 0..KEPT + 10 {
            compiled.get(&format!("bounded-{n}")).expect("compiles");
            assert!(compiled.len() <= KEPT);
        }
        assert!(
            compiled
                .get("bounded-3")
                .expect("compiles")
                .is_match("bounded-3")
        );
    }
}
