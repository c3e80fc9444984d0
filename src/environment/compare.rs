//! How one catalogue differs from another, object by object and field by field: what a
//! promotion from one environment to another would change. Pure: both sides come in as
//! canonical documents by object.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One object's canonical fields: field name → its canonical YAML text.
pub type Fields = BTreeMap<String, String>;

/// Objects by `Kind/name`.
pub type Side = BTreeMap<String, Fields>;

#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    OnlyInA(String),
    OnlyInB(String),
    /// The object, and each field that differs: its text in A and in B (`None`: absent).
    Changed(String, Vec<(String, Option<String>, Option<String>)>),
}

/// Every difference between `a` and `b`, in object order.
pub fn compare(a: &Side, b: &Side) -> Vec<Difference> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        match (a.get(key), b.get(key)) {
            (Some(_), None) => out.push(Difference::OnlyInA(key.clone())),
            (None, Some(_)) => out.push(Difference::OnlyInB(key.clone())),
            (Some(fa), Some(fb)) if fa != fb => {
                let mut fields: Vec<&String> = fa.keys().chain(fb.keys()).collect();
                fields.sort();
                fields.dedup();
                let changed = fields
                    .into_iter()
                    .filter(|f| fa.get(*f) != fb.get(*f))
                    .map(|f| (f.clone(), fa.get(f).cloned(), fb.get(f).cloned()))
                    .collect();
                out.push(Difference::Changed(key.clone(), changed));
            }
            _ => {}
        }
    }
    out
}

/// The differences for people: `-` A's side, `+` B's side; `what` says what was compared.
pub fn render(a: &str, b: &str, what: &str, differences: &[Difference]) -> String {
    let mut out = format!("--- {a}{what}\n+++ {b}{what}\n");
    if differences.is_empty() {
        let _ = writeln!(out, "No differences: {b} has the same objects as {a}.");
        return out;
    }
    for difference in differences {
        match difference {
            Difference::OnlyInA(key) => {
                let _ = writeln!(out, "- {key}  (only in {a})");
            }
            Difference::OnlyInB(key) => {
                let _ = writeln!(out, "+ {key}  (only in {b})");
            }
            Difference::Changed(key, fields) => {
                let _ = writeln!(out, "~ {key}");
                for (field, in_a, in_b) in fields {
                    field_difference(&mut out, field, in_a.as_deref(), in_b.as_deref());
                }
            }
        }
    }
    let (only_a, only_b, changed) = differences.iter().fold((0, 0, 0), |(x, y, z), d| match d {
        Difference::OnlyInA(_) => (x + 1, y, z),
        Difference::OnlyInB(_) => (x, y + 1, z),
        Difference::Changed(..) => (x, y, z + 1),
    });
    let _ = writeln!(
        out,
        "\n{changed} changed, {only_a} only in {a}, {only_b} only in {b}."
    );
    out
}

/// One field: a one-line value as `- field: A` / `+ field: B`; a nested one as the lines that
/// differ, with a line of context.
fn field_difference(out: &mut String, field: &str, a: Option<&str>, b: Option<&str>) {
    let one_line = |t: Option<&str>| t.is_none_or(|t| !t.contains('\n'));
    if one_line(a) && one_line(b) {
        for (sign, text) in [("-", a), ("+", b)] {
            let _ = writeln!(out, "    {sign} {field}: {}", text.unwrap_or("(absent)"));
        }
        return;
    }
    let _ = writeln!(out, "    {field}:");
    let (a, b) = (a.unwrap_or(""), b.unwrap_or(""));
    let diff = similar::TextDiff::from_lines(a, b);
    for group in diff.grouped_ops(1) {
        for op in group {
            for change in diff.iter_changes(&op) {
                let sign = match change.tag() {
                    similar::ChangeTag::Delete => "-",
                    similar::ChangeTag::Insert => "+",
                    similar::ChangeTag::Equal => " ",
                };
                let _ = write!(out, "    {sign}   {}", change.value());
                if change.missing_newline() {
                    out.push('\n');
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(objects: &[(&str, &[(&str, &str)])]) -> Side {
        objects
            .iter()
            .map(|(k, fields)| {
                (
                    k.to_string(),
                    fields
                        .iter()
                        .map(|(f, v)| (f.to_string(), v.to_string()))
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn objects_and_fields_that_differ_are_listed_once_each() {
        let a = side(&[
            ("Tag/a", &[("name", "a")]),
            ("Offer/o", &[("priority", "1"), ("name", "o")]),
        ]);
        let b = side(&[
            ("Tag/b", &[("name", "b")]),
            ("Offer/o", &[("priority", "2"), ("name", "o")]),
        ]);
        let differences = compare(&a, &b);
        assert_eq!(
            differences,
            [
                Difference::Changed(
                    "Offer/o".into(),
                    vec![("priority".into(), Some("1".into()), Some("2".into()))]
                ),
                Difference::OnlyInA("Tag/a".into()),
                Difference::OnlyInB("Tag/b".into()),
            ]
        );
        let text = render("stage", "prod", "", &differences);
        assert!(
            text.contains("~ Offer/o\n    - priority: 1\n    + priority: 2\n"),
            "{text}"
        );
        assert!(
            text.ends_with("1 changed, 1 only in stage, 1 only in prod.\n"),
            "{text}"
        );
        assert!(compare(&a, &a).is_empty());
    }
}
