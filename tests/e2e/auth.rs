//! Authentication: static tokens, the IMS client-credentials exchange, failures (exit 4), and
//! secrets that never appear in any output, even at -vv.

use offerctl::providers::serve::ServeArgs;

use crate::support::{Api, TOKEN, World};

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

crate::for_both_apis! {
    async fn secrets_never_appear_at_maximum_verbosity(api: Api) {
        let world = World::start_for(api).await;
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

    async fn client_credentials_are_exchanged_at_the_ims_endpoint(api: Api) {
        let args = ServeArgs {
            token: Some(TOKEN.into()),
            client_id: Some(CLIENT_ID.into()),
            client_secret: Some(CLIENT_SECRET.into()),
            ..ServeArgs::ephemeral()
        };
        let mut world = World::with_api(args, api).await;
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

    async fn a_rejected_token_exits_4(api: Api) {
        let world = World::with_api(ServeArgs {
            token: Some("the-only-valid-token".into()),
            ..ServeArgs::ephemeral()
        }, api)
        .await;
        let run = world.offerctl(&["plan"]).await;
        assert_eq!(run.code, 4, "{}", run.all());
        assert!(run.stderr.contains("401"), "{}", run.stderr);
        assert_no_secrets(&run.all());
    }

    async fn missing_credentials_are_a_configuration_error(api: Api) {
        let mut world = World::start_for(api).await;
        world.env.retain(|(k, _)| k != "OFFERCTL_ACCESS_TOKEN");
        let run = world.offerctl(&["plan"]).await;
        assert_eq!(run.code, 3, "{}", run.all());
        assert!(
            run.stderr.contains("OFFERCTL_ACCESS_TOKEN"),
            "says which variable to set: {}",
            run.stderr
        );
    }
}
