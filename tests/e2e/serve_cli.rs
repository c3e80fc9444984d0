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
    let client = http_client();
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

/// The lines serve prints to point offerctl at it are all a newcomer needs: pasted into an
/// otherwise empty environment, `apply` and `plan` of the sample work; the README shows them.
#[test]
fn following_the_banner_points_offerctl_at_the_server() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(env!("CARGO_BIN_EXE_offerctl"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("OFFERCTL_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn offerctl serve");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut banner = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("the banner");
        banner.push(line.clone());
        if line.starts_with("export OFFERCTL_APPCHARGE_TOKEN=") {
            break;
        }
    }
    std::thread::spawn(move || lines.for_each(drop));
    let exports: Vec<(&str, &str)> = banner
        .iter()
        .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
        .collect();
    let names: Vec<&str> = exports.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "OFFERCTL_ENDPOINT",
            "OFFERCTL_ORG",
            "OFFERCTL_ACCESS_TOKEN",
            "OFFERCTL_API_KEY",
            "OFFERCTL_APPCHARGE_ENDPOINT",
            "OFFERCTL_APPCHARGE_TOKEN"
        ],
        "{banner:#?}"
    );
    let origin = exports[0].1.to_string();
    let port = origin.rsplit(':').next().and_then(|p| p.parse().ok());
    let _server = ServeProcess {
        child,
        url: origin.clone(),
        port: port.expect("a port"),
    };
    assert!(
        !origin.contains("/data/"),
        "the origin, not an API's URL: {origin}"
    );

    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    for line in banner.iter().filter(|l| l.starts_with("export ")) {
        let documented = line.replace(&origin, "http://127.0.0.1:8080");
        assert!(
            readme.contains(&documented),
            "the README lacks `{documented}`"
        );
    }

    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&root().join("offers.d"), &dir.path().join("offers.d"));
    let offerctl = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_offerctl"));
        command
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1");
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OFFERCTL_")) {
            command.env_remove(key);
        }
        let output = command
            .envs(exports.iter().copied())
            .output()
            .expect("run offerctl");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.code(), all)
    };
    let (code, all) = offerctl(&["apply", "--auto-approve"]);
    assert_eq!(code, Some(0), "{all}");
    let (code, all) = offerctl(&["plan", "--detailed-exitcode"]);
    assert_eq!(code, Some(0), "nothing left to apply: {all}");
}
