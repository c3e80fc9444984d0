//! `--data DIR`: acknowledged writes survive restarts and `kill -9`, and the store never
//! becomes unreadable.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::{self, ServeArgs};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

use tokio::sync::{Mutex, Notify};

use crate::support::*;

fn durable(dir: &Path) -> ServeArgs {
    ServeArgs {
        data: Some(dir.to_path_buf()),
        ..ServeArgs::ephemeral()
    }
}

#[tokio::test]
async fn state_survives_a_restart_and_a_directory_has_one_owner() {
    let dir = tempfile::tempdir().expect("tempdir");
    let emu = Emu::with(durable(dir.path())).await;
    let tag = emu.create(Kind::Tag, json!({"xdm:name": "kept"})).await;
    let gone = emu.create(Kind::Tag, json!({"xdm:name": "gone"})).await;
    let p = emu.create(Kind::Placement, placement("p")).await;
    let o = emu.create(Kind::Offer, offer("o", &uri(&p))).await;
    let patched = emu
        .patch(
            &id(&tag),
            json!([{"op": "replace", "path": "/_instance/xdm:name", "value": "kept2"}]),
            None,
        )
        .await;
    assert_eq!(patched.status(), StatusCode::OK);
    assert_eq!(emu.delete(&id(&gone)).await.status(), StatusCode::OK);
    let job = emu.delete(&id(&p)).await;
    assert_eq!(job.status(), StatusCode::ACCEPTED);
    let location = job
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let (_, before_offer) = emu.get(&id(&o)).await;

    let second = serve::start(durable(dir.path())).await;
    assert!(
        matches!(second, Err(serve::Error::Repository(_))),
        "a second server must not open a directory in use"
    );
    emu.server.shutdown().await.expect("shutdown");

    let emu = Emu::with(durable(dir.path())).await;
    let (status, tag_now) = emu.get(&id(&tag)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tag_now["_instance"]["xdm:name"], "kept2");
    assert_eq!(tag_now["repo:etag"], 2);
    assert_eq!(emu.get(&id(&gone)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(emu.get(&id(&o)).await.1, before_offer);
    // The pending delete job survived too, and is decided on its first poll.
    let polled = emu.get_json(&format!("/{location}")).await;
    assert_eq!(polled["outcome"], "rejected");
    emu.server.shutdown().await.expect("shutdown");

    // A torn, unacknowledged record at the end of the log is discarded on open.
    let log = dir.path().join("repository.log");
    let mut bytes = std::fs::read(&log).expect("read log");
    bytes.extend_from_slice(b"0000004a 1234abcd {\"op\":\"put\",\"sandb");
    std::fs::write(&log, &bytes).expect("write log");
    let emu = Emu::with(durable(dir.path())).await;
    assert_eq!(emu.get(&id(&tag)).await.1["_instance"]["xdm:name"], "kept2");
    assert_eq!(emu.list_all(Kind::Tag, "").await.len(), 1);
}

#[tokio::test]
async fn kill_9_loses_no_acknowledged_write_and_never_corrupts_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let container = offerctl::providers::adobe::repository::container_id("prod");
    let client = http_client();
    // (instanceId, acknowledged etag) for every write that got a success response.
    let acked: Arc<Mutex<Vec<(String, u64)>>> = Arc::default();
    let progress = Arc::new(Notify::new());

    for round in 0..3 {
        let mut server = ServeProcess::spawn(
            0,
            &["--data", &dir.path().display().to_string()],
            Log::Quiet,
        );
        let stop = Arc::new(AtomicBool::new(false));
        let mut writers = Vec::new();
        for w in 0..4 {
            let (client, url, acked, stop) = (
                client.clone(),
                server.url.clone(),
                acked.clone(),
                stop.clone(),
            );
            let container = container.clone();
            let progress = progress.clone();
            writers.push(tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) && n < 500 {
                    n += 1;
                    let created = client
                        .post(format!("{url}/data/core/xcore/{container}/instances"))
                        .bearer_auth("t")
                        .header("x-api-key", "k")
                        .header("x-gw-ims-org-id", "o")
                        .header("content-type", format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()))
                        .json(&json!({"_instance": {"xdm:name": format!("r{round}-w{w}-{n}")}, "_links": {}}))
                        .send()
                        .await;
                    let Ok(response) = created else { break };
                    if response.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(receipt) = response.json::<Value>().await else { break };
                    let instance_id = id(&receipt);
                    acked.lock().await.push((instance_id.clone(), 1));
                    progress.notify_one();
                    let patched = client
                        .patch(format!("{url}/data/core/xcore/{container}/instances/{instance_id}"))
                        .bearer_auth("t")
                        .header("x-api-key", "k")
                        .header("x-gw-ims-org-id", "o")
                        .header("content-type", PATCH_HAL)
                        .body(json!([{"op": "add", "path": "/_instance/xdm:description", "value": "patched"}]).to_string())
                        .send()
                        .await;
                    let Ok(response) = patched else { break };
                    if response.status() == StatusCode::OK {
                        acked.lock().await.push((instance_id, 2));
                    }
                }
                progress.notify_one();
            }));
        }
        // Kill while the writers are mid-flight: wait for some acknowledgements first.
        let target = (round + 1) * 40;
        while acked.lock().await.len() < target && !writers.iter().all(|w| w.is_finished()) {
            // A bound against a hung server, not a synchronisation delay.
            let woke = tokio::time::timeout(Duration::from_secs(60), progress.notified()).await;
            assert!(woke.is_ok(), "no progress for 60 s in round {round}");
        }
        server.child.kill().expect("SIGKILL");
        server.child.wait().expect("reap");
        stop.store(true, Ordering::SeqCst);
        for writer in writers {
            writer.await.expect("writer");
        }
        assert!(
            acked.lock().await.len() >= target,
            "round {round} made too little progress"
        );
    }

    // Reopen in-process and check every acknowledged write.
    let emu = Emu::with(durable(dir.path())).await;
    let acked = acked.lock().await.clone();
    for (instance_id, etag) in &acked {
        let (status, envelope) = emu.get(instance_id).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "acknowledged create {instance_id} was lost"
        );
        let stored = envelope["repo:etag"].as_u64().unwrap_or_default();
        assert!(
            stored >= *etag,
            "acknowledged etag {etag} of {instance_id} lost (have {stored})"
        );
        if *etag == 2 {
            assert_eq!(envelope["_instance"]["xdm:description"], "patched");
        }
    }
    // And the store still takes writes after all that.
    emu.create(Kind::Tag, json!({"xdm:name": "after"})).await;
    let total = emu
        .req(
            Method::GET,
            &format!(
                "{}?schema={}&limit=1",
                emu.instances(),
                Kind::Tag.schema_id()
            ),
        )
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json");
    let created = acked.iter().filter(|(_, e)| *e == 1).count() as u64;
    assert!(total["_embedded"]["total"].as_u64().unwrap_or_default() > created);
}
