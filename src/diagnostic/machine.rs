//! Diagnostics for machines: GitHub Actions workflow annotations (so problems show on a pull
//! request's diff) and a JSON document (for editors and other tools). The miette rendering for
//! people is in the parent module.

use serde_json::{Value, json};

use super::{Diagnostic, Severity};
use crate::source::{Loc, SourceSet};

/// Where a location starts and ends, 1-based, as `(line, column, end line, end column)`.
fn span(sources: &SourceSet, loc: Loc) -> (usize, usize, usize, usize) {
    let file = sources.get(loc.file);
    let (line, column) = file.line_col(loc.start);
    let (end_line, end_column) = file.line_col(loc.end.max(loc.start));
    (line, column, end_line, end_column)
}

/// Escapes the message of a workflow command (`%`, CR and LF), as the Actions toolkit does.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property of a workflow command: the message escapes plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=…::message` line per
/// diagnostic (`::warning` for warnings). The message carries the help, since annotations
/// show only one text.
pub fn github(diagnostics: &[Diagnostic], sources: &SourceSet) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut properties = Vec::new();
        if let Some(label) = diagnostic.labels.first() {
            let (line, column, end_line, end_column) = span(sources, label.loc);
            let path = &sources.get(label.loc.file).path;
            properties.push(format!("file={}", escape_property(path)));
            properties.push(format!("line={line}"));
            properties.push(format!("col={column}"));
            properties.push(format!("endLine={end_line}"));
            if end_line == line {
                properties.push(format!("endColumn={end_column}"));
            }
        }
        properties.push(format!(
            "title={}",
            escape_property(&format!("offerctl: {}", diagnostic.code))
        ));
        let mut message = diagnostic.message.clone();
        if let Some(label) = diagnostic.labels.first()
            && !label.text.is_empty()
        {
            message.push_str(&format!(" ({})", label.text));
        }
        if let Some(help) = &diagnostic.help {
            message.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{command} {}::{}\n",
            properties.join(","),
            escape_data(&message)
        ));
    }
    out
}

/// Every diagnostic as JSON: severity, code, message, help, and each label's file and 1-based
/// span (the first label is where the problem is).
pub fn json(diagnostics: &[Diagnostic], sources: &SourceSet) -> Value {
    let list: Vec<Value> = diagnostics
        .iter()
        .map(|d| {
            let labels: Vec<Value> = d
                .labels
                .iter()
                .map(|label| {
                    let (line, column, end_line, end_column) = span(sources, label.loc);
                    json!({
                        "file": sources.get(label.loc.file).path,
                        "line": line,
                        "column": column,
                        "end_line": end_line,
                        "end_column": end_column,
                        "text": label.text,
                    })
                })
                .collect();
            json!({
                "severity": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                "code": d.code,
                "message": d.message,
                "help": d.help,
                "labels": labels,
            })
        })
        .collect();
    Value::Array(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn annotations_locate_and_escape() {
        let mut sources = SourceSet::new();
        let file = sources.add(SourceFile::new(
            "offers.d/a,b:c.yaml",
            "kind: Tag\nname: x\ncolour: red\n",
        ));
        let loc = Loc {
            file,
            start: 18,
            end: 24,
        };
        let diagnostics = vec![
            Diagnostic::error("unknown-field", "unknown field `colour` in Tag")
                .with_label(loc, "not a field here")
                .with_help("100% sure:\nTag fields are: name"),
            Diagnostic::warning("checks-skipped", "references were not checked"),
        ];
        let text = github(&diagnostics, &sources);
        assert_eq!(
            text,
            "::error file=offers.d/a%2Cb%3Ac.yaml,line=3,col=1,endLine=3,endColumn=7,title=offerctl%3A unknown-field::unknown field `colour` in Tag (not a field here)%0Ahelp: 100%25 sure:%0ATag fields are: name\n\
             ::warning title=offerctl%3A checks-skipped::references were not checked\n"
        );
        let value = json(&diagnostics, &sources);
        assert_eq!(value[0]["labels"][0]["line"], 3);
        assert_eq!(value[0]["labels"][0]["end_column"], 7);
        assert_eq!(value[1]["severity"], "warning");
    }
}
