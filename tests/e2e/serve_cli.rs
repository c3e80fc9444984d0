//! The `offerctl serve` process: request logging at `-v` without secrets, and graceful exit
//! on SIGTERM.

use offerctl::providers::adobe::kind::Kind;
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn verbose_logs_one_line_per_request_without_secrets_and_sigterm_exits_cleanly() {
    let server = ServeProcess::spawn(
        0,
        &[
            "-v",
            "--token",
            "tok-SECRET-1",
            "--client-id",
            "cid",
            "--client-secret",
            "sec-SECRET-2",
        ],
        Log::Kept,
    );
    let client = reqwest::Client::new();
    let container = offerctl::providers::adobe::repository::container_id("prod");
    let created = client
        .post(format!(
            "{}/data/core/xcore/{container}/instances",
            server.url
        ))
        .bearer_auth("tok-SECRET-1")
        .header("x-api-key", "cid")
        .header("x-gw-ims-org-id", "o")
        .header("x-request-id", "rid-42")
        .header(
            "content-type",
            format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
        )
        .json(&json!({"_instance": {"xdm:name": "logged"}, "_links": {}}))
        .send()
        .await
        .expect("request");
    assert_eq!(created.status(), StatusCode::CREATED);
    let token = client
        .post(format!(
            "{}/ims/token/v3?grant_type=client_credentials&client_id=cid&client_secret=sec-SECRET-2",
            server.url
        ))
        .send()
        .await
        .expect("request");
    assert_eq!(token.status(), StatusCode::OK);
    let denied = client
        .get(format!("{}/data/core/xcore/", server.url))
        .bearer_auth("wrong-SECRET-3")
        .send()
        .await
        .expect("request");
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);

    let (clean, stderr) = server.terminate();
    assert!(
        clean,
        "SIGTERM must end the server with success; stderr:\n{stderr}"
    );
    let requests: Vec<&str> = stderr.lines().filter(|l| l.contains(" request ")).collect();
    assert_eq!(requests.len(), 3, "one line per request:\n{stderr}");
    assert!(requests[0].contains("status=201") && requests[0].contains("rid-42"));
    assert!(requests[1].contains("path=/ims/token/v3") && requests[1].contains("status=200"));
    assert!(requests[2].contains("status=401"));
    assert!(
        !stderr.contains("SECRET"),
        "a secret reached the log:\n{stderr}"
    );
}
