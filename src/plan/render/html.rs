//! The plan as one self-contained HTML page for reviewers: the summary (deletions and
//! deactivations first), then per object the field changes side by side and a preview of what
//! customers see before and after (images at their own URLs, HTML in sandboxed frames without
//! scripts, text, offer cards), the dependency order and the exact wire operations.
//!
//! No script and no external stylesheet: the page works offline (a broken image shows its
//! URL). The saved plan rides along as a JSON data block, so `offerctl apply report.html`
//! applies exactly what was reviewed.

use std::fmt::Write as _;

use serde_json::Value;

use super::{Action, Change, Ctx, Line, Plan, Sign, change_lines, escape_html as esc};
use crate::plan::previews::{Pair, Previews};
use crate::preview::{Block, Card, Item};
use crate::provider::Providers;

/// The `id` of the `<script type="application/json">` element holding the saved plan.
pub const PLAN_ELEMENT_ID: &str = "offerctl-plan";

const STYLE: &str = include_str!("report.css");

/// The plan as a page, with the saved plan (`json`, as `plan --out` writes it) embedded.
pub fn html(plan: &Plan, providers: &Providers) -> String {
    let mut out = page_start(&format!("offerctl plan: {}", super::summary_line(plan)));
    out.push_str("<header><h1>offerctl plan</h1>");
    let _ = write!(
        out,
        "<p class=\"repo\">Repository: {}</p></header>\n<main>\n",
        esc(&plan.repository)
    );
    body(plan, providers, "", &mut out);
    out.push_str("</main>\n");
    footer(plan, &mut out);
    embed(PLAN_ELEMENT_ID, None, &super::json(plan), &mut out);
    out.push_str("</body>\n</html>\n");
    out
}

/// Several environments' plans as one page: a summary table, then a section per environment.
/// Each environment's saved plan is embedded (`offerctl-plan-N`, with its name).
pub fn html_environments(plans: &[(&str, &Plan)], providers: &Providers) -> String {
    let mut out = page_start(&format!("offerctl plan: {} environments", plans.len()));
    out.push_str("<header><h1>offerctl plan</h1></header>\n<main>\n<section class=\"summary\">\n<h2>Environments</h2>\n<div class=\"scroll\"><table class=\"counts\"><tr><th>environment</th><th>create</th><th>update</th><th>delete</th><th>drift</th></tr>\n");
    for (i, (name, plan)) in plans.iter().enumerate() {
        let s = &plan.summary;
        let _ = writeln!(
            out,
            "<tr><td><a href=\"#env-{i}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(name),
            s.create,
            s.update,
            s.delete,
            s.drifted
        );
    }
    out.push_str("</table></div>\n</section>\n");
    for (i, (name, plan)) in plans.iter().enumerate() {
        let _ = write!(
            out,
            "<section class=\"environment\" id=\"env-{i}\">\n<h2>Environment {}</h2>\n<p class=\"repo\">Repository: {}</p>\n",
            esc(name),
            esc(&plan.repository)
        );
        body(plan, providers, &format!("e{i}-"), &mut out);
        out.push_str("</section>\n");
    }
    out.push_str("</main>\n");
    if let Some((_, plan)) = plans.first() {
        footer(plan, &mut out);
    }
    for (i, (name, plan)) in plans.iter().enumerate() {
        let id = format!("{PLAN_ELEMENT_ID}-{i}");
        embed(&id, Some(name), &super::json(plan), &mut out);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn page_start(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta name=\"color-scheme\" content=\"light dark\">\n<meta name=\"referrer\" content=\"no-referrer\">\n<title>{}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        esc(title)
    )
}

fn footer(plan: &Plan, out: &mut String) {
    let _ = writeln!(
        out,
        "<footer>offerctl {} · plan format {} · manifests sha256 <code>{}</code></footer>",
        esc(&plan.offerctl_version),
        esc(&plan.format_version),
        esc(&plan.manifests_hash)
    );
}

/// The saved plan as a data block browsers never run. Every `<` is written as `\u003c` (it
/// only occurs inside JSON strings), so no content can end the element.
fn embed(id: &str, environment: Option<&str>, json: &str, out: &mut String) {
    let environment = environment
        .map(|e| format!(" data-environment=\"{}\"", esc(e)))
        .unwrap_or_default();
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"{id}\"{environment}>\n{}</script>\n",
        json.replace('<', "\\u003c")
    );
}

/// The saved plan embedded in a report, exactly as `plan --out` writes it: `None` when `text`
/// holds no such block (it is not a report).
pub fn embedded_plan(text: &str) -> Option<String> {
    let open = format!("<script type=\"application/json\" id=\"{PLAN_ELEMENT_ID}\">\n");
    let start = text.find(&open)? + open.len();
    let end = start + text[start..].find("</script>")?;
    let json = &text[start..end];
    // Undo the `\u003c` escapes: a backslash always starts an escape in JSON, so escapes are
    // read pairwise and only ours are turned back.
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        if let Some(after) = escape.strip_prefix("\\u003c") {
            out.push('<');
            rest = after;
        } else {
            let len = 1 + escape[1..].chars().next().map_or(0, char::len_utf8);
            out.push_str(&escape[..len]);
            rest = &escape[len..];
        }
    }
    out.push_str(rest);
    Some(out)
}

/// Everything about one plan: summary, changes, dependency order, unmanaged objects. `prefix`
/// keeps element ids unique when several plans share the page.
fn body(plan: &Plan, providers: &Providers, prefix: &str, out: &mut String) {
    let ctx = &Ctx { plan, providers };
    let previews = Previews::new(plan, providers);
    let removals: Vec<(usize, &Change)> = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action == Action::Delete || super::deactivates(c, providers))
        .collect();
    summary(plan, providers, prefix, &removals, out);
    let others = plan
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| c.action != Action::NoOp)
        .filter(|(i, _)| !removals.iter().any(|(r, _)| r == i));
    if plan.summary.has_changes() {
        out.push_str("<section class=\"changes\">\n<h2>Changes</h2>\n");
        for (i, change) in removals.iter().copied().chain(others) {
            change_article(change, ctx, &previews, &format!("{prefix}c{i}"), out);
        }
        out.push_str("</section>\n");
        order(plan, prefix, out);
    }
    if !plan.unmanaged.is_empty() {
        let _ = write!(
            out,
            "<section><details><summary>{} in the repository but not in the manifests (left alone)</summary><ul>",
            super::count(plan.unmanaged.len(), "object")
        );
        for object in &plan.unmanaged {
            let _ = write!(
                out,
                "<li>{} <code>{}</code></li>",
                esc(&object.address),
                esc(&object.id)
            );
        }
        out.push_str("</ul></details></section>\n");
    }
}

fn action_class(change: &Change, providers: &Providers) -> &'static str {
    match change.action {
        Action::Create => "create",
        Action::Update if super::deactivates(change, providers) => "deactivate",
        Action::Update => "update",
        Action::Delete => "delete",
        Action::NoOp => "noop",
    }
}

fn action_word(class: &str) -> &'static str {
    match class {
        "create" => "create",
        "update" => "update",
        "delete" => "delete",
        "deactivate" => "switch off",
        _ => "no change",
    }
}

fn summary(
    plan: &Plan,
    providers: &Providers,
    prefix: &str,
    removals: &[(usize, &Change)],
    out: &mut String,
) {
    out.push_str("<section class=\"summary\">\n");
    let _ = writeln!(
        out,
        "<p class=\"headline\">{}</p>",
        esc(&super::summary_line(plan))
    );
    if !removals.is_empty() {
        let _ = write!(
            out,
            "<div class=\"removals\" role=\"alert\"><h2>⚠ Deletions and deactivations ({})</h2><ul>",
            removals.len()
        );
        for (i, change) in removals {
            let class = action_class(change, providers);
            let warning = addresses_note("warn", &change.referenced_by, |who| {
                format!("still referenced by {who}: the repository will reject this delete")
            });
            let _ = write!(
                out,
                "<li class=\"{class}\"><span class=\"tag {class}\">{}</span> <a href=\"#{prefix}c{i}\">{}</a>{warning}</li>",
                action_word(class),
                esc(&change.address)
            );
        }
        out.push_str("</ul></div>\n");
    }
    // Counts per action and kind (of the kinds with changes; the total counts all).
    let mut kinds: Vec<&str> = plan.actions().map(|c| c.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    out.push_str("<div class=\"scroll\"><table class=\"counts\"><tr><th>kind</th><th>create</th><th>update</th><th>delete</th><th>unchanged</th></tr>\n");
    for kind in kinds {
        let n = |action: Action| {
            plan.changes
                .iter()
                .filter(|c| c.kind.as_str() == kind && c.action == action)
                .count()
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(kind),
            n(Action::Create),
            n(Action::Update),
            n(Action::Delete),
            n(Action::NoOp)
        );
    }
    let s = &plan.summary;
    let _ = writeln!(
        out,
        "<tr class=\"total\"><td>all</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></table></div>",
        s.create, s.update, s.delete, s.no_op
    );
    let mut facts = Vec::new();
    if s.drifted > 0 {
        facts.push(format!(
            "<span class=\"warn\">Drift: {} of the updates revert changes made outside offerctl.</span>",
            s.drifted
        ));
    }
    if s.unmanaged > 0 {
        facts.push(format!(
            "{} not managed (left alone).",
            super::count(s.unmanaged, "object")
        ));
    }
    for fact in facts {
        let _ = writeln!(out, "<p>{fact}</p>");
    }
    if !plan.impact.is_empty() {
        out.push_str("<h3>Decision impact</h3><div class=\"scroll\"><table><tr><th>expectation</th><th>decision @ placement</th><th>now</th><th>after this change</th></tr>");
        for i in &plan.impact {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&i.case),
                esc(&i.scope),
                esc(&i.before),
                esc(&i.after)
            );
        }
        out.push_str("</table></div>\n");
    }
    out.push_str("</section>\n");
}

fn change_article(
    change: &Change,
    ctx: &Ctx<'_>,
    previews: &Previews<'_>,
    id: &str,
    out: &mut String,
) {
    let class = action_class(change, ctx.providers);
    let _ = writeln!(
        out,
        "<article class=\"change {class}\" id=\"{id}\">\n<h3><span class=\"tag {class}\">{}</span> {}</h3>",
        action_word(class),
        esc(&change.address)
    );
    let pairs = previews.pairs(change);
    if !pairs.is_empty() {
        out.push_str("<div class=\"previews\">\n");
        for pair in &pairs {
            preview_pair(pair, out);
        }
        out.push_str("</div>\n");
    }
    let lines = change_lines(change, ctx);
    // An update's lines end with the note and the operations: those are the wire part.
    let wire_lines = if change.action == Action::Update {
        change.ops.len() + 1
    } else {
        0
    };
    let (fields, _) = lines.split_at(lines.len().saturating_sub(wire_lines));
    field_table(fields, out);
    wire(change, ctx, out);
    out.push_str("</article>\n");
}

/// Field changes side by side: one row per field, a long text's line diff across both columns.
fn field_table(lines: &[Line], out: &mut String) {
    if lines.is_empty() {
        return;
    }
    out.push_str("<div class=\"scroll\"><table class=\"fields\"><tr><th>field</th><th>before</th><th>after</th></tr>\n");
    let mut diff: Vec<&Line> = Vec::new();
    let flush = |diff: &mut Vec<&Line>, out: &mut String| {
        if diff.is_empty() {
            return;
        }
        out.push_str("<tr><td colspan=\"3\"><pre class=\"diff\">");
        for line in diff.drain(..) {
            let class = match line.sign {
                Sign::Add => "add",
                Sign::Remove => "remove",
                _ => "same",
            };
            // Each line is a block of its own: no newline between them.
            let _ = write!(
                out,
                "<span class=\"{class}\">{}</span>",
                esc(line.text.strip_prefix("    ").unwrap_or(&line.text))
            );
        }
        out.push_str("</pre></td></tr>\n");
    };
    for line in lines {
        // Lines of a long text's diff (and of a long value) are indented under their label.
        if line.text.starts_with("    ") {
            diff.push(line);
            continue;
        }
        flush(&mut diff, out);
        let (label, value) = line.text.split_once(": ").unwrap_or((&line.text, ""));
        let label = label.trim_end_matches(':');
        let (before, after) = match line.sign {
            Sign::Change => match value.split_once(" → ") {
                Some((old, new)) => (old.to_string(), new.to_string()),
                None => (String::new(), String::new()),
            },
            Sign::Add => (String::new(), value.to_string()),
            Sign::Remove => (value.to_string(), String::new()),
            Sign::Warn | Sign::Context => {
                let _ = writeln!(
                    out,
                    "<tr class=\"note\"><td colspan=\"3\">{}</td></tr>",
                    esc(&line.text)
                );
                continue;
            }
        };
        let value = |v: &str| {
            if v.is_empty() || v == "|" {
                String::new()
            } else {
                format!("<code>{}</code>", esc(v))
            }
        };
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"before\">{}</td><td class=\"after\">{}</td></tr>",
            esc(label),
            value(&before),
            value(&after)
        );
    }
    flush(&mut diff, out);
    out.push_str("</table></div>\n");
}

/// The exact wire operations, collapsed.
fn wire(change: &Change, ctx: &Ctx<'_>, out: &mut String) {
    let etag = change.live.as_ref().map_or("?", |l| l.etag.as_str());
    let text = match change.action {
        Action::Create => format!(
            "create:\n{}",
            serde_json::to_string_pretty(change.after.as_ref().unwrap_or(&Value::Null))
                .unwrap_or_default()
        ),
        Action::Update => {
            let provider = ctx.providers.of(change.kind);
            let mut text = provider.update_note(change.kind, change.ops.len(), etag);
            for op in &change.ops {
                text.push('\n');
                text.push_str(&serde_json::to_string(op).unwrap_or_default());
            }
            text
        }
        Action::Delete => format!(
            "delete {} (If-Match \"{etag}\")",
            change.live.as_ref().map_or("?", |l| l.id.as_str())
        ),
        Action::NoOp => return,
    };
    let _ = writeln!(
        out,
        "<details class=\"wire\"><summary>Wire operations</summary><pre>{}</pre></details>",
        esc(&text)
    );
}

/// The order apply runs the changes in, and what each waits for.
fn order(plan: &Plan, prefix: &str, out: &mut String) {
    let _ = write!(
        out,
        "<section class=\"order\"><details><summary>Dependency order ({})</summary><ol>",
        super::count(plan.actions().count(), "change")
    );
    for (i, change) in plan.changes.iter().enumerate() {
        if change.action == Action::NoOp {
            continue;
        }
        let after = addresses_note("muted", &change.depends_on, |what| format!("after {what}"));
        let _ = write!(
            out,
            "<li><a href=\"#{prefix}c{i}\">{}</a>{after}</li>",
            esc(&change.address)
        );
    }
    out.push_str("</ol></details></section>\n");
}

fn preview_pair(pair: &Pair, out: &mut String) {
    let state = if pair.changed() { "changed" } else { "same" };
    let _ = write!(
        out,
        "<figure class=\"pair {state}\"><figcaption>{}{}</figcaption><div class=\"sides\">",
        esc(&pair.label),
        if pair.changed() {
            ""
        } else {
            " <span class=\"muted\">(unchanged)</span>"
        }
    );
    for (side, block) in [("before", &pair.before), ("after", &pair.after)] {
        let _ = write!(
            out,
            "<div class=\"side {side}\"><div class=\"side-name\">{side}</div>"
        );
        match block {
            Some(block) => preview_block(block, side, out),
            None => out.push_str("<p class=\"muted\">(none)</p>"),
        }
        out.push_str("</div>");
        if side == "before" {
            out.push_str("<div class=\"arrow\" aria-hidden=\"true\">→</div>");
        }
    }
    out.push_str("</div></figure>\n");
}

/// Only web addresses are loaded or linked; anything else is shown as text.
fn is_web(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

fn image(url: &str, class: &str, out: &mut String) {
    if is_web(url) {
        let _ = write!(
            out,
            "<img class=\"{class}\" src=\"{}\" alt=\"{}\" loading=\"lazy\">",
            esc(url),
            esc(url)
        );
    }
}

fn preview_block(block: &Block, side: &str, out: &mut String) {
    match block {
        Block::Image { url, link, .. } => {
            image(url, "shot", out);
            let _ = write!(out, "<p class=\"url\">{}</p>", esc(url));
            if let Some(link) = link {
                let _ = write!(out, "<p class=\"url\">links to {}</p>", esc(link));
            }
        }
        Block::Html { label, html } => {
            let _ = write!(
                out,
                "<iframe sandbox=\"\" referrerpolicy=\"no-referrer\" title=\"{} ({side})\" srcdoc=\"{}\"></iframe>",
                esc(label),
                esc(html)
            );
        }
        Block::Text { text, .. } => {
            let _ = write!(out, "<pre class=\"text\">{}</pre>", esc(text));
        }
        Block::Data { value, .. } => {
            let text = serde_json::to_string_pretty(value).unwrap_or_default();
            let _ = write!(out, "<pre class=\"text\">{}</pre>", esc(&text));
        }
        Block::Card { card, .. } => card_html(card, out),
    }
}

fn item_html(item: &Item, class: &str, out: &mut String) {
    let _ = write!(out, "<li class=\"{class}\">");
    if let Some(url) = &item.image {
        image(url, "icon", out);
    }
    let _ = write!(out, "<span>{}</span></li>", esc(&item.text));
}

fn card_html(card: &Card, out: &mut String) {
    let off = if card.active { "" } else { " off" };
    let _ = write!(out, "<div class=\"card{off}\">");
    if let Some(url) = &card.background {
        image(url, "background", out);
    }
    let _ = write!(
        out,
        "<div class=\"card-body\"><h4>{}</h4>",
        esc(&card.title)
    );
    if !card.active {
        out.push_str("<p class=\"warn\">switched off: players do not see it</p>");
    }
    let design = match (&card.design, &card.background) {
        (Some(design), Some(url)) => format!("design {}: {}", esc(design), esc(url)),
        (Some(design), None) => format!("design {}", esc(design)),
        (None, Some(url)) => esc(url),
        (None, None) => String::new(),
    };
    if !design.is_empty() {
        let _ = write!(out, "<p class=\"url\">{design}</p>");
    }
    for note in &card.notes {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(note));
    }
    out.push_str("<ol class=\"steps\">");
    for (i, step) in card.steps.iter().enumerate() {
        let _ = write!(
            out,
            "<li class=\"step\"><div class=\"step-head\"><span class=\"step-n\">{}</span><span class=\"price\">{}</span>",
            i + 1,
            esc(&step.price)
        );
        for deal in &step.deals {
            let _ = write!(out, "<span class=\"deal\">{}</span>", esc(deal));
        }
        out.push_str("</div>");
        if !step.badges.is_empty() {
            out.push_str("<ul class=\"badges\">");
            for badge in &step.badges {
                item_html(badge, "badge", out);
            }
            out.push_str("</ul>");
        }
        out.push_str("<ul class=\"products\">");
        for product in &step.products {
            item_html(product, "product", out);
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ol></div></div>");
}
/// A note of class `class` after an entry, `words` naming `addresses` (escaped, `, `-joined);
/// nothing when there are none.
fn addresses_note(class: &str, addresses: &[String], words: impl FnOnce(&str) -> String) -> String {
    if addresses.is_empty() {
        return String::new();
    }
    let named = esc(&addresses.join(", "));
    format!(" <span class=\"{class}\">{}</span>", words(&named))
}
