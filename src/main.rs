use std::process::ExitCode;

use clap::Parser;
use offerctl::cli::Cli;
use tracing_subscriber::EnvFilter;

// mimalloc: a plan builds and frees a JSON tree per live and desired object, and glibc's
// malloc and free were a fifth of its CPU (BENCHMARKS.md, issue 25). Its arena is committed
// as it fills (.cargo/config.toml), which keeps peak memory close to glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    offerctl::allocator::return_freed_memory_promptly();
    let cli = Cli::parse();
    init_logging(cli.verbose, cli.quiet, cli.color.for_stderr());
    match offerctl::commands::run(cli) {
        Ok(exit) => exit.into(),
        Err(error) => {
            if !error.message.is_empty() {
                eprintln!("error: {}", error.message);
            }
            error.exit.into()
        }
    }
}

/// Logs go to stderr so that stdout stays machine-readable. `OFFERCTL_LOG` (EnvFilter syntax)
/// overrides the level chosen by -v/-q.
fn init_logging(verbose: u8, quiet: bool, color: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,offerctl=info",
        (false, 2) => "info,offerctl=debug",
        (false, _) => "debug,offerctl=trace",
    };
    let filter = EnvFilter::try_from_env("OFFERCTL_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .without_time()
        .init();
}
