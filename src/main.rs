use std::process::ExitCode;

use clap::Parser;
use offerctl::cli::Cli;
use tracing_subscriber::EnvFilter;

// mimalloc: a plan builds and frees a JSON tree per live and desired object, and glibc's
// malloc and free were a fifth of its CPU (BENCHMARKS.md, issue 25). Its arena is committed
// as it fills (.cargo/config.toml), which keeps peak memory close to glibc's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (v3's `mi_option_t`, which `libmimalloc-sys` does not
/// name): how long freed memory stays committed before it is returned, in milliseconds.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Freed memory goes back after 1 ms rather than a second: a plan frees each object's
    // documents as it compares them, and kept committed they raised its peak by 11 MB (89 ->
    // 78 MB), no faster (BENCHMARKS.md, issue 25).
    // SAFETY: mi_option_set writes one option; no other thread exists yet.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, 1) };
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

#[cfg(test)]
mod tests {
    use super::PURGE_DELAY;

    #[test]
    fn the_option_set_at_start_is_mimallocs_purge_delay() {
        // Unset, mimalloc's purge delay is 1000 ms, a default no other option of v3 has: the
        // constant names the option it says (a mimalloc that renumbered its options fails here).
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            // SAFETY: reads one option.
            assert_eq!(unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) }, 1000);
        }
    }
}
