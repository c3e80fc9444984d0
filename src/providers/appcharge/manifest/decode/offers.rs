//! Decoding offers of every type: what all offers share ([`OfferHead`]), their items, and the
//! per-type rules (step counts, pop-up sub-types, the discount and sale types each type takes),
//! each located at the field it is about.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::super::super::kind::Kind;
use super::super::model::*;
use super::{boolean, text};
use crate::diagnostic::Diagnostic;
use crate::manifest::decode::one_of;
use crate::manifest::{Decoder, Document, Fields, Meta, Spanned};
use crate::source::Loc;
use crate::yaml::Node;

/// Appcharge's limits on items, as its dashboard documents them for rolling offers.
pub const MIN_STEPS: usize = 2;
pub const MAX_STEPS: usize = 50;
pub const MAX_PRODUCTS_PER_STEP: usize = 3;
/// A price is free (0) or at least this many cents.
pub const MIN_PRICE_CENTS: i64 = 80;
/// The wire `name` of an offer has at least this many characters.
pub const MIN_TITLE_CHARS: usize = 3;

/// What an item's rules depend on: the offer's kind and, for pop-ups, its sub-type.
#[derive(Clone, Copy)]
struct Context<'a> {
    kind: Kind,
    sub_type: Option<&'a str>,
}

impl Context<'_> {
    fn noun(self) -> String {
        match self.sub_type {
            Some(sub_type) => format!("{sub_type} pop-up"),
            None => self.kind.noun().to_string(),
        }
    }
}

pub(super) fn offer(
    kind: Kind,
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    meta: Option<Meta>,
    title: Option<Spanned<String>>,
) -> Option<Box<dyn Document>> {
    let head = offer_head(kind, decoder, fields, title);
    let plain = Context {
        kind,
        sub_type: None,
    };
    match kind {
        Kind::RollingOffer => {
            let steps = steps(decoder, fields, plain, MIN_STEPS);
            Some(Box::new(RollingOffer {
                meta: meta?,
                head: head?,
                steps: steps?,
            }))
        }
        Kind::ProgressBar => {
            let steps = steps(decoder, fields, plain, 1);
            Some(Box::new(ProgressBar {
                meta: meta?,
                head: head?,
                steps: steps?,
            }))
        }
        Kind::Popup => popup(decoder, fields, meta, head),
        _ => {
            let item = item(decoder, fields, plain);
            let discount = fields
                .get("discount")
                .and_then(|n| adjustment(decoder, n, "discount", plain));
            let sale = fields
                .get("sale")
                .and_then(|n| adjustment(decoder, n, "sale", plain));
            Some(Box::new(SingleOffer {
                kind,
                meta: meta?,
                head: head?,
                item: item?,
                discount,
                sale,
            }))
        }
    }
}

fn offer_head(
    kind: Kind,
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    title: Option<Spanned<String>>,
) -> Option<OfferHead> {
    if let Some(title) = &title
        && title.value.chars().count() < MIN_TITLE_CHARS
    {
        decoder.report(
            Diagnostic::error(
                "bad-value",
                format!("an offer's title has at least {MIN_TITLE_CHARS} characters"),
            )
            .with_label(title.loc, "too short"),
        );
    }
    let active = fields
        .get("active")
        .and_then(|n| boolean(decoder, n, "active"));
    let priority = if kind == Kind::Popup {
        fields.required(decoder, "priority", "Popup")
    } else {
        fields.get("priority")
    };
    let priority = priority.and_then(|n| decoder.integer(n, "priority"));
    if let Some(p) = &priority
        && p.value < 1
    {
        decoder.report(
            Diagnostic::error("bad-value", "`priority` starts from 1 (the highest)")
                .with_label(p.loc, "expected 1 or more"),
        );
    }
    let design = fields
        .get("design")
        .and_then(|n| decoder.non_empty_text(n, "design"));
    let segments = fields
        .get("segments")
        .map(|n| decoder.texts(n, "segments"))
        .unwrap_or_default();
    let schedule = fields
        .get("schedule")
        .and_then(|node| schedule(decoder, node));
    Some(OfferHead {
        title: title?,
        active,
        priority,
        design,
        segments,
        schedule,
    })
}

fn popup(
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    meta: Option<Meta>,
    head: Option<OfferHead>,
) -> Option<Box<dyn Document>> {
    let sub_type = fields
        .required(decoder, "subType", "Popup")
        .and_then(|n| decoder.non_empty_text(n, "subType"));
    if let Some(t) = &sub_type
        && !POPUP_TYPES.contains(&t.value.as_str())
    {
        decoder.report(
            Diagnostic::error(
                "bad-value",
                format!("`{}` is not a pop-up sub-type", t.value),
            )
            .with_label(t.loc, format!("expected {}", one_of(POPUP_TYPES))),
        );
    }
    let mut settings = |field: &'static str, needed_by: &str| {
        let value = fields.get(field).and_then(|node| {
            let loc = decoder.loc(&node.span);
            match &node.value {
                crate::yaml::Value::Map(_) => Some(Spanned {
                    value: node.to_json(),
                    loc,
                }),
                _ => {
                    decoder.expected(node, field, "a mapping of Appcharge's settings");
                    None
                }
            }
        });
        if let Some(t) = &sub_type
            && t.value == needed_by
            && value.is_none()
        {
            decoder.report(
                Diagnostic::error(
                    "missing-field",
                    format!("a {needed_by} pop-up needs `{field}`"),
                )
                .with_label(t.loc, format!("this sub-type needs `{field}`")),
            );
        }
        value
    };
    let display_rule = settings("displayRule", "StoreRefresh");
    let reward_calendar = settings("rewardCalendar", "RewardCalendar");
    let context = Context {
        kind: Kind::Popup,
        sub_type: sub_type.as_ref().map(|t| t.value.as_str()),
    };
    let steps = steps(decoder, fields, context, 1);
    Some(Box::new(Popup {
        meta: meta?,
        head: head?,
        sub_type: sub_type?,
        display_rule,
        reward_calendar,
        steps: steps?,
    }))
}

fn schedule(decoder: &mut Decoder<'_>, node: &Node) -> Option<Schedule> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, "schedule")?;
    let permanent = fields
        .required(decoder, "permanent", "schedule")
        .and_then(|n| boolean(decoder, n, "permanent"));
    let mut time_frames = Vec::new();
    if let Some(list) = fields.get("timeFrames") {
        for item in decoder.list(list, "timeFrames") {
            time_frames.extend(time_frame(decoder, item));
        }
    }
    fields.finish(decoder, "schedule");
    let permanent = permanent?;
    if !permanent.value && time_frames.is_empty() {
        decoder.report(
            Diagnostic::error(
                "no-time-frame",
                "a schedule that is not permanent needs at least one time frame",
            )
            .with_label(permanent.loc, "not permanent")
            .with_help("add `timeFrames: [{start: ..., end: ...}]`, or set `permanent: true`"),
        );
    }
    check_overlaps(decoder, &time_frames);
    Some(Schedule {
        permanent,
        time_frames,
        loc,
    })
}

fn instant(decoder: &mut Decoder<'_>, text: &Spanned<String>) -> Option<OffsetDateTime> {
    match OffsetDateTime::parse(&text.value, &Rfc3339) {
        Ok(at) => Some(at),
        Err(_) => {
            decoder.report(
                Diagnostic::error(
                    "bad-value",
                    format!("`{}` is not an RFC 3339 instant", text.value),
                )
                .with_label(text.loc, "expected an instant such as 2026-12-01T00:00:00Z"),
            );
            None
        }
    }
}

fn time_frame(decoder: &mut Decoder<'_>, node: &Node) -> Option<TimeFrame> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, "timeFrames")?;
    let start = fields
        .required(decoder, "start", "a time frame")
        .and_then(|n| decoder.non_empty_text(n, "start"));
    let end = fields
        .required(decoder, "end", "a time frame")
        .and_then(|n| decoder.non_empty_text(n, "end"));
    let notes = text(decoder, &mut fields, "notes");
    fields.finish(decoder, "time frame");
    let (start, end) = (start?, end?);
    if let (Some(from), Some(to)) = (instant(decoder, &start), instant(decoder, &end))
        && to <= from
    {
        decoder.report(
            Diagnostic::error("bad-time-frame", "a time frame must end after it starts")
                .with_label(end.loc, "not after `start`")
                .with_label(start.loc, "starts here"),
        );
    }
    Some(TimeFrame {
        start,
        end,
        notes,
        loc,
    })
}

fn check_overlaps(decoder: &mut Decoder<'_>, frames: &[TimeFrame]) {
    let parse = |t: &Spanned<String>| OffsetDateTime::parse(&t.value, &Rfc3339).ok();
    let mut spans: Vec<(OffsetDateTime, OffsetDateTime, &TimeFrame)> = frames
        .iter()
        .filter_map(|f| Some((parse(&f.start)?, parse(&f.end)?, f)))
        .filter(|(from, to, _)| from < to)
        .collect();
    spans.sort_by_key(|(from, _, _)| *from);
    for pair in spans.windows(2) {
        let ((_, first_end, first), (second_start, _, second)) = (&pair[0], &pair[1]);
        if second_start < first_end {
            decoder.report(
                Diagnostic::error("overlapping-time-frames", "time frames must not overlap")
                    .with_label(second.start.loc, "starts before the other frame ends")
                    .with_label(first.end.loc, "the other frame ends here"),
            );
        }
    }
}

fn steps(
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    context: Context<'_>,
    min: usize,
) -> Option<Vec<Step>> {
    let node = fields.required(decoder, "steps", context.kind.as_str())?;
    let items = decoder.list(node, "steps");
    let loc = decoder.loc(&node.span);
    if matches!(node.value, crate::yaml::Value::Seq(_)) && !(min..=MAX_STEPS).contains(&items.len())
    {
        decoder.report(
            Diagnostic::error(
                "bad-step-count",
                format!(
                    "a {} has {min} to {MAX_STEPS} steps, this one has {}",
                    context.noun(),
                    items.len()
                ),
            )
            .with_label(
                loc,
                format!(
                    "{} step{}",
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                ),
            ),
        );
    }
    let steps: Vec<Step> = items
        .iter()
        .filter_map(|item| step(decoder, item, context))
        .collect();
    let mut seen: Vec<(i64, Loc)> = Vec::new();
    for (position, step) in steps.iter().enumerate() {
        let index = step.wire_index(position);
        let at = step.index.as_ref().map_or(step.loc, |i| i.loc);
        if let Some((_, first)) = seen.iter().find(|(i, _)| *i == index) {
            decoder.report(
                Diagnostic::error(
                    "duplicate-step-index",
                    format!("two steps have index {index}"),
                )
                .with_label(at, "repeated here")
                .with_label(*first, "first here"),
            );
        }
        seen.push((index, at));
    }
    Some(steps)
}

fn step(decoder: &mut Decoder<'_>, node: &Node, context: Context<'_>) -> Option<Step> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, "steps")?;
    let index = fields
        .get("index")
        .and_then(|n| decoder.integer(n, "index"));
    let item = item(decoder, &mut fields, context);
    let discount = fields
        .get("discount")
        .and_then(|n| adjustment(decoder, n, "discount", context));
    let sale = fields
        .get("sale")
        .and_then(|n| adjustment(decoder, n, "sale", context));
    fields.finish(decoder, "step");
    Some(Step {
        index,
        item: item?,
        discount,
        sale,
        loc,
    })
}

/// An item's own fields (price, products, badges, progress-bar points), from a step or from
/// the top of a single-item offer.
fn item(decoder: &mut Decoder<'_>, fields: &mut Fields<'_>, context: Context<'_>) -> Option<Item> {
    let owner = if context.kind.is_single_item() {
        context.kind.as_str()
    } else {
        "a step"
    };
    let price = fields
        .required(decoder, "price", owner)
        .and_then(|n| decoder.integer(n, "price"));
    if let Some(price) = &price
        && price.value != 0
        && price.value < MIN_PRICE_CENTS
    {
        decoder.report(
            Diagnostic::error(
                "bad-price",
                format!(
                    "a price is 0 (free) or at least {MIN_PRICE_CENTS} cents, not {}",
                    price.value
                ),
            )
            .with_label(price.loc, "in US cents"),
        );
    }
    let mut products = Vec::new();
    if let Some(list) = fields.required(decoder, "products", owner) {
        let items = decoder.list(list, "products");
        if matches!(list.value, crate::yaml::Value::Seq(_))
            && !(1..=MAX_PRODUCTS_PER_STEP).contains(&items.len())
        {
            decoder.report(
                Diagnostic::error(
                    "bad-product-count",
                    format!(
                        "{} has 1 to {MAX_PRODUCTS_PER_STEP} products, this one has {}",
                        if context.kind.is_single_item() {
                            format!("a {}", context.noun())
                        } else {
                            "a step".to_string()
                        },
                        items.len()
                    ),
                )
                .with_label(decoder.loc(&list.span), "here"),
            );
        }
        for item in items {
            products.extend(product_line(decoder, item));
        }
    }
    let badges = decoder.references(fields, "badges");
    let mut progress_bar_points = Vec::new();
    if let Some(list) = fields.get("progressBarPoints") {
        if context.kind == Kind::ProgressBar {
            decoder.report(
                Diagnostic::error(
                    "bad-field",
                    "a progress bar's steps cannot give points to progress bars",
                )
                .with_label(decoder.loc(&list.span), "not on a ProgressBar"),
            );
        }
        for entry in decoder.list(list, "progressBarPoints") {
            progress_bar_points.extend(bar_points(decoder, entry));
        }
    }
    Some(Item {
        price: price?,
        products,
        badges,
        progress_bar_points,
    })
}

/// An entry naming an object with a count of at least 1: a product line's `product` and
/// `quantity`, a progress-bar entry's `bar` and `points`.
fn named_count(
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    (reference, count): (&'static str, &'static str),
    owner: &str,
) -> (Option<Spanned<String>>, Option<Spanned<i64>>) {
    let named = fields
        .required(decoder, reference, owner)
        .and_then(|n| decoder.non_empty_text(n, reference));
    let number = fields
        .required(decoder, count, owner)
        .and_then(|n| decoder.integer(n, count));
    if let Some(n) = &number
        && n.value < 1
    {
        decoder.report(
            Diagnostic::error("bad-value", format!("`{count}` must be at least 1"))
                .with_label(n.loc, "expected 1 or more"),
        );
    }
    (named, number)
}

fn bar_points(decoder: &mut Decoder<'_>, node: &Node) -> Option<BarPoints> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, "progressBarPoints")?;
    let owner = "a progress-bar entry";
    let (bar, points) = named_count(decoder, &mut fields, ("bar", "points"), owner);
    fields.finish(decoder, "progress-bar entry");
    Some(BarPoints {
        bar: bar?,
        points: points?,
        loc,
    })
}

fn product_line(decoder: &mut Decoder<'_>, node: &Node) -> Option<ProductLine> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, "products")?;
    let owner = "a product line";
    let (product, quantity) = named_count(decoder, &mut fields, ("product", "quantity"), owner);
    let priority = text(decoder, &mut fields, "priority");
    fields.finish(decoder, "product line");
    if let Some(p) = &priority
        && !PRODUCT_PRIORITIES.contains(&p.value.as_str())
    {
        decoder.report(
            Diagnostic::error(
                "bad-value",
                format!("`{}` is not a product priority", p.value),
            )
            .with_label(p.loc, format!("expected {}", one_of(PRODUCT_PRIORITIES))),
        );
    }
    Some(ProductLine {
        product: product?,
        quantity: quantity?,
        priority,
        loc,
    })
}

fn adjustment(
    decoder: &mut Decoder<'_>,
    node: &Node,
    field: &'static str,
    context: Context<'_>,
) -> Option<Adjustment> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, field)?;
    let kind = fields
        .required(decoder, "type", field)
        .and_then(|n| decoder.non_empty_text(n, "type"));
    let amount = fields
        .required(decoder, "amount", field)
        .and_then(|n| decoder.integer(n, "amount"));
    fields.finish(decoder, field);
    let kind = kind?;
    let allowed = adjustment_types(context.kind, context.sub_type, field);
    if !allowed.contains(&kind.value.as_str()) {
        decoder.report(
            Diagnostic::error(
                "bad-value",
                format!(
                    "`{}` is not a {field} type of a {}",
                    kind.value,
                    context.noun()
                ),
            )
            .with_label(kind.loc, format!("expected {}", one_of(allowed))),
        );
    }
    if let Some(a) = &amount
        && a.value < 0
    {
        decoder.report(
            Diagnostic::error("bad-value", format!("a {field} cannot be negative"))
                .with_label(a.loc, "expected 0 or more"),
        );
    }
    Some(Adjustment {
        kind,
        amount: amount?,
        loc,
    })
}
