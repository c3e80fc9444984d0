//! Manifest source text and positions in it.
//!
//! Everything downstream refers to source positions as a [`Loc`] (file + byte range) so that
//! diagnostics can point at the exact text, whichever stage finds the problem.

use std::sync::{Arc, OnceLock};

/// Index of a file in a [`SourceSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub usize);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Loc {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
}

/// Spans of YAML nodes are byte ranges in their own file. When an environment's overlay
/// patches a base document, the overlay's nodes join the base document's tree; their spans
/// then carry their file in the high bits ([`tag_span`]), and [`Loc::of_span`] reads it back.
const FILE_SHIFT: u32 = 40;

/// `span` of a node of `file` that will live in another file's tree.
pub fn tag_span(file: FileId, span: &std::ops::Range<usize>) -> std::ops::Range<usize> {
    if span.start >> FILE_SHIFT != 0 {
        return span.clone(); // tagged already
    }
    let base = (file.0 + 1) << FILE_SHIFT;
    base + span.start..base + span.end
}

impl Loc {
    /// Where a node's `span` is, for a node read in a document of `file` (a tagged span names
    /// its own file).
    pub fn of_span(file: FileId, span: &std::ops::Range<usize>) -> Loc {
        let tag = span.start >> FILE_SHIFT;
        if tag == 0 {
            return Loc {
                file,
                start: span.start,
                end: span.end,
            };
        }
        let base = tag << FILE_SHIFT;
        Loc {
            file: FileId(tag - 1),
            start: span.start - base,
            end: span.end.saturating_sub(base),
        }
    }

    pub fn len(&self) -> usize {
        self.end.saturating_sub(self.start)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One manifest file: its display path and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user should see it (relative to where offerctl was run, when possible).
    pub path: String,
    pub text: Arc<str>,
    /// Where each line starts, worked out the first time a position is shown: most runs show
    /// none, and a large catalogue has hundreds of thousands of lines.
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<Arc<str>>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        let line = line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = line_starts[line];
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count());
        (line + 1, column + 1)
    }
}

/// All manifest files of one run, addressed by [`FileId`].
#[derive(Debug, Clone, Default)]
pub struct SourceSet {
    files: Vec<SourceFile>,
}

impl SourceSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0]
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files.iter().enumerate().map(|(i, f)| (FileId(i), f))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// `path:line:column` of the start of `loc`, for one-line messages.
    pub fn describe(&self, loc: Loc) -> String {
        let file = self.get(loc.file);
        let (line, column) = file.line_col(loc.start);
        format!("{}:{line}:{column}", file.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters_not_bytes() {
        let file = SourceFile::new("a.yaml", "kind: Tag\nname: café crème\n");
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(10), (2, 1));
        let offset = file.text.find("crème").unwrap();
        assert_eq!(file.line_col(offset), (2, 12));
        assert_eq!(file.line_col(10_000), (3, 1));
    }
}
