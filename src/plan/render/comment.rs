//! Markdown for pull-request comments: the summary first (deletions and deactivations called
//! out before any detail), then one collapsible section per object with thumbnails of changed
//! images, cut into self-contained parts that each fit in one GitHub comment.

use std::fmt::Write as _;

use super::{Action, Change, Ctx, MARKDOWN_LIMIT, Plan, count, escape_html, summary_line};
use crate::plan::previews::Previews;
use crate::preview::Block;
use crate::provider::Providers;

/// The line that starts every part: the example workflows find their comment by it.
pub fn part_marker(n: usize, of: usize) -> String {
    format!("<!-- offerctl: part {n} of {of} -->")
}

/// How many characters of the summary may list deletions and deactivations; the rest are
/// listed right after the summary, before any detail.
const CALLOUT_BUDGET: usize = 12_000;

/// Width of a thumbnail, in pixels.
const THUMBNAIL: usize = 160;

/// A piece of the body, and the heading it belongs under (repeated, "continued", when a part
/// starts in the middle of its group).
struct Section {
    group: Option<String>,
    text: String,
}

/// The deletions and deactivations of a plan, in the order the plan applies them.
fn removals<'p>(plan: &'p Plan, providers: &Providers) -> Vec<&'p Change> {
    plan.actions()
        .filter(|c| c.action == Action::Delete || super::deactivates(c, providers))
        .collect()
}

fn removal_line(change: &Change) -> String {
    let what = if change.action == Action::Delete {
        "deleted"
    } else {
        "switched off"
    };
    let warning = if change.referenced_by.is_empty() {
        ""
    } else {
        " — still referenced, will be rejected"
    };
    format!(
        "- <code>{}</code> {what}{warning}\n",
        escape_html(&change.address)
    )
}

/// The callout (bounded) and the rest of the list, as sections placed before any detail.
fn callout(
    plan: &Plan,
    providers: &Providers,
    heading: &str,
    group: Option<&str>,
) -> (String, Vec<Section>) {
    let removals = removals(plan, providers);
    if removals.is_empty() {
        return (String::new(), Vec::new());
    }
    let deletes = removals
        .iter()
        .filter(|c| c.action == Action::Delete)
        .count();
    let off = removals.len() - deletes;
    let mut what = Vec::new();
    if deletes > 0 {
        what.push(format!("deletes {}", count(deletes, "object")));
    }
    if off > 0 {
        what.push(format!("switches off {}", count(off, "object")));
    }
    let mut head = format!("> [!CAUTION]\n> **{heading}{}:**\n", what.join(" and "));
    let mut rest = Vec::new();
    for (i, change) in removals.iter().enumerate() {
        let line = removal_line(change);
        if head.len() + line.len() > CALLOUT_BUDGET {
            let _ = writeln!(
                head,
                "> - … and {} more, listed below the summary",
                removals.len() - i
            );
            rest = removals[i..]
                .chunks(200)
                .map(|chunk| Section {
                    group: group.map(str::to_string),
                    text: chunk.iter().fold(
                        String::from("**Also deleted or switched off:**\n\n"),
                        |mut text, c| {
                            text.push_str(&removal_line(c));
                            text
                        },
                    ) + "\n",
                })
                .collect();
            break;
        }
        head.push_str("> ");
        head.push_str(&line);
    }
    head.push('\n');
    (head, rest)
}

/// Thumbnails of the changed images of a change: before → after, at their hosted URLs.
fn thumbnails(change: &Change, previews: &Previews<'_>) -> String {
    let image = |block: &Option<Block>| match block {
        Some(Block::Image { url, .. }) => format!(
            "<img src=\"{}\" width=\"{THUMBNAIL}\" alt=\"{}\">",
            escape_html(url),
            escape_html(url)
        ),
        Some(_) => "(not an image)".to_string(),
        None => "(none)".to_string(),
    };
    let mut out = String::new();
    for pair in previews.pairs(change).iter().filter(|p| p.changed()) {
        let is_image = |b: &Option<Block>| matches!(b, Some(Block::Image { .. }));
        if !is_image(&pair.before) && !is_image(&pair.after) {
            continue;
        }
        let _ = write!(
            out,
            "<br>{}: {} → {}",
            escape_html(&pair.label),
            image(&pair.before),
            image(&pair.after)
        );
    }
    out
}

/// A fence longer than any run of backticks in `text`, so that no content closes it.
fn fence_for(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn section(change: &Change, plan: &Ctx<'_>, previews: &Previews<'_>) -> String {
    let mut body = String::new();
    super::markdown_lines(change, plan, &mut body);
    let fence = fence_for(&body);
    let mark = if super::deactivates(change, plan.providers) {
        " ⚠ switches it off"
    } else if change.action == Action::Delete {
        " ⚠"
    } else {
        ""
    };
    format!(
        "<details><summary><code>{} {}</code> {}{mark}{}</summary>\n\n{fence}diff\n{body}{fence}\n\n</details>\n",
        super::symbol(change.action),
        escape_html(&change.address),
        super::verb(change.action),
        thumbnails(change, previews),
    )
}

/// The summary line and the table of counts.
fn summary(plan: &Plan) -> String {
    let s = &plan.summary;
    let mut head = String::new();
    let _ = writeln!(
        head,
        "**{}** Repository: {}\n",
        summary_line(plan),
        escape_html(&plan.repository)
    );
    head.push_str("| | action | objects |\n|---|---|---:|\n");
    for (symbol, action, n) in [
        ("+", "create", s.create),
        ("~", "update", s.update),
        ("-", "delete", s.delete),
    ] {
        let _ = writeln!(head, "| `{symbol}` | {action} | {n} |");
    }
    let _ = writeln!(head, "| | unchanged | {} |", s.no_op);
    let _ = writeln!(head, "| | unmanaged (left alone) | {} |\n", s.unmanaged);
    head
}

/// One section per change: deletions and deactivations first, then the rest in the order
/// apply runs them.
fn object_sections(plan: &Plan, providers: &Providers, group: Option<&str>) -> Vec<Section> {
    let ctx = &Ctx { plan, providers };
    let previews = Previews::new(plan, providers);
    let (first, then): (Vec<&Change>, Vec<&Change>) = plan
        .actions()
        .partition(|c| c.action == Action::Delete || super::deactivates(c, providers));
    let mut sections: Vec<Section> = first
        .into_iter()
        .chain(then)
        .map(|change| Section {
            group: group.map(str::to_string),
            text: section(change, ctx, &previews),
        })
        .collect();
    if !plan.summary.has_changes() {
        sections.push(Section {
            group: group.map(str::to_string),
            text: "No changes: the repository matches the manifests.\n".to_string(),
        });
    }
    sections
}

fn foot(plan: &Plan) -> String {
    format!(
        "\n<sub>offerctl {} · plan format {} · manifests sha256 `{}`</sub>\n",
        plan.offerctl_version,
        plan.format_version,
        plan.manifests_hash
            .get(..12)
            .unwrap_or(&plan.manifests_hash)
    )
}

/// The plan as pull-request comments: one part, or several when one would pass
/// [`MARKDOWN_LIMIT`]; each starts with its [`part_marker`] and the summary.
pub fn parts(plan: &Plan, providers: &Providers) -> Vec<String> {
    let (callout, mut sections) = callout(plan, providers, "This plan ", None);
    let head = format!(
        "## offerctl plan\n\n{}{callout}{}",
        summary(plan),
        crate::plan::impact::markdown(&plan.impact)
    );
    sections.extend(object_sections(plan, providers, None));
    split(&head, sections, &foot(plan))
}

/// Several environments' plans as comments: one summary table (and every environment's
/// deletions and deactivations), then a section per environment; cut into parts like [`parts`].
pub fn environments(plans: &[(&str, &Plan)], providers: &Providers) -> Vec<String> {
    let mut head = format!(
        "## offerctl plan: {}\n\n| environment | create | update | delete | drift |\n|---|---:|---:|---:|---:|\n",
        count(plans.len(), "environment")
    );
    for (name, plan) in plans {
        let s = &plan.summary;
        let _ = writeln!(
            head,
            "| {} | {} | {} | {} | {} |",
            escape_html(name).replace('|', "\\|"),
            s.create,
            s.update,
            s.delete,
            s.drifted
        );
    }
    head.push('\n');
    let mut listed = Vec::new();
    let mut sections = Vec::new();
    for (name, plan) in plans {
        let group = format!("### Environment `{}`", escape_html(name).replace('`', "'"));
        let (callout, more) = callout(
            plan,
            providers,
            &format!("In {}, this plan ", escape_html(name)),
            Some(&group),
        );
        head.push_str(&callout);
        listed.extend(more);
        sections.push(Section {
            group: Some(group.clone()),
            text: summary(plan) + &crate::plan::impact::markdown(&plan.impact),
        });
        sections.extend(object_sections(plan, providers, Some(&group)));
    }
    listed.extend(sections);
    let foot = plans.first().map(|(_, p)| foot(p)).unwrap_or_default();
    split(&head, listed, &foot)
}

/// Packs the sections into parts under the limit, each starting with its marker and `head`.
fn split(head: &str, sections: Vec<Section>, foot: &str) -> Vec<String> {
    // The marker, a "continued" heading and the part note take at most this much.
    const RESERVE: usize = 400;
    let room = MARKDOWN_LIMIT.saturating_sub(head.len() + foot.len() + RESERVE);
    let mut bodies: Vec<String> = vec![String::new()];
    let mut group_of_part: Option<String> = None;
    for section in sections {
        let text = fit(section.text, room.saturating_sub(200));
        let current = bodies.last_mut().expect("one body at least");
        let heading = match (&section.group, &group_of_part) {
            (Some(group), Some(open)) if group == open => String::new(),
            (Some(group), _) => format!("{group}\n\n"),
            (None, _) => String::new(),
        };
        if !current.is_empty() && current.len() + heading.len() + text.len() > room {
            let continued = match (&section.group, &group_of_part) {
                (Some(group), Some(open)) if group == open => format!("{group} (continued)\n\n"),
                _ => heading.clone(),
            };
            bodies.push(continued + &text);
        } else {
            current.push_str(&heading);
            current.push_str(&text);
        }
        group_of_part = section.group;
    }
    let total = bodies.len();
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let note = if total > 1 {
                format!("\n<sub>Part {} of {total}.</sub>\n", i + 1)
            } else {
                String::new()
            };
            format!("{}\n{head}{body}{note}{foot}", part_marker(i + 1, total))
        })
        .collect()
}

/// `text`, cut at a line boundary to at most `room` characters when it is longer, with its
/// code fence and `<details>` closed.
fn fit(text: String, room: usize) -> String {
    if text.len() <= room {
        return text;
    }
    // Thumbnails too many for a part: the summary keeps the object's line only.
    if let Some(summary_end) = text.find("</summary>")
        && summary_end > room / 2
    {
        let line = &text[..text.find("<br>").unwrap_or(summary_end)];
        return format!(
            "{line}</summary>\n\nToo many images to show here: see the HTML report (`offerctl show PLAN --output html`).\n\n</details>\n"
        );
    }
    let mut end = room;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = text[..end].rfind('\n').map_or(0, |i| i + 1);
    let mut kept = text[..cut].to_string();
    let fence = kept
        .lines()
        .find(|l| l.starts_with("```") && l.ends_with("diff"))
        .map(|l| l.trim_end_matches("diff").to_string());
    let inside = fence
        .as_ref()
        .is_some_and(|f| kept.lines().filter(|l| l.starts_with(f.as_str())).count() % 2 == 1);
    let _ = writeln!(
        kept,
        "… {} more characters not shown: see the HTML report (`offerctl show PLAN --output html`)",
        text.len() - cut
    );
    if inside && let Some(fence) = fence {
        let _ = writeln!(kept, "{fence}\n");
    }
    if kept.contains("<details>") {
        kept.push_str("</details>\n");
    }
    kept
}
