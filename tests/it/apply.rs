//! The executor's semantics, against the embedded repository (deterministic, no network):
//! dependency order, pending ids, failures that skip only their dependents, bounded
//! parallelism, idempotence.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use offerctl::apply::{self, Options, Status};
use offerctl::backend::{
    Backend, BackendError, BoxFuture, Deleted, ErrorKind, LiveObject, Receipt, Target,
};
use offerctl::check::check;
use offerctl::diff::Op;
use offerctl::exit::Exit;
use offerctl::live;
use offerctl::plan::{self, Action, Plan, PlanOptions};
use offerctl::providers::adobe::clients::embedded::Embedded;
use offerctl::providers::adobe::kind::Kind;
use serde_json::Value;

use crate::{read, root};

pub async fn plan_for(dir: &std::path::Path, backend: &dyn Backend, options: PlanOptions) -> Plan {
    let sources = read(dir);
    let checked = check(&sources, offerctl::providers::builtin());
    assert_eq!(checked.errors(), 0);
    let live = live::read(backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    plan::build(
        &checked.catalog,
        &checked.graph,
        &live,
        offerctl::providers::builtin(),
        &backend.describe(),
        &plan::hash_sources(&sources, dir),
        options,
    )
    .unwrap()
}

pub async fn apply_all(plan: &Plan, backend: &dyn Backend, parallelism: usize) -> apply::Report {
    apply::apply(
        plan,
        backend,
        &Options { parallelism },
        Default::default(),
        &mut |_| {},
    )
    .await
}

/// Wraps a backend: fails creates of one address, and tracks how many calls overlap.
struct Faulty<B> {
    inner: B,
    fail_create: Option<(Kind, String)>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    writes: Mutex<Vec<String>>,
}

impl<B: Backend> Faulty<B> {
    fn new(inner: B, fail_create: Option<(Kind, &str)>) -> Self {
        let fail_create = fail_create.map(|(kind, name)| (kind, name.to_string()));
        Faulty {
            inner,
            fail_create,
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            writes: Mutex::new(Vec::new()),
        }
    }

    async fn tracked<T>(
        &self,
        what: String,
        call: BoxFuture<'_, Result<T, BackendError>>,
    ) -> Result<T, BackendError> {
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        // Let other tasks run, so overlapping calls really overlap.
        tokio::task::yield_now().await;
        let result = call.await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        self.writes.lock().unwrap().push(what);
        result
    }
}

impl<B: Backend> Backend for Faulty<B> {
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn list(
        &self,
        kind: offerctl::kind::Kind,
    ) -> BoxFuture<'_, Result<Vec<LiveObject>, BackendError>> {
        self.inner.list(kind)
    }
    fn create<'a>(
        &'a self,
        kind: offerctl::kind::Kind,
        instance: &'a Value,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        let name = instance["xdm:name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        Box::pin(async move {
            if self
                .fail_create
                .as_ref()
                .is_some_and(|(k, n)| k.core() == kind && *n == name)
            {
                return Err(
                    BackendError::new(ErrorKind::Rejected, "injected failure").with_status(422)
                );
            }
            self.tracked(
                format!("create {kind}/{name}"),
                self.inner.create(kind, instance),
            )
            .await
        })
    }
    fn patch<'a>(
        &'a self,
        target: &'a Target,
        ops: &'a [Op],
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Receipt, BackendError>> {
        Box::pin(self.tracked(
            format!("patch {}", target.name),
            self.inner.patch(target, ops, etag),
        ))
    }
    fn delete<'a>(
        &'a self,
        target: &'a Target,
        etag: &'a str,
    ) -> BoxFuture<'a, Result<Deleted, BackendError>> {
        Box::pin(self.tracked(
            format!("delete {}/{}", target.kind, target.name),
            self.inner.delete(target, etag),
        ))
    }
}

#[tokio::test]
async fn apply_from_empty_then_nothing_to_do() {
    let backend = Embedded::in_memory("prod");
    let plan = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    assert_eq!(
        (
            plan.summary.create,
            plan.summary.update,
            plan.summary.delete
        ),
        (26, 0, 0)
    );
    let report = apply_all(&plan, &backend, 8).await;
    assert_eq!(
        (report.succeeded(), report.failed(), report.skipped()),
        (26, 0, 0)
    );
    assert_eq!(report.exit(), Exit::Success);
    let again = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    assert!(
        !again.summary.has_changes(),
        "{}",
        plan::render::text(&again, offerctl::providers::builtin(), false)
    );
    assert_eq!(again.summary.no_op, 26);
    // Pending ids were replaced by real ones: the activity points at the live placement.
    let live = live::read(&backend, &offerctl::providers::adobe::kind::core_kinds())
        .await
        .unwrap();
    let kiosk = live
        .objects
        .iter()
        .find(|o| o.name() == "Kiosk banner")
        .unwrap();
    let activity = live
        .objects
        .iter()
        .find(|o| o.name() == "Kiosk personalization")
        .unwrap();
    assert_eq!(
        activity.instance.value()["xdm:placement"],
        kiosk.id.as_str()
    );
}

#[tokio::test]
async fn a_failure_skips_only_its_dependents() {
    let backend = Faulty::new(
        Embedded::in_memory("prod"),
        Some((Kind::Placement, "Kiosk banner")),
    );
    let plan = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    let report = apply_all(&plan, &backend, 4).await;
    let status = |address: &str| {
        let outcome = report
            .outcomes
            .iter()
            .find(|o| o.address == address)
            .unwrap_or_else(|| panic!("{address}"));
        match &outcome.status {
            Status::Succeeded { .. } => "succeeded",
            Status::Failed { .. } => "failed",
            Status::Skipped { .. } => "skipped",
        }
    };
    assert_eq!(status("Placement/Kiosk banner"), "failed");
    for dependent in [
        "Offer/ABC Bank Credit Card",
        "Offer/ABC Platinum Card",
        "Offer/Free flight upgrade",
        "FallbackOffer/Default for Kiosk Placements",
        "Activity/Kiosk personalization",
        "Activity/Call center IVR personalization",
        "Filter/Newsletter picks",
        "Activity/Newsletter hero",
    ] {
        assert_eq!(status(dependent), "skipped", "{dependent}");
    }
    for independent in [
        "Offer/Lounge day pass",
        "Placement/Email hero",
        "Tag/travel",
        "Filter/Card offers",
        "FallbackOffer/Default newsletter block",
        "RankingFormula/Home city first",
    ] {
        assert_eq!(status(independent), "succeeded", "{independent}");
    }
    assert_eq!(
        (report.failed(), report.skipped(), report.succeeded()),
        (1, 9, 16)
    );
    assert_eq!(report.exit(), Exit::Error);
    // Nothing that was skipped was sent.
    let writes = backend.writes.lock().unwrap().clone();
    assert!(!writes.iter().any(|w| w.contains("Kiosk personalization")));
    // The next plan is the resume: only what did not happen remains.
    let resume = plan_for(
        &root().join("offers.d"),
        &backend.inner,
        PlanOptions::default(),
    )
    .await;
    assert_eq!(resume.summary.create, 10);
}

#[tokio::test]
async fn parallelism_bounds_the_calls_in_flight() {
    for limit in [1, 3] {
        let backend = Faulty::new(Embedded::in_memory("prod"), None);
        let plan = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
        let report = apply_all(&plan, &backend, limit).await;
        assert_eq!(report.failed(), 0);
        let max = backend.max_in_flight.load(Ordering::SeqCst);
        assert!(
            max <= limit,
            "{max} calls in flight with a limit of {limit}"
        );
        if limit > 1 {
            assert!(max > 1, "independent creates should overlap");
        }
    }
}

#[tokio::test]
async fn prune_deletes_dependents_first_and_flags_referenced_deletes() {
    let backend = Faulty::new(Embedded::in_memory("prod"), None);
    let plan = plan_for(&root().join("offers.d"), &backend, PlanOptions::default()).await;
    apply_all(&plan, &backend, 8).await;
    // Now manage only the minimal example: everything from offers.d is unmanaged.
    let minimal = root().join("examples/minimal");
    let kept = plan_for(&minimal, &backend, PlanOptions::default()).await;
    assert_eq!(kept.summary.delete, 0);
    assert_eq!(kept.summary.unmanaged, 26);
    // Prune only tags: the unmanaged offers that stay still use them, so each delete is flagged.
    let tags_only = plan_for(
        &minimal,
        &backend,
        PlanOptions {
            prune: true,
            prune_kinds: vec![Kind::Tag.core()],
            deactivate: false,
        },
    )
    .await;
    let deletes: Vec<_> = tags_only
        .actions()
        .filter(|c| c.action == Action::Delete)
        .collect();
    assert_eq!(deletes.len(), 4);
    let credit = deletes.iter().find(|c| c.name == "credit card").unwrap();
    assert!(
        credit
            .referenced_by
            .iter()
            .any(|r| r == "Offer/ABC Bank Credit Card (not managed)"),
        "{:?}",
        credit.referenced_by
    );
    // Prune everything: activities go before filters, offers, placements and tags.
    let pruned = plan_for(
        &minimal,
        &backend,
        PlanOptions {
            prune: true,
            prune_kinds: vec![],
            deactivate: false,
        },
    )
    .await;
    assert_eq!(pruned.summary.delete, 26);
    let report = apply_all(&pruned, &backend, 4).await;
    assert_eq!(report.failed(), 0, "{:?}", report.outcomes);
    let writes = backend.writes.lock().unwrap().clone();
    let deleted: Vec<&String> = writes.iter().filter(|w| w.starts_with("delete")).collect();
    let at = |name: &str| deleted.iter().position(|w| w.ends_with(name)).unwrap();
    assert!(at("Activity/Kiosk personalization") < at("Filter/Card offers"));
    assert!(at("Filter/Newsletter picks") < at("Offer/ABC Bank Credit Card"));
    assert!(at("Offer/ABC Bank Credit Card") < at("Placement/Kiosk banner"));
    assert!(at("Offer/Free flight upgrade") < at("Rule/Eligible for a free flight upgrade"));
    assert!(at("FallbackOffer/Default for Kiosk Placements") < at("Placement/Call center script"));
    assert!(at("Offer/ABC Bank Credit Card") < at("Tag/credit card"));
    let after = live::read(
        &backend.inner,
        &offerctl::providers::adobe::kind::core_kinds(),
    )
    .await
    .unwrap();
    assert_eq!(after.objects.len(), 5, "only the minimal example remains");
}
