//! A world for one test: an emulator, a working directory with a copy of the sample catalogue,
//! and a way to run the offerctl binary against them.

use std::path::{Path, PathBuf};
use std::process::Command;

pub use offerctl::config::Api;
use offerctl::serve::{self, RunningServer, ServeArgs};
use serde_json::{Value, json};

pub const TOKEN: &str = "e2e-token-d6f1c0ffee";
pub const API_KEY: &str = "e2e-api-key-7781";
pub const ORG: &str = "E2E0RG@AdobeOrg";

/// Defines each test once per API: `name::xcore` and `name::dps`, both against the same
/// emulator build, so the whole suite runs over both facades without being copied.
#[macro_export]
macro_rules! for_both_apis {
    ($(
        $(#[doc = $doc:literal])*
        async fn $name:ident($api:ident: Api) $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread")]
                async fn xcore() {
                    run(Api::Xcore).await
                }

                #[tokio::test(flavor = "multi_thread")]
                async fn dps() {
                    run(Api::Dps).await
                }

                async fn run($api: Api) $body
            }
        )*
    };
}

pub struct World {
    pub api: Api,
    pub server: RunningServer,
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
    http: reqwest::Client,
}

/// The result of running offerctl.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Requests counted by the emulator since a point in time.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    pub value: Value,
}

impl Counts {
    pub fn method(&self, method: &str) -> u64 {
        self.value["byMethod"][method].as_u64().unwrap_or(0)
    }

    pub fn writes(&self) -> u64 {
        ["POST", "PUT", "PATCH", "DELETE"]
            .iter()
            .map(|m| self.method(m))
            .sum()
    }

    fn routes(&self, wanted: impl Fn(&str) -> bool) -> u64 {
        self.value["byRoute"]
            .as_object()
            .map(|routes| {
                routes
                    .iter()
                    .filter(|(route, _)| wanted(route))
                    .map(|(_, n)| n.as_u64().unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0)
    }

    /// GETs of single objects, through either API (a reconciler should never need them).
    pub fn single_gets(&self) -> u64 {
        self.routes(|r| {
            r.starts_with("GET ") && (r.ends_with("/{instanceId}") || r.ends_with("/{id}"))
        })
    }

    /// GETs of list pages, through either API.
    pub fn list_gets(&self) -> u64 {
        self.routes(|r| {
            r == "GET /data/core/xcore/{containerId}/instances"
                || (r.starts_with("GET /data/core/dps/") && !r.ends_with('}'))
        })
    }

    pub fn since(&self, earlier: &Counts) -> Counts {
        let mut value = self.value.clone();
        for section in ["byMethod", "byRoute", "byStatus"] {
            if let Some(map) = value[section].as_object_mut() {
                for (key, n) in map.iter_mut() {
                    let before = earlier.value[section][key].as_u64().unwrap_or(0);
                    *n = json!(n.as_u64().unwrap_or(0) - before);
                }
            }
        }
        Counts { value }
    }
}

impl World {
    /// A world whose offerctl talks to the emulator through `api`.
    pub async fn start_for(api: Api) -> World {
        World::with_api(ServeArgs::ephemeral(), api).await
    }

    pub async fn with_api(args: ServeArgs, api: Api) -> World {
        let server = serve::start(args).await.expect("the emulator starts");
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("offers.d"), &dir.path().join("offers.d"));
        let env = vec![
            ("OFFERCTL_ENDPOINT".into(), server.url()),
            ("OFFERCTL_ORG".into(), ORG.into()),
            ("OFFERCTL_API_KEY".into(), API_KEY.into()),
            ("OFFERCTL_ACCESS_TOKEN".into(), TOKEN.into()),
            ("OFFERCTL_SANDBOX".into(), "prod".into()),
            ("OFFERCTL_API".into(), api.as_str().into()),
        ];
        World {
            api,
            server,
            dir,
            env,
            http: reqwest::Client::new(),
        }
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Runs offerctl in the world's directory with the world's environment.
    pub async fn offerctl(&self, args: &[&str]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_offerctl"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1");
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OFFERCTL_")) {
            command.env_remove(key);
        }
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .unwrap()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    pub async fn counts(&self) -> Counts {
        let value = self
            .http
            .get(format!("{}/_emulator/stats", self.server.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Counts { value }
    }

    /// Replaces text in a manifest file (the edit must apply).
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.path(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(
                method,
                format!("{}{}{path}", self.server.url(), serve::BASE),
            )
            .bearer_auth(TOKEN)
            .header("x-api-key", API_KEY)
            .header("x-gw-ims-org-id", ORG)
    }

    /// Every live instance of a kind, straight from the API (not through offerctl).
    pub async fn list(&self, kind: offerctl::kind::Kind) -> Vec<Value> {
        let container = self.server.container_id("prod");
        let url = format!(
            "/{container}/instances?schema={}&limit=500",
            kind.schema_id()
        );
        let page: Value = self
            .request(reqwest::Method::GET, &url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(page["_links"]["next"].is_null(), "test lists fit one page");
        page["_embedded"]["results"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Changes an object behind offerctl's back, as someone in the product UI would.
    pub async fn patch_behind_the_back(&self, kind: offerctl::kind::Kind, name: &str, ops: Value) {
        let found = self
            .list(kind)
            .await
            .into_iter()
            .find(|o| o["_instance"]["xdm:name"] == name)
            .expect("object exists");
        let container = self.server.container_id("prod");
        let response = self
            .request(
                reqwest::Method::PATCH,
                &format!(
                    "/{container}/instances/{}",
                    found["instanceId"].as_str().unwrap()
                ),
            )
            .header(
                "content-type",
                "application/vnd.adobe.platform.xcore.patch.hal+json",
            )
            .json(&ops)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{}",
            response.text().await.unwrap()
        );
    }
}

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// One request as it crossed the recording proxy.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub if_match: Option<String>,
    pub body: Vec<u8>,
}

/// A loopback proxy in front of the emulator that keeps every request, to check what offerctl
/// put on the wire (the emulator only counts requests).
pub struct Recorder {
    pub url: String,
    pub requests: std::sync::Arc<std::sync::Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Recorder {
    pub async fn start(target: String) -> Recorder {
        use axum::body::Body;
        use axum::extract::Request;
        use axum::response::Response;

        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let kept = requests.clone();
        let client = reqwest::Client::new();
        let forward = move |request: Request| {
            let kept = kept.clone();
            let client = client.clone();
            let target = target.clone();
            async move {
                let (parts, body) = request.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
                let header = |name: &str| {
                    parts
                        .headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string)
                };
                kept.lock().unwrap().push(Recorded {
                    method: parts.method.to_string(),
                    path: parts.uri.path().to_string(),
                    query: parts.uri.query().map(str::to_string),
                    content_type: header("content-type"),
                    if_match: header("if-match"),
                    body: body.to_vec(),
                });
                let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                let mut outgoing = client
                    .request(parts.method.clone(), format!("{target}{path}"))
                    .body(body.to_vec());
                for (name, value) in &parts.headers {
                    if !matches!(name.as_str(), "host" | "content-length" | "connection") {
                        outgoing = outgoing.header(name, value);
                    }
                }
                let answer = outgoing.send().await.unwrap();
                let mut response = Response::builder().status(answer.status());
                for (name, value) in answer.headers() {
                    if !matches!(
                        name.as_str(),
                        "content-length" | "transfer-encoding" | "connection"
                    ) {
                        response = response.header(name, value);
                    }
                }
                let bytes = answer.bytes().await.unwrap();
                response.body(Body::from(bytes)).unwrap()
            }
        };
        let app = axum::Router::new().fallback(forward);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Recorder {
            url,
            requests,
            task,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl World {
    /// Sets (or replaces) one of the environment variables offerctl runs with.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }
}
