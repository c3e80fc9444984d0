//! `offerctl pull`: changes made outside git are written back into the manifest files in
//! place (only the drifted values, comments and layout kept), and the plan is empty afterwards.

use std::collections::BTreeMap;
use std::path::Path;

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::repository::Actor;
use serde_json::{Value, json};

use crate::support::{Api, Spelling, World};

const CARDS: &str = "offers.d/offers/credit-cards.yaml";

/// Patches a live object as someone else (a marketer in the product UI) would.
async fn patch_as_marketer(world: &World, kind: Kind, name: &str, ops: Value) {
    let object = world
        .list(kind)
        .await
        .into_iter()
        .find(|o| o["_instance"]["xdm:name"] == name)
        .unwrap_or_else(|| panic!("{kind}/{name} exists"));
    let instance_id = object["instanceId"].as_str().expect("an instanceId");
    let ops: Vec<json_patch::PatchOperation> = serde_json::from_value(ops).expect("ops");
    let marketer = Actor::new("marketer@example.com", "product-ui");
    world
        .server
        .repository()
        .patch(
            "prod",
            &world.server.container_id("prod"),
            instance_id,
            &ops,
            None,
            &marketer,
        )
        .expect("patched");
}

async fn live_id(world: &World, kind: Kind, name: &str) -> String {
    world
        .list(kind)
        .await
        .into_iter()
        .find(|o| o["_instance"]["xdm:name"] == name)
        .and_then(|o| o["_instance"]["@id"].as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("{kind}/{name} exists"))
}

/// Every manifest file's text, by path under the work directory.
pub(crate) fn files(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.join("offers.d")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(relative, std::fs::read_to_string(&path).expect("text"));
            }
        }
    }
    out
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` once in\n{text}");
    text.replacen(from, to, 1)
}

crate::for_both_apis_and_spellings! {
    async fn nested_changes_made_in_the_product_ui_are_pulled_into_exactly_their_lines(api: Api, spelling: Spelling) {
        let world = World::spelled(api, spelling).await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        // Comments the reviewers wrote stay where they are.
        world.edit(CARDS, "priority: 10\n", "priority: 10  # agreed with finance\n");
        world.edit(CARDS, "characteristics:\n", "# shown on the card's back\ncharacteristics:\n");
        let before = files(world.dir.path());

        let travel = live_id(&world, Kind::Tag, "travel").await;
        patch_as_marketer(&world, Kind::Offer, "ABC Bank Credit Card", json!([
            {"op": "replace", "path": "/_instance/xdm:representations/0/xdm:components/0/xdm:deliveryURL",
             "value": "https://cdn.example.com/offers/abc-card-v2.png"},
            {"op": "replace", "path": "/_instance/xdm:characteristics/annualFee", "value": "49"},
            {"op": "add", "path": "/_instance/xdm:tags/-", "value": travel},
            {"op": "replace", "path": "/_instance/xdm:selectionConstraint/xdm:endDate", "value": "2027-12-31T23:59:59.000Z"},
        ])).await;
        patch_as_marketer(&world, Kind::Tag, "loyalty", json!([
            {"op": "replace", "path": "/_instance/xdm:description", "value": "Members' offers"},
        ])).await;

        // The plan shows it as drift, with the other client's identity.
        let plan = world.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 2, "{}", plan.all());
        assert!(plan.stdout.contains("drift: changed outside offerctl by marketer@example.com (client product-ui) at "), "{}", plan.stdout);

        // A dry run prints the diff and writes nothing.
        let dry = world.offerctl(&["pull", "--dry-run"]).await;
        assert_eq!(dry.code, 0, "{}", dry.all());
        assert!(dry.stdout.contains("--- a/offers.d/offers/credit-cards.yaml\n+++ b/offers.d/offers/credit-cards.yaml\n"), "{}", dry.stdout);
        assert!(dry.stdout.contains("-  annualFee: \"0\"\n+  annualFee: \"49\"\n"), "{}", dry.stdout);
        assert_eq!(files(world.dir.path()), before);

        // A selection pulls only what it selects.
        let tags_only = world.offerctl(&["pull", "--dry-run", "--kind", "Tag", "--name", "^loyal"]).await;
        assert_eq!(tags_only.code, 0, "{}", tags_only.all());
        assert!(tags_only.stdout.contains("+++ b/offers.d/tags.yaml"), "{}", tags_only.stdout);
        assert!(!tags_only.stdout.contains("credit-cards"), "{}", tags_only.stdout);

        let pulled = world.offerctl(&["pull"]).await;
        assert_eq!(pulled.code, 0, "{}", pulled.all());
        assert!(pulled.stderr.contains("~ Offer/ABC Bank Credit Card (offers.d/offers/credit-cards.yaml, changed by marketer@example.com at "), "{}", pulled.stderr);
        assert!(pulled.stderr.contains("Pulled 2 objects into 2 files."), "{}", pulled.stderr);

        // Exactly the lines holding the changed values; every other byte and file as it was.
        let after = files(world.dir.path());
        let mut expected = before.clone();
        let cards = &before[CARDS];
        // A real change takes the repository's spelling (DPS answers with an offset).
        let end = match (api, spelling) {
            (Api::Dps, Spelling::Documented) => "2027-12-31T23:59:59.000+00:00",
            _ => "2027-12-31T23:59:59.000Z",
        };
        let cards = replace_once(cards, "endDate: 2027-06-30T23:59:59Z\n", &format!("endDate: {end}\n"));
        let cards = replace_once(&cards, "tags: [credit card, loyalty]\n", "tags: [credit card, loyalty, travel]\n");
        let cards = replace_once(&cards, "annualFee: \"0\"\n", "annualFee: \"49\"\n");
        let cards = replace_once(&cards, "abc-card-530x220.png", "abc-card-v2.png");
        expected.insert(CARDS.into(), cards);
        let tags = replace_once(
            &before["offers.d/tags.yaml"],
            "description: Offers for members of the loyalty programme\n",
            "description: Members' offers\n",
        );
        expected.insert("offers.d/tags.yaml".into(), tags);
        for (path, text) in &expected {
            assert_eq!(&after[path], text, "{path}");
        }
        assert_eq!(after.len(), expected.len());

        world.assert_plan_empty().await;
        // Nothing left to pull.
        let again = world.offerctl(&["pull"]).await;
        assert_eq!(again.code, 0, "{}", again.all());
        assert!(again.stderr.contains("Nothing to pull"), "{}", again.stderr);
        assert_eq!(files(world.dir.path()), after);
    }

    async fn objects_deleted_and_created_outside_git_are_removed_and_added_only_when_asked(api: Api, spelling: Spelling) {
        let world = World::spelled(api, spelling).await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        let before = files(world.dir.path());
        let hero = world
            .list(Kind::Activity)
            .await
            .into_iter()
            .find(|o| o["_instance"]["xdm:name"] == "Newsletter hero")
            .expect("the activity");
        let deleted = world.remote.delete(hero["instanceId"].as_str().unwrap()).await;
        assert!(deleted.status().is_success());
        world.remote.create(Kind::Tag, json!({"xdm:name": "summer sale"})).await;

        // Reported, not acted on, without the flags.
        let reported = world.offerctl(&["pull"]).await;
        assert_eq!(reported.code, 2, "{}", reported.all());
        assert!(reported.stderr.contains("! Activity/Newsletter hero: not in the repository"), "{}", reported.stderr);
        assert!(reported.stderr.contains("? Tag/summer sale: in the repository only"), "{}", reported.stderr);
        assert_eq!(files(world.dir.path()), before);

        let pulled = world
            .offerctl(&["pull", "--remove-deleted", "--include-new", "offers.d/adopted.yaml"])
            .await;
        assert_eq!(pulled.code, 0, "{}", pulled.all());
        let after = files(world.dir.path());
        assert_eq!(after["offers.d/adopted.yaml"], "kind: Tag\nname: summer sale\n");
        let activities = &before["offers.d/activities.yaml"];
        let hero_at = activities.find("---\nkind: Activity\nname: Newsletter hero").expect("the document");
        assert_eq!(after["offers.d/activities.yaml"], activities[..hero_at]);
        for (path, text) in &before {
            if path != "offers.d/activities.yaml" {
                assert_eq!(&after[path], text, "{path}");
            }
        }
        world.assert_plan_empty().await;
    }

    async fn drift_that_cannot_be_written_in_place_is_listed_and_nothing_else_is_lost(api: Api, spelling: Spelling) {
        let world = World::spelled(api, spelling).await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        // The cap is written as a flow mapping: offerctl will not guess how to rewrite it.
        world.edit(CARDS, "cap:\n  global: 1000000\n  profile: 5\n", "cap: {global: 1000000, profile: 5}\n");
        patch_as_marketer(&world, Kind::Offer, "ABC Bank Credit Card", json!([
            {"op": "replace", "path": "/_instance/xdm:cappingConstraint/xdm:profileCap", "value": 3},
        ])).await;
        patch_as_marketer(&world, Kind::Tag, "travel", json!([
            {"op": "add", "path": "/_instance/xdm:description", "value": "Trips"},
        ])).await;
        let before = files(world.dir.path());

        let pulled = world.offerctl(&["pull"]).await;
        assert_eq!(pulled.code, 2, "{}", pulled.all());
        assert!(pulled.stderr.contains("! Offer/ABC Bank Credit Card: left as it was: `cap` is written as a flow mapping"), "{}", pulled.stderr);
        let after = files(world.dir.path());
        assert_eq!(after[CARDS], before[CARDS]);
        assert_ne!(after["offers.d/tags.yaml"], before["offers.d/tags.yaml"]);
        let plan = world.plan_json().await;
        assert_eq!(plan["summary"]["update"], 1, "{plan}");
    }
}

crate::for_both_spellings! {
/// The same code path for another provider: a dashboard edit of an Appcharge rolling offer is
/// pulled into exactly its lines. Against the server that answers time frames as `….000Z`,
/// the dashboard's PUT stores them so, and the manifest keeps its own spelling of them.
async fn an_appcharge_dashboard_edit_is_pulled_into_exactly_its_lines(spelling: Spelling) {
    use crate::support::appcharge::{Shop, appcharge_workdir, sample_appcharge};
    let server = crate::support::start_emulator(crate::support::spelled(spelling)).await;
    let shop = Shop::new(&server.url());
    let work = appcharge_workdir(&sample_appcharge(), &server.url());
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let file = work.path("offers.d/rolling-offers.yaml");
    let before = std::fs::read_to_string(&file).unwrap();

    // Someone renames the offer and reprices its second step in the dashboard.
    use offerctl::providers::appcharge::{kind::Kind as Appcharge, wire};
    let read = shop.offer("starter-ladder").await;
    let canonical = wire::normalize_read(Appcharge::RollingOffer, read);
    let mut offer = wire::write_body(Appcharge::RollingOffer, &canonical, false);
    offer["name"] = json!("Starter ladder (summer)");
    let steps = offer["productsSequence"].as_array_mut().expect("steps");
    let second = steps.iter_mut().find(|s| s["index"] == 2).expect("step 2");
    second["priceInUsdCents"] = json!(249);
    shop.put("/v2/offer/starter-ladder", offer).await;

    let pulled = work.offerctl(&["pull"]).await;
    assert_eq!(pulled.code, 0, "{}", pulled.all());
    let expected = replace_once(
        &before,
        "title: Starter ladder\n",
        "title: Starter ladder (summer)\n",
    );
    let expected = replace_once(&expected, "  - price: 199\n", "  - price: 249\n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    work.assert_plan_empty().await;
}
}
