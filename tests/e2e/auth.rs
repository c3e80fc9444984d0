//! Authentication: static tokens, the IMS client-credentials exchange, failures (exit 4), and
//! secrets that never appear in any output, even at -vv.

use offerctl::serve::ServeArgs;

use crate::harness::{TOKEN, World};

const CLIENT_ID: &str = "e2e-client-id";
const CLIENT_SECRET: &str = "p8-e2e-client-secret-DO-NOT-PRINT";

fn assert_no_secrets(text: &str) {
    for secret in [TOKEN, CLIENT_SECRET] {
        assert!(
            !text.contains(secret),
            "a secret leaked into the output:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn secrets_never_appear_at_maximum_verbosity() {
    let world = World::start().await;
    for args in [
        &["-vv", "plan"][..],
        &["-vvv", "apply", "--auto-approve"],
        &["-vv", "plan", "--output", "json"],
    ] {
        let run = world.offerctl(args).await;
        assert_eq!(run.code, 0, "{}", run.all());
        assert!(
            run.stderr.contains("GET") || run.stderr.contains("get"),
            "logging is on: {}",
            run.stderr
        );
        assert_no_secrets(&run.all());
    }
    let saved = world.offerctl(&["plan", "--out", "plan.json"]).await;
    assert_eq!(saved.code, 0);
    assert_no_secrets(&std::fs::read_to_string(world.path("plan.json")).unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn client_credentials_are_exchanged_at_the_ims_endpoint() {
    let args = ServeArgs {
        token: Some(TOKEN.into()),
        client_id: Some(CLIENT_ID.into()),
        client_secret: Some(CLIENT_SECRET.into()),
        ..ServeArgs::ephemeral()
    };
    let mut world = World::with(args).await;
    world
        .env
        .retain(|(k, _)| k != "OFFERCTL_ACCESS_TOKEN" && k != "OFFERCTL_API_KEY");
    let token_url = format!("{}/ims/token/v3", world.server.url());
    world
        .env
        .push(("OFFERCTL_CLIENT_ID".into(), CLIENT_ID.into()));
    world
        .env
        .push(("OFFERCTL_CLIENT_SECRET".into(), CLIENT_SECRET.into()));
    world.env.push(("OFFERCTL_TOKEN_URL".into(), token_url));
    let run = world.offerctl(&["-vv", "apply", "--auto-approve"]).await;
    assert_eq!(run.code, 0, "{}", run.all());
    assert_no_secrets(&run.all());
    let stats = world.counts().await;
    assert_eq!(
        stats.value["byRoute"]["POST /ims/token/v3"], 1,
        "one exchange per run: {:?}",
        stats.value
    );

    world.env.retain(|(k, _)| k != "OFFERCTL_CLIENT_SECRET");
    world
        .env
        .push(("OFFERCTL_CLIENT_SECRET".into(), "wrong-secret".into()));
    let denied = world.offerctl(&["plan"]).await;
    assert_eq!(denied.code, 4, "{}", denied.all());
    assert!(!denied.all().contains("wrong-secret"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejected_token_exits_4() {
    let world = World::with(ServeArgs {
        token: Some("the-only-valid-token".into()),
        ..ServeArgs::ephemeral()
    })
    .await;
    let run = world.offerctl(&["plan"]).await;
    assert_eq!(run.code, 4, "{}", run.all());
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert_no_secrets(&run.all());
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_credentials_are_a_configuration_error() {
    let mut world = World::start().await;
    world.env.retain(|(k, _)| k != "OFFERCTL_ACCESS_TOKEN");
    let run = world.offerctl(&["plan"]).await;
    assert_eq!(run.code, 3, "{}", run.all());
    assert!(
        run.stderr.contains("OFFERCTL_ACCESS_TOKEN"),
        "says which variable to set: {}",
        run.stderr
    );
}
