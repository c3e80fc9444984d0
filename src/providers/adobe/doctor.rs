//! `offerctl doctor`: checks a configured sandbox against the assumptions offerctl's Adobe
//! clients make, where Adobe's documentation is silent or where the emulator and the client
//! were written from the same reading of it (reference §7). Each check is one row: the
//! assumption, what the sandbox did, and whether that matches.
//!
//! Read-only unless `write_probe`: then one throw-away tag named `offerctl-doctor-<millis>` (and
//! one filter referring to it, to see the answer to deleting a referenced object) is created,
//! patched and deleted. Leftovers of an earlier interrupted probe (same name prefix) are deleted
//! first, and an interrupted probe (Ctrl-C) still deletes what it created before returning.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode, Url};
use serde_json::{Value, json};

use super::clients::dps::{self as dps_client, DpsClient};
use super::clients::http::auth::Auth;
use super::clients::http::{Call, Safety, Transport};
use super::clients::xcore::{self as xcore_client, XcoreClient, XcoreConfig};
use super::config::{Api, RemoteArgs, Settings};
use super::kind::Kind;
use crate::backend::{Backend, Deleted, Target};
use crate::diff::Op;
use crate::doctor::{Check, Checks, Doctor, Remote};
use crate::exit::{CommandError, Exit};

/// The name prefix of everything the write probe creates.
pub const PROBE_PREFIX: &str = "offerctl-doctor-";
/// A page size no client uses, to find where the server stops accepting `limit`.
const LARGE_PAGE: usize = 1000;
/// The page size of the paging walk: small, so that even a small sandbox spans pages.
const WALK_PAGE: usize = 2;

fn row(assumption: &str, observed: impl Into<String>, ok: bool) -> Check {
    Check::made(assumption, observed, ok)
}

fn skipped(assumption: &str, observed: impl Into<String>) -> Check {
    Check::skipped(assumption, observed)
}

/// The raw side of the checks: both APIs' transports.
struct Probe {
    api: Api,
    dps: Transport,
    xcore: Transport,
}

struct Answer {
    status: StatusCode,
    body: Value,
}

impl Probe {
    async fn get(&self, t: &Transport, url: Url, accept: &str) -> Result<Answer, String> {
        let call = Call::get("doctor", url, accept);
        let reply = t.execute_resendable(&call).await.map_err(|e| e.message)?;
        Ok(Answer {
            status: reply.status,
            body: serde_json::from_slice(&reply.body).unwrap_or(Value::Null),
        })
    }

    /// The first page of personalized offers with `limit`, through the configured API.
    async fn first_page(&self, container: &str, limit: usize) -> Result<Answer, String> {
        let (t, url, accept) = self.offer_list(container, limit);
        self.get(t, url, accept).await
    }

    fn offer_list(&self, container: &str, limit: usize) -> (&Transport, Url, &'static str) {
        match self.api {
            Api::Dps => {
                let mut url = self.dps.api.join("offers").expect("a relative path");
                url.query_pairs_mut()
                    .append_pair("offer-type", "personalized")
                    .append_pair("limit", &limit.to_string());
                (&self.dps, url, dps_client::ACCEPT_ANY_JSON)
            }
            Api::Xcore => {
                let mut url = self
                    .xcore
                    .api
                    .join(&format!("{container}/instances"))
                    .expect("a relative path");
                url.query_pairs_mut()
                    .append_pair("schema", &Kind::Offer.schema_id())
                    .append_pair("limit", &limit.to_string());
                (&self.xcore, url, xcore_client::LIST_ACCEPT)
            }
        }
    }

    /// Every page of personalized offers at `limit`: the ids of each page, in order.
    async fn walk(&self, container: &str, limit: usize) -> Result<Vec<Vec<String>>, String> {
        let (t, mut url, accept) = self.offer_list(container, limit);
        let mut pages = Vec::new();
        loop {
            let answer = self.get(t, url.clone(), accept).await?;
            if answer.status != StatusCode::OK {
                return Err(format!(
                    "HTTP {} on page {}",
                    answer.status,
                    pages.len() + 1
                ));
            }
            let results = answer
                .body
                .get("results")
                .or_else(|| answer.body.pointer("/_embedded/results"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            pages.push(results.iter().map(item_id).collect());
            let Some(next) = answer
                .body
                .pointer("/_links/next/href")
                .and_then(Value::as_str)
            else {
                return Ok(pages);
            };
            if pages.len() > 10_000 {
                return Err("more than 10,000 pages".into());
            }
            url = t
                .api
                .join(next.trim_start_matches('/'))
                .map_err(|e| format!("a next link that is not a URL: {e}"))?;
        }
    }
}

fn item_id(item: &Value) -> String {
    ["/id", "/@id", "/_instance/@id", "/instanceId"]
        .iter()
        .find_map(|p| item.pointer(p).and_then(Value::as_str))
        .unwrap_or_default()
        .to_string()
}

/// The sandbox checks, `doctor`'s capability for Adobe.
pub struct SandboxDoctor;

impl Doctor for SandboxDoctor {
    fn checks(&self, remote: &Remote<'_>, write_probe: bool) -> Result<Checks, CommandError> {
        let flags = remote.flags.downcast_ref::<RemoteArgs>().ok_or_else(|| {
            CommandError::new(Exit::Error, "doctor was given no Adobe connection flags")
        })?;
        let settings =
            Settings::for_environment(flags, remote.config, remote.environment, remote.layer)?;
        let Some(config) = settings.xcore_config(remote.secret)? else {
            return Err(CommandError::new(
                Exit::Invalid,
                "doctor checks a remote sandbox: set --endpoint (or OFFERCTL_ENDPOINT) and credentials",
            ));
        };
        Ok(Box::pin(run(config, settings.api, write_probe)))
    }
}

/// Runs every check. `write_probe` allows creating, patching and deleting throw-away objects.
pub async fn run(config: XcoreConfig, api: Api, write_probe: bool) -> Vec<Check> {
    let connection = config.connection();
    let transports = (
        Transport::new(&connection, dps_client::API_PATH),
        Transport::new(&connection, xcore_client::API_PATH),
    );
    let (Ok(dps), Ok(xcore)) = transports else {
        return vec![row(
            "the connection settings are usable",
            "invalid settings (run plan for the message)",
            false,
        )];
    };
    let probe = Probe { api, dps, xcore };
    let mut checks = Vec::new();
    let configured = match api {
        Api::Dps => &probe.dps,
        Api::Xcore => &probe.xcore,
    };
    match configured
        .tokens
        .token(&configured.http, &configured.retry)
        .await
    {
        Ok(_) => checks.push(row(
            "credentials give an access token",
            match &connection.auth {
                Auth::Token(_) => "an access token was given (no exchange needed)",
                Auth::ClientCredentials(_) => "IMS issued a token for the client credentials",
            },
            true,
        )),
        Err(e) => {
            checks.push(row("credentials give an access token", e.message, false));
            return checks;
        }
    }
    let answers = api_answers(&probe).await;
    checks.extend(answers.0);
    let Some(container) = answers.1 else {
        return checks;
    };
    checks.extend(paging(&probe, &container).await);
    if !write_probe {
        for assumption in WRITE_ASSUMPTIONS {
            checks.push(skipped(
                assumption,
                "not tried (read-only; run with --write-probe)",
            ));
        }
        return checks;
    }
    let backend: Box<dyn Backend> = match api {
        Api::Dps => match DpsClient::new(&connection, dps_client::DEFAULT_PAGE_SIZE) {
            Ok(client) => Box::new(client),
            Err(e) => return vec![row("the connection settings are usable", e.0, false)],
        },
        Api::Xcore => match XcoreClient::new(config) {
            Ok(client) => Box::new(client),
            Err(e) => return vec![row("the connection settings are usable", e.0, false)],
        },
    };
    checks.extend(write_checks(backend.as_ref(), api, &probe.dps).await);
    checks
}

const WRITE_ASSUMPTIONS: [&str; 5] = [
    "a create is accepted and answered with a receipt",
    "the PATCH media type offerctl sends is accepted",
    "If-Match is enforced: a stale etag gets 409",
    "deleting a referenced object is refused, naming the referrers",
    "an instant written is read back as the same instant",
];

/// The instant the probe writes, in the spelling of offerctl's sample manifests.
const PROBE_INSTANT: &str = "2030-01-01T00:00:00Z";

/// Which API answers, org and sandbox access, and (XCore) the container. Returns the container
/// to list in (empty for DPS) when the configured API answered.
async fn api_answers(probe: &Probe) -> (Vec<Check>, Option<String>) {
    let mut checks = Vec::new();
    let mut tags = probe.dps.api.join("tags").expect("a relative path");
    tags.query_pairs_mut().append_pair("limit", "1");
    let dps = probe.get(&probe.dps, tags, "*,application/json").await;
    let home = probe
        .get(
            &probe.xcore,
            probe.xcore.api.clone(),
            "application/vnd.adobe.platform.xcore.home.hal+json",
        )
        .await;
    let describe = |answer: &Result<Answer, String>| match answer {
        Ok(a) => format!("HTTP {}", a.status.as_u16()),
        Err(e) => e.clone(),
    };
    let answered =
        |answer: &Result<Answer, String>| answer.as_ref().is_ok_and(|a| a.status.is_success());
    let (mine, name) = match probe.api {
        Api::Dps => (&dps, "DPS"),
        Api::Xcore => (&home, "XCore"),
    };
    checks.push(row(
        "the configured API answers",
        format!(
            "{name} is configured; DPS (GET /tags): {}, XCore (GET home): {}",
            describe(&dps),
            describe(&home)
        ),
        answered(mine),
    ));
    let access = match mine {
        Ok(a) if a.status.is_success() => row(
            "the organization and sandbox are accessible",
            format!("HTTP {} from the {name} API", a.status.as_u16()),
            true,
        ),
        Ok(a) => row(
            "the organization and sandbox are accessible",
            format!(
                "HTTP {}: {}",
                a.status.as_u16(),
                a.body
                    .get("message")
                    .or(a.body.get("detail"))
                    .unwrap_or(&a.body)
            ),
            false,
        ),
        Err(e) => row(
            "the organization and sandbox are accessible",
            e.clone(),
            false,
        ),
    };
    let accessible = access.status == "ok";
    checks.push(access);
    let discovered = home.as_ref().ok().and_then(|a| {
        let containers = a.body.pointer("/_embedded")?.as_object()?;
        containers.values().find_map(|list| {
            list.as_array()?.iter().find_map(|c| {
                c.get("instanceId")
                    .or_else(|| c.get("id"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
        })
    });
    let container_check = "XCore: the home document names the sandbox's container";
    let container = match (probe.api, &discovered) {
        (Api::Xcore, Some(id)) => {
            checks.push(row(container_check, format!("container {id}"), true));
            Some(id.clone())
        }
        (Api::Xcore, None) => {
            checks.push(row(
                container_check,
                "no container in the home document",
                false,
            ));
            None
        }
        (Api::Dps, found) => {
            checks.push(skipped(
                container_check,
                match found {
                    Some(id) => format!("not needed with --api dps (XCore names {id})"),
                    None => "not needed with --api dps".to_string(),
                },
            ));
            Some(String::new())
        }
    };
    (checks, container.filter(|_| accessible))
}

/// The page size offerctl asks for, the largest accepted, and a walk with tiny pages.
async fn paging(probe: &Probe, container: &str) -> Vec<Check> {
    let mut checks = Vec::new();
    let client_page = match probe.api {
        Api::Dps => dps_client::DEFAULT_PAGE_SIZE,
        Api::Xcore => xcore_client::MAX_PAGE_SIZE,
    };
    let largest = "the largest page size offerctl asks for is accepted";
    let mut accepted = None;
    for limit in [LARGE_PAGE, client_page] {
        match probe.first_page(container, limit).await {
            Ok(a) if a.status.is_success() => {
                accepted = Some(limit);
                break;
            }
            _ => continue,
        }
    }
    checks.push(match accepted {
        Some(limit) => row(
            largest,
            format!("limit={limit} accepted (offerctl asks for {client_page})"),
            limit >= client_page,
        ),
        None => row(largest, format!("limit={client_page} refused"), false),
    });
    let full = probe.walk(container, client_page).await;
    let walked = probe.walk(container, WALK_PAGE).await;
    let honoured = "pages hold as many items as asked while more follow";
    match &full {
        Ok(pages) => {
            let short = pages[..pages.len().saturating_sub(1)]
                .iter()
                .map(Vec::len)
                .filter(|n| *n < client_page)
                .max();
            let total: usize = pages.iter().map(Vec::len).sum();
            checks.push(match short {
                None => row(
                    honoured,
                    format!(
                        "{total} offers in {} page(s) of limit={client_page}",
                        pages.len()
                    ),
                    true,
                ),
                Some(n) => row(
                    honoured,
                    format!("pages of {n} items while more follow (asked for {client_page})"),
                    false,
                ),
            });
        }
        Err(e) => checks.push(row(honoured, e.clone(), false)),
    }
    // DPS pages by the `modified` timestamp of the last item, so the item at the cursor may
    // come again on the next page (reference §2.4): the DPS client de-duplicates by id and
    // only gaps would lose objects. XCore's cursor is exclusive.
    let cursor = match probe.api {
        Api::Xcore => "following the next links visits every object once (no repeats, no gaps)",
        Api::Dps => {
            "following the next links visits every object (no gaps; repeats are de-duplicated)"
        }
    };
    checks.push(match (&full, &walked) {
        (Ok(full), Ok(walked)) => {
            let everything: Vec<&String> = full.iter().flatten().collect();
            let visited: Vec<&String> = walked.iter().flatten().collect();
            let distinct = visited
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len();
            let repeats = visited.len() - distinct;
            let gaps = everything.iter().filter(|id| !visited.contains(id)).count();
            let (entries, pages) = (visited.len(), walked.len());
            let s = |n: usize| if n == 1 { "" } else { "s" };
            row(
                cursor,
                format!(
                    "{entries} entr{} in {pages} page{} of {WALK_PAGE}: {distinct} distinct offer{} ({repeats} repeated), {gaps} missing",
                    if entries == 1 { "y" } else { "ies" },
                    s(pages),
                    s(distinct),
                ),
                gaps == 0 && (repeats == 0 || probe.api == Api::Dps),
            )
        }
        (Err(e), _) | (_, Err(e)) => row(cursor, e.clone(), false),
    });
    checks
}

/// What the write probe created, for the clean-up.
#[derive(Default)]
struct Created(Mutex<Vec<Target>>);

impl Created {
    fn add(&self, target: Target) {
        if let Ok(mut list) = self.0.lock() {
            list.push(target);
        }
    }

    fn take(&self) -> Vec<Target> {
        self.0
            .lock()
            .map(|mut l| std::mem::take(&mut *l))
            .unwrap_or_default()
    }
}

fn target(kind: Kind, receipt: &crate::backend::Receipt, name: &str) -> Target {
    Target {
        kind: kind.core(),
        instance_id: receipt.instance_id.clone(),
        id: receipt.id.clone(),
        name: name.to_string(),
    }
}

/// The write probe, its clean-up (also after Ctrl-C), and the sweep of earlier leftovers.
async fn write_checks(backend: &dyn Backend, api: Api, dps: &Transport) -> Vec<Check> {
    let mut checks = Vec::new();
    let swept = delete_leftovers(backend).await;
    let created = Created::default();
    let probe = async {
        let mut rows = write_probe(backend, api, dps, &created).await;
        rows.push(instant_probe(backend, &created).await);
        rows
    };
    let interrupted = tokio::select! {
        rows = probe => {
            checks.extend(rows);
            false
        }
        _ = tokio::signal::ctrl_c() => true,
    };
    let mut left = Vec::new();
    for target in created.take().into_iter().rev() {
        if let Err(e) = delete_current(backend, &target).await {
            left.push(format!("{target}: {e}"));
        }
    }
    let mut observed = if left.is_empty() {
        "everything the probe created was deleted".to_string()
    } else {
        format!("could not delete {}", left.join("; "))
    };
    if swept > 0 {
        observed.push_str(&format!(
            " ({swept} leftover(s) of an earlier probe deleted first)"
        ));
    }
    if interrupted {
        observed.push_str(" after an interruption");
    }
    checks.push(row(
        "the write probe leaves nothing behind",
        observed,
        left.is_empty() && !interrupted,
    ));
    checks
}

/// Deletes an object at its current etag (it may have changed since the probe saw it).
async fn delete_current(backend: &dyn Backend, target: &Target) -> Result<(), String> {
    let live = backend.list(target.kind).await.map_err(|e| e.message)?;
    let Some(object) = live.iter().find(|o| o.id == target.id) else {
        return Ok(());
    };
    match backend.delete(target, &object.etag).await {
        Ok(Deleted::Deleted { .. }) => Ok(()),
        Ok(Deleted::Rejected { referenced_by, .. }) => {
            Err(format!("still referenced by {}", referenced_by.join(", ")))
        }
        Err(e) => Err(e.message),
    }
}

/// Deletes filters and offers, then tags and placements, named with [`PROBE_PREFIX`]; returns
/// how many.
async fn delete_leftovers(backend: &dyn Backend) -> usize {
    let mut deleted = 0;
    for kind in [Kind::Filter, Kind::Offer, Kind::Tag, Kind::Placement] {
        for object in backend.list(kind.core()).await.unwrap_or_default() {
            if !object.name.starts_with(PROBE_PREFIX) {
                continue;
            }
            let target = Target {
                kind: object.kind,
                instance_id: object.instance_id.clone(),
                id: object.id.clone(),
                name: object.name.clone(),
            };
            if matches!(
                backend.delete(&target, &object.etag).await,
                Ok(Deleted::Deleted { .. })
            ) {
                deleted += 1;
            }
        }
    }
    deleted
}

/// A DPS PATCH of the tag's description sent with `If-Match: "<stale>"`; Ok when applied.
async fn stale_dps_patch(
    t: &Transport,
    tag: &Target,
    stale: &str,
) -> Result<(), crate::backend::BackendError> {
    let url = t
        .api
        .join(&format!("tags/{}", tag.id.replace(':', "%3A")))
        .expect("a relative path");
    let body = json!([{"op": "add", "path": "/description", "value": "stale write"}]);
    let call = Call {
        what: "a PATCH with a stale If-Match",
        method: Method::PATCH,
        url,
        accept: "*,application/json",
        content_type: Some("application/json".into()),
        if_match: Some(format!("\"{stale}\"")),
        body: Some(body.to_string().into_bytes()),
        safety: Safety::Resendable,
    };
    let reply = t.execute_resendable(&call).await?;
    if reply.status.is_success() {
        Ok(())
    } else {
        Err(crate::backend::BackendError::new(
            crate::backend::ErrorKind::Conflict,
            format!("stale etag {stale}: HTTP {}", reply.status.as_u16()),
        )
        .with_status(reply.status.as_u16()))
    }
}

async fn write_probe(
    backend: &dyn Backend,
    api: Api,
    dps: &Transport,
    created: &Created,
) -> Vec<Check> {
    let mut checks = Vec::new();
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let name = format!("{PROBE_PREFIX}{millis}");
    let [create_check, patch_check, if_match_check, delete_check, _] = WRITE_ASSUMPTIONS;
    let tag = match backend
        .create(Kind::Tag.core(), &json!({"xdm:name": name}))
        .await
    {
        Ok(receipt) => {
            checks.push(row(
                create_check,
                format!("tag {} created", receipt.id),
                true,
            ));
            let tag = target(Kind::Tag, &receipt, &name);
            created.add(tag.clone());
            (tag, receipt.etag)
        }
        Err(e) => {
            checks.push(row(create_check, e.message, false));
            return checks;
        }
    };
    let media = match api {
        Api::Dps => "application/json",
        Api::Xcore => xcore_client::PATCH_HAL,
    };
    let describe = |text: &str| {
        vec![Op::Add {
            path: "/_instance/xdm:description".into(),
            value: json!(text),
        }]
    };
    let (tag, first_etag) = tag;
    let patched = backend
        .patch(&tag, &describe("patched by offerctl doctor"), &first_etag)
        .await;
    match &patched {
        Ok(receipt) => checks.push(row(
            patch_check,
            format!("{media}: accepted (etag {first_etag} → {})", receipt.etag),
            true,
        )),
        Err(e) => checks.push(row(patch_check, format!("{media}: {}", e.message), false)),
    }
    if patched.is_ok() {
        let stale = match api {
            Api::Xcore => backend
                .patch(&tag, &describe("stale write"), &first_etag)
                .await
                .map(|_| ()),
            // The DPS client checks the etag it holds before sending: ask the server itself.
            Api::Dps => stale_dps_patch(dps, &tag, &first_etag).await,
        };
        checks.push(match stale {
            Err(e) if e.status == Some(409) => row(
                if_match_check,
                format!("stale etag {first_etag}: HTTP 409"),
                true,
            ),
            Err(e) => row(if_match_check, e.message, false),
            Ok(_) => row(
                if_match_check,
                format!("stale etag {first_etag}: the write was applied"),
                false,
            ),
        });
    }
    let filter = json!({"xdm:name": name, "xdm:filterType": "anyTags", "ids": [tag.id]});
    let referrer = match backend.create(Kind::Filter.core(), &filter).await {
        Ok(receipt) => {
            let filter = target(Kind::Filter, &receipt, &name);
            created.add(filter);
            receipt.id
        }
        Err(e) => {
            checks.push(row(
                delete_check,
                format!("could not create the referring filter: {}", e.message),
                false,
            ));
            return checks;
        }
    };
    let current = match backend.list(Kind::Tag.core()).await {
        Ok(live) => live.into_iter().find(|o| o.id == tag.id).map(|o| o.etag),
        Err(_) => None,
    };
    let answer = match current {
        Some(etag) => backend.delete(&tag, &etag).await,
        None => {
            checks.push(row(
                delete_check,
                "the probe's tag is gone before the delete",
                false,
            ));
            return checks;
        }
    };
    checks.push(match answer {
        Ok(Deleted::Rejected { referenced_by, .. }) => row(
            delete_check,
            format!("refused, referenced by {}", referenced_by.join(", ")),
            referenced_by.contains(&referrer),
        ),
        Ok(Deleted::Deleted { .. }) => row(
            delete_check,
            format!("the tag was deleted although {referrer} refers to it"),
            false,
        ),
        Err(e) => row(delete_check, e.message, false),
    });
    checks
}

/// Creates an object for the probe, recorded for the clean-up; its id.
async fn create_tracked(
    backend: &dyn Backend,
    kind: Kind,
    body: &Value,
    name: &str,
    created: &Created,
) -> Result<String, String> {
    let receipt = backend
        .create(kind.core(), body)
        .await
        .map_err(|e| e.message)?;
    created.add(target(kind, &receipt, name));
    Ok(receipt.id)
}

/// How the sandbox spells an instant it was given: a draft offer (on a placement of its own)
/// starting at [`PROBE_INSTANT`], read back. Another spelling of the same instant is fine:
/// plans compare instants by meaning.
async fn instant_probe(backend: &dyn Backend, created: &Created) -> Check {
    let [.., check] = WRITE_ASSUMPTIONS;
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let name = format!("{PROBE_PREFIX}{millis}-dates");
    let html = "https://ns.adobe.com/experience/offer-management/content-component-html";
    let placement = json!({"xdm:name": name, "xdm:componentType": html,
        "xdm:channel": "https://ns.adobe.com/xdm/channel-types/web"});
    let placement = match create_tracked(backend, Kind::Placement, &placement, &name, created).await
    {
        Ok(id) => id,
        Err(e) => return row(check, format!("could not create a placement: {e}"), false),
    };
    let offer = json!({"xdm:name": name, "xdm:status": "draft",
        "xdm:selectionConstraint": {"xdm:startDate": PROBE_INSTANT},
        "xdm:representations": [{"xdm:placement": placement, "xdm:channel": "https://ns.adobe.com/xdm/channel-types/web",
            "xdm:components": [{"@type": html, "dc:format": "text/html", "dc:language": ["en"],
                "xdm:content": "offerctl doctor"}]}]});
    let offer = match create_tracked(backend, Kind::Offer, &offer, &name, created).await {
        Ok(id) => id,
        Err(e) => return row(check, format!("could not create an offer: {e}"), false),
    };
    let read = match backend.list(Kind::Offer.core()).await {
        Ok(live) => live.into_iter().find(|o| o.id == offer).and_then(|o| {
            o.instance
                .value()
                .pointer("/xdm:selectionConstraint/xdm:startDate")
                .cloned()
        }),
        Err(e) => {
            return row(
                check,
                format!("could not read the offer back: {}", e.message),
                false,
            );
        }
    };
    let written = json!(PROBE_INSTANT);
    match read {
        Some(read) if read == written => {
            row(check, format!("{PROBE_INSTANT} read back as written"), true)
        }
        Some(read) if crate::diff::meaning::same(crate::diff::Type::Instant, &read, &written) => {
            row(
                check,
                format!(
                    "{PROBE_INSTANT} read back as {read}: the same instant in the sandbox's spelling \
                 (plans compare instants by meaning, so they are unaffected)"
                ),
                true,
            )
        }
        Some(read) => row(
            check,
            format!("{PROBE_INSTANT} read back as {read}: another instant"),
            false,
        ),
        None => row(check, format!("{PROBE_INSTANT} was not read back"), false),
    }
}
