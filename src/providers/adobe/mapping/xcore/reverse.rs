//! The reverse mapping: a live `_instance` → the manifest that says the same (what no field
//! expresses goes to `extra`, verbatim). `offerctl export` uses it.

use super::*;

/// Turns the `@id` of a live object into the reference a manifest writes: the object's name
/// when it is exported too, otherwise the id itself. The export stage decides which.
pub trait Namer {
    fn name(&self, kind: Kind, id: &str) -> String;
}

impl<F: Fn(Kind, &str) -> String> Namer for F {
    fn name(&self, kind: Kind, id: &str) -> String {
        self(kind, id)
    }
}

/// The manifest for a live `_instance`: the reverse of [`to_instance`]. Every property the
/// fields can express goes into a field; everything else (properties the language does not
/// model, and modelled ones in a shape its fields cannot express) goes into an `extra` map,
/// verbatim, so nothing is dropped. Fails with the reasons when a property that a required
/// field (or one that is always written, such as `status`) maps to cannot be expressed.
pub fn from_instance(
    kind: Kind,
    instance: &Value,
    namer: &dyn Namer,
) -> Result<Manifest, Vec<String>> {
    let Some(map) = instance.as_object() else {
        return Err(vec!["the instance is not a JSON object".into()]);
    };
    let mut r = Reverse {
        rest: map.clone(),
        extra: Extra::new(),
        errors: Vec::new(),
        namer,
    };
    r.rest.remove("@id");
    let name = r.required("xdm:name", |v| {
        v.as_str()
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
    });
    let manifest = match kind {
        Kind::Tag => Manifest::Tag(Tag {
            meta: meta(),
            description: r.optional("xdm:description", text).map(synthetic),
        }),
        Kind::Placement => {
            let channel = r.required("xdm:channel", |v| shorthand(v, CHANNEL_BASE, &CHANNELS));
            let component_type = r.required("xdm:componentType", |v| {
                shorthand(v, COMPONENT_BASE, &COMPONENT_TYPES)
            });
            let content_types = r
                .optional("xdm:contentTypes", |v| {
                    strings(v).filter(|types| types.iter().all(|t| is_media_type(t)))
                })
                .unwrap_or_default();
            Manifest::Placement(Placement {
                meta: meta(),
                channel: synthetic(channel.unwrap_or_default()),
                component_type: synthetic(component_type.unwrap_or_default()),
                content_types: content_types.into_iter().map(synthetic).collect(),
                description: r.optional("xdm:description", text).map(synthetic),
            })
        }
        Kind::Rule => {
            let description = r.optional("xdm:description", text).map(synthetic);
            let condition = r.pql("xdm:condition");
            Manifest::Rule(Rule {
                meta: meta(),
                description,
                condition: synthetic(condition.unwrap_or_default()),
            })
        }
        Kind::Offer => {
            let description = r.optional("xdm:description", text).map(synthetic);
            let status = r.required("xdm:status", offer_status_of);
            let [start_date, end_date, rule] = r.selection_constraint();
            let priority = r.container("xdm:rank", |member, value| match member {
                "xdm:priority" => value.as_i64().filter(|p| *p >= 0),
                _ => None,
            });
            let caps = r.container("xdm:cappingConstraint", |member, value| match member {
                "xdm:globalCap" | "xdm:profileCap" => value.as_i64().filter(|c| *c >= 1),
                _ => None,
            });
            let cap_of = |member: &str| caps.get(member).copied().map(synthetic);
            let cap = (!caps.is_empty()).then(|| Cap {
                global: cap_of("xdm:globalCap"),
                profile: cap_of("xdm:profileCap"),
            });
            Manifest::Offer(Offer {
                meta: meta(),
                description,
                status: status.unwrap_or_default(),
                start_date,
                end_date,
                rule,
                priority: priority.get("xdm:priority").copied().map(synthetic),
                cap,
                tags: r.reference_list("xdm:tags", Kind::Tag),
                characteristics: r.characteristics(),
                representations: r.representations(),
            })
        }
        Kind::FallbackOffer => Manifest::FallbackOffer(FallbackOffer {
            meta: meta(),
            description: r.optional("xdm:description", text).map(synthetic),
            status: r
                .required("xdm:status", offer_status_of)
                .unwrap_or_default(),
            tags: r.reference_list("xdm:tags", Kind::Tag),
            characteristics: r.characteristics(),
            representations: r.representations(),
        }),
        Kind::Filter => {
            let description = r.optional("xdm:description", text).map(synthetic);
            let filter_match = r.required("xdm:filterType", |v| match v.as_str()? {
                "offers" => Some(FilterMatch::Offers),
                "anyTags" => Some(FilterMatch::AnyTags),
                "allTags" => Some(FilterMatch::AllTags),
                _ => None,
            });
            let filter_match = filter_match.unwrap_or(FilterMatch::Offers);
            let target = match filter_match {
                FilterMatch::Offers => Kind::Offer,
                FilterMatch::AnyTags | FilterMatch::AllTags => Kind::Tag,
            };
            let namer = r.namer;
            // `ids` is always written (empty when nothing is listed), so it cannot go to `extra`.
            let ids = r
                .required_or_absent("ids", |v| {
                    v.as_array()?
                        .iter()
                        .map(|id| reference(namer, target, id))
                        .collect::<Option<Vec<_>>>()
                })
                .unwrap_or_default();
            let (offers, tags) = match filter_match {
                FilterMatch::Offers => (ids, Vec::new()),
                _ => (Vec::new(), ids),
            };
            Manifest::Filter(Filter {
                meta: meta(),
                description,
                filter_match: synthetic(filter_match),
                offers,
                tags,
            })
        }
        Kind::RankingFormula => {
            let description = r.optional("xdm:description", text).map(synthetic);
            let types = r.container("xdm:returnType", |member, value| match member {
                "xdm:type" => formula::return_type_of(value),
                _ => None,
            });
            let formula = r.pql("xdm:expression");
            Manifest::RankingFormula(RankingFormula {
                meta: meta(),
                description,
                formula: synthetic(formula.unwrap_or_default()),
                // `integer` is the default: written only when the type is another.
                return_type: types
                    .get("xdm:type")
                    .copied()
                    .filter(|kind| *kind != ReturnType::Integer)
                    .map(synthetic),
            })
        }
        Kind::Activity => {
            let description = r.optional("xdm:description", text).map(synthetic);
            let status = r.required("xdm:status", |v| match v.as_str()? {
                "draft" => Some(ActivityStatus::Draft),
                "live" => Some(ActivityStatus::Live),
                "archived" => Some(ActivityStatus::Archived),
                _ => None,
            });
            let (start_date, end_date) = r.top_level_dates();
            let namer = r.namer;
            let reference_to = |r: &mut Reverse, key: &str, kind: Kind| {
                r.required(key, |v| reference(namer, kind, v))
                    .unwrap_or_else(|| synthetic(String::new()))
            };
            // A document with both forms (the UI writes both) is read by its flat form; the
            // criteria then stay verbatim in `extra`.
            let criteria_form =
                r.rest.contains_key("xdm:criteria") && !r.rest.contains_key("xdm:placement");
            let (placement, filter, criteria) = if criteria_form {
                let criteria = r
                    .required("xdm:criteria", |v| criteria_of(namer, v))
                    .unwrap_or_default();
                (None, None, criteria)
            } else {
                let placement = reference_to(&mut r, "xdm:placement", Kind::Placement);
                let filter = reference_to(&mut r, "xdm:filter", Kind::Filter);
                let criteria = vec![Criterion {
                    placements: vec![placement.clone()],
                    filter: filter.clone(),
                    rule: None,
                    priority: None,
                    ranking_formula: None,
                    extra: Extra::new(),
                }];
                (Some(placement), Some(filter), criteria)
            };
            let fallback = reference_to(&mut r, "xdm:fallback", Kind::FallbackOffer);
            Manifest::Activity(Activity {
                meta: meta(),
                description,
                status: status.unwrap_or_default(),
                start_date,
                end_date,
                placement,
                filter,
                criteria,
                fallback,
            })
        }
    };
    if !r.errors.is_empty() {
        return Err(r.errors);
    }
    let mut manifest = manifest;
    let rest = std::mem::take(&mut r.rest);
    for (key, value) in rest {
        r.extra.insert(key, synthetic(value));
    }
    let meta = manifest.meta_mut();
    meta.name = synthetic(name.unwrap_or_default());
    meta.extra = r.extra;
    Ok(manifest)
}

/// The criteria of a v0.5 activity, when every member is one the manifest language models.
fn criteria_of(namer: &dyn Namer, value: &Value) -> Option<Vec<Criterion>> {
    let list = value.as_array().filter(|list| !list.is_empty())?;
    list.iter()
        .map(|item| {
            let members = item.as_object()?;
            let mut placements = None;
            let mut filter = None;
            let mut rule = None;
            let mut priority = None;
            let mut ranking_formula = None;
            let mut extra = Extra::new();
            let mut keep = |key: String, value: &Value| {
                extra.insert(key, synthetic(value.clone()));
            };
            for (key, value) in members {
                match key.as_str() {
                    "xdm:placements" => {
                        let ids = value.as_array().filter(|ids| !ids.is_empty())?;
                        let refs = ids.iter().map(|id| reference(namer, Kind::Placement, id));
                        placements = Some(refs.collect::<Option<Vec<_>>>()?);
                    }
                    "xdm:optionSelection" => {
                        let selection = value.as_object()?;
                        filter = Some(reference(
                            namer,
                            Kind::Filter,
                            selection.get("xdm:filter")?,
                        )?);
                        for (member, value) in selection.iter().filter(|(m, _)| *m != "xdm:filter")
                        {
                            keep(pointer_key(key, member), value);
                        }
                    }
                    // The repository's default "no constraint" is no rule.
                    "xdm:profileConstraint"
                        if *value == json!({"xdm:profileConstraintType": "none"}) => {}
                    "xdm:profileConstraint" => {
                        let by_rule = value.as_object().filter(|m| m.len() == 2).and_then(|c| {
                            let kind = c.get("xdm:profileConstraintType")?.as_str()?;
                            let id = c.get("xdm:eligibilityRule")?;
                            (kind == "eligibilityRule").then_some(id)?;
                            reference(namer, Kind::Rule, id)
                        });
                        match by_rule {
                            Some(id) => rule = Some(id),
                            None => keep(key.clone(), value),
                        }
                    }
                    "xdm:rank" => {
                        let Some(rank) = value.as_object() else {
                            keep(key.clone(), value);
                            continue;
                        };
                        // A priority that is not an integer of 0 or more keeps the whole rank.
                        let valid = rank
                            .get("xdm:priority")
                            .map(|p| p.as_i64().filter(|p| *p >= 0));
                        let formula = rank
                            .get("xdm:order")
                            .and_then(|o| formula::scoring_function(namer, o));
                        let expressible = match valid {
                            Some(p) => p.is_some(),
                            None => formula.is_some(),
                        };
                        if !expressible {
                            keep(key.clone(), value);
                            continue;
                        }
                        priority = valid.flatten().map(synthetic);
                        for (member, value) in rank {
                            match member.as_str() {
                                "xdm:priority" => {}
                                "xdm:order" if formula.is_some() => {}
                                _ => keep(pointer_key(key, member), value),
                            }
                        }
                        ranking_formula = formula;
                    }
                    _ => keep(key.clone(), value),
                }
            }
            Some(Criterion {
                placements: placements?,
                filter: filter?,
                rule,
                priority,
                ranking_formula,
                extra,
            })
        })
        .collect()
}

/// A value made by offerctl rather than read from a file: it has no location.
pub use crate::providers::adobe::manifest::synthetic;

fn meta() -> Meta {
    Meta {
        name: synthetic(String::new()),
        id: None,
        protect: false,
        depends_on: Vec::new(),
        ignore_changes: Vec::new(),
        extra: Extra::new(),
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value.as_array()?.iter().map(text).collect()
}

fn is_media_type(text: &str) -> bool {
    text.split_once('/').is_some_and(|(kind, sub)| {
        !kind.is_empty() && !sub.is_empty() && !text.contains(char::is_whitespace)
    })
}

fn is_date(text: &str) -> bool {
    OffsetDateTime::parse(text, &Rfc3339).is_ok()
}

fn date_order_ok(start: &str, end: &str) -> bool {
    match (
        OffsetDateTime::parse(start, &Rfc3339),
        OffsetDateTime::parse(end, &Rfc3339),
    ) {
        (Ok(start), Ok(end)) => start <= end,
        _ => false,
    }
}

/// The manifest spelling of a channel or component-type URI: the shorthand when the URI is
/// `base` + a shorthand, the URI itself when it has `://`; `None` when neither fits.
fn shorthand(value: &Value, base: &str, shorthands: &[&str]) -> Option<String> {
    let uri = value.as_str()?;
    match uri.strip_prefix(base) {
        Some(short) if shorthands.contains(&short) => Some(short.to_string()),
        _ if uri.contains("://") => Some(uri.to_string()),
        _ => None,
    }
}

fn offer_status_of(value: &Value) -> Option<OfferStatus> {
    match value.as_str()? {
        "draft" => Some(OfferStatus::Draft),
        "approved" => Some(OfferStatus::Approved),
        "archived" => Some(OfferStatus::Archived),
        _ => None,
    }
}

pub(super) fn reference(namer: &dyn Namer, kind: Kind, value: &Value) -> Option<Spanned<String>> {
    let id = value.as_str().filter(|id| !id.trim().is_empty())?;
    Some(synthetic(namer.name(kind, id)))
}

/// The state of one reverse mapping: properties not yet mapped, the `extra` being built, and
/// the reasons the object cannot be expressed.
struct Reverse<'a> {
    rest: Map<String, Value>,
    extra: Extra,
    errors: Vec<String>,
    namer: &'a dyn Namer,
}

impl Reverse<'_> {
    /// Takes a property (`null` counts as absent, as in the diff's normal form).
    fn take(&mut self, key: &str) -> Option<Value> {
        self.rest.remove(key).filter(|v| !v.is_null())
    }

    /// A property a required (or always written) field maps to: it must be present and
    /// expressible.
    fn required<T>(&mut self, key: &str, convert: impl FnOnce(&Value) -> Option<T>) -> Option<T> {
        match self.take(key) {
            Some(value) => self.expressed(key, &value, convert),
            None => {
                self.errors.push(format!("`{key}` is missing"));
                None
            }
        }
    }

    /// Like [`Reverse::required`], but absence is fine.
    fn required_or_absent<T>(
        &mut self,
        key: &str,
        convert: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        let value = self.take(key)?;
        self.expressed(key, &value, convert)
    }

    /// `value` (of `key`) as its field, or an error saying no field can express it.
    fn expressed<T>(
        &mut self,
        key: &str,
        value: &Value,
        convert: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        let converted = convert(value);
        if converted.is_none() {
            self.errors.push(format!(
                "`{key}` is {}, which no manifest field can express",
                shown(value)
            ));
        }
        converted
    }

    /// An optional property: expressed by its field, or kept verbatim in `extra`.
    fn optional<T>(&mut self, key: &str, convert: impl FnOnce(&Value) -> Option<T>) -> Option<T> {
        let value = self.take(key)?;
        let converted = convert(&value);
        if converted.is_none() {
            self.extra.insert(key.to_string(), synthetic(value));
        }
        converted
    }

    /// The members of a single-object property that `convert` expresses; other members go to
    /// `extra` under pointer keys, and a value that is not an object goes there whole.
    fn container<T>(
        &mut self,
        key: &str,
        mut convert: impl FnMut(&str, &Value) -> Option<T>,
    ) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        let Some(value) = self.take(key) else {
            return out;
        };
        let Value::Object(members) = value else {
            self.extra.insert(key.to_string(), synthetic(value));
            return out;
        };
        for (member, value) in members {
            match convert(&member, &value) {
                Some(converted) => {
                    out.insert(member, converted);
                }
                None => {
                    self.extra
                        .insert(pointer_key(key, &member), synthetic(value));
                }
            }
        }
        out
    }

    /// A PQL text property (a rule's `xdm:condition`, a formula's `xdm:expression`): its
    /// `xdm:value`, with the type and format the language writes; other members go to `extra`.
    fn pql(&mut self, key: &str) -> Option<String> {
        let fixed = [("xdm:type", "PQL"), ("xdm:format", "pql/text")];
        let Some(Value::Object(members)) = self.take(key) else {
            self.errors
                .push(format!("`{key}` is missing or not an object"));
            return None;
        };
        let mut condition = None;
        let seen: Vec<&str> = ["xdm:type", "xdm:format", "xdm:value"]
            .into_iter()
            .filter(|m| members.get(*m).is_some_and(|v| !v.is_null()))
            .collect();
        for (member, value) in members {
            let expected = fixed.iter().find(|(m, _)| *m == member).map(|(_, v)| *v);
            match (member.as_str(), expected) {
                (_, Some(expected)) if value.as_str() == Some(expected) => {}
                (_, Some(expected)) => self.errors.push(format!(
                    "`{key}/{member}` is {}; the manifest language writes {expected:?}",
                    shown(&value)
                )),
                ("xdm:value", _) => match value.as_str().filter(|v| !v.trim().is_empty()) {
                    Some(text) => condition = Some(text.to_string()),
                    None => self.errors.push(format!(
                        "`{key}/xdm:value` is {}, not PQL text",
                        shown(&value)
                    )),
                },
                _ => {
                    self.extra
                        .insert(pointer_key(key, &member), synthetic(value));
                }
            }
        }
        for (member, _) in fixed {
            if !seen.contains(&member) {
                self.errors.push(format!("`{key}/{member}` is missing"));
            }
        }
        if condition.is_none() && !seen.contains(&"xdm:value") {
            self.errors.push(format!("`{key}/xdm:value` is missing"));
        }
        condition
    }

    /// `startDate`, `endDate` and `rule`.
    fn selection_constraint(&mut self) -> [Option<Spanned<String>>; 3] {
        const KEY: &str = "xdm:selectionConstraint";
        let namer = self.namer;
        let mut members = self.container(KEY, |member, value| match member {
            "xdm:startDate" | "xdm:endDate" => text(value).filter(|d| is_date(d)),
            "xdm:eligibilityRule" => reference(namer, Kind::Rule, value).map(|r| r.value),
            _ => None,
        });
        self.check_date_order(&mut members, Some(KEY));
        ["xdm:startDate", "xdm:endDate", "xdm:eligibilityRule"]
            .map(|member| members.remove(member).map(synthetic))
    }

    fn top_level_dates(&mut self) -> (Option<Spanned<String>>, Option<Spanned<String>>) {
        let mut dates = BTreeMap::new();
        for key in ["xdm:startDate", "xdm:endDate"] {
            if let Some(date) = self.optional(key, |v| text(v).filter(|d| is_date(d))) {
                dates.insert(key.to_string(), date);
            }
        }
        self.check_date_order(&mut dates, None);
        let mut take = |key: &str| dates.remove(key).map(synthetic);
        (take("xdm:startDate"), take("xdm:endDate"))
    }

    /// A start after the end is refused by validation: keep such dates verbatim instead.
    fn check_date_order(&mut self, dates: &mut BTreeMap<String, String>, container: Option<&str>) {
        let (Some(start), Some(end)) = (dates.get("xdm:startDate"), dates.get("xdm:endDate"))
        else {
            return;
        };
        if date_order_ok(start, end) {
            return;
        }
        for key in ["xdm:startDate", "xdm:endDate"] {
            if let Some(date) = dates.remove(key) {
                let at = match container {
                    Some(container) => pointer_key(container, key),
                    None => key.to_string(),
                };
                self.extra.insert(at, synthetic(Value::String(date)));
            }
        }
    }

    fn reference_list(&mut self, key: &str, kind: Kind) -> Vec<Spanned<String>> {
        let namer = self.namer;
        self.optional(key, |v| {
            v.as_array()?
                .iter()
                .map(|id| reference(namer, kind, id))
                .collect::<Option<Vec<_>>>()
        })
        .unwrap_or_default()
    }

    fn characteristics(&mut self) -> BTreeMap<String, String> {
        self.optional("xdm:characteristics", |v| {
            v.as_object()?
                .iter()
                .map(|(k, v)| Some((k.clone(), text(v)?)))
                .collect::<Option<BTreeMap<_, _>>>()
        })
        .unwrap_or_default()
    }

    /// Representations, or `extra` with the whole list when any of them cannot be expressed
    /// (no placement, no components, a component type that is not a URI, two for one placement).
    fn representations(&mut self) -> Vec<Representation> {
        let namer = self.namer;
        self.optional("xdm:representations", |v| {
            let mut out: Vec<Representation> = Vec::new();
            for item in v.as_array()? {
                let representation = representation(namer, item)?;
                if out
                    .iter()
                    .any(|r| r.placement.value == representation.placement.value)
                {
                    return None;
                }
                out.push(representation);
            }
            Some(out)
        })
        .unwrap_or_default()
    }
}

fn representation(namer: &dyn Namer, value: &Value) -> Option<Representation> {
    let mut members = value.as_object()?.clone();
    let placement = reference(namer, Kind::Placement, members.get("xdm:placement")?)?;
    members.remove("xdm:placement");
    let components = members
        .remove("xdm:components")?
        .as_array()?
        .iter()
        .map(component_of)
        .collect::<Option<Vec<_>>>()
        .filter(|c| !c.is_empty())?;
    let mut extra = Extra::new();
    let channel = match members.remove("xdm:channel") {
        None | Some(Value::Null) => None,
        Some(value) => match shorthand(&value, CHANNEL_BASE, &CHANNELS) {
            Some(channel) => Some(synthetic(channel)),
            None => {
                extra.insert("xdm:channel".into(), synthetic(value));
                None
            }
        },
    };
    for (key, value) in members {
        extra.insert(key, synthetic(value));
    }
    Some(Representation {
        placement,
        channel,
        components,
        extra,
    })
}

fn component_of(value: &Value) -> Option<Component> {
    let mut members = value.as_object()?.clone();
    let component_type = shorthand(members.get("@type")?, COMPONENT_BASE, &COMPONENT_TYPES)?;
    members.remove("@type");
    let mut extra = Extra::new();
    let mut field = |key: &str, convert: &dyn Fn(&Value) -> Option<String>| {
        let value = members.remove(key).filter(|v| !v.is_null())?;
        let converted = convert(&value);
        if converted.is_none() {
            extra.insert(key.to_string(), synthetic(value));
        }
        converted.map(synthetic)
    };
    let format = field("dc:format", &|v| text(v).filter(|t| is_media_type(t)));
    let content = field("xdm:content", &text);
    let copyline = field("xdm:copyline", &text);
    let link_url = field("xdm:linkURL", &text);
    let delivery_url = field("xdm:deliveryURL", &text);
    let resolve_url = field("repo:resolveURL", &text);
    let repo_id = field("repo:id", &text);
    let repo_name = field("repo:name", &text);
    let language = match members.remove("dc:language") {
        None | Some(Value::Null) => Vec::new(),
        Some(value) => match strings(&value) {
            Some(languages) => languages.into_iter().map(synthetic).collect(),
            None => {
                extra.insert("dc:language".into(), synthetic(value));
                Vec::new()
            }
        },
    };
    for (key, value) in members {
        extra.insert(key, synthetic(value));
    }
    Some(Component {
        component_type: synthetic(component_type),
        format,
        language,
        content,
        copyline,
        link_url,
        delivery_url,
        resolve_url,
        repo_id,
        repo_name,
        extra,
    })
}

/// A live value, short, for messages.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}
