//! The documents `pull` rewrites, read again as trees: only those, and a few of a file each
//! without the rest of the file.

use std::collections::HashMap;

use crate::manifest::Object;
use crate::source::{FileId, Loc, SourceSet};
use crate::yaml;

/// The trees of these objects' documents, by file, only these documents kept: each read alone
/// ([`alone`]) when a file has a few, else the file read once (a large one in parts).
pub(super) fn of(sources: &SourceSet, objects: &[&Object]) -> HashMap<FileId, yaml::Stream> {
    const READ_ALONE: usize = 4;
    let mut wanted: HashMap<FileId, Vec<Loc>> = HashMap::new();
    for object in objects {
        wanted.entry(object.loc.file).or_default().push(object.loc);
    }
    let mut trees = HashMap::new();
    wanted.retain(|&file, locs| {
        let text = &sources.get(file).text;
        if locs.len() > READ_ALONE {
            return true;
        }
        let alone: Option<Vec<yaml::Document>> = locs.iter().map(|loc| alone(text, loc)).collect();
        let Some(documents) = alone else {
            return true;
        };
        let stream = yaml::Stream {
            documents,
            error: None,
        };
        trees.insert(file, stream);
        false
    });
    let read = yaml::read_files(
        sources,
        |file| wanted.contains_key(&file),
        yaml::PART_SIZE,
        |file, document| {
            wanted[&file]
                .iter()
                .any(|loc| loc.start == document.root.span.start)
                .then_some(document)
        },
    );
    for file in read {
        let documents = file.documents.into_iter().flatten().collect();
        let stream = yaml::Stream {
            documents,
            error: file.error,
        };
        trees.insert(file.file, stream);
    }
    trees
}

/// The tree of the document whose root is at `loc` of `text`, read without the others: the
/// text before it blanked (each byte but a line break made a space, so every place and column
/// stays) and the text after it cut where the next document's marker line starts (no scalar
/// may contain one: YAML 1.2, `c-forbidden`). `None` when the text has directives (they apply
/// to the documents after them) or when this does not read as a document of exactly that
/// span: the whole file is read then.
pub(super) fn alone(text: &str, loc: &Loc) -> Option<yaml::Document> {
    let before = text.get(..loc.start)?;
    if text.lines().any(|line| line.starts_with('%')) {
        return None;
    }
    let marker = |line: &str| {
        ["---", "..."].iter().any(|m| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
        })
    };
    let mut end = loc.start;
    for line in text[loc.start..].split_inclusive('\n') {
        if end > loc.start && marker(line) {
            break;
        }
        end += line.len();
    }
    let mut alone: String = before
        .bytes()
        .map(|b| if b == b'\n' { '\n' } else { ' ' })
        .collect();
    alone.push_str(&text[loc.start..end]);
    let stream = yaml::parse(&alone);
    if stream.error.is_some() {
        return None;
    }
    let [document]: [yaml::Document; 1] = stream.documents.try_into().ok()?;
    (document.root.span == (loc.start..loc.end)).then_some(document)
}
