//! Benchmark: `offerctl export` of a 10,000-object catalogue (set `OFFERCTL_BENCH_OBJECTS` for
//! another size), against the embedded repository (the emulator's engine, in-process, zero
//! latency). Run with `bench/run` or `cargo bench --bench export`.
//!
//! It generates a UI-like catalogue (see `tests/support/catalogue.rs`) into a durable embedded
//! repository, then times the real binary end to end (`offerctl export --force`: open the
//! repository, read every kind, map, check the round trip, write the files atomically) several
//! times, plus the in-process stages, and finally checks that `offerctl plan` on the export
//! shows no changes. It prints measurements; it asserts nothing about time.

#[path = "../tests/support/catalogue.rs"]
mod catalogue;

use std::process::Command;
use std::time::{Duration, Instant};

use offerctl::export::{self, Layout, Selection};
use offerctl::live;
use offerctl::providers::adobe::clients::embedded::Embedded;

const RUNS: usize = 5;

fn main() {
    let total: usize = std::env::var("OFFERCTL_BENCH_OBJECTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let out = dir.path().join("out");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    let started = Instant::now();
    let created = runtime.block_on(async {
        let backend = Embedded::open(&state.join("repository"), "prod").expect("repository");
        catalogue::generate(&backend, total).await
    });
    println!(
        "generated {created} objects ({:?}) in {:.1?} (durable embedded repository)",
        catalogue::counts(total),
        started.elapsed()
    );

    // In-process stages, on a freshly opened repository.
    let (read, mapped, files) = runtime.block_on(async {
        let started = Instant::now();
        let backend = Embedded::open(&state.join("repository"), "prod").expect("repository");
        let live = live::read(&backend, &offerctl::providers::builtin().kinds())
            .await
            .expect("read");
        let read = started.elapsed();
        let started = Instant::now();
        let exported = export::export(
            &live,
            offerctl::providers::builtin(),
            &Selection::default(),
            Layout::PerKind,
        )
        .expect("export");
        (read, started.elapsed(), exported.files.len())
    });
    println!(
        "in-process: open + read every kind {read:.1?}; map + self-check + render {mapped:.1?} ({files} files)"
    );

    let binary = env!("CARGO_BIN_EXE_offerctl");
    let mut times: Vec<Duration> = Vec::new();
    for layout in ["per-kind", "per-object"] {
        for _ in 0..RUNS {
            let started = Instant::now();
            let status = Command::new(binary)
                .args(["-q", "export", "--force", "--layout", layout, "--state-dir"])
                .arg(&state)
                .arg("--out")
                .arg(&out)
                .status()
                .expect("run offerctl export");
            let elapsed = started.elapsed();
            assert!(status.success(), "offerctl export failed");
            if layout == "per-kind" {
                times.push(elapsed);
            }
            println!("offerctl export --layout {layout}: {elapsed:.2?}");
        }
    }
    times.sort();
    println!(
        "offerctl export of {created} objects (per-kind, {RUNS} runs): min {:.2?}, median {:.2?}, max {:.2?}",
        times[0],
        times[RUNS / 2],
        times[RUNS - 1]
    );

    let started = Instant::now();
    let status = Command::new(binary)
        .args(["-q", "plan", "--detailed-exitcode", "--state-dir"])
        .arg(&state)
        .arg("--dir")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .status()
        .expect("run offerctl plan");
    println!(
        "offerctl plan on the export: exit {:?} in {:.2?} (0: no changes)",
        status.code(),
        started.elapsed()
    );
    assert_eq!(status.code(), Some(0), "the export does not round-trip");
}
