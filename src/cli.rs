//! Command-line arguments (clap derive). Parsing only: commands turn these into settings.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

#[derive(Debug, Parser)]
#[command(
    name = "offerctl",
    version,
    about = "Declarative GitOps for offer-decisioning configuration",
    long_about = "offerctl keeps an offer catalogue (tags, placements, eligibility rules, offers, \
fallback offers, filters and activities) as YAML manifests in git, and reconciles the offer \
repository with them.",
    after_help = EXIT_CODES_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// When to use colours (also honours NO_COLOR).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, env = "OFFERCTL_COLOR")]
    pub color: ColorChoice,

    /// More logging on stderr (-v: info, -vv: debug, -vvv: trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every manifest and report all problems, each with file, line and column.
    #[command(after_help = "Examples:
  offerctl validate
  offerctl validate --dir catalogue/

Exits 0 when the manifests are valid (warnings allowed), 3 when any problem is found.")]
    Validate(ManifestArgs),

    /// Print the dependency order of the manifests (creation order; deletes run in reverse).
    #[command(after_help = "Examples:
  offerctl graph
  offerctl graph --format dot | dot -Tsvg > graph.svg")]
    Graph(GraphArgs),

    /// Run a local offer repository (an XCore API emulator) over HTTP.
    #[command(after_help = "Examples:
  offerctl serve                                  # in memory, on 127.0.0.1:8080
  offerctl serve --data .offerctl/serve --listen 127.0.0.1:9090
  offerctl serve --latency 50 --fail-rate 0.1 --seed 7   # a misbehaving network, reproducibly
  offerctl -v serve                               # one log line per request

See docs/serve.md for the API, the delete protocol and curl examples.")]
    Serve(crate::serve::ServeArgs),

    /// Print the JSON Schema (draft-07) of the manifest language, for editors.
    #[command(after_help = "Examples:
  offerctl schema > offerctl.schema.json
  # then start manifests with:  # yaml-language-server: $schema=./offerctl.schema.json")]
    Schema,
}

#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Directory of manifests (*.yaml, *.yml, read recursively), or a single file.
    #[arg(long, default_value = "offers.d", env = "OFFERCTL_DIR")]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text)]
    pub format: GraphFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// One object per line, in creation order, with its dependencies.
    Text,
    /// Graphviz DOT.
    Dot,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to colour output written to stderr.
    pub fn for_stderr(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                std::io::stderr().is_terminal() && !no_color && !dumb
            }
        }
    }
}
