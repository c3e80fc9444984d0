//! Writes to one instance: create, replace (PUT) and patch.

use serde_json::{Map, Value};

use super::checks::{
    IfMatch, check_instance, clean_schema, current, into_object, kind_of, patchable, user_links,
};
use super::envelope::{Actor, Draft, Envelope};
use super::error::RepoError;
use super::handle::Repository;
use super::ids::{self, IdScheme};
use super::store::{Inner, Record, State, commit, open_container, revise};
use crate::wal::Wal;

impl Repository {
    /// Creates an instance of `schema`; the repository assigns `instanceId` and `@id`.
    pub fn create(
        &self,
        sandbox: &str,
        container: &str,
        schema: &str,
        draft: impl Into<Draft>,
        actor: &Actor,
    ) -> Result<Envelope, RepoError> {
        self.create_as(sandbox, container, schema, draft, actor, IdScheme::Xcore)
    }

    /// [`Repository::create`] with the `@id` scheme of the API that creates the instance:
    /// `xcore:<type>:<hex>` or `dps:<type>:<hex>`.
    pub fn create_as(
        &self,
        sandbox: &str,
        container: &str,
        schema: &str,
        draft: impl Into<Draft>,
        actor: &Actor,
        scheme: IdScheme,
    ) -> Result<Envelope, RepoError> {
        let draft = draft.into();
        let kind = kind_of(schema)?;
        let mut instance = into_object(draft.instance)?;
        if instance.contains_key("@id") {
            return Err(RepoError::invalid(
                "/_instance/@id",
                "is assigned by the repository and cannot be set",
            ));
        }
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        check_instance(space, kind, &instance, None)?;
        let instance_id = loop {
            let id = ids::new_instance_id();
            if space.get(&id).is_none() {
                break id;
            }
        };
        let uri = loop {
            let uri = ids::new_uri_in(scheme, kind);
            if space.by_uri(&uri).is_none() {
                break uri;
            }
        };
        instance.insert("@id".into(), Value::String(uri));
        let envelope = Envelope {
            instance_id,
            schema: clean_schema(schema),
            kind,
            etag: 1,
            created_date: now.clone(),
            last_modified_date: now,
            created_by: actor.user.clone(),
            last_modified_by: actor.user.clone(),
            created_by_client_id: actor.client_id.clone(),
            last_modified_by_client_id: actor.client_id.clone(),
            instance,
            links: user_links(draft.links),
            uri: Default::default(),
        };
        stored(state, wal, sandbox, envelope)
    }

    /// Replaces the instance's properties and links. `@id` may be omitted (it is kept) but not
    /// changed; the schema cannot change.
    #[allow(clippy::too_many_arguments)]
    pub fn put(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        schema: &str,
        draft: impl Into<Draft>,
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<Envelope, RepoError> {
        let draft = draft.into();
        let kind = kind_of(schema)?;
        let mut instance = into_object(draft.instance)?;
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, self.enforced(if_match))?;
        if kind != current.kind {
            return Err(RepoError::invalid(
                "/schemas",
                format!(
                    "the instance is a {} and cannot become a {}",
                    current.kind.short_name(),
                    kind.short_name()
                ),
            ));
        }
        match instance.get("@id") {
            None => {
                instance.insert("@id".into(), Value::from(current.uri()));
            }
            Some(id) if id.as_str() == Some(current.uri()) => {}
            Some(_) => {
                return Err(RepoError::invalid(
                    "/_instance/@id",
                    format!("is immutable; it must stay {}", current.uri()),
                ));
            }
        }
        check_instance(space, kind, &instance, Some(instance_id))?;
        let envelope = revise(current, instance, user_links(draft.links), now, actor);
        stored(state, wal, sandbox, envelope)
    }

    /// Applies an RFC 6902 patch to the HAL document `{"_instance": ..., "_links": ...}`.
    /// All operations apply or none do; the result is validated like a PUT.
    pub fn patch(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        ops: &[json_patch::PatchOperation],
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<Envelope, RepoError> {
        for (index, op) in ops.iter().enumerate() {
            let from = match op {
                json_patch::PatchOperation::Move(m) => Some(m.from.as_str()),
                json_patch::PatchOperation::Copy(c) => Some(c.from.as_str()),
                _ => None,
            };
            for path in std::iter::once(op.path().as_str()).chain(from) {
                if !patchable(path) {
                    return Err(RepoError::PatchFailed {
                        index,
                        path: path.to_string(),
                        reason: "only /_instance/... and /_links/... can be patched".into(),
                    });
                }
            }
        }
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, self.enforced(if_match))?;
        let mut links = current.links.clone();
        links.remove("self");
        let mut doc = serde_json::json!({
            "_instance": current.instance,
            "_links": links,
        });
        // Atomicity comes from patching this throw-away copy: on any error it is dropped and the
        // stored instance is untouched. `json_patch::patch` would add an undo pass, which in
        // json-patch 5.0.0 panics (`unreachable!`) when undoing some `move` sequences; the
        // property test below found one.
        // Bounded (json_bounds): a few copies of the root into its children would otherwise
        // double the document until memory runs out.
        super::apply_patch(&mut doc, ops)?;
        let Value::Object(mut doc) = doc else {
            return Err(RepoError::invalid(
                "",
                "the patched document must be an object",
            ));
        };
        let instance = match doc.remove("_instance") {
            Some(Value::Object(instance)) => instance,
            _ => return Err(RepoError::invalid("/_instance", "must be an object")),
        };
        let links = match doc.remove("_links") {
            Some(Value::Object(links)) => links,
            None => Map::new(),
            Some(_) => return Err(RepoError::invalid("/_links", "must be an object")),
        };
        if instance.get("@id").and_then(Value::as_str) != Some(current.uri()) {
            return Err(RepoError::invalid(
                "/_instance/@id",
                format!("is immutable; it must stay {}", current.uri()),
            ));
        }
        check_instance(space, current.kind, &instance, Some(instance_id))?;
        let envelope = revise(current, instance, user_links(links), now, actor);
        stored(state, wal, sandbox, envelope)
    }
}

/// `envelope`, stored in `sandbox` (logged first).
fn stored(
    state: &mut State,
    wal: &mut Option<Wal>,
    sandbox: &str,
    envelope: Envelope,
) -> Result<Envelope, RepoError> {
    let record = Record::Put {
        sandbox: sandbox.to_string(),
        envelope: envelope.clone(),
    };
    commit(state, wal, record)?;
    Ok(envelope)
}
