//! Manifest fields → XCore `_instance` properties (seed 002). The one place that knows the
//! `xdm:` spellings; everything else works with manifests or with these documents as opaque JSON.

use serde_json::{Map, Value, json};

use crate::diff::{Case, Type};
use crate::providers::adobe::kind::{self, Kind};
use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::providers::adobe::manifest::{
    Activity, ActivityStatus, CHANNELS, COMPONENT_TYPES, Cap, Component, Criterion, Extra,
    FallbackOffer, Filter, FilterMatch, Manifest, Meta, Offer, OfferStatus, Placement,
    RankingFormula, Representation, ReturnType, Rule, Spanned, Tag,
};
use crate::source::Loc;

const CHANNEL_BASE: &str = "https://ns.adobe.com/xdm/channel-types/";
const COMPONENT_BASE: &str = "https://ns.adobe.com/experience/offer-management/content-component-";

/// The most members [`instance`] writes of a manifest's own fields (an offer's), and
/// [`component`] of a component's.
const INSTANCE_MEMBERS: usize = 11;
const COMPONENT_MEMBERS: usize = 10;

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
        // Not `format!`: made for every component of every desired document.
        let mut uri = String::with_capacity(base.len() + value.len());
        uri.push_str(base);
        uri.push_str(value);
        uri
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
    // Sized once for the largest kind's own members: a document is built for every object of
    // every plan, and growing its map as members arrive moved it several times.
    let mut out = Map::with_capacity(INSTANCE_MEMBERS + manifest.meta().extra.len());
    out.insert(
        "xdm:name".into(),
        Value::String(manifest.meta().name.value.clone()),
    );
    match manifest {
        Manifest::Tag(t) => insert_text(&mut out, "xdm:description", &t.description),
        Manifest::Placement(p) => {
            out.insert("xdm:channel".into(), Value::String(channel_uri(&p.channel)));
            out.insert(
                "xdm:componentType".into(),
                Value::String(component_type_uri(&p.component_type)),
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
                    Value::String(resolver.resolve(Kind::Rule, rule)),
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
        Manifest::RankingFormula(r) => {
            insert_text(&mut out, "xdm:description", &r.description);
            if let Some(kind) = formula::written_return_type(r) {
                out.insert(
                    "xdm:returnType".into(),
                    json!({"xdm:type": return_type(kind)}),
                );
            }
            out.insert(
                "xdm:expression".into(),
                json!({"xdm:type": "PQL", "xdm:format": "pql/text", "xdm:value": r.formula.value}),
            );
        }
        Manifest::Activity(a) => {
            insert_text(&mut out, "xdm:description", &a.description);
            out.insert("xdm:status".into(), json!(activity_status(a.status)));
            insert_text(&mut out, "xdm:startDate", &a.start_date);
            insert_text(&mut out, "xdm:endDate", &a.end_date);
            insert_criteria(&mut out, &a.criteria, resolver, with_extra);
            out.insert(
                "xdm:fallback".into(),
                Value::String(resolver.resolve(Kind::FallbackOffer, &a.fallback)),
            );
        }
    }
    if with_extra {
        merge_extra_pointers(&mut out, &manifest.meta().extra);
    }
    Value::Object(out)
}

/// Merges `extra` whose keys are wire names or `/container/member` pointers.
fn merge_extra_pointers(out: &mut Map<String, Value>, extra: &Extra) {
    for (key, value) in extra {
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

/// One simple criterion is written in the flat v0.1 form of seed 002 (`xdm:placement`,
/// `xdm:filter`), which every XCore version accepts; anything richer in the v0.5 `xdm:criteria`
/// form. Both APIs' readers turn the one into the other, so the choice never shows as a diff.
fn insert_criteria(
    out: &mut Map<String, Value>,
    criteria: &[Criterion],
    resolver: &dyn Resolver,
    with_extra: bool,
) {
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
            let mut rank = Map::new();
            if let Some(priority) = &c.priority {
                rank.insert("xdm:priority".into(), json!(priority.value));
            }
            if let Some(formula) = &c.ranking_formula {
                let function = resolver.resolve(Kind::RankingFormula, formula);
                rank.insert("xdm:order".into(), formula::scoring_order(function));
            }
            if !rank.is_empty() {
                criterion.insert("xdm:rank".into(), Value::Object(rank));
            }
            if with_extra {
                merge_extra_pointers(&mut criterion, &c.extra);
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
        Kind::RankingFormula => &["xdm:expression", "xdm:returnType"],
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
    let criteria: &[Criterion] = match manifest {
        Manifest::Activity(a) => &a.criteria,
        _ => &[],
    };
    let no_extra = manifest.meta().extra.is_empty()
        && representations
            .iter()
            .all(|r| r.extra.is_empty() && r.components.iter().all(|c| c.extra.is_empty()))
        && criteria.iter().all(|c| c.extra.is_empty());
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
    for (i, criterion) in criteria.iter().enumerate() {
        let modelled_criterion = modelled
            .pointer(&format!("/xdm:criteria/{i}"))
            .unwrap_or(&Value::Null);
        formula::criterion_problems(&criterion.extra, modelled_criterion, i, &mut problems);
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

pub fn return_type(kind: ReturnType) -> &'static str {
    match kind {
        ReturnType::Integer => "integer",
        ReturnType::Double => "double",
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
        out.insert(key.into(), Value::String(value.value.clone()));
    }
}

fn insert_texts(out: &mut Map<String, Value>, key: &str, values: &[Spanned<String>]) {
    if !values.is_empty() {
        let values = values.iter().map(|v| Value::String(v.value.clone()));
        out.insert(key.into(), Value::Array(values.collect()));
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
        let ids = references
            .iter()
            .map(|r| Value::String(resolver.resolve(kind, r)));
        out.insert(key.into(), Value::Array(ids.collect()));
    }
}

fn insert_characteristics(
    out: &mut Map<String, Value>,
    characteristics: &std::collections::BTreeMap<String, String>,
) {
    if !characteristics.is_empty() {
        let map: Map<String, Value> = characteristics
            .iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect();
        out.insert("xdm:characteristics".into(), Value::Object(map));
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
            // Sized once: a document is built for every object of every plan.
            let mut rep = Map::with_capacity(3 + r.extra.len());
            rep.insert(
                "xdm:placement".into(),
                Value::String(resolver.resolve(Kind::Placement, &r.placement)),
            );
            if let Some(channel) = &r.channel {
                rep.insert("xdm:channel".into(), Value::String(channel_uri(channel)));
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
    let mut out = Map::with_capacity(COMPONENT_MEMBERS + c.extra.len());
    out.insert(
        "@type".into(),
        Value::String(component_type_uri(&c.component_type)),
    );
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
/// A formula's return type is set, never removed (its neutral `integer` is written as such).
const KEEP_CONTAINER: &[&str] = &["xdm:selectionConstraint", "xdm:returnType"];
/// The type of the scalars the mapping writes, so that the services' respellings are no
/// change: DPS reads instants back as `….000+00:00` and XCore as `….000Z`, and a formula's
/// return type comes back upper-cased (`INTEGER`).
const TYPES: &[(&str, Type)] = &[
    ("xdm:startDate", Type::Instant),
    ("xdm:endDate", Type::Instant),
    ("xdm:selectionConstraint/xdm:startDate", Type::Instant),
    ("xdm:selectionConstraint/xdm:endDate", Type::Instant),
    ("xdm:rank/xdm:priority", Type::Number),
    ("xdm:criteria/*/xdm:rank/xdm:priority", Type::Number),
    ("xdm:cappingConstraint/xdm:globalCap", Type::Number),
    ("xdm:cappingConstraint/xdm:profileCap", Type::Number),
    ("xdm:returnType/xdm:type", Type::Enum(Case::Insensitive)),
    ("xdm:status", Type::Enum(Case::Exact)),
    ("xdm:filterType", Type::Enum(Case::Exact)),
    (
        "xdm:criteria/*/xdm:profileConstraint/xdm:profileConstraintType",
        Type::Enum(Case::Exact),
    ),
    (
        "xdm:criteria/*/xdm:rank/xdm:order/xdm:orderEvaluationType",
        Type::Enum(Case::Exact),
    ),
];

/// How the core's diff compares `_instance` documents of a kind: patch paths under
/// `/_instance` (as the XCore PATCH expects), `@id` assigned by the repository.
pub fn diff_rules(kind: Kind) -> crate::diff::Rules {
    crate::diff::Rules {
        root: "/_instance",
        properties: managed_properties(kind),
        members: managed_members,
        types: TYPES,
        sets: SETS,
        keyed: KEYED,
        keep_container: KEEP_CONTAINER,
        assigned: &["@id"],
        assigned_members: &[],
        neutral: neutral_default,
    }
}

/// Defaults the repository stores that mean "no constraint" (reference §2.3: Adobe's decision
/// examples carry `profileConstraint: {profileConstraintType: none}` in every criterion).
/// Compared as absent, so a manifest that leaves them out plans no change.
///
/// Likewise a criterion's `xdm:rank.xdm:order` that holds nothing offerctl models: an order
/// whose type is not `scoringFunction` and that has no function (a ranking strategy such as
/// the documented decision's, or `static`), unless the manifest's `extra` sets its other
/// members too. Such an order is kept, not removed, by a manifest without `rankingFormula`.
fn neutral_default(pattern: &str, value: &Value) -> bool {
    match pattern {
        "xdm:criteria/*/xdm:profileConstraint" => {
            *value == json!({"xdm:profileConstraintType": "none"})
        }
        "xdm:criteria/*/xdm:rank/xdm:order" => formula::is_foreign_order(value),
        // Absent means `integer` (compared in normal form: lower case).
        "xdm:returnType/xdm:type" => value == "integer",
        _ => false,
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
        Kind::RankingFormula => &[
            "xdm:name",
            "xdm:description",
            "xdm:returnType",
            "xdm:expression",
        ],
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

/// The `@id`s a live instance refers to (placements, rules, tags, filter ids, an activity's
/// placement, filter and fallback, a criterion's ranking formula).
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
        push(criterion.pointer("/xdm:rank/xdm:order/xdm:function"));
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
        "xdm:representations/*/xdm:components/*" => Some(kind::COMPONENT_MEMBERS),
        "xdm:selectionConstraint" => Some(&["xdm:startDate", "xdm:endDate", "xdm:eligibilityRule"]),
        "xdm:rank" => Some(&["xdm:priority"]),
        "xdm:criteria/*/xdm:rank" => Some(&["xdm:priority", "xdm:order"]),
        "xdm:criteria/*/xdm:rank/xdm:order" => Some(&["xdm:orderEvaluationType", "xdm:function"]),
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
        "xdm:condition" | "xdm:expression" => Some(&["xdm:type", "xdm:format", "xdm:value"]),
        "xdm:returnType" => Some(&["xdm:type"]),
        _ => None,
    }
}

mod fields;
mod formula;
mod reverse;
pub use fields::{field_label, field_pointer, ignorable_fields, match_spelling};
pub use reverse::{Namer, from_instance};

#[cfg(test)]
mod tests;
