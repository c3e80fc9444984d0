//! Live Appcharge documents (canonical form) back into manifests, for `offerctl export`. The
//! core checks each result: mapped back to the wire it must give exactly the live document.

use serde_json::{Map, Value};

use super::kind::Kind;
use super::manifest::model::*;
use super::wire;
use crate::kind::Kind as CoreKind;
use crate::manifest::{Document, Extra, Meta, Spanned, synthetic};

mod offers;

type Namer<'a> = &'a (dyn Fn(CoreKind, &str) -> String + Sync);

/// Takes the modelled properties out of a live document; what is left becomes `extra`.
struct Reader {
    rest: Map<String, Value>,
    problems: Vec<String>,
}

impl Reader {
    fn text(&mut self, key: &str) -> Option<Spanned<String>> {
        match self.rest.remove(key) {
            Some(Value::String(text)) => Some(synthetic(text)),
            Some(Value::Null) | None => None,
            Some(other) => {
                // Not expressible as the field: keep it verbatim instead.
                self.rest.insert(key.into(), other);
                None
            }
        }
    }

    fn required_text(&mut self, key: &str) -> Spanned<String> {
        self.text(key).unwrap_or_else(|| {
            self.problems
                .push(format!("`{key}` is missing or not text"));
            synthetic(String::new())
        })
    }

    fn integer(&mut self, key: &str) -> Option<Spanned<i64>> {
        match self.rest.remove(key) {
            Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64().map(synthetic),
            Some(Value::Null) | None => None,
            Some(other) => {
                self.rest.insert(key.into(), other);
                None
            }
        }
    }

    fn meta(&mut self, kind: Kind, assigned: &[&str]) -> Meta {
        let name = match self.rest.get(kind.key_field()).and_then(Value::as_str) {
            Some(name) => name.to_string(),
            None => {
                self.problems.push(format!("no `{}`", kind.key_field()));
                String::new()
            }
        };
        self.rest.retain(|k, _| !assigned.contains(&k.as_str()));
        Meta {
            name: synthetic(name),
            id: None,
            protect: false,
            depends_on: Vec::new(),
            ignore_changes: Vec::new(),
            extra: Extra::new(),
        }
    }

    fn finish(self, mut meta: Meta) -> Result<Meta, Vec<String>> {
        if !self.problems.is_empty() {
            return Err(self.problems);
        }
        meta.extra = self
            .rest
            .into_iter()
            .map(|(k, v)| (k, synthetic(v)))
            .collect();
        Ok(meta)
    }
}

pub fn export(
    kind: Kind,
    live: &Value,
    name_of: Namer<'_>,
) -> Result<Box<dyn Document>, Vec<String>> {
    let Some(map) = live.as_object() else {
        return Err(vec!["the live document is not an object".into()]);
    };
    let mut r = Reader {
        rest: map.clone(),
        problems: Vec::new(),
    };
    let assigned = wire::diff_rules(kind).assigned;
    let meta = r.meta(kind, assigned);
    let title = r.required_text("name");
    Ok(match kind {
        Kind::Product => {
            let display_name = r.text("displayName");
            let unit = match r.rest.get("type").and_then(Value::as_str) {
                Some(text) => {
                    let unit = Unit::OPTIONS
                        .iter()
                        .find(|(n, _)| *n == text)
                        .map(|(_, u)| *u);
                    if unit.is_some() {
                        r.rest.remove("type");
                    }
                    unit.map(synthetic)
                }
                None => None,
            };
            let description = r.text("description");
            let image = r.text("productImageUrl");
            Box::new(Product {
                meta: r.finish(meta)?,
                title,
                display_name,
                unit,
                description,
                image,
            })
        }
        Kind::Badge => {
            let style = r
                .rest
                .get("type")
                .and_then(Value::as_str)
                .and_then(|t| BadgeStyle::OPTIONS.iter().find(|(n, _)| *n == t))
                .map(|(_, s)| *s);
            let Some(style) = style else {
                return Err(vec!["`type` is not `ribbon` or `emblem`".into()]);
            };
            r.rest.remove("type");
            let text = r.text("text");
            let image = r.text("badgeImageUrl");
            Box::new(Badge {
                meta: r.finish(meta)?,
                title,
                style: synthetic(style),
                text,
                image,
            })
        }
        Kind::OfferDesign => {
            let offer_type = r.required_text("offerUiType");
            let background_image = r.text("backgroundImageUrl");
            Box::new(OfferDesign {
                meta: r.finish(meta)?,
                title,
                offer_type,
                background_image,
            })
        }
        offer => offers::offer(offer, r, meta, title, name_of)?,
    })
}

fn object<'v>(value: &'v Value, what: &str) -> Result<&'v Map<String, Value>, Vec<String>> {
    value
        .as_object()
        .ok_or_else(|| vec![format!("{what} is not an object")])
}

/// Only the members the manifest models may be present: anything else cannot be written back.
fn only(map: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), Vec<String>> {
    let extra: Vec<String> = map
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("{what} has `{k}`, which a manifest cannot express"))
        .collect();
    if extra.is_empty() { Ok(()) } else { Err(extra) }
}

fn text_of(
    map: &Map<String, Value>,
    key: &str,
    what: &str,
) -> Result<Spanned<String>, Vec<String>> {
    map.get(key)
        .and_then(Value::as_str)
        .map(|s| synthetic(s.to_string()))
        .ok_or_else(|| vec![format!("{what}: `{key}` is missing or not text")])
}

fn int_of(map: &Map<String, Value>, key: &str, what: &str) -> Result<Spanned<i64>, Vec<String>> {
    // Numbers may come back as text (see the types in `wire::diff_rules`).
    map.get(key)
        .and_then(|v| v.as_i64().or_else(|| v.as_str()?.trim().parse().ok()))
        .map(synthetic)
        .ok_or_else(|| vec![format!("{what}: `{key}` is missing or not a whole number")])
}
