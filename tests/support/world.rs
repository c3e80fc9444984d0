//! The `offerctl` binary in a working directory ([`Workdir`]: the sample catalogue or a
//! generated one) pointed at an emulator, and a [`World`] for one test: an in-process emulator
//! with such a directory.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

pub use offerctl::providers::adobe::config::Api;
use offerctl::providers::adobe::kind::Kind;
pub use offerctl::providers::serve::Spelling;
use offerctl::providers::serve::{RunningServer, ServeArgs};
use serde_json::{Value, json};

use super::client::serve_router;
use super::emulator::{API_KEY, ORG, Remote, TOKEN, start_emulator, stat};

/// Defines each test once per API: `name::xcore` and `name::dps`, both against the same
/// emulator build, so the whole suite runs over both facades without being copied. An
/// `#[ignore = "..."]` after the doc comment ignores both (the long fault variants).
#[macro_export]
macro_rules! for_both_apis {
    ($(
        $(#[doc = $doc:literal])*
        $(#[ignore = $why:literal])?
        async fn $name:ident($api:ident: Api) $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread")]
                $(#[ignore = $why])?
                async fn xcore() {
                    run(Api::Xcore).await
                }

                #[tokio::test(flavor = "multi_thread")]
                $(#[ignore = $why])?
                async fn dps() {
                    run(Api::Dps).await
                }

                async fn run($api: Api) $body
            }
        )*
    };
}

/// Defines each test once per API and per spelling of the emulator's answers (`offerctl
/// serve --spelling`): `name::xcore` and `name::dps` against the server that answers values as
/// written, `name::xcore_documented` and `name::dps_documented` against the one that respells
/// instants as the services' documentation shows.
#[macro_export]
macro_rules! for_both_apis_and_spellings {
    ($(
        $(#[doc = $doc:literal])*
        async fn $name:ident($api:ident: Api, $spelling:ident: Spelling) $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread")]
                async fn xcore() {
                    run(Api::Xcore, Spelling::Verbatim).await
                }

                #[tokio::test(flavor = "multi_thread")]
                async fn dps() {
                    run(Api::Dps, Spelling::Verbatim).await
                }

                #[tokio::test(flavor = "multi_thread")]
                async fn xcore_documented() {
                    run(Api::Xcore, Spelling::Documented).await
                }

                #[tokio::test(flavor = "multi_thread")]
                async fn dps_documented() {
                    run(Api::Dps, Spelling::Documented).await
                }

                async fn run($api: Api, $spelling: Spelling) $body
            }
        )*
    };
}

/// Defines each test once per spelling of the emulator's answers: `name::verbatim` and
/// `name::documented` (see [`for_both_apis_and_spellings`]).
#[macro_export]
macro_rules! for_both_spellings {
    ($(
        $(#[doc = $doc:literal])*
        async fn $name:ident($spelling:ident: Spelling) $body:block
    )*) => {
        $(
            $(#[doc = $doc])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                #[tokio::test(flavor = "multi_thread")]
                async fn verbatim() {
                    run(Spelling::Verbatim).await
                }

                #[tokio::test(flavor = "multi_thread")]
                async fn documented() {
                    run(Spelling::Documented).await
                }

                async fn run($spelling: Spelling) $body
            }
        )*
    };
}

/// Emulator settings that answer in `spelling`.
pub fn spelled(spelling: Spelling) -> ServeArgs {
    ServeArgs {
        spelling,
        ..ServeArgs::ephemeral()
    }
}

/// The repository root, where `offers.d/` and `examples/` live.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The outcome of one offerctl run.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("--- stdout\n{}--- stderr\n{}", self.stdout, self.stderr)
    }
}

/// A working directory holding `offers.d/` and the environment to reach one emulator.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
    /// How many manifests `offers.d/` holds.
    pub manifests: usize,
}

impl Workdir {
    /// A copy of the sample catalogue in a new directory, pointed at the emulator at `origin`
    /// through `api`.
    pub fn sample(origin: &str, api: Api) -> Workdir {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&root().join("offers.d"), &dir.path().join("offers.d"));
        let read = offerctl::sources::read(&dir.path().join("offers.d")).expect("the sample");
        let manifests = offerctl::check::check(&read.sources, offerctl::providers::builtin())
            .catalog
            .objects()
            .len();
        let mut workdir = Workdir {
            dir,
            env: Vec::new(),
            manifests,
        };
        workdir.point_at(origin, api);
        workdir
    }

    /// A new directory with nothing in it, pointed at no repository (for commands that read
    /// manifests only).
    pub fn empty() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("tempdir"),
            env: Vec::new(),
            manifests: 0,
        }
    }

    /// `offerctl generate --objects N --seed S --out offers.d` in a new directory, pointed at
    /// the emulator at `origin` through `api`.
    pub fn generated(objects: usize, seed: u64, origin: &str, api: Api) -> Workdir {
        let dir = tempfile::tempdir().expect("tempdir");
        let status = Command::new(env!("CARGO_BIN_EXE_offerctl"))
            .args(["-q", "generate", "--objects", &objects.to_string()])
            .args(["--seed", &seed.to_string(), "--out", "offers.d"])
            .current_dir(dir.path())
            .status()
            .expect("run offerctl generate");
        assert!(status.success(), "offerctl generate failed");
        let mut workdir = Workdir {
            dir,
            env: Vec::new(),
            manifests: offerctl::providers::adobe::generate::Shape::for_total(objects).total(),
        };
        workdir.point_at(origin, api);
        workdir
    }

    /// A second working directory with a copy of this one's manifests.
    pub fn copy(&self) -> Workdir {
        let dir = tempfile::tempdir().expect("tempdir");
        copy_dir(&self.path("offers.d"), &dir.path().join("offers.d"));
        Workdir {
            dir,
            env: self.env.clone(),
            manifests: self.manifests,
        }
    }

    /// Points offerctl at the emulator at `origin` (`http://127.0.0.1:PORT`) through `api`,
    /// with the harness's credentials, in `prod`.
    pub fn point_at(&mut self, origin: &str, api: Api) {
        self.env = vec![
            ("OFFERCTL_ENDPOINT".into(), origin.to_string()),
            ("OFFERCTL_API".into(), api.as_str().into()),
            ("OFFERCTL_ORG".into(), ORG.into()),
            ("OFFERCTL_API_KEY".into(), API_KEY.into()),
            ("OFFERCTL_ACCESS_TOKEN".into(), TOKEN.into()),
            ("OFFERCTL_SANDBOX".into(), "prod".into()),
        ];
    }

    /// Sets (or replaces) one of the environment variables offerctl runs with.
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.into(), value.into()));
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// `offerctl ARGS` in this directory, with only this directory's OFFERCTL_* settings.
    pub fn command(&self, args: &[&str]) -> Command {
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
        command
    }

    /// Runs offerctl to completion (off the async runtime's threads).
    pub async fn offerctl(&self, args: &[&str]) -> Run {
        let mut command = self.command(args);
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run offerctl");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Starts offerctl in the background, its output going to files in this directory (named
    /// after `label`), so that it can be killed mid-way.
    pub fn spawn(&self, label: &str, args: &[&str]) -> Child {
        let out = std::fs::File::create(self.path(&format!("{label}.stdout"))).expect("stdout");
        let err = std::fs::File::create(self.path(&format!("{label}.stderr"))).expect("stderr");
        self.command(args)
            .stdout(out)
            .stderr(err)
            .spawn()
            .expect("spawn offerctl")
    }

    /// The output of a [`Workdir::spawn`]ed run.
    pub fn output_of(&self, label: &str) -> String {
        let read = |ext: &str| {
            std::fs::read_to_string(self.path(&format!("{label}.{ext}"))).unwrap_or_default()
        };
        format!(
            "--- stdout\n{}--- stderr\n{}",
            read("stdout"),
            read("stderr")
        )
    }

    /// The plan as JSON (`plan --output json`).
    pub async fn plan_json(&self) -> Value {
        let run = self.offerctl(&["plan", "--output", "json"]).await;
        assert_eq!(run.code, 0, "plan failed: {}", run.all());
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("plan JSON: {e}: {}", run.all()))
    }

    /// Asserts that `plan --detailed-exitcode` reports no changes.
    pub async fn assert_plan_empty(&self) {
        let plan = self.offerctl(&["plan", "--detailed-exitcode"]).await;
        assert_eq!(plan.code, 0, "the next plan must be empty: {}", plan.all());
    }

    /// Replaces text in a manifest file (the edit must apply).
    pub fn edit(&self, file: &str, from: &str, to: &str) {
        let path = self.path(file);
        let text = std::fs::read_to_string(&path).expect("read manifest");
        assert!(text.contains(from), "{file} does not contain {from:?}");
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write manifest");
    }
}

/// A world for one test: an in-process emulator, and a [`Workdir`] with a copy of the sample
/// catalogue whose offerctl talks to it through `api` (a `World` is also that `Workdir`).
pub struct World {
    pub api: Api,
    pub server: RunningServer,
    pub work: Workdir,
    /// Requests to the emulator behind offerctl's back.
    pub remote: Remote,
}

impl World {
    pub async fn start_for(api: Api) -> World {
        World::with_api(ServeArgs::ephemeral(), api).await
    }

    /// A world whose emulator answers in `spelling`.
    pub async fn spelled(api: Api, spelling: Spelling) -> World {
        World::with_api(spelled(spelling), api).await
    }

    pub async fn with_api(args: ServeArgs, api: Api) -> World {
        let server = start_emulator(args).await;
        let work = Workdir::sample(&server.url(), api);
        World {
            api,
            remote: Remote::new(&server.url()),
            server,
            work,
        }
    }

    pub async fn counts(&self) -> Counts {
        Counts {
            value: self.remote.stats().await,
        }
    }

    /// Every live instance of a kind, straight from the API (not through offerctl).
    pub async fn list(&self, kind: Kind) -> Vec<Value> {
        self.remote.list_all(kind, "&limit=500").await
    }

    /// Changes an object behind offerctl's back, as someone in the product UI would.
    pub async fn patch_behind_the_back(&self, kind: Kind, name: &str, ops: Value) {
        self.remote.patch_behind_the_back(kind, name, ops).await
    }
}

impl Deref for World {
    type Target = Workdir;

    fn deref(&self) -> &Workdir {
        &self.work
    }
}

impl DerefMut for World {
    fn deref_mut(&mut self) -> &mut Workdir {
        &mut self.work
    }
}

/// Requests counted by the emulator (`/_emulator/stats`), or since a point in time.
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    pub value: Value,
}

impl Counts {
    pub fn method(&self, method: &str) -> u64 {
        stat(&self.value, "byMethod", method)
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

    /// Writes (any method but GET) through one API's routes: which facade a run really used.
    pub fn writes_through(&self, api: Api) -> u64 {
        let prefix = format!("/data/core/{}/", api.as_str());
        self.routes(|r| {
            r.split_once(' ')
                .is_some_and(|(method, path)| method != "GET" && path.starts_with(&prefix))
        })
    }

    pub fn since(&self, earlier: &Counts) -> Counts {
        let mut value = self.value.clone();
        for section in ["byMethod", "byRoute", "byStatus"] {
            if let Some(map) = value[section].as_object_mut() {
                for (key, n) in map.iter_mut() {
                    let before = stat(&earlier.value, section, key);
                    *n = json!(n.as_u64().unwrap_or(0) - before);
                }
            }
        }
        Counts { value }
    }
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
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
        let client = super::emulator::http_client();
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
        let (url, task) = serve_router(axum::Router::new().fallback(forward)).await;
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
