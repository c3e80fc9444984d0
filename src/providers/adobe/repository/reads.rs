//! Reads: one instance by `instanceId` or `@id`, and lists, counts and searches.

use super::checks::{kind_of, listed_kind};
use super::envelope::Envelope;
use super::error::RepoError;
use super::handle::Repository;
use super::query::{Hit, ListQuery, Page, PropertyFilter};
use super::store::open_container;

impl Repository {
    pub fn get(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
    ) -> Result<Envelope, RepoError> {
        self.get_with(sandbox, container, instance_id, Envelope::clone)
    }

    /// What `read` makes of the instance `instance_id`, under the repository's lock (so the
    /// instance is not copied first).
    pub fn get_with<T>(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        read: impl FnOnce(&Envelope) -> T,
    ) -> Result<T, RepoError> {
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        space
            .get(instance_id)
            .map(read)
            .ok_or_else(|| RepoError::NotFound(instance_id.to_string()))
    }

    /// The instance whose `@id` is `uri`.
    pub fn get_by_uri(
        &self,
        sandbox: &str,
        container: &str,
        uri: &str,
    ) -> Result<Envelope, RepoError> {
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        space
            .by_uri(uri)
            .cloned()
            .ok_or_else(|| RepoError::NotFound(uri.to_string()))
    }

    /// Lists instances of `query.schema` (required).
    pub fn list(
        &self,
        sandbox: &str,
        container: &str,
        query: &ListQuery,
    ) -> Result<Page, RepoError> {
        let kind = listed_kind(query)?;
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        let query = self.capped(query);
        let hit = |envelope: &Envelope, score| Hit {
            envelope: envelope.clone(),
            score,
        };
        Ok(query.run_listing(&space.of_kind(kind), &[], hit)?.1)
    }

    /// [`Self::list`] of `query` with `also` added to its filters, and [`Self::count`] of
    /// `query`, in one pass over the instances; each item of the page is what `render` makes
    /// of an instance (under the repository's lock, so no instance is copied first).
    pub fn list_counting<I>(
        &self,
        sandbox: &str,
        container: &str,
        query: &ListQuery,
        also: &[PropertyFilter],
        render: impl FnMut(&Envelope, Option<f64>) -> I,
    ) -> Result<(usize, Page<I>), RepoError> {
        let kind = listed_kind(query)?;
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        let query = self.capped(query);
        query.run_listing(&space.of_kind(kind), also, render)
    }

    /// How many instances `query` matches (its `schema`, ids, name and filters; no cursor).
    pub fn count(
        &self,
        sandbox: &str,
        container: &str,
        query: &ListQuery,
    ) -> Result<usize, RepoError> {
        let kind = listed_kind(query)?;
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        query.count(space.of_kind(kind).all())
    }

    /// Searches instances; `query.schema` is optional here, and `query.search` holds the terms.
    pub fn search(
        &self,
        sandbox: &str,
        container: &str,
        query: &ListQuery,
    ) -> Result<Page, RepoError> {
        let kind = query.schema.as_deref().map(kind_of).transpose()?;
        let mut inner = self.lock();
        let space = open_container(&mut inner.state, sandbox, container)?;
        match kind {
            Some(kind) => query.run(space.of_kind(kind).all()),
            None => query.run(space.instances().values()),
        }
    }
}
