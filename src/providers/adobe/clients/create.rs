//! Creates, which are never resent blindly (both APIs): after an unknown outcome the name is
//! looked up first, and an equivalent object found is taken for the one created; only when none
//! exists, and the cause was transient, is the create sent again.

use std::future::Future;

use reqwest::StatusCode;
use serde_json::Value;

use super::http::{BackendErrorExt, Call, Failure, Reply, Transport};
use crate::backend::{BackendError, ErrorKind, LiveObject, Receipt};
use crate::diff;
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::mapping::xcore;

/// How a create ended.
pub(crate) enum Created {
    /// The server's successful answer.
    Answer(Reply),
    /// An earlier attempt's outcome was unknown, and the object it created was found.
    Found(Receipt),
}

/// An object a name lookup found, as one client lists it.
pub(crate) trait Candidate {
    fn object(self) -> LiveObject;
    fn live(&self) -> &LiveObject;
    /// Whether it is to be taken over `best`, found before it: the newer of two.
    fn replaces(&self, best: &Self) -> bool;
}

/// The object a create of `instance` named `name` made, among those the lookup found: the
/// newest of those with the same name and content.
fn created<C: Candidate>(
    kind: Kind,
    name: &str,
    instance: &Value,
    found: Vec<C>,
) -> Option<LiveObject> {
    found
        .into_iter()
        .filter(|candidate| is_created(kind, name, instance, candidate.live()))
        .reduce(|best, candidate| {
            if candidate.replaces(&best) {
                candidate
            } else {
                best
            }
        })
        .map(C::object)
}

/// Whether `object` is the one a create of `instance` named `name` would have made: the same
/// name, the same content (in either spelling the API accepts).
fn is_created(kind: Kind, name: &str, instance: &Value, object: &LiveObject) -> bool {
    if object.name() != name {
        return false;
    }
    let (live, mut wanted) = (object.instance.value(), instance.clone());
    xcore::match_spelling(kind, &live, &mut wanted);
    diff::equivalent(&xcore::diff_rules(kind), &live, &wanted)
}

fn adopt(object: LiveObject, request_id: Option<String>) -> Receipt {
    tracing::debug!(
        target: "offerctl::http",
        id = %object.id,
        instance_id = %object.instance_id,
        "the create whose outcome was unknown did happen: using the object found by name"
    );
    Receipt {
        instance_id: object.instance_id,
        id: object.id,
        etag: object.etag,
        request_id,
    }
}

/// Sends the create `call` (a POST of `instance`, of `kind`, named `name`) until it has an
/// answer, listing the objects so named with `find(name, what)` after every unknown outcome and
/// after a conflict that an unknown outcome may have caused.
pub(crate) async fn create<'n, Fut, C>(
    t: &Transport,
    call: &Call<'_>,
    (kind, instance): (Kind, &Value),
    name: Option<&'n str>,
    find: impl Fn(&'n str, String) -> Fut,
) -> Result<Created, BackendError>
where
    Fut: Future<Output = Result<Vec<C>, BackendError>>,
    C: Candidate,
{
    let what = call.what;
    let lookup =
        |name| format!("looking up {kind} {name:?} after a create whose outcome is unknown");
    let mut sends = 0;
    let mut uncertain = false;
    loop {
        sends += 1;
        match t.execute(call).await {
            Ok(reply) if reply.status.is_success() => return Ok(Created::Answer(reply)),
            Ok(reply) => {
                if reply.status == StatusCode::CONFLICT
                    && uncertain
                    && let Some(name) = name
                    && let Some(object) =
                        created(kind, name, instance, find(name, lookup(name)).await?)
                {
                    return Ok(Created::Found(adopt(object, Some(reply.request_id))));
                }
                return Err(t.answer_error(what, &reply, ErrorKind::Rejected));
            }
            Err(Failure::Error(error)) => return Err(error),
            Err(Failure::Unknown { error, retryable }) => {
                uncertain = true;
                let request_id = error.request_id.clone();
                let Some(name) = name else {
                    return Err(t.error(
                        ErrorKind::Unavailable,
                        format!("{}; the outcome is unknown and an object without a name cannot be looked up, so it was not sent again", error.message),
                    ).with_request_id_opt(request_id));
                };
                tracing::debug!(
                    target: "offerctl::http",
                    kind = %kind,
                    error = %error.message,
                    "create outcome unknown: looking the name up before sending it again"
                );
                if let Some(object) = created(kind, name, instance, find(name, lookup(name)).await?)
                {
                    return Ok(Created::Found(adopt(object, request_id)));
                }
                if !retryable || sends >= t.retry.max_attempts {
                    return Err(t
                        .error(
                            ErrorKind::Unavailable,
                            format!(
                                "{} (after {sends} attempts; no {kind} named {name:?} with this content exists, so it was not created)",
                                error.message
                            ),
                        )
                        .with_request_id_opt(request_id)
                        .with_status_opt(error.status));
                }
                tokio::time::sleep(t.retry.backoff(sends)).await;
            }
        }
    }
}
