//! One module per subcommand. Commands do the I/O (read files, print) around the pure stages.

mod apply;
mod compare;
mod completions;
mod doctor;
pub mod environments;
mod export;
mod fmt;
mod generate;
mod graph;
mod plan;
mod pull;
mod reconcile;
mod render;
mod schema;
mod serve;
mod show;
mod simulate;
mod test;
mod validate;

use crate::cli::{Cli, Command, ManifestArgs};
use crate::diagnostic;
use crate::exit::{CommandError, Exit};
use crate::graph::DependencyGraph;
use crate::manifest::Catalog;
use crate::source::SourceSet;

/// Settings every command shares, decided once from the arguments and the environment.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    pub color: bool,
    pub quiet: bool,
    /// Also print manifest problems as GitHub Actions workflow annotations on stdout (under
    /// GitHub Actions, `GITHUB_ACTIONS=true`).
    pub annotate: bool,
}

pub fn run(cli: Cli) -> Result<Exit, CommandError> {
    let output = Output {
        color: cli.color.for_stderr(),
        quiet: cli.quiet,
        annotate: std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true"),
    };
    match cli.command {
        Command::Validate(args) => validate::run(&args, output),
        Command::Graph(args) => graph::run(&args, output),
        Command::Plan(command) => plan::run(&command, output),
        Command::Apply(command) => apply::run(&command, output),
        Command::Show(command) => show::run(&command, output),
        Command::Generate(args) => generate::run(&args, output),
        Command::Export(command) => export::run(&command, output),
        Command::Pull(args) => pull::run(&args, output),
        Command::Simulate(args) => simulate::run(&args, output),
        Command::Test(args) => test::run(&args, output),
        Command::Fmt(args) => fmt::run(&args, output),
        Command::Render(args) => render::run(&args, output),
        Command::Compare(args) => compare::run(&args, output),
        Command::Schema(args) => schema::run(&args),
        Command::Completions(args) => completions::completions(&args),
        Command::Man(args) => completions::man(&args),
        Command::Serve(args) => serve::run(args),
        Command::Doctor(args) => doctor::run(&args),
    }
}

/// Valid manifests, ordered.
pub struct Manifests {
    pub sources: SourceSet,
    pub catalog: std::sync::Arc<Catalog>,
    pub graph: std::sync::Arc<DependencyGraph>,
    pub warnings: usize,
    /// The environment they are the effective manifests of.
    pub environment: Option<String>,
    /// Which of `sources` are the environment's overlays.
    pub overlays: Vec<crate::source::FileId>,
    /// The overlay documents that patched each base document.
    pub patched_by: std::collections::HashMap<crate::source::Loc, Vec<crate::source::Loc>>,
}

/// How a command reports manifest problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// Located reports with source snippets, on stderr.
    People,
    /// The same, plus GitHub Actions workflow annotations on stdout.
    Annotations,
    /// One JSON document on stdout (`validate --output json`), nothing on stderr.
    Json,
}

/// Reads, validates and orders the manifests under `args.dir`, in the one environment the
/// arguments select. Every problem is printed to stderr, located (and as annotations under
/// GitHub Actions); any error makes this fail with exit code 3.
pub fn load_manifests(
    args: &ManifestArgs,
    config: Option<&std::path::Path>,
    output: Output,
) -> Result<(environments::Target, Manifests), CommandError> {
    let report = if output.annotate {
        Report::Annotations
    } else {
        Report::People
    };
    load_reported(args, config, output, report)
}

/// [`load_manifests`], reporting problems as `report` says.
pub fn load_reported(
    args: &ManifestArgs,
    config: Option<&std::path::Path>,
    output: Output,
    report: Report,
) -> Result<(environments::Target, Manifests), CommandError> {
    let (_, target) = environments::single(config, &args.environments.envs)?;
    let base = environments::read_base(args, std::slice::from_ref(&target))?;
    let manifests = environments::load_target(args, &base, &target, (output, report), None)?;
    Ok((target, manifests))
}

/// Prints `diagnostics` as `report` says (not the JSON document, which needs more).
pub fn report_diagnostics(
    diagnostics: &[crate::diagnostic::Diagnostic],
    sources: &SourceSet,
    output: Output,
    report: Report,
) {
    if report == Report::Json {
        return;
    }
    let errors = diagnostics.iter().any(|d| d.is_error());
    if !output.quiet || errors {
        eprint!("{}", diagnostic::render(diagnostics, sources, output.color));
    }
    if report == Report::Annotations {
        print!("{}", diagnostic::machine::github(diagnostics, sources));
    }
}

/// Reports what checking `read` found and keeps the manifests when they are valid.
pub fn finish_loading(
    args: &ManifestArgs,
    read: crate::sources::ReadSources,
    checked: crate::check::Checked,
    overlays: Vec<crate::source::FileId>,
    output: Output,
    report: Report,
) -> Result<Manifests, CommandError> {
    let dir = args.dir.display();
    let mut diagnostics = read.diagnostics;
    diagnostics.extend(checked.diagnostics);
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    report_diagnostics(&diagnostics, &read.sources, output, report);
    if report == Report::Json {
        let document = serde_json::json!({
            "dir": args.dir.display().to_string(),
            "valid": errors == 0,
            "files": read.sources.len(),
            "objects": checked.catalog.objects().len(),
            "errors": errors,
            "warnings": warnings,
            "diagnostics": diagnostic::machine::json(&diagnostics, &read.sources),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
    }
    if errors > 0 {
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "{dir}: {}{}{}",
                plural(errors, "error"),
                in_files(&diagnostics, read.sources.len()),
                if warnings > 0 {
                    format!(" (and {})", plural(warnings, "warning"))
                } else {
                    String::new()
                }
            ),
        ));
    }
    Ok(Manifests {
        sources: read.sources,
        catalog: checked.catalog,
        graph: checked.graph,
        warnings,
        environment: None,
        overlays,
        patched_by: checked.patched_by,
    })
}

/// " in 1 of 11 files": how many of the files read the errors are in (" in 3 files" when in
/// every one).
fn in_files(diagnostics: &[crate::diagnostic::Diagnostic], files: usize) -> String {
    let with_errors = diagnostics
        .iter()
        .filter(|d| d.is_error())
        .filter_map(|d| d.labels.first().map(|l| l.loc.file))
        .collect::<std::collections::HashSet<_>>()
        .len();
    match with_errors {
        0 => String::new(),
        n if n == files => format!(" in {}", plural(n, "file")),
        n => format!(" in {n} of {files} files"),
    }
}

/// The `--name` regular expression, validated (exit 3 when it is not one).
pub fn name_filter(name: Option<&str>) -> Result<Option<regex::Regex>, CommandError> {
    name.map(regex::Regex::new).transpose().map_err(|e| {
        CommandError::new(
            Exit::Invalid,
            format!("--name is not a valid regular expression: {e}"),
        )
    })
}

/// The offline decisions of the first provider that has them.
pub fn decisions() -> Result<(&'static str, &'static dyn crate::decisions::Decisions), CommandError>
{
    crate::providers::builtin()
        .decisions()
        .map(|(provider, decisions)| (provider.name(), decisions))
        .ok_or_else(|| CommandError::new(Exit::Invalid, "no provider decides offline"))
}

pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
