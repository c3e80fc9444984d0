//! Sharded listing: a large kind is read as concurrent ranges of ids, and the union is
//! complete and duplicate-free or the read fails. Against a fake DPS list server whose ids
//! are crafted to skew the shards (and that can fail one shard or miscount), and against the
//! emulator while objects are created and modified during the read.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use offerctl::backend::Backend;
use offerctl::providers::adobe::clients::dps::DpsClient;
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use regex::Regex;
use serde_json::{Value, json};

use crate::support::*;

#[derive(Default)]
struct Fake {
    ids: Vec<String>,
    /// Requests whose `property` filter contains this text answer 500.
    failing_shard: Option<String>,
    /// Added to every total the server reports.
    total_lie: u64,
    /// Ids added to the list on each of the first requests (objects created meanwhile).
    created_meanwhile: Vec<String>,
    /// Pages hold at most this many items, whatever `limit` asks (silently).
    max_page: Option<usize>,
    /// A `limit` above this answers 400.
    refuse_above: Option<usize>,
    requests: Vec<String>,
    /// The `limit` of each request.
    limits: Vec<usize>,
}

type Shared = Arc<Mutex<Fake>>;

/// `GET /data/core/dps/tags`: `property=[!]id~REGEX` filters, `limit`, `start` (an offset).
async fn tags(State(fake): State<Shared>, Query(query): Query<Vec<(String, String)>>) -> Response {
    let mut fake = fake.lock().unwrap();
    let get = |key: &str| query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let property = get("property").unwrap_or_default();
    fake.requests.push(property.clone());
    if !fake.created_meanwhile.is_empty() {
        let id = fake.created_meanwhile.remove(0);
        fake.ids.push(id);
    }
    if fake
        .failing_shard
        .as_deref()
        .is_some_and(|f| property.contains(f))
    {
        return (StatusCode::INTERNAL_SERVER_ERROR, "boom").into_response();
    }
    let limit: usize = get("limit").and_then(|l| l.parse().ok()).unwrap_or(100);
    fake.limits.push(limit);
    if fake.refuse_above.is_some_and(|max| limit > max) {
        return (StatusCode::BAD_REQUEST, "limit too large").into_response();
    }
    let limit = fake.max_page.map_or(limit, |max| limit.min(max));
    let start: usize = get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
    let (negated, pattern) = match property.strip_prefix('!') {
        Some(rest) => (true, rest.to_string()),
        None => (false, property.clone()),
    };
    let regex = pattern
        .strip_prefix("id~")
        .map(|p| Regex::new(p).expect("the client sends valid regexes"));
    let mut matching: Vec<&String> = fake
        .ids
        .iter()
        .filter(|id| regex.as_ref().is_none_or(|r| r.is_match(id) != negated))
        .collect();
    matching.sort();
    let page: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(limit)
        .map(|id| json!({"id": id, "name": id, "etag": 1}))
        .collect();
    let mut body = json!({
        "results": page,
        "count": page.len(),
        "total": matching.len() as u64 + fake.total_lie,
        "_links": {},
    });
    if start + limit < matching.len() {
        let mut next = reqwest::Url::parse("http://x/data/core/dps/tags").expect("url");
        next.query_pairs_mut()
            .append_pair("limit", &limit.to_string())
            .append_pair("start", &(start + limit).to_string());
        if !property.is_empty() {
            next.query_pairs_mut().append_pair("property", &property);
        }
        let href = format!("{}?{}", next.path(), next.query().unwrap_or_default());
        body["_links"]["next"] = json!({"href": href});
    }
    Json(body).into_response()
}

async fn fake_dps(fake: Fake) -> (DpsClient, Shared) {
    fake_dps_paged(fake, Some(50)).await
}

/// A client of a fake server, with lists paged by `page_size` (the default when `None`).
async fn fake_dps_paged(fake: Fake, page_size: Option<usize>) -> (DpsClient, Shared) {
    let shared = Arc::new(Mutex::new(fake));
    let router = axum::Router::new()
        .route("/data/core/dps/tags", axum::routing::get(tags))
        .with_state(shared.clone());
    let base = fake_server(router).await;
    let connection = config(&base).connection();
    let client = match page_size {
        Some(size) => DpsClient::new(&connection, size),
        None => DpsClient::with_default_page_size(&connection),
    }
    .expect("valid");
    (client, shared)
}

/// Ids that all begin alike, in upper case, or not in hex: every shard boundary is exercised
/// and one shard holds nearly everything.
fn skewed_ids() -> Vec<String> {
    let mut ids: Vec<String> = (0..900).map(|i| format!("dps:tag:0{i:07x}")).collect();
    ids.extend((0..40).map(|i| format!("xcore:tag:F{i:03X}")));
    ids.extend((0..30).map(|i| format!("dps:tag:zz{i}")));
    ids.extend((0..20).map(|i| format!("legacy-{i}")));
    ids.extend((0..10).map(|i| format!("dps:tag:{i:x}a")));
    ids
}

fn names(objects: &[offerctl::backend::LiveObject]) -> Vec<String> {
    let mut ids: Vec<String> = objects.iter().map(|o| o.id.clone()).collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn skewed_ids_are_listed_once_each_through_concurrent_shards() {
    let ids = skewed_ids();
    let (client, fake) = fake_dps(Fake {
        ids: ids.clone(),
        ..Fake::default()
    })
    .await;
    let listed = client.list(Kind::Tag.core()).await.expect("listed");
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(names(&listed), expected);
    let requests = fake.lock().unwrap().requests.clone();
    let shards: HashSet<&String> = requests.iter().filter(|p| !p.is_empty()).collect();
    assert_eq!(shards.len(), 17, "16 hex ranges and the rest: {shards:?}");
    // Unsharded, 1,000 objects at 50 a page are 20 requests; sharded, the first page plus
    // each shard's pages (the skewed one holds 900).
    assert!(requests.len() <= 40, "{} requests", requests.len());
}

#[tokio::test]
async fn a_small_kind_is_one_request() {
    let (client, fake) = fake_dps(Fake {
        ids: (0..60).map(|i| format!("dps:tag:{i:x}")).collect(),
        ..Fake::default()
    })
    .await;
    // 60 objects at 50 a page: two pages, walked as one list.
    assert_eq!(
        client.list(Kind::Tag.core()).await.expect("listed").len(),
        60
    );
    let requests = fake.lock().unwrap().requests.clone();
    assert!(requests.iter().all(String::is_empty), "{requests:?}");
}

#[tokio::test]
async fn shards_are_sized_from_the_pages_the_server_gives() {
    // The client asks for pages of 500 (two pages for 1,000 objects: one shard), but the
    // server gives 50 a page: 20 pages, so 16 shards (plus the rest).
    let ids = skewed_ids();
    let (client, fake) = fake_dps_paged(
        Fake {
            ids: ids.clone(),
            max_page: Some(50),
            ..Fake::default()
        },
        None,
    )
    .await;
    let listed = client.list(Kind::Tag.core()).await.expect("listed");
    let mut expected = ids;
    expected.sort();
    assert_eq!(names(&listed), expected);
    let fake = fake.lock().unwrap();
    assert_eq!(fake.limits[0], 500, "{:?}", fake.limits);
    let shards: HashSet<&String> = fake.requests.iter().filter(|p| !p.is_empty()).collect();
    assert_eq!(shards.len(), 17, "{shards:?}");
}

#[tokio::test]
async fn a_refused_default_page_size_falls_back_to_100_and_a_chosen_one_fails() {
    let ids = skewed_ids();
    let refusing = || Fake {
        ids: ids.clone(),
        refuse_above: Some(100),
        ..Fake::default()
    };
    let (client, fake) = fake_dps_paged(refusing(), None).await;
    let listed = client.list(Kind::Tag.core()).await.expect("listed");
    assert_eq!(listed.len(), ids.len());
    assert_eq!(client.page_size(), 100);
    let limits = fake.lock().unwrap().limits.clone();
    assert_eq!(limits[0], 500, "{limits:?}");
    assert!(limits[1..].iter().all(|l| *l == 100), "{limits:?}");

    let (client, _) = fake_dps_paged(refusing(), Some(500)).await;
    let error = client
        .list(Kind::Tag.core())
        .await
        .expect_err("a chosen page size is not changed");
    assert!(error.message.contains("400"), "{error}");
}

#[tokio::test]
async fn a_shard_that_fails_fails_the_read() {
    let (client, _) = fake_dps(Fake {
        ids: skewed_ids(),
        failing_shard: Some("[cC".into()),
        ..Fake::default()
    })
    .await;
    let error = client
        .list(Kind::Tag.core())
        .await
        .expect_err("no partial list");
    assert!(error.message.contains("500"), "{error}");
}

#[tokio::test]
async fn counts_that_disagree_fail_the_read() {
    let (client, _) = fake_dps(Fake {
        ids: skewed_ids(),
        total_lie: 1,
        ..Fake::default()
    })
    .await;
    let error = client
        .list(Kind::Tag.core())
        .await
        .expect_err("no partial list");
    assert!(
        error.message.contains("refusing to use a partial list"),
        "{error}"
    );
}

#[tokio::test]
async fn objects_created_during_the_read_never_yield_a_partial_list() {
    let before = skewed_ids();
    let created: Vec<String> = (0..5).map(|i| format!("dps:tag:{i}new")).collect();
    let (client, _) = fake_dps(Fake {
        ids: before.clone(),
        created_meanwhile: created,
        ..Fake::default()
    })
    .await;
    match client.list(Kind::Tag.core()).await {
        Ok(listed) => {
            let listed: HashSet<String> = names(&listed).into_iter().collect();
            assert!(
                before.iter().all(|id| listed.contains(id)),
                "an object is missing"
            );
        }
        Err(error) => assert!(
            error.message.contains("refusing to use a partial list"),
            "{error}"
        ),
    }
}

/// The emulator, XCore: 1,200 tags (three pages of 500, so two shards), while another client
/// creates and renames tags: every tag that existed throughout is listed exactly once.
#[tokio::test(flavor = "multi_thread")]
async fn the_emulator_lists_every_tag_once_while_tags_change() {
    let emu = Emu::with(ServeArgs {
        latency: 2,
        ..ServeArgs::ephemeral()
    })
    .await;
    let offerctl = client(&emu.server.url());
    let repository = emu.server.repository().clone();
    let container = emu.container();
    let actor = offerctl::providers::adobe::repository::Actor::new("tester", "test-client");
    let schema = Kind::Tag.schema_id();
    let mut existing = Vec::new();
    for i in 0..1200 {
        let created = repository
            .create(
                "prod",
                &container,
                &schema,
                json!({"xdm:name": format!("tag {i}")}),
                &actor,
            )
            .expect("create");
        existing.push(created.instance_id.clone());
    }
    let writer = {
        let repository = repository.clone();
        let container = container.clone();
        let schema = schema.clone();
        tokio::spawn(async move {
            for i in 0..50 {
                let _ = repository.create(
                    "prod",
                    &container,
                    &schema,
                    json!({"xdm:name": format!("new {i}")}),
                    &offerctl::providers::adobe::repository::Actor::new("someone", "ui"),
                );
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
        })
    };
    let listed = offerctl.list(Kind::Tag.core()).await;
    writer.await.expect("writer");
    match listed {
        Ok(listed) => {
            let ids: Vec<&str> = listed.iter().map(|o| o.instance_id.as_str()).collect();
            let unique: HashSet<&str> = ids.iter().copied().collect();
            assert_eq!(ids.len(), unique.len(), "duplicates");
            assert!(
                existing.iter().all(|id| unique.contains(id.as_str())),
                "a tag is missing"
            );
        }
        Err(error) => assert!(
            error.message.contains("refusing to use a partial list"),
            "{error}"
        ),
    }
    let quiet = offerctl
        .list(Kind::Tag.core())
        .await
        .expect("a quiet read succeeds");
    assert_eq!(quiet.len(), 1250);
}
