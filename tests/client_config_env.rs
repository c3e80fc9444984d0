//! Environment variables between flags and the file.
//!
//! Its own test target, on purpose, holding a single test: the variables are read by clap
//! (`#[arg(env = ...)]` of `RemoteArgs`) from the process environment, which has no injection
//! point (`connect_with_env` only takes the secrets), so the test must change the process
//! environment, and `std::env::set_var` is unsound while other tests run threads in the same
//! process. Do not merge it into the `emulator` target.

use std::path::PathBuf;

use clap::Parser;
use offerctl::providers::adobe::config::{RemoteArgs, Settings};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    remote: RemoteArgs,
}

fn args(flags: &[&str]) -> RemoteArgs {
    Cli::try_parse_from(std::iter::once("offerctl").chain(flags.iter().copied()))
        .expect("valid flags")
        .remote
}

#[test]
fn flags_beat_environment_variables_which_beat_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("custom.yaml");
    std::fs::write(
        &file,
        "sandbox: from-file\norg: FILE@AdobeOrg\ncontainer: file-container\nscopes: file-scope\n",
    )
    .expect("write");
    // SAFETY: this is the only test in this binary, so no other thread reads the environment.
    unsafe {
        std::env::set_var("OFFERCTL_CONFIG", &file);
        std::env::set_var("OFFERCTL_SANDBOX", "from-env");
        std::env::set_var("OFFERCTL_ORG", "ENV@AdobeOrg");
        std::env::set_var("OFFERCTL_STATE_DIR", "env-state");
        std::env::remove_var("OFFERCTL_CONTAINER");
        std::env::remove_var("OFFERCTL_SCOPES");
    }

    let settings = Settings::resolve(&args(&["--org", "FLAG@AdobeOrg"])).expect("valid");
    assert_eq!(settings.org.as_deref(), Some("FLAG@AdobeOrg"), "flag > env");
    assert_eq!(settings.sandbox, "from-env", "env > file");
    assert_eq!(
        settings.container.as_deref(),
        Some("file-container"),
        "file"
    );
    assert_eq!(settings.scopes, "file-scope");
    assert_eq!(settings.state_dir, PathBuf::from("env-state"));
    assert_eq!(
        settings.file.path.as_deref(),
        Some(file.as_path()),
        "OFFERCTL_CONFIG names the file"
    );

    // An empty variable counts as unset.
    unsafe {
        std::env::set_var("OFFERCTL_SANDBOX", "");
    }
    let settings = Settings::resolve(&args(&[])).expect("valid");
    assert_eq!(settings.sandbox, "from-file");
    assert_eq!(settings.org.as_deref(), Some("ENV@AdobeOrg"));
}
