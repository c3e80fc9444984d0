//! Command-line arguments (clap derive). Parsing only: commands turn these into settings.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::exit::EXIT_CODES_HELP;

#[derive(Debug, Parser)]
#[command(
    name = "offerctl",
    version,
    about = "Declarative GitOps for offer configuration: Adobe offer decisioning and Appcharge web-store offers",
    long_about = "offerctl keeps an offer catalogue as YAML manifests in git: Adobe offer \
decisioning's tags, placements, eligibility rules, offers, fallback offers, filters, ranking \
formulas and activities (decisions), and Appcharge's web-store offers and their components. It \
validates the manifests, plans what would change and reconciles Adobe's offer repository and \
Appcharge's store with them.",
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

  offerctl validate --output json                 # for editors and other tools
  offerctl validate --output github               # GitHub Actions annotations on stdout

Exits 0 when the manifests are valid (warnings allowed), 3 when any problem is found. Under
GitHub Actions (GITHUB_ACTIONS=true), validate, plan and apply also print each problem as a
workflow annotation, so it shows on the pull request's diff.")]
    Validate(ValidateArgs),

    /// Print the dependency order of the manifests (creation order; deletes run in reverse).
    #[command(after_help = "Examples:
  offerctl graph
  offerctl graph --format dot | dot -Tsvg > graph.svg")]
    Graph(GraphArgs),

    /// Show what apply would change in the repository to match the manifests.
    #[command(after_help = "Examples:
  offerctl plan                                   # against the embedded local repository
  offerctl plan --output markdown > plan.md       # a pull-request comment
  offerctl plan --out plan.json                   # save it; `offerctl apply plan.json` applies exactly this
  offerctl plan --output html --out report.html   # a page with previews; `offerctl apply report.html` applies it
  offerctl plan --detailed-exitcode               # drift detection: exit 2 when live differs
  offerctl plan --prune --prune-kind Tag          # also delete tags no manifest describes

Credentials are read from the environment only (never from flags or offerctl.yaml):
  OFFERCTL_ACCESS_TOKEN                        a bearer token (with --api-key), or
  OFFERCTL_CLIENT_ID + OFFERCTL_CLIENT_SECRET  Adobe IMS OAuth server-to-server credentials
Without --endpoint, the embedded local repository in .offerctl/repository is used.")]
    Plan(PlanCommand),

    /// Render a saved plan (`plan --out FILE`, or an HTML report) as text, markdown, JSON or HTML.
    #[command(after_help = "Examples:
  offerctl show plan.json                         # as `offerctl plan` prints it
  offerctl show plan.json --output markdown       # pull-request comments (parts marked)
  offerctl show plan.json --output html --out report.html

The HTML report embeds the plan: `offerctl apply report.html` applies exactly what it shows.
Nothing is read from the repository.")]
    Show(ShowCommand),

    /// Make the repository match the manifests (or apply a saved plan).
    #[command(after_help = "Examples:
  offerctl apply                                  # plan, confirm on a terminal, apply
  offerctl apply --auto-approve                   # in CI, after the plan was reviewed
  offerctl apply plan.json                        # exactly a saved plan; stale objects fail (exit 5)
  offerctl apply --auto-approve --journal apply.jsonl --parallelism 16

Credentials are read from the environment only (never from flags or offerctl.yaml):
  OFFERCTL_ACCESS_TOKEN                        a bearer token (with --api-key), or
  OFFERCTL_CLIENT_ID + OFFERCTL_CLIENT_SECRET  Adobe IMS OAuth server-to-server credentials
Without --endpoint, the embedded local repository in .offerctl/repository is used.")]
    Apply(ApplyCommand),

    /// Write the repository's objects as manifests: adopt an existing sandbox into git.
    #[command(after_help = "Examples:
  offerctl export --out offers.d                        # every object, one file per kind
  offerctl export --out offers.d --layout per-object    # one file per object
  offerctl export --out cards --kind Offer --kind Tag --name '(?i)card'
  offerctl export --out offers.d --force                # replace an earlier export

Then `offerctl plan --dir DIR` against the same repository shows no changes. Properties the
manifest language does not model are kept verbatim under `extra:`. An object that cannot be
exported losslessly fails the export (exit 1) and nothing is written. A non-empty DIR is
refused (exit 6) unless --force.")]
    Export(ExportCommand),

    /// Adopt the repository's changes into the manifests, in place: only the drifted values
    /// are rewritten.
    #[command(after_help = "Examples:
  offerctl pull --dry-run                         # show the unified diff of the files, write nothing
  offerctl pull                                   # rewrite the drifted values in place
  offerctl pull --kind Offer --name '^ABC '       # only some objects
  offerctl pull --include-new offers.d/adopted.yaml   # also add objects made outside git
  offerctl pull --remove-deleted                  # also drop documents of objects deleted live

Comments, key order, quoting, blank lines and every other document stay byte for byte;
references stay names. Each file is rewritten atomically. Afterwards `offerctl plan` shows no
changes for the pulled objects. An object whose drift cannot be written in place is listed
with the reason and left as it was. Exits 0 when everything selected was pulled (or nothing
had drifted), 2 when something is left that the manifests still do not say (refused, deleted
live, or new live objects not included), 1 on errors, 3 on invalid manifests, 4 when
authentication fails.")]
    Pull(PullArgs),

    /// Decide offline: which offers each decision proposes to a profile, and why every other
    /// candidate is not proposed.
    #[command(after_help = "Examples:
  offerctl simulate --profile tests.d/profiles/good-credit-us.json
  offerctl simulate --profile tests.d/profiles/good-credit-us.json --decision 'Kiosk personalization' --at 2026-06-01T12:00:00Z
  offerctl simulate --profile profiles.jsonl --output json     # one JSON answer per profile
  offerctl simulate --profile tests.d/profiles/good-credit-us.json --live  # the repository's catalogue, not git's
  offerctl simulate --profile p.json --counters caps.json      # {\"Offer name\": {\"global\": 10, \"profile\": 2}}

The profile is XDM-shaped JSON (`profile.` is optional in rule paths; `segmentMembership` for
audiences, `xEvent` for events); a file may hold one profile, a JSON array of them, or JSON
Lines. Rules outside the PQL offerctl evaluates are reported as unevaluable, never counted
true or false. Ties are broken by name (or --seed) and flagged: Adobe picks at random.")]
    Simulate(SimulateArgs),

    /// Run the decision expectations kept in git (tests.d/) against the catalogue.
    #[command(after_help = "Examples:
  offerctl test                                   # tests.d/ against offers.d/
  offerctl test --tests catalogue/tests.d --dir catalogue
  offerctl test --output junit report.xml         # JUnit XML for CI systems
  offerctl test --live                            # against the repository's catalogue

Exits 0 when every expectation holds, 1 when any fails, 3 when the manifests or the
expectations are invalid. The expectation format is in the README (and `offerctl schema --tests`).")]
    Test(TestArgs),

    /// Print an environment's effective manifests: the base with its overlays and variables
    /// applied, each object with where it came from.
    #[command(after_help = "Examples:
  offerctl render --env prod                      # to stdout
  offerctl render --env stage --out /tmp/stage    # one file per kind

Each object is preceded by a comment naming the file and line it came from and the overlay
documents that patched it. Exits 3 when the environment's manifests are invalid.")]
    Render(RenderArgs),

    /// Show how environment B's catalogue differs from A's: what promoting A to B changes.
    #[command(after_help = "Examples:
  offerctl compare stage prod                     # the effective manifests of both
  offerctl compare stage prod --live              # the two repositories

Objects only in A (-), only in B (+), and changed fields (- A's value, + B's). Exits 0 when
they are equal, 2 when they differ.")]
    Compare(CompareArgs),

    /// Rewrite manifests in the canonical form `export` writes, keeping comments.
    #[command(after_help = "Examples:
  offerctl fmt                                    # rewrite offers.d/ in place
  offerctl fmt --check                            # CI and pre-commit: exit 3 if a file would change
  offerctl fmt --dir catalogue/")]
    Fmt(FmtArgs),

    /// Run a local offer repository over HTTP (XCore and Appcharge API emulators).
    #[command(after_help = "Examples:
  offerctl serve                                  # in memory, on 127.0.0.1:8080
  offerctl serve --data .offerctl/serve --listen 127.0.0.1:9090
  offerctl serve --latency 50 --fail-rate 0.1 --seed 7   # a misbehaving network, reproducibly
  offerctl -v serve                               # one log line per request

See docs/serve.md for the API, the delete protocol and curl examples.")]
    Serve(crate::providers::serve::ServeArgs),

    /// Check a sandbox against the assumptions offerctl makes: the first thing to run against
    /// a new sandbox.
    #[command(after_help = "Examples:
  offerctl doctor                                 # read-only checks
  offerctl doctor --write-probe                   # also create, patch and delete a throw-away tag
  offerctl doctor --output json

Prints one row per assumption: what offerctl assumes, what the sandbox did, ok or mismatch.
Exits 0 when everything matches, 1 when anything does not, 3 on invalid settings.")]
    Doctor(DoctorArgs),

    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    #[command(after_help = "Examples:
  offerctl completions bash > ~/.local/share/bash-completion/completions/offerctl
  offerctl completions zsh > \"${fpath[1]}/_offerctl\"
  offerctl completions fish > ~/.config/fish/completions/offerctl.fish")]
    Completions(CompletionsArgs),

    /// Print the man page (or write one page per command with --out DIR).
    #[command(after_help = "Examples:
  offerctl man | man -l -
  offerctl man --out /usr/local/share/man/man1    # offerctl.1, offerctl-plan.1, ...")]
    Man(ManArgs),

    /// Write a synthetic catalogue of about N objects (for benchmarks and demos).
    #[command(after_help = "Examples:
  offerctl generate --objects 10000 --seed 1 --out /tmp/catalogue
  offerctl plan --dir /tmp/catalogue

The catalogue has the proportions of a real sandbox (about 70% offers with 1-3
representations, tags and rules; placements, tags, rules, filters, fallbacks, activities), is
valid, and is the same for the same --objects and --seed.")]
    Generate(GenerateArgs),

    /// Print the JSON Schema (draft-07) of the manifest language, for editors.
    #[command(after_help = "Examples:
  offerctl schema > offerctl.schema.json
  # then start manifests with:  # yaml-language-server: $schema=./offerctl.schema.json
  offerctl schema --tests > tests.schema.json     # the decision expectations in tests.d/")]
    Schema(SchemaArgs),
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema of decision expectations (tests.d/*.yaml) instead of manifests.
    #[arg(long)]
    pub tests: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Validate every environment of offerctl.yaml (the base manifests are read once).
    #[arg(long, conflicts_with = "envs")]
    pub all_envs: bool,

    /// How to report: for people (stderr), a JSON document (stdout), or GitHub Actions
    /// workflow annotations (stdout, with the report for people on stderr).
    #[arg(long, short, value_enum, default_value_t = ValidateFormat::Text)]
    pub output: ValidateFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ValidateFormat {
    Text,
    Json,
    Github,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write offerctl.1 and one page per command (offerctl-plan.1, ...) into DIR.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct ManifestArgs {
    /// Directory of manifests (*.yaml, *.yml, read recursively), or a single file.
    #[arg(long, default_value = "offers.d", env = "OFFERCTL_DIR")]
    pub dir: PathBuf,

    #[command(flatten)]
    pub environments: EnvArgs,
}

/// Which environment of offerctl.yaml (`environments:`) a command works in.
#[derive(Debug, Clone, Default, Args)]
pub struct EnvArgs {
    /// The environment to use, from `environments:` in offerctl.yaml [default:
    /// `defaultEnvironment`]. Only `plan` and `validate` take several (repeat it).
    #[arg(
        long = "env",
        value_name = "NAME",
        env = "OFFERCTL_ENV",
        value_delimiter = ','
    )]
    pub envs: Vec<String>,
}

/// The configuration file, for commands that do not talk to a repository.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// Configuration file [default: offerctl.yaml, when it exists].
    #[arg(long, value_name = "FILE", env = "OFFERCTL_CONFIG")]
    pub config: Option<PathBuf>,
}

/// What to plan: the manifests, pruning, and the guard against deletes.
#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub remote: crate::providers::adobe::config::RemoteArgs,

    #[command(flatten)]
    pub appcharge: crate::providers::appcharge::config::AppchargeArgs,

    /// Also talk to this provider's repository (repeatable): a run uses the providers whose
    /// kinds the manifests have, plus these (to prune one whose manifests are all gone).
    #[arg(long = "provider", value_name = "NAME", value_parser = parse_provider, env = "OFFERCTL_PROVIDER", value_delimiter = ',')]
    pub providers: Vec<&'static str>,

    /// Also delete live objects that no manifest describes (also `prune: true` in offerctl.yaml).
    #[arg(long, env = "OFFERCTL_PRUNE")]
    pub prune: bool,

    /// With --prune: switch objects off instead of deleting them where the provider can
    /// (Appcharge offers get `active: false`); others are still deleted.
    #[arg(long, env = "OFFERCTL_PRUNE_DEACTIVATE")]
    pub prune_deactivate: bool,

    /// With --prune: only prune these kinds (repeatable).
    #[arg(long = "prune-kind", value_name = "KIND", value_parser = parse_kind, env = "OFFERCTL_PRUNE_KIND", value_delimiter = ',')]
    pub prune_kinds: Vec<crate::kind::Kind>,

    /// Allow a plan that deletes objects (any number). Without it, apply refuses a plan with
    /// more deletes than --max-deletes (exit 6, before any write); plan shows it and warns.
    #[arg(long, env = "OFFERCTL_ALLOW_DELETE")]
    pub allow_delete: bool,

    /// Allow up to N deletes without --allow-delete (default 0; also `maxDeletes` in offerctl.yaml).
    #[arg(long, value_name = "N", env = "OFFERCTL_MAX_DELETES")]
    pub max_deletes: Option<usize>,

    /// How to show the plan.
    #[arg(long, short, value_enum, default_value_t = PlanFormat::Text, env = "OFFERCTL_OUTPUT")]
    pub output: PlanFormat,
}

fn parse_kind(value: &str) -> Result<crate::kind::Kind, String> {
    value.parse().map_err(|_| {
        let kinds: Vec<&'static str> = crate::providers::builtin()
            .kinds()
            .iter()
            .map(|k| k.as_str())
            .collect();
        format!("not a kind; kinds are {}", kinds.join(", "))
    })
}

fn parse_provider(value: &str) -> Result<&'static str, String> {
    let providers = crate::providers::builtin();
    let names: Vec<&'static str> = providers.iter().map(|p| p.name()).collect();
    names
        .iter()
        .copied()
        .find(|name| *name == value)
        .ok_or_else(|| format!("not a provider; providers are {}", names.join(", ")))
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub remote: crate::providers::adobe::config::RemoteArgs,

    #[command(flatten)]
    pub environments: EnvArgs,

    /// Also create, patch and delete one throw-away tag named `offerctl-doctor-…` (and a filter
    /// referring to it, and a draft offer dated 2030-01-01T00:00:00Z on a placement of its
    /// own), to check writes, If-Match, the answer to deleting a referenced object and how the
    /// sandbox spells an instant it was given. What it creates is deleted even when interrupted.
    #[arg(long)]
    pub write_probe: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = DoctorFormat::Text)]
    pub output: DoctorFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    /// A table for people.
    Text,
    /// `{"ok": bool, "checks": [{assumption, observed, status}]}`.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlanFormat {
    /// For people: Terraform-like, coloured on a terminal.
    Text,
    /// For machines: the versioned plan document (see README).
    Json,
    /// For pull-request comments: parts under GitHub's limit, each starting with a line
    /// `<!-- offerctl: part N of M -->`.
    Markdown,
    /// One self-contained page with previews of what customers see (see `--out`).
    Html,
}

#[derive(Debug, Args)]
pub struct PlanCommand {
    #[command(flatten)]
    pub plan: PlanArgs,

    /// Save the plan to FILE, for `offerctl apply FILE`. With `--output html`, FILE is the
    /// HTML report instead, which embeds the saved plan: `offerctl apply FILE` applies it too.
    #[arg(long, value_name = "FILE", env = "OFFERCTL_OUT")]
    pub out: Option<PathBuf>,

    /// Exit 2 when there are changes, 0 when there are none (1 on errors).
    #[arg(long, env = "OFFERCTL_DETAILED_EXITCODE")]
    pub detailed_exitcode: bool,

    /// Plan every environment of offerctl.yaml, each against its own repository (the base
    /// manifests are read once, the repositories concurrently).
    #[arg(long, conflicts_with = "envs")]
    pub all_envs: bool,

    /// Decision expectations: when the directory exists, the plan lists those whose outcome
    /// for customers it changes.
    #[command(flatten)]
    pub tests: TestsArgs,
}

#[derive(Debug, Args)]
pub struct ShowCommand {
    /// A plan saved with `offerctl plan --out FILE`, or an HTML report (`--output html`).
    #[arg(value_name = "PLAN_FILE")]
    pub plan_file: PathBuf,

    /// How to show the plan.
    #[arg(long, short, value_enum, default_value_t = PlanFormat::Text)]
    pub output: PlanFormat,

    /// Write to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ApplyCommand {
    /// A plan saved with `offerctl plan --out FILE` (or an HTML report of one): apply exactly that.
    #[arg(value_name = "PLAN_FILE")]
    pub plan_file: Option<PathBuf>,

    #[command(flatten)]
    pub plan: PlanArgs,

    /// Do not ask for confirmation.
    #[arg(long, env = "OFFERCTL_AUTO_APPROVE")]
    pub auto_approve: bool,

    /// How many changes may be in flight at once (default 8; also `parallelism` in offerctl.yaml).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=256), env = "OFFERCTL_PARALLELISM")]
    pub parallelism: Option<u64>,

    /// Append a JSON-lines record of every call to FILE.
    #[arg(long, value_name = "FILE", env = "OFFERCTL_JOURNAL")]
    pub journal: Option<PathBuf>,

    /// Decision expectations: when the directory exists, the changes to apply are shown with
    /// the expectations whose outcome for customers they change, as `plan` shows them.
    #[command(flatten)]
    pub tests: TestsArgs,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The profile: a JSON file with one profile, an array of profiles, or JSON Lines.
    #[arg(long, value_name = "FILE")]
    pub profile: PathBuf,

    /// Only this decision (repeatable; every decision by default), by name.
    #[arg(long = "decision", value_name = "NAME")]
    pub decisions: Vec<String>,

    /// Only this placement, by name.
    #[arg(long, value_name = "NAME")]
    pub placement: Option<String>,

    /// The instant to decide at (RFC 3339; default: now).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,

    /// Capping counters so far: a JSON object, offer name or id → {"global": N, "profile": N}.
    /// Without it, caps count as not reached (and the answer says so).
    #[arg(long, value_name = "FILE")]
    pub counters: Option<PathBuf>,

    /// Context data: a JSON object, schema URI → data (`@{schema}.field` in rules).
    #[arg(long, value_name = "FILE")]
    pub context: Option<PathBuf>,

    /// How many offers each placement returns (1 to 30; default: the placement's, or 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=30))]
    pub item_count: Option<u64>,

    /// Break ties by a seeded order instead of by name.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Allow one offer in several placements of a decision.
    #[arg(long)]
    pub allow_duplicates: bool,

    /// List every candidate offer and why it was not proposed (the default for one profile;
    /// with several, only the propositions unless this is given).
    #[arg(long)]
    pub explain: bool,

    #[command(flatten)]
    pub catalogue: CatalogueArgs,

    /// Output format.
    #[arg(long, short, value_enum, default_value_t = SimulateFormat::Text)]
    pub output: SimulateFormat,
}

/// Which catalogue offline decisions use: the manifests, or the repository's (`--live`).
#[derive(Debug, Clone, Args)]
pub struct CatalogueArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    /// Decide over the repository's catalogue instead of the manifests.
    #[arg(long)]
    pub live: bool,

    #[command(flatten)]
    pub remote: crate::providers::adobe::config::RemoteArgs,

    #[command(flatten)]
    pub appcharge: crate::providers::appcharge::config::AppchargeArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    /// A table per decision and placement, then every excluded offer and why.
    Text,
    /// The decisioning API's response shape, plus `explain`.
    Json,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub tests: TestsArgs,

    #[command(flatten)]
    pub catalogue: CatalogueArgs,

    /// `text` (one line per case and a summary), or `junit FILE` (JUnit XML to FILE as well).
    #[arg(long, short, num_args = 1..=2, value_names = ["FORMAT", "FILE"], default_value = "text")]
    pub output: Vec<String>,
}

/// Where the decision expectations are.
#[derive(Debug, Clone, Args)]
pub struct TestsArgs {
    /// Directory of decision expectations (*.yaml), or a single file.
    #[arg(
        long = "tests",
        id = "tests_dir",
        value_name = "DIR",
        default_value = "tests.d",
        env = "OFFERCTL_TESTS"
    )]
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct PullArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub remote: crate::providers::adobe::config::RemoteArgs,

    #[command(flatten)]
    pub appcharge: crate::providers::appcharge::config::AppchargeArgs,

    /// Also read this provider's repository (repeatable), for --include-new of kinds the
    /// manifests do not have yet.
    #[arg(long = "provider", value_name = "NAME", value_parser = parse_provider, value_delimiter = ',')]
    pub providers: Vec<&'static str>,

    /// Only pull objects of this kind (repeatable; every kind by default).
    #[arg(long = "kind", value_name = "KIND", value_parser = parse_kind, value_delimiter = ',')]
    pub kinds: Vec<crate::kind::Kind>,

    /// Only pull objects whose name matches this regular expression (anywhere in the name).
    #[arg(long, value_name = "REGEX")]
    pub name: Option<String>,

    /// Also add live objects no manifest describes: appended to FILE, or to DIR/<kind>.yaml.
    #[arg(long, value_name = "FILE_OR_DIR")]
    pub include_new: Option<PathBuf>,

    /// Also remove the documents of objects the repository no longer has (never `protect`ed ones).
    #[arg(long)]
    pub remove_deleted: bool,

    /// Print the unified diff of the files instead of writing them.
    #[arg(long)]
    pub dry_run: bool,

    /// With environments: where drift of objects the base defines is written — the
    /// environment's overlay (a `patch:`; the base other environments share is left alone),
    /// or the base itself.
    #[arg(long, value_enum, value_name = "WHERE", default_value_t = PullInto::Overlay)]
    pub into: PullInto,
}

/// Where `pull --env` writes drift of objects the base defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullInto {
    Overlay,
    Base,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// About how many objects to generate.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub objects: usize,

    /// Random seed: the same seed gives the same catalogue.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,

    /// Directory to write to (must not exist, or be empty).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportCommand {
    /// Directory to write the manifests to (created if missing; must be empty unless --force).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Only export objects of this kind (repeatable; every kind by default).
    #[arg(long = "kind", value_name = "KIND", value_parser = parse_kind, env = "OFFERCTL_EXPORT_KIND", value_delimiter = ',')]
    pub kinds: Vec<crate::kind::Kind>,

    /// Only export objects whose name matches this regular expression (anywhere in the name;
    /// anchor it with ^...$). References to objects left out stay literal ids.
    #[arg(long, value_name = "REGEX")]
    pub name: Option<String>,

    /// One file per kind, or one file per object (in a directory per kind).
    #[arg(long, value_enum, default_value_t = crate::export::Layout::PerKind)]
    pub layout: crate::export::Layout,

    /// Replace the manifests in a non-empty DIR (other files there are kept).
    #[arg(long)]
    pub force: bool,

    /// Only read this provider's repository (repeatable) [default: the providers of --kind,
    /// or every provider with an endpoint, or every provider when none has one].
    #[arg(long = "provider", value_name = "NAME", value_parser = parse_provider, env = "OFFERCTL_PROVIDER", value_delimiter = ',')]
    pub providers: Vec<&'static str>,

    #[command(flatten)]
    pub remote: crate::providers::adobe::config::RemoteArgs,

    #[command(flatten)]
    pub appcharge: crate::providers::appcharge::config::AppchargeArgs,

    #[command(flatten)]
    pub environments: EnvArgs,
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Write one file per kind into DIR instead of printing.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The environment compared from.
    #[arg(value_name = "A")]
    pub a: String,

    /// The environment compared with A.
    #[arg(value_name = "B")]
    pub b: String,

    /// Compare the two environments' repositories instead of their manifests.
    #[arg(long)]
    pub live: bool,

    /// Directory of the base manifests.
    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub remote: crate::providers::adobe::config::RemoteArgs,

    #[command(flatten)]
    pub appcharge: crate::providers::appcharge::config::AppchargeArgs,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Change nothing: list the files that are not in canonical form and exit 3 if any.
    #[arg(long, env = "OFFERCTL_FMT_CHECK")]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub manifests: ManifestArgs,

    #[command(flatten)]
    pub config: ConfigArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Text, env = "OFFERCTL_GRAPH_FORMAT")]
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
