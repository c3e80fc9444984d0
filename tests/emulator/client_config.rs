//! Configuration: flags over the file, located errors in `offerctl.yaml`, credentials from the
//! environment only, and `connect` choosing the repository. (Environment variables are tested
//! in `tests/client_config_env.rs`, alone in their process.)

use std::path::{Path, PathBuf};

use clap::Parser;
use offerctl::exit::{CommandError, Exit};
use offerctl::providers::adobe::config::{
    Api, Connection, FileConfig, RemoteArgs, Settings, connect, connect_with_env,
};
use offerctl::providers::adobe::kind::Kind;

use crate::support::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    remote: RemoteArgs,
}

fn args(flags: &[&str]) -> RemoteArgs {
    Cli::try_parse_from(std::iter::once("offerctl").chain(flags.iter().copied()))
        .expect("valid flags")
        .remote
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn no_env(_: &str) -> Option<String> {
    None
}

fn failure(result: Result<Connection, CommandError>) -> CommandError {
    match result {
        Ok(_) => panic!("expected a configuration error"),
        Err(error) => error,
    }
}

#[test]
fn flags_win_over_the_file_and_defaults_fill_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "offerctl.yaml",
        "endpoint: https://platform.adobe.io\nsandbox: staging\norg: FILE@AdobeOrg\napiKey: file-key\nstateDir: state\nprune: true\nmaxDeletes: 5\nparallelism: 4\n",
    );
    let config = file.to_str().expect("utf-8");

    let settings =
        Settings::resolve(&args(&["--config", config, "--sandbox", "dev"])).expect("valid");
    assert_eq!(settings.sandbox, "dev", "the flag wins");
    assert_eq!(
        settings.endpoint.as_deref(),
        Some("https://platform.adobe.io")
    );
    assert_eq!(settings.org.as_deref(), Some("FILE@AdobeOrg"));
    assert_eq!(
        settings.api_key.as_ref().map(|k| k.expose()),
        Some("file-key")
    );
    assert_eq!(
        settings.state_dir,
        dir.path().join("state"),
        "relative to the file"
    );
    assert_eq!(
        settings.scopes,
        "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"
    );
    assert_eq!(
        settings.token_url,
        "https://ims-na1.adobelogin.com/ims/token/v3"
    );
    assert_eq!(settings.file.prune, Some(true));
    assert_eq!(settings.file.max_deletes, Some(5));
    assert_eq!(settings.file.parallelism, Some(4));
    assert_eq!(settings.file.path.as_deref(), Some(file.as_path()));

    let settings = Settings::resolve(&args(&[
        "--config",
        config,
        "--org",
        "FLAG@AdobeOrg",
        "--api-key",
        "flag-key",
        "--state-dir",
        "elsewhere",
        "--endpoint",
        "https://other.example",
    ]))
    .expect("valid");
    assert_eq!(settings.org.as_deref(), Some("FLAG@AdobeOrg"));
    assert_eq!(
        settings.api_key.as_ref().map(|k| k.expose()),
        Some("flag-key")
    );
    assert_eq!(settings.state_dir, PathBuf::from("elsewhere"));
    assert_eq!(settings.endpoint.as_deref(), Some("https://other.example"));

    // Nothing anywhere: the defaults.
    let settings = Settings::merge(&RemoteArgs::default(), FileConfig::default());
    assert_eq!(settings.sandbox, "prod");
    assert_eq!(settings.state_dir, PathBuf::from(".offerctl"));
    assert_eq!(settings.endpoint, None);
}

#[test]
fn unknown_keys_and_bad_values_are_located_errors() {
    let error = FileConfig::parse(
        "offerctl.yaml",
        "endpoint: https://platform.adobe.io\nsandboxx: dev\napi_key: k\nparallelism: 0\n",
    )
    .expect_err("invalid");
    assert_eq!(error.exit, Exit::Invalid);
    let lines: Vec<&str> = error.message.lines().collect();
    assert_eq!(lines.len(), 3, "{}", error.message);
    assert!(
        lines[0].starts_with("offerctl.yaml:2:1: unknown key `sandboxx`; did you mean `sandbox`?"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("offerctl.yaml:3:1: unknown key `api_key`; did you mean `apiKey`?"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2]
            .starts_with("offerctl.yaml:4:14: `parallelism` must be a whole number of at least 1"),
        "{}",
        lines[2]
    );

    let error = FileConfig::parse("c.yaml", "org: X\nclientSecret: hunter2\n").expect_err("secret");
    assert!(
        error.message.starts_with("c.yaml:2:1:"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("OFFERCTL_CLIENT_SECRET"),
        "{}",
        error.message
    );
    assert!(!error.message.contains("hunter2"), "{}", error.message);

    let error = FileConfig::parse("c.yaml", "- endpoint\n").expect_err("not a mapping");
    assert!(
        error.message.starts_with("c.yaml:1:1:"),
        "{}",
        error.message
    );
    let error = FileConfig::parse("c.yaml", "org: [unclosed\n").expect_err("syntax");
    assert!(error.message.starts_with("c.yaml:"), "{}", error.message);
    let error = FileConfig::parse("c.yaml", "org: a\norg: b\n").expect_err("duplicate");
    assert!(
        error
            .message
            .starts_with("c.yaml:2:1: `org` is given twice"),
        "{}",
        error.message
    );
    assert_eq!(
        FileConfig::parse("c.yaml", "# nothing yet\n").expect("empty"),
        FileConfig::default()
    );

    // Through `connect`, with the real path in the message.
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(
        dir.path(),
        "offerctl.yaml",
        "sandbox: prod\nendpont: https://x\n",
    );
    let error = failure(connect(&args(&["--config", file.to_str().expect("utf-8")])));
    assert_eq!(error.exit, Exit::Invalid);
    assert!(
        error
            .message
            .starts_with(&format!("{}:2:1: unknown key `endpont`", file.display())),
        "{}",
        error.message
    );
    let missing = dir.path().join("missing.yaml");
    let error = failure(connect(&args(&[
        "--config",
        missing.to_str().expect("utf-8"),
    ])));
    assert_eq!(error.exit, Exit::Invalid);
    assert!(
        error.message.contains("does not exist"),
        "{}",
        error.message
    );
}

#[test]
fn without_an_endpoint_the_embedded_repository_is_announced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let state = dir.path().join("state");
    let connection = connect_with_env(
        &args(&[
            "--state-dir",
            state.to_str().expect("utf-8"),
            "--sandbox",
            "dev",
        ]),
        no_env,
    )
    .expect("embedded");
    assert_eq!(
        connection.announcement.as_deref(),
        Some(
            format!(
                "No endpoint configured: using the embedded local repository in {} (sandbox dev).",
                state.join("repository").display()
            )
            .as_str()
        )
    );
    assert!(connection.backend.describe().contains("embedded"));
    assert!(state.join("repository").exists());
}

#[test]
fn an_endpoint_needs_an_organization_and_credentials_from_the_environment() {
    let endpoint = ["--endpoint", "https://platform.adobe.io"];
    let error = failure(connect_with_env(&args(&endpoint), no_env));
    assert_eq!(error.exit, Exit::Invalid);
    assert!(error.message.contains("--org"), "{}", error.message);

    let with_org = [&endpoint[..], &["--org", "O@AdobeOrg"]].concat();
    let error = failure(connect_with_env(&args(&with_org), no_env));
    assert_eq!(error.exit, Exit::Invalid);
    for var in [
        "OFFERCTL_ACCESS_TOKEN",
        "OFFERCTL_CLIENT_ID",
        "OFFERCTL_CLIENT_SECRET",
    ] {
        assert!(error.message.contains(var), "{var}: {}", error.message);
    }

    let with_client = [&with_org[..], &["--client-id", "cid"]].concat();
    let error = failure(connect_with_env(&args(&with_client), no_env));
    assert!(
        error.message.contains("OFFERCTL_CLIENT_SECRET"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("never read from flags"),
        "{}",
        error.message
    );

    // A token without an API key.
    let token = |name: &str| (name == "OFFERCTL_ACCESS_TOKEN").then(|| "tok".to_string());
    let error = failure(connect_with_env(&args(&with_org), token));
    assert!(
        error.message.contains("OFFERCTL_API_KEY"),
        "{}",
        error.message
    );

    // Client credentials: the API key defaults to the client id.
    let secret = |name: &str| (name == "OFFERCTL_CLIENT_SECRET").then(|| "s3cr3t".to_string());
    let connection = connect_with_env(&args(&with_client), secret).expect("client credentials");
    assert_eq!(connection.announcement, None);
    // The identity names where, not how: a plan made with a token applies with credentials.
    let identity = connection.backend.describe();
    // DPS is the default for real endpoints; --api xcore (or `api: xcore`) picks XCore.
    assert!(
        identity.contains("DPS API at https://platform.adobe.io/data/core/dps")
            && identity.contains("sandbox"),
        "{identity}"
    );
    let xcore = [&with_client[..], &["--api", "xcore"]].concat();
    let identity = connect_with_env(&args(&xcore), secret)
        .expect("xcore")
        .backend
        .describe();
    assert!(identity.contains("XCore API at https://"), "{identity}");
    // A container means nothing to DPS: refused rather than silently ignored.
    let with_container = [&with_client[..], &["--container", "c1"]].concat();
    let error = failure(connect_with_env(&args(&with_container), secret));
    assert_eq!(error.exit, Exit::Invalid);
    assert!(error.message.contains("--api xcore"), "{}", error.message);
    let file = FileConfig::parse("c.yaml", "api: xcore\nmaxAttempts: 9\n").expect("api key");
    assert_eq!(file.api, Some(Api::Xcore));
    assert_eq!(file.max_attempts, Some(9));
    let settings = Settings::merge(&args(&["--max-attempts", "12"]), file.clone());
    assert_eq!(settings.max_attempts, 12, "the flag wins over the file");
    assert_eq!(Settings::merge(&args(&[]), file).max_attempts, 9);
    let error = FileConfig::parse("c.yaml", "maxAttempts: 0\n").expect_err("zero attempts");
    assert!(error.message.contains("c.yaml:1:14"), "{}", error.message);
    let error = FileConfig::parse("c.yaml", "api: dsp\n").expect_err("bad api");
    assert!(
        error
            .message
            .contains("c.yaml:1:6: `api` must be dps or xcore"),
        "{}",
        error.message
    );
    assert!(
        !identity.contains("s3cr3t") && !identity.contains("credentials"),
        "{identity}"
    );

    // Plain http to a remote host: refused before any connection.
    let error = failure(connect_with_env(
        &args(&[
            "--endpoint",
            "http://platform.adobe.io",
            "--org",
            "O",
            "--api-key",
            "k",
        ]),
        token,
    ));
    assert_eq!(error.exit, Exit::Invalid);
    assert!(error.message.contains("http://"), "{}", error.message);
    let error = failure(connect_with_env(
        &args(
            &[
                &with_client[..],
                &["--token-url", "http://ims.example.com/t"],
            ]
            .concat(),
        ),
        secret,
    ));
    assert_eq!(error.exit, Exit::Invalid);
    assert!(error.message.contains("token URL"), "{}", error.message);
}

#[test]
fn the_api_key_is_hidden_in_debug_output() {
    let parsed = args(&[
        "--api-key",
        "KEY-0123456789",
        "--client-id",
        "CID-0123456789",
    ]);
    let out = format!("{parsed:?}");
    assert!(!out.contains("KEY-0123456789"), "{out}");
    assert!(!out.contains("CID-0123456789"), "{out}");
    let settings = Settings::merge(&parsed, FileConfig::default());
    let out = format!("{settings:?}");
    assert!(!out.contains("KEY-0123456789"), "{out}");
}

#[tokio::test]
async fn connect_reaches_the_emulator_with_a_token_from_the_environment() {
    let emu = Emu::start().await;
    emu.create(Kind::Tag, serde_json::json!({"xdm:name": "hello"}))
        .await;
    let url = emu.server.url();
    let flags = [
        "--endpoint",
        url.as_str(),
        "--org",
        "O@AdobeOrg",
        "--api-key",
        "k",
    ];
    let env = |name: &str| (name == "OFFERCTL_ACCESS_TOKEN").then(|| "tok".to_string());
    let connection = connect_with_env(&args(&flags), env).expect("connects");
    assert!(connection.backend.describe().contains(&url));
    let tags = connection
        .backend
        .list(Kind::Tag.core())
        .await
        .expect("list");
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].name(), "hello");
}
