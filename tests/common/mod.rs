//! Shared harness for the `serve_*` integration tests: an in-process emulator on an ephemeral
//! loopback port and a client that sends the gateway headers; or the real binary.
#![allow(dead_code)]

pub mod catalogue;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};

use offerctl::kind::Kind;
use offerctl::serve::{self, RunningServer, ServeArgs};
use reqwest::{Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};

pub const HAL: &str = "application/vnd.adobe.platform.xcore.hal+json";
pub const PATCH_HAL: &str = "application/vnd.adobe.platform.xcore.patch.hal+json";

pub struct Emu {
    pub server: RunningServer,
    pub client: reqwest::Client,
    pub sandbox: String,
}

impl Emu {
    pub async fn start() -> Emu {
        Emu::with(ServeArgs::ephemeral()).await
    }

    pub async fn with(args: ServeArgs) -> Emu {
        let server = serve::start(args).await.expect("the emulator starts");
        Emu {
            server,
            client: reqwest::Client::new(),
            sandbox: "prod".into(),
        }
    }

    pub fn container(&self) -> String {
        self.server.container_id(&self.sandbox)
    }

    /// An absolute URL for a path relative to `/data/core/xcore` (or absolute if it starts
    /// with `/_` or `/ims`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("/_") || path.starts_with("/ims") {
            format!("{}{path}", self.server.url())
        } else {
            format!("{}{}{path}", self.server.url(), serve::BASE)
        }
    }

    /// A request with valid gateway headers, in this harness's sandbox.
    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.req_in(&self.sandbox, method, path)
    }

    /// A request with valid gateway headers, in `sandbox`.
    pub fn req_in(&self, sandbox: &str, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth("test-token")
            .header("x-api-key", "test-client")
            .header("x-gw-ims-org-id", "TEST@AdobeOrg")
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

    pub async fn delete(&self, instance_id: &str) -> Response {
        self.req(Method::DELETE, &self.instance(instance_id))
            .send()
            .await
            .expect("request")
    }

    /// GET a path relative to `/data/core/xcore`, asserting 200.
    pub async fn get_json(&self, path: &str) -> Value {
        let response = self.req(Method::GET, path).send().await.expect("request");
        let status = response.status();
        let body: Value = response.json().await.expect("json");
        assert_eq!(status, StatusCode::OK, "GET {path}: {body}");
        body
    }

    /// Lists every instance of `kind` by following `next` links; returns the instances.
    pub async fn list_all(&self, kind: Kind, extra: &str) -> Vec<Value> {
        let mut path = format!("{}?schema={}{extra}", self.instances(), kind.schema_id());
        let mut out = Vec::new();
        loop {
            let page = self.get_json(&path).await;
            out.extend(results(&page));
            match page["_links"]["next"]["href"].as_str() {
                Some(next) => path = next.to_string(),
                None => return out,
            }
        }
    }

    pub async fn stats(&self) -> Value {
        self.client
            .get(self.url("/_emulator/stats"))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("json")
    }
}

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

/// The `offerctl serve` binary on an ephemeral loopback port.
pub struct Process {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

/// Starts `offerctl serve --listen 127.0.0.1:0 ARGS...` and waits for its address. Stdout is
/// drained in the background; stderr is kept for [`Process::stderr`] when `capture_stderr`.
pub async fn spawn_server_with(args: &[&str], capture_stderr: bool) -> Process {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_offerctl"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(if capture_stderr {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .spawn()
            .expect("spawn offerctl serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            let line = lines
                .next()
                .expect("the server prints its address before anything else")
                .expect("read stdout");
            if let Some(rest) = line.split("listening on ").nth(1) {
                break rest.trim_end_matches("/data/core/xcore/").to_string();
            }
        };
        // Keep draining stdout so the server never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Process { child, url }
    })
    .await
    .expect("spawn task")
}

pub async fn spawn_server(args: &[&str]) -> Process {
    spawn_server_with(args, false).await
}

impl Process {
    /// Sends SIGTERM, waits for the exit and returns whether it succeeded plus all of stderr.
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
}

impl Drop for Process {
    /// A test that fails half-way must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
