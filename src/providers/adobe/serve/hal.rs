//! XCore HAL envelopes as JSON text, each written once per revision of its object.
//!
//! Every list page of a plan's read wrote each listed envelope's HAL form again (its instance
//! tree, its links and repository properties), which made most of the emulator's CPU per
//! plan. The text depends only on the stored envelope and its container, and a sandbox has
//! one container, so it is kept by object with the revision it was made from
//! ([`PerRevision`]). A search hit's text ends in its score, so it is written per request.

use std::convert::Infallible;

use serde_json::value::RawValue;

use super::revisions::{KeptText, PerRevision};
use crate::providers::adobe::repository::Envelope;

/// `envelope`'s HAL text ([`Envelope::hal_text`]), kept in `items` when it has no score.
/// `container` must be `sandbox`'s, as the repository checks before it hands out an envelope.
pub(super) fn kept_hal(
    items: &PerRevision<Box<RawValue>>,
    sandbox: &str,
    container: &str,
    envelope: &Envelope,
    score: Option<f64>,
) -> KeptText {
    if score.is_some() {
        return KeptText::from(envelope.hal_text(container, score));
    }
    let made = items.text(sandbox, &envelope.instance_id, envelope.etag, || {
        Ok::<_, Infallible>(envelope.hal_text(container, None))
    });
    match made {
        Ok(text) => text,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::{Map, Value, json};

    use super::super::credentials::Credentials;
    use super::super::state::App;
    use super::*;
    use crate::providers::adobe::kind::Kind;
    use crate::providers::adobe::repository::{
        Actor, DeleteOutcome, Draft, IdScheme, IfMatch, ListQuery, Repository, container_id,
    };

    fn app() -> App {
        let addr = "127.0.0.1:0".parse().expect("an address");
        App::new(
            Arc::new(Repository::open_in_memory()),
            Credentials::default(),
            addr,
        )
    }

    fn schema(kind: Kind) -> String {
        kind.schema_id()
    }

    /// A `kind` made of `draft` in `sandbox` by `actor`, with an `@id` of `scheme`.
    fn create(
        app: &App,
        sandbox: &str,
        kind: Kind,
        draft: impl Into<Draft>,
        actor: &Actor,
        scheme: IdScheme,
    ) -> Envelope {
        let c = container_id(sandbox);
        let made = app
            .repo
            .create_as(sandbox, &c, &schema(kind), draft, actor, scheme);
        made.expect("create")
    }

    /// Every tag of `sandbox` as a list page holds it, each beside the text written anew from
    /// its envelope: as a read sent it (`to_hal`, serialized) and as a list did (`hal_text`).
    fn listed(app: &App, sandbox: &str) -> Vec<(String, String, String)> {
        let c = container_id(sandbox);
        let params = [("schema".to_string(), schema(Kind::Tag))];
        let query = ListQuery::from_params(&params).expect("a query");
        let render = |envelope: &Envelope, score| {
            let kept = kept_hal(&app.hal_items, sandbox, &c, envelope, score);
            let read = serde_json::to_string(&envelope.to_hal(&c)).expect("JSON");
            let list = envelope.hal_text(&c, score).get().to_string();
            (kept.get().to_string(), read, list)
        };
        let (_, page) = app
            .repo
            .list_counting(sandbox, &c, &query, &[], render)
            .expect("a list");
        page.items
    }

    fn assert_same_text(app: &App, sandbox: &str) -> Vec<Value> {
        let items = listed(app, sandbox);
        for (kept, read, list) in &items {
            assert_eq!(kept, read);
            assert_eq!(kept, list);
        }
        // Twice: the second page is served from what the first kept.
        let again: Vec<String> = listed(app, sandbox).into_iter().map(|t| t.0).collect();
        let first: Vec<String> = items.iter().map(|t| t.0.clone()).collect();
        assert_eq!(again, first);
        first
            .iter()
            .map(|text| serde_json::from_str(text).expect("JSON"))
            .collect()
    }

    #[test]
    fn kept_text_is_the_envelope_written_anew_byte_for_byte_across_writes() {
        let app = app();
        let (me, you) = (Actor::new("me", "key-1"), Actor::new("you@x", "key-2"));
        let c = container_id("prod");
        let tag = |draft: Value, actor: &Actor| {
            create(&app, "prod", Kind::Tag, draft, actor, IdScheme::Xcore)
        };
        let mut links = Map::new();
        links.insert(
            "related".into(),
            json!({"href": "https://example.com/a?b=c&d"}),
        );
        let plain = tag(json!({"xdm:name": "plain"}), &me);
        let escaped = tag(
            json!({"xdm:name": "Été \"quoted\" \\ back \u{1F600} </script>\n\ttab"}),
            &you,
        );
        let linked = Draft {
            instance: json!({"xdm:name": "linked", "xdm:description": "ü"}),
            links,
        };
        let linked = create(&app, "prod", Kind::Tag, linked, &me, IdScheme::Xcore);
        let by_dps = json!({"xdm:name": "by dps"});
        create(&app, "prod", Kind::Tag, by_dps, &me, IdScheme::Dps);
        let before = assert_same_text(&app, "prod");
        assert_eq!(before.len(), 4);
        assert_eq!(app.hal_items.len(), 4);

        // A replace and a patch by another actor: new etag, name, dates and `repo:*By`.
        let current = |id: &str| IfMatch::OneOf(vec![app.repo.get("prod", &c, id).unwrap().etag]);
        let replaced = app
            .repo
            .put(
                "prod",
                &c,
                &plain.instance_id,
                &schema(Kind::Tag),
                json!({"xdm:name": "renamed"}),
                Some(&current(&plain.instance_id)),
                &you,
            )
            .expect("replace");
        let ops: Vec<json_patch::PatchOperation> = serde_json::from_value(json!([
            {"op": "replace", "path": "/_instance/xdm:name", "value": "patched \u{0007}"}
        ]))
        .expect("ops");
        app.repo
            .patch("prod", &c, &escaped.instance_id, &ops, None, &me)
            .expect("patch");
        let after = assert_same_text(&app, "prod");
        assert_eq!(after.len(), 4);
        let of = |items: &[Value], id: &str| {
            items
                .iter()
                .find(|item| item["instanceId"] == id)
                .cloned()
                .expect("listed")
        };
        let renamed = of(&after, &plain.instance_id);
        assert_eq!(renamed["_instance"]["xdm:name"], "renamed");
        assert_eq!(renamed["repo:etag"], replaced.etag);
        assert_eq!(renamed["repo:lastModifiedBy"], "you@x");
        assert_eq!(renamed["repo:lastModifiedByClientId"], "key-2");
        assert_eq!(renamed["repo:createdBy"], "me");
        assert_ne!(renamed, of(&before, &plain.instance_id));
        let patched = of(&after, &escaped.instance_id);
        assert_eq!(patched["_instance"]["xdm:name"], "patched \u{0007}");
        assert_eq!(patched["repo:etag"], 2);
        // The untouched envelope is the text kept before.
        assert_eq!(
            of(&after, &linked.instance_id),
            of(&before, &linked.instance_id)
        );
        assert_eq!(
            of(&after, &linked.instance_id)["_links"]["related"]["href"],
            "https://example.com/a?b=c&d"
        );
        assert_eq!(app.hal_items.len(), 4);

        // Another sandbox's objects are their own, in their own container.
        let in_dev = json!({"xdm:name": "d"});
        create(&app, "dev", Kind::Tag, in_dev, &me, IdScheme::Xcore);
        let dev = assert_same_text(&app, "dev");
        let href = dev[0]["_links"]["self"]["href"].as_str().expect("href");
        assert!(href.starts_with(&format!("/{}/", container_id("dev"))));
        assert_eq!(app.hal_items.len(), 5);
    }

    #[test]
    fn a_search_hit_is_written_with_its_score_and_not_kept() {
        let app = app();
        let c = container_id("prod");
        let me = Actor::new("me", "k");
        let tag = create(
            &app,
            "prod",
            Kind::Tag,
            json!({"xdm:name": "gold"}),
            &me,
            IdScheme::Xcore,
        );
        let text = kept_hal(&app.hal_items, "prod", &c, &tag, Some(1.0));
        assert_eq!(text.get(), tag.hal_text(&c, Some(1.0)).get());
        assert!(text.get().ends_with(r#","_score":1.0}"#), "{}", text.get());
        assert_eq!(app.hal_items.len(), 0);
    }

    #[test]
    fn what_is_kept_is_forgotten_as_objects_are_deleted_and_sandboxes_reset() {
        let app = app();
        let me = Actor::new("me", "k");
        let c = container_id("prod");
        let repo = &app.repo;
        let tag = |name: &str| {
            let instance = json!({"xdm:name": name});
            create(&app, "prod", Kind::Tag, instance, &me, IdScheme::Xcore)
        };
        let (a, b, d) = (tag("a"), tag("b"), tag("d"));
        // `d` is referenced: its delete starts a job that a poll decides.
        let filter = json!({"xdm:name": "f", "xdm:filterType": "anyTags", "ids": [d.uri()]});
        let filter = create(&app, "prod", Kind::Filter, filter, &me, IdScheme::Dps);
        tag("e");
        assert_eq!(listed(&app, "prod").len(), 4);
        assert_eq!(app.hal_items.len(), 4);
        // The DPS documents are forgotten with them (what is kept there is not looked at here).
        for id in [&a, &b, &d].map(|tag| &tag.instance_id) {
            let document = || serde_json::value::to_raw_value(&json!({"id": id}));
            assert!(app.dps_documents.text("prod", id, 1, document).is_ok());
        }
        let kept = || (app.hal_items.len(), app.dps_documents.len());

        // XCore's delete of an unreferenced object.
        let outcome = repo
            .delete("prod", &c, &a.instance_id, None, &me)
            .expect("delete");
        assert!(matches!(outcome, DeleteOutcome::Deleted(_)));
        assert_eq!(kept(), (3, 2));
        // DPS's delete.
        let deleted = repo.delete_unreferenced("prod", &c, &b.instance_id, None, &me);
        assert!(matches!(deleted, Ok(Ok(_))));
        assert_eq!(kept(), (2, 1));
        // A delete job: kept while it is pending, forgotten when it deletes.
        let DeleteOutcome::Accepted(job) = repo
            .delete("prod", &c, &d.instance_id, None, &me)
            .expect("delete")
        else {
            panic!("a referenced object is deleted by a job");
        };
        assert_eq!(kept(), (2, 1));
        repo.put(
            "prod",
            &c,
            &filter.instance_id,
            &schema(Kind::Filter),
            json!({"xdm:name": "f", "xdm:filterType": "anyTags", "ids": []}),
            None,
            &me,
        )
        .expect("replace");
        let decided = repo.poll_delete("prod", &c, &job.id).expect("poll");
        assert!(matches!(
            decided.decision,
            Some(crate::providers::adobe::repository::DeleteDecision::Deleted { .. })
        ));
        assert_eq!(kept(), (1, 0));
        assert_eq!(listed(&app, "prod").len(), 1);

        // A reset forgets its sandbox only, for both APIs' values.
        create(
            &app,
            "dev",
            Kind::Tag,
            json!({"xdm:name": "x"}),
            &me,
            IdScheme::Xcore,
        );
        assert_eq!(listed(&app, "dev").len(), 1);
        assert_eq!(app.hal_items.len(), 2);
        repo.reset("prod").expect("reset");
        assert_eq!(app.hal_items.len(), 1);
        repo.reset("dev").expect("reset");
        assert_eq!(app.hal_items.len(), 0);
    }
}
