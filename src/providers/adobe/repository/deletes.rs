//! Deletes: the synchronous delete of the DPS API, and XCore's delete that starts a job when
//! the target is referenced, with the polls that decide it.

use std::sync::atomic::Ordering as AtomicOrdering;

use serde_json::Map;

use super::checks::{IfMatch, current};
use super::envelope::{Actor, Envelope};
use super::error::{Referrer, RepoError};
use super::handle::Repository;
use super::ids;
use super::jobs::{DeleteDecision, DeleteJob, DeleteOutcome};
use super::store::{Inner, Record, commit, open_container, revise};

impl Repository {
    /// Deletes an instance synchronously, as the DPS API does: `Ok(Ok(last state))` when it
    /// was deleted, `Ok(Err(referrers))` (and nothing changes) while others reference it.
    pub fn delete_unreferenced(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<Result<Envelope, Vec<Referrer>>, RepoError> {
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, self.enforced(if_match))?;
        let referrers = space.referrers(current.uri());
        if !referrers.is_empty() && !self.deletes_referenced() {
            return Ok(Err(referrers));
        }
        let last = last_state(current, now, actor);
        commit(state, wal, removal(sandbox, instance_id))?;
        Ok(Ok(last))
    }

    /// Deletes an instance. Unreferenced: done at once. Referenced: a [`DeleteJob`] is started
    /// (or the pending one for this instance returned) and [`Repository::poll_delete`] decides.
    pub fn delete(
        &self,
        sandbox: &str,
        container: &str,
        instance_id: &str,
        if_match: Option<&IfMatch>,
        actor: &Actor,
    ) -> Result<DeleteOutcome, RepoError> {
        let pending_polls = self.delete_pending_polls.load(AtomicOrdering::Relaxed);
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let current = current(space, instance_id, self.enforced(if_match))?;
        if let Some(job) = space
            .jobs
            .values()
            .find(|job| job.instance_id == instance_id && job.decision.is_none())
        {
            return Ok(DeleteOutcome::Accepted(job.clone()));
        }
        if space.referrers(current.uri()).is_empty() || self.deletes_referenced() {
            let last = last_state(current, now, actor);
            commit(state, wal, removal(sandbox, instance_id))?;
            return Ok(DeleteOutcome::Deleted(last));
        }
        let job = DeleteJob {
            id: ids::new_job_id(),
            instance_id: instance_id.to_string(),
            uri: current.uri().to_string(),
            schema: current.schema.clone(),
            requested_by: actor.user.clone(),
            requested_by_client_id: actor.client_id.clone(),
            requested_date: now,
            pending_polls,
            decision: None,
        };
        commit(state, wal, job_record(sandbox, &job))?;
        Ok(DeleteOutcome::Accepted(job))
    }

    /// Reports on a delete job, deciding it once its pending polls are used up: the instance
    /// is deleted if nothing references it any more, and kept otherwise.
    pub fn poll_delete(
        &self,
        sandbox: &str,
        container: &str,
        job_id: &str,
    ) -> Result<DeleteJob, RepoError> {
        let mut inner = self.lock();
        let Inner { state, wal } = &mut *inner;
        let now = state.now();
        let space = open_container(state, sandbox, container)?;
        let job = space
            .jobs
            .get_mut(job_id)
            .ok_or_else(|| RepoError::JobNotFound(job_id.to_string()))?;
        if job.decision.is_some() {
            return Ok(job.clone());
        }
        if job.pending_polls > 0 {
            // Not logged: after a restart the countdown starts again, which only delays.
            job.pending_polls -= 1;
            return Ok(job.clone());
        }
        let mut job = job.clone();
        let decision = match space.get(&job.instance_id) {
            None => DeleteDecision::Rejected {
                reason: "the instance no longer exists".into(),
                referenced_by: Vec::new(),
                decided_date: now,
            },
            Some(target) => {
                let referrers = space.referrers(target.uri());
                if referrers.is_empty() {
                    let actor = Actor::new(&job.requested_by, &job.requested_by_client_id);
                    let last = revise(
                        target,
                        target.instance.clone(),
                        Map::new(),
                        now.clone(),
                        &actor,
                    );
                    DeleteDecision::Deleted {
                        receipt: last.to_receipt(),
                        decided_date: now,
                    }
                } else {
                    DeleteDecision::Rejected {
                        reason: "other instances still reference it".into(),
                        referenced_by: referrers,
                        decided_date: now,
                    }
                }
            }
        };
        job.decision = Some(decision);
        commit(state, wal, job_record(sandbox, &job))?;
        Ok(job)
    }
}

/// What the answer to a delete shows: the object's last state, deleted at `now` by `actor`.
fn last_state(current: &Envelope, now: String, actor: &Actor) -> Envelope {
    let (instance, links) = (current.instance.clone(), current.links.clone());
    revise(current, instance, links, now, actor)
}

/// The log record of removing `instance_id` of `sandbox`.
fn removal(sandbox: &str, instance_id: &str) -> Record {
    let (sandbox, instance_id) = (sandbox.to_string(), instance_id.to_string());
    Record::Remove {
        sandbox,
        instance_id,
    }
}

/// The log record of `job` (new, or decided).
fn job_record(sandbox: &str, job: &DeleteJob) -> Record {
    let (sandbox, job) = (sandbox.to_string(), job.clone());
    Record::Job { sandbox, job }
}
