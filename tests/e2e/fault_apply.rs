//! Fault tolerance, issue 5: one `apply` of a 500-object catalogue converges against an
//! emulator that fails 10% of requests with 503, throttles (429 with Retry-After), and drops
//! the response of 5% of committed writes. Afterwards the live state equals the manifests, no
//! name exists twice, and the next plan is empty. Over both APIs (issue 16).
//!
//! "One run converges" holds only with high probability: the client gives each request 5
//! attempts, so a request whose 5 attempts all draw an injected 503 (or a 429) fails. At
//! these settings that is about 1 run in 40 (measured: see `docs/reliability.md`). Such a run
//! is accepted only if its every failure is exactly that (an injected 503/429 "after 5
//! attempts"), and then a second run must converge; anything else fails the test.

use offerctl::providers::adobe::serve::ServeArgs;

use crate::support::*;

/// What one faulty apply did, for the reliability figures.
#[derive(Debug, Default)]
struct Tally {
    objects: usize,
    requests: u64,
    status_503: u64,
    status_429: u64,
    dropped: u64,
    duplicates: usize,
    lost: usize,
    converged_in_one_run: bool,
}

/// Applies a generated catalogue of `objects` through `api` against a faulty emulator seeded
/// with `seed`, then checks the result; returns what happened.
async fn faulty_apply(api: Api, objects: usize, seed: u64) -> Tally {
    let server = start_emulator(ServeArgs {
        fail_rate: 0.1,
        // This apply sends about 600 requests at some 300 per second (16 in flight, 10 ms of
        // latency, debug build): 150 per second gives 429s once the first second's burst is
        // spent, on a few percent of requests (each costs its sender a one-second wait), so
        // that they rarely use up a request's 5 attempts together with the 503s.
        throttle: Some(150.0),
        drop_after_commit: 0.05,
        latency: 10,
        seed: Some(seed),
        ..ServeArgs::ephemeral()
    })
    .await;
    let remote = Remote::new(&server.url());
    let work = Workdir::generated(objects, seed, &server.url(), api);

    let applied = work
        .offerctl(&[
            "apply",
            "--auto-approve",
            "--parallelism",
            "16",
            "--journal",
            "journal.jsonl",
        ])
        .await;
    let stats = remote.stats().await;
    let mut tally = Tally {
        objects: work.manifests,
        requests: stats["total"].as_u64().unwrap_or(0),
        status_503: stat(&stats, "byStatus", "503"),
        status_429: stat(&stats, "byStatus", "429"),
        dropped: stats["dropped"].as_u64().unwrap_or(0),
        converged_in_one_run: applied.code == 0,
        ..Tally::default()
    };
    if applied.code != 0 {
        println!(
            "{api:?} seed {seed}: the first run did not converge: {}",
            applied.all()
        );
        let lines = journal(&work.path("journal.jsonl"));
        let failed: Vec<_> = lines.iter().filter(|l| l["status"] == "failed").collect();
        assert!(
            !failed.is_empty(),
            "exit {} without a failure: {}",
            applied.code,
            applied.all()
        );
        for line in failed {
            let status = line["httpStatus"].as_u64();
            let message = line["error"].as_str().unwrap_or_default();
            assert!(
                matches!(status, Some(503 | 429)) && message.contains("(after 5 attempts)"),
                "the only acceptable failure is a retry budget used up on injected faults: {line}"
            );
        }
        let again = work
            .offerctl(&["apply", "--auto-approve", "--parallelism", "16"])
            .await;
        assert_eq!(again.code, 0, "a second run converges: {}", again.all());
    }
    let counts = Counts {
        value: stats.clone(),
    };
    assert!(
        counts.writes_through(api) >= work.manifests as u64,
        "every object was created through {api:?}: {stats}"
    );
    assert!(
        stat(&stats, "byStatus", "500") == 0,
        "the emulator never answers 500: {stats}"
    );

    let live = remote.live().await;
    let duplicates = live.duplicates();
    tally.duplicates = duplicates.len();
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    tally.lost = work.manifests.saturating_sub(live.count());
    assert_eq!(
        live.count(),
        work.manifests,
        "one live object per manifest, no more, no less"
    );
    // Every created object the journal acknowledged is the live one of its name.
    let lines = journal(&work.path("journal.jsonl"));
    let acked = acknowledged(&lines);
    if tally.converged_in_one_run {
        assert_eq!(acked.len(), work.manifests, "every create was acknowledged");
    }
    let by_id = live.by_receipt_id();
    for line in acked {
        let id = line["instanceId"]
            .as_str()
            .expect("a receipt in the journal");
        assert!(by_id.contains_key(id), "acknowledged {line} is not live");
    }
    // The live state equals the manifests: a fresh plan has nothing to do.
    work.assert_plan_empty().await;
    tally
}

crate::for_both_apis! {
    async fn apply_of_500_objects_converges_through_503s_429s_and_dropped_responses(api: Api) {
        let tally = faulty_apply(api, 500, 5).await;
        println!("{api:?}: {tally:?}");
        assert!(tally.status_503 > 0, "503s were injected: {tally:?}");
        assert!(tally.status_429 > 0, "429s were answered: {tally:?}");
        assert!(tally.dropped > 0, "responses were dropped: {tally:?}");
    }

    /// The long variant behind the reliability figures in `docs/reliability.md`:
    /// `cargo test --test e2e fault_apply:: -- --ignored --nocapture`.
    #[ignore = "long: 20 faulty applies of 500 objects; run with --ignored"]
    async fn many_faulty_applies_of_500_objects_all_converge(api: Api) {
        let runs = fault_runs(20);
        let mut total = Tally::default();
        let mut converged = 0;
        for seed in 100..100 + runs {
            let tally = faulty_apply(api, 500, seed).await;
            println!("{api:?} seed {seed}: {tally:?}");
            total.objects += tally.objects;
            total.requests += tally.requests;
            total.status_503 += tally.status_503;
            total.status_429 += tally.status_429;
            total.dropped += tally.dropped;
            total.duplicates += tally.duplicates;
            total.lost += tally.lost;
            converged += usize::from(tally.converged_in_one_run);
        }
        println!(
            "RELIABILITY fault_apply api={api:?}: runs={runs} converged_in_one_run={converged} objects={} requests={} injected_503={} answered_429={} dropped_after_commit={} duplicates={} lost={}",
            total.objects,
            total.requests,
            total.status_503,
            total.status_429,
            total.dropped,
            total.duplicates,
            total.lost
        );
    }
}
