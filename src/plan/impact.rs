//! What a plan changes for customers: expectations (profile, decision, placement) whose outcome
//! differs between the live catalogue and the desired one. Providers that can decide offline
//! compute it; the plan only carries and shows it.

pub use crate::decisions::Impact;

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
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
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
