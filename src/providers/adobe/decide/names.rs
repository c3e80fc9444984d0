//! The names an expectation refers to (its decision, placement, offers, fallback and reason
//! codes), located where they are written, and checked against the catalogue it is decided
//! over: a misspelt name makes the expectation invalid, not merely failing.

use super::catalogue::Catalogue;
use super::reason;
use crate::diagnostic::{Diagnostic, suggest};
use crate::source::{FileId, Loc};
use crate::yaml;

/// What a name in an expectation stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    Decision,
    Placement,
    Offer,
    Fallback,
    Reason,
}

impl Named {
    fn description(self) -> &'static str {
        match self {
            Named::Decision => "decision (Activity)",
            Named::Placement => "placement",
            Named::Offer => "offer",
            Named::Fallback => "fallback offer",
            Named::Reason => "reason code",
        }
    }
}

/// One name as written.
#[derive(Debug, Clone)]
pub struct NameRef {
    pub named: Named,
    pub text: String,
    pub loc: Loc,
}

/// The names `root` (one expectation document of `file`) refers to.
pub fn collect(file: FileId, root: &yaml::Node) -> Vec<NameRef> {
    let mut names = Vec::new();
    let mut push = |named: Named, text: &str, span: &std::ops::Range<usize>| {
        names.push(NameRef {
            named,
            text: text.to_string(),
            loc: Loc::of_span(file, span),
        })
    };
    for entry in entries(root) {
        match entry.key.as_str() {
            "decision" => scalar(&entry.value, |t, s| push(Named::Decision, t, s)),
            "placement" => scalar(&entry.value, |t, s| push(Named::Placement, t, s)),
            "expect" => {
                for expect in entries(&entry.value) {
                    match (expect.key.as_str(), &expect.value.value) {
                        ("offers", yaml::Value::Seq(offers)) => {
                            for offer in offers {
                                scalar(offer, |t, s| push(Named::Offer, t, s));
                            }
                        }
                        ("fallback", _) => {
                            scalar(&expect.value, |t, s| push(Named::Fallback, t, s))
                        }
                        ("excluded", _) => {
                            for excluded in entries(&expect.value) {
                                push(Named::Offer, &excluded.key, &excluded.key_span);
                                scalar(&excluded.value, |t, s| push(Named::Reason, t, s));
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    names
}

fn entries(node: &yaml::Node) -> &[yaml::Entry] {
    match &node.value {
        yaml::Value::Map(entries) => entries,
        _ => &[],
    }
}

fn scalar(node: &yaml::Node, mut found: impl FnMut(&str, &std::ops::Range<usize>)) {
    if let yaml::Value::Scalar(scalar) = &node.value {
        found(&scalar.text, &node.span);
    }
}

/// The names of `names` that `catalogue` does not have, each an error with the closest name
/// it does have.
pub fn unknown(names: &[NameRef], catalogue: &Catalogue) -> Vec<Diagnostic> {
    names
        .iter()
        .filter_map(|name| {
            let known: Vec<&str> = match name.named {
                Named::Decision => catalogue
                    .activities
                    .iter()
                    .map(|a| a.meta.name.value.as_str())
                    .collect(),
                Named::Placement => catalogue.placements.keys().map(String::as_str).collect(),
                Named::Offer => catalogue
                    .offers
                    .iter()
                    .map(|o| o.meta.name.value.as_str())
                    .collect(),
                Named::Fallback => catalogue.fallbacks.keys().map(String::as_str).collect(),
                Named::Reason => reason::CODES.to_vec(),
            };
            if known.contains(&name.text.as_str()) {
                return None;
            }
            let what = name.named.description();
            let diagnostic = Diagnostic::error(
                "test-unknown-name",
                format!("no {what} named `{}` in the catalogue", name.text),
            )
            .with_label(name.loc, format!("unknown {what}"));
            Some(match suggest(&name.text, known.iter().copied()) {
                Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
                None if name.named == Named::Reason => {
                    diagnostic.with_help(format!("the codes are {}", reason::CODES.join(", ")))
                }
                None => diagnostic,
            })
        })
        .collect()
}
