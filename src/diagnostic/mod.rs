//! Located problems found in manifests, and their rendering as source-annotated reports.
//!
//! Stages produce plain [`Diagnostic`] values (pure data); only [`render`] knows about miette.

pub mod machine;

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::source::{Loc, SourceSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A piece of source text a diagnostic points at, with a short caption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub loc: Loc,
    pub text: String,
}

/// One problem: what is wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable, greppable identifier such as `unknown-field`.
    pub code: &'static str,
    pub message: String,
    /// Where the problem is. The first label is the primary one.
    pub labels: Vec<Label>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            labels: Vec::new(),
            help: None,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn with_label(mut self, loc: Loc, text: impl Into<String>) -> Self {
        self.labels.push(Label {
            loc,
            text: text.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Sort key: by file, then position, so reports read top to bottom.
    fn position(&self) -> Option<Loc> {
        self.labels.first().map(|label| label.loc)
    }
}

/// Orders diagnostics by where they point (unlocated ones last), keeping the order of those at
/// the same place.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| (d.position().is_none(), d.position()));
}

/// "Did you mean ...?" for a misspelt word, from the candidates that are close enough.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|candidate| {
            let score = strsim::jaro_winkler(&lower, &candidate.to_lowercase());
            (score, candidate)
        })
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate)
}

/// "a tag", "an offer": the word with its indefinite article.
pub fn a(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// Most labels one report shows as text. miette lays out each label against every other on the
/// same lines, so a diagnostic with thousands of them (a long dependency cycle) would take minutes
/// to draw; the rest are counted in a note (machine output keeps them all).
pub const MAX_LABELS_SHOWN: usize = 12;

/// Renders diagnostics as miette reports, each naming `file:line:column` and showing the source.
pub fn render(diagnostics: &[Diagnostic], sources: &SourceSet, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = Report::new(diagnostic, sources);
        // Writing into a String cannot fail; a renderer bug must not hide the problem itself.
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("error: {}\n", diagnostic.message));
        }
    }
    out
}

/// The miette view of one [`Diagnostic`]. Labels in other files become related reports, since a
/// miette report shows a single source.
#[derive(Debug)]
struct Report {
    severity: Severity,
    code: &'static str,
    message: String,
    help: Option<String>,
    source: Option<NamedSource<std::sync::Arc<str>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, sources: &SourceSet) -> Self {
        let primary_file = diagnostic.labels.first().map(|label| label.loc.file);
        let mut labels = Vec::new();
        let mut related = Vec::new();
        let shown = diagnostic.labels.len().min(MAX_LABELS_SHOWN);
        for (i, label) in diagnostic.labels[..shown].iter().enumerate() {
            let span = SourceSpan::new(label.loc.start.into(), label.loc.len());
            if Some(label.loc.file) == primary_file {
                let text = Some(label.text.clone());
                labels.push(if i == 0 {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                });
            } else {
                let file = sources.get(label.loc.file);
                related.push(Report {
                    severity: Severity::Warning,
                    code: "",
                    message: format!("see also {}", sources.describe(label.loc)),
                    help: None,
                    source: Some(NamedSource::new(&file.path, file.text.clone())),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        Some(label.text.clone()),
                        span,
                    )],
                    related: Vec::new(),
                });
            }
        }
        let source = primary_file.map(|id| {
            let file = sources.get(id);
            NamedSource::new(&file.path, file.text.clone()).with_language("yaml")
        });
        let hidden = diagnostic.labels.len() - shown;
        let help = match (&diagnostic.help, hidden) {
            (help, 0) => help.clone(),
            (help, _) => {
                let note =
                    format!("{hidden} more places not shown (`--output json` lists them all)");
                Some(
                    help.as_ref()
                        .map_or(note.clone(), |help| format!("{help}\n{note}")),
                )
            }
        };
        Report {
            severity: diagnostic.severity,
            code: diagnostic.code,
            message: diagnostic.message.clone(),
            help,
            source,
            labels,
            related,
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        (!self.labels.is_empty()).then(|| Box::new(self.labels.iter().cloned()) as Box<_>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        (!self.related.is_empty())
            .then(|| Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)) as Box<_>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_pick_the_closest_candidate_only_when_close() {
        let fields = ["name", "status", "priority", "representations"];
        assert_eq!(suggest("priorty", fields), Some("priority"));
        assert_eq!(suggest("Status", fields), Some("status"));
        assert_eq!(suggest("colour", fields), None);
        assert_eq!(a("eligibility rule"), "an eligibility rule");
        assert_eq!(a("Tag"), "a Tag");
    }
}
