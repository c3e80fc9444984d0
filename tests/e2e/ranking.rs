//! Ranking formulas end to end, through either API: the sample's criterion that names a
//! formula creates the formula first and refers to its id on the wire; a formula changes with
//! one `PUT` of the whole formula on DPS (a JSON Patch on XCore); the repository's upper-cased
//! return type never shows as a change; and deleting a formula a decision still uses is flagged.

use offerctl::providers::adobe::kind::Kind;
use serde_json::{Value, json};

use crate::for_both_apis;
use crate::support::{Api, World};

const FORMULA: &str = "Home city first";
const ACTIVITY: &str = "Call center IVR personalization";

fn named<'a>(objects: &'a [Value], name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["_instance"]["xdm:name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {objects:?}"))
}

fn encoded(id: &str) -> String {
    id.replace(':', "%3A")
}

for_both_apis! {
    /// `rankingFormula: Home city first` in a criterion of the sample: the formula is created
    /// before the decision, whose criterion orders by the formula's id in both APIs' terms.
    async fn a_criterion_orders_by_a_formula_created_before_it(api: Api) {
        let world = World::start_for(api).await;
        let applied = world.offerctl(&["apply", "--auto-approve", "--parallelism", "8"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        let output = applied.all();
        let created_formula = output
            .find(&format!("created RankingFormula/{FORMULA}"))
            .expect("the formula is created");
        let created_activity = output
            .find(&format!("created Activity/{ACTIVITY}"))
            .expect("the activity is created");
        assert!(created_formula < created_activity, "{output}");

        let formulas = world.list(Kind::RankingFormula).await;
        let formula = named(&formulas, FORMULA)["_instance"]["@id"]
            .as_str()
            .expect("an id")
            .to_string();
        let prefix = match api {
            Api::Xcore => "xcore:ranking-function:",
            Api::Dps => "dps:ranking-function:",
        };
        assert!(formula.starts_with(prefix), "{formula}");
        let activities = world.list(Kind::Activity).await;
        let activity = &named(&activities, ACTIVITY)["_instance"];
        assert_eq!(
            activity["xdm:criteria"][0]["xdm:rank"],
            json!({"xdm:order": {"xdm:orderEvaluationType": "scoringFunction",
                                 "xdm:function": formula}})
        );
        let id = activity["@id"].as_str().expect("an id");
        let decision = world
            .remote
            .get_json(&format!("/data/core/dps/offer-decisions/{}", encoded(id)))
            .await;
        assert_eq!(
            decision["criteria"][0]["rank"],
            json!({"order": {"orderEvaluationType": "scoringFunction", "function": formula}})
        );
        let read = world
            .remote
            .get_json(&format!("/data/core/dps/ranking-formulas/{}", encoded(&formula)))
            .await;
        assert_eq!(read["returnType"], json!({"type": "INTEGER"}), "{read}");
        assert_eq!(
            read["schemas"][0].as_str().map(|s| s.split(';').next()),
            Some(Some("https://ns.adobe.com/experience/offer-management/ranking-function"))
        );
        world.assert_plan_empty().await;
    }

    /// A changed formula is one update; DPS sends the whole formula with PUT (XCore a JSON
    /// Patch), and a return type read back upper-cased is not a change.
    async fn a_changed_formula_is_one_update_sent_whole_on_dps(api: Api) {
        let world = World::start_for(api).await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        world.edit(
            "offers.d/ranking-formulas.yaml",
            "offer.rank.priority * 2,",
            "offer.rank.priority * 3,",
        );
        world.edit(
            "offers.d/ranking-formulas.yaml",
            "formula: |-\n  if(offer.characteristics",
            "returnType: double\nformula: |-\n  if(offer.characteristics",
        );
        let plan = world.plan_json().await;
        let updates: Vec<&Value> = plan["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter(|c| c["action"] != "no_op")
            .collect();
        assert_eq!(updates.len(), 1, "{updates:#?}");
        assert_eq!(updates[0]["address"], format!("RankingFormula/{FORMULA}"));
        assert_eq!(
            updates[0]["ops"].as_array().map(Vec::len),
            Some(2),
            "{}",
            updates[0]["ops"]
        );
        let text = world.offerctl(&["plan"]).await;
        assert!(
            text.stdout.contains("the DPS API sends the whole formula with PUT"),
            "{}",
            text.stdout
        );

        let before = world.counts().await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        let writes = world.counts().await.since(&before);
        let route = match api {
            Api::Dps => "PUT /data/core/dps/ranking-formulas/{id}",
            Api::Xcore => "PATCH /data/core/xcore/{containerId}/instances/{instanceId}",
        };
        assert_eq!(writes.value["byRoute"][route], 1, "{}", writes.value);
        assert_eq!(writes.writes(), 1, "{}", writes.value);

        let formulas = world.list(Kind::RankingFormula).await;
        let stored = &named(&formulas, FORMULA)["_instance"];
        assert!(
            stored["xdm:expression"]["xdm:value"]
                .as_str()
                .is_some_and(|v| v.contains("* 3,")),
            "{stored}"
        );
        assert!(
            stored["xdm:returnType"]["xdm:type"]
                .as_str()
                .is_some_and(|t| t.eq_ignore_ascii_case("double")),
            "{stored}"
        );
        // Read back as DOUBLE through DPS: still no change.
        world.assert_plan_empty().await;
    }

    /// A formula a decision still uses: pruning it is flagged as a delete the repository would
    /// reject; removing the reference first lets the prune delete it (after the update).
    async fn a_formula_still_used_is_flagged_and_deleted_after_its_user_lets_go(api: Api) {
        let world = World::start_for(api).await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        let formulas = world.list(Kind::RankingFormula).await;
        let formula = named(&formulas, FORMULA)["_instance"]["@id"]
            .as_str()
            .expect("an id")
            .to_string();
        // The decision refers to the formula by its id; the formula's manifest is gone.
        world.edit(
            "offers.d/activities.yaml",
            &format!("rankingFormula: {FORMULA}"),
            &format!("rankingFormula: {formula}"),
        );
        let path = world.path("offers.d/ranking-formulas.yaml");
        let text = std::fs::read_to_string(&path).expect("read");
        let (_, others) = text.split_once("---\n").expect("two formulas");
        std::fs::write(&path, others).expect("write");
        world.assert_plan_empty().await;
        let plan = world.offerctl(&["plan", "--prune", "--output", "json"]).await;
        let plan: Value = serde_json::from_str(&plan.stdout).expect("plan JSON");
        let delete = plan["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .find(|c| c["action"] == "delete")
            .expect("the formula is pruned");
        assert_eq!(delete["address"], format!("RankingFormula/{FORMULA}"));
        assert_eq!(
            delete["referenced_by"],
            json!([format!("Activity/{ACTIVITY}")]),
            "{delete}"
        );

        // The criterion lets go of the formula: its order goes, then the formula.
        world.edit("offers.d/activities.yaml", &format!("    rankingFormula: {formula}\n"), "");
        let applied = world
            .offerctl(&["apply", "--auto-approve", "--prune", "--allow-delete"])
            .await;
        assert_eq!(applied.code, 0, "{}", applied.all());
        let activities = world.list(Kind::Activity).await;
        let activity = &named(&activities, ACTIVITY)["_instance"];
        assert!(
            activity.pointer("/xdm:criteria/0/xdm:rank/xdm:order").is_none()
                && activity.pointer("/xdm:rank/xdm:order").is_none(),
            "{activity}"
        );
        let left = world.list(Kind::RankingFormula).await;
        assert!(
            left.iter().all(|f| f["_instance"]["xdm:name"] != FORMULA),
            "{left:?}"
        );
        world.assert_plan_empty().await;
    }
}
