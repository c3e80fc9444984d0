//! Manifests read in parts on several threads give exactly what one reading from the first
//! file to the last gives: the same objects, the same diagnostics, in the same order.

use super::toy::providers;
use crate::manifest::{Loaded, load_in_parts};
use crate::source::{SourceFile, SourceSet};
use crate::yaml::parts;

/// `n` books on one shelf, with a problem (an unknown field) every 97th, and `tail` appended.
fn library(n: usize, tail: &str) -> String {
    let mut text = String::from(
        "kind: Shelf\nname: fiction\nlabel: |\n  ---\n  a block scalar may hold this line when indented\n",
    );
    for i in 0..n {
        let extra = if i % 97 == 0 { "colour: red\n" } else { "" };
        text.push_str(&format!(
            "---\nkind: Book\nname: book {i}\nshelf: fiction\npages: {i}\n{extra}"
        ));
    }
    text + tail
}

/// What a reading found, as text: each object, each diagnostic with where it points.
fn found(sources: &SourceSet, loaded: &Loaded) -> Vec<String> {
    let objects = loaded
        .catalog
        .objects()
        .iter()
        .map(|o| format!("{} at {}", o.name(), sources.describe(o.loc)));
    let diagnostics = loaded.diagnostics.iter().map(|d| {
        let at = d
            .labels
            .first()
            .map(|l| sources.describe(l.loc))
            .unwrap_or_default();
        format!("{at}: {} {}", d.code, d.message)
    });
    objects.chain(diagnostics).collect()
}

fn read(texts: &[&str], part_size: usize) -> Vec<String> {
    let mut sources = SourceSet::new();
    for (i, text) in texts.iter().enumerate() {
        sources.add(SourceFile::new(
            format!("offers.d/{i}.yaml"),
            text.to_string(),
        ));
    }
    let loaded = load_in_parts(&sources, &providers(), part_size);
    found(&sources, &loaded)
}

#[test]
fn a_text_is_cut_only_where_a_document_starts() {
    let text = library(50, "");
    let cut = parts(&text, 200);
    assert!(cut.len() > 5, "{cut:?}");
    assert_eq!(cut.first().map(|r| r.start), Some(0));
    assert_eq!(cut.last().map(|r| r.end), Some(text.len()));
    for pair in cut.windows(2) {
        assert_eq!(pair[0].end, pair[1].start);
        assert!(
            text[pair[1].clone()].starts_with("---\n"),
            "{:?}",
            &text[pair[1].clone()]
        );
    }
    // A directive applies to the next document: such a text is read whole.
    assert_eq!(parts(&format!("%YAML 1.2\n{text}"), 200).len(), 1);
    assert_eq!(parts("kind: Shelf\n", 1).len(), 1);
}

#[test]
fn parts_read_on_several_threads_give_what_one_reading_gives() {
    let (big, small) = (library(3000, ""), library(3, ""));
    // The same names twice: the last file's are duplicates, reported where they are.
    let other = big.replace("name: book", "name: novel");
    let files = [big.as_str(), small.as_str(), other.as_str(), big.as_str()];
    let whole = read(&files, usize::MAX);
    assert!(whole.iter().any(|f| f.contains("colour")), "{whole:?}");
    assert!(
        whole
            .iter()
            .any(|f| f.contains("novel 2999 at offers.d/2.yaml"))
    );
    for part_size in [1, 700, 64 * 1024] {
        assert_eq!(read(&files, part_size), whole, "parts of {part_size} bytes");
    }
}

#[test]
fn a_syntax_error_stops_its_file_as_when_it_is_read_whole() {
    // The error sits in the middle: nothing after it in that file is decoded, whatever part
    // it falls in; the other files are read.
    let broken = library(
        2000,
        "---\nkind: Book\nname: [unclosed\n---\nkind: Book\nname: after\nshelf: fiction\npages: 1\n",
    ) + &library(10, "");
    let fine = library(5, "");
    let whole = read(&[&broken, &fine], usize::MAX);
    assert!(whole.iter().any(|f| f.contains("yaml-syntax")), "{whole:?}");
    assert!(!whole.iter().any(|f| f.starts_with("after ")), "{whole:?}");
    for part_size in [1, 4096] {
        assert_eq!(
            read(&[&broken, &fine], part_size),
            whole,
            "parts of {part_size} bytes"
        );
    }
}

#[test]
fn a_large_base_read_in_parts_layers_as_when_read_whole() {
    use crate::environment::overlay::{Layering, names_in};
    use crate::manifest::{Overlays, SharedBase, load_layered};
    let base = library(6000, "");
    assert!(
        parts(&base, crate::yaml::PART_SIZE).len() > 1,
        "the base is read in parts"
    );
    let overlay = "kind: Book\nname: book 4500\npatch:\n  pages: 1\n";
    let mut sources = SourceSet::new();
    sources.add(SourceFile::new("offers.d/0.yaml", base.clone()));
    let env = sources.add(SourceFile::new("envs/dev/0.yaml", overlay));
    let names = names_in([overlay]).into_iter().collect();
    let shared = SharedBase::new(
        &sources,
        |file| file != env,
        Overlays {
            names: Some(&names),
            environments: 1,
        },
        &providers(),
    );
    let layering = Layering {
        overlays: vec![env],
        vars: Some(Default::default()),
    };
    let (layered, _) = load_layered(&shared, &sources, &layering, &providers());
    let layered = found(&sources, &layered);
    // The same objects at the same places, and the same problems, as the base read whole.
    let whole = read(&[&base], usize::MAX);
    assert_eq!(layered.len(), whole.len());
    assert_eq!(layered, whole);
    let book = shared
        .base
        .documents
        .iter()
        .filter(|d| d.tree.is_some())
        .count();
    assert_eq!(book, 1, "only the patched document keeps its tree");
}
