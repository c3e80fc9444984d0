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
