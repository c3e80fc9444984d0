//! The emulator, in process ([`start_emulator`]) or as a real `offerctl serve` child process
//! that can be SIGTERMed or SIGKILLed ([`ServeProcess`]), and requests to either with valid
//! gateway headers ([`Emu`], [`Remote`]).

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use offerctl::providers::adobe::kind::Kind;
use offerctl::providers::adobe::repository::container_id;
use offerctl::providers::serve::{self, RunningServer, ServeArgs};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

/// The credentials of every request the harness sends and of every offerctl it runs. An
/// emulator started without `--token` accepts any token; this one is distinctive so that a
/// test can tell it never leaked. The API key shows in `repo:createdBy`.
pub const TOKEN: &str = "test-token-d6f1c0ffee";
pub const API_KEY: &str = "test-client";
pub const ORG: &str = "TEST@AdobeOrg";

pub const HAL: &str = "application/vnd.adobe.platform.xcore.hal+json";
pub const PATCH_HAL: &str = "application/vnd.adobe.platform.xcore.patch.hal+json";

/// A client for the requests a test sends itself. reqwest is built without a TLS provider of
/// its own; offerctl's builder installs one, without which building any client panics.
pub fn http_client() -> reqwest::Client {
    offerctl::net::tls::client_builder()
        .build()
        .expect("an HTTP client")
}

/// An in-process emulator on an ephemeral loopback port.
pub async fn start_emulator(args: ServeArgs) -> RunningServer {
    serve::start(args).await.expect("the emulator starts")
}

/// An emulator and a client for it that sends valid gateway headers in one sandbox (`prod`
/// unless changed): to set up a test, or to inspect what is live behind offerctl's back.
/// `server` is the emulator in process ([`Emu::start`]), or the origin of one elsewhere, such
/// as a [`ServeProcess`] ([`Remote::new`]).
pub struct Emu<S = RunningServer> {
    pub server: S,
    pub client: reqwest::Client,
    pub sandbox: String,
}

/// A client of an emulator known by its origin, `http://127.0.0.1:PORT`.
pub type Remote = Emu<String>;

/// Where an emulator answers.
pub trait Origin {
    /// `http://127.0.0.1:PORT`.
    fn origin(&self) -> String;
}

impl Origin for RunningServer {
    fn origin(&self) -> String {
        self.url()
    }
}

impl Origin for String {
    fn origin(&self) -> String {
        self.clone()
    }
}

impl Emu {
    pub async fn start() -> Emu {
        Emu::with(ServeArgs::ephemeral()).await
    }

    pub async fn with(args: ServeArgs) -> Emu {
        Emu {
            server: start_emulator(args).await,
            client: http_client(),
            sandbox: "prod".into(),
        }
    }
}

impl Remote {
    pub fn new(origin: &str) -> Remote {
        Emu {
            server: origin.to_string(),
            client: http_client(),
            sandbox: "prod".into(),
        }
    }
}

/// Paths are relative to `/data/core/xcore` unless they are absolute URLs or start with `/_`,
/// `/ims` or `/data/`.
impl<S: Origin> Emu<S> {
    pub fn container(&self) -> String {
        container_id(&self.sandbox)
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else if ["/_", "/ims", "/data/"].iter().any(|p| path.starts_with(p)) {
            format!("{}{path}", self.server.origin())
        } else {
            format!(
                "{}{}{path}",
                self.server.origin(),
                offerctl::providers::adobe::serve::BASE
            )
        }
    }

    /// A request with valid gateway headers, in this client's sandbox.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.req_in(&self.sandbox, method, path)
    }

    /// A request with valid gateway headers, in `sandbox`.
    pub fn req_in(&self, sandbox: &str, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(TOKEN)
            .header("x-api-key", API_KEY)
            .header("x-gw-ims-org-id", ORG)
            .header("x-sandbox-name", sandbox)
    }

    pub fn instances(&self) -> String {
        format!("/{}/instances", self.container())
    }

    pub fn instance(&self, id: &str) -> String {
        format!("/{}/instances/{id}", self.container())
    }

    /// POST with the HAL envelope; returns the raw response.
    pub async fn post(&self, kind: Kind, instance: Value) -> Response {
        self.req(Method::POST, &self.instances())
            .header(
                "content-type",
                format!("{HAL}; schema=\"{}\"", kind.schema_id()),
            )
            .json(&json!({"_instance": instance, "_links": {}}))
            .send()
            .await
            .expect("request")
    }

    /// Creates an instance, asserting 201; returns the receipt.
    pub async fn create(&self, kind: Kind, instance: Value) -> Value {
        let response = self.post(kind, instance.clone()).await;
        let status = response.status();
        let body: Value = response.json().await.expect("json receipt");
        assert_eq!(
            status,
            StatusCode::CREATED,
            "creating {kind} {instance}: {body}"
        );
        body
    }

    pub async fn get(&self, instance_id: &str) -> (StatusCode, Value) {
        let response = self
            .req(Method::GET, &self.instance(instance_id))
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    pub async fn patch(&self, instance_id: &str, ops: Value, if_match: Option<&str>) -> Response {
        let mut request = self
            .req(Method::PATCH, &self.instance(instance_id))
            .header("content-type", PATCH_HAL)
            .body(ops.to_string());
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        request.send().await.expect("request")
    }

    /// A JSON Patch by someone else, without If-Match (as the product UI sends it after
    /// reading the object), asserting success.
    pub async fn patch_unconditionally(&self, instance_id: &str, ops: Value) {
        let response = self.patch(instance_id, ops, None).await;
        let status = response.status();
        assert!(
            status.is_success(),
            "patch behind the back: {status} {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Changes the live object `kind`/`name` behind offerctl's back, as someone in the product
    /// UI would.
    pub async fn patch_behind_the_back(&self, kind: Kind, name: &str, ops: Value) {
        let found = self
            .list_all(kind, "&limit=500")
            .await
            .into_iter()
            .find(|o| o["_instance"]["xdm:name"] == name)
            .expect("object exists");
        self.patch_unconditionally(found["instanceId"].as_str().expect("an instanceId"), ops)
            .await;
    }

    pub async fn delete(&self, instance_id: &str) -> Response {
        self.req(Method::DELETE, &self.instance(instance_id))
            .send()
            .await
            .expect("request")
    }

    /// GET a path, asserting 200.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.req(Method::GET, path).send().await.expect("request");
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// A GET, sent again while the emulator answers with an injected 503 or 429 (an inspection
    /// must see through the faults it checks offerctl against).
    pub async fn get_through_faults(&self, path: &str) -> Response {
        for _ in 0..100 {
            let response = self
                .req(Method::GET, path)
                .send()
                .await
                .expect("GET request");
            match response.status().as_u16() {
                503 => tokio::time::sleep(Duration::from_millis(10)).await,
                429 => tokio::time::sleep(Duration::from_millis(1000)).await,
                _ => return response,
            }
        }
        panic!("GET {path}: the emulator kept refusing");
    }

    /// Every instance of `kind` (`extra` is added to the first page's query), following `next`
    /// links and seeing through injected faults.
    pub async fn list_all(&self, kind: Kind, extra: &str) -> Vec<Value> {
        let mut path = format!("{}?schema={}{extra}", self.instances(), kind.schema_id());
        let mut out = Vec::new();
        loop {
            let response = self.get_through_faults(&path).await;
            let status = response.status();
            let page: Value = response.json().await.expect("a JSON page");
            assert_eq!(status, StatusCode::OK, "listing {kind}: GET {path}: {page}");
            out.extend(results(&page));
            match page["_links"]["next"]["href"].as_str() {
                Some(next) if next.starts_with("http") => path = next.to_string(),
                Some(next) => path = format!("/{}", next.trim_start_matches('/')),
                None => return out,
            }
        }
    }

    /// Everything live, kind by kind.
    pub async fn live(&self) -> Live {
        let mut objects = Vec::new();
        for kind in Kind::ALL {
            for envelope in self.list_all(kind, "&limit=500").await {
                objects.push((kind, envelope));
            }
        }
        Live { objects }
    }

    /// `/_emulator/stats`: requests counted `byMethod`, `byRoute`, `byStatus`, ...
    pub async fn stats(&self) -> Value {
        self.client
            .get(self.url("/_emulator/stats"))
            .send()
            .await
            .expect("stats request")
            .json()
            .await
            .expect("stats JSON")
    }
}

/// A counter of `/_emulator/stats` (`section` `byStatus`, `byMethod` or `byRoute`), 0 when
/// absent.
pub fn stat(stats: &Value, section: &str, key: &str) -> u64 {
    stats[section][key].as_u64().unwrap_or(0)
}

pub const LIST_ROUTE: &str = "GET /data/core/xcore/{containerId}/instances";
pub const READ_ROUTE: &str = "GET /data/core/xcore/{containerId}/instances/{instanceId}";
pub const CREATE_ROUTE: &str = "POST /data/core/xcore/{containerId}/instances";
pub const TOKEN_ROUTE: &str = "POST /ims/token/v3";

/// The live objects of one moment.
pub struct Live {
    pub objects: Vec<(Kind, Value)>,
}

impl Live {
    pub fn count(&self) -> usize {
        self.objects.len()
    }

    pub fn name(envelope: &Value) -> &str {
        envelope["_instance"]["xdm:name"].as_str().unwrap_or("")
    }

    /// `Kind/name` of every name that exists more than once within its kind.
    pub fn duplicates(&self) -> Vec<String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (kind, envelope) in &self.objects {
            *seen
                .entry(format!("{kind}/{}", Live::name(envelope)))
                .or_default() += 1;
        }
        seen.into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(address, n)| format!("{address} ×{n}"))
            .collect()
    }

    /// Every envelope by the id a write receipt names it with: its `instanceId` (XCore
    /// receipts) and its `@id` (DPS receipts, whose objects are addressed by `@id`).
    pub fn by_receipt_id(&self) -> HashMap<&str, &Value> {
        self.objects
            .iter()
            .flat_map(|(_, e)| {
                [e["instanceId"].as_str(), e["_instance"]["@id"].as_str()]
                    .into_iter()
                    .flatten()
                    .map(move |id| (id, e))
            })
            .collect()
    }

    pub fn find(&self, kind: Kind, name: &str) -> Option<&Value> {
        self.objects
            .iter()
            .find(|(k, e)| *k == kind && Live::name(e) == name)
            .map(|(_, e)| e)
    }

    pub fn count_of(&self, kind: Kind) -> usize {
        self.objects.iter().filter(|(k, _)| *k == kind).count()
    }
}

/// The results of a list page.
pub fn results(page: &Value) -> Vec<Value> {
    page["_embedded"]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

pub fn id(receipt: &Value) -> String {
    receipt["instanceId"]
        .as_str()
        .expect("an instanceId")
        .to_string()
}

pub fn uri(receipt: &Value) -> String {
    receipt["@id"].as_str().expect("an @id").to_string()
}

pub fn placement(name: &str) -> Value {
    json!({
        "xdm:name": name,
        "xdm:channel": "https://ns.adobe.com/xdm/channels/web",
        "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-html",
    })
}

pub fn representation(placement_uri: &str) -> Value {
    json!({
        "xdm:placement": placement_uri,
        "xdm:components": [{
            "@type": "https://ns.adobe.com/experience/offer-management/content-component-html",
            "dc:format": "text/html",
            "dc:language": ["en"],
        }],
    })
}

pub fn offer(name: &str, placement_uri: &str) -> Value {
    json!({
        "xdm:name": name,
        "xdm:status": "draft",
        "xdm:representations": [representation(placement_uri)],
    })
}

pub fn tag(name: &str) -> Value {
    json!({"xdm:name": name})
}

/// The violated property pointers of a 422 body.
pub fn violated(body: &Value) -> Vec<String> {
    body["violations"]
        .as_array()
        .map(|v| {
            v.iter()
                .filter_map(|v| v["property"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// What becomes of a [`ServeProcess`]'s log (stderr).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Log {
    /// `-q`, and stderr drained in the background.
    Quiet,
    /// Kept for [`ServeProcess::terminate`]; the arguments choose the level (such as `-v`).
    Kept,
}

/// A real `offerctl serve` process on loopback, so that it can be SIGTERMed or SIGKILLed.
pub struct ServeProcess {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub port: u16,
}

impl ServeProcess {
    /// Starts `offerctl serve --listen 127.0.0.1:PORT ARGS...` (port 0: any free one) and waits
    /// for its address; stdout is drained in the background. Starting on a given port retries
    /// briefly while the port is still held by a process that was just killed.
    pub fn spawn(port: u16, args: &[&str], log: Log) -> ServeProcess {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match ServeProcess::try_spawn(port, args, log) {
                Ok(process) => return process,
                Err(message) if Instant::now() < deadline && port != 0 => {
                    eprintln!("serve did not start yet ({message}); trying again");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(message) => panic!("offerctl serve did not start: {message}"),
            }
        }
    }

    fn try_spawn(port: u16, args: &[&str], log: Log) -> Result<ServeProcess, String> {
        let mut command = Command::new(env!("CARGO_BIN_EXE_offerctl"));
        if log == Log::Quiet {
            command.arg("-q");
        }
        let mut child = command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(args)
            .env_remove("OFFERCTL_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn offerctl serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(Ok(line)) => {
                    if let Some(rest) = line.split("listening on ").nth(1) {
                        break rest.trim_end_matches("/data/core/xcore/").to_string();
                    }
                }
                _ => {
                    let _ = child.wait();
                    let mut stderr = String::new();
                    if let Some(mut pipe) = child.stderr.take() {
                        let _ = pipe.read_to_string(&mut stderr);
                    }
                    return Err(stderr);
                }
            }
        };
        // Keep draining stdout (and a quiet stderr) so that the server never blocks on a full
        // pipe or writes into a closed one.
        std::thread::spawn(move || lines.for_each(drop));
        if log == Log::Quiet
            && let Some(stderr) = child.stderr.take()
        {
            std::thread::spawn(move || BufReader::new(stderr).lines().for_each(drop));
        }
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the address");
        Ok(ServeProcess { child, url, port })
    }

    /// Sends SIGTERM, waits for the exit and returns whether it succeeded plus all of stderr
    /// (empty unless [`Log::Kept`]).
    pub fn terminate(mut self) -> (bool, String) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let exit = self.child.wait().expect("wait");
        let mut stderr = String::new();
        if let Some(mut pipe) = self.child.stderr.take() {
            pipe.read_to_string(&mut stderr).expect("read stderr");
        }
        (exit.success(), stderr)
    }

    /// SIGKILL, and reap.
    pub fn kill9(mut self) {
        self.child.kill().expect("SIGKILL serve");
        self.child.wait().expect("reap serve");
    }
}

impl Drop for ServeProcess {
    /// A test that fails half-way must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
