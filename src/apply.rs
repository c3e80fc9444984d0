//! Executing a plan against a repository.
//!
//! Creates and updates run in dependency order, then deletes (dependents first). Each change
//! starts as soon as the changes it depends on have succeeded, at most `parallelism` at a time.
//! A failure skips everything that depends on it; independent work carries on. Ids of objects
//! created in this run are taken from their receipts and substituted into their dependents.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;

use futures::stream::{FuturesUnordered, StreamExt};
use serde::Serialize;
use serde_json::Value;

use crate::backend::{Backend, BackendError, Deleted, ErrorKind, Receipt, Target};
use crate::diff::Op;
use crate::exit::Exit;
use crate::plan::{Action, Change, PENDING, Plan};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Status {
    Succeeded {
        #[serde(skip_serializing_if = "Option::is_none")]
        receipt: Option<Receipt>,
    },
    Failed {
        error: BackendError,
    },
    Skipped {
        because: String,
    },
}

/// What happened to one planned change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub address: String,
    pub action: Action,
    #[serde(flatten)]
    pub status: Status,
}

/// Progress notifications, for progress bars and the journal.
#[derive(Debug)]
pub enum Event<'a> {
    Started(&'a Change),
    Finished(&'a Outcome),
}

#[derive(Debug, Clone)]
pub struct Options {
    pub parallelism: usize,
}

#[derive(Debug, Default)]
pub struct Report {
    /// In the order the changes finished.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    fn count(&self, f: impl Fn(&Status) -> bool) -> usize {
        self.outcomes.iter().filter(|o| f(&o.status)).count()
    }

    pub fn succeeded(&self) -> usize {
        self.count(|s| matches!(s, Status::Succeeded { .. }))
    }

    pub fn failed(&self) -> usize {
        self.count(|s| matches!(s, Status::Failed { .. }))
    }

    pub fn skipped(&self) -> usize {
        self.count(|s| matches!(s, Status::Skipped { .. }))
    }

    /// 0 when everything succeeded; 5 when the only failures are stale objects; 4 when
    /// authentication failed; 1 otherwise.
    pub fn exit(&self) -> Exit {
        let kinds: Vec<ErrorKind> = self
            .outcomes
            .iter()
            .filter_map(|o| match &o.status {
                Status::Failed { error } => Some(error.kind),
                _ => None,
            })
            .collect();
        if kinds.is_empty() {
            Exit::Success
        } else if kinds.contains(&ErrorKind::Auth) {
            Exit::Auth
        } else if kinds.iter().all(|k| *k == ErrorKind::Conflict) {
            Exit::Conflict
        } else {
            Exit::Error
        }
    }
}

type Running<'a> =
    Pin<Box<dyn Future<Output = (usize, Result<Option<Receipt>, BackendError>)> + Send + 'a>>;

/// Applies the plan's actions. `failed_before` holds changes already known to fail (stale
/// objects found when checking a saved plan): they are reported, and their dependents skipped,
/// without sending anything.
pub async fn apply(
    plan: &Plan,
    backend: &dyn Backend,
    options: &Options,
    mut failed_before: HashMap<String, BackendError>,
    on_event: &mut (dyn FnMut(Event<'_>) + Send),
) -> Report {
    let changes: Vec<&Change> = plan.actions().collect();
    let position: HashMap<&str, usize> = changes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.address.as_str(), i))
        .collect();
    let writes: Vec<usize> = (0..changes.len())
        .filter(|&i| changes[i].action != Action::Delete)
        .collect();

    // Edges: what each change waits for, and who waits for it.
    let explicit: Vec<Vec<usize>> = changes
        .iter()
        .map(|change| {
            change
                .depends_on
                .iter()
                .filter_map(|a| position.get(a.as_str()).copied())
                .collect()
        })
        .collect();
    let mut waited_by: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, deps) in explicit.iter().enumerate() {
        for &dep in deps {
            waited_by[dep].push(i);
        }
    }
    let mut waiting_on: Vec<usize> = vec![0; changes.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); changes.len()];
    for (i, change) in changes.iter().enumerate() {
        let mut deps = explicit[i].clone();
        if change.action == Action::Delete {
            // Deletes run after every create and update (updates may drop references to
            // them), except the writes that wait for this delete: the creates replacing it.
            let after = waiting_for(i, &waited_by);
            deps.extend(writes.iter().filter(|w| !after.contains(w)));
        }
        deps.sort_unstable();
        deps.dedup();
        waiting_on[i] = deps.len();
        for dep in deps {
            dependents[dep].push(i);
        }
    }

    let ready: VecDeque<usize> = (0..changes.len()).filter(|&i| waiting_on[i] == 0).collect();
    let mut progress = Progress {
        done: vec![false; changes.len()],
        changes,
        dependents,
        waiting_on,
        ready,
        ids: HashMap::new(),
        report: Report::default(),
    };
    let mut running: FuturesUnordered<Running<'_>> = FuturesUnordered::new();
    let parallelism = options.parallelism.max(1);

    loop {
        while running.len() < parallelism {
            let Some(i) = progress.ready.pop_front() else {
                break;
            };
            let change = progress.changes[i];
            if let Some(error) = failed_before.remove(&change.address) {
                progress.finish(i, Err(error), on_event);
                continue;
            }
            on_event(Event::Started(change));
            running.push(start(i, change, backend, &progress.ids));
        }
        let Some((i, result)) = running.next().await else {
            break;
        };
        progress.finish(i, result, on_event);
    }
    progress.report
}

/// The changes that wait for change `first`, directly or not, by their explicit dependencies
/// (`waited_by[i]`: the changes naming `i` in their `depends_on`).
fn waiting_for(first: usize, waited_by: &[Vec<usize>]) -> HashSet<usize> {
    let mut found = HashSet::new();
    let mut next = vec![first];
    while let Some(i) = next.pop() {
        for &j in &waited_by[i] {
            if found.insert(j) {
                next.push(j);
            }
        }
    }
    found
}

/// Where an apply stands: each change's dependents and how many changes it still waits for,
/// which changes are done and which are ready to start, the ids created so far, and the report.
struct Progress<'p> {
    changes: Vec<&'p Change>,
    dependents: Vec<Vec<usize>>,
    waiting_on: Vec<usize>,
    done: Vec<bool>,
    ready: VecDeque<usize>,
    ids: HashMap<String, String>,
    report: Report,
}

impl Progress<'_> {
    /// Records how change `i` ended: its dependents may start once it succeeded, and are
    /// skipped when it failed.
    fn finish(
        &mut self,
        i: usize,
        result: Result<Option<Receipt>, BackendError>,
        on_event: &mut (dyn FnMut(Event<'_>) + Send),
    ) {
        let change = self.changes[i];
        self.done[i] = true;
        match result {
            Ok(receipt) => {
                if let Some(receipt) = &receipt {
                    self.ids.insert(change.address.clone(), receipt.id.clone());
                }
                record(
                    &mut self.report,
                    change,
                    Status::Succeeded { receipt },
                    on_event,
                );
                for &next in &self.dependents[i] {
                    self.waiting_on[next] -= 1;
                    if self.waiting_on[next] == 0 {
                        self.ready.push_back(next);
                    }
                }
            }
            Err(error) => {
                record(&mut self.report, change, Status::Failed { error }, on_event);
                self.skip_dependents(i, on_event);
            }
        }
    }

    /// Marks everything downstream of a failed change as skipped (once each).
    fn skip_dependents(&mut self, failed: usize, on_event: &mut (dyn FnMut(Event<'_>) + Send)) {
        let mut stack = vec![failed];
        while let Some(i) = stack.pop() {
            for &next in &self.dependents[i] {
                if self.done[next] {
                    continue;
                }
                self.done[next] = true;
                let because = format!(
                    "depends on {}, which did not succeed",
                    self.changes[i].address
                );
                let status = Status::Skipped { because };
                record(&mut self.report, self.changes[next], status, on_event);
                stack.push(next);
            }
        }
    }
}

fn record(
    report: &mut Report,
    change: &Change,
    status: Status,
    on_event: &mut (dyn FnMut(Event<'_>) + Send),
) {
    report.outcomes.push(Outcome {
        address: change.address.clone(),
        action: change.action,
        status,
    });
    if let Some(outcome) = report.outcomes.last() {
        on_event(Event::Finished(outcome));
    }
}

fn start<'a>(
    i: usize,
    change: &'a Change,
    backend: &'a dyn Backend,
    ids: &HashMap<String, String>,
) -> Running<'a> {
    let target = change.live.as_ref().map(|live| Target {
        kind: change.kind,
        instance_id: live.instance_id.clone(),
        id: live.id.clone(),
        name: change.name.clone(),
    });
    let etag = change
        .live
        .as_ref()
        .map(|l| l.etag.clone())
        .unwrap_or_default();
    match change.action {
        Action::Create => {
            let body = match change.after.as_ref() {
                Some(after) => resolve_pending(after, ids),
                None => Err(malformed(change, "has no desired document")),
            };
            Box::pin(async move {
                let result = match body {
                    Ok(body) => backend.create(change.kind, &body).await.map(Some),
                    Err(error) => Err(error),
                };
                (i, result)
            })
        }
        Action::Update => {
            let ops: Result<Vec<Op>, BackendError> =
                change.ops.iter().map(|op| resolve_op(op, ids)).collect();
            Box::pin(async move {
                let (Some(target), Ok(ops)) = (target, ops) else {
                    return (
                        i,
                        Err(malformed(change, "has no live object or unresolved ids")),
                    );
                };
                (i, backend.patch(&target, &ops, &etag).await.map(Some))
            })
        }
        Action::Delete => Box::pin(async move {
            let Some(target) = target else {
                return (i, Err(malformed(change, "has no live object")));
            };
            let result = match backend.delete(&target, &etag).await {
                Ok(Deleted::Deleted { .. }) => Ok(None),
                // Already gone: the goal of the delete is met.
                Err(error) if error.kind == ErrorKind::NotFound => Ok(None),
                Ok(Deleted::Rejected {
                    referenced_by,
                    request_id,
                }) => Err(BackendError {
                    kind: ErrorKind::Rejected,
                    message: format!(
                        "the repository refused to delete {}: still referenced by {}",
                        change.address,
                        referenced_by.join(", ")
                    ),
                    status: Some(200),
                    request_id,
                }),
                Err(error) => Err(error),
            };
            (i, result)
        }),
        Action::NoOp => Box::pin(async move { (i, Ok(None)) }),
    }
}

fn malformed(change: &Change, what: &str) -> BackendError {
    BackendError::new(
        ErrorKind::Other,
        format!("the plan entry for {} {what}", change.address),
    )
}

/// Replaces [`PENDING`] markers with the ids of objects created earlier in this run.
fn resolve_pending(value: &Value, ids: &HashMap<String, String>) -> Result<Value, BackendError> {
    Ok(match value {
        Value::String(s) => match s.strip_prefix(PENDING) {
            Some(address) => Value::String(ids.get(address).cloned().ok_or_else(|| {
                BackendError::new(
                    ErrorKind::Other,
                    format!("the id of {address} is not known: it was not created"),
                )
            })?),
            None => value.clone(),
        },
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| resolve_pending(v, ids))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| resolve_pending(v, ids).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

fn resolve_op(op: &Op, ids: &HashMap<String, String>) -> Result<Op, BackendError> {
    Ok(match op {
        Op::Add { path, value } => Op::Add {
            path: path.clone(),
            value: resolve_pending(value, ids)?,
        },
        Op::Replace { path, value } => Op::Replace {
            path: path.clone(),
            value: resolve_pending(value, ids)?,
        },
        Op::Remove { path } => Op::Remove { path: path.clone() },
    })
}
