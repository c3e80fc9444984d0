//! `offerctl doctor` against `offerctl serve`: every check matching on the emulator as it is,
//! and each deliberate deviation of the emulator (`--max-page-size`, `--ignore-if-match`,
//! `--delete-referenced`, wrong client credentials) reported as a mismatch with exit 1.

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::ServeArgs;
use serde_json::Value;

use crate::for_both_apis;
use crate::support::{Api, World};

/// The sample catalogue applied, so that lists span several pages.
async fn world_with(args: ServeArgs, api: Api) -> World {
    let world = World::with_api(args, api).await;
    let applied = world.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    world
}

/// `doctor --output json ARGS`: the exit code and the status of each check by assumption.
async fn doctor(world: &World, extra: &[&str]) -> (i32, Vec<(String, String, String)>) {
    let mut args = vec!["doctor", "--output", "json"];
    args.extend_from_slice(extra);
    let run = world.offerctl(&args).await;
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("doctor JSON: {e}: {}", run.all()));
    assert_eq!(report["ok"], run.code == 0, "{}", run.all());
    let checks = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (text("assumption"), text("status"), text("observed"))
        })
        .collect();
    (run.code, checks)
}

/// The status of the check whose assumption contains `words`.
fn status<'a>(checks: &'a [(String, String, String)], words: &str) -> &'a str {
    checks
        .iter()
        .find(|(assumption, _, _)| assumption.contains(words))
        .map(|(_, status, _)| status.as_str())
        .unwrap_or_else(|| panic!("no check about {words:?} in {checks:#?}"))
}

/// Runs doctor against an emulator started with `args`; asserts exit 1 and that the check
/// about `words` is the mismatch. Returns every check.
async fn assert_mismatch(
    args: ServeArgs,
    api: Api,
    flags: &[&str],
    words: &str,
) -> Vec<(String, String, String)> {
    let world = world_with(args, api).await;
    let (code, checks) = doctor(&world, flags).await;
    assert_eq!(code, 1, "{checks:#?}");
    assert_eq!(status(&checks, words), "mismatch", "{checks:#?}");
    checks
}

/// The paging walk says what it read in numbers that agree: entries read, of which some are
/// repeats of distinct offers ("8 entries in 4 pages of 2: 5 distinct offers (3 repeated)").
fn walk_adds_up(checks: &[(String, String, String)]) {
    let (_, _, observed) = checks
        .iter()
        .find(|(assumption, _, _)| assumption.contains("visits every object"))
        .expect("the paging check");
    let numbers: Vec<usize> = observed
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let [entries, pages, size, distinct, repeated, missing] = numbers[..] else {
        panic!("{observed}");
    };
    assert_eq!(
        *observed,
        format!(
            "{entries} entries in {pages} pages of {size}: {distinct} distinct offers ({repeated} repeated), {missing} missing"
        )
    );
    assert_eq!(entries - repeated, distinct, "{observed}");
    assert!(entries <= pages * size, "{observed}");
}

const CHECKS: [&str; 12] = [
    "access token",
    "configured API answers",
    "organization and sandbox",
    "container",
    "largest page size",
    "as many items as asked",
    "visits every object",
    "create is accepted",
    "PATCH media type",
    "If-Match is enforced",
    "referenced object",
    "read back as the same instant",
];

for_both_apis! {
    /// Read-only: every read check matches, the write checks are skipped, and nothing is written.
    async fn read_only_doctor_matches_the_emulator_and_writes_nothing(api: Api) {
        let world = world_with(ServeArgs::ephemeral(), api).await;
        let before = world.counts().await;
        let (code, checks) = doctor(&world, &[]).await;
        assert_eq!(code, 0, "{checks:#?}");
        for check in &CHECKS[..7] {
            let expected = if check == &"container" && api == Api::Dps { "skipped" } else { "ok" };
            assert_eq!(status(&checks, check), expected, "{check}: {checks:#?}");
        }
        for check in &CHECKS[7..] {
            assert_eq!(status(&checks, check), "skipped", "{check}");
        }
        assert_eq!(world.counts().await.since(&before).writes(), 0);
        walk_adds_up(&checks);
    }

    /// With --write-probe every check matches and the probe leaves nothing behind, even a
    /// leftover of an earlier interrupted probe.
    async fn the_write_probe_matches_and_cleans_up(api: Api) {
        let world = world_with(ServeArgs::ephemeral(), api).await;
        world
            .remote
            .create(Kind::Tag, serde_json::json!({"xdm:name": "offerctl-doctor-1"}))
            .await;
        let (code, checks) = doctor(&world, &["--write-probe"]).await;
        assert_eq!(code, 0, "{checks:#?}");
        for check in CHECKS.iter().chain(&["leaves nothing behind"]) {
            assert_ne!(status(&checks, check), "mismatch", "{check}: {checks:#?}");
        }
        for kind in [Kind::Tag, Kind::Filter, Kind::Offer, Kind::Placement] {
            let left: Vec<Value> = world
                .list(kind)
                .await
                .into_iter()
                .filter(|o| o["_instance"]["xdm:name"].as_str().unwrap_or("").starts_with("offerctl-doctor-"))
                .collect();
            assert!(left.is_empty(), "{kind} left behind: {left:#?}");
        }
    }

    /// A sandbox that respells the instant written: reported with its spelling, and fine.
    async fn the_write_probe_reports_how_the_sandbox_spells_an_instant(api: Api) {
        let args = crate::support::spelled(crate::support::Spelling::Documented);
        let world = world_with(args, api).await;
        let (code, checks) = doctor(&world, &["--write-probe"]).await;
        assert_eq!(code, 0, "{checks:#?}");
        let (_, status, observed) = checks
            .iter()
            .find(|(assumption, _, _)| assumption.contains("read back as the same instant"))
            .expect("the instant check");
        assert_eq!(status, "ok");
        let spelled = if api == Api::Dps { "2030-01-01T00:00:00.000+00:00" } else { "2030-01-01T00:00:00.000Z" };
        assert!(observed.contains(&format!("2030-01-01T00:00:00Z read back as \"{spelled}\"")), "{observed}");
        assert!(observed.contains("plans compare instants by meaning"), "{observed}");
    }

    /// A server whose pages are smaller than offerctl asks for (read-only is enough).
    async fn a_smaller_maximum_page_size_is_a_mismatch(api: Api) {
        let args = ServeArgs { max_page_size: Some(3), ..ServeArgs::ephemeral() };
        let checks = assert_mismatch(args, api, &[], "as many items as asked").await;
        assert_eq!(status(&checks, "visits every object"), "ok", "{checks:#?}");
    }

    /// A server that does not enforce If-Match.
    async fn no_if_match_enforcement_is_a_mismatch(api: Api) {
        let args = ServeArgs { ignore_if_match: true, ..ServeArgs::ephemeral() };
        let checks = assert_mismatch(args, api, &["--write-probe"], "If-Match is enforced").await;
        assert_eq!(status(&checks, "leaves nothing behind"), "ok", "{checks:#?}");
    }

    /// A server that deletes referenced objects.
    async fn deleting_referenced_objects_is_a_mismatch(api: Api) {
        let args = ServeArgs { delete_referenced: true, ..ServeArgs::ephemeral() };
        let checks = assert_mismatch(args, api, &["--write-probe"], "referenced object").await;
        assert_eq!(status(&checks, "leaves nothing behind"), "ok", "{checks:#?}");
    }

    /// Client credentials the token endpoint refuses: reported, and no secret in the output.
    async fn refused_credentials_are_a_mismatch(api: Api) {
        let args = ServeArgs {
            client_id: Some("doctor-client".into()),
            client_secret: Some("the-right-secret".into()),
            ..ServeArgs::ephemeral()
        };
        let mut world = World::with_api(args, api).await;
        world.env.retain(|(k, _)| k != "OFFERCTL_ACCESS_TOKEN" && k != "OFFERCTL_API_KEY");
        let token_url = format!("{}/ims/token/v3", world.server.url());
        world.set_env("OFFERCTL_CLIENT_ID", "doctor-client");
        world.set_env("OFFERCTL_CLIENT_SECRET", "a-wrong-secret");
        world.set_env("OFFERCTL_TOKEN_URL", &token_url);
        let run = world.offerctl(&["doctor"]).await;
        assert_eq!(run.code, 1, "{}", run.all());
        assert!(run.stdout.contains("mismatch credentials give an access token"), "{}", run.all());
        assert!(!run.all().contains("a-wrong-secret"), "{}", run.all());
    }
}
