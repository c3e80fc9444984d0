//! `examples/environments/` as a user runs it: every environment validates, plans and
//! applies against its own embedded repository, and the located errors of offerctl.yaml and of
//! overlays reach the user with exit code 3.

use assert_cmd::Command;

use crate::root;

/// A copy of the example in a new directory (its embedded repositories live there).
fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy(&root().join("examples/environments"), dir.path());
    dir
}

fn copy(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn offerctl(dir: &std::path::Path) -> Command {
    let mut command = Command::cargo_bin("offerctl").unwrap();
    command.current_dir(dir).env("NO_COLOR", "1");
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("OFFERCTL_")) {
        command.env_remove(key);
    }
    command
}

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let output = offerctl(dir).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_example_validates_plans_and_applies_in_every_environment() {
    let dir = example();
    let (code, out, err) = run(dir.path(), &["validate", "--all-envs"]);
    assert_eq!(code, 0, "{out}{err}");
    for (env, objects) in [("dev", 8), ("stage", 7), ("prod", 6)] {
        assert!(
            out.contains(&format!("offers.d (environment {env}): {objects} objects")),
            "{out}"
        );
    }
    let (code, out, err) = run(dir.path(), &["plan", "--all-envs", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}{err}");
    assert_eq!(out.matches("=== Environment ").count(), 3, "{out}");
    for env in ["dev", "stage", "prod"] {
        let (code, out, err) = run(dir.path(), &["apply", "--env", env, "--auto-approve"]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(
            err.contains(&format!(".offerctl/environments/{env}/repository")),
            "each environment has its own embedded repository: {err}"
        );
    }
    let (code, out, err) = run(dir.path(), &["plan", "--all-envs", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    // The default environment, and the example's formatting.
    let (code, out, err) = run(dir.path(), &["plan", "--detailed-exitcode"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(dir.path(), &["fmt", "--check", "--env", "prod"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = run(dir.path(), &["render", "--env", "prod"]);
    assert_eq!(code, 0);
    assert!(out.contains("# Offer/Spring sale: from offers.d/catalogue.yaml:12:1, patched by envs/prod/catalogue.yaml:6:1"), "{out}");
    assert!(
        out.contains("deliveryURL: https://cdn.example.com/offers/spring-sale.png"),
        "{out}"
    );
    assert!(!out.contains("Summer preview"), "{out}");
}

#[test]
fn configuration_and_overlay_mistakes_are_located_and_exit_3() {
    let dir = example();
    let config = dir.path().join("offerctl.yaml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("defaultEnvironment: dev", "defaultEnvironment: qa"),
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["validate"]);
    assert_eq!(code, 3);
    assert!(err.contains("offerctl.yaml:28:21: `defaultEnvironment` names `qa`, which `environments` does not define; environments: dev, stage, prod"), "{err}");
    std::fs::write(&config, &text).unwrap();

    let overlay = dir.path().join("envs/stage/catalogue.yaml");
    std::fs::write(
        &overlay,
        "kind: Offer\nname: Summer peview\npatch:\n  priority: 1\n",
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["validate", "--env", "stage"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("the base manifests define no Offer named `Summer peview`"),
        "{err}"
    );
    assert!(err.contains("envs/stage/catalogue.yaml:2:7"), "{err}");
    assert!(err.contains("did you mean `Summer preview`?"), "{err}");
    // Other environments are not affected by stage's overlay.
    let (code, _, err) = run(dir.path(), &["validate", "--env", "prod"]);
    assert_eq!(code, 0, "{err}");

    let base = dir.path().join("offers.d/catalogue.yaml");
    let text = std::fs::read_to_string(&base).unwrap();
    std::fs::write(
        &base,
        text.replace(
            "${{ vars.cdn }}/offers/welcome",
            "${{ vars.cnd }}/offers/welcome",
        ),
    )
    .unwrap();
    let (code, _, err) = run(dir.path(), &["validate", "--env", "prod"]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("undefined variable `cnd`"), "{err}");
    assert!(err.contains("offers.d/catalogue.yaml:47:22"), "{err}");
}
