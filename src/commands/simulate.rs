//! `offerctl simulate`: decide offline for one or more profiles, over the manifests or the
//! repository's catalogue (`--live`). The engine is the provider's offline decisions
//! ([`crate::decisions`]); this reads the inputs and prints.

use std::io::Write as _;
use std::path::Path;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::reconcile::{open, read_live, route, runtime};
use super::{Output, load_manifests};
use crate::cli::{CatalogueArgs, SimulateArgs, SimulateFormat};
use crate::decisions::{Answer, Catalogue, Counters, Request, Scopes};
use crate::exit::{CommandError, Exit};

fn invalid(message: impl Into<String>) -> CommandError {
    CommandError::new(Exit::Invalid, message)
}

/// The catalogue to decide over: the manifests, or the repository's (read through the deciding
/// provider's configured service or its embedded repository).
pub fn catalogue(args: &CatalogueArgs, output: Output) -> Result<Box<dyn Catalogue>, CommandError> {
    let (provider, decisions) = super::decisions()?;
    let config = args.remote.config.as_deref();
    if !args.live {
        let (_, manifests) = load_manifests(&args.manifests, config, output)?;
        return Ok(decisions.catalogue(&manifests.catalog));
    }
    let (workspace, target) =
        super::environments::single(config, &args.manifests.environments.envs)?;
    let mut repositories = open(&args.remote, &args.appcharge, &workspace, &target)?.list;
    let providers = [provider];
    let backend = route(&mut repositories, &providers, output)?;
    let state = runtime()?.block_on(read_live(&backend, &providers))?;
    let (catalogue, left_out) = decisions.live_catalogue(&state);
    if !left_out.is_empty() && !output.quiet {
        eprintln!(
            "warning: {} live object(s) cannot be read as manifests and are left out: {}",
            left_out.len(),
            left_out.join("; ")
        );
    }
    Ok(catalogue)
}

/// The instant `--at` names (RFC 3339), or now.
pub fn instant(at: Option<&str>) -> Result<OffsetDateTime, CommandError> {
    match at {
        // Any offset and 0–9 fractional digits: the instant, as plans compare them.
        Some(text) => crate::diff::meaning::instant(text).ok_or_else(|| {
            invalid(format!(
                "--at is not an RFC 3339 instant ({text}), such as 2026-03-01T05:59:59Z"
            ))
        }),
        None => Ok(OffsetDateTime::now_utc()),
    }
}

fn read_json(path: &Path, what: &str) -> Result<String, CommandError> {
    std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("cannot read the {what} {}: {e}", path.display())))
}

/// The profiles of a file: one JSON object, an array of them, or JSON Lines.
fn profiles(path: &Path) -> Result<Vec<Value>, CommandError> {
    let text = read_json(path, "profile")?;
    if let Ok(value) = serde_json::from_str::<Value>(&text) {
        return match value {
            Value::Array(items) if items.iter().all(Value::is_object) => Ok(items),
            Value::Object(_) => Ok(vec![value]),
            _ => Err(invalid(format!(
                "{}: a profile must be a JSON object (or an array of objects)",
                path.display()
            ))),
        };
    }
    let mut out = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let value: Value = serde_json::from_str(line).map_err(|e| {
            invalid(format!(
                "{}:{}: not a JSON profile: {e}",
                path.display(),
                i + 1
            ))
        })?;
        if !value.is_object() {
            return Err(invalid(format!(
                "{}:{}: a profile must be a JSON object",
                path.display(),
                i + 1
            )));
        }
        out.push(value);
    }
    Ok(out)
}

pub fn run(args: &SimulateArgs, output: Output) -> Result<Exit, CommandError> {
    let at = instant(args.at.as_deref())?;
    let profiles = profiles(&args.profile)?;
    let counters: Option<Counters> = match &args.counters {
        Some(path) => Some(
            serde_json::from_str(&read_json(path, "counters")?).map_err(|e| {
                invalid(format!(
                    "{}: counters must be {{\"offer\": {{\"global\": N, \"profile\": N}}}}: {e}",
                    path.display()
                ))
            })?,
        ),
        None => None,
    };
    let context: Value = match &args.context {
        Some(path) => serde_json::from_str(&read_json(path, "context")?)
            .map_err(|e| invalid(format!("{}: not JSON: {e}", path.display())))?,
        None => Value::Object(Default::default()),
    };
    let catalogue = catalogue(&args.catalogue, output)?;
    let scopes = Scopes {
        at,
        seed: args.seed,
        decisions: &args.decisions,
        placement: args.placement.as_deref(),
    };
    let mut simulator = catalogue.simulator(scopes).map_err(invalid)?;
    let several = profiles.len() > 1;
    let explain = args.explain || !several;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let failed =
        |e: std::io::Error| CommandError::new(Exit::Error, format!("cannot write the answer: {e}"));
    for (i, profile) in profiles.iter().enumerate() {
        let request = Request {
            profile,
            context: &context,
            counters: counters.as_ref(),
            item_count: args.item_count.map(|n| n as usize),
            allow_duplicates: args.allow_duplicates,
            explain,
        };
        let answer = match args.output {
            SimulateFormat::Json => Answer::Json {
                profile: several.then_some(i + 1),
                explain,
            },
            SimulateFormat::Text => {
                if several {
                    writeln!(out, "# profile {} of {}", i + 1, profiles.len()).map_err(failed)?;
                }
                Answer::Text
            }
        };
        simulator
            .answer(&request, answer, &mut out)
            .map_err(failed)?;
    }
    out.flush().map_err(failed)?;
    drop(out);
    if !output.quiet && args.output == SimulateFormat::Text {
        // "Now" to the second: its nanoseconds say nothing to a reader. An instant given with
        // --at is shown as precise as it was given.
        let shown = match args.at {
            Some(_) => at,
            None => at.replace_nanosecond(0).unwrap_or(at),
        };
        eprintln!(
            "Decided {} for {} at {} over the {} catalogue.",
            super::plural(simulator.scopes(), "scope"),
            super::plural(profiles.len(), "profile"),
            shown.format(&Rfc3339).unwrap_or_default(),
            if args.catalogue.live {
                "repository's"
            } else {
                "manifests'"
            }
        );
    }
    Ok(Exit::Success)
}
