//! The CI examples call offerctl with flags that exist: every `offerctl ...` command line in
//! `examples/ci/` parses with the real command-line definitions.

use clap::Parser;
use offerctl::cli::Cli;

use crate::root;

/// The `offerctl` invocations of a workflow file: from `offerctl` to the end of the command
/// (a redirection, pipe, `;`, `&&` or the end of the line).
fn invocations(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let mut rest = line;
        while let Some(at) = rest.find("offerctl ") {
            let before = rest[..at].trim_end();
            let starts_command = before.is_empty()
                || before.ends_with(['-', ';', '(', '|'])
                || before.ends_with("run:")
                || before.ends_with("&&")
                || before.ends_with("set -e;")
                || before.ends_with("set +e;");
            let command = &rest[at..];
            let end = command
                .find([';', '|', '>', '&', '#'])
                .unwrap_or(command.len());
            if starts_command {
                let words: Vec<String> = command[..end]
                    .split_whitespace()
                    .filter(|w| *w != "2")
                    .map(str::to_string)
                    .collect();
                out.push(words);
            }
            rest = &command[end.max(1)..];
        }
    }
    out
}

#[test]
fn every_offerctl_command_in_the_ci_examples_parses() {
    let mut checked = 0;
    for entry in std::fs::read_dir(root().join("examples/ci")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for words in invocations(&text) {
            if let Err(error) = Cli::try_parse_from(&words) {
                panic!(
                    "{}: `{}` does not parse:\n{error}",
                    path.display(),
                    words.join(" ")
                );
            }
            checked += 1;
        }
    }
    // plan and pull in both drift workflows, plan in the others, apply on merge.
    assert!(checked >= 7, "only {checked} offerctl commands found");
}

#[test]
fn the_invocation_finder_finds_commands_and_not_mentions() {
    let text = "      - run: offerctl plan --out plan.json > x\n  # offerctl pull rewrites\n    - set +e; offerctl pull --dry-run 2> log; code=$?\n";
    let found = invocations(text);
    assert_eq!(
        found,
        vec![
            vec![
                "offerctl".to_string(),
                "plan".into(),
                "--out".into(),
                "plan.json".into()
            ],
            vec!["offerctl".to_string(), "pull".into(), "--dry-run".into()],
        ]
    );
}
