//! `offerctl compare A B`: how environment B's effective catalogue differs from A's, object by
//! object and field by field (what promoting A's catalogue to B would change); `--live`
//! compares the two repositories instead. Exit 0 when equal, 2 when not.

use std::collections::HashMap;

use super::environments::{self, Target, Workspace};
use super::reconcile::{open, read_live, route, runtime};
use super::{Output, Report};
use crate::cli::CompareArgs;
use crate::environment::compare::{self, Fields, Side};
use crate::exit::{CommandError, Exit};
use crate::kind::Kind;
use crate::manifest::{Document, emit};

pub fn run(args: &CompareArgs, output: Output) -> Result<Exit, CommandError> {
    if args.a == args.b {
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "compare needs two different environments, not `{}` twice",
                args.a
            ),
        ));
    }
    let workspace = environments::workspace(
        args.remote.config.as_deref(),
        &[args.a.clone(), args.b.clone()],
        false,
        true,
    )?;
    let [a, b] = [&args.a, &args.b].map(|name| {
        workspace
            .targets
            .iter()
            .find(|t| t.name() == Some(name.as_str()))
            .cloned()
    });
    let (Some(a), Some(b)) = (a, b) else {
        return Err(CommandError::new(
            Exit::Invalid,
            "compare needs two different environments",
        ));
    };
    let (side_a, side_b) = if args.live {
        (
            live_side(args, &workspace, &a, output)?,
            live_side(args, &workspace, &b, output)?,
        )
    } else {
        let base = environments::read_base(&args.manifests, &[a.clone(), b.clone()])?;
        let report = if output.annotate {
            Report::Annotations
        } else {
            Report::People
        };
        let mut sides = Vec::new();
        for target in [&a, &b] {
            let manifests =
                environments::load_target(&args.manifests, &base, target, (output, report), None)
                    .map_err(|e| super::reconcile::in_environment(target, e))?;
            let side = manifests
                .catalog
                .objects()
                .iter()
                .map(|o| (o.key().to_string(), fields(o.manifest.as_ref())))
                .collect();
            sides.push(side);
        }
        let side_b = sides.pop().unwrap_or_default();
        (sides.pop().unwrap_or_default(), side_b)
    };
    let differences = compare::compare(&side_a, &side_b);
    let what = if args.live { " (repository)" } else { "" };
    print!("{}", compare::render(&args.a, &args.b, what, &differences));
    Ok(if differences.is_empty() {
        Exit::Success
    } else {
        Exit::Changes
    })
}

/// A document's canonical top-level fields, each as its YAML text (without the key); the
/// pinned `id` left out, since ids differ between repositories.
fn fields(document: &dyn Document) -> Fields {
    document
        .entries()
        .into_iter()
        .filter(|(key, _)| key != "id")
        .map(|(key, value)| {
            let mut text = String::new();
            emit::write_map(&mut text, &[(key.clone(), value)], 0);
            let rest = &text[key.len() + 1..];
            let rest = rest.strip_prefix(' ').unwrap_or(rest);
            let value = match rest.strip_prefix('\n') {
                // A block: its lines, one level less indented.
                Some(block) => block
                    .lines()
                    .map(|l| l.strip_prefix("  ").unwrap_or(l))
                    .collect::<Vec<_>>()
                    .join("\n"),
                None => rest.trim_end().to_string(),
            };
            (key, value)
        })
        .collect()
}

/// The repository of `target`, read and expressed as manifests (references by name).
fn live_side(
    args: &CompareArgs,
    workspace: &Workspace,
    target: &Target,
    output: Output,
) -> Result<Side, CommandError> {
    let in_env = |e| super::reconcile::in_environment(target, e);
    let mut repositories = open(&args.remote, &args.appcharge, workspace, target)?.list;
    let providers: Vec<&'static str> = crate::providers::builtin()
        .iter()
        .map(|p| p.name())
        .collect();
    let backend = route(&mut repositories, &providers, output).map_err(in_env)?;
    let live = runtime()?
        .block_on(read_live(&backend, &providers))
        .map_err(in_env)?;
    let names: HashMap<&str, (Kind, &str)> = live
        .objects
        .iter()
        .map(|o| (o.id.as_str(), (o.kind, o.name())))
        .collect();
    let name_of = |kind: Kind, id: &str| -> String {
        match names.get(id) {
            Some((k, name)) if *k == kind => name.to_string(),
            _ => id.to_string(),
        }
    };
    let registry = crate::providers::builtin();
    let mut side = Side::new();
    for object in &live.objects {
        let key = format!("{}/{}", object.kind, object.name());
        let document = registry
            .of(object.kind)
            .export(object, &name_of)
            .map_err(|reasons| {
                in_env(CommandError::new(
                    Exit::Error,
                    format!("cannot read {key} as a manifest: {}", reasons.join("; ")),
                ))
            })?;
        side.insert(key, fields(document.as_ref()));
    }
    Ok(side)
}
