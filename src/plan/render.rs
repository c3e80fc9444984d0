//! Rendering a plan for people (text, markdown for pull requests) and machines (JSON).
//!
//! Text and markdown share one path: each change becomes signed lines (`+`, `-`, `~`, `!`),
//! which text colours and markdown puts in `diff` blocks. References are shown by name, ids of
//! objects created in this run as "(known after apply)", and updates list the exact patch.

use std::fmt::Write as _;

use owo_colors::OwoColorize;
use serde_json::Value;
use similar::TextDiff;

use super::{Action, Change, PENDING, Plan};
use crate::diff::Op;
use crate::printable::{escape_html, printable};
use crate::provider::Providers;

mod comment;
mod html;

pub use comment::part_marker;
pub use html::{PLAN_ELEMENT_ID, embedded_plan, html, html_environments};

/// GitHub refuses comments over 65,536 characters; stay clear of it.
pub const MARKDOWN_LIMIT: usize = 65_000;

/// A change between one-line strings longer than this shows the old and new values one under
/// the other rather than side by side.
const LONG_TEXT: usize = 72;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sign {
    Add,
    Remove,
    Change,
    Context,
    Warn,
}

#[derive(Debug, Clone)]
struct Line {
    sign: Sign,
    text: String,
}

impl Line {
    fn new(sign: Sign, text: impl Into<String>) -> Self {
        Line {
            sign,
            text: text.into(),
        }
    }
}

fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Delete => "-",
        Action::NoOp => " ",
    }
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Create => "will be created",
        Action::Update => "will be updated in place",
        Action::Delete => "will be deleted",
        Action::NoOp => "is up to date",
    }
}

/// `Plan: 1 to create, 2 to update, 0 to delete.`
pub fn summary_line(plan: &Plan) -> String {
    let s = &plan.summary;
    let drift = match s.drifted {
        0 => String::new(),
        n => format!(" ({n} of the updates revert changes made outside offerctl)"),
    };
    format!(
        "Plan: {} to create, {} to update, {} to delete.{drift}",
        s.create, s.update, s.delete
    )
}

/// A value for people: references by name, pending ids as "(known after apply)".
/// A plan with the providers that explain its kinds (field labels, property order).
struct Ctx<'a> {
    plan: &'a Plan,
    providers: &'a Providers,
}

impl std::ops::Deref for Ctx<'_> {
    type Target = Plan;

    fn deref(&self) -> &Plan {
        self.plan
    }
}

fn show(value: &Value, plan: &Plan) -> String {
    match value {
        Value::String(s) => {
            if let Some(address) = s.strip_prefix(PENDING) {
                format!("{address} (known after apply)")
            } else if let Some(address) = plan.names.get(s) {
                address.clone()
            } else {
                Value::String(s.clone()).to_string()
            }
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(|v| show(v, plan)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let members: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}: {}", show(v, plan)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        other => other.to_string(),
    }
}

/// Text of several lines, shown as a block (and diffed line by line). A value of one line stays
/// on one line, quoted, however long: the terminal wraps it, and a block would suggest lines
/// that are not there.
fn is_multiline(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.contains('\n'))
}

fn is_long(value: &Value) -> bool {
    value.as_str().is_some_and(|s| s.len() > LONG_TEXT)
}

/// One line for a value, or a block of lines for text of several lines.
fn text_or_value(sign: Sign, label: &str, value: &Value, plan: &Plan, out: &mut Vec<Line>) {
    match value.as_str().filter(|_| is_multiline(value)) {
        Some(text) => {
            out.push(Line::new(sign, format!("{label}: |")));
            for line in text.lines() {
                out.push(Line::new(sign, format!("    {line}")));
            }
        }
        None => out.push(Line::new(sign, format!("{label}: {}", show(value, plan)))),
    }
}

/// Lines for one field going from `old` to `new` (either may be absent).
fn field_lines(
    label: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    plan: &Plan,
    out: &mut Vec<Line>,
) {
    match (old, new) {
        (Some(old), Some(new)) if is_multiline(old) || is_multiline(new) => {
            let (old, new) = (
                old.as_str().unwrap_or_default(),
                new.as_str().unwrap_or_default(),
            );
            out.push(Line::new(Sign::Change, format!("{label}:")));
            let diff = TextDiff::from_lines(old, new);
            for hunk in diff.unified_diff().context_radius(2).iter_hunks() {
                for change in hunk.iter_changes() {
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => Sign::Remove,
                        similar::ChangeTag::Insert => Sign::Add,
                        similar::ChangeTag::Equal => Sign::Context,
                    };
                    out.push(Line::new(
                        sign,
                        format!("    {}", change.value().trim_end_matches('\n')),
                    ));
                }
            }
        }
        // Two long one-line values, one under the other, each whole on its line.
        (Some(old), Some(new)) if is_long(old) || is_long(new) => {
            out.push(Line::new(Sign::Change, format!("{label}:")));
            out.push(Line::new(Sign::Remove, format!("    {}", show(old, plan))));
            out.push(Line::new(Sign::Add, format!("    {}", show(new, plan))));
        }
        (Some(old), Some(new)) => {
            out.push(Line::new(
                Sign::Change,
                format!("{label}: {} → {}", show(old, plan), show(new, plan)),
            ));
        }
        (None, Some(new)) => text_or_value(Sign::Add, label, new, plan, out),
        (Some(old), None) => text_or_value(Sign::Remove, label, old, plan, out),
        (None, None) => {}
    }
}

/// A field's label in manifest terms, with elements of keyed arrays named by their key
/// (`representations[Kiosk banner].components[0].content`) rather than by position.
fn label(change: &Change, pointer: &str, doc: &Value, plan: &Ctx<'_>) -> String {
    let provider = plan.providers.of(change.kind);
    let mut label = provider.field_label(change.kind, pointer);
    let rules = provider.diff_rules(change.kind);
    for (array, key) in rules.keyed.iter().filter(|(array, _)| !array.contains('/')) {
        let Some(index) = pointer
            .strip_prefix(&format!("/{array}/"))
            .and_then(|rest| rest.split('/').next())
            .filter(|i| i.parse::<usize>().is_ok())
        else {
            continue;
        };
        let Some(value) = doc.pointer(&format!("/{array}/{index}/{key}")) else {
            continue;
        };
        let shown = show(value, plan);
        // `Kind/name` when the key refers to an object: the name says enough.
        let name = match value.as_str().and_then(|id| plan.names.get(id)) {
            Some(address) => address.split_once('/').map_or(address.as_str(), |(_, n)| n),
            None => shown
                .split_once('/')
                .filter(|_| shown.ends_with(" (known after apply)"))
                .map_or(shown.as_str(), |(_, n)| n),
        }
        .trim_end_matches(" (known after apply)");
        let array_label = provider.field_label(change.kind, &format!("/{array}"));
        label = label.replacen(
            &format!("{array_label}[{index}]"),
            &format!("{array_label}[{name}]"),
            1,
        );
    }
    label
}

/// Lines for a whole value being added or removed: nested objects (and lists of objects) are
/// spread over one line per leaf, so that every line names one field.
fn leaf_lines(
    change: &Change,
    pointer: &str,
    value: &Value,
    doc: &Value,
    adding: bool,
    plan: &Ctx<'_>,
    out: &mut Vec<Line>,
) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            for (key, child) in map {
                let child_pointer =
                    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                leaf_lines(change, &child_pointer, child, doc, adding, plan, out);
            }
        }
        Value::Array(items) if items.iter().any(Value::is_object) => {
            for (i, item) in items.iter().enumerate() {
                leaf_lines(
                    change,
                    &format!("{pointer}/{i}"),
                    item,
                    doc,
                    adding,
                    plan,
                    out,
                );
            }
        }
        _ => {
            let label = label(change, pointer, doc, plan);
            let label = label.trim_end_matches("[-]");
            if adding {
                field_lines(label, None, Some(value), plan, out);
            } else {
                field_lines(label, Some(value), None, plan, out);
            }
        }
    }
}

/// "changed outside offerctl by X (client Y) at T": whose change an update would revert.
fn drift_line(drift: &crate::backend::Modified) -> String {
    let mut line = String::from("drift: changed outside offerctl");
    if let Some(by) = &drift.by {
        line.push_str(&format!(" by {by}"));
    }
    if let Some(client) = &drift.client_id {
        line.push_str(&format!(" (client {client})"));
    }
    if let Some(at) = &drift.at {
        line.push_str(&format!(" at {at}"));
    }
    line.push_str("; applying reverts it to the manifest");
    line
}

/// The lines under a change's header.
fn change_lines(change: &Change, plan: &Ctx<'_>) -> Vec<Line> {
    let mut out = Vec::new();
    let rules = plan.providers.diff_rules(change.kind);
    match change.action {
        Action::Create => {
            let after = change.after.clone().unwrap_or(Value::Null);
            for key in rules.properties_then_extra(Some(&after)) {
                if let Some(value) = after.get(key) {
                    leaf_lines(
                        change,
                        &format!("/{key}"),
                        value,
                        &after,
                        true,
                        plan,
                        &mut out,
                    );
                }
            }
        }
        Action::Update => {
            if let Some(drift) = &change.drift {
                out.push(Line::new(Sign::Warn, drift_line(drift)));
            }
            let before = change.before.clone().unwrap_or(Value::Null);
            for op in &change.ops {
                let path = op.path().strip_prefix(rules.root).unwrap_or(op.path());
                match op {
                    Op::Add { value, .. } if path.ends_with("/-") && value.is_object() => {
                        // A new element (such as a representation), shown with its own fields.
                        let parent = path.trim_end_matches("/-");
                        let mut doc = before.clone();
                        let index = doc
                            .pointer(parent)
                            .and_then(Value::as_array)
                            .map_or(0, Vec::len);
                        if let Some(Value::Array(items)) = doc.pointer_mut(parent) {
                            items.push(value.clone());
                        }
                        leaf_lines(
                            change,
                            &format!("{parent}/{index}"),
                            value,
                            &doc,
                            true,
                            plan,
                            &mut out,
                        );
                    }
                    Op::Add { value, .. } | Op::Replace { value, .. } => match before.pointer(path)
                    {
                        Some(old) if old.is_object() || value.is_object() => {
                            leaf_lines(change, path, old, &before, false, plan, &mut out);
                            leaf_lines(change, path, value, &before, true, plan, &mut out);
                        }
                        Some(old) if !path.ends_with("/-") => field_lines(
                            &label(change, path, &before, plan),
                            Some(old),
                            Some(value),
                            plan,
                            &mut out,
                        ),
                        _ => leaf_lines(change, path, value, &before, true, plan, &mut out),
                    },
                    Op::Remove { .. } => {
                        if let Some(old) = before.pointer(path) {
                            leaf_lines(change, path, old, &before, false, plan, &mut out);
                        }
                    }
                }
            }
            let etag = change.live.as_ref().map_or("?", |l| l.etag.as_str());
            let provider = plan.providers.of(change.kind);
            out.push(Line::new(
                Sign::Context,
                provider.update_note(change.kind, change.ops.len(), etag),
            ));
            for op in &change.ops {
                let json = serde_json::to_string(op).unwrap_or_default();
                out.push(Line::new(Sign::Context, format!("  {json}")));
            }
        }
        Action::Delete => {
            if let Some(live) = &change.live {
                out.push(Line::new(Sign::Context, format!("id: {}", live.id)));
            }
            if !change.referenced_by.is_empty() {
                out.push(Line::new(
                    Sign::Warn,
                    format!(
                        "still referenced by {}: the repository will reject this delete",
                        change.referenced_by.join(", ")
                    ),
                ));
            }
        }
        Action::NoOp => {}
    }
    out
}

/// The plan for a terminal or a log: Terraform-like, coloured when `color`.
pub fn text(plan: &Plan, providers: &Providers, color: bool) -> String {
    let plan = &Ctx { plan, providers };
    let paint = |sign: Sign, text: &str| -> String {
        if !color {
            return text.to_string();
        }
        match sign {
            Sign::Add => text.green().to_string(),
            Sign::Remove => text.red().to_string(),
            Sign::Change => text.yellow().to_string(),
            Sign::Warn => text.red().bold().to_string(),
            Sign::Context => text.dimmed().to_string(),
        }
    };
    let mut out = String::new();
    if !plan.summary.has_changes() {
        let _ = writeln!(
            out,
            "No changes. The repository matches the manifests ({} objects up to date).",
            plan.summary.no_op
        );
    } else {
        let _ = writeln!(
            out,
            "offerctl will perform these actions on {}:\n",
            plan.repository
        );
        for change in plan.actions() {
            let sign = match change.action {
                Action::Create => Sign::Add,
                Action::Delete => Sign::Remove,
                _ => Sign::Change,
            };
            let header = format!(
                "{} {} {}",
                symbol(change.action),
                printable(&change.address),
                verb(change.action)
            );
            let _ = writeln!(out, "  {}", paint(sign, &header));
            for line in change_lines(change, plan) {
                let marker = match line.sign {
                    Sign::Add => "+ ",
                    Sign::Remove => "- ",
                    Sign::Change => "~ ",
                    Sign::Warn => "! ",
                    Sign::Context => "  ",
                };
                let _ = writeln!(
                    out,
                    "      {}",
                    paint(line.sign, &format!("{marker}{}", line.text))
                );
            }
            out.push('\n');
        }
    }
    if !plan.unmanaged.is_empty() {
        let _ = writeln!(
            out,
            "{} in the repository but not in the manifests (left alone; --prune deletes them):",
            count(plan.unmanaged.len(), "object")
        );
        for object in &plan.unmanaged {
            let _ = writeln!(
                out,
                "  {}  {}",
                printable(&object.address),
                paint(Sign::Context, &object.id)
            );
        }
        out.push('\n');
    }
    out.push_str(&super::impact::text(&plan.impact));
    if plan.summary.has_changes() {
        let _ = writeln!(out, "{}", paint(Sign::Change, &summary_line(plan)));
    }
    out
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// The plan as a pull-request comment: every part of [`markdown_parts`], one after another.
pub fn markdown(plan: &Plan, providers: &Providers) -> String {
    markdown_parts(plan, providers).concat()
}

/// The plan as pull-request comments, each under [`MARKDOWN_LIMIT`] characters and starting
/// with its [`part_marker`] line and the summary (deletions and deactivations first), then one
/// collapsible section per object, with thumbnails of changed images.
pub fn markdown_parts(plan: &Plan, providers: &Providers) -> Vec<String> {
    comment::parts(plan, providers)
}

/// Several environments' plans as pull-request comments: one summary table
/// (`environment | create | update | delete | drift`), then a section per environment, cut
/// into parts like [`markdown_parts`].
pub fn markdown_environments(plans: &[(&str, &Plan)], providers: &Providers) -> Vec<String> {
    comment::environments(plans, providers)
}

/// Whether an update switches its object off (a deactivation, pruned or written in the
/// manifest): the operations the provider would use to switch it off are all in it.
pub fn deactivates(change: &Change, providers: &Providers) -> bool {
    let Some(before) = change
        .before
        .as_ref()
        .filter(|_| change.action == Action::Update)
    else {
        return false;
    };
    let after = change.after.as_ref().unwrap_or(&Value::Null);
    let rules = providers.diff_rules(change.kind);
    match providers.of(change.kind).deactivation(change.kind, before) {
        Some(ops) if !ops.is_empty() => ops.iter().all(|op| match op {
            Op::Add { path, value } | Op::Replace { path, value } => {
                let path = path.strip_prefix(rules.root).unwrap_or(path);
                after.pointer(path) == Some(value)
            }
            Op::Remove { path } => {
                let path = path.strip_prefix(rules.root).unwrap_or(path);
                after.pointer(path).is_none()
            }
        }),
        _ => false,
    }
}

/// A change's lines for a `diff` block: the sign in column 0, a change as old and new.
fn markdown_lines(change: &Change, plan: &Ctx<'_>, section: &mut String) {
    for line in change_lines(change, plan) {
        match line.sign {
            Sign::Add => section.push_str(&format!("+ {}\n", line.text)),
            Sign::Remove => section.push_str(&format!("- {}\n", line.text)),
            Sign::Context => section.push_str(&format!("  {}\n", line.text)),
            Sign::Warn => section.push_str(&format!("! {}\n", line.text)),
            Sign::Change => match line.text.split_once(" → ") {
                Some((old, new)) => {
                    let (label, old) = old.split_once(": ").unwrap_or(("", old));
                    section.push_str(&format!("- {label}: {old}\n+ {label}: {new}\n"));
                }
                None => section.push_str(&format!("~ {}\n", line.text)),
            },
        }
    }
}

/// The machine-readable plan (the same document `plan --out` saves), sealed with its digest.
pub fn json(plan: &Plan) -> String {
    serde_json::to_string_pretty(&super::saved::sealed(plan)).unwrap_or_default() + "\n"
}
