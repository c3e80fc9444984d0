//! What the emulator keeps per object revision (XCore list items and reads, DPS bodies), over
//! HTTP: a page is the text a read of the same object sends, and a write, a delete or a reset
//! shows in the next page of either API.

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::serve::DPS_BASE;
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::support::*;

#[derive(Deserialize)]
struct Page {
    #[serde(rename = "_embedded")]
    embedded: Embedded,
}

#[derive(Deserialize)]
struct Embedded {
    results: Vec<Box<RawValue>>,
}

/// Every tag of the sandbox, each as the text of its list item, by `instanceId`.
async fn listed(emu: &Emu) -> Vec<(String, String)> {
    let path = format!(
        "{}?schema={}&limit=500",
        emu.instances(),
        Kind::Tag.schema_id()
    );
    let response = emu.req(Method::GET, &path).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let page: Page = serde_json::from_str(&response.text().await.expect("text")).expect("a page");
    page.embedded
        .results
        .into_iter()
        .map(|item| {
            let value: Value = serde_json::from_str(item.get()).expect("JSON");
            (id(&value), item.get().to_string())
        })
        .collect()
}

/// Each listed item is byte for byte what a read of its object sends.
async fn assert_reads_match(emu: &Emu, items: &[(String, String)]) {
    for (instance_id, text) in items {
        let response = emu
            .req(Method::GET, &emu.instance(instance_id))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(&response.text().await.expect("text"), text);
    }
}

fn item(items: &[(String, String)], instance_id: &str) -> Option<Value> {
    let (_, text) = items.iter().find(|(id, _)| id == instance_id)?;
    serde_json::from_str(text).ok()
}

/// The DPS names of every tag, sorted.
async fn dps_names(emu: &Emu) -> Vec<String> {
    let path = format!("{DPS_BASE}/tags?limit=500");
    let page = emu.get_json(&path).await;
    let mut names: Vec<String> = page["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|doc| doc["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn pages_follow_every_write_delete_and_reset_and_match_reads() {
    let emu = Emu::start().await;
    let mut ids = Vec::new();
    for name in ["a", "b \"quoted\" é", "c"] {
        ids.push(id(&emu.create(Kind::Tag, json!({"xdm:name": name})).await));
    }
    let first = listed(&emu).await;
    assert_eq!(first.len(), 3);
    assert_reads_match(&emu, &first).await;
    // Read first, listed after: the same text either way.
    let again = listed(&emu).await;
    assert_eq!(again, first);
    assert_eq!(dps_names(&emu).await, ["a", "b \"quoted\" é", "c"]);

    // A patch: the next page (both APIs) shows the new revision.
    let ops = json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "a2"}]);
    let response = emu.patch(&ids[0], ops, Some("\"1\"")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let patched = listed(&emu).await;
    assert_reads_match(&emu, &patched).await;
    let a = item(&patched, &ids[0]).expect("listed");
    assert_eq!(a["_instance"]["xdm:name"], "a2");
    assert_eq!(a["repo:etag"], 2);
    assert_ne!(a, item(&first, &ids[0]).expect("listed"));
    assert_eq!(item(&patched, &ids[2]), item(&first, &ids[2]));
    assert_eq!(dps_names(&emu).await, ["a2", "b \"quoted\" é", "c"]);

    // A delete, then a create of the same name: a new object.
    assert_eq!(emu.delete(&ids[1]).await.status(), StatusCode::OK);
    let after_delete = listed(&emu).await;
    assert_eq!(after_delete.len(), 2);
    assert!(item(&after_delete, &ids[1]).is_none());
    let (status, _) = emu.get(&ids[1]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let recreated = id(&emu
        .create(Kind::Tag, json!({"xdm:name": "b \"quoted\" é"}))
        .await);
    let with_new = listed(&emu).await;
    assert_reads_match(&emu, &with_new).await;
    assert_eq!(item(&with_new, &recreated).expect("listed")["repo:etag"], 1);

    // A reset empties the pages of both APIs.
    let reset = emu
        .client
        .post(emu.url(&format!("/_emulator/reset?sandbox={}", emu.sandbox)))
        .send()
        .await
        .expect("request");
    assert_eq!(reset.status(), StatusCode::OK);
    assert!(listed(&emu).await.is_empty());
    assert!(dps_names(&emu).await.is_empty());
    let fresh = id(&emu.create(Kind::Tag, json!({"xdm:name": "a"})).await);
    let last = listed(&emu).await;
    assert_eq!(last.len(), 1);
    assert_eq!(last[0].0, fresh);
    assert_reads_match(&emu, &last).await;
}
