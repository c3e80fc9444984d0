//! Manifest fields → XCore `_instance` properties (seed 002). The one place that knows the
//! `xdm:` spellings; everything else works with manifests or with these documents as opaque JSON.

use serde_json::{Map, Value, json};

use crate::providers::adobe::kind::Kind;
use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::providers::adobe::manifest::{
    Activity, ActivityStatus, CHANNELS, COMPONENT_TYPES, Cap, Component, Criterion, Extra,
    FallbackOffer, Filter, FilterMatch, Manifest, Meta, Offer, OfferStatus, Placement,
    Representation, Rule, Spanned, Tag,
};
use crate::source::Loc;

const CHANNEL_BASE: &str = "https://ns.adobe.com/xdm/channel-types/";
const COMPONENT_BASE: &str = "https://ns.adobe.com/experience/offer-management/content-component-";

/// Turns a reference (a name or a literal id) into the `@id` to send. The plan stage supplies
/// live ids, or a pending marker for objects this run will create (see `plan`).
pub trait Resolver {
    fn resolve(&self, kind: Kind, reference: &str) -> String;
}

impl<F: Fn(Kind, &str) -> String> Resolver for F {
    fn resolve(&self, kind: Kind, reference: &str) -> String {
        self(kind, reference)
    }
}

/// `web` → `https://ns.adobe.com/xdm/channel-types/web`; full URIs are kept.
pub fn channel_uri(channel: &str) -> String {
    expand(channel, CHANNEL_BASE)
}

/// `html` → `https://ns.adobe.com/experience/offer-management/content-component-html`.
pub fn component_type_uri(component_type: &str) -> String {
    expand(component_type, COMPONENT_BASE)
}

fn expand(value: &str, base: &str) -> String {
    if value.contains("://") {
        value.to_string()
    } else {
        format!("{base}{value}")
    }
}

/// The `_instance` document for a manifest. Optional fields that are not set are left out, so
/// the repository's defaults apply. `extra` properties are merged in verbatim (a `null` value
/// stays `null`: to the diff it means "absent", so the property is removed if it exists).
pub fn to_instance(manifest: &Manifest, resolver: &dyn Resolver) -> Value {
    instance(manifest, resolver, true)
}

/// The `_instance` document the manifest's fields alone describe, without `extra`.
fn modelled_instance(manifest: &Manifest) -> Value {
    instance(
        manifest,
        &|_: Kind, reference: &str| reference.to_string(),
        false,
    )
}

fn instance(manifest: &Manifest, resolver: &dyn Resolver, with_extra: bool) -> Value {
    let mut out = Map::new();
    out.insert("xdm:name".into(), json!(manifest.meta().name.value));
    match manifest {
        Manifest::Tag(t) => insert_text(&mut out, "xdm:description", &t.description),
        Manifest::Placement(p) => {
            out.insert("xdm:channel".into(), json!(channel_uri(&p.channel)));
            out.insert(
                "xdm:componentType".into(),
                json!(component_type_uri(&p.component_type)),
            );
            insert_texts(&mut out, "xdm:contentTypes", &p.content_types);
            insert_text(&mut out, "xdm:description", &p.description);
        }
        Manifest::Rule(r) => {
            insert_text(&mut out, "xdm:description", &r.description);
            out.insert(
                "xdm:condition".into(),
                json!({"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": r.condition.value}),
            );
        }
        Manifest::Offer(o) => {
            insert_text(&mut out, "xdm:description", &o.description);
            out.insert("xdm:status".into(), json!(offer_status(o.status)));
            insert_representations(&mut out, &o.representations, resolver, with_extra);
            let mut constraint = Map::new();
            insert_text(&mut constraint, "xdm:startDate", &o.start_date);
            insert_text(&mut constraint, "xdm:endDate", &o.end_date);
            if let Some(rule) = &o.rule {
                constraint.insert(
                    "xdm:eligibilityRule".into(),
                    json!(resolver.resolve(Kind::Rule, rule)),
                );
            }
            if !constraint.is_empty() {
                out.insert("xdm:selectionConstraint".into(), Value::Object(constraint));
            }
            if let Some(priority) = &o.priority {
                out.insert("xdm:rank".into(), json!({"xdm:priority": priority.value}));
            }
            if let Some(cap) = &o.cap {
                let mut capping = Map::new();
                if let Some(global) = &cap.global {
                    capping.insert("xdm:globalCap".into(), json!(global.value));
                }
                if let Some(profile) = &cap.profile {
                    capping.insert("xdm:profileCap".into(), json!(profile.value));
                }
                if !capping.is_empty() {
                    out.insert("xdm:cappingConstraint".into(), Value::Object(capping));
                }
            }
            insert_references(&mut out, "xdm:tags", Kind::Tag, &o.tags, resolver);
            insert_characteristics(&mut out, &o.characteristics);
        }
        Manifest::FallbackOffer(o) => {
            insert_text(&mut out, "xdm:description", &o.description);
            out.insert("xdm:status".into(), json!(offer_status(o.status)));
            insert_representations(&mut out, &o.representations, resolver, with_extra);
            insert_references(&mut out, "xdm:tags", Kind::Tag, &o.tags, resolver);
            insert_characteristics(&mut out, &o.characteristics);
        }
        Manifest::Filter(f) => {
            insert_text(&mut out, "xdm:description", &f.description);
            let (filter_type, kind, ids) = match f.filter_match.value {
                FilterMatch::Offers => ("offers", Kind::Offer, &f.offers),
                FilterMatch::AnyTags => ("anyTags", Kind::Tag, &f.tags),
                FilterMatch::AllTags => ("allTags", Kind::Tag, &f.tags),
            };
            out.insert("xdm:filterType".into(), json!(filter_type));
            // Seed 002 spells the list `ids` (newer stored instances use `xdm:ids`).
            let ids: Vec<String> = ids.iter().map(|r| resolver.resolve(kind, r)).collect();
            out.insert("ids".into(), json!(ids));
        }
        Manifest::Activity(a) => {
            insert_text(&mut out, "xdm:description", &a.description);
            out.insert("xdm:status".into(), json!(activity_status(a.status)));
            insert_text(&mut out, "xdm:startDate", &a.start_date);
            insert_text(&mut out, "xdm:endDate", &a.end_date);
            insert_criteria(&mut out, &a.criteria, resolver);
            out.insert(
                "xdm:fallback".into(),
                json!(resolver.resolve(Kind::FallbackOffer, &a.fallback)),
            );
        }
    }
    if with_extra {
        for (key, value) in &manifest.meta().extra {
            match container_pointer(key) {
                Some((container, member)) => {
                    let slot = out
                        .entry(container)
                        .or_insert_with(|| Value::Object(Map::new()));
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    if let Value::Object(map) = slot {
                        map.insert(member, value.value.clone());
                    }
                }
                None => {
                    out.insert(key.clone(), value.value.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// One simple criterion is written in the flat v0.1 form of seed 002 (`xdm:placement`,
/// `xdm:filter`), which every XCore version accepts; anything richer in the v0.5 `xdm:criteria`
/// form. Both APIs' readers turn the one into the other, so the choice never shows as a diff.
fn insert_criteria(out: &mut Map<String, Value>, criteria: &[Criterion], resolver: &dyn Resolver) {
    if let [only] = criteria
        && only.is_shorthand()
    {
        out.insert(
            "xdm:placement".into(),
            json!(resolver.resolve(Kind::Placement, &only.placements[0])),
        );
        out.insert(
            "xdm:filter".into(),
            json!(resolver.resolve(Kind::Filter, &only.filter)),
        );
        return;
    }
    let list = criteria
        .iter()
        .map(|c| {
            let mut criterion = Map::new();
            let placements: Vec<String> = c
                .placements
                .iter()
                .map(|p| resolver.resolve(Kind::Placement, p))
                .collect();
            criterion.insert("xdm:placements".into(), json!(placements));
            criterion.insert(
                "xdm:optionSelection".into(),
                json!({"xdm:filter": resolver.resolve(Kind::Filter, &c.filter)}),
            );
            if let Some(rule) = &c.rule {
                criterion.insert(
                    "xdm:profileConstraint".into(),
                    json!({
                        "xdm:profileConstraintType": "eligibilityRule",
                        "xdm:eligibilityRule": resolver.resolve(Kind::Rule, rule),
                    }),
                );
            }
            if let Some(priority) = &c.priority {
                criterion.insert("xdm:rank".into(), json!({"xdm:priority": priority.value}));
            }
            Value::Object(criterion)
        })
        .collect();
    out.insert("xdm:criteria".into(), Value::Array(list));
}

fn merge_extra(out: &mut Map<String, Value>, extra: &Extra) {
    for (key, value) in extra {
        out.insert(key.clone(), value.value.clone());
    }
}

/// `/container/member` (RFC 6901 escapes undone) for an `extra` key that is a pointer.
fn container_pointer(key: &str) -> Option<(String, String)> {
    let rest = key.strip_prefix('/')?;
    let unescape = |t: &str| t.replace("~1", "/").replace("~0", "~");
    let mut tokens = rest.split('/');
    let (container, member) = (tokens.next()?, tokens.next()?);
    if tokens.next().is_some() || container.is_empty() || member.is_empty() {
        return None;
    }
    Some((unescape(container), unescape(member)))
}

/// `/container/member` for a pointer into a container.
fn pointer_key(container: &str, member: &str) -> String {
    let escape = |t: &str| t.replace('~', "~0").replace('/', "~1");
    format!("/{}/{}", escape(container), escape(member))
}

/// The single-object properties of a kind whose members an `extra` pointer key may set.
pub fn extra_containers(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Offer => &[
            "xdm:selectionConstraint",
            "xdm:rank",
            "xdm:cappingConstraint",
        ],
        Kind::Rule => &["xdm:condition"],
        _ => &[],
    }
}

/// A problem with an `extra` key: it clashes with a field, or is not a usable pointer.
#[derive(Debug, Clone)]
pub struct ExtraProblem {
    pub loc: Loc,
    pub message: String,
    pub label: String,
    pub help: String,
}

/// Checks every `extra` map of a manifest: a key must not set a property the manifest's
/// fields already set, and pointer keys (`/container/member`, object level only) must point
/// into one of the kind's [`extra_containers`].
pub fn extra_problems(manifest: &Manifest) -> Vec<ExtraProblem> {
    let representations = manifest.representations();
    let no_extra = manifest.meta().extra.is_empty()
        && representations
            .iter()
            .all(|r| r.extra.is_empty() && r.components.iter().all(|c| c.extra.is_empty()));
    if no_extra {
        // Nothing to check: skip building the modelled document (most manifests).
        return Vec::new();
    }
    let kind = manifest.kind();
    let modelled = modelled_instance(manifest);
    let mut problems = Vec::new();
    let clash = |loc: Loc, key: &str, field: String| ExtraProblem {
        loc,
        message: format!("`extra` sets `{key}`, which the field `{field}` already sets"),
        label: "set by a field too".into(),
        help: format!("remove `{key}` from `extra` and use `{field}`, or remove `{field}`"),
    };
    let extra = &manifest.meta().extra;
    for (key, value) in extra {
        if key.starts_with('/') {
            let containers = extra_containers(kind);
            match container_pointer(key) {
                Some((container, member)) if containers.contains(&container.as_str()) => {
                    if modelled.pointer(key).is_some() {
                        problems.push(clash(value.loc, key, field_label(kind, key)));
                    } else if extra.contains_key(&container) {
                        problems.push(ExtraProblem {
                            loc: value.loc,
                            message: format!(
                                "`extra` sets both `{container}` and its member `{member}`"
                            ),
                            label: "already set with the whole container".into(),
                            help: format!("put `{member}` inside `{container}`, or drop one"),
                        });
                    }
                }
                _ => problems.push(ExtraProblem {
                    loc: value.loc,
                    message: format!("`{key}` is not a pointer `extra` can use in {kind}"),
                    label: "not /container/member".into(),
                    help: if containers.is_empty() {
                        format!("{kind} has no containers: give top-level property names")
                    } else {
                        format!(
                            "pointer keys are `/container/member`, with the container one of {}",
                            containers.join(", ")
                        )
                    },
                }),
            }
        } else if modelled.get(key).is_some() {
            problems.push(clash(value.loc, key, field_label(kind, &format!("/{key}"))));
        }
    }
    let modelled_reps: &[Value] = modelled
        .get("xdm:representations")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice);
    for (i, representation) in representations.iter().enumerate() {
        let modelled_rep = modelled_reps.get(i).unwrap_or(&Value::Null);
        nested_problems(
            &representation.extra,
            modelled_rep,
            &format!("representations[{i}]"),
            &mut problems,
        );
        for (j, component) in representation.components.iter().enumerate() {
            let modelled_component = modelled_rep
                .pointer(&format!("/xdm:components/{j}"))
                .unwrap_or(&Value::Null);
            nested_problems(
                &component.extra,
                modelled_component,
                &format!("representations[{i}].components[{j}]"),
                &mut problems,
            );
        }
    }
    problems
}

fn nested_problems(extra: &Extra, modelled: &Value, at: &str, problems: &mut Vec<ExtraProblem>) {
    for (key, value) in extra {
        if key.starts_with('/') {
            problems.push(ExtraProblem {
                loc: value.loc,
                message: format!("`extra` of {at} cannot use the pointer `{key}`"),
                label: "pointer keys only work at the top of a manifest".into(),
                help: "give the name of a property of this element".into(),
            });
        } else if modelled.get(key).is_some() {
            let field = field_label(Kind::Offer, &format!("/{key}"));
            problems.push(ExtraProblem {
                loc: value.loc,
                message: format!(
                    "`extra` of {at} sets `{key}`, which the field `{field}` already sets"
                ),
                label: "set by a field too".into(),
                help: format!("remove `{key}` from `extra` and use `{field}`"),
            });
        }
    }
}

pub fn offer_status(status: OfferStatus) -> &'static str {
    match status {
        OfferStatus::Draft => "draft",
        OfferStatus::Approved => "approved",
        OfferStatus::Archived => "archived",
    }
}

pub fn activity_status(status: ActivityStatus) -> &'static str {
    match status {
        ActivityStatus::Draft => "draft",
        ActivityStatus::Live => "live",
        ActivityStatus::Archived => "archived",
    }
}

fn insert_text(out: &mut Map<String, Value>, key: &str, value: &Option<Spanned<String>>) {
    if let Some(value) = value {
        out.insert(key.into(), json!(value.value));
    }
}

fn insert_texts(out: &mut Map<String, Value>, key: &str, values: &[Spanned<String>]) {
    if !values.is_empty() {
        let values: Vec<&str> = values.iter().map(|v| v.value.as_str()).collect();
        out.insert(key.into(), json!(values));
    }
}

fn insert_references(
    out: &mut Map<String, Value>,
    key: &str,
    kind: Kind,
    references: &[Spanned<String>],
    resolver: &dyn Resolver,
) {
    if !references.is_empty() {
        let ids: Vec<String> = references
            .iter()
            .map(|r| resolver.resolve(kind, r))
            .collect();
        out.insert(key.into(), json!(ids));
    }
}

fn insert_characteristics(
    out: &mut Map<String, Value>,
    characteristics: &std::collections::BTreeMap<String, String>,
) {
    if !characteristics.is_empty() {
        out.insert("xdm:characteristics".into(), json!(characteristics));
    }
}

fn insert_representations(
    out: &mut Map<String, Value>,
    representations: &[Representation],
    resolver: &dyn Resolver,
    with_extra: bool,
) {
    if representations.is_empty() {
        return;
    }
    let list: Vec<Value> = representations
        .iter()
        .map(|r| {
            let mut rep = Map::new();
            rep.insert(
                "xdm:placement".into(),
                json!(resolver.resolve(Kind::Placement, &r.placement)),
            );
            if let Some(channel) = &r.channel {
                rep.insert("xdm:channel".into(), json!(channel_uri(channel)));
            }
            let components: Vec<Value> = r
                .components
                .iter()
                .map(|c| component(c, with_extra))
                .collect();
            rep.insert("xdm:components".into(), Value::Array(components));
            if with_extra {
                merge_extra(&mut rep, &r.extra);
            }
            Value::Object(rep)
        })
        .collect();
    out.insert("xdm:representations".into(), Value::Array(list));
}

fn component(c: &Component, with_extra: bool) -> Value {
    let mut out = Map::new();
    out.insert("@type".into(), json!(component_type_uri(&c.component_type)));
    insert_text(&mut out, "dc:format", &c.format);
    insert_texts(&mut out, "dc:language", &c.language);
    insert_text(&mut out, "xdm:content", &c.content);
    insert_text(&mut out, "xdm:copyline", &c.copyline);
    insert_text(&mut out, "xdm:linkURL", &c.link_url);
    insert_text(&mut out, "xdm:deliveryURL", &c.delivery_url);
    insert_text(&mut out, "repo:resolveURL", &c.resolve_url);
    insert_text(&mut out, "repo:id", &c.repo_id);
    insert_text(&mut out, "repo:name", &c.repo_name);
    if with_extra {
        merge_extra(&mut out, &c.extra);
    }
    Value::Object(out)
}

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
            let condition = r.condition();
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
            for (key, value) in members {
                match key.as_str() {
                    "xdm:placements" => {
                        let ids = value.as_array().filter(|ids| !ids.is_empty())?;
                        let refs = ids.iter().map(|id| reference(namer, Kind::Placement, id));
                        placements = Some(refs.collect::<Option<Vec<_>>>()?);
                    }
                    "xdm:optionSelection" => {
                        let selection = value.as_object().filter(|m| m.len() == 1)?;
                        filter = Some(reference(
                            namer,
                            Kind::Filter,
                            selection.get("xdm:filter")?,
                        )?);
                    }
                    "xdm:profileConstraint" => {
                        let constraint = value.as_object().filter(|m| m.len() == 2)?;
                        let kind = constraint.get("xdm:profileConstraintType")?.as_str()?;
                        if kind != "eligibilityRule" {
                            return None;
                        }
                        let id = constraint.get("xdm:eligibilityRule")?;
                        rule = Some(reference(namer, Kind::Rule, id)?);
                    }
                    "xdm:rank" => {
                        let rank = value.as_object().filter(|m| m.len() == 1)?;
                        let p = rank.get("xdm:priority")?.as_i64().filter(|p| *p >= 0)?;
                        priority = Some(synthetic(p));
                    }
                    _ => return None,
                }
            }
            Some(Criterion {
                placements: placements?,
                filter: filter?,
                rule,
                priority,
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

fn reference(namer: &dyn Namer, kind: Kind, value: &Value) -> Option<Spanned<String>> {
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
            Some(value) => {
                let converted = convert(&value);
                if converted.is_none() {
                    self.errors.push(format!(
                        "`{key}` is {}, which no manifest field can express",
                        shown(&value)
                    ));
                }
                converted
            }
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
        let converted = convert(&value);
        if converted.is_none() {
            self.errors.push(format!(
                "`{key}` is {}, which no manifest field can express",
                shown(&value)
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

    fn condition(&mut self) -> Option<String> {
        let fixed = [("xdm:type", "PQL"), ("xdm:format", "pql/text")];
        let Some(Value::Object(members)) = self.take("xdm:condition") else {
            self.errors
                .push("`xdm:condition` is missing or not an object".into());
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
                    "`xdm:condition/{member}` is {}; the manifest language writes {expected:?}",
                    shown(&value)
                )),
                ("xdm:value", _) => match value.as_str().filter(|v| !v.trim().is_empty()) {
                    Some(text) => condition = Some(text.to_string()),
                    None => self.errors.push(format!(
                        "`xdm:condition/xdm:value` is {}, not PQL text",
                        shown(&value)
                    )),
                },
                _ => {
                    self.extra
                        .insert(pointer_key("xdm:condition", &member), synthetic(value));
                }
            }
        }
        for (member, _) in fixed {
            if !seen.contains(&member) {
                self.errors
                    .push(format!("`xdm:condition/{member}` is missing"));
            }
        }
        if condition.is_none() && !seen.contains(&"xdm:value") {
            self.errors
                .push("`xdm:condition/xdm:value` is missing".into());
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

/// Arrays whose order carries no meaning.
const SETS: &[&str] = &[
    "xdm:tags",
    "ids",
    "xdm:contentTypes",
    "xdm:representations/*/xdm:components/*/dc:language",
];
/// Arrays of objects identified by one of their fields.
const KEYED: &[(&str, &str)] = &[("xdm:representations", "xdm:placement")];
/// Objects that must not be removed whole (seed 002: "PATCH operations should not attempt
/// [to] remove the entire SelectionConstraint property"); their members are removed instead.
const KEEP_CONTAINER: &[&str] = &["xdm:selectionConstraint"];

/// How the core's diff compares `_instance` documents of a kind: patch paths under
/// `/_instance` (as the XCore PATCH expects), `@id` assigned by the repository.
pub fn diff_rules(kind: Kind) -> crate::diff::Rules {
    crate::diff::Rules {
        root: "/_instance",
        properties: managed_properties(kind),
        members: managed_members,
        sets: SETS,
        keyed: KEYED,
        keep_container: KEEP_CONTAINER,
        assigned: &["@id"],
    }
}

/// The `_instance` properties offerctl manages for a kind. Other live properties (for example
/// `offerui:previewThumbnail`, set by the product UI) are left untouched by plans.
pub fn managed_properties(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Tag => &["xdm:name", "xdm:description"],
        Kind::Placement => &[
            "xdm:name",
            "xdm:channel",
            "xdm:componentType",
            "xdm:contentTypes",
            "xdm:description",
        ],
        Kind::Rule => &["xdm:name", "xdm:description", "xdm:condition"],
        Kind::Offer => &[
            "xdm:name",
            "xdm:description",
            "xdm:status",
            "xdm:representations",
            "xdm:selectionConstraint",
            "xdm:rank",
            "xdm:cappingConstraint",
            "xdm:tags",
            "xdm:characteristics",
        ],
        Kind::FallbackOffer => &[
            "xdm:name",
            "xdm:description",
            "xdm:status",
            "xdm:representations",
            "xdm:tags",
            "xdm:characteristics",
        ],
        Kind::Filter => &["xdm:name", "xdm:description", "xdm:filterType", "ids"],
        Kind::Activity => &[
            "xdm:name",
            "xdm:description",
            "xdm:status",
            "xdm:startDate",
            "xdm:endDate",
            "xdm:placement",
            "xdm:filter",
            "xdm:criteria",
            "xdm:fallback",
        ],
    }
}

/// Manifest fields of a kind that `ignoreChanges` may name, with the wire pointer (under
/// `_instance`) each one maps to.
const FIELD_POINTERS: &[(Kind, &str, &str)] = &[
    (Kind::Tag, "name", "/xdm:name"),
    (Kind::Tag, "description", "/xdm:description"),
    (Kind::Placement, "name", "/xdm:name"),
    (Kind::Placement, "channel", "/xdm:channel"),
    (Kind::Placement, "componentType", "/xdm:componentType"),
    (Kind::Placement, "contentTypes", "/xdm:contentTypes"),
    (Kind::Placement, "description", "/xdm:description"),
    (Kind::Rule, "name", "/xdm:name"),
    (Kind::Rule, "description", "/xdm:description"),
    (Kind::Rule, "condition", "/xdm:condition"),
    (Kind::Offer, "name", "/xdm:name"),
    (Kind::Offer, "description", "/xdm:description"),
    (Kind::Offer, "status", "/xdm:status"),
    (
        Kind::Offer,
        "startDate",
        "/xdm:selectionConstraint/xdm:startDate",
    ),
    (
        Kind::Offer,
        "endDate",
        "/xdm:selectionConstraint/xdm:endDate",
    ),
    (
        Kind::Offer,
        "rule",
        "/xdm:selectionConstraint/xdm:eligibilityRule",
    ),
    (Kind::Offer, "priority", "/xdm:rank/xdm:priority"),
    (Kind::Offer, "cap", "/xdm:cappingConstraint"),
    (Kind::Offer, "tags", "/xdm:tags"),
    (Kind::Offer, "characteristics", "/xdm:characteristics"),
    (Kind::Offer, "representations", "/xdm:representations"),
    (Kind::FallbackOffer, "name", "/xdm:name"),
    (Kind::FallbackOffer, "description", "/xdm:description"),
    (Kind::FallbackOffer, "status", "/xdm:status"),
    (Kind::FallbackOffer, "tags", "/xdm:tags"),
    (
        Kind::FallbackOffer,
        "characteristics",
        "/xdm:characteristics",
    ),
    (
        Kind::FallbackOffer,
        "representations",
        "/xdm:representations",
    ),
    (Kind::Filter, "name", "/xdm:name"),
    (Kind::Filter, "description", "/xdm:description"),
    (Kind::Filter, "match", "/xdm:filterType"),
    (Kind::Filter, "offers", "/ids"),
    (Kind::Filter, "tags", "/ids"),
    (Kind::Activity, "name", "/xdm:name"),
    (Kind::Activity, "description", "/xdm:description"),
    (Kind::Activity, "status", "/xdm:status"),
    (Kind::Activity, "startDate", "/xdm:startDate"),
    (Kind::Activity, "endDate", "/xdm:endDate"),
    (Kind::Activity, "placement", "/xdm:placement"),
    (Kind::Activity, "filter", "/xdm:filter"),
    (Kind::Activity, "criteria", "/xdm:criteria"),
    (Kind::Activity, "fallback", "/xdm:fallback"),
];

/// The fields `ignoreChanges` accepts for a kind.
pub fn ignorable_fields(kind: Kind) -> Vec<&'static str> {
    FIELD_POINTERS
        .iter()
        .filter(|(k, _, _)| *k == kind)
        .map(|(_, f, _)| *f)
        .collect()
}

/// The `_instance` pointer of a manifest field (`priority` → `/xdm:rank/xdm:priority`).
pub fn field_pointer(kind: Kind, field: &str) -> Option<&'static str> {
    FIELD_POINTERS
        .iter()
        .find(|(k, f, _)| *k == kind && *f == field)
        .map(|(_, _, p)| *p)
}

/// A readable label for a wire pointer under `_instance`, in manifest terms where one exists:
/// `/xdm:rank/xdm:priority` → `priority`, `/xdm:representations/0/xdm:components/1/xdm:content`
/// → `representations[0].components[1].content`.
pub fn field_label(kind: Kind, pointer: &str) -> String {
    let pointer = pointer.strip_prefix("/_instance").unwrap_or(pointer);
    // A filter's `ids` holds offers or tags, depending on `match`: keep the wire name there.
    if let Some((_, field, _)) = FIELD_POINTERS
        .iter()
        .find(|(k, _, p)| *k == kind && *p == pointer && *p != "/ids")
    {
        return (*field).to_string();
    }
    let mut label = String::new();
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        if token == "-" || token.parse::<usize>().is_ok() {
            label.push_str(&format!("[{token}]"));
            continue;
        }
        let name = match token.strip_prefix("xdm:").unwrap_or(&token) {
            // Containers with no manifest counterpart: their members are top-level fields.
            "selectionConstraint" | "rank" | "optionSelection" | "profileConstraint" => continue,
            "eligibilityRule" => "rule",
            "cappingConstraint" => "cap",
            "globalCap" => "global",
            "profileCap" => "profile",
            "filterType" => "match",
            "@type" => "type",
            "dc:format" => "format",
            "dc:language" => "language",
            "repo:resolveURL" => "resolveURL",
            "repo:id" => "repoId",
            "repo:name" => "repoName",
            other => other,
        }
        .to_string();
        if !label.is_empty() {
            label.push('.');
        }
        label.push_str(&name);
    }
    label
}

/// The `@id`s a live instance refers to (placements, rules, tags, filter ids, an activity's
/// placement, filter and fallback).
pub fn references(instance: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |v: Option<&Value>| {
        if let Some(s) = v.and_then(Value::as_str) {
            out.push(s.to_string());
        }
    };
    for key in ["xdm:placement", "xdm:filter", "xdm:fallback"] {
        push(instance.get(key));
    }
    push(instance.pointer("/xdm:selectionConstraint/xdm:eligibilityRule"));
    for criterion in instance
        .get("xdm:criteria")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for placement in criterion
            .get("xdm:placements")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            push(Some(placement));
        }
        push(criterion.pointer("/xdm:optionSelection/xdm:filter"));
        push(criterion.pointer("/xdm:profileConstraint/xdm:eligibilityRule"));
    }
    for key in ["xdm:tags", "ids", "xdm:ids"] {
        for item in instance
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            push(Some(item));
        }
    }
    for rep in instance
        .get("xdm:representations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        push(rep.get("xdm:placement"));
    }
    out
}

/// Inside managed properties, the members offerctl manages, by path pattern (array positions
/// as `*`). `None` means every member is managed (free-form maps such as characteristics).
pub fn managed_members(pattern: &str) -> Option<&'static [&'static str]> {
    match pattern {
        "xdm:representations/*" => Some(&["xdm:placement", "xdm:channel", "xdm:components"]),
        "xdm:representations/*/xdm:components/*" => Some(&[
            "@type",
            "dc:format",
            "dc:language",
            "xdm:content",
            "xdm:copyline",
            "xdm:linkURL",
            "xdm:deliveryURL",
            "repo:resolveURL",
            "repo:id",
            "repo:name",
        ]),
        "xdm:selectionConstraint" => Some(&["xdm:startDate", "xdm:endDate", "xdm:eligibilityRule"]),
        "xdm:rank" | "xdm:criteria/*/xdm:rank" => Some(&["xdm:priority"]),
        "xdm:criteria/*" => Some(&[
            "xdm:placements",
            "xdm:optionSelection",
            "xdm:profileConstraint",
            "xdm:rank",
        ]),
        "xdm:criteria/*/xdm:optionSelection" => Some(&["xdm:filter"]),
        "xdm:criteria/*/xdm:profileConstraint" => {
            Some(&["xdm:profileConstraintType", "xdm:eligibilityRule"])
        }
        "xdm:cappingConstraint" => Some(&["xdm:globalCap", "xdm:profileCap"]),
        "xdm:condition" => Some(&["xdm:type", "xdm:format", "xdm:value"]),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::source::{SourceFile, SourceSet};

    fn instances(text: &str) -> Vec<Value> {
        let mut sources = SourceSet::new();
        sources.add(SourceFile::new("t.yaml", text));
        let checked = check(&sources, &crate::providers::builtin());
        assert!(checked.diagnostics.is_empty(), "{:?}", checked.diagnostics);
        let resolver = |kind: Kind, reference: &str| {
            if crate::providers::adobe::kind::is_literal_id(reference) {
                reference.to_string()
            } else {
                format!(
                    "xcore:{}:{}",
                    kind.short_name(),
                    reference.replace(' ', "-")
                )
            }
        };
        checked
            .catalog
            .objects()
            .iter()
            .map(|o| {
                to_instance(
                    o.document::<Manifest>().expect("an Adobe manifest"),
                    &resolver,
                )
            })
            .collect()
    }

    /// Reverse mapping of the ids the test resolver makes (`xcore:<kind>:Name-with-dashes`).
    fn namer(_: Kind, id: &str) -> String {
        match id.splitn(3, ':').nth(2) {
            Some(name) if !id.contains("f2df943c428b6f7") => name.replace('-', " "),
            _ => id.to_string(),
        }
    }

    #[test]
    fn from_instance_is_the_reverse_of_to_instance() {
        let docs = instances(SEED_002);
        let resolver = |kind: Kind, reference: &str| {
            if crate::providers::adobe::kind::is_literal_id(reference) {
                reference.to_string()
            } else {
                format!(
                    "xcore:{}:{}",
                    kind.short_name(),
                    reference.replace(' ', "-")
                )
            }
        };
        for (doc, kind) in docs.iter().zip(SEED_002_KINDS) {
            let manifest = from_instance(kind, doc, &namer).unwrap();
            assert!(manifest.meta().extra.is_empty(), "{kind}: {doc}");
            assert_eq!(&to_instance(&manifest, &resolver), doc, "{kind}");
        }
    }

    const CRITERIA: &str = "\
kind: Activity
name: Two criteria
status: live
criteria:
  - placements: [xcore:offer-placement:web, xcore:offer-placement:mail]
    filter: xcore:offer-filter:all
    rule: xcore:eligibility-rule:gold
    priority: 2
  - placements: [xcore:offer-placement:web]
    filter: xcore:offer-filter:rest
fallback: xcore:fallback-offer:fb
---
kind: Activity
name: One simple criterion
criteria:
  - placements: [xcore:offer-placement:web]
    filter: xcore:offer-filter:all
fallback: xcore:fallback-offer:fb
";

    #[test]
    fn criteria_map_to_the_v05_form_and_one_simple_criterion_to_the_flat_form() {
        let docs = instances(CRITERIA);
        assert_eq!(
            docs[0],
            json!({"xdm:name": "Two criteria", "xdm:status": "live",
                "xdm:criteria": [
                    {"xdm:placements": ["xcore:offer-placement:web", "xcore:offer-placement:mail"],
                     "xdm:optionSelection": {"xdm:filter": "xcore:offer-filter:all"},
                     "xdm:profileConstraint": {"xdm:profileConstraintType": "eligibilityRule",
                                               "xdm:eligibilityRule": "xcore:eligibility-rule:gold"},
                     "xdm:rank": {"xdm:priority": 2}},
                    {"xdm:placements": ["xcore:offer-placement:web"],
                     "xdm:optionSelection": {"xdm:filter": "xcore:offer-filter:rest"}}],
                "xdm:fallback": "xcore:fallback-offer:fb"})
        );
        assert_eq!(
            docs[1],
            json!({"xdm:name": "One simple criterion", "xdm:status": "draft",
                "xdm:placement": "xcore:offer-placement:web", "xdm:filter": "xcore:offer-filter:all",
                "xdm:fallback": "xcore:fallback-offer:fb"})
        );
        let keep = |_: Kind, id: &str| id.to_string();
        let resolver = |_: Kind, r: &str| r.to_string();
        for doc in &docs {
            let manifest = from_instance(Kind::Activity, doc, &keep).unwrap();
            assert!(manifest.meta().extra.is_empty(), "{doc}");
            assert_eq!(&to_instance(&manifest, &resolver), doc);
        }
        let refs = references(&docs[0]);
        for id in [
            "xcore:offer-placement:mail",
            "xcore:offer-filter:rest",
            "xcore:eligibility-rule:gold",
        ] {
            assert!(refs.iter().any(|r| r == id), "{id} in {refs:?}");
        }
        assert_eq!(
            field_label(
                Kind::Activity,
                "/_instance/xdm:criteria/0/xdm:profileConstraint/xdm:eligibilityRule"
            ),
            "criteria[0].rule"
        );
        // Members no field expresses make the criteria inexpressible, not silently dropped.
        let mut ranked = docs[0].clone();
        ranked["xdm:criteria"][1]["xdm:rank"] =
            json!({"xdm:order": {"xdm:orderEvaluationType": "static"}});
        let errors = from_instance(Kind::Activity, &ranked, &keep).unwrap_err();
        assert!(errors[0].starts_with("`xdm:criteria` is"), "{errors:?}");
    }

    #[test]
    fn from_instance_keeps_what_no_field_expresses_in_extra() {
        let rule = json!({"@id": "xcore:eligibility-rule:1", "xdm:name": "r",
            "xdm:condition": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "true", "x:y": 1},
            "xdm:definedOn": {"profile": {}}});
        let Manifest::Rule(r) = from_instance(Kind::Rule, &rule, &namer).unwrap() else {
            panic!("a rule")
        };
        let keys: Vec<&String> = r.meta.extra.keys().collect();
        assert_eq!(keys, ["/xdm:condition/x:y", "xdm:definedOn"]);
        let offer = json!({"xdm:name": "o", "xdm:status": "draft",
            "xdm:rank": {"xdm:priority": -1},
            "xdm:selectionConstraint": {"xdm:startDate": "2026-02-01T00:00:00Z", "xdm:endDate": "2026-01-01T00:00:00Z"},
            "xdm:representations": [{"xdm:placement": "xcore:offer-placement:P", "xdm:channel": "kiosk",
                "xdm:components": [{"@type": "html", "dc:format": "html"}]}]});
        let manifest = from_instance(Kind::Offer, &offer, &namer).unwrap();
        let keys: Vec<&String> = manifest.meta().extra.keys().collect();
        assert_eq!(
            keys,
            [
                "/xdm:rank/xdm:priority",
                "/xdm:selectionConstraint/xdm:endDate",
                "/xdm:selectionConstraint/xdm:startDate",
                "xdm:representations"
            ]
        );
        let resolver = |_: Kind, r: &str| r.to_string();
        assert_eq!(to_instance(&manifest, &resolver), offer);
        let errors = from_instance(
            Kind::Activity,
            &json!({"xdm:name": " ", "xdm:status": "complete",
            "xdm:criteria": []}),
            &namer,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "`xdm:name` is \" \", which no manifest field can express",
                "`xdm:status` is \"complete\", which no manifest field can express",
                "`xdm:criteria` is [], which no manifest field can express",
                "`xdm:fallback` is missing"
            ]
        );
    }

    #[test]
    fn extra_may_not_set_what_a_field_sets() {
        let mut sources = SourceSet::new();
        sources.add(SourceFile::new(
            "t.yaml",
            "kind: Offer\nname: o\npriority: 1\nextra:\n  xdm:status: approved\n  /xdm:rank/xdm:priority: 2\n  /xdm:nope/x: 1\n  /xdm:rank/x:ok: 3\n  x:fine: 4\nrepresentations:\n  - placement: xcore:offer-placement:1\n    components:\n      - type: html\n        extra: {\"@type\": x, offerui:previewThumbnail: t.png}\n",
        ));
        let messages: Vec<String> = check(&sources, &crate::providers::builtin())
            .diagnostics
            .iter()
            .filter(|d| d.code == "bad-extra")
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(
            messages,
            [
                "`extra` sets `xdm:status`, which the field `status` already sets",
                "`extra` sets `/xdm:rank/xdm:priority`, which the field `priority` already sets",
                "`/xdm:nope/x` is not a pointer `extra` can use in Offer",
                "`extra` of representations[0].components[0] sets `@type`, which the field `type` already sets"
            ]
        );
    }

    const SEED_002: &str = r#"
kind: Placement
name: Kiosk Placement 1
channel: https://ns.adobe.com/xdm/channels/web
componentType: imagelink
contentTypes: [image/png]
---
kind: Rule
name: Eligible for a free flight upgrade
condition: membership.status = "elite"
---
kind: Tag
name: credit card
---
kind: Offer
name: ABC Bank Credit Card
status: approved
startDate: 2019-06-13T00:00:00.000Z
endDate: 2019-07-13T00:00:00.000Z
rule: Eligible for a free flight upgrade
priority: 0
cap: {global: 1000000, profile: 5}
tags: [credit card, xcore:tag:f2df943c428b6f7]
representations:
  - placement: Kiosk Placement 1
    components:
      - {type: html, format: text/html, language: [en]}
---
kind: FallbackOffer
name: Default for Kiosk Placements
status: approved
representations:
  - placement: Kiosk Placement 1
    components: [{type: html, format: text/html, language: [en]}]
---
kind: Filter
name: All Upgrade offers
match: allTags
tags: [credit card]
---
kind: Activity
name: Call center IVR Personalization
status: live
startDate: 2019-03-01T05:59:59.999Z
endDate: 2019-12-27T00:00:00.000Z
placement: Kiosk Placement 1
filter: All Upgrade offers
fallback: Default for Kiosk Placements
"#;
    const SEED_002_KINDS: [Kind; 7] = [
        Kind::Placement,
        Kind::Rule,
        Kind::Tag,
        Kind::Offer,
        Kind::FallbackOffer,
        Kind::Filter,
        Kind::Activity,
    ];

    /// The shapes of seed 002's examples.
    #[test]
    fn labels_use_manifest_names() {
        assert_eq!(
            field_label(Kind::Offer, "/_instance/xdm:rank/xdm:priority"),
            "priority"
        );
        assert_eq!(
            field_label(
                Kind::Offer,
                "/_instance/xdm:selectionConstraint/xdm:eligibilityRule"
            ),
            "rule"
        );
        assert_eq!(
            field_label(
                Kind::Offer,
                "/_instance/xdm:cappingConstraint/xdm:globalCap"
            ),
            "cap.global"
        );
        assert_eq!(
            field_label(
                Kind::Offer,
                "/_instance/xdm:representations/0/xdm:components/1/dc:language/-"
            ),
            "representations[0].components[1].language[-]"
        );
        assert_eq!(field_label(Kind::Filter, "/_instance/ids/2"), "ids[2]");
        assert_eq!(
            field_label(Kind::Activity, "/_instance/xdm:startDate"),
            "startDate"
        );
        assert_eq!(
            field_pointer(Kind::Offer, "startDate"),
            Some("/xdm:selectionConstraint/xdm:startDate")
        );
        assert!(ignorable_fields(Kind::Tag) == ["name", "description"]);
    }

    #[test]
    fn references_of_live_instances() {
        let offer = json!({"xdm:tags": ["t1", "t2"], "xdm:selectionConstraint": {"xdm:eligibilityRule": "r"},
                           "xdm:representations": [{"xdm:placement": "p"}]});
        assert_eq!(references(&offer), ["r", "t1", "t2", "p"]);
        let activity = json!({"xdm:placement": "p", "xdm:filter": "f", "xdm:fallback": "b"});
        assert_eq!(references(&activity), ["p", "f", "b"]);
    }

    #[test]
    fn seed_002_shapes() {
        let docs = instances(SEED_002);
        assert_eq!(
            docs[0],
            json!({"xdm:name": "Kiosk Placement 1", "xdm:channel": "https://ns.adobe.com/xdm/channels/web",
                   "xdm:componentType": "https://ns.adobe.com/experience/offer-management/content-component-imagelink",
                   "xdm:contentTypes": ["image/png"]})
        );
        assert_eq!(
            docs[1],
            json!({"xdm:name": "Eligible for a free flight upgrade",
                   "xdm:condition": {"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": "membership.status = \"elite\""}})
        );
        assert_eq!(
            docs[3],
            json!({
                "xdm:name": "ABC Bank Credit Card", "xdm:status": "approved",
                "xdm:representations": [{"xdm:placement": "xcore:offer-placement:Kiosk-Placement-1",
                    "xdm:components": [{"@type": "https://ns.adobe.com/experience/offer-management/content-component-html",
                                        "dc:format": "text/html", "dc:language": ["en"]}]}],
                "xdm:selectionConstraint": {"xdm:startDate": "2019-06-13T00:00:00.000Z", "xdm:endDate": "2019-07-13T00:00:00.000Z",
                                            "xdm:eligibilityRule": "xcore:eligibility-rule:Eligible-for-a-free-flight-upgrade"},
                "xdm:rank": {"xdm:priority": 0},
                "xdm:cappingConstraint": {"xdm:globalCap": 1000000, "xdm:profileCap": 5},
                "xdm:tags": ["xcore:tag:credit-card", "xcore:tag:f2df943c428b6f7"]
            })
        );
        assert!(docs[4].get("xdm:selectionConstraint").is_none());
        assert_eq!(
            docs[5],
            json!({"xdm:name": "All Upgrade offers", "xdm:filterType": "allTags", "ids": ["xcore:tag:credit-card"]})
        );
        assert_eq!(
            docs[6]["xdm:fallback"],
            "xcore:fallback-offer:Default-for-Kiosk-Placements"
        );
        for (doc, kind) in docs.iter().zip(SEED_002_KINDS) {
            for key in doc.as_object().unwrap().keys() {
                assert!(
                    managed_properties(kind).contains(&key.as_str()),
                    "{kind} {key}"
                );
            }
        }
    }
}
