//! Choosing the environments of a run and loading their manifests: `offerctl.yaml` read once,
//! `--env` / `OFFERCTL_ENV` / `--all-envs` / `defaultEnvironment` checked against it, and each
//! environment's effective manifests (the base read once, its overlays and variables applied).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use super::{Manifests, Output, Report, finish_loading};
use crate::check::SharedChecks;
use crate::cli::ManifestArgs;
use crate::environment::overlay::Layering;
use crate::environment::{ConfigFile, Environment, Layer};
use crate::exit::{CommandError, Exit};
use crate::manifest::SharedBase;
use crate::providers::connect::SECRET_KEYS;
use crate::source::{FileId, SourceSet};
use crate::sources::{self, ReadSources};

pub const DEFAULT_CONFIG_FILE: &str = "offerctl.yaml";

/// One environment of a run (or the only one, unnamed, when the file defines none): the
/// core's settings and the providers' settings.
#[derive(Debug, Clone)]
pub struct Target {
    pub environment: Environment,
    pub layer: Layer,
}

impl Target {
    pub fn name(&self) -> Option<&str> {
        self.environment.name.as_deref()
    }

    /// `dev: ` before messages about one environment of several.
    pub fn label(&self) -> String {
        self.name()
            .map(|n| format!("environment `{n}`"))
            .unwrap_or_default()
    }
}

/// The configuration file and the environments a run works in.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub config: ConfigFile,
    pub targets: Vec<Target>,
}

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(Exit::Invalid, message)
}

/// Reads the configuration file: the one named (it must exist), else `offerctl.yaml` when it
/// exists, else none.
pub fn read_config(named: Option<&Path>) -> Result<ConfigFile, CommandError> {
    let path = match named.filter(|p| !p.as_os_str().is_empty()) {
        Some(path) if !path.exists() => {
            return Err(invalid(format!(
                "the configuration file {} does not exist",
                path.display()
            )));
        }
        Some(path) => path.to_path_buf(),
        None if Path::new(DEFAULT_CONFIG_FILE).is_file() => PathBuf::from(DEFAULT_CONFIG_FILE),
        None => return Ok(ConfigFile::default()),
    };
    let text = std::fs::read_to_string(&path).map_err(|e| {
        invalid(format!(
            "cannot read the configuration file {}: {e}",
            path.display()
        ))
    })?;
    let mut config = ConfigFile::parse(&path.display().to_string(), &text)
        .map_err(|problems| invalid(problems.join("\n")))?;
    config.path = Some(path);
    Ok(config)
}

/// The environments named (`--env`, repeatable), or all of them, or the file's default.
pub fn select(
    config: &ConfigFile,
    requested: &[String],
    all: bool,
    several: bool,
) -> Result<Vec<Option<String>>, CommandError> {
    let known = config.names();
    let listing = || {
        if known.is_empty() {
            "offerctl.yaml defines no `environments:`".to_string()
        } else {
            format!("environments: {}", known.join(", "))
        }
    };
    if !config.has_environments() {
        if all || !requested.is_empty() {
            return Err(invalid(format!(
                "--env {}: {}",
                requested.first().map_or("(all)", String::as_str),
                listing()
            )));
        }
        return Ok(vec![None]);
    }
    let mut names: Vec<String> = if all {
        known.iter().map(|n| n.to_string()).collect()
    } else if !requested.is_empty() {
        requested.to_vec()
    } else if let Some((name, _)) = &config.default_environment {
        vec![name.clone()]
    } else {
        return Err(invalid(format!(
            "offerctl.yaml defines environments: choose one with --env NAME (or OFFERCTL_ENV, or `defaultEnvironment:` in the file); {}",
            listing()
        )));
    };
    names.dedup();
    for name in &names {
        if !known.contains(&name.as_str()) {
            let hint = crate::diagnostic::suggest(name, known.iter().copied())
                .map(|best| format!("did you mean `{best}`? "))
                .unwrap_or_default();
            return Err(invalid(format!(
                "unknown environment `{name}`; {hint}{}",
                listing()
            )));
        }
    }
    if names.len() > 1 && !several {
        return Err(invalid(format!(
            "this command works in one environment at a time, but {} were given ({}); only `plan` and `validate` take several",
            names.len(),
            names.join(", ")
        )));
    }
    Ok(names.into_iter().map(Some).collect())
}

/// Reads the configuration and resolves the selected environments' settings, once, before
/// any provider is opened.
pub fn workspace(
    config: Option<&Path>,
    requested: &[String],
    all: bool,
    several: bool,
) -> Result<Workspace, CommandError> {
    let config = read_config(config)?;
    let names = select(&config, requested, all, several)?;
    let mut targets = Vec::new();
    for name in names {
        let (environment, layer) = config
            .environment(name.as_deref(), SECRET_KEYS)
            .map_err(|problems| invalid(problems.join("\n")))?;
        targets.push(Target { environment, layer });
    }
    Ok(Workspace { config, targets })
}

/// The workspace of a command that works in one environment, and that environment.
pub fn single(
    config: Option<&Path>,
    requested: &[String],
) -> Result<(Workspace, Target), CommandError> {
    let mut workspace = workspace(config, requested, false, false)?;
    let target = workspace.targets.remove(0);
    Ok((workspace, target))
}

/// The base manifests of a run: read once, and parsed (and each document decoded) at most
/// once for every environment.
pub struct BaseManifests {
    pub read: ReadSources,
    shared: OnceLock<SharedChecks>,
    /// The environments of the run that layer the base (each loads it once).
    layered: Vec<Target>,
}

impl BaseManifests {
    fn shared(&self) -> &SharedChecks {
        self.shared.get_or_init(|| {
            // Only the base documents an overlay of the run names keep their parsed tree;
            // the others are decoded as they are parsed, as a run without environments does.
            let names: HashSet<(String, String)> = self
                .layered
                .iter()
                .flat_map(|target| &target.environment.overlays)
                .filter_map(|dir| sources::read(dir).ok())
                .flat_map(|read| {
                    crate::environment::overlay::names_in(
                        read.sources.iter().map(|(_, file)| file.text.clone()),
                    )
                })
                .collect();
            SharedChecks::new(SharedBase::new(
                &self.read.sources,
                |_| true,
                crate::manifest::Overlays {
                    names: Some(&names),
                    environments: self.layered.len(),
                },
                crate::providers::builtin(),
            ))
        })
    }
}

/// The base manifests under `args.dir`, read once for the environments `targets` (those
/// the run loads, each once).
pub fn read_base(args: &ManifestArgs, targets: &[Target]) -> Result<BaseManifests, CommandError> {
    Ok(BaseManifests {
        read: read_files(args)?,
        shared: OnceLock::new(),
        layered: targets
            .iter()
            .filter(|t| t.environment.vars.is_some())
            .cloned()
            .collect(),
    })
}

fn read_files(args: &ManifestArgs) -> Result<ReadSources, CommandError> {
    let read =
        sources::read(&args.dir).map_err(|e| CommandError::new(Exit::Invalid, e.to_string()))?;
    if read.sources.is_empty() && read.diagnostics.is_empty() {
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "no manifests (*.yaml, *.yml) found in `{}`",
                args.dir.display()
            ),
        ));
    }
    Ok(read)
}

/// The base files and the environment's overlay files as one source set, and which are
/// overlays.
fn layered_sources(
    base: &ReadSources,
    target: &Target,
) -> Result<(ReadSources, Vec<FileId>), CommandError> {
    let mut sources = SourceSet::new();
    for (_, file) in base.sources.iter() {
        sources.add(file.clone());
    }
    let mut diagnostics = base.diagnostics.clone();
    let mut overlays = Vec::new();
    for dir in &target.environment.overlays {
        let read = sources::read(dir)
            .map_err(|e| invalid(format!("{}: overlay directory: {e}", target.label())))?;
        for (_, file) in read.sources.iter() {
            overlays.push(sources.add(file.clone()));
        }
        diagnostics.extend(read.diagnostics);
    }
    Ok((
        ReadSources {
            sources,
            diagnostics,
        },
        overlays,
    ))
}

/// The files of `target`'s effective manifests, and how they are layered (`None`: read as
/// written).
pub fn sources_of(
    base: &ReadSources,
    target: &Target,
) -> Result<(ReadSources, Option<Layering>), CommandError> {
    let Some(vars) = &target.environment.vars else {
        let read = ReadSources {
            sources: base.sources.clone(),
            diagnostics: base.diagnostics.clone(),
        };
        return Ok((read, None));
    };
    let (read, overlays) = layered_sources(base, target)?;
    Ok((
        read,
        Some(Layering {
            overlays,
            vars: Some(vars.clone()),
        }),
    ))
}

/// One environment's effective manifests checked (nothing printed yet), with its files and
/// which of them are overlays; `beside` runs beside the checks (see [`crate::check::Beside`]).
pub fn check_target(
    base: &BaseManifests,
    target: &Target,
    beside: Option<crate::check::Beside<'_>>,
) -> Result<(ReadSources, crate::check::Checked, Vec<FileId>), CommandError> {
    let (read, layering) = sources_of(&base.read, target)?;
    let providers = crate::providers::builtin();
    let Some(layering) = layering else {
        let checked = crate::check::check_beside(&read.sources, providers, beside);
        return Ok((read, checked, Vec::new()));
    };
    let checked = base
        .shared()
        .check_beside(&read.sources, &layering, providers, beside);
    Ok((read, checked, layering.overlays))
}

/// Loads, validates and orders one environment's effective manifests, reporting problems as
/// `report` says (exit 3 on any error); `beside` runs beside the checks.
pub fn load_target(
    args: &ManifestArgs,
    base: &BaseManifests,
    target: &Target,
    (output, report): (Output, Report),
    beside: Option<crate::check::Beside<'_>>,
) -> Result<Manifests, CommandError> {
    let (read, checked, overlays) = check_target(base, target, beside)?;
    let mut manifests = finish_loading(args, read, checked, overlays, output, report)?;
    manifests.environment = target.name().map(str::to_string);
    Ok(manifests)
}

/// What a saved plan's manifests hash covers: the files (base and overlays), and for an
/// environment its name and variables.
pub fn manifests_hash(manifests: &Manifests, dir: &Path, target: &Target) -> String {
    hash_of(&manifests.sources, dir, target)
}

/// [`manifests_hash`] of files not (yet) loaded.
pub fn hash_of(sources: &SourceSet, dir: &Path, target: &Target) -> String {
    let files = crate::plan::hash_sources(sources, dir);
    let Some(name) = target.name() else {
        return files;
    };
    let mut hasher = Sha256::new();
    hasher.update(files.as_bytes());
    hasher.update([0]);
    hasher.update(name.as_bytes());
    for (key, value) in target.environment.vars.iter().flatten() {
        hasher.update([0]);
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
