//! A world for one test: an emulator, a working directory with a copy of the sample catalogue,
//! and a way to run the offerctl binary against them.

use std::path::{Path, PathBuf};
use std::process::Command;

use offerctl::serve::{self, RunningServer, ServeArgs};
use serde_json::{Value, json};

pub const TOKEN: &str = "e2e-token-d6f1c0ffee";
pub const API_KEY: &str = "e2e-api-key-7781";
pub const ORG: &str = "E2E0RG@AdobeOrg";

pub struct World {
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

    /// GETs of single instances (a reconciler should never need them).
    pub fn single_gets(&self) -> u64 {
        self.value["byRoute"]["GET /data/core/xcore/{containerId}/instances/{instanceId}"]
            .as_u64()
            .unwrap_or(0)
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
    pub async fn start() -> World {
        World::with(ServeArgs::ephemeral()).await
    }

    pub async fn with(args: ServeArgs) -> World {
        let server = serve::start(args).await.expect("the emulator starts");
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&root().join("offers.d"), &dir.path().join("offers.d"));
        let env = vec![
            ("OFFERCTL_ENDPOINT".into(), server.url()),
            ("OFFERCTL_ORG".into(), ORG.into()),
            ("OFFERCTL_API_KEY".into(), API_KEY.into()),
            ("OFFERCTL_ACCESS_TOKEN".into(), TOKEN.into()),
            ("OFFERCTL_SANDBOX".into(), "prod".into()),
        ];
        World {
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
