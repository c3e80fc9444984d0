//! `offerctl.yaml` read once: its top-level settings, its `environments:` and
//! `defaultEnvironment:`, and the settings of one environment as the providers see them (the
//! environment's keys over the top level's).

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::source::SourceFile;
use crate::yaml::{self, Entry, Node, Resolved, Value};

/// Keys the core reads; every other key is a provider's setting.
pub const ENVIRONMENTS: &str = "environments";
pub const DEFAULT_ENVIRONMENT: &str = "defaultEnvironment";
pub const SECRETS: &str = "secrets";
pub const VARS: &str = "vars";
pub const OVERLAYS: &str = "overlays";

/// The configuration file as written: where it is, and its entries with their spans.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    /// Where it was read from (`None`: no file).
    pub path: Option<PathBuf>,
    /// Its text, for locating problems (`file:line:column`).
    pub source: Option<SourceFile>,
    /// Top-level settings, without `environments:` and `defaultEnvironment:`.
    pub top: Vec<Entry>,
    /// Each environment's own settings, in file order.
    pub environments: Vec<EnvironmentBlock>,
    pub default_environment: Option<(String, Range<usize>)>,
}

#[derive(Debug, Clone)]
pub struct EnvironmentBlock {
    pub name: String,
    pub key_span: Range<usize>,
    pub entries: Vec<Entry>,
}

/// One environment's settings: the file's top level with the environment's keys over it.
/// Mappings (a provider's section, `vars:`, `secrets:`) merge key by key; anything else is
/// replaced whole.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub entries: Vec<Entry>,
}

/// What the core takes from a [`Layer`]: the environment's name, secrets, variables and
/// overlay directories. The remaining entries are the providers'.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Environment {
    /// `None` when the file defines no environments.
    pub name: Option<String>,
    /// Secret key (`accessToken`) → the environment variable holding it.
    pub secrets: BTreeMap<String, String>,
    /// Values of `${{ vars.NAME }}`; `None` when manifests are read as written (no
    /// environments and no `vars:`).
    pub vars: Option<BTreeMap<String, String>>,
    /// Overlay directories, relative paths resolved against the file's directory.
    pub overlays: Vec<PathBuf>,
}

impl ConfigFile {
    /// Parses the file's text; `display` names it in messages. Every problem is reported at
    /// once, each as `file:line:column: message`.
    pub fn parse(display: &str, text: &str) -> Result<ConfigFile, Vec<String>> {
        let source = SourceFile::new(display, text);
        let at = |span: &Range<usize>| locate(&source, span);
        let stream = yaml::parse(text);
        if let Some(error) = &stream.error {
            return Err(vec![format!("{}: {}", at(&error.span), error.message)]);
        }
        let mut config = ConfigFile {
            source: Some(source.clone()),
            ..ConfigFile::default()
        };
        let Some(document) = stream.documents.first() else {
            return Ok(config);
        };
        let mut problems = Vec::new();
        if let Some(second) = stream.documents.get(1) {
            problems.push(format!(
                "{}: the configuration file must hold a single YAML document",
                at(&second.root.span)
            ));
        }
        for (key, _, again) in &document.duplicate_keys {
            problems.push(format!("{}: `{key}` is given twice", at(again)));
        }
        let root = &document.root;
        let entries = match &root.value {
            _ if root.is_null() => Vec::new(),
            Value::Map(entries) => entries.clone(),
            _ => {
                return Err(vec![format!(
                    "{}: the configuration file must be a mapping of settings (`endpoint: https://platform.adobe.io`...), found {}",
                    at(&root.span),
                    root.describe()
                )]);
            }
        };
        for entry in entries {
            match entry.key.as_str() {
                ENVIRONMENTS => match &entry.value.value {
                    _ if entry.value.is_null() => {}
                    Value::Map(blocks) => {
                        for block in blocks {
                            config.environment_block(block, &at, &mut problems);
                        }
                    }
                    _ => problems.push(format!(
                        "{}: `environments` must be a mapping from environment name to its settings, found {}",
                        at(&entry.value.span),
                        entry.value.describe()
                    )),
                },
                DEFAULT_ENVIRONMENT => match text_of(&entry.value) {
                    Some(name) => {
                        config.default_environment = Some((name, entry.value.span.clone()))
                    }
                    None => problems.push(format!(
                        "{}: `defaultEnvironment` must name an environment, found {}",
                        at(&entry.value.span),
                        entry.value.describe()
                    )),
                },
                _ => config.top.push(entry),
            }
        }
        if let Some((name, span)) = &config.default_environment
            && !config.environments.iter().any(|e| &e.name == name)
        {
            problems.push(format!(
                "{}: `defaultEnvironment` names `{name}`, which `environments` does not define{}",
                at(span),
                config.known_list()
            ));
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    fn environment_block(
        &mut self,
        block: &Entry,
        at: &impl Fn(&Range<usize>) -> String,
        problems: &mut Vec<String>,
    ) {
        let name = block.key.clone();
        if !valid_name(&name) {
            problems.push(format!(
                "{}: environment name `{name}` must be letters, digits, `-` or `_` (it names a directory)",
                at(&block.key_span)
            ));
            return;
        }
        let entries = match &block.value.value {
            _ if block.value.is_null() => Vec::new(),
            Value::Map(entries) => entries.clone(),
            _ => {
                problems.push(format!(
                    "{}: environment `{name}` must be a mapping of settings, found {}",
                    at(&block.value.span),
                    block.value.describe()
                ));
                return;
            }
        };
        for entry in &entries {
            if matches!(entry.key.as_str(), ENVIRONMENTS | DEFAULT_ENVIRONMENT) {
                problems.push(format!(
                    "{}: `{}` belongs at the top level of the file, not inside environment `{name}`",
                    at(&entry.key_span),
                    entry.key
                ));
            }
        }
        self.environments.push(EnvironmentBlock {
            name,
            key_span: block.key_span.clone(),
            entries,
        });
    }

    /// Whether the file defines environments.
    pub fn has_environments(&self) -> bool {
        !self.environments.is_empty()
    }

    pub fn names(&self) -> Vec<&str> {
        self.environments.iter().map(|e| e.name.as_str()).collect()
    }

    fn known_list(&self) -> String {
        if self.environments.is_empty() {
            " (it defines none)".to_string()
        } else {
            format!("; environments: {}", self.names().join(", "))
        }
    }

    /// `file:line:column` of a span of this file.
    pub fn locate(&self, span: &Range<usize>) -> String {
        match &self.source {
            Some(source) => locate(source, span),
            None => "offerctl.yaml".to_string(),
        }
    }

    /// The directory relative paths of the file are resolved against.
    pub fn base_dir(&self) -> &Path {
        self.path
            .as_deref()
            .and_then(Path::parent)
            .unwrap_or(Path::new(""))
    }

    /// The settings of environment `name` (the top level alone for `None`).
    ///
    /// # Panics
    /// When `name` is not an environment of this file: callers select names from
    /// [`ConfigFile::names`].
    pub fn layer(&self, name: Option<&str>) -> Layer {
        let mut entries: Vec<Entry> = self.top.clone();
        if let Some(name) = name {
            let block = self
                .environments
                .iter()
                .find(|e| e.name == name)
                .unwrap_or_else(|| panic!("environment `{name}` selected but not defined"));
            for own in &block.entries {
                match entries.iter_mut().find(|e| e.key == own.key) {
                    Some(inherited) => merge_setting(inherited, own),
                    None => entries.push(own.clone()),
                }
            }
        }
        Layer { entries }
    }

    /// The core's part of environment `name`'s settings, checked. `secret_keys` are the
    /// secrets the providers take (`accessToken`, ...).
    pub fn environment(
        &self,
        name: Option<&str>,
        secret_keys: &[&str],
    ) -> Result<(Environment, Layer), Vec<String>> {
        let layer = self.layer(name);
        let mut problems = Vec::new();
        let mut environment = Environment {
            name: name.map(str::to_string),
            ..Environment::default()
        };
        let mut providers = Vec::new();
        let mut overlays_given = false;
        for entry in &layer.entries {
            let here = self.locate(&entry.value.span);
            match entry.key.as_str() {
                SECRETS => {
                    for (key, value) in self.string_map(entry, &mut problems) {
                        if !secret_keys.contains(&key.as_str()) {
                            problems.push(format!(
                                "{here}: `secrets.{key}` is not a secret offerctl reads; secrets: {}",
                                secret_keys.join(", ")
                            ));
                        } else if !valid_variable(&value) {
                            problems.push(format!(
                                "{here}: `secrets.{key}` must name an environment variable (letters, digits and `_`), found {value:?}; secrets are never written in the file"
                            ));
                        } else {
                            environment.secrets.insert(key, value);
                        }
                    }
                }
                VARS => {
                    environment.vars = Some(self.string_map(entry, &mut problems));
                }
                OVERLAYS => {
                    overlays_given = true;
                    match &entry.value.value {
                        _ if entry.value.is_null() => {}
                        Value::Seq(items) => {
                            for item in items {
                                match text_of(item) {
                                    Some(dir) => {
                                        environment.overlays.push(self.base_dir().join(dir))
                                    }
                                    None => problems.push(format!(
                                        "{}: each overlay must be a directory path, found {}",
                                        self.locate(&item.span),
                                        item.describe()
                                    )),
                                }
                            }
                        }
                        _ => problems.push(format!(
                            "{here}: `overlays` must be a list of directories, found {}",
                            entry.value.describe()
                        )),
                    }
                }
                _ => providers.push(entry.clone()),
            }
        }
        if let Some(name) = name {
            if !overlays_given {
                let default = self.base_dir().join("envs").join(name);
                if default.is_dir() {
                    environment.overlays.push(default);
                }
            }
            environment.vars.get_or_insert_with(BTreeMap::new);
        }
        if problems.is_empty() {
            Ok((environment, Layer { entries: providers }))
        } else {
            Err(problems)
        }
    }

    /// A mapping of names to text (`vars:`, `secrets:`); problems for anything else.
    fn string_map(&self, entry: &Entry, problems: &mut Vec<String>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        match &entry.value.value {
            _ if entry.value.is_null() => {}
            Value::Map(items) => {
                for item in items {
                    match text_of(&item.value) {
                        Some(text) => {
                            out.insert(item.key.clone(), text);
                        }
                        None => problems.push(format!(
                            "{}: `{}.{}` must be text, found {}",
                            self.locate(&item.value.span),
                            entry.key,
                            item.key,
                            item.value.describe()
                        )),
                    }
                }
            }
            _ => problems.push(format!(
                "{}: `{}` must be a mapping of names to text, found {}",
                self.locate(&entry.value.span),
                entry.key,
                entry.value.describe()
            )),
        }
        out
    }
}

/// An environment's value for a setting the top level has: mappings merge key by key (the
/// environment's keys win), anything else replaces.
fn merge_setting(inherited: &mut Entry, own: &Entry) {
    match (&mut inherited.value.value, &own.value.value) {
        (Value::Map(base), Value::Map(over)) => {
            for item in over {
                match base.iter_mut().find(|b| b.key == item.key) {
                    Some(existing) => *existing = item.clone(),
                    None => base.push(item.clone()),
                }
            }
        }
        _ => *inherited = own.clone(),
    }
}

fn locate(source: &SourceFile, span: &Range<usize>) -> String {
    let (line, column) = source.line_col(span.start);
    format!("{}:{line}:{column}", source.path)
}

/// A scalar's text (numbers and booleans as written); `None` for null, lists and mappings.
fn text_of(node: &Node) -> Option<String> {
    match &node.value {
        _ if node.is_null() => None,
        Value::Scalar(scalar) => Some(match scalar.resolve() {
            Resolved::Str(s) => s.to_string(),
            _ => scalar.text.clone(),
        }),
        _ => None,
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn valid_variable(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\
endpoint: https://platform.adobe.io
sandbox: dev
appcharge:
  endpoint: https://api-sandbox.appcharge.com
vars:
  cdn: cdn.example.com
environments:
  dev: {}
  prod:
    sandbox: prod
    appcharge:
      api: v2
    secrets:
      accessToken: PROD_ADOBE_TOKEN
    vars:
      cdn: cdn.prod.example.com
defaultEnvironment: dev
";

    fn value<'a>(layer: &'a Layer, key: &str) -> &'a Node {
        &layer.entries.iter().find(|e| e.key == key).unwrap().value
    }

    #[test]
    fn an_environment_inherits_the_top_level_and_overrides_key_by_key() {
        let config = ConfigFile::parse("offerctl.yaml", FILE).unwrap();
        assert_eq!(config.names(), ["dev", "prod"]);
        let (env, layer) = config
            .environment(Some("prod"), &["accessToken", "clientSecret"])
            .unwrap();
        assert_eq!(value(&layer, "sandbox").to_json(), "prod");
        assert_eq!(
            value(&layer, "appcharge").to_json(),
            serde_json::json!({"endpoint": "https://api-sandbox.appcharge.com", "api": "v2"})
        );
        assert_eq!(env.secrets["accessToken"], "PROD_ADOBE_TOKEN");
        assert_eq!(env.vars.unwrap()["cdn"], "cdn.prod.example.com");
        let (dev, layer) = config.environment(Some("dev"), &["accessToken"]).unwrap();
        assert_eq!(value(&layer, "sandbox").to_json(), "dev");
        assert_eq!(dev.vars.unwrap()["cdn"], "cdn.example.com");
        assert!(dev.secrets.is_empty());
    }

    #[test]
    fn problems_are_located() {
        let text = "environments:\n  prod:\n    secrets:\n      token: X\n  bad name: {}\ndefaultEnvironment: stage\n";
        let problems = ConfigFile::parse("c.yaml", text).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].starts_with("c.yaml:5:3: environment name `bad name`"));
        assert!(problems[1].contains("c.yaml:6:21: `defaultEnvironment` names `stage`"));
        let config = ConfigFile::parse("c.yaml", &text[..text.find("  bad").unwrap()]).unwrap();
        let problems = config
            .environment(Some("prod"), &["accessToken"])
            .unwrap_err();
        assert_eq!(
            problems,
            ["c.yaml:4:7: `secrets.token` is not a secret offerctl reads; secrets: accessToken"]
        );
    }

    #[test]
    fn without_environments_manifests_are_read_as_written() {
        let config = ConfigFile::parse("c.yaml", "sandbox: dev\n").unwrap();
        let (env, _) = config.environment(None, &[]).unwrap();
        assert_eq!(env.vars, None);
        assert!(!config.has_environments());
    }
}
