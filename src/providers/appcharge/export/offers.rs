//! Live offers of every type back into manifests: the shared settings, then the item at the
//! top level (bundles, special offers, checkout links) or the `steps`.

use serde_json::{Map, Value};

use super::super::kind::Kind;
use super::super::manifest::model::*;
use super::super::wire;
use super::{Namer, Reader, int_of, object, only, text_of};
use crate::manifest::{Document, Meta, Spanned, synthetic};

fn no_loc() -> crate::source::Loc {
    synthetic(()).loc
}

pub(super) fn offer(
    kind: Kind,
    mut r: Reader,
    meta: Meta,
    title: Spanned<String>,
    name_of: Namer<'_>,
) -> Result<Box<dyn Document>, Vec<String>> {
    let wanted = kind.offer_type().unwrap_or_default();
    if r.rest.remove("type").as_ref().and_then(Value::as_str) != Some(wanted) {
        return Err(vec![format!("`type` is not `{wanted}`")]);
    }
    let head = head(&mut r, title, name_of)?;
    let members = Members(wire::diff_rules(kind).members);
    let steps = |r: &mut Reader| match r.rest.remove("productsSequence") {
        Some(Value::Array(steps)) => self::steps(&steps, members, name_of),
        _ => Err(vec!["`productsSequence` is missing or not a list".into()]),
    };
    Ok(match kind {
        Kind::RollingOffer => {
            let steps = steps(&mut r)?;
            Box::new(RollingOffer {
                meta: r.finish(meta)?,
                head,
                steps,
            })
        }
        Kind::ProgressBar => {
            let steps = steps(&mut r)?;
            Box::new(ProgressBar {
                meta: r.finish(meta)?,
                head,
                steps,
            })
        }
        Kind::Popup => {
            let sub_type = r.required_text("subType");
            let mut settings = |key: &str| match r.rest.remove(key) {
                Some(value @ Value::Object(_)) => Ok(Some(synthetic(value))),
                Some(Value::Null) | None => Ok(None),
                Some(_) => Err(vec![format!("`{key}` is not an object")]),
            };
            let display_rule = settings("displayRule")?;
            let reward_calendar = settings("rewardCalendar")?;
            let steps = steps(&mut r)?;
            Box::new(Popup {
                meta: r.finish(meta)?,
                head,
                sub_type,
                display_rule,
                reward_calendar,
                steps,
            })
        }
        _ => {
            let items = match r.rest.remove("productsSequence") {
                Some(Value::Array(items)) => items,
                _ => return Err(vec!["`productsSequence` is missing or not a list".into()]),
            };
            let [only_item] = items.as_slice() else {
                return Err(vec![format!(
                    "a {kind} has one item; this one has {}",
                    items.len()
                )]);
            };
            let map = object(only_item, "the item")?;
            only(map, members.of("productsSequence/*"), "the item")?;
            if int_of(map, "index", "the item")?.value != 1 {
                return Err(vec!["the item's `index` is not 1".into()]);
            }
            let item = self::item(map, "the item", members, name_of)?;
            let discount = adjustment(r.rest.get("priceDiscount"), "priceDiscount", "discount")?;
            let sale = adjustment(r.rest.get("productSale"), "productSale", "sale")?;
            r.rest.remove("priceDiscount");
            r.rest.remove("productSale");
            Box::new(SingleOffer {
                kind,
                meta: r.finish(meta)?,
                head,
                item,
                discount,
                sale,
            })
        }
    })
}

fn head(
    r: &mut Reader,
    title: Spanned<String>,
    name_of: Namer<'_>,
) -> Result<OfferHead, Vec<String>> {
    let active = match r.rest.remove("active") {
        Some(Value::Bool(b)) => Some(synthetic(b)),
        _ => return Err(vec!["`active` is not true or false".into()]),
    };
    let priority = r.integer("priority");
    let design = r
        .text("offerExternalUiId")
        .map(|id| synthetic(name_of(Kind::OfferDesign.core(), &id)));
    let segments = match r.rest.remove("segments") {
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(synthetic(s)),
                _ => Err(vec!["a segment is not text".to_string()]),
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => return Err(vec!["`segments` is not a list".into()]),
    };
    let schedule = match r.rest.remove("schedule") {
        Some(value) => schedule(&value)?,
        None => None,
    };
    Ok(OfferHead {
        title,
        active,
        priority,
        design,
        segments,
        schedule,
    })
}

fn schedule(value: &Value) -> Result<Option<Schedule>, Vec<String>> {
    let map = object(value, "`schedule`")?;
    only(map, &["permanent", "timeFrames"], "`schedule`")?;
    let permanent = map
        .get("permanent")
        .and_then(Value::as_bool)
        .ok_or_else(|| vec!["`schedule.permanent` is not true or false".to_string()])?;
    let frames = map
        .get("timeFrames")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if permanent && frames.is_empty() {
        return Ok(None); // the default
    }
    let mut time_frames = Vec::new();
    for frame in frames {
        let f = object(frame, "a time frame")?;
        only(f, &["startTime", "endTime", "notes", "id"], "a time frame")?;
        time_frames.push(TimeFrame {
            start: text_of(f, "startTime", "a time frame")?,
            end: text_of(f, "endTime", "a time frame")?,
            notes: f
                .get("notes")
                .and_then(Value::as_str)
                .map(|s| synthetic(s.to_string())),
            loc: no_loc(),
        });
    }
    Ok(Some(Schedule {
        permanent: synthetic(permanent),
        time_frames,
        loc: no_loc(),
    }))
}

/// An entry list of an item (`products`, `badges`, ...), absent meaning empty.
fn entries<'v>(map: &'v Map<String, Value>, key: &str) -> &'v [Value] {
    map.get(key)
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
}

/// The members a manifest models at a wire path (the kind's diff rules).
#[derive(Clone, Copy)]
struct Members(fn(&str) -> Option<&'static [&'static str]>);

impl Members {
    fn of(self, pattern: &str) -> &'static [&'static str] {
        (self.0)(pattern).unwrap_or_default()
    }
}

fn item(
    map: &Map<String, Value>,
    what: &str,
    members: Members,
    name_of: Namer<'_>,
) -> Result<Item, Vec<String>> {
    let mut products = Vec::new();
    for entry in entries(map, "products") {
        let e = object(entry, "a product entry")?;
        let allowed = members.of("productsSequence/*/products/*");
        only(e, allowed, "a product entry")?;
        let id = text_of(e, "publisherProductId", "a product entry")?;
        products.push(ProductLine {
            product: synthetic(name_of(Kind::Product.core(), &id)),
            quantity: int_of(e, "quantity", "a product entry")?,
            priority: e
                .get("priority")
                .and_then(Value::as_str)
                .map(|p| synthetic(p.to_string())),
            loc: no_loc(),
        });
    }
    let mut badges = Vec::new();
    for entry in entries(map, "badges") {
        let e = object(entry, "a badge entry")?;
        only(
            e,
            members.of("productsSequence/*/badges/*"),
            "a badge entry",
        )?;
        let id = text_of(e, "publisherBadgeId", "a badge entry")?;
        badges.push(synthetic(name_of(Kind::Badge.core(), &id)));
    }
    let mut progress_bar_points = Vec::new();
    for entry in entries(map, "progressBarPoints") {
        let e = object(entry, "a progress-bar entry")?;
        let allowed = members.of("productsSequence/*/progressBarPoints/*");
        only(e, allowed, "a progress-bar entry")?;
        let id = text_of(e, "publisherBarId", "a progress-bar entry")?;
        progress_bar_points.push(BarPoints {
            bar: synthetic(name_of(Kind::ProgressBar.core(), &id)),
            points: int_of(e, "points", "a progress-bar entry")?,
            loc: no_loc(),
        });
    }
    Ok(Item {
        price: int_of(map, "priceInUsdCents", what)?,
        products,
        badges,
        progress_bar_points,
    })
}

/// `priceDiscount` (`discount`) or `productSale` (`sale`), absent or `null` meaning none.
fn adjustment(
    value: Option<&Value>,
    key: &str,
    amount: &str,
) -> Result<Option<Adjustment>, Vec<String>> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let a = object(value, key)?;
    only(a, &[amount, "type"], key)?;
    Ok(Some(Adjustment {
        kind: text_of(a, "type", key)?,
        amount: int_of(a, amount, key)?,
        loc: no_loc(),
    }))
}

fn steps(steps: &[Value], members: Members, name_of: Namer<'_>) -> Result<Vec<Step>, Vec<String>> {
    let positional = steps
        .iter()
        .enumerate()
        .all(|(i, s)| s.get("index").and_then(Value::as_i64) == Some(i as i64 + 1));
    let mut out = Vec::new();
    for (position, step) in steps.iter().enumerate() {
        let what = format!("step {}", position + 1);
        let map = object(step, &what)?;
        only(map, members.of("productsSequence/*"), &what)?;
        let index = int_of(map, "index", &what)?;
        out.push(Step {
            index: (!positional).then_some(index),
            item: item(map, &what, members, name_of)?,
            discount: adjustment(map.get("priceDiscount"), "priceDiscount", "discount")?,
            sale: adjustment(map.get("productSale"), "productSale", "sale")?,
            loc: no_loc(),
        });
    }
    Ok(out)
}
