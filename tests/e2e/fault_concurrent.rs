//! Fault tolerance, issue 5: two `apply` runs of different manifest versions at once against
//! one container. No update is lost (every write is guarded by `If-Match`), the loser of each
//! object reports the conflict (409) and exits 5, no object is a mix of the two versions, and a
//! following plan from either version shows exactly the objects that differ from it. Over
//! both APIs (issue 16).

use std::collections::{BTreeMap, HashMap};

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use serde_json::Value;

use crate::support::*;

/// Latency of every request: both runs finish reading the repository (two round trips) long
/// before either starts writing, so their writes overlap.
const LATENCY_MS: u64 = 300;

/// Offers edited by both versions, by A only, by B only.
const BOTH: std::ops::Range<usize> = 0..8;
const ONLY_A: std::ops::Range<usize> = 8..12;
const ONLY_B: std::ops::Range<usize> = 12..16;

fn offer_name(i: usize) -> String {
    format!("offer {i:06}")
}

/// Edits offer `i` in `work` to version `tag` (a digit): its priority gets the digit in front
/// and its SKU the digit as a suffix, two fields so that a mix of versions would show.
fn edit_offer(work: &Workdir, i: usize, tag: char) {
    let file = "offers.d/offers/offers-000.yaml";
    let name = offer_name(i);
    let text = std::fs::read_to_string(work.path(file)).expect("read offers");
    let head = format!("name: {name}\nstatus: approved\npriority: ");
    let at = text.find(&head).expect("offer in the generated file") + head.len();
    let edited = format!("{}{tag}{}", &text[..at], &text[at..]);
    std::fs::write(work.path(file), edited).expect("write offers");
    work.edit(
        file,
        &format!("sku: SKU-{i:06}}}"),
        &format!("sku: SKU-{i:06}-{tag}}}"),
    );
}

/// (priority, sku) of a live offer.
fn fields(envelope: &Value) -> (i64, String) {
    let instance = &envelope["_instance"];
    (
        instance["xdm:rank"]["xdm:priority"].as_i64().unwrap_or(-1),
        instance["xdm:characteristics"]["sku"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// Per address of a journal: the `ifMatch` its update was sent with and its outcome line.
fn updates(lines: &[Value]) -> HashMap<String, (String, Value)> {
    let mut if_match = HashMap::new();
    let mut out = HashMap::new();
    for line in lines {
        let address = line["address"].as_str().unwrap_or_default().to_string();
        match line["event"].as_str() {
            Some("start") => {
                if_match.insert(address, line["ifMatch"].as_str().unwrap_or("").to_string());
            }
            Some("finish") if line["intent"] == "update" => {
                let sent = if_match.get(&address).cloned().unwrap_or_default();
                out.insert(address, (sent, line.clone()));
            }
            _ => {}
        }
    }
    out
}

crate::for_both_apis! {
    async fn concurrent_applies_of_two_versions_lose_no_update_and_the_loser_reports_409(api: Api) {
        // The base catalogue, applied quickly; then the same store served slowly.
        let data = tempfile::tempdir().expect("tempdir");
        let durable = |latency| ServeArgs {
            data: Some(data.path().to_path_buf()),
            latency,
            ..ServeArgs::ephemeral()
        };
        let fast = start_emulator(durable(0)).await;
        let mut base = Workdir::generated(100, 42, &fast.url(), api);
        let applied = base.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        fast.shutdown().await.expect("shutdown");
        let server = start_emulator(durable(LATENCY_MS)).await;
        let remote = Remote::new(&server.url());
        base.point_at(&server.url(), api);
        let before = remote.live().await;

        // The same catalogue in two versions.
        let (a, b) = (base.copy(), base.copy());
        for i in BOTH.chain(ONLY_A) {
            edit_offer(&a, i, '1');
        }
        for i in BOTH.chain(ONLY_B) {
            edit_offer(&b, i, '2');
        }
        // (priority, sku) of offer i in a version: `tag` None is the base.
        let version = |tag: Option<char>, i: usize| -> (i64, String) {
            let (priority, sku) = fields(before.find(Kind::Offer, &offer_name(i)).expect("live"));
            match tag {
                None => (priority, sku),
                Some(t) => (
                    format!("{t}{priority}").parse().expect("a priority"),
                    format!("{sku}-{t}"),
                ),
            }
        };
        let in_a = |i: usize| version((!ONLY_B.contains(&i)).then_some('1'), i);
        let in_b = |i: usize| version((!ONLY_A.contains(&i)).then_some('2'), i);

        // Both runs at once, each with its own journal.
        let args = [
            "apply",
            "--auto-approve",
            "--parallelism",
            "4",
            "--journal",
            "journal.jsonl",
        ];
        let mut run_a = a.spawn("apply", &args);
        let mut run_b = b.spawn("apply", &args);
        let (status_a, status_b) = tokio::task::spawn_blocking(move || {
            (run_a.wait().expect("wait a"), run_b.wait().expect("wait b"))
        })
        .await
        .expect("join");
        let (out_a, out_b) = (a.output_of("apply"), b.output_of("apply"));
        println!("A: {status_a}\n{out_a}\nB: {status_b}\n{out_b}");

        // The loser reports conflicts and exits 5; every failure is a 409.
        let journals = [
            ("A", journal(&a.path("journal.jsonl")), status_a, &out_a),
            ("B", journal(&b.path("journal.jsonl")), status_b, &out_b),
        ];
        let mut conflicts = 0;
        for (run, lines, status, output) in &journals {
            let failed: Vec<&Value> = lines.iter().filter(|l| l["status"] == "failed").collect();
            for line in &failed {
                assert_eq!(
                    line["httpStatus"], 409,
                    "{run}: only conflicts fail: {line}"
                );
            }
            conflicts += failed.len();
            if failed.is_empty() {
                assert!(status.success(), "{run} had no failure: {output}");
            } else {
                assert_eq!(status.code(), Some(5), "{run} lost some objects: {output}");
                assert!(output.contains("409"), "{run} says why: {output}");
            }
        }
        assert!(conflicts > 0, "the runs overlapped: at least one conflict");

        // No mix: every touched offer is exactly version A or version B.
        let after = remote.live().await;
        assert!(after.duplicates().is_empty(), "{:?}", after.duplicates());
        assert_eq!(after.count(), before.count(), "nothing created or deleted");
        let mut differs_from_a = BTreeMap::new();
        let mut differs_from_b = BTreeMap::new();
        for i in BOTH.chain(ONLY_A).chain(ONLY_B) {
            let name = offer_name(i);
            let envelope = after.find(Kind::Offer, &name).expect("live offer");
            let now = fields(envelope);
            assert!(
                now == in_a(i) || now == in_b(i),
                "{name} is {now:?}: neither A's {:?} nor B's {:?}",
                in_a(i),
                in_b(i)
            );
            if now != in_a(i) {
                differs_from_a.insert(format!("Offer/{name}"), "update".to_string());
            }
            if now != in_b(i) {
                differs_from_b.insert(format!("Offer/{name}"), "update".to_string());
            }

            // No lost update: the successful writes of this offer were each sent against a
            // different etag (none overwrote another unseen), and the live state is the newest.
            let acked: Vec<(&str, String, Value)> = journals
                .iter()
                .filter_map(|(run, lines, _, _)| {
                    updates(lines)
                        .remove(&format!("Offer/{name}"))
                        .filter(|(_, line)| line["status"] == "succeeded")
                        .map(|(sent, line)| (*run, sent, line))
                })
                .collect();
            assert!(!acked.is_empty(), "someone updated {name}");
            let mut sent: Vec<&String> = acked.iter().map(|(_, s, _)| s).collect();
            sent.sort();
            sent.dedup();
            assert_eq!(
                sent.len(),
                acked.len(),
                "two writes of {name} from one etag: {acked:?}"
            );
            let (winner, _, newest) = acked
                .iter()
                .max_by_key(|(_, _, l)| l["etag"].as_str().and_then(|e| e.parse::<u64>().ok()))
                .expect("one");
            assert_eq!(
                envelope["repo:etag"].to_string(),
                newest["etag"].as_str().unwrap_or("")
            );
            let expected = if *winner == "A" { in_a(i) } else { in_b(i) };
            assert_eq!(
                now, expected,
                "{name}: the newest acknowledged write ({winner}) is live"
            );
        }
        assert!(
            !differs_from_a.is_empty() || !differs_from_b.is_empty(),
            "the two versions differ somewhere"
        );

        // An honest diff: each version's plan lists exactly the objects that differ from it.
        assert_eq!(planned(&a.plan_json().await), differs_from_a, "plan from A");
        assert_eq!(planned(&b.plan_json().await), differs_from_b, "plan from B");
    }
}
