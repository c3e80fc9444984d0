//! The README's examples, run as written.

use assert_cmd::Command;

use crate::root;

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

/// The README's fenced code blocks, each with its language, in order.
fn blocks(readme: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut open: Option<(String, String)> = None;
    for line in readme.lines() {
        match (open.take(), line.strip_prefix("```")) {
            (None, Some(language)) => open = Some((language.to_string(), String::new())),
            (Some(block), Some(_)) => blocks.push(block),
            (Some((language, mut text)), None) => {
                text.push_str(line);
                text.push('\n');
                open = Some((language, text));
            }
            (None, None) => {}
        }
    }
    blocks
}

/// A command line's words, as a shell splits one with double-quoted words and no expansions.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            ' ' if !quoted => words.extend(word.take()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(!quoted, "unbalanced quotes in {line}");
    words.extend(word);
    words
}

/// Every `offerctl simulate` command of the README runs as written from a clone's root, the
/// profile it names is the one the README shows, and the first prints what the README says.
#[test]
fn the_readme_simulate_commands_run_as_written() {
    let readme = readme();
    let blocks = blocks(&readme);
    let mut ran = 0;
    for (i, (language, text)) in blocks.iter().enumerate() {
        if language != "sh" {
            continue;
        }
        for line in text.lines().filter(|l| l.starts_with("offerctl simulate ")) {
            let words = words(line);
            let profile = &words[words.iter().position(|w| w == "--profile").unwrap() + 1];
            let shown = blocks[i + 1..]
                .iter()
                .find(|(language, text)| language == "json" && !text.is_empty())
                .expect("the profile's contents, shown after the command");
            let file: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(root().join(profile)).unwrap())
                    .unwrap();
            let shown: serde_json::Value = serde_json::from_str(&shown.1).unwrap();
            assert_eq!(file, shown, "{profile} is not what the README shows");

            let output = Command::cargo_bin("offerctl")
                .unwrap()
                .args(&words[1..])
                .current_dir(root())
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{line}: {}\n{stdout}",
                String::from_utf8_lossy(&output.stderr)
            );
            if ran == 0 {
                let printed = blocks[i + 1..]
                    .iter()
                    .find(|(language, _)| language == "text")
                    .expect("what the first simulate prints");
                // Less the blank line that ends each scope's table.
                assert_eq!(stdout.trim_end(), printed.1.trim_end(), "{line}");
            }
            ran += 1;
        }
    }
    assert!(ran > 0, "the README has no `offerctl simulate` command");
}

/// A fresh copy of the repository, as a clone has it: the files git tracks (every file but
/// `target/`, `.git/` and `.offerctl/` when git cannot list them), in a new directory.
pub fn fresh_copy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("tempdir");
    let listed = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split('\0')
                .filter(|p| !p.is_empty())
                .map(std::path::PathBuf::from)
                .collect::<Vec<_>>()
        });
    let files = listed.unwrap_or_else(|| untracked_walk(&root(), std::path::Path::new("")));
    for file in files {
        let from = root().join(&file);
        if !from.is_file() {
            continue; // deleted in the working tree and not committed yet
        }
        let to = copy.path().join(&file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    }
    copy
}

fn untracked_walk(root: &std::path::Path, under: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root.join(under)).unwrap() {
        let entry = entry.unwrap();
        let path = under.join(entry.file_name());
        if ["target", ".git", ".offerctl"]
            .iter()
            .any(|s| path == std::path::Path::new(s))
        {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            files.extend(untracked_walk(root, &path));
        } else {
            files.push(path);
        }
    }
    files
}

/// README commands not run by [`every_readme_command_runs_as_written`], each with why. Lines
/// that need a real account say so in the README (`# needs an Adobe account`, `# needs an
/// Appcharge account`) and are not run either.
const NOT_RUN: &[(&str, &str)] = &[
    ("cargo test", "the test suite itself, which runs this test"),
    (
        "cargo install --path .",
        "a release build installed into ~/.cargo/bin: the test runs the built binary as `offerctl` instead",
    ),
    (
        "offerctl completions zsh > \"${fpath[1]}/_offerctl\"",
        "zsh syntax (`$fpath`), and the test's shell is bash; `completions zsh` itself is tested in `cli`",
    ),
];

const ACCOUNT: [&str; 2] = ["# needs an Adobe account", "# needs an Appcharge account"];

/// A command line of a block, without its comment.
fn command_of(line: &str) -> &str {
    match line
        .find("  #")
        .or_else(|| line.starts_with('#').then_some(0))
    {
        Some(at) => line[..at].trim_end(),
        None => line.trim_end(),
    }
}

/// Exit codes the README documents for a command, when not 0.
fn documented_exit(command: &str) -> i32 {
    match command {
        // "Exits 0 when they are the same, 2 when they differ" (the command table), and the
        // example's stage and prod differ.
        c if c.ends_with("compare stage prod") => 2,
        _ => 0,
    }
}

/// Where the README's files live: a directory with `offerctl` (the built binary) and a `cargo`
/// that runs it for `cargo run [--release] --`, and refuses anything else.
fn shims() -> tempfile::TempDir {
    let bin = tempfile::tempdir().expect("tempdir");
    let offerctl = assert_cmd::cargo::cargo_bin("offerctl");
    std::os::unix::fs::symlink(&offerctl, bin.path().join("offerctl")).unwrap();
    let cargo = bin.path().join("cargo");
    std::fs::write(
        &cargo,
        format!(
            "#!/bin/sh\n\
             # `cargo run [--release] -- ARGS` is the built offerctl with ARGS.\n\
             if [ \"$1\" = run ]; then shift; [ \"$1\" = --release ] && shift; [ \"$1\" = -- ] && shift; exec '{}' \"$@\"; fi\n\
             echo \"cargo $*: not run by the README test\" >&2; exit 97\n",
            offerctl.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&cargo, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

/// bash in `dir` with the shims first on PATH, a home of its own, and no offerctl settings
/// inherited from the environment the tests run in.
fn bash(
    dir: &std::path::Path,
    bin: &std::path::Path,
    home: &std::path::Path,
) -> std::process::Command {
    let mut command = std::process::Command::new("bash");
    command
        .current_dir(dir)
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", home)
        .env("NO_COLOR", "1");
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("OFFERCTL_")) {
        command.env_remove(name);
    }
    command
}

/// `offerctl serve` as the README starts it, on a free port, until it has printed the lines to
/// paste; returns the process and its origin.
fn start_serve(
    line: &str,
    dir: &std::path::Path,
    bin: &std::path::Path,
    home: &std::path::Path,
) -> (std::process::Child, String) {
    let out = dir.join(".serve.out");
    let mut child = bash(dir, bin, home)
        .args(["-c", &format!("exec {line}")])
        .env("OFFERCTL_LISTEN", "127.0.0.1:0")
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        let printed = std::fs::read_to_string(&out).unwrap_or_default();
        if let Some(origin) = printed
            .lines()
            .find_map(|l| l.strip_prefix("export OFFERCTL_ENDPOINT="))
        {
            return (child, origin.to_string());
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("{line}: exited with {status}: {printed}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    panic!("{line}: printed no OFFERCTL_ENDPOINT line in 60 s");
}

const DRIFTED: &str = "offers.d/offers/credit-cards.yaml";
const DRIFT: (&str, &str) = (
    "endDate: 2027-06-30T23:59:59Z",
    "endDate: 2027-12-31T23:59:59Z",
);

/// What the README's pull section starts from: a value changed in the repository and not in
/// git (applied from an edited manifest, whose edit is then undone).
fn drift(copy: &std::path::Path) {
    let path = copy.join(DRIFTED);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(DRIFT.0),
        "{DRIFTED} no longer has {}",
        DRIFT.0
    );
    std::fs::write(&path, text.replace(DRIFT.0, DRIFT.1)).unwrap();
    let mut apply = Command::cargo_bin("offerctl").unwrap();
    for (name, _) in std::env::vars().filter(|(n, _)| n.starts_with("OFFERCTL_")) {
        apply.env_remove(name);
    }
    apply
        .args(["apply", "--auto-approve"])
        .current_dir(copy)
        .assert()
        .success();
    std::fs::write(&path, text).unwrap();
}

/// Every shell command of the README, run as written in a fresh copy of the repository, in the
/// README's order (the main job first, so later commands find its repository), with the built
/// binary as `offerctl` and as `cargo run --`: each exits as the README says (0 unless
/// documented). The pull section starts from drift, as the README's does, and ends in "No
/// changes.". `offerctl serve` runs on a free port until it prints the lines to paste
/// (`OFFERCTL_LISTEN`), and the curl lines go to such a server, its address in place of
/// `127.0.0.1:8080`. [`NOT_RUN`] lists what is not run, and why.
#[test]
fn every_readme_command_runs_as_written() {
    let readme = readme();
    let copy = fresh_copy();
    let bin = shims();
    let home = tempfile::tempdir().unwrap();
    let mut not_run_seen = std::collections::BTreeSet::new();
    let mut ran = 0;
    for (_, text) in blocks(&readme)
        .iter()
        .filter(|(language, _)| language == "sh")
    {
        let lines: Vec<&str> = text.lines().filter(|l| !command_of(l).is_empty()).collect();
        let mut script = String::new();
        let mut expected = Vec::new();
        let mut servers = Vec::new();
        for line in &lines {
            let command = command_of(line);
            if ACCOUNT.iter().any(|marker| line.contains(marker)) {
                continue;
            }
            if let Some((skipped, _)) = NOT_RUN.iter().find(|(c, _)| *c == command) {
                not_run_seen.insert(*skipped);
                continue;
            }
            if command.starts_with("offerctl serve") {
                let (mut server, origin) =
                    start_serve(command, copy.path(), bin.path(), home.path());
                assert!(
                    origin.starts_with("http://127.0.0.1:"),
                    "{command}: {origin}"
                );
                server.kill().unwrap();
                server.wait().unwrap();
                ran += 1;
                continue;
            }
            let command = if command.contains("127.0.0.1:8080") {
                if servers.is_empty() {
                    servers.push(start_serve(
                        "offerctl serve",
                        copy.path(),
                        bin.path(),
                        home.path(),
                    ));
                }
                command.replace("http://127.0.0.1:8080", &servers[0].1)
            } else {
                command.to_string()
            };
            script.push_str(&format!(
                "{command}\nprintf '%s\\n' \"$?\" >> \"$README_EXIT_CODES\"\n"
            ));
            expected.push((command.clone(), documented_exit(&command)));
        }
        if expected.is_empty() {
            continue;
        }
        let pulls = expected[0].0 == "offerctl pull --dry-run";
        if pulls {
            drift(copy.path());
        }
        let codes_file = copy.path().join(".readme-exit-codes");
        let _ = std::fs::remove_file(&codes_file);
        let output = bash(copy.path(), bin.path(), home.path())
            .args(["-c", &script])
            .env("README_EXIT_CODES", &codes_file)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        for (mut server, _) in servers {
            server.kill().unwrap();
            server.wait().unwrap();
        }
        let all = format!(
            "{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let codes: Vec<i32> = std::fs::read_to_string(&codes_file)
            .unwrap_or_default()
            .lines()
            .map(|c| c.parse().unwrap())
            .collect();
        let got: Vec<(String, i32)> = expected.iter().map(|(c, _)| c.clone()).zip(codes).collect();
        assert_eq!(got, expected, "exit codes of the README's commands:\n{all}");
        if pulls {
            // The drift was pulled into the manifest, and the plan after it is empty.
            assert!(all.contains("Would pull 1 object into 1 file"), "{all}");
            assert!(all.contains("No changes."), "{all}");
            let file = std::fs::read_to_string(copy.path().join(DRIFTED)).unwrap();
            assert!(file.contains(DRIFT.1), "{file}");
        }
        if script.contains("curl ") {
            assert!(
                all.contains("\"_embedded\"") || all.contains("\"results\""),
                "curl read no list: {all}"
            );
        }
        ran += expected.len();
    }
    assert!(ran >= 15, "only {ran} README commands ran");
    let listed: std::collections::BTreeSet<&str> = NOT_RUN.iter().map(|(c, _)| *c).collect();
    assert_eq!(
        not_run_seen, listed,
        "NOT_RUN lists commands the README no longer has"
    );
    // The completions and man pages were written where the README says.
    for file in [
        ".local/share/bash-completion/completions/offerctl",
        ".config/fish/completions/offerctl.fish",
        ".local/share/man/man1/offerctl.1",
    ] {
        assert!(home.path().join(file).is_file(), "{file} was not written");
    }
}

/// Every file or directory the README links to exists.
#[test]
fn the_files_the_readme_links_to_exist() {
    let readme = readme();
    let mut checked = 0;
    for link in readme.split("](").skip(1) {
        let target = link.split(')').next().unwrap_or_default();
        let path = target.split('#').next().unwrap_or_default();
        if path.is_empty() || path.contains("://") {
            continue;
        }
        assert!(
            root().join(path).exists(),
            "the README links to {path}, which does not exist"
        );
        checked += 1;
    }
    assert!(checked > 5, "only {checked} links to files");
}

/// The README stands alone: it cites nothing a reader of the repository does not have.
#[test]
fn the_readme_cites_nothing_outside_the_repository() {
    let readme = readme();
    for citation in [
        "§",
        "seed 00",
        "../shared",
        "/work/shared",
        "team notes",
        "reference notes",
        "decision-simulation.md",
    ] {
        let lines: Vec<&str> = readme.lines().filter(|l| l.contains(citation)).collect();
        assert!(
            lines.is_empty(),
            "the README cites {citation:?}: {lines:#?}"
        );
    }
}

/// The README says how many tests `cargo test` skips, and names each: as many as are marked
/// `#[ignore` under tests/ (a test defined through `for_both_apis!` counts twice: one per API).
#[test]
fn the_readme_names_every_ignored_test() {
    fn ignored(dir: &std::path::Path, found: &mut Vec<(String, bool)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                ignored(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs")
                && !path.ends_with("support/world.rs")
            {
                let text = std::fs::read_to_string(&path).unwrap();
                let lines: Vec<&str> = text.lines().collect();
                for (i, line) in lines.iter().enumerate() {
                    if line.trim_start().starts_with("#[ignore") {
                        let name = lines[i..]
                            .iter()
                            .find_map(|l| l.split("fn ").nth(1))
                            .and_then(|rest| rest.split('(').next())
                            .unwrap()
                            .to_string();
                        found.push((name, text.contains("for_both_apis!")));
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    ignored(&root().join("tests"), &mut found);
    let count: usize = found
        .iter()
        .map(|(_, both)| if *both { 2 } else { 1 })
        .sum();
    let readme = readme();
    assert!(
        readme.contains(&format!("`cargo test` skips {count} long tests"))
            && readme.contains(&format!("run every test but the {count} long ones")),
        "the README should say `cargo test` skips {count} tests"
    );
    for (name, _) in &found {
        assert!(
            readme.contains(&format!("::{name}`")),
            "the README does not name {name}"
        );
    }
    assert!(readme.contains("cargo test -- --ignored"));
}

/// `offerctl --help` describes what the README's first lines do: every Adobe kind, ranking
/// formulas among them, and Appcharge.
#[test]
fn the_help_describes_both_vendors_and_every_adobe_kind() {
    let help = Command::cargo_bin("offerctl")
        .unwrap()
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).replace('\n', " ");
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "ranking formulas",
        "Appcharge",
        "fallback offers",
        "activities (decisions)",
    ] {
        assert!(
            help.contains(words),
            "--help does not mention {words}: {help}"
        );
    }
}
