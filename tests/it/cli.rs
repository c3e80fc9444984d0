//! The command line as users run it: exit codes, messages, formats, colour.

use assert_cmd::Command;
use predicates::prelude::*;

use crate::root;

fn offerctl() -> Command {
    let mut command = Command::cargo_bin("offerctl").unwrap();
    command
        .current_dir(root())
        .env_remove("NO_COLOR")
        .env_remove("OFFERCTL_DIR");
    command
}

#[test]
fn the_sample_catalogue_is_in_canonical_form() {
    offerctl()
        .args(["fmt", "--check", "--dir", "offers.d"])
        .assert()
        .code(0);
}

#[test]
fn validate_accepts_the_sample_by_default() {
    offerctl()
        .arg("validate")
        .assert()
        .code(0)
        .stdout("offers.d: 26 objects in 10 files valid\n")
        .stderr("");
}

#[test]
fn validate_reports_every_problem_with_file_line_and_column_and_exits_3() {
    offerctl()
        .args([
            "validate",
            "--dir",
            "tests/fixtures/invalid/unknown-field.yaml",
        ])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("unknown field `priorty` in Offer"))
        .stderr(predicate::str::contains(
            "[tests/fixtures/invalid/unknown-field.yaml:8:1]",
        ))
        .stderr(predicate::str::contains("did you mean `priority`?"))
        .stderr(predicate::str::contains(
            "unknown field `deliveryUrl` in component",
        ))
        .stderr(predicate::str::contains("did you mean `deliveryURL`?"))
        .stderr(predicate::str::contains(
            "error: tests/fixtures/invalid/unknown-field.yaml: 2 errors in 1 file",
        ));
}

#[test]
fn whole_corpus_at_once_reports_problems_from_every_file() {
    let output = offerctl()
        .args(["validate", "--dir", "tests/fixtures/invalid"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let files = std::fs::read_dir(root().join("tests/fixtures/invalid"))
        .unwrap()
        .count();
    for entry in std::fs::read_dir(root().join("tests/fixtures/invalid")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        // Reference checks are skipped when any file has a syntax error, so look for the file
        // names of local problems only: every file has at least one.
        if ![
            "fallback-placement.yaml",
            "wrong-kind-reference.yaml",
            "unknown-reference.yaml",
            "cycle.yaml",
            "appcharge-references.yaml",
        ]
        .contains(&name.as_str())
        {
            assert!(
                stderr.contains(&format!("invalid/{name}:")),
                "no problem reported in {name}"
            );
        }
    }
    // Every file of the corpus has an error.
    assert!(
        stderr.contains(&format!("errors in {files} files")),
        "{stderr}"
    );
    assert!(stderr.contains("references between objects were not checked"));
}

/// The summary counts the files that have errors, not every file read.
#[test]
fn the_summary_counts_the_files_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..10 {
        std::fs::write(
            dir.path().join(format!("tag-{i}.yaml")),
            format!("kind: Tag\nname: tag {i}\n"),
        )
        .unwrap();
    }
    std::fs::write(
        dir.path().join("broken.yaml"),
        "kind: Tag\nname: a\ncolour: red\n---\nkind: Tag\nname: b\nshade: blue\n",
    )
    .unwrap();
    offerctl()
        .args(["validate", "--dir"])
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(": 2 errors in 1 of 11 files\n"));
}

#[test]
fn missing_directory_and_empty_directory_are_configuration_errors() {
    offerctl()
        .args(["validate", "--dir", "no-such-dir"])
        .assert()
        .code(3)
        .stderr("error: manifest directory `no-such-dir` does not exist\n");
    let empty = tempfile::tempdir().unwrap();
    offerctl()
        .args(["validate", "--dir"])
        .arg(empty.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "no manifests (*.yaml, *.yml) found",
        ));
}

#[test]
fn directory_can_come_from_the_environment() {
    offerctl()
        .arg("validate")
        .env("OFFERCTL_DIR", "examples/minimal")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("examples/minimal: "));
}

#[test]
fn graph_prints_the_creation_order() {
    let output = offerctl().arg("graph").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}

#[test]
fn graph_dot_is_graphviz() {
    offerctl()
        .args(["graph", "--format", "dot"])
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("digraph offerctl {"))
        .stdout(predicate::str::contains(
            "\"Placement/Kiosk banner\" -> \"Activity/Kiosk personalization\" [label=\"placement\"];",
        ));
}

#[test]
fn graph_of_a_cycle_exits_3_with_the_path() {
    offerctl()
        .args(["graph", "--dir", "tests/fixtures/invalid/cycle.yaml"])
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains(
            "dependency cycle: Tag/travel → Offer/Lounge day pass → Tag/travel",
        ));
}

#[test]
fn schema_is_printed_as_json() {
    let output = offerctl().arg("schema").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let kinds = offerctl::providers::builtin().kinds().len();
    assert_eq!(schema["oneOf"].as_array().unwrap().len(), kinds);
}

#[test]
fn help_documents_the_exit_codes_and_every_subcommand_has_examples() {
    offerctl()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("Exit codes:"))
        .stdout(predicate::str::contains("6  destructive change refused"));
    for command in ["validate", "graph", "schema"] {
        offerctl()
            .args([command, "--help"])
            .assert()
            .code(0)
            .stdout(predicate::str::contains("Examples:"));
    }
    offerctl()
        .arg("--version")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("offerctl "));
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let bad = "tests/fixtures/invalid/date-order.yaml";
    let always = offerctl()
        .args(["--color", "always", "validate", "--dir", bad])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&always.stderr).contains('\u{1b}'));
    let never = offerctl()
        .args(["--color", "never", "validate", "--dir", bad])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&never.stderr).contains('\u{1b}'));
    let no_color = offerctl()
        .args(["validate", "--dir", bad])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&no_color.stderr).contains('\u{1b}'));
}

#[test]
fn plan_and_apply_flags_can_come_from_the_environment() {
    for (command, flags) in [
        (
            "plan",
            &[
                "--prune",
                "--prune-kind",
                "--allow-delete",
                "--max-deletes",
                "--output",
                "--out",
                "--detailed-exitcode",
            ][..],
        ),
        (
            "apply",
            &[
                "--auto-approve",
                "--parallelism",
                "--journal",
                "--endpoint",
                "--sandbox",
                "--org",
            ][..],
        ),
    ] {
        let help = offerctl().args([command, "--help"]).output().unwrap();
        let help = String::from_utf8(help.stdout).unwrap();
        for flag in flags {
            // The flag's help block: from its line to the next flag's line.
            let is_flag = |l: &str| {
                let l = l.trim_start();
                l.starts_with("--") || (l.starts_with('-') && l.contains(", --"))
            };
            let mut block = help
                .lines()
                .skip_while(|l| !(is_flag(l) && l.contains(flag)));
            let first = block.next().unwrap_or_default();
            let rest: Vec<&str> = block.take_while(|l| !is_flag(l)).collect();
            let line = format!("{first}\n{}", rest.join("\n"));
            assert!(
                line.contains("[env: OFFERCTL_"),
                "{command} {flag} has no environment variable:\n{line}"
            );
        }
    }
}

/// Flags naming kinds are parsed before the command builds anything: the spelling resolves
/// through the compiled-in providers' registry, built on first use.
#[test]
fn the_kind_flags_resolve_before_anything_else_runs() {
    let state = tempfile::tempdir().unwrap();
    offerctl()
        .args([
            "plan",
            "--prune",
            "--prune-kind",
            "Offer,Tag",
            "--state-dir",
        ])
        .arg(state.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("not a kind").not());
    offerctl()
        .args(["plan", "--prune-kind", "Ofer"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a kind; kinds are "))
        .stderr(predicate::str::contains("Offer"));
}

#[test]
fn usage_errors_are_reported_by_clap() {
    offerctl()
        .args(["graph", "--format", "svg"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value 'svg'"));
}

#[test]
fn validate_reports_json_for_tools() {
    let output = offerctl()
        .args([
            "validate",
            "--output",
            "json",
            "--dir",
            "tests/fixtures/invalid/unknown-field.yaml",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(
        output.stderr.starts_with(b"error: "),
        "only the summary on stderr"
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(report["errors"], 2);
    let first = &report["diagnostics"][0];
    assert_eq!(first["code"], "unknown-field");
    assert_eq!(
        first["labels"][0]["file"],
        "tests/fixtures/invalid/unknown-field.yaml"
    );
    assert_eq!(first["labels"][0]["line"], 8);
    assert_eq!(first["labels"][0]["column"], 1);

    let output = offerctl()
        .args(["validate", "--output", "json", "--dir", "examples/minimal"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["valid"], true);
    assert!(report["objects"].as_u64().unwrap() > 0);
    assert_eq!(report["diagnostics"], serde_json::json!([]));
}

#[test]
fn under_github_actions_problems_become_annotations_on_the_diff() {
    let annotations = |args: &[&str], env: Option<(&str, &str)>| {
        let mut command = offerctl();
        command.args(args);
        if let Some((k, v)) = env {
            command.env(k, v);
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(3));
        String::from_utf8(output.stdout).unwrap()
    };
    let fixture = "tests/fixtures/invalid/unknown-field.yaml";
    let explicit = annotations(&["validate", "--output", "github", "--dir", fixture], None);
    assert!(
        explicit.starts_with(&format!(
            "::error file={fixture},line=8,col=1,endLine=8,endColumn=8,title=offerctl%3A unknown-field::"
        )),
        "{explicit}"
    );
    assert_eq!(explicit.lines().count(), 2, "{explicit}");
    let from_env = annotations(
        &["validate", "--dir", fixture],
        Some(("GITHUB_ACTIONS", "true")),
    );
    assert_eq!(from_env, explicit);
    // plan loads the same manifests before any repository is read: the same annotations.
    let dir = tempfile::tempdir().unwrap();
    let plan = annotations(
        &[
            "plan",
            "--state-dir",
            dir.path().to_str().unwrap(),
            "--dir",
            fixture,
        ],
        Some(("GITHUB_ACTIONS", "true")),
    );
    assert_eq!(plan, explicit);
    let plain = annotations(
        &["validate", "--dir", fixture],
        Some(("GITHUB_ACTIONS", "false")),
    );
    assert_eq!(plain, "", "no annotations outside GitHub Actions");
}

#[test]
fn completions_and_man_pages_come_from_the_same_flags() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef offerctl"),
        ("fish", "complete -c offerctl"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let output = offerctl().args(["completions", shell]).output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.contains(marker), "{shell}: {marker}");
        assert!(
            script.contains("prune-deactivate"),
            "{shell} knows the plan flags"
        );
    }
    let output = offerctl().arg("man").output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(
        page.starts_with(".ie") || page.contains(".TH offerctl"),
        "{}",
        &page[..200.min(page.len())]
    );
    assert!(page.contains("validate"));
    let dir = tempfile::tempdir().unwrap();
    offerctl()
        .args(["man", "--out"])
        .arg(dir.path())
        .assert()
        .code(0);
    for page in [
        "offerctl.1",
        "offerctl-plan.1",
        "offerctl-apply.1",
        "offerctl-validate.1",
    ] {
        assert!(dir.path().join(page).is_file(), "{page}");
    }
}

#[test]
fn simulate_answers_each_profile_of_a_json_lines_file_and_explains_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let profiles = dir.path().join("profiles.jsonl");
    std::fs::write(
        &profiles,
        "{\"creditScore\": 720, \"homeAddress\": {\"countryCode\": \"US\"}}\n\n{\"creditScore\": 500}\n",
    )
    .unwrap();
    let run = |explain: bool| {
        let mut command = offerctl();
        command
            .args(["simulate", "--profile"])
            .arg(&profiles)
            .args([
                "--at",
                "2026-06-01T12:00:00Z",
                "--decision",
                "Kiosk personalization",
                "--output",
                "json",
            ]);
        if explain {
            command.arg("--explain");
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(0));
        String::from_utf8(output.stdout).unwrap()
    };
    let lines: Vec<serde_json::Value> = run(false)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["profile"], 1);
    assert_eq!(
        lines[0]["xdm:propositions"][0]["xdm:options"][0]["xdm:name"],
        "ABC Bank Credit Card"
    );
    assert_eq!(
        lines[1]["xdm:propositions"][0]["xdm:fallback"]["xdm:name"],
        "Default for Kiosk Placements"
    );
    assert!(lines[0].get("explain").is_none());
    let explained: serde_json::Value =
        serde_json::from_str(run(true).lines().nth(1).unwrap()).unwrap();
    let candidates = explained["explain"][0]["candidates"].as_array().unwrap();
    let abc = candidates
        .iter()
        .find(|c| c["offer"] == "ABC Bank Credit Card")
        .unwrap();
    assert_eq!(abc["reason"]["code"], "OFFER_RULE_FALSE");
    assert_eq!(abc["reason"]["failing"], "profile.creditScore >= 700");
}

#[test]
fn simulate_refuses_bad_input_with_exit_3() {
    offerctl()
        .args(["simulate", "--profile", "Cargo.toml"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("Cargo.toml:1: not a JSON profile"));
    offerctl()
        .args([
            "simulate",
            "--profile",
            "tests.d/profiles/subscriber-poor-credit.json",
            "--at",
            "yesterday",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--at is not an RFC 3339 instant"));
    offerctl()
        .args([
            "simulate",
            "--profile",
            "tests.d/profiles/subscriber-poor-credit.json",
            "--decision",
            "Kiosk personalisation",
        ])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "no decision (Activity) named `Kiosk personalisation`; did you mean `Kiosk personalization`?",
        ));
}

#[test]
fn misspelt_names_in_an_expectation_are_located_errors_with_suggestions() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("typos.yaml");
    std::fs::write(
        &file,
        "name: typos\ndecision: Kiosk personalisation\nplacement: Kiosk baner\nexpect:\n  offers: [ABC Bank Credt Card]\n  excluded:\n    ABC Platinum Crd: NOT_APROVED\n",
    )
    .unwrap();
    let output = offerctl()
        .args(["test", "--tests"])
        .arg(&file)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "no decision (Activity) named `Kiosk personalisation` in the catalogue",
        "typos.yaml:2:11]",
        "did you mean `Kiosk personalization`?",
        "no placement named `Kiosk baner`",
        "did you mean `Kiosk banner`?",
        "typos.yaml:5:12]",
        "did you mean `ABC Bank Credit Card`?",
        "did you mean `ABC Platinum Card`?",
        "no reason code named `NOT_APROVED`",
        "did you mean `NOT_APPROVED`?",
        "5 names that the catalogue does not have",
    ] {
        assert!(err.contains(expected), "{expected}:\n{err}");
    }
    assert!(output.stdout.is_empty(), "nothing is run");
    // The sample's expectations name only what the sample has.
    offerctl().args(["test"]).assert().code(0);
}

/// Export from two repositories names each on a line of its own, not run into one sentence.
#[test]
fn export_from_two_repositories_names_each_on_its_own_line() {
    let copy = crate::readme::fresh_copy();
    let run = |args: &[&str]| {
        Command::cargo_bin("offerctl")
            .unwrap()
            .args(args)
            .current_dir(copy.path())
            .env("NO_COLOR", "1")
            .env_remove("OFFERCTL_DIR")
            .output()
            .unwrap()
    };
    assert!(run(&["apply", "--auto-approve"]).status.success());
    let exported = run(&["export", "--out", "exported"]);
    let stderr = String::from_utf8_lossy(&exported.stderr);
    assert!(exported.status.success(), "{stderr}");
    let summary: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("Exported "))
        .collect();
    assert!(
        summary[0].starts_with("Exported 26 objects to exported (")
            && summary[0].ends_with("), from 2 repositories:"),
        "{stderr}"
    );
    assert!(
        summary[1].starts_with("  embedded repository in .offerctl/repository"),
        "{stderr}"
    );
    assert!(summary[2].contains("Appcharge"), "{stderr}");
    assert_eq!(
        summary[3],
        "Check the round trip with: offerctl plan --dir exported"
    );
}

/// simulate's footer says when it decided to the second, with nothing smaller, and counts in
/// words that agree with the numbers.
#[test]
fn the_simulate_footer_says_now_to_the_second() {
    let output = offerctl()
        .args([
            "simulate",
            "--profile",
            "tests.d/profiles/good-credit-us.json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let footer = stderr.lines().last().unwrap_or_default();
    let (_, at) = footer.split_once(" at ").expect(footer);
    let (at, rest) = at.split_once(' ').expect(footer);
    assert_eq!(rest, "over the manifests' catalogue.", "{footer}");
    assert_eq!(at.len(), "2026-06-01T12:00:00Z".len(), "{footer}");
    assert!(at.ends_with('Z') && !at.contains('.'), "{footer}");
    assert!(
        footer.starts_with("Decided ") && footer.contains(" for 1 profile at "),
        "{footer}"
    );
    assert!(!footer.contains("(s)"), "{footer}");
}
