//! Fault tolerance, issue 5: the emulator's request handling, over HTTP (XCore, DPS and
//! Appcharge routes on the one listener). Random methods, paths, query strings, headers and
//! bodies never get a 5xx, never cut the connection, and
//! never stop the server from answering a well-formed request; neither does garbage sent on
//! a raw TCP socket.
//!
//! The engine's own property tests cover the layers below without HTTP
//! (`src/providers/adobe/repository/tests.rs` `no_panics`, `src/providers/adobe/serve/media.rs`
//! `header_parsers_never_panic`,
//! `src/wal.rs`); this drives the whole server through its socket.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::serve::{RunningServer, ServeArgs};
use proptest::prelude::*;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use serde_json::{Value, json};

use crate::support::*;

/// One server for every case, on its own runtime (proptest cases are synchronous).
struct Fuzz {
    runtime: tokio::runtime::Runtime,
    server: RunningServer,
    http: reqwest::Client,
    /// Objects that exist, so that paths and bodies can point at real ones; made again when a
    /// case may have deleted them.
    known: Mutex<Known>,
    statuses: Mutex<BTreeMap<u16, u64>>,
}

fn fuzz() -> &'static Fuzz {
    static FUZZ: OnceLock<Fuzz> = OnceLock::new();
    FUZZ.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (server, known) = runtime.block_on(async {
            let server = start_emulator(ServeArgs::ephemeral()).await;
            let known = seed(&server.url(), 0).await;
            (server, known)
        });
        Fuzz {
            runtime,
            server,
            // One connection per request: an answer's connection handling cannot leak into
            // the next case through a pool.
            http: offerctl::net::tls::client_builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(0)
                .build()
                .expect("client"),
            known: Mutex::new(known),
            statuses: Mutex::default(),
        }
    })
}

/// Instance ids, `@id`s and delete-job ids.
#[derive(Clone, Default)]
struct Known {
    ids: Vec<String>,
    uris: Vec<String>,
    jobs: Vec<String>,
}

/// A few real objects: a tag, a placement, an offer using both, and a pending delete job.
async fn seed(origin: &str, n: usize) -> Known {
    let http = http_client();
    // An Appcharge product the fuzzed Appcharge paths can name (`.../product/gold`); a 409
    // when it exists already is fine.
    let _ = http
        .post(format!("{origin}/components/v1/product"))
        .header("x-publisher-token", "fuzz-publisher-token")
        .json(&json!({"publisherProductId": "gold", "name": "Gold"}))
        .send()
        .await;
    let container = offerctl::providers::adobe::repository::container_id("prod");
    let base = format!("{origin}/data/core/xcore/{container}");
    let auth = |r: reqwest::RequestBuilder| {
        r.bearer_auth(TOKEN)
            .header("x-api-key", API_KEY)
            .header("x-gw-ims-org-id", ORG)
    };
    let create = |kind: Kind, instance: Value| {
        let request = auth(http.post(format!("{base}/instances")))
            .header(
                "content-type",
                format!("{HAL}; schema=\"{}\"", kind.schema_id()),
            )
            .json(&json!({"_instance": instance, "_links": {}}));
        async move {
            let receipt: Value = request
                .send()
                .await
                .expect("create")
                .json()
                .await
                .expect("receipt");
            let field = |name: &str| {
                receipt[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("seeding: no {name} in {receipt}"))
                    .to_string()
            };
            (field("instanceId"), field("@id"))
        }
    };
    let tag = create(Kind::Tag, json!({"xdm:name": format!("fuzz tag {n}")})).await;
    let placement = create(
        Kind::Placement,
        json!({
            "xdm:name": "fuzz placement",
            "xdm:channel": "https://ns.adobe.com/xdm/channels/web",
            "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-html",
        }),
    )
    .await;
    let offer = create(
        Kind::Offer,
        json!({
            "xdm:name": "fuzz offer",
            "xdm:status": "draft",
            "xdm:tags": [tag.1],
            "xdm:representations": [{
                "xdm:placement": placement.1,
                "xdm:components": [{
                    "@type": "https://ns.adobe.com/experience/offer-management/content-component-html",
                    "dc:format": "text/html",
                    "dc:language": ["en"],
                }],
            }],
        }),
    )
    .await;
    // The placement is referenced: deleting it gives a job to poll.
    let job = auth(http.delete(format!("{base}/instances/{}", placement.0)))
        .send()
        .await
        .expect("delete");
    let location = job
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let job_id = location.rsplit('/').next().unwrap_or_default().to_string();
    Known {
        ids: vec![tag.0, placement.0, offer.0],
        uris: vec![tag.1, placement.1, offer.1],
        jobs: vec![job_id],
    }
}

/// A random request, as parts.
#[derive(Debug, Clone)]
struct Fuzzed {
    method: String,
    path: Path,
    query: Vec<(String, String)>,
    headers: Vec<(String, Vec<u8>)>,
    auth: bool,
    body: Vec<u8>,
}

#[derive(Debug, Clone)]
enum Path {
    Home,
    Instances,
    Instance(usize),
    Job(usize),
    Search,
    Token,
    Emulator(&'static str),
    /// Under `/data/core/xcore/`, random segments.
    Raw(Vec<String>),
    /// A DPS collection (index into `DPS_COLLECTIONS`).
    DpsCollection(usize),
    /// A DPS object: collection, then a known `@id` (or a made-up one).
    DpsItem(usize, usize),
    /// Under `/data/core/dps/`, random segments.
    DpsRaw(Vec<String>),
    /// An Appcharge route (index into `APPCHARGE_ROUTES`), with an id segment when it takes one.
    Appcharge(usize, Option<String>),
}

/// Appcharge's routes on the same listener; those ending in `/` take an id.
const APPCHARGE_ROUTES: &[&str] = &[
    "/v2/offer",
    "/v2/offer/",
    "/offering/rolling-offer",
    "/offering/rolling-offer/",
    "/components/v1/product",
    "/components/v1/product/",
    "/components/v1/badge",
    "/components/v1/badge/",
    "/components/v1/offer-design",
    "/components/v1/offer-design/",
];

/// The DPS collections, `/offers` with and without its `offer-type`.
const DPS_COLLECTIONS: &[&str] = &[
    "offers?offer-type=personalized",
    "offers?offer-type=fallback",
    "offers",
    "placements",
    "tags",
    "offer-rules",
    "offer-collections",
    "offer-decisions",
];

fn method() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => Just("GET".to_string()),
        4 => Just("POST".to_string()),
        2 => Just("PUT".to_string()),
        3 => Just("PATCH".to_string()),
        2 => Just("DELETE".to_string()),
        1 => Just("HEAD".to_string()),
        1 => Just("OPTIONS".to_string()),
        1 => Just("TRACE".to_string()),
        1 => "[A-Z]{1,8}",
    ]
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~:@!$&'()*+,;=-]{0,12}",
        "(%[0-9a-fA-F]{2}){1,4}",
        Just("%zz".to_string()),
        Just("..".to_string()),
        Just("instances".to_string()),
        Just("deletes".to_string()),
        Just(offerctl::providers::adobe::repository::container_id("prod")),
    ]
}

fn path() -> impl Strategy<Value = Path> {
    prop_oneof![
        1 => Just(Path::Home),
        3 => Just(Path::Instances),
        3 => (0usize..4).prop_map(Path::Instance),
        1 => (0usize..2).prop_map(Path::Job),
        1 => Just(Path::Search),
        1 => Just(Path::Token),
        1 => prop_oneof![
            // Not `/_emulator/reset`: it would empty the store under the other cases' feet.
            Just("/_emulator/stats"),
            Just("/_emulator/nothing")
        ]
        .prop_map(Path::Emulator),
        2 => prop::collection::vec(segment(), 0..5).prop_map(Path::Raw),
        3 => (0..DPS_COLLECTIONS.len()).prop_map(Path::DpsCollection),
        3 => (0..DPS_COLLECTIONS.len(), 0usize..4).prop_map(|(c, i)| Path::DpsItem(c, i)),
        1 => prop::collection::vec(segment(), 0..4).prop_map(Path::DpsRaw),
        4 => (
            0..APPCHARGE_ROUTES.len(),
            prop::option::of(prop_oneof![segment(), Just("gold".to_string())])
        )
            .prop_map(|(route, id)| Path::Appcharge(route, id)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,24}",
        "[a-z0-9:_.,=!<>~*?\\\\ -]{0,24}",
        Just("\\N".to_string()),
        Just("_instance.xdm:name==fuzz tag".to_string()),
        Just("-repo:createdDate,instanceId".to_string()),
        Just("99999999999999999999999".to_string()),
        Just("-1".to_string()),
        (0usize..3).prop_map(|i| format!("@@uri{i}")),
        Just("name==fuzz tag 0".to_string()),
        Just("-modified".to_string()),
        Just("fallback".to_string()),
        Just("2026-01-01T00:00:00.000Z".to_string()),
    ]
}

fn query() -> impl Strategy<Value = Vec<(String, String)>> {
    let key = prop_oneof![
        Just("schema"),
        Just("orderby"),
        Just("start"),
        Just("limit"),
        Just("property"),
        Just("id"),
        Just("name"),
        Just("q"),
        Just("field"),
        Just("qop"),
        Just("product"),
        Just("sandbox"),
        Just("grant_type"),
        Just("offer-type"),
    ]
    .prop_map(str::to_string);
    let key = prop_oneof![4 => key, 1 => "\\PC{0,8}"];
    let value = prop_oneof![
        2 => text(),
        1 => (0usize..Kind::ALL.len()).prop_map(|k| Kind::ALL[k].schema_id()),
        1 => (0usize..Kind::ALL.len()).prop_map(|k| format!("{};version=0.{k}", Kind::ALL[k].schema_id())),
    ];
    prop::collection::vec((key, value), 0..5)
}

fn content_type() -> impl Strategy<Value = String> {
    prop_oneof![
        (0usize..Kind::ALL.len())
            .prop_map(|k| format!("{HAL}; schema=\"{}\"", Kind::ALL[k].schema_id())),
        (0usize..Kind::ALL.len()).prop_map(|k| format!(
            "application/schema-instance+json; schema=\"{}\"",
            Kind::ALL[k].schema_id()
        )),
        Just("application/vnd.adobe.platform.xcore.patch.hal+json".to_string()),
        Just("application/json".to_string()),
        Just("application/json-patch+json".to_string()),
        Just("application/x-www-form-urlencoded".to_string()),
        Just(format!("{HAL}; schema=")),
        Just(format!("{HAL}; schema=\"unterminated")),
        "\\PC{0,30}",
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, Vec<u8>)>> {
    let bytes = |max: usize| prop::collection::vec(32u8..=255, 0..max);
    let header = prop_oneof![
        3 => content_type().prop_map(|v| ("content-type".to_string(), v.into_bytes())),
        2 => prop_oneof![
            Just("1".to_string()),
            Just("\"1\"".to_string()),
            Just("*".to_string()),
            Just("W/\"2\", \"1\"".to_string()),
            "\\PC{0,12}"
        ]
        .prop_map(|v| ("if-match".to_string(), v.into_bytes())),
        1 => text().prop_map(|v| ("if-none-match".to_string(), v.into_bytes())),
        2 => prop_oneof![
            Just("prod".to_string()),
            Just("dev".to_string()),
            Just("".to_string()),
            Just("../etc".to_string()),
            "\\PC{0,20}"
        ]
        .prop_map(|v| ("x-sandbox-name".to_string(), v.into_bytes())),
        1 => bytes(40).prop_map(|v| ("authorization".to_string(), v)),
        1 => bytes(40).prop_map(|v| ("x-api-key".to_string(), v)),
        1 => bytes(40).prop_map(|v| ("x-gw-ims-org-id".to_string(), v)),
        1 => bytes(40).prop_map(|v| ("x-request-id".to_string(), v)),
        1 => bytes(40).prop_map(|v| ("accept".to_string(), v)),
        1 => bytes(20).prop_map(|v| ("content-encoding".to_string(), v)),
        1 => ("x-[a-z]{1,8}", bytes(40)),
    ];
    (
        prop::option::weighted(0.8, content_type()),
        prop::collection::vec(header, 0..4),
    )
        .prop_map(|(content_type, mut headers)| {
            if let Some(value) = content_type {
                headers.insert(0, ("content-type".to_string(), value.into_bytes()));
            }
            headers
        })
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        "\\PC{0,16}".prop_map(Value::from),
        Just(json!("xcore:offer-placement:0000000000000000")),
        Just(json!("2026-01-01T00:00:00Z")),
        (0usize..3).prop_map(|i| json!(format!("@@uri{i}"))),
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let key = prop_oneof![
            Just("xdm:name".to_string()),
            Just("xdm:status".to_string()),
            Just("xdm:representations".to_string()),
            Just("xdm:placement".to_string()),
            Just("xdm:components".to_string()),
            Just("xdm:tags".to_string()),
            Just("xdm:rank".to_string()),
            Just("xdm:priority".to_string()),
            Just("xdm:selectionConstraint".to_string()),
            Just("xdm:filterType".to_string()),
            Just("ids".to_string()),
            Just("@id".to_string()),
            Just("_instance".to_string()),
            Just("_links".to_string()),
            Just("name".to_string()),
            Just("status".to_string()),
            Just("representations".to_string()),
            Just("placement".to_string()),
            Just("components".to_string()),
            Just("type".to_string()),
            Just("criteria".to_string()),
            Just("placements".to_string()),
            Just("optionSelection".to_string()),
            Just("selectionConstraint".to_string()),
            Just("profileConstraintType".to_string()),
            Just("eligibilityRule".to_string()),
            Just("id".to_string()),
            Just("op".to_string()),
            Just("path".to_string()),
            Just("value".to_string()),
            "\\PC{0,8}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((key, inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    let op = (
        prop_oneof![
            Just("add"),
            Just("remove"),
            Just("replace"),
            Just("test"),
            Just("move"),
            Just("copy"),
            Just("frob")
        ],
        prop_oneof![
            Just("/_instance/xdm:name".to_string()),
            Just("/_instance/xdm:tags/-".to_string()),
            Just("/_instance/xdm:representations/0/xdm:components/0".to_string()),
            Just("/_instance/@id".to_string()),
            Just("/_instance".to_string()),
            Just("/_links/x".to_string()),
            Just("/name".to_string()),
            Just("/id".to_string()),
            Just("/representations/0/components/0/type".to_string()),
            Just("/criteria/0/placements/-".to_string()),
            Just("".to_string()),
            "/[a-z_:/0-9~-]{0,16}",
        ],
        json_value(),
    )
        .prop_map(
            |(op, path, value)| json!({"op": op, "path": path, "from": path, "value": value}),
        );
    prop_oneof![
        1 => Just(Vec::new()),
        2 => prop::collection::vec(any::<u8>(), 0..512),
        3 => json_value().prop_map(|v| v.to_string().into_bytes()),
        4 => (json_value(), any::<bool>()).prop_map(|(instance, links)| {
            let mut envelope = json!({"_instance": instance});
            if links {
                envelope["_links"] = json!({});
            }
            envelope.to_string().into_bytes()
        }),
        3 => prop::collection::vec(op, 0..4).prop_map(|ops| Value::Array(ops).to_string().into_bytes()),
        1 => "\\PC{0,60}".prop_map(|form| format!("grant_type=client_credentials&client_id={form}").into_bytes()),
        // A JSON document cut short, and one nested deeper than any parser should recurse.
        1 => json_value().prop_map(|v| { let t = v.to_string().into_bytes(); t[..t.len() / 2].to_vec() }),
        // Amplification: copies of the document (DPS) or its instance (XCore) into their own
        // children, each doubling it; and a document nested just past what clients can read.
        1 => (prop_oneof![Just(""), Just("/_instance")], 10usize..40).prop_map(|(from, n)| {
            let ops: Vec<Value> = (0..n)
                .map(|i| json!({"op": "copy", "from": from, "path": format!("{from}/c{i}")}))
                .collect();
            Value::Array(ops).to_string().into_bytes()
        }),
        1 => (90usize..130).prop_map(|depth| {
            let mut deep = json!(1);
            for _ in 0..depth {
                deep = json!({"d": deep});
            }
            json!({"_instance": {"xdm:name": "deep", "x:deep": deep}, "name": "deep", "x:deep": deep})
                .to_string()
                .into_bytes()
        }),
        1 => (1usize..100_000).prop_map(|depth| {
            let mut t = "[".repeat(depth);
            t.push_str(&"]".repeat(depth / 2));
            t.into_bytes()
        }),
    ]
}

/// The methods a path answers to, to send more often than the others (which get 405).
fn methods_of(path: &Path) -> Vec<&'static str> {
    match path {
        Path::Instances => vec!["GET", "POST"],
        Path::Instance(_) => vec!["GET", "PUT", "PATCH", "DELETE"],
        Path::Token => vec!["POST"],
        Path::Emulator(_) => vec!["GET", "DELETE"],
        Path::DpsCollection(_) => vec!["GET", "POST"],
        Path::DpsItem(..) => vec!["GET", "PATCH", "DELETE"],
        Path::Appcharge(route, _) if APPCHARGE_ROUTES[*route].ends_with('/') => {
            vec!["GET", "PUT", "DELETE"]
        }
        Path::Appcharge(..) => vec!["GET", "POST"],
        _ => vec!["GET"],
    }
}

fn request() -> impl Strategy<Value = Fuzzed> {
    path()
        .prop_flat_map(|path| {
            let usual = prop::sample::select(methods_of(&path)).prop_map(str::to_string);
            (
                prop_oneof![4 => usual, 1 => method()],
                Just(path),
                query(),
                headers(),
                prop::bool::weighted(0.85),
                body(),
            )
        })
        .prop_map(|(method, path, query, headers, auth, body)| Fuzzed {
            method,
            path,
            query,
            headers,
            auth,
            body,
        })
}

/// Replaces the `@@uriN` placeholders with the `@id`s of real objects.
fn with_real_ids(known: &Known, text: &str) -> String {
    let mut text = text.to_string();
    for (i, uri) in known.uris.iter().enumerate() {
        text = text.replace(&format!("@@uri{i}"), uri);
    }
    text
}

fn url_of(f: &Fuzz, known: &Known, request: &Fuzzed) -> String {
    let container = offerctl::providers::adobe::repository::container_id("prod");
    let base = format!("{}/data/core/xcore", f.server.url());
    let dps = format!("{}/data/core/dps", f.server.url());
    let pick = |list: &[String], i: usize| list.get(i).cloned().unwrap_or_else(|| "0".repeat(16));
    let mut url = match &request.path {
        Path::Home => format!("{base}/"),
        Path::Instances => format!("{base}/{container}/instances"),
        Path::Instance(i) => format!("{base}/{container}/instances/{}", pick(&known.ids, *i)),
        Path::Job(i) => format!("{base}/{container}/deletes/{}", pick(&known.jobs, *i)),
        Path::Search => format!("{base}/{container}/queries/core/search"),
        Path::Token => format!("{}/ims/token/v3", f.server.url()),
        Path::Emulator(path) => format!("{}{path}", f.server.url()),
        Path::Raw(segments) => format!("{base}/{}", segments.join("/")),
        Path::DpsCollection(c) => format!("{dps}/{}", DPS_COLLECTIONS[*c]),
        Path::DpsItem(c, i) => {
            let id = known
                .uris
                .get(*i)
                .cloned()
                .unwrap_or_else(|| "dps:tag:0000000000000000".into());
            let (collection, query) = DPS_COLLECTIONS[*c]
                .split_once('?')
                .unwrap_or((DPS_COLLECTIONS[*c], ""));
            let id = id.replace(':', "%3A");
            if query.is_empty() {
                format!("{dps}/{collection}/{id}")
            } else {
                format!("{dps}/{collection}/{id}?{query}")
            }
        }
        Path::DpsRaw(segments) => format!("{dps}/{}", segments.join("/")),
        Path::Appcharge(route, id) => {
            let route = APPCHARGE_ROUTES[*route];
            match (route.ends_with('/'), id) {
                (true, Some(id)) => format!("{}{route}{id}", f.server.url()),
                _ => format!("{}{}", f.server.url(), route.trim_end_matches('/')),
            }
        }
    };
    if !request.query.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        // Raw: the URL parser escapes only what it must, so '&', '=', '%' and '+' stay as sent.
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        url.push_str(&with_real_ids(known, &query.join("&")));
    }
    url
}

/// Sends one random request: it gets an answer below 500, and the server still answers a
/// well-formed read afterwards.
fn check(request: &Fuzzed) -> Result<(), TestCaseError> {
    let f = fuzz();
    let Ok(method) = Method::from_bytes(request.method.as_bytes()) else {
        return Ok(());
    };
    let known = f.known.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut builder = f.http.request(method.clone(), url_of(f, &known, request));
    if request.auth {
        builder = builder
            .bearer_auth(TOKEN)
            .header("x-api-key", API_KEY)
            .header("x-gw-ims-org-id", ORG)
            .header("x-publisher-token", "fuzz-publisher-token");
    }
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value),
        ) {
            builder = builder.header(name, value);
        }
    }
    if method != Method::GET && method != Method::HEAD || !request.body.is_empty() {
        let body = match std::str::from_utf8(&request.body) {
            Ok(text) => with_real_ids(&known, text).into_bytes(),
            Err(_) => request.body.clone(),
        };
        builder = builder.body(body);
    }
    let Ok(built) = builder.build() else {
        // Not a request a client could send (the URL did not parse).
        return Ok(());
    };
    let url = built.url().to_string();
    let (status, body) = f.runtime.block_on(async {
        let response = f
            .http
            .execute(built)
            .await
            .map_err(|e| TestCaseError::fail(format!("no answer to {method} {url}: {e:?}")))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        Ok::<_, TestCaseError>((status, body))
    })?;
    *f.statuses
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .entry(status.as_u16())
        .or_default() += 1;
    prop_assert!(
        status.as_u16() < 500,
        "{method} {url} answered {status}: {body}"
    );
    let deleted = method == Method::DELETE
        && (url.contains("/instances/") || url.contains("/data/core/dps/"));
    if status.is_success() && deleted {
        // The seeded objects may be gone: make new ones (uniquely named: tag names are).
        static SEEDS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        let n = SEEDS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let fresh = f.runtime.block_on(seed(&f.server.url(), n));
        *f.known.lock().unwrap_or_else(|e| e.into_inner()) = fresh;
    }
    assert_alive(f)
}

/// The server answers a well-formed home read.
fn assert_alive(f: &Fuzz) -> Result<(), TestCaseError> {
    let request = f
        .http
        .get(format!("{}/data/core/xcore/", f.server.url()))
        .bearer_auth(TOKEN)
        .header("x-api-key", API_KEY)
        .header("x-gw-ims-org-id", ORG);
    let home = f.runtime.block_on(async { request.send().await });
    match home {
        Ok(response) => {
            prop_assert_eq!(response.status().as_u16(), 200, "the server still answers");
            Ok(())
        }
        Err(e) => Err(TestCaseError::fail(format!(
            "the server stopped answering: {e:?}"
        ))),
    }
}

/// Writes raw bytes to a fresh connection, reads whatever comes back until the server closes
/// it (or a hang guard), then checks that the server still answers.
fn raw(bytes: &[u8]) -> Result<(), TestCaseError> {
    let f = fuzz();
    let mut socket = std::net::TcpStream::connect(f.server.addr).expect("connect");
    socket
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let _ = socket.write_all(bytes);
    let _ = socket.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    let _ = socket.read_to_end(&mut answer);
    let head = String::from_utf8_lossy(&answer[..answer.len().min(12)]).to_string();
    prop_assert!(
        !head.starts_with("HTTP/1.1 5"),
        "raw request answered {}",
        String::from_utf8_lossy(&answer)
    );
    assert_alive(f)
}

fn raw_request() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        Just(b"GET /data/core/xcore/ HTTP/1.1\r\n".to_vec()),
        Just(b"POST /data/core/xcore/x/instances HTTP/1.1\r\n".to_vec()),
        Just(b"GET / HTTP/9.9\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    let header = prop_oneof![
        Just(b"Host: 127.0.0.1\r\n".to_vec()),
        Just(b"Content-Length: 10\r\n".to_vec()),
        Just(b"Content-Length: -1\r\n".to_vec()),
        Just(b"Content-Length: 99999999999999999999\r\n".to_vec()),
        Just(b"Transfer-Encoding: chunked\r\n".to_vec()),
        Just(b"Authorization: Bearer x\r\nx-api-key: k\r\nx-gw-ims-org-id: o\r\n".to_vec()),
        prop::collection::vec(any::<u8>(), 0..40),
    ];
    (
        line,
        prop::collection::vec(header, 0..5),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(line, headers, end, body)| {
            let mut out = line;
            for h in headers {
                out.extend(h);
            }
            if end {
                out.extend(b"\r\n");
            }
            out.extend(body);
            out
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_requests_never_get_a_5xx_and_the_server_keeps_answering(request in request()) {
        check(&request)?;
    }

    #[test]
    fn garbage_on_the_socket_never_stops_the_server(bytes in raw_request()) {
        raw(&bytes)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// The long variant behind `docs/reliability.md`:
    /// `cargo test --test emulator fault_http_fuzz:: -- --ignored --nocapture`.
    #[test]
    #[ignore = "long: 20,000 random requests; run with --ignored"]
    fn many_random_requests_never_get_a_5xx(request in request()) {
        check(&request)?;
        let f = fuzz();
        let statuses = f.statuses.lock().unwrap_or_else(|e| e.into_inner());
        let total: u64 = statuses.values().sum();
        if total.is_multiple_of(5000) {
            println!("RELIABILITY fault_http_fuzz: requests={total} by_status={statuses:?}");
        }
    }
}

/// A body over the server's size limit (8 MiB) is refused, not buffered without bound: the
/// answer is a 4xx, or the connection is closed while the body is still being sent; either
/// way the server keeps answering.
#[test]
fn an_oversized_body_is_refused() {
    let f = fuzz();
    let container = offerctl::providers::adobe::repository::container_id("prod");
    let request = f
        .http
        .post(format!(
            "{}/data/core/xcore/{container}/instances",
            f.server.url()
        ))
        .bearer_auth(TOKEN)
        .header("x-api-key", API_KEY)
        .header("x-gw-ims-org-id", ORG)
        .header(
            "content-type",
            format!("{HAL}; schema=\"{}\"", Kind::Tag.schema_id()),
        )
        .body(vec![b' '; 9 << 20]);
    let response = f.runtime.block_on(async { request.send().await });
    if let Ok(response) = response {
        assert_eq!(response.status().as_u16(), 413);
    }
    assert_alive(f).expect("alive");
}
