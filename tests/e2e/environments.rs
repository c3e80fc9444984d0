//! Environments over HTTP: one catalogue (Adobe offers and an Appcharge rolling offer) planned
//! and applied into two emulators, `dev` and `prod`, each reached with its own endpoint and its
//! own secrets (environment variables named in offerctl.yaml), with patches, a removal, an
//! environment-only object and variables; saved plans bound to their environment; drift of
//! prod pulled into prod's overlay with the base left byte for byte; the two compared.

use offerctl::providers::serve::{RunningServer, ServeArgs};

use crate::support::world::{Workdir, copy_dir, root};
use crate::support::{Api, start_emulator};

const DEV_TOKEN: &str = "dev-token-5a1e";
const PROD_TOKEN: &str = "prod-token-9b7c";
const DEV_PUBLISHER: &str = "dev-publisher-31f0";
const PROD_PUBLISHER: &str = "prod-publisher-77aa";

async fn emulator(token: &str, publisher: &str) -> RunningServer {
    let mut args = ServeArgs::ephemeral();
    args.token = Some(token.into());
    args.appcharge_token = Some(publisher.into());
    start_emulator(args).await
}

/// The example catalogue of `examples/environments` plus the sample Appcharge rolling offers,
/// with `dev` and `prod` each pointed at its own emulator.
fn workdir(api: Api, dev: &RunningServer, prod: &RunningServer) -> Workdir {
    let dir = tempfile::tempdir().expect("tempdir");
    let example = root().join("examples/environments");
    copy_dir(&example.join("offers.d"), &dir.path().join("offers.d"));
    copy_dir(&example.join("envs"), &dir.path().join("envs"));
    copy_dir(
        &root().join("examples/appcharge"),
        &dir.path().join("offers.d/appcharge"),
    );
    std::fs::write(
        dir.path().join("envs/prod/appcharge.yaml"),
        "kind: RollingOffer\nname: starter-ladder\npatch:\n  priority: 9\n",
    )
    .unwrap();
    let api = api.as_str();
    let config = format!(
        "api: {api}
org: TEST@AdobeOrg
apiKey: test-client
vars:
  cdn: cdn.dev.example.com
  priority: \"10\"
environments:
  dev:
    endpoint: {dev}
    sandbox: dev
    appcharge: {{endpoint: {dev}}}
    secrets: {{accessToken: DEV_ADOBE_TOKEN, appchargeToken: DEV_PUBLISHER_TOKEN}}
  prod:
    endpoint: {prod}
    sandbox: prod
    appcharge: {{endpoint: {prod}}}
    secrets: {{accessToken: PROD_ADOBE_TOKEN, appchargeToken: PROD_PUBLISHER_TOKEN}}
    vars: {{cdn: cdn.example.com, priority: \"50\"}}
",
        dev = dev.url(),
        prod = prod.url()
    );
    std::fs::write(dir.path().join("offerctl.yaml"), config).unwrap();
    Workdir {
        dir,
        env: vec![
            ("DEV_ADOBE_TOKEN".into(), DEV_TOKEN.into()),
            ("PROD_ADOBE_TOKEN".into(), PROD_TOKEN.into()),
            ("DEV_PUBLISHER_TOKEN".into(), DEV_PUBLISHER.into()),
            ("PROD_PUBLISHER_TOKEN".into(), PROD_PUBLISHER.into()),
        ],
        manifests: 0,
    }
}

fn never_printed(run: &crate::support::world::Run) {
    for secret in [DEV_TOKEN, PROD_TOKEN, DEV_PUBLISHER, PROD_PUBLISHER] {
        assert!(
            !run.all().contains(secret),
            "a secret was printed: {}",
            run.all()
        );
    }
}

/// Every file under `dir`, path → text.
fn snapshot(dir: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(
                    path.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                );
            }
        }
    }
    out
}

crate::for_both_apis! {
    async fn each_environment_gets_exactly_its_effective_catalogue(api: Api) {
        let dev = emulator(DEV_TOKEN, DEV_PUBLISHER).await;
        let prod = emulator(PROD_TOKEN, PROD_PUBLISHER).await;
        let work = workdir(api, &dev, &prod);

        let validate = work.offerctl(&["validate", "--all-envs"]).await;
        assert_eq!(validate.code, 0, "{}", validate.all());
        assert!(validate.stdout.contains("(environment dev)"), "{}", validate.all());
        assert!(validate.stdout.contains("(environment prod)"), "{}", validate.all());

        // Several environments in one plan: a section each, in order, never interleaved.
        let plan = work.offerctl(&["plan", "--all-envs", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 2, "{}", plan.all());
        never_printed(&plan);
        let dev_at = plan.stdout.find("=== Environment dev").expect("dev section");
        let prod_at = plan.stdout.find("=== Environment prod").expect("prod section");
        assert!(dev_at < prod_at);
        let (dev_text, prod_text) = plan.stdout[dev_at..].split_at(prod_at - dev_at);
        assert!(dev_text.contains("Tag/qa-only"), "{dev_text}");
        assert!(!prod_text.contains("qa-only"), "{prod_text}");
        assert!(dev_text.contains("Summer preview") && !prod_text.contains("Summer preview"));

        // A saved plan belongs to its environment.
        let saved = work.offerctl(&["plan", "--env", "dev", "--out", "dev.json"]).await;
        assert_eq!(saved.code, 0, "{}", saved.all());
        let before = crate::support::emulator::Remote::new(&prod.url()).stats().await;
        let wrong = work.offerctl(&["apply", "dev.json", "--env", "prod"]).await;
        assert_eq!(wrong.code, 5, "{}", wrong.all());
        assert!(wrong.stderr.contains("made for environment `dev`, not `prod`"), "{}", wrong.all());
        let after = crate::support::emulator::Remote::new(&prod.url()).stats().await;
        assert_eq!(
            crate::support::emulator::stat(&before, "requests", "total"),
            crate::support::emulator::stat(&after, "requests", "total"),
            "nothing may reach prod"
        );
        // Applied as saved, in its own environment (selected by the plan itself).
        let applied = work.offerctl(&["apply", "dev.json"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        never_printed(&applied);
        let applied = work.offerctl(&["apply", "--env", "prod", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        never_printed(&applied);
        let empty = work.offerctl(&["plan", "--all-envs", "--detailed-exitcode"]).await;
        assert_eq!(empty.code, 0, "{}", empty.all());

        // What each repository holds, read back as manifests.
        for (env, cdn, priority, has_qa, has_summer, end) in [
            ("dev", "cdn.dev.example.com", "10", true, true, "2026-06-20T23:59:59"),
            ("prod", "cdn.example.com", "50", false, false, "2026-06-27T23:59:59"),
        ] {
            let out = format!("export-{env}");
            let export = work.offerctl(&["export", "--env", env, "--out", &out]).await;
            assert_eq!(export.code, 0, "{}", export.all());
            let files = snapshot(&work.path(&out));
            let all: String = files.values().cloned().collect();
            assert!(all.contains(&format!("https://{cdn}/offers/spring-sale.png")), "{env}: {all}");
            assert!(!all.contains("${{"), "{env}: variables are replaced");
            assert!(all.contains(&format!("priority: {priority}")), "{env}: {all}");
            assert_eq!(all.contains("qa-only"), has_qa, "{env}");
            assert_eq!(all.contains("Summer preview"), has_summer, "{env}");
            assert!(all.contains(end), "{env}: {all}");
            assert_eq!(all.contains("priority: 9"), env == "prod", "{env}: the Appcharge patch");
        }

        // A base change shows in every environment's plan.
        work.edit("offers.d/catalogue.yaml", "name: seasonal\n", "name: seasonal\ndescription: Seasonal offers\n");
        let plan = work.offerctl(&["plan", "--all-envs", "--output", "json"]).await;
        assert_eq!(plan.code, 0, "{}", plan.all());
        let plans: serde_json::Value = serde_json::from_str(&plan.stdout).unwrap();
        for env in ["dev", "prod"] {
            let summary = &plans["environments"][env]["summary"];
            assert_eq!(summary["update"], 1, "{env}: {summary}");
            assert_eq!(plans["environments"][env]["environment"], env);
        }
        let markdown = work.offerctl(&["plan", "--all-envs", "--output", "markdown"]).await;
        assert!(markdown.stdout.contains("| environment | create | update | delete | drift |"), "{}", markdown.all());
        assert!(markdown.stdout.contains("| `prod` | 0 | 1 | 0 |"), "{}", markdown.all());
        work.edit("offers.d/catalogue.yaml", "name: seasonal\ndescription: Seasonal offers\n", "name: seasonal\n");

        // Compare: the manifests, then the repositories.
        let compare = work.offerctl(&["compare", "dev", "prod"]).await;
        assert_eq!(compare.code, 2, "{}", compare.all());
        assert!(compare.stdout.contains("- Tag/qa-only  (only in dev)"), "{}", compare.all());
        assert!(compare.stdout.contains("- Offer/Summer preview  (only in dev)"), "{}", compare.all());
        assert!(compare.stdout.contains("~ Offer/Spring sale"), "{}", compare.all());
        let live = work.offerctl(&["compare", "dev", "prod", "--live"]).await;
        assert_eq!(live.code, 2, "{}", live.all());
        assert!(live.stdout.contains("- Tag/qa-only  (only in dev)"), "{}", live.all());
        let same = work.offerctl(&["compare", "prod", "prod"]).await;
        assert_eq!(same.code, 3, "one environment is no comparison: {}", same.all());
    }
}

crate::for_both_apis! {
    async fn drift_of_prod_is_pulled_into_prods_overlay_and_the_base_is_left_alone(api: Api) {
        let dev = emulator(DEV_TOKEN, DEV_PUBLISHER).await;
        let prod = emulator(PROD_TOKEN, PROD_PUBLISHER).await;
        let work = workdir(api, &dev, &prod);
        for env in ["dev", "prod"] {
            let applied = work.offerctl(&["apply", "--env", env, "--auto-approve"]).await;
            assert_eq!(applied.code, 0, "{}", applied.all());
        }
        // Prod changes outside git: a value the overlay sets (the spring sale's end), and one
        // the base sets (the seasonal tag's description). Written with a copy of the catalogue
        // whose prod overlay says so, then the manifests put back.
        let base_before = snapshot(&work.path("offers.d"));
        let overlay = std::fs::read_to_string(work.path("envs/prod/catalogue.yaml")).unwrap();
        work.edit("envs/prod/catalogue.yaml", "endDate: 2026-06-27T23:59:59Z", "endDate: 2026-07-04T23:59:59Z");
        std::fs::write(
            work.path("envs/prod/tag.yaml"),
            "kind: Tag\nname: seasonal\npatch:\n  description: Summer and spring\n",
        )
        .unwrap();
        let drifted = work.offerctl(&["apply", "--env", "prod", "--auto-approve"]).await;
        assert_eq!(drifted.code, 0, "{}", drifted.all());
        std::fs::write(work.path("envs/prod/catalogue.yaml"), &overlay).unwrap();
        std::fs::remove_file(work.path("envs/prod/tag.yaml")).unwrap();
        let plan = work.offerctl(&["plan", "--env", "prod", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 2, "{}", plan.all());

        let pulled = work.offerctl(&["pull", "--env", "prod"]).await;
        assert_eq!(pulled.code, 0, "{}", pulled.all());
        never_printed(&pulled);
        assert_eq!(snapshot(&work.path("offers.d")), base_before, "the base is byte for byte");
        let overlay_after = std::fs::read_to_string(work.path("envs/prod/catalogue.yaml")).unwrap();
        // In place where the overlay set it; a new patch where it did not.
        assert!(overlay_after.contains("  endDate: 2026-07-04T23:59:59"), "{overlay_after}");
        assert!(!overlay_after.contains("2026-06-27"), "{overlay_after}");
        assert!(overlay_after.contains("kind: Tag\nname: seasonal\npatch:\n  description: Summer and spring\n"), "{overlay_after}");
        assert!(overlay_after.starts_with(&overlay[..overlay.find("---").unwrap()]), "the rest stays: {overlay_after}");
        let plan = work.offerctl(&["plan", "--all-envs", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 0, "every environment's plan is unchanged: {}", plan.all());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_secret_variable_that_is_not_set_is_named_and_nothing_is_read() {
    let dev = emulator(DEV_TOKEN, DEV_PUBLISHER).await;
    let prod = emulator(PROD_TOKEN, PROD_PUBLISHER).await;
    let mut work = workdir(Api::Dps, &dev, &prod);
    work.env.retain(|(k, _)| k != "PROD_ADOBE_TOKEN");
    let plan = work.offerctl(&["plan", "--env", "prod"]).await;
    assert_eq!(plan.code, 3, "{}", plan.all());
    assert!(
        plan.stderr.contains(
            "`secrets.accessToken` names the variable PROD_ADOBE_TOKEN, which is not set"
        ),
        "{}",
        plan.all()
    );
    never_printed(&plan);
    // The other environment does not need it.
    let dev_plan = work.offerctl(&["plan", "--env", "dev"]).await;
    assert_eq!(dev_plan.code, 0, "{}", dev_plan.all());
    // Unknown and missing environment names.
    let unknown = work.offerctl(&["plan", "--env", "prd"]).await;
    assert_eq!(unknown.code, 3);
    assert!(
        unknown
            .stderr
            .contains("unknown environment `prd`; did you mean `prod`? environments: dev, prod"),
        "{}",
        unknown.all()
    );
    let none = work.offerctl(&["validate"]).await;
    assert_eq!(none.code, 3);
    assert!(
        none.stderr.contains("choose one with --env NAME"),
        "{}",
        none.all()
    );
}
