//! `${{ vars.NAME }}` in manifest strings, replaced by the environment's values. `$${{` writes
//! a literal `${{`. Variables are for plain text (asset hosts, segment ids), never secrets.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::yaml::{Node, Resolved, Value};

/// A reference that cannot be replaced, and where (the scalar's span).
#[derive(Debug, Clone, PartialEq)]
pub struct VarProblem {
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

/// Replaces every reference in the string values under `node` (keys are left alone). A scalar
/// that is exactly one reference keeps its style, so `priority: ${{ vars.priority }}` reads as
/// if the value were written there; text around a reference makes the result text.
pub fn substitute(
    node: &mut Node,
    vars: &BTreeMap<String, String>,
    problems: &mut Vec<VarProblem>,
) {
    match &mut node.value {
        Value::Scalar(scalar) => {
            if !scalar.text.contains("${{") {
                return;
            }
            if !matches!(scalar.resolve(), Resolved::Str(_)) {
                return;
            }
            match expand(&scalar.text, vars) {
                Ok((text, whole)) => {
                    scalar.text = text;
                    if !whole {
                        scalar.plain = false;
                    }
                }
                Err((message, help)) => problems.push(VarProblem {
                    span: node.span.clone(),
                    message,
                    help,
                }),
            }
        }
        Value::Seq(items) => {
            for item in items {
                substitute(item, vars, problems);
            }
        }
        Value::Map(entries) => {
            for entry in entries {
                substitute(&mut entry.value, vars, problems);
            }
        }
    }
}

/// Whether any string value under `node` holds `${{` (a reference, or a literal `$${{`).
pub fn mentions(node: &Node) -> bool {
    match &node.value {
        Value::Scalar(scalar) => scalar.text.contains("${{"),
        Value::Seq(items) => items.iter().any(mentions),
        Value::Map(entries) => entries.iter().any(|e| mentions(&e.value)),
    }
}

/// The text with every reference replaced, and whether the text was exactly one reference.
fn expand(
    text: &str,
    vars: &BTreeMap<String, String>,
) -> Result<(String, bool), (String, Option<String>)> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut references = 0;
    let mut literal = false;
    while let Some(at) = rest.find("${{") {
        if at > 0 && rest.as_bytes()[at - 1] == b'$' {
            out.push_str(&rest[..at - 1]);
            out.push_str("${{");
            rest = &rest[at + 3..];
            literal = true;
            continue;
        }
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let Some(end) = after.find("}}") else {
            return Err((
                format!("`${{{{` without a closing `}}}}` in {text:?}"),
                Some("write `${{ vars.NAME }}`, or `$${{` for a literal `${{`".into()),
            ));
        };
        let inner = after[..end].trim();
        let Some(name) = inner.strip_prefix("vars.") else {
            return Err((
                format!("`${{{{ {inner} }}}}` is not a variable reference"),
                Some(
                    "only `${{ vars.NAME }}` is replaced; write `$${{` for a literal `${{`".into(),
                ),
            ));
        };
        let Some(value) = vars.get(name) else {
            let known: Vec<&str> = vars.keys().map(String::as_str).collect();
            let help = match crate::diagnostic::suggest(name, known.iter().copied()) {
                Some(best) => format!("did you mean `{best}`?"),
                None if known.is_empty() => {
                    "this environment defines no `vars:` in offerctl.yaml".to_string()
                }
                None => format!("variables: {}", known.join(", ")),
            };
            return Err((format!("undefined variable `{name}`"), Some(help)));
        };
        out.push_str(value);
        references += 1;
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    let whole = references == 1
        && !literal
        && text.trim().starts_with("${{")
        && text.trim().ends_with("}}");
    Ok((out, whole))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("cdn".to_string(), "cdn.prod.example.com".to_string()),
            ("priority".to_string(), "7".to_string()),
        ])
    }

    #[test]
    fn references_are_replaced_and_doubled_dollars_stay_literal() {
        let v = vars();
        assert_eq!(
            expand("https://${{ vars.cdn }}/a.png", &v).unwrap(),
            ("https://cdn.prod.example.com/a.png".to_string(), false)
        );
        assert_eq!(
            expand("${{vars.priority}}", &v).unwrap(),
            ("7".to_string(), true)
        );
        assert_eq!(
            expand("$${{ vars.cdn }} is ${{ vars.cdn }}", &v).unwrap().0,
            "${{ vars.cdn }} is cdn.prod.example.com"
        );
    }

    #[test]
    fn unknown_names_and_other_expressions_are_refused() {
        let v = vars();
        let (message, help) = expand("${{ vars.cdns }}", &v).unwrap_err();
        assert_eq!(message, "undefined variable `cdns`");
        assert_eq!(help.as_deref(), Some("did you mean `cdn`?"));
        assert!(
            expand("${{ secrets.token }}", &v)
                .unwrap_err()
                .0
                .contains("not a variable")
        );
        assert!(
            expand("${{ vars.cdn", &v)
                .unwrap_err()
                .0
                .contains("without a closing")
        );
    }

    #[test]
    fn a_whole_reference_is_read_as_written_there() {
        let stream =
            crate::yaml::parse("priority: ${{ vars.priority }}\nurl: https://${{ vars.cdn }}/x\n");
        let mut root = stream.documents[0].root.clone();
        let mut problems = Vec::new();
        substitute(&mut root, &vars(), &mut problems);
        assert!(problems.is_empty());
        assert_eq!(
            root.to_json(),
            serde_json::json!({"priority": 7, "url": "https://cdn.prod.example.com/x"})
        );
    }
}
