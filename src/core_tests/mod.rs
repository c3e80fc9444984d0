//! The core's own tests: the whole pipeline (load → graph → live → diff → plan → apply, saved
//! plans, prune, export) driven through a toy provider that shares nothing with a real vendor.
//! If the core named a vendor anywhere, these could not pass.

mod environments;
mod layout;
mod loading;
pub(crate) mod toy;

use std::collections::HashMap;

use serde_json::json;

use crate::apply::{self, Options, Status};
use crate::check::{check, check_beside};
use crate::export::{self, Layout, Selection};
use crate::live::{self, LiveState};
use crate::plan::{self, Action, Plan, PlanOptions, render, saved};
use crate::source::{SourceFile, SourceSet};
use toy::{BOOK, Memory, SHELF, providers};

const CATALOGUE: &str = "\
kind: Shelf
name: fiction
label: Novels
---
kind: Book
name: Dune
shelf: fiction
pages: 412
---
kind: Book
name: Emma
shelf: fiction
";

fn sources(text: &str) -> SourceSet {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("library.yaml", text));
    sources
}

fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(future)
}

fn read(memory: &Memory) -> LiveState {
    block_on(live::read(memory, &providers().kinds())).unwrap()
}

fn make_plan(text: &str, memory: &Memory, prune: bool) -> Plan {
    make_plan_with(
        text,
        memory,
        PlanOptions {
            prune,
            prune_kinds: Vec::new(),
            deactivate: false,
        },
    )
}

fn made<'a>(
    checked: &'a crate::check::Checked,
    live: &'a LiveState,
    providers: &'a crate::provider::Providers,
) -> plan::Made<'a> {
    plan::Made {
        catalog: &checked.catalog,
        graph: &checked.graph,
        live,
        providers,
        repository: "toy",
        manifests_hash: "hash",
    }
}

/// The plan, made both ways a run makes it: compared after the checks, and compared beside
/// them (on the catalogue as soon as it is named); the two must be the same plan.
fn make_plan_with(text: &str, memory: &Memory, options: PlanOptions) -> Plan {
    let providers = providers();
    let live = read(memory);
    let early = std::sync::Mutex::new(None);
    let beside: crate::check::Beside<'_> = Box::new(|_, catalog| {
        let comparison = plan::comparison(catalog, &live, &providers, options.prune);
        *early.lock().unwrap() = Some(comparison);
    });
    let checked = check_beside(&sources(text), &providers, Some(beside));
    assert_eq!(checked.errors(), 0, "{:?}", checked.diagnostics);
    let built = plan::build(
        &checked.catalog,
        &checked.graph,
        &live,
        &providers,
        "toy",
        "hash",
        options.clone(),
    )
    .unwrap();
    let comparison = early.into_inner().unwrap().expect("the work beside ran");
    let made = made(&checked, &live, &providers);
    let compared = plan::build_with(Some(comparison), &made, options).unwrap();
    assert_eq!(compared, built, "compared beside the checks, then planned");
    built
}

#[test]
fn a_comparison_of_another_live_state_is_made_again() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    let providers = providers();
    let checked = check(&sources(CATALOGUE), &providers);
    let live = read(&memory);
    let made = made(&checked, &live, &providers);
    let build =
        |comparison| plan::build_with(Some(comparison), &made, PlanOptions::default()).unwrap();
    let of_nothing = plan::comparison(&checked.catalog, &LiveState::default(), &providers, false);
    let of_live = plan::comparison(&checked.catalog, &live, &providers, false);
    let planned = build(of_nothing);
    assert_eq!(planned, build(of_live));
    // Against the empty state everything would be created; against the live one, nothing.
    assert_eq!(planned.summary.create, 0);
    assert_eq!(planned.summary.no_op, 3);
}

fn run(plan: &Plan, memory: &Memory) -> apply::Report {
    run_with(plan, memory, HashMap::new())
}

fn run_with(
    plan: &Plan,
    memory: &Memory,
    stale: HashMap<String, crate::backend::BackendError>,
) -> apply::Report {
    let options = Options { parallelism: 4 };
    block_on(apply::apply(plan, memory, &options, stale, &mut |_| {}))
}

#[test]
fn plan_and_apply_create_in_dependency_order_then_plan_nothing() {
    let memory = Memory::default();
    let plan = make_plan(CATALOGUE, &memory, false);
    let order: Vec<&str> = plan.actions().map(|c| c.address.as_str()).collect();
    assert_eq!(order, ["Shelf/fiction", "Book/Dune", "Book/Emma"]);
    assert!(plan.changes.iter().all(|c| c.action == Action::Create));
    // A book waits for the shelf it stands on; its reference is pending until then.
    let dune = &plan.changes[1];
    assert_eq!(dune.depends_on, ["Shelf/fiction"]);
    assert_eq!(
        dune.after.as_ref().unwrap()["shelf"],
        json!("offerctl:pending:Shelf/fiction")
    );

    let report = run(&plan, &memory);
    assert_eq!((report.succeeded(), report.failed()), (3, 0));
    let shelf = memory
        .objects()
        .into_iter()
        .find(|o| o.kind == SHELF)
        .unwrap();
    let books: Vec<_> = memory
        .objects()
        .into_iter()
        .filter(|o| o.kind == BOOK)
        .collect();
    assert!(
        books
            .iter()
            .all(|b| b.instance.value()["shelf"] == json!(shelf.id))
    );

    let again = make_plan(CATALOGUE, &memory, false);
    assert!(
        !again.summary.has_changes(),
        "{}",
        render::text(&again, &providers(), false)
    );
    assert_eq!(again.summary.no_op, 3);
}

#[test]
fn an_edit_is_one_minimal_patch_and_unmodelled_live_properties_survive() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    memory.touch("Dune", "isbn", json!("978-0441013593"));
    let edited = CATALOGUE.replace("pages: 412", "pages: 500");
    let plan = make_plan(&edited, &memory, false);
    let update: Vec<_> = plan.actions().collect();
    assert_eq!(update.len(), 1);
    assert_eq!(update[0].action, Action::Update);
    assert_eq!(
        serde_json::to_value(&update[0].ops).unwrap(),
        json!([{"op": "replace", "path": "/pages", "value": 500}])
    );
    let text = render::text(&plan, &providers(), false);
    assert!(
        text.contains("pages") && text.contains("412") && text.contains("500"),
        "{text}"
    );

    assert_eq!(run(&plan, &memory).failed(), 0);
    let dune = memory
        .objects()
        .into_iter()
        .find(|o| o.name == "Dune")
        .unwrap();
    assert_eq!(
        (
            dune.instance.value()["pages"].clone(),
            dune.instance.value()["isbn"].clone()
        ),
        (json!(500), json!("978-0441013593"))
    );
    assert!(!make_plan(&edited, &memory, false).summary.has_changes());
}

#[test]
fn prune_deletes_dependents_first_and_flags_what_stays_referenced() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    let without_emma = CATALOGUE
        .split("---")
        .take(2)
        .collect::<Vec<_>>()
        .join("---");
    assert!(
        !make_plan(&without_emma, &memory, false)
            .summary
            .has_changes(),
        "no prune, no delete"
    );
    let plan = make_plan(&without_emma, &memory, true);
    let deletes: Vec<&str> = plan.actions().map(|c| c.address.as_str()).collect();
    assert_eq!(deletes, ["Book/Emma"]);
    assert_eq!(run(&plan, &memory).failed(), 0);
    assert_eq!(memory.objects().len(), 2);

    // Deleting the shelf while a managed book still stands on it: flagged in the plan.
    let only_dune = "kind: Book\nname: Dune\nshelf: toy:shelf:1\npages: 412\n";
    let plan = make_plan(only_dune, &memory, true);
    let shelf = plan.actions().find(|c| c.kind == SHELF).unwrap();
    assert_eq!(
        (shelf.action, shelf.referenced_by.clone()),
        (Action::Delete, vec!["Book/Dune".to_string()])
    );
}

#[test]
fn prune_by_deactivation_switches_off_what_can_be_and_deletes_the_rest() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    let options = PlanOptions {
        prune: true,
        prune_kinds: Vec::new(),
        deactivate: true,
    };
    // No manifests left but one new shelf: books can be retired, shelves only deleted.
    let plan = make_plan_with("kind: Shelf\nname: Spare\n", &memory, options.clone());
    let actions: Vec<(Action, &str)> = plan
        .actions()
        .map(|c| (c.action, c.address.as_str()))
        .collect();
    assert_eq!(
        actions,
        [
            (Action::Create, "Shelf/Spare"),
            (Action::Update, "Book/Dune"),
            (Action::Update, "Book/Emma"),
            (Action::Delete, "Shelf/fiction"),
        ]
    );
    let shelf = plan.actions().find(|c| c.action == Action::Delete).unwrap();
    assert_eq!(
        shelf.referenced_by,
        ["Book/Dune", "Book/Emma"],
        "retired books still stand on the shelf"
    );
    run(&plan, &memory);
    let retired = memory
        .objects()
        .iter()
        .filter(|o| o.instance.value()["retired"] == true)
        .count();
    assert_eq!(retired, 2);
    // Retired already: nothing more to do for them.
    let again = make_plan_with("kind: Shelf\nname: Spare\n", &memory, options);
    assert!(
        again.actions().all(|c| c.kind == SHELF),
        "{:?}",
        again.changes
    );
}

#[test]
fn a_change_made_outside_offerctl_is_drift_with_who_and_when() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    let edited = CATALOGUE.replace("pages: 412", "pages: 500");
    let options = || PlanOptions {
        prune: false,
        prune_kinds: Vec::new(),
        deactivate: false,
    };
    // offerctl wrote last: the difference is a pending manifest change.
    let pending = make_plan_with(&edited, &memory, options());
    assert_eq!((pending.summary.update, pending.summary.drifted), (1, 0));
    // Someone else changed the shelf's label in the vendor's UI: drift, attributed.
    memory.touch("fiction", "label", json!("Old novels"));
    let drifted = make_plan_with(CATALOGUE, &memory, options());
    assert_eq!((drifted.summary.update, drifted.summary.drifted), (1, 1));
    let change = drifted.actions().next().unwrap();
    let drift = change.drift.as_ref().expect("attributed");
    assert_eq!(drift.by.as_deref(), Some("someone@example.com"));
    assert_eq!(drift.client_id.as_deref(), Some("vendor-ui"));
    let text = crate::plan::render::text(&drifted, &providers(), false);
    assert!(
        text.contains("drift: changed outside offerctl by someone@example.com (client vendor-ui) at 2026-11-29T10:00:00Z"),
        "{text}"
    );
    assert!(
        text.contains("1 of the updates revert changes made outside offerctl"),
        "{text}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&crate::plan::render::json(&drifted)).unwrap();
    assert_eq!(json["summary"]["drifted"], 1);
    assert_eq!(json["format_version"], "1.3");
}

#[test]
fn a_saved_plan_round_trips_and_goes_stale_when_the_repository_moves() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    let plan = make_plan(&CATALOGUE.replace("Novels", "Fiction"), &memory, false);
    let text = render::json(&plan);
    let saved_plan: Plan = serde_json::from_str(&text).unwrap();
    // Saved with its digest, which still matches what it says after the round trip.
    assert_eq!(saved_plan, saved::sealed(&plan));
    assert_eq!(saved::altered(&saved_plan), None);
    assert!(saved::stale(&saved_plan, &read(&memory)).is_empty());

    memory.touch("fiction", "label", json!("Changed in the UI"));
    let stale = saved::stale(&saved_plan, &read(&memory));
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0].0, "Shelf/fiction");
    let failures = stale
        .into_iter()
        .map(|(address, message)| {
            (
                address,
                crate::backend::BackendError::new(crate::backend::ErrorKind::Conflict, message),
            )
        })
        .collect();
    let report = run_with(&saved_plan, &memory, failures);
    assert!(
        report
            .outcomes
            .iter()
            .all(|o| !matches!(o.status, Status::Succeeded { .. }))
    );
    assert_eq!(
        memory
            .objects()
            .iter()
            .find(|o| o.name == "fiction")
            .unwrap()
            .instance
            .value()["label"],
        json!("Changed in the UI")
    );
}

#[test]
fn export_writes_manifests_that_plan_to_nothing() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    memory.touch("Emma", "isbn", json!("978-0141439587"));
    let exported = export::export(
        &read(&memory),
        &providers(),
        &Selection::default(),
        Layout::PerKind,
    )
    .unwrap();
    let paths: Vec<String> = exported
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(paths, ["books.yaml", "shelves.yaml"]);
    let text: String = exported
        .files
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join("---\n");
    assert!(
        text.contains("shelf: fiction") && text.contains("isbn: 978-0141439587"),
        "{text}"
    );
    assert!(!make_plan(&text, &memory, true).summary.has_changes());
}

#[test]
fn manifest_problems_are_located_and_name_the_toy_kinds() {
    let checked = check(
        &sources("kind: Bok\nname: x\n---\nkind: Book\nname: y\nshelf: nowhere\n"),
        &providers(),
    );
    let messages: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert!(
        messages.iter().any(|m| m == "unknown kind `Bok`"),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("there is no Shelf with that name")),
        "{messages:?}"
    );
}

#[test]
fn a_live_object_is_found_at_its_position_and_only_in_its_own_state() {
    let memory = Memory::default();
    run(&make_plan(CATALOGUE, &memory, false), &memory);
    let live = read(&memory);
    assert_eq!(live.objects.len(), 3);
    for (at, object) in live.objects.iter().enumerate() {
        assert_eq!(live.position(object), at);
    }
    let copy = live.clone();
    let foreign = std::panic::catch_unwind(|| live.position(&copy.objects[0]));
    assert!(
        foreign.is_err(),
        "an object of another state has no position here"
    );
}
