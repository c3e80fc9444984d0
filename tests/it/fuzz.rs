//! The loader never panics, whatever bytes it is given (and neither does rendering).

use offerctl::check::check;
use offerctl::diagnostic::render;
use offerctl::source::{SourceFile, SourceSet};
use proptest::prelude::*;

use crate::root;

fn check_and_render(text: &str) {
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("fuzz.yaml", text));
    let checked = check(&sources, offerctl::providers::builtin());
    let _ = render(&checked.diagnostics, &sources, false);
    let _ = checked.graph.topological_order();
}

fn sample_texts() -> Vec<String> {
    let mut texts: Vec<String> = crate::read(&root().join("offers.d"))
        .iter()
        .map(|(_, f)| f.text.to_string())
        .collect();
    for entry in std::fs::read_dir(root().join("tests/fixtures/invalid")).unwrap() {
        texts.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    texts
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, text: String },
    DuplicateLine { line: usize },
    SwapLines { a: usize, b: usize },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let yamlish =
        prop::string::string_regex(r"[a-zA-Z0-9 :\-\[\]{}&*!|>'#,?@%`.\n\t]{1,12}").unwrap();
    prop_oneof![
        (any::<usize>(), 1..20usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), yamlish).prop_map(|(at, text)| Mutation::Insert { at, text }),
        any::<usize>().prop_map(|line| Mutation::DuplicateLine { line }),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn floor_char_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn apply(text: &mut String, mutation: &Mutation) {
    let size = text.len().max(1);
    match mutation {
        Mutation::Delete { at, len } => {
            let start = floor_char_boundary(text, at % size);
            let end = floor_char_boundary(text, start + len);
            text.replace_range(start..end, "");
        }
        Mutation::Insert { at, text: inserted } => {
            let at = floor_char_boundary(text, at % size);
            text.insert_str(at, inserted);
        }
        Mutation::DuplicateLine { line } | Mutation::SwapLines { a: line, .. }
            if text.is_empty() =>
        {
            let _ = line;
        }
        Mutation::DuplicateLine { line } => {
            let mut lines: Vec<&str> = text.lines().collect();
            let i = line % lines.len().max(1);
            if let Some(copy) = lines.get(i).copied() {
                lines.insert(i, copy);
            }
            *text = lines.join("\n");
        }
        Mutation::SwapLines { a, b } => {
            let mut lines: Vec<&str> = text.lines().collect();
            let n = lines.len().max(1);
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            *text = lines.join("\n");
        }
        Mutation::Truncate { at } => {
            let at = floor_char_boundary(text, at % size);
            text.truncate(at);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
        check_and_render(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn yaml_punctuation_soup_never_panics(text in r"[a-z:\-\[\]{}&*!|>'#,?@%`. \n\t]{0,400}") {
        check_and_render(&text);
    }

    #[test]
    fn mutated_valid_manifests_never_panic(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let texts = sample_texts();
        let mut text = texts[which.index(texts.len())].clone();
        for m in &mutations {
            apply(&mut text, m);
        }
        check_and_render(&text);
    }
}

#[test]
fn very_large_and_deep_inputs_are_refused_cleanly() {
    check_and_render(&"[".repeat(100_000));
    check_and_render(&"- ".repeat(50_000));
    check_and_render(&format!("kind: Tag\nname: {}\n", "x".repeat(1_000_000)));
}
