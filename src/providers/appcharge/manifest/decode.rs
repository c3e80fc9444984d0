//! Decoding Appcharge documents from the spanned YAML tree, with every rule that one document
//! can check on its own located at the field it is about. Rules that need several documents
//! (the design's type, references) are in [`super::validate`].

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::super::kind::Kind;
use super::model::*;
use crate::diagnostic::Diagnostic;
use crate::manifest::decode::one_of;
use crate::manifest::{Decoder, Document, Fields, Meta, Spanned};
use crate::source::Loc;
use crate::yaml::Node;

/// Appcharge's limits on a rolling offer, as its dashboard documents them.
pub const MIN_STEPS: usize = 2;
pub const MAX_STEPS: usize = 50;
pub const MAX_PRODUCTS_PER_STEP: usize = 3;
/// A price is free (0) or at least this many cents.
pub const MIN_PRICE_CENTS: i64 = 80;
/// The wire `name` of an offer has at least this many characters.
pub const MIN_TITLE_CHARS: usize = 3;

pub fn decode(
    kind: Kind,
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    meta: Option<Meta>,
) -> Option<Box<dyn Document>> {
    let title = fields
        .required(decoder, "title", kind.as_str())
        .and_then(|node| decoder.non_empty_text(node, "title"));
    match kind {
        Kind::Product => {
            let display_name = text(decoder, fields, "displayName");
            let unit = fields
                .get("unit")
                .and_then(|node| decoder.choice(node, "unit", Unit::OPTIONS));
            let description = text(decoder, fields, "description");
            let image = text(decoder, fields, "image");
            Some(Box::new(Product {
                meta: meta?,
                title: title?,
                display_name,
                unit,
                description,
                image,
            }))
        }
        Kind::Badge => {
            let style = fields
                .required(decoder, "style", "Badge")
                .and_then(|node| decoder.choice(node, "style", BadgeStyle::OPTIONS));
            let text_field = text(decoder, fields, "text");
            let image = text(decoder, fields, "image");
            let style = style?;
            let missing = match style.value {
                BadgeStyle::Ribbon if text_field.is_none() => {
                    Some(("text", "a ribbon badge shows a text"))
                }
                BadgeStyle::Emblem if image.is_none() => {
                    Some(("image", "an emblem badge shows an image"))
                }
                _ => None,
            };
            if let Some((field, why)) = missing {
                decoder.report(
                    Diagnostic::error("missing-field", format!("{why}: `{field}` is required"))
                        .with_label(style.loc, format!("this style needs `{field}`")),
                );
            }
            Some(Box::new(Badge {
                meta: meta?,
                title: title?,
                style,
                text: text_field,
                image,
            }))
        }
        Kind::OfferDesign => {
            let offer_type = fields
                .required(decoder, "offerType", "OfferDesign")
                .and_then(|node| decoder.non_empty_text(node, "offerType"));
            if let Some(t) = &offer_type
                && !OFFER_TYPES.contains(&t.value.as_str())
            {
                decoder.report(
                    Diagnostic::error("bad-value", format!("`{}` is not an offer type", t.value))
                        .with_label(t.loc, format!("expected {}", one_of(OFFER_TYPES))),
                );
            }
            let background_image = text(decoder, fields, "backgroundImage");
            Some(Box::new(OfferDesign {
                meta: meta?,
                title: title?,
                offer_type: offer_type?,
                background_image,
            }))
        }
        Kind::RollingOffer => rolling_offer(decoder, fields, meta, title),
    }
}

fn text(
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    key: &'static str,
) -> Option<Spanned<String>> {
    fields.get(key).and_then(|node| decoder.text(node, key))
}

fn boolean(decoder: &mut Decoder<'_>, node: &Node, field: &str) -> Option<Spanned<bool>> {
    let loc = decoder.loc(&node.span);
    decoder
        .boolean(node, field)
        .map(|value| Spanned { value, loc })
}

fn rolling_offer(
    decoder: &mut Decoder<'_>,
    fields: &mut Fields<'_>,
    meta: Option<Meta>,
    title: Option<Spanned<String>>,
) -> Option<Box<dyn Document>> {
    if let Some(title) = &title
        && title.value.chars().count() < MIN_TITLE_CHARS
    {
        decoder.report(
            Diagnostic::error(
                "bad-value",
                format!("a rolling offer's title has at least {MIN_TITLE_CHARS} characters"),
            )
            .with_label(title.loc, "too short"),
        );
    }
    let active = fields
        .get("active")
        .and_then(|n| boolean(decoder, n, "active"));
    let priority = fields
        .get("priority")
        .and_then(|n| decoder.integer(n, "priority"));
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
    let steps_node = fields.required(decoder, "steps", "RollingOffer");
    let steps = steps_node.map(|node| self::steps(decoder, node));
    Some(Box::new(RollingOffer {
        meta: meta?,
        title: title?,
        active,
        priority,
        design,
        segments,
        schedule,
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

fn steps(decoder: &mut Decoder<'_>, node: &Node) -> Vec<Step> {
    let items = decoder.list(node, "steps");
    let loc = decoder.loc(&node.span);
    if matches!(node.value, crate::yaml::Value::Seq(_))
        && !(MIN_STEPS..=MAX_STEPS).contains(&items.len())
    {
        decoder.report(
            Diagnostic::error(
                "bad-step-count",
                format!(
                    "a rolling offer has {MIN_STEPS} to {MAX_STEPS} steps, this one has {}",
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
        .filter_map(|item| step(decoder, item))
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
    steps
}

fn step(decoder: &mut Decoder<'_>, node: &Node) -> Option<Step> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, "steps")?;
    let index = fields
        .get("index")
        .and_then(|n| decoder.integer(n, "index"));
    let price = fields
        .required(decoder, "price", "a step")
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
    let products_node = fields.required(decoder, "products", "a step");
    if let Some(list) = products_node {
        let items = decoder.list(list, "products");
        if matches!(list.value, crate::yaml::Value::Seq(_))
            && !(1..=MAX_PRODUCTS_PER_STEP).contains(&items.len())
        {
            decoder.report(
                Diagnostic::error(
                    "bad-product-count",
                    format!(
                        "a step has 1 to {MAX_PRODUCTS_PER_STEP} products, this one has {}",
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
    let badges = decoder.references(&mut fields, "badges");
    let discount = fields
        .get("discount")
        .and_then(|n| adjustment(decoder, n, "discount"));
    let sale = fields
        .get("sale")
        .and_then(|n| adjustment(decoder, n, "sale"));
    fields.finish(decoder, "step");
    Some(Step {
        index,
        price: price?,
        products,
        badges,
        discount,
        sale,
        loc,
    })
}

fn product_line(decoder: &mut Decoder<'_>, node: &Node) -> Option<ProductLine> {
    let loc = decoder.loc(&node.span);
    let mut fields = decoder.mapping(node, "products")?;
    let product = fields
        .required(decoder, "product", "a product line")
        .and_then(|n| decoder.non_empty_text(n, "product"));
    let quantity = fields
        .required(decoder, "quantity", "a product line")
        .and_then(|n| decoder.integer(n, "quantity"));
    fields.finish(decoder, "product line");
    if let Some(q) = &quantity
        && q.value < 1
    {
        decoder.report(
            Diagnostic::error("bad-value", "`quantity` must be at least 1")
                .with_label(q.loc, "expected 1 or more"),
        );
    }
    Some(ProductLine {
        product: product?,
        quantity: quantity?,
        loc,
    })
}

fn adjustment(decoder: &mut Decoder<'_>, node: &Node, field: &'static str) -> Option<Adjustment> {
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
    if !ADJUSTMENT_TYPES.contains(&kind.value.as_str()) {
        decoder.report(
            Diagnostic::error(
                "bad-value",
                format!("`{}` is not a {field} type of a rolling offer", kind.value),
            )
            .with_label(kind.loc, format!("expected {}", one_of(ADJUSTMENT_TYPES))),
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
