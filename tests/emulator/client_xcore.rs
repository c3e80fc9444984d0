//! `XcoreClient` against the emulator over real HTTP: paging, writes, the delete protocol,
//! error mapping, and recovery from injected faults.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use offerctl::backend::{Backend, Deleted, ErrorKind, LiveObject, Target};
use offerctl::diff::Op;
use offerctl::providers::adobe::clients::xcore::XcoreClient;
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use serde_json::{Value, json};

use crate::support::*;

fn names(objects: &[LiveObject]) -> BTreeSet<String> {
    objects.iter().map(|o| o.name().to_string()).collect()
}

fn target_of(kind: Kind, receipt: &offerctl::backend::Receipt, name: &str) -> Target {
    Target {
        kind: kind.core(),
        instance_id: receipt.instance_id.clone(),
        id: receipt.id.clone(),
        name: name.to_string(),
    }
}

fn rename(name: &str) -> Vec<Op> {
    vec![Op::Replace {
        path: "/_instance/xdm:name".into(),
        value: json!(name),
    }]
}

// ---- lists -----------------------------------------------------------------------------------

#[tokio::test]
async fn list_follows_next_links_across_pages_without_reading_single_objects() {
    let emu = Emu::start().await;
    let expected: BTreeSet<String> = (0..23).map(|i| format!("tag {i:02}")).collect();
    for name in &expected {
        emu.create(Kind::Tag, tag(name)).await;
    }
    emu.create(Kind::Placement, placement("not a tag")).await;
    let mut config = config(&emu.server.url());
    config.page_size = 5;
    let client = XcoreClient::new(config).expect("valid");
    emu.client
        .delete(emu.url("/_emulator/stats"))
        .send()
        .await
        .expect("clear stats");

    let tags = client.list(Kind::Tag.core()).await.expect("list");

    assert_eq!(tags.len(), 23);
    assert_eq!(names(&tags), expected);
    assert!(tags.iter().all(|t| t.kind == Kind::Tag.core()
        && t.id.starts_with("xcore:tag:")
        && t.etag == "1"
        && t.instance.value()["@id"] == json!(t.id)));
    let stats = emu.stats().await;
    // Five pages unsharded; with the emulator's totals the kind is read as two shards of ids
    // after its first page: never more than twice the unsharded count.
    let lists = stat(&stats, "byRoute", LIST_ROUTE);
    assert!((5..=10).contains(&lists), "{lists} list requests: {stats}");
    assert_eq!(stat(&stats, "byRoute", READ_ROUTE), 0, "{stats}");
    // The container was discovered once, from the home document.
    assert_eq!(
        stat(&stats, "byRoute", "GET /data/core/xcore/"),
        1,
        "{stats}"
    );
    assert!(client.describe().contains(&emu.container()));

    // An empty kind is an empty list, not an error.
    assert!(
        client
            .list(Kind::Activity.core())
            .await
            .expect("list")
            .is_empty()
    );
}

/// A fake repository whose list pages misbehave in one way each.
fn misbehaving_lists() -> Router {
    let item = |id: &str| {
        json!({
            "instanceId": id,
            "schemas": ["https://ns.adobe.com/experience/offer-management/tag"],
            "repo:etag": 1,
            "_instance": {"xdm:name": id, "@id": format!("xcore:tag:{id}")},
        })
    };
    let page = move |items: Vec<Value>, next: Option<&str>| {
        let mut body = json!({
            "_embedded": {"results": items.clone(), "count": items.len()},
            "_links": {"self": {"href": "/"}},
        });
        if let Some(next) = next {
            body["_links"]["next"] = json!({"href": next});
        }
        axum::Json(body)
    };
    Router::new()
        // A next link that comes back to the first page.
        .route(
            "/data/core/xcore/loop/instances",
            get(move |q: axum::extract::RawQuery| async move {
                match q.0.unwrap_or_default().contains("start=") {
                    false => page(vec![item("a")], Some("/loop/instances?start=a")),
                    true => page(vec![item("b")], Some("/loop/instances?start=a")),
                }
            }),
        )
        // A second page that always fails.
        .route(
            "/data/core/xcore/failing/instances",
            get(move |q: axum::extract::RawQuery| async move {
                match q.0.unwrap_or_default().contains("start=") {
                    false => Ok(page(vec![item("a")], Some("/failing/instances?start=a"))),
                    true => Err(axum::http::StatusCode::BAD_GATEWAY),
                }
            }),
        )
        // A page whose results are not a list.
        .route(
            "/data/core/xcore/malformed/instances",
            get(|| async { axum::Json(json!({"_embedded": {"results": {"oops": 1}}})) }),
        )
        // An item without an @id.
        .route(
            "/data/core/xcore/incomplete/instances",
            get(|| async {
                axum::Json(json!({"_embedded": {"results": [
                    {"instanceId": "x", "repo:etag": 1, "_instance": {"xdm:name": "x"}}
                ]}}))
            }),
        )
        // A next link to another server.
        .route(
            "/data/core/xcore/elsewhere/instances",
            get(move || async move {
                page(
                    vec![item("a")],
                    Some("https://attacker.example/data/core/xcore/elsewhere/instances?start=a"),
                )
            }),
        )
}

#[tokio::test]
async fn inconsistent_or_failing_lists_are_errors_never_partial_lists() {
    let base = fake_server(misbehaving_lists()).await;
    for (container, expect) in [
        ("loop", "repeats an earlier page"),
        ("failing", "502"),
        ("malformed", "_embedded.results"),
        ("incomplete", "@id"),
        ("elsewhere", "another server"),
    ] {
        let mut config = config(&base);
        config.container = Some(container.into());
        let client = XcoreClient::new(config).expect("valid");
        let error = client
            .list(Kind::Tag.core())
            .await
            .expect_err(&format!("{container}: a broken list must fail"));
        assert!(
            error.message.contains(expect),
            "{container}: {}",
            error.message
        );
        assert!(
            error.message.contains("Tag"),
            "{container}: {}",
            error.message
        );
        if container == "failing" {
            assert_eq!(error.kind, ErrorKind::Unavailable);
            assert_eq!(error.status, Some(502));
            assert!(
                error.message.contains("after 6 attempts"),
                "{}",
                error.message
            );
        }
    }
}

// ---- writes ----------------------------------------------------------------------------------

#[tokio::test]
async fn create_patch_delete_round_trip_with_etags() {
    let emu = Emu::start().await;
    let client = client(&emu.server.url());

    let receipt = client
        .create(Kind::Tag.core(), &tag("credit card"))
        .await
        .expect("create");
    assert!(receipt.id.starts_with("xcore:tag:"), "{receipt:?}");
    assert_eq!(receipt.etag, "1");
    let request_id = receipt.request_id.clone().expect("a request id");
    assert!(uuid::Uuid::parse_str(&request_id).is_ok(), "{request_id}");
    let listed = client.list(Kind::Tag.core()).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].instance_id, receipt.instance_id);
    assert_eq!(listed[0].etag, receipt.etag);

    let target = target_of(Kind::Tag, &receipt, "credit card");
    let patched = client
        .patch(&target, &rename("credit cards"), &receipt.etag)
        .await
        .expect("patch");
    assert_eq!(patched.etag, "2");
    assert_eq!(patched.instance_id, receipt.instance_id);
    assert_eq!(patched.id, receipt.id);
    let (_, live) = emu.get(&receipt.instance_id).await;
    assert_eq!(live["_instance"]["xdm:name"], "credit cards");

    // Stale etags: 409 → Conflict, and nothing changes.
    let stale = client
        .patch(&target, &rename("debit cards"), "1")
        .await
        .expect_err("stale patch");
    assert_eq!(stale.kind, ErrorKind::Conflict, "{stale:?}");
    assert_eq!(stale.status, Some(409));
    assert!(stale.message.contains("credit card"), "{}", stale.message);
    assert!(stale.message.contains("409"), "{}", stale.message);
    assert!(stale.request_id.is_some());
    let stale = client.delete(&target, "1").await.expect_err("stale delete");
    assert_eq!(stale.kind, ErrorKind::Conflict, "{stale:?}");
    let (_, live) = emu.get(&receipt.instance_id).await;
    assert_eq!(live["repo:etag"], 2);

    let deleted = client.delete(&target, &patched.etag).await.expect("delete");
    assert!(
        matches!(
            deleted,
            Deleted::Deleted {
                request_id: Some(_)
            }
        ),
        "{deleted:?}"
    );
    assert!(
        client
            .list(Kind::Tag.core())
            .await
            .expect("list")
            .is_empty()
    );

    let gone = client
        .delete(&target, &patched.etag)
        .await
        .expect_err("already deleted");
    assert_eq!(gone.kind, ErrorKind::NotFound, "{gone:?}");
    assert_eq!(gone.status, Some(404));
    let gone = client
        .patch(&target, &rename("x"), &patched.etag)
        .await
        .expect_err("patch of a deleted object");
    assert_eq!(gone.kind, ErrorKind::NotFound, "{gone:?}");
}

#[tokio::test]
async fn deleting_a_referenced_object_polls_the_job_and_reports_the_referrers() {
    let emu = Emu::with(ServeArgs {
        delete_pending_polls: 2,
        ..ServeArgs::ephemeral()
    })
    .await;
    let client = client(&emu.server.url());
    let web = client
        .create(Kind::Placement.core(), &placement("web banner"))
        .await
        .expect("placement");
    let first = client
        .create(Kind::Offer.core(), &offer("first", &web.id))
        .await
        .expect("offer");
    let second = client
        .create(Kind::Offer.core(), &offer("second", &web.id))
        .await
        .expect("offer");
    let web_target = target_of(Kind::Placement, &web, "web banner");

    let outcome = client
        .delete(&web_target, &web.etag)
        .await
        .expect("decided");
    let Deleted::Rejected {
        referenced_by,
        request_id,
    } = outcome
    else {
        panic!("expected a rejection, got {outcome:?}");
    };
    let referrers: BTreeSet<String> = referenced_by.into_iter().collect();
    assert_eq!(
        referrers,
        BTreeSet::from([first.id.clone(), second.id.clone()])
    );
    assert!(request_id.is_some());
    let stats = emu.stats().await;
    assert!(
        stat(
            &stats,
            "byRoute",
            "GET /data/core/xcore/{containerId}/deletes/{jobId}"
        ) >= 3,
        "two pending polls, then the decision: {stats}"
    );
    assert_eq!(
        client
            .list(Kind::Placement.core())
            .await
            .expect("list")
            .len(),
        1
    );

    // Once nothing refers to it, the placement goes (through the job as well).
    for (receipt, name) in [(&first, "first"), (&second, "second")] {
        let outcome = client
            .delete(&target_of(Kind::Offer, receipt, name), &receipt.etag)
            .await
            .expect("delete offer");
        assert!(matches!(outcome, Deleted::Deleted { .. }), "{outcome:?}");
    }
    let outcome = client.delete(&web_target, &web.etag).await.expect("delete");
    assert!(matches!(outcome, Deleted::Deleted { .. }), "{outcome:?}");
    assert!(
        client
            .list(Kind::Placement.core())
            .await
            .expect("list")
            .is_empty()
    );
}

#[tokio::test]
async fn invalid_instances_are_rejected_naming_the_property() {
    let emu = Emu::start().await;
    let client = client(&emu.server.url());
    let web = client
        .create(Kind::Placement.core(), &placement("web"))
        .await
        .expect("placement");
    let mut bad = offer("bad status", &web.id);
    bad["xdm:status"] = json!("bogus");
    let error = client
        .create(Kind::Offer.core(), &bad)
        .await
        .expect_err("422");
    assert_eq!(error.kind, ErrorKind::Rejected, "{error:?}");
    assert_eq!(error.status, Some(422));
    assert!(error.message.contains("xdm:status"), "{}", error.message);
    assert!(error.message.contains("bad status"), "{}", error.message);
    assert!(error.message.contains("422"), "{}", error.message);

    let good = client
        .create(Kind::Offer.core(), &offer("good", &web.id))
        .await
        .expect("offer");
    let ops = vec![Op::Replace {
        path: "/_instance/xdm:status".into(),
        value: json!("nonsense"),
    }];
    let error = client
        .patch(&target_of(Kind::Offer, &good, "good"), &ops, &good.etag)
        .await
        .expect_err("422");
    assert_eq!(error.kind, ErrorKind::Rejected, "{error:?}");
    assert!(error.message.contains("xdm:status"), "{}", error.message);

    // A duplicate tag name is a 409 on a create: a rejection, not a conflict.
    client
        .create(Kind::Tag.core(), &tag("dup"))
        .await
        .expect("tag");
    let error = client
        .create(Kind::Tag.core(), &tag("dup"))
        .await
        .expect_err("dup");
    assert_eq!(error.kind, ErrorKind::Rejected, "{error:?}");
    assert_eq!(error.status, Some(409));
}

// ---- faults ----------------------------------------------------------------------------------

#[tokio::test]
async fn injected_503s_are_retried_until_every_call_succeeds() {
    let emu = Emu::with(ServeArgs {
        fail_rate: 0.3,
        seed: Some(11),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut config = config(&emu.server.url());
    config.retry.max_attempts = 10;
    config.page_size = 4;
    let client = XcoreClient::new(config).expect("valid");
    let mut receipts = Vec::new();
    for i in 0..10 {
        let name = format!("tag {i}");
        let receipt = client
            .create(Kind::Tag.core(), &tag(&name))
            .await
            .expect("create");
        receipts.push((receipt, name));
    }
    let listed = client.list(Kind::Tag.core()).await.expect("list");
    assert_eq!(listed.len(), 10);
    for (receipt, name) in &receipts {
        let target = target_of(Kind::Tag, receipt, name);
        let patched = client
            .patch(&target, &rename(&format!("{name}!")), &receipt.etag)
            .await
            .expect("patch");
        let deleted = client.delete(&target, &patched.etag).await.expect("delete");
        assert!(matches!(deleted, Deleted::Deleted { .. }));
    }
    assert!(
        client
            .list(Kind::Tag.core())
            .await
            .expect("list")
            .is_empty()
    );
    let stats = emu.stats().await;
    assert!(
        stat(&stats, "byStatus", "503") >= 5,
        "faults were injected: {stats}"
    );
}

#[tokio::test]
async fn throttling_429_is_retried_after_the_servers_retry_after() {
    // Every second request gets 429 with `Retry-After: 1`, however long the first one took.
    let emu = Emu::with(ServeArgs {
        throttle_every: Some(2),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut config = config(&emu.server.url());
    // No home request: the list is the first request, the create the second.
    config.container = Some(emu.container());
    let client = XcoreClient::new(config).expect("valid");
    let started = Instant::now();
    client.list(Kind::Tag.core()).await.expect("list");
    // 429 is safe to retry for any method: the create was not processed.
    let receipt = client
        .create(Kind::Tag.core(), &tag("throttled"))
        .await
        .expect("create");
    let elapsed = started.elapsed();

    let stats = emu.stats().await;
    assert_eq!(stat(&stats, "byStatus", "429"), 1, "{stats}");
    // The emulator asked for one second: the client waited at least that.
    assert!(elapsed >= Duration::from_secs(1), "{elapsed:?}");
    assert_eq!(
        stat(&stats, "byStatus", "201"),
        1,
        "one create despite the retried POST: {stats}"
    );
    assert_eq!(stat(&stats, "byRoute", CREATE_ROUTE), 2, "{stats}");
    assert!(receipt.id.starts_with("xcore:tag:"));
}

#[tokio::test]
async fn lost_responses_to_creates_never_make_duplicates() {
    let emu = Emu::with(ServeArgs {
        drop_after_commit: 0.5,
        seed: Some(5),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut config = config(&emu.server.url());
    config.retry.max_attempts = 10;
    let client = XcoreClient::new(config).expect("valid");
    // Placements: names are not unique, so a blind re-send would leave a duplicate behind.
    let mut receipts = BTreeMap::new();
    for i in 0..16 {
        let name = format!("placement {i:02}");
        let receipt = client
            .create(Kind::Placement.core(), &placement(&name))
            .await
            .unwrap_or_else(|e| panic!("create {name}: {e}"));
        receipts.insert(name, receipt);
    }
    let stats = emu.stats().await;
    assert!(stats["dropped"].as_u64().unwrap_or(0) >= 3, "{stats}");

    let live = emu.list_all(Kind::Placement, "").await;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for item in &live {
        *counts
            .entry(
                item["_instance"]["xdm:name"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
            .or_default() += 1;
    }
    assert_eq!(counts.len(), 16, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "duplicates: {counts:?}");
    for item in &live {
        let name = item["_instance"]["xdm:name"].as_str().unwrap_or("");
        let receipt = &receipts[name];
        assert_eq!(item["instanceId"], json!(receipt.instance_id), "{name}");
        assert_eq!(item["_instance"]["@id"], json!(receipt.id), "{name}");
        assert_eq!(item["repo:etag"].to_string(), receipt.etag, "{name}");
    }
}

#[tokio::test]
async fn lost_responses_to_patches_and_deletes_are_recognised_as_applied() {
    let emu = Emu::with(ServeArgs {
        drop_after_commit: 0.5,
        seed: Some(9),
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut config = config(&emu.server.url());
    config.retry.max_attempts = 10;
    let client = XcoreClient::new(config).expect("valid");
    let mut objects = Vec::new();
    for i in 0..12 {
        let name = format!("p{i}");
        let receipt = client
            .create(Kind::Placement.core(), &placement(&name))
            .await
            .expect("create");
        objects.push((receipt, name));
    }
    let dropped_before = emu.stats().await["dropped"].as_u64().unwrap_or(0);
    let mut patched = Vec::new();
    for (receipt, name) in &objects {
        let target = target_of(Kind::Placement, receipt, name);
        let ops = vec![
            Op::Replace {
                path: "/_instance/xdm:name".into(),
                value: json!(format!("{name} renamed")),
            },
            Op::Add {
                path: "/_instance/xdm:description".into(),
                value: json!("described"),
            },
        ];
        let result = client
            .patch(&target, &ops, &receipt.etag)
            .await
            .unwrap_or_else(|e| panic!("patch {name}: {e}"));
        assert_eq!(result.etag, "2", "one change only, ours");
        patched.push((target, result));
    }
    let live = emu.list_all(Kind::Placement, "").await;
    assert!(live.iter().all(|p| {
        p["repo:etag"] == 2
            && p["_instance"]["xdm:description"] == "described"
            && p["_instance"]["xdm:name"]
                .as_str()
                .is_some_and(|n| n.ends_with(" renamed"))
    }));
    for (target, receipt) in &patched {
        let outcome = client
            .delete(target, &receipt.etag)
            .await
            .unwrap_or_else(|e| panic!("delete {target}: {e}"));
        assert!(matches!(outcome, Deleted::Deleted { .. }), "{outcome:?}");
    }
    assert!(emu.list_all(Kind::Placement, "").await.is_empty());
    let dropped = emu.stats().await["dropped"].as_u64().unwrap_or(0) - dropped_before;
    assert!(
        dropped >= 4,
        "responses to patches and deletes were lost: {dropped}"
    );
}

#[tokio::test]
async fn a_conflict_after_an_unknown_outcome_that_is_not_ours_stays_a_conflict() {
    // A fake server: the first PATCH "times out" (502), the second gets 409; the object then
    // shows a change that is not the one we asked for.
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let router = Router::new().route(
        "/data/core/xcore/c/instances/i1",
        get(|| async {
            axum::Json(json!({
                "instanceId": "i1",
                "schemas": ["https://ns.adobe.com/experience/offer-management/tag"],
                "repo:etag": 2,
                "_instance": {"xdm:name": "someone else's name", "@id": "xcore:tag:1"},
            }))
        })
        .patch(move || {
            let counter = counter.clone();
            async move {
                match counter.fetch_add(1, Ordering::SeqCst) {
                    0 => axum::http::StatusCode::BAD_GATEWAY,
                    _ => axum::http::StatusCode::CONFLICT,
                }
            }
        }),
    );
    let base = fake_server(router).await;
    let mut config = config(&base);
    config.container = Some("c".into());
    let client = XcoreClient::new(config).expect("valid");
    let target = Target {
        kind: Kind::Tag.core(),
        instance_id: "i1".into(),
        id: "xcore:tag:1".into(),
        name: "mine".into(),
    };
    let error = client
        .patch(&target, &rename("my new name"), "1")
        .await
        .expect_err("not ours");
    assert_eq!(error.kind, ErrorKind::Conflict, "{error:?}");
    assert!(error.message.contains("unknown"), "{}", error.message);
    assert!(error.message.contains("plan"), "{}", error.message);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

/// What a fake server saw of one request.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: axum::http::HeaderMap,
    body: String,
}

fn header<'a>(seen: &'a Seen, name: &str) -> &'a str {
    seen.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("(absent)")
}

#[tokio::test]
async fn requests_carry_the_headers_and_media_types_of_the_contract() {
    use axum::extract::Request;
    use axum::response::IntoResponse;
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let log = seen.clone();
    let handler = move |request: Request| {
        let log = log.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let entry = Seen {
                method: parts.method.to_string(),
                uri: parts.uri.to_string(),
                headers: parts.headers.clone(),
                body: String::from_utf8_lossy(&body).into_owned(),
            };
            let patches_before = {
                let mut log = log.lock().expect("lock");
                let n = log.iter().filter(|s| s.method == "PATCH").count();
                log.push(entry);
                n
            };
            let receipt = |etag: u64| {
                axum::Json(json!({"instanceId": "i1", "@id": "xcore:tag:1", "repo:etag": etag}))
            };
            match (parts.method.as_str(), parts.uri.path()) {
                ("GET", "/data/core/xcore/") => axum::Json(json!({"_embedded": {
                    "https://ns.adobe.com/experience/xcore/container": [{"instanceId": "c"}]
                }}))
                .into_response(),
                ("GET", _) => {
                    axum::Json(json!({"_embedded": {"results": [], "count": 0}})).into_response()
                }
                ("POST", _) => (axum::http::StatusCode::CREATED, receipt(1)).into_response(),
                // The first PATCH is refused with 503: the retry must carry a new request id.
                ("PATCH", _) if patches_before == 0 => {
                    axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
                }
                ("PATCH", _) => receipt(4).into_response(),
                _ => receipt(4).into_response(),
            }
        }
    };
    let base = fake_server(Router::new().fallback(handler)).await;
    let client = client(&base);
    client.list(Kind::Offer.core()).await.expect("list");
    let receipt = client
        .create(Kind::Tag.core(), &tag("t"))
        .await
        .expect("create");
    let target = target_of(Kind::Tag, &receipt, "t");
    let patched = client
        .patch(&target, &rename("u"), "3")
        .await
        .expect("patch");
    client.delete(&target, "4").await.expect("delete");

    let seen = seen.lock().expect("lock").clone();
    let methods: Vec<&str> = seen.iter().map(|s| s.method.as_str()).collect();
    assert_eq!(methods, ["GET", "GET", "POST", "PATCH", "PATCH", "DELETE"]);
    let mut ids = BTreeSet::new();
    for s in &seen {
        assert_eq!(
            header(s, "authorization"),
            format!("Bearer {TOKEN}"),
            "{s:?}"
        );
        assert_eq!(header(s, "x-api-key"), API_KEY);
        assert_eq!(header(s, "x-gw-ims-org-id"), ORG);
        assert_eq!(header(s, "x-sandbox-name"), "prod");
        let id = header(s, "x-request-id");
        assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");
        ids.insert(id.to_string());
    }
    assert_eq!(
        ids.len(),
        seen.len(),
        "a fresh x-request-id for every attempt"
    );
    let [home, list, create, patch_refused, patch, delete] = &seen[..] else {
        unreachable!()
    };
    assert_eq!(home.uri, "/data/core/xcore/?product=dma_offers&product=acp");
    assert_eq!(
        header(home, "accept"),
        "application/vnd.adobe.platform.xcore.home.hal+json"
    );
    assert!(
        list.uri.starts_with("/data/core/xcore/c/instances?schema=https%3A%2F%2Fns.adobe.com%2Fexperience%2Foffer-management%2Fpersonalized-offer&limit=500"),
        "{}",
        list.uri
    );
    assert_eq!(
        header(list, "accept"),
        "*, application/vnd.adobe.platform.xcore.hal+json; schema=\"https://ns.adobe.com/experience/xcore/hal/results\""
    );
    assert_eq!(create.uri, "/data/core/xcore/c/instances");
    assert_eq!(
        header(create, "content-type"),
        "application/vnd.adobe.platform.xcore.hal+json; schema=\"https://ns.adobe.com/experience/offer-management/tag\""
    );
    assert_eq!(
        header(create, "accept"),
        "application/vnd.adobe.platform.xcore.xdm.receipt+json"
    );
    assert_eq!(
        serde_json::from_str::<Value>(&create.body).expect("json"),
        json!({"_instance": {"xdm:name": "t"}, "_links": {}})
    );
    for p in [patch_refused, patch] {
        assert_eq!(p.uri, "/data/core/xcore/c/instances/i1");
        assert_eq!(
            header(p, "content-type"),
            "application/vnd.adobe.platform.xcore.patch.hal+json; schema=\"https://ns.adobe.com/experience/offer-management/tag\""
        );
        assert_eq!(header(p, "if-match"), "\"3\"");
        assert_eq!(
            serde_json::from_str::<Value>(&p.body).expect("json"),
            json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "u"}])
        );
    }
    assert_eq!(
        patched.request_id.as_deref(),
        Some(header(patch, "x-request-id")),
        "the receipt names the attempt that succeeded"
    );
    assert_eq!(patched.etag, "4");
    assert_eq!(delete.uri, "/data/core/xcore/c/instances/i1");
    assert_eq!(header(delete, "if-match"), "\"4\"");
    assert_eq!(
        header(delete, "accept"),
        "application/vnd.adobe.platform.xcore.xdm.receipt+json"
    );
}

#[tokio::test]
async fn a_delete_that_stays_undecided_gives_up_after_the_configured_polls() {
    let emu = Emu::with(ServeArgs {
        delete_pending_polls: 1000,
        ..ServeArgs::ephemeral()
    })
    .await;
    let mut config = config(&emu.server.url());
    config.delete_polls = 3;
    let client = XcoreClient::new(config).expect("valid");
    let web = client
        .create(Kind::Placement.core(), &placement("web"))
        .await
        .expect("placement");
    client
        .create(Kind::Offer.core(), &offer("o", &web.id))
        .await
        .expect("offer");
    let error = client
        .delete(&target_of(Kind::Placement, &web, "web"), &web.etag)
        .await
        .expect_err("undecided");
    assert_eq!(error.kind, ErrorKind::Unavailable, "{error:?}");
    assert!(error.message.contains("3 polls"), "{}", error.message);
    assert!(error.message.contains("web"), "{}", error.message);
    let stats = emu.stats().await;
    assert_eq!(
        stat(
            &stats,
            "byRoute",
            "GET /data/core/xcore/{containerId}/deletes/{jobId}"
        ),
        3,
        "{stats}"
    );
}
