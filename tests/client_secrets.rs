//! Secrets never reach trace logs, `Debug` output or error messages.
//!
//! Its own test target, on purpose, holding a single test: tracing caches per-callsite interest
//! globally, so a thread-local subscriber set while other tests log on other threads misses
//! events (it did, when this test was merged into the `emulator` target). Do not merge it.

mod support;

use std::io;
use std::sync::{Arc, Mutex};

use offerctl::backend::{Backend, Target};
use offerctl::diff::Op;
use offerctl::providers::adobe::clients::xcore::{
    Auth, ClientCredentials, DEFAULT_SCOPES, XcoreClient,
};
use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use offerctl::secret::Secret;
use reqwest::Url;
use serde_json::json;

use support::*;

const CLIENT_ID: &str = "CLIENTID-5b1e8a4c";
const CLIENT_SECRET: &str = "CLIENTSECRET-77d2e0f1";
const ISSUED_TOKEN: &str = "ISSUEDTOKEN-9f3a1c2d";

fn oauth_client(emu: &Emu, secret: &str) -> XcoreClient {
    let mut config = config(&emu.server.url());
    config.api_key = None;
    config.auth = Auth::ClientCredentials(ClientCredentials {
        client_id: Secret::new(CLIENT_ID),
        client_secret: Secret::new(secret),
        scopes: DEFAULT_SCOPES.into(),
        token_url: Url::parse(&emu.url("/ims/token/v3")).expect("url"),
    });
    XcoreClient::new(config).expect("valid")
}

/// A `MakeWriter` that keeps everything written.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test]
async fn secrets_never_reach_logs_debug_output_or_errors() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(capture.clone())
        .finish();
    // The test runtime has one thread: every task, the emulator's included, logs here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let emu = Emu::with(ServeArgs {
        token: Some(ISSUED_TOKEN.into()),
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        ..ServeArgs::ephemeral()
    })
    .await;
    let client = oauth_client(&emu, CLIENT_SECRET);
    let mut outputs = vec![format!("{client:?}"), client.describe()];
    let receipt = client
        .create(Kind::Tag.core(), &tag("logged"))
        .await
        .expect("create");
    let listed = client.list(Kind::Tag.core()).await.expect("list");
    outputs.push(format!("{receipt:?} {listed:?}"));
    let target = Target {
        kind: Kind::Tag.core(),
        instance_id: receipt.instance_id.clone(),
        id: receipt.id.clone(),
        name: "logged".into(),
    };
    let ops = [Op::Replace {
        path: "/_instance/xdm:name".into(),
        value: json!("x"),
    }];
    let conflict = client.patch(&target, &ops, "7").await.expect_err("stale");
    outputs.push(format!("{conflict:?} {conflict}"));
    let wrong_secret = oauth_client(&emu, "CLIENTSECRET-wrong-0000");
    let error = wrong_secret
        .list(Kind::Tag.core())
        .await
        .expect_err("refused");
    outputs.push(format!("{error:?} {error} {wrong_secret:?}"));
    let mut config = config(&emu.server.url());
    config.auth = Auth::Token(Secret::new("WRONGTOKEN-31337"));
    config.api_key = Some(Secret::new(CLIENT_ID));
    let wrong_token = XcoreClient::new(config).expect("valid");
    let error = wrong_token
        .list(Kind::Tag.core())
        .await
        .expect_err("refused");
    outputs.push(format!("{error:?} {error} {wrong_token:?}"));

    let log = String::from_utf8(capture.0.lock().expect("lock").clone()).expect("utf-8");
    // The log is not empty: requests were traced, with their paths and request ids.
    assert!(log.contains("/data/core/xcore/"), "{log}");
    assert!(log.contains("/ims/token/v3"), "{log}");
    assert!(log.contains("request_id"), "{log}");
    assert!(log.contains("status=201"), "{log}");
    let everything = format!("{log}\n{}", outputs.join("\n"));
    for secret in [
        CLIENT_ID,
        CLIENT_SECRET,
        ISSUED_TOKEN,
        "CLIENTSECRET-wrong-0000",
        "WRONGTOKEN-31337",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} leaked:\n{}",
            everything
                .lines()
                .filter(|l| l.contains(secret))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}
