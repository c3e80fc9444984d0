//! No false drift against services that answer values in their own spelling: against
//! `offerctl serve --spelling documented` (instants read back as DPS `….000+00:00`, XCore
//! `….000Z`, Appcharge `….000Z`), the sample catalogues plan empty and pull nothing, and a real
//! change of an instant is one update whose request carries the manifest's spelling.

use offerctl::providers::adobe::kind::Kind;
use reqwest::Method;
use serde_json::Value;

use crate::pull::files;
use crate::support::World;
use crate::support::appcharge::{Shop, appcharge_workdir, sample_appcharge};
use crate::support::{Api, Recorded, Recorder, Spelling, Workdir, spelled, start_emulator};

const ACTIVITIES: &str = "offers.d/activities.yaml";

/// The requests that were not reads.
fn writes(requests: Vec<Recorded>) -> Vec<Recorded> {
    requests.into_iter().filter(|r| r.method != "GET").collect()
}

/// Runs `apply` through a recording proxy; returns the writes it sent.
async fn apply_recorded(
    work: &mut Workdir,
    origin: &str,
    point: impl Fn(&mut Workdir, &str),
) -> Vec<Recorded> {
    let recorder = Recorder::start(origin.to_string()).await;
    point(work, &recorder.url);
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    point(work, origin);
    writes(recorder.requests())
}

/// Pull changes no byte.
async fn assert_pull_changes_nothing(work: &Workdir) {
    let before = files(work.dir.path());
    let pulled = work.offerctl(&["pull"]).await;
    assert_eq!(pulled.code, 0, "{}", pulled.all());
    assert_eq!(
        files(work.dir.path()),
        before,
        "pull changed files: {}",
        pulled.all()
    );
}

crate::for_both_apis! {
    async fn respelled_instants_plan_empty_pull_nothing_and_a_real_change_is_one_patch_in_the_manifests_spelling(api: Api) {
        let mut world = World::spelled(api, Spelling::Documented).await;
        let applied = world.offerctl(&["apply", "--auto-approve"]).await;
        assert_eq!(applied.code, 0, "{}", applied.all());

        // The server answers in its own spelling, through both APIs.
        let kiosk = world.list(Kind::Activity).await.into_iter()
            .find(|o| o["_instance"]["xdm:name"] == "Kiosk personalization")
            .expect("the activity");
        assert_eq!(kiosk["_instance"]["xdm:startDate"], "2026-03-01T05:59:59.000Z");
        let page: Value = world.remote.req(Method::GET, "/data/core/dps/offer-decisions?limit=50")
            .send().await.expect("request").json().await.expect("json");
        let kiosk = page["results"].as_array().expect("results").iter()
            .find(|o| o["name"] == "Kiosk personalization")
            .expect("the decision");
        assert_eq!(kiosk["startDate"], "2026-03-01T05:59:59.000+00:00", "{kiosk}");

        world.assert_plan_empty().await;
        assert_pull_changes_nothing(&world).await;

        // The same instant written another way is no change either.
        let kiosk_dates = "startDate: 2026-03-01T05:59:59Z\nendDate: 2026-12-27T00:00:00Z\nplacement: Kiosk banner";
        world.edit(ACTIVITIES, kiosk_dates, "startDate: 2026-03-01T06:59:59+01:00\nendDate: 2026-12-27T00:00:00.000000Z\nplacement: Kiosk banner");
        world.assert_plan_empty().await;
        assert_pull_changes_nothing(&world).await;

        // A real change: one update of one field, in the manifest's spelling, one request.
        world.edit(ACTIVITIES, "startDate: 2026-03-01T06:59:59+01:00", "startDate: 2026-03-08T06:59:59+01:00");
        let plan = world.plan_json().await;
        assert_eq!(plan["summary"]["update"], 1, "{plan}");
        let change = plan["changes"].as_array().expect("changes").iter()
            .find(|c| c["action"] == "update").expect("the update");
        assert_eq!(change["address"], "Activity/Kiosk personalization", "{change}");
        let ops = change["ops"].as_array().expect("ops");
        assert_eq!(ops.len(), 1, "{change}");
        assert_eq!(ops[0]["op"], "replace");
        assert_eq!(ops[0]["value"], "2026-03-08T06:59:59+01:00");

        let origin = world.server.url();
        let sent = apply_recorded(&mut world.work, &origin, |w, url| w.point_at(url, api)).await;
        assert_eq!(sent.len(), 1, "one request: {sent:?}");
        let body = String::from_utf8_lossy(&sent[0].body);
        assert!(body.contains("\"2026-03-08T06:59:59+01:00\""), "{body}");
        assert!(!body.contains("2026-12-27"), "only the changed value is sent: {body}");
        world.assert_plan_empty().await;
        assert_pull_changes_nothing(&world).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn respelled_appcharge_time_frames_plan_empty_pull_nothing_and_a_real_change_is_one_put_in_the_manifests_spelling()
 {
    let server = start_emulator(spelled(Spelling::Documented)).await;
    let origin = server.url();
    let shop = Shop::new(&origin);
    let mut work = appcharge_workdir(&sample_appcharge(), &origin);
    let applied = work.offerctl(&["apply", "--auto-approve"]).await;
    assert_eq!(applied.code, 0, "{}", applied.all());
    let offer = shop.offer("starter-ladder").await;
    assert_eq!(
        offer["schedule"]["timeFrames"][0]["startTime"], "2026-12-01T00:00:00.000Z",
        "{offer}"
    );

    work.assert_plan_empty().await;
    assert_pull_changes_nothing(&work).await;

    let file = "offers.d/rolling-offers.yaml";
    work.edit(
        file,
        "end: 2027-01-01T00:00:00Z",
        "end: 2027-01-02T00:00:00Z",
    );
    let point = |w: &mut Workdir, url: &str| w.set_env("OFFERCTL_APPCHARGE_ENDPOINT", url);
    let sent = apply_recorded(&mut work, &origin, point).await;
    assert_eq!(sent.len(), 1, "one request: {sent:?}");
    assert_eq!(sent[0].method, "PUT");
    let body = String::from_utf8_lossy(&sent[0].body);
    // The changed value in the manifest's spelling; the unchanged one sent back as read.
    assert!(
        body.contains("\"endTime\":\"2027-01-02T00:00:00Z\""),
        "{body}"
    );
    assert!(
        body.contains("\"startTime\":\"2026-12-01T00:00:00.000Z\""),
        "{body}"
    );
    work.assert_plan_empty().await;
    assert_pull_changes_nothing(&work).await;
}
