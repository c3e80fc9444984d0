//! Fault tolerance, issue 5: one `apply` of a 500-object catalogue converges against an
//! emulator that fails 10% of requests with 503, throttles (429 with Retry-After), and drops
//! the response of 5% of committed writes. Afterwards the live state equals the manifests, no
//! name exists twice, and the next plan is empty. Then 150 offers are changed and applied
//! through the same faults: every update lands once, in place, and its receipt names the live
//! revision (a PATCH whose answer was dropped is resent, meets its own write's etag, and must be
//! recognised). Over both APIs (issue 16).
//!
//! "One run converges" holds only with high probability: the client gives each request 5
//! attempts, so a request whose 5 attempts all draw an injected 503 (or a 429) fails. At
//! these settings that is about 1 run in 40 (measured: see `docs/reliability.md`). Such a run
//! is accepted only if its every failure is exactly that (an injected 503/429 "after 5
//! attempts"), and then a second run must converge; anything else fails the test.

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;

use crate::support::*;

/// Offers whose SKU the second apply changes (the generated 500-object catalogue has 350).
const UPDATED: usize = 150;

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
    /// The second apply: `UPDATED` patches through the same faults.
    updates: usize,
    /// Patches whose response was dropped after they committed: the client resent them, met
    /// its own write's etag, and had to recognise it.
    dropped_updates: u64,
    updates_converged_in_one_run: bool,
}

/// `apply --auto-approve --parallelism 16 --journal JOURNAL` through the faults; returns
/// whether it converged in one run. A run that failed is accepted only if its every failure
/// is a retry budget used up on injected 503s/429s, and then a second run must converge.
async fn apply_through_faults(work: &Workdir, journal_file: &str) -> bool {
    let args = ["apply", "--auto-approve", "--parallelism", "16"];
    let applied = work
        .offerctl(&[&args[..], &["--journal", journal_file]].concat())
        .await;
    if applied.code == 0 {
        return true;
    }
    println!("the first run did not converge: {}", applied.all());
    let lines = journal(&work.path(journal_file));
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
    let again = work.offerctl(&args).await;
    assert_eq!(again.code, 0, "a second run converges: {}", again.all());
    false
}

/// No name twice, one live object per manifest, and every write the journal acknowledged is
/// live (with the etag it acknowledged, when `exact_etags`: each object was written once).
async fn assert_converged(
    remote: &Remote,
    work: &Workdir,
    journal_file: &str,
    exact_etags: bool,
) -> Live {
    let live = remote.live().await;
    let duplicates = live.duplicates();
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    assert_eq!(
        live.count(),
        work.manifests,
        "one live object per manifest, no more, no less"
    );
    let lines = journal(&work.path(journal_file));
    let by_id = live.by_receipt_id();
    for line in acknowledged(&lines) {
        let id = line["instanceId"]
            .as_str()
            .expect("a receipt in the journal");
        let Some(envelope) = by_id.get(id) else {
            panic!("acknowledged {line} is not live");
        };
        if exact_etags {
            assert_eq!(
                envelope["repo:etag"].to_string(),
                line["etag"].as_str().unwrap_or_default(),
                "the receipt of {line} names the live revision"
            );
        }
    }
    // The live state equals the manifests: a fresh plan has nothing to do.
    work.assert_plan_empty().await;
    live
}

/// Applies a generated catalogue of `objects` through `api` against a faulty emulator seeded
/// with `seed`, then changes `UPDATED` offers and applies again through the same faults;
/// checks the result after each; returns what happened.
async fn faulty_apply(api: Api, objects: usize, seed: u64) -> Tally {
    let server = start_emulator(ServeArgs {
        fail_rate: 0.1,
        // Every 25th request that passes the 503s gets 429 with `Retry-After: 1`, however fast
        // this machine sends them (a rate-based `--throttle` saw no 429 at all on a slow or
        // loaded one): 4% of requests, each costing its sender a one-second wait, so that they
        // rarely use up a request's 5 attempts together with the 503s.
        throttle_every: Some(25),
        drop_after_commit: 0.05,
        latency: 10,
        seed: Some(seed),
        ..ServeArgs::ephemeral()
    })
    .await;
    let remote = Remote::new(&server.url());
    let work = Workdir::generated(objects, seed, &server.url(), api);

    let converged = apply_through_faults(&work, "journal.jsonl").await;
    let stats = remote.stats().await;
    let counts = Counts {
        value: stats.clone(),
    };
    assert!(
        counts.writes_through(api) >= work.manifests as u64,
        "every object was created through {api:?}: {stats}"
    );
    let acked = acknowledged(&journal(&work.path("journal.jsonl"))).len();
    if converged {
        assert_eq!(acked, work.manifests, "every create was acknowledged");
    }
    let live = assert_converged(&remote, &work, "journal.jsonl", false).await;

    // Updates through the same faults: a PATCH whose answer was dropped is resent and meets
    // 409 (its own write moved the etag); the client must recognise its write, not fail.
    let file = "offers.d/offers/offers-000.yaml";
    for i in 0..UPDATED {
        work.edit(
            file,
            &format!("sku: SKU-{i:06}}}"),
            &format!("sku: SKU-{i:06}-v2}}"),
        );
    }
    let updates_converged = apply_through_faults(&work, "updates.jsonl").await;
    let after = remote.stats().await;
    let patched = assert_converged(&remote, &work, "updates.jsonl", true).await;
    for i in 0..UPDATED {
        let name = format!("offer {i:06}");
        let offer = patched.find(Kind::Offer, &name).expect("live");
        assert_eq!(
            offer["_instance"]["xdm:characteristics"]["sku"],
            format!("SKU-{i:06}-v2")
        );
        assert_eq!(
            offer["instanceId"],
            live.find(Kind::Offer, &name).expect("live")["instanceId"],
            "{name} was updated in place"
        );
    }
    assert!(
        stat(&after, "byStatus", "500") == 0,
        "the emulator never answers 500: {after}"
    );
    Tally {
        objects: work.manifests,
        requests: stats["total"].as_u64().unwrap_or(0),
        status_503: stat(&stats, "byStatus", "503"),
        status_429: stat(&stats, "byStatus", "429"),
        dropped: stats["dropped"].as_u64().unwrap_or(0),
        converged_in_one_run: converged,
        updates: UPDATED,
        dropped_updates: after["dropped"].as_u64().unwrap_or(0)
            - stats["dropped"].as_u64().unwrap_or(0),
        updates_converged_in_one_run: updates_converged,
        // Asserted 0 above.
        duplicates: 0,
        lost: 0,
    }
}

crate::for_both_apis! {
    async fn apply_of_500_objects_converges_through_503s_429s_and_dropped_responses(api: Api) {
        let tally = faulty_apply(api, 500, 5).await;
        println!("{api:?}: {tally:?}");
        assert!(tally.status_503 > 0, "503s were injected: {tally:?}");
        assert!(tally.status_429 > 0, "429s were answered: {tally:?}");
        assert!(tally.dropped > 0, "responses were dropped: {tally:?}");
        assert!(tally.dropped_updates > 0, "update responses were dropped: {tally:?}");
    }

    /// The long variant behind the reliability figures in `docs/reliability.md`:
    /// `cargo test --test e2e fault_apply:: -- --ignored --nocapture`.
    #[ignore = "long: 20 faulty applies of 500 objects, then of 150 updates; run with --ignored"]
    async fn many_faulty_applies_of_500_objects_all_converge(api: Api) {
        let runs = fault_runs(20);
        let mut total = Tally::default();
        let (mut converged, mut updates_converged) = (0, 0);
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
            total.updates += tally.updates;
            total.dropped_updates += tally.dropped_updates;
            converged += usize::from(tally.converged_in_one_run);
            updates_converged += usize::from(tally.updates_converged_in_one_run);
        }
        println!(
            "RELIABILITY fault_apply api={api:?}: runs={runs} converged_in_one_run={converged} objects={} requests={} injected_503={} answered_429={} dropped_after_commit={} duplicates={} lost={} updates={} updates_converged_in_one_run={updates_converged} update_responses_dropped_after_commit={}",
            total.objects,
            total.requests,
            total.status_503,
            total.status_429,
            total.dropped,
            total.duplicates,
            total.lost,
            total.updates,
            total.dropped_updates
        );
    }
}
