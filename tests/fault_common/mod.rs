//! Shared harness of the `fault_*` tests: the real `offerctl` binary in a working directory
//! with a generated catalogue, run against an emulator (in-process, or a real `offerctl serve`
//! child process that can be SIGKILLed), and a direct API client to inspect what is live.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use offerctl::kind::Kind;
use offerctl::serve::{self, RunningServer, ServeArgs};
use reqwest::StatusCode;
use serde_json::Value;

pub const TOKEN: &str = "fault-token-5be1";
pub const API_KEY: &str = "fault-api-key-11";
pub const ORG: &str = "FAULT0RG@AdobeOrg";
pub const PATCH_HAL: &str = "application/vnd.adobe.platform.xcore.patch.hal+json";

/// How long a test waits for progress before it calls the system hung. A bound against a hang,
/// never a performance expectation.
pub const HANG: Duration = Duration::from_secs(120);

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

/// An in-process emulator.
pub async fn start_emulator(args: ServeArgs) -> RunningServer {
    serve::start(args).await.expect("the emulator starts")
}

/// A real `offerctl serve` process, so that it can be killed with SIGKILL.
pub struct ServeProcess {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    pub port: u16,
}

impl ServeProcess {
    /// Starts `offerctl serve --listen 127.0.0.1:PORT ARGS...` (port 0: any free one) and waits
    /// for its address. Starting on a given port retries briefly while the port is still held
    /// by a process that was just killed.
    pub fn spawn(port: u16, args: &[&str]) -> ServeProcess {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match ServeProcess::try_spawn(port, args) {
                Ok(process) => return process,
                Err(message) if Instant::now() < deadline && port != 0 => {
                    eprintln!("serve did not start yet ({message}); trying again");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(message) => panic!("offerctl serve did not start: {message}"),
            }
        }
    }

    fn try_spawn(port: u16, args: &[&str]) -> Result<ServeProcess, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_offerctl"))
            .args(["-q", "serve", "--listen", &format!("127.0.0.1:{port}")])
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
                        let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
                    }
                    return Err(stderr);
                }
            }
        };
        // Keep draining both pipes so that the server never blocks on a full one.
        std::thread::spawn(move || lines.for_each(drop));
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || BufReader::new(stderr).lines().for_each(drop));
        }
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port in the address");
        Ok(ServeProcess { child, url, port })
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

/// A direct client of the emulator's API, with valid gateway headers, for inspection.
#[derive(Clone)]
pub struct Api {
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(origin: &str) -> Api {
        Api {
            origin: origin.to_string(),
            http: reqwest::Client::new(),
        }
    }

    pub fn container(&self) -> String {
        offerctl::repository::container_id("prod")
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}{path}", self.origin, serve::BASE)
        };
        self.http
            .request(method, url)
            .bearer_auth(TOKEN)
            .header("x-api-key", API_KEY)
            .header("x-gw-ims-org-id", ORG)
    }

    /// A GET, sent again while the emulator answers with an injected 503 or 429 (the inspection
    /// must see through the faults it checks offerctl against).
    async fn get_through_faults(&self, path: &str) -> reqwest::Response {
        for _ in 0..100 {
            let response = self
                .request(reqwest::Method::GET, path)
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

    /// Every live instance of `kind`, following `next` links.
    pub async fn list_all(&self, kind: Kind) -> Vec<Value> {
        let mut path = format!(
            "/{}/instances?schema={}&limit=500",
            self.container(),
            kind.schema_id()
        );
        let mut out = Vec::new();
        loop {
            let response = self.get_through_faults(&path).await;
            let status = response.status();
            let page: Value = response.json().await.expect("a JSON page");
            assert_eq!(status, StatusCode::OK, "listing {kind}: {page}");
            out.extend(
                page["_embedded"]["results"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default(),
            );
            match page["_links"]["next"]["href"].as_str() {
                Some(next) => {
                    path = if next.starts_with("http") {
                        next.to_string()
                    } else {
                        format!("/{}", next.trim_start_matches('/'))
                    }
                }
                None => return out,
            }
        }
    }

    /// Everything live, kind by kind.
    pub async fn live(&self) -> Live {
        let mut objects = Vec::new();
        for kind in Kind::ALL {
            for envelope in self.list_all(kind).await {
                objects.push((kind, envelope));
            }
        }
        Live { objects }
    }

    pub async fn stats(&self) -> Value {
        self.http
            .get(format!("{}/_emulator/stats", self.origin))
            .send()
            .await
            .expect("stats request")
            .json()
            .await
            .expect("stats JSON")
    }

    /// A JSON Patch by someone else (no If-Match: as a UI would after reading the object).
    pub async fn patch(&self, instance_id: &str, ops: Value) {
        let response = self
            .request(
                reqwest::Method::PATCH,
                &format!("/{}/instances/{instance_id}", self.container()),
            )
            .header("content-type", PATCH_HAL)
            .body(ops.to_string())
            .send()
            .await
            .expect("patch request");
        let status = response.status();
        assert!(
            status.is_success(),
            "patch behind the back: {status} {}",
            response.text().await.unwrap_or_default()
        );
    }
}

/// A stats counter (`byStatus`, `byMethod`), 0 when absent.
pub fn stat(stats: &Value, section: &str, key: &str) -> u64 {
    stats[section][key].as_u64().unwrap_or(0)
}

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

    pub fn by_instance_id(&self) -> HashMap<&str, &Value> {
        self.objects
            .iter()
            .filter_map(|(_, e)| e["instanceId"].as_str().map(|id| (id, e)))
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

/// A working directory holding `offers.d/` and the environment to reach one emulator.
pub struct Workdir {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
    /// How many manifests `offers.d/` holds.
    pub manifests: usize,
}

impl Workdir {
    /// `offerctl generate --objects N --seed S --out offers.d` in a new directory, pointed at
    /// the emulator at `origin`.
    pub fn generated(objects: usize, seed: u64, origin: &str) -> Workdir {
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
            manifests: offerctl::generate::Shape::for_total(objects).total(),
        };
        workdir.point_at(origin);
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

    pub fn point_at(&mut self, origin: &str) {
        self.env = vec![
            ("OFFERCTL_ENDPOINT".into(), origin.to_string()),
            // The fault suite exercises the XCore client and facade (the e2e suite runs both).
            ("OFFERCTL_API".into(), "xcore".into()),
            ("OFFERCTL_ORG".into(), ORG.into()),
            ("OFFERCTL_API_KEY".into(), API_KEY.into()),
            ("OFFERCTL_ACCESS_TOKEN".into(), TOKEN.into()),
            ("OFFERCTL_SANDBOX".into(), "prod".into()),
        ];
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
    pub async fn run(&self, args: &[&str]) -> Run {
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
        let run = self.run(&["plan", "--output", "json"]).await;
        assert_eq!(run.code, 0, "plan failed: {}", run.all());
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("plan JSON: {e}: {}", run.all()))
    }

    /// Asserts that `plan --detailed-exitcode` reports no changes.
    pub async fn assert_plan_empty(&self) {
        let plan = self.run(&["plan", "--detailed-exitcode"]).await;
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

/// The addresses of the plan's changes with an action other than `no_op`.
pub fn planned(plan: &Value) -> BTreeMap<String, String> {
    plan["changes"]
        .as_array()
        .map(|changes| {
            changes
                .iter()
                .filter(|c| c["action"] != "no_op")
                .map(|c| {
                    (
                        c["address"].as_str().unwrap_or_default().to_string(),
                        c["action"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The complete lines of an apply journal (a line cut by a kill is ignored).
pub fn journal(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// Journal lines of writes the repository acknowledged: `finish` / `succeeded` creates and
/// updates, with their receipts.
pub fn acknowledged(lines: &[Value]) -> Vec<&Value> {
    lines
        .iter()
        .filter(|l| {
            l["event"] == "finish"
                && l["status"] == "succeeded"
                && (l["intent"] == "create" || l["intent"] == "update")
        })
        .collect()
}

/// Polls `check` until it holds; panics after [`HANG`].
pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let started = Instant::now();
    while !check() {
        assert!(started.elapsed() < HANG, "no progress for {HANG:?}: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A small deterministic generator (SplitMix64), so that a seed names a scenario.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `low..high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low).max(1)
    }
}

fn copy_dir(from: &Path, to: &Path) {
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
