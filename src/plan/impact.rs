//! What a plan changes for customers: expectations (profile, decision, placement) whose outcome
//! differs between the live catalogue and the desired one. Providers that can decide offline
//! compute it; the plan only carries and shows it.

pub use crate::decisions::{Changed, Impact};

use super::{Action, Plan};

/// The objects `plan` changes (creates, updates, deletes), by kind and name and, for those
/// the repository holds, by kind and `@id`: what a decision impact must look at.
pub fn changed(plan: &Plan) -> Changed {
    let mut changed = Changed::new();
    for change in plan.changes.iter().filter(|c| c.action != Action::NoOp) {
        changed.insert((change.kind, change.name.clone()));
        if let Some(live) = &change.live {
            changed.insert((change.kind, live.id.clone()));
        }
    }
    changed
}

/// The text section (empty when nothing changes for customers).
pub fn text(impact: &[Impact]) -> String {
    if impact.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "Decision impact: {} change{} for customers:\n",
        impact.len(),
        if impact.len() == 1 { "" } else { "s" }
    );
    for i in impact {
        out.push_str(&format!(
            "  {} @ {}: {} → {}\n",
            i.case,
            i.scope.split(" @ ").nth(1).unwrap_or(&i.scope),
            i.before,
            i.after
        ));
    }
    out.push('\n');
    out
}

/// The markdown section (a table), empty when nothing changes for customers.
pub fn markdown(impact: &[Impact]) -> String {
    if impact.is_empty() {
        return String::new();
    }
    // Names come from manifests and the repository: escaped, so that a `<` or a `|` in one
    // can neither add markup to a pull request's comment nor break the table.
    let cell = |s: &str| crate::printable::escape_html(s).replace('|', "\\|");
    let mut out = String::from(
        "### Decision impact\n\n| expectation | decision @ placement | now | after this change |\n|---|---|---|---|\n",
    );
    for i in impact {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&i.case),
            cell(&i.scope),
            cell(&i.before),
            cell(&i.after)
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::{Impact, markdown};

    #[test]
    fn markdown_cells_cannot_add_markup_or_break_the_table() {
        let impact = [Impact {
            case: "<img src=x onerror=alert(1)> | gold".into(),
            scope: "Kiosk @ Banner".into(),
            before: "A\nB".into(),
            after: "C & D".into(),
        }];
        let table = markdown(&impact);
        let row = table.lines().rfind(|l| !l.is_empty()).unwrap_or_default();
        assert!(!table.contains("<img"), "{table}");
        assert!(
            table.contains("&lt;img src=x onerror=alert(1)&gt; \\| gold"),
            "{table}"
        );
        assert!(table.contains("C &amp; D"), "{table}");
        assert_eq!(row.matches(" | ").count(), 3, "four cells: {row}");
    }
}
