//! Decoding one YAML document into a typed [`Manifest`], reporting every problem local to that
//! document: unknown kinds and fields, missing fields, wrong types, bad enum values, dates, ranges.
//! Problems that need other documents (references, duplicates) are `validate`'s job.

use std::collections::BTreeMap;
use std::ops::Range;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::*;
use crate::diagnostic::{Diagnostic, a, suggest};
use crate::kind::{Kind, is_literal_id};
use crate::source::{FileId, Loc};
use crate::yaml::{Document, Entry, Node, Resolved, Value};

/// Channel shorthands; anything else must be a full URI.
pub const CHANNELS: [&str; 4] = ["web", "email", "mobile", "offline"];
/// Component-type shorthands; anything else must be a full URI.
pub const COMPONENT_TYPES: [&str; 4] = ["imagelink", "text", "html", "json"];

const OFFER_STATUSES: [(&str, OfferStatus); 3] = [
    ("draft", OfferStatus::Draft),
    ("approved", OfferStatus::Approved),
    ("archived", OfferStatus::Archived),
];
const ACTIVITY_STATUSES: [(&str, ActivityStatus); 3] = [
    ("draft", ActivityStatus::Draft),
    ("live", ActivityStatus::Live),
    ("archived", ActivityStatus::Archived),
];
const FILTER_MATCHES: [(&str, FilterMatch); 3] = [
    ("offers", FilterMatch::Offers),
    ("anyTags", FilterMatch::AnyTags),
    ("allTags", FilterMatch::AllTags),
];

/// Decodes the documents of one file, appending problems to `diagnostics`.
pub struct Decoder<'d> {
    file: FileId,
    diagnostics: &'d mut Vec<Diagnostic>,
}

impl<'d> Decoder<'d> {
    pub fn new(file: FileId, diagnostics: &'d mut Vec<Diagnostic>) -> Self {
        Decoder { file, diagnostics }
    }

    fn loc(&self, span: &Range<usize>) -> Loc {
        Loc {
            file: self.file,
            start: span.start,
            end: span.end,
        }
    }

    fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn error_at(&mut self, span: &Range<usize>, code: &'static str, message: String, label: &str) {
        let loc = self.loc(span);
        self.report(Diagnostic::error(code, message).with_label(loc, label));
    }

    /// Decodes one document; `None` when it is too broken to name an object.
    pub fn document(&mut self, document: &Document) -> Option<Object> {
        for (key, first, again) in &document.duplicate_keys {
            let (first, again) = (self.loc(first), self.loc(again));
            self.report(
                Diagnostic::error("duplicate-key", format!("`{key}` is given twice"))
                    .with_label(again, "repeated here")
                    .with_label(first, "first given here")
                    .with_help("YAML keeps only one of them; remove the other"),
            );
        }
        let root = &document.root;
        let Value::Map(entries) = &root.value else {
            let found = root.describe();
            self.error_at(
                &root.span,
                "not-a-manifest",
                format!("a manifest must be a mapping with `kind` and `name`, found {found}"),
                "expected `kind: ...` and `name: ...`",
            );
            return None;
        };
        let mut fields = Fields::new(entries, &root.span);
        let kind = self.kind(&mut fields)?;
        let meta = self.meta(&mut fields, kind);
        let manifest = match kind {
            Kind::Tag => {
                let description = fields
                    .get("description")
                    .and_then(|n| self.text(n, "description"));
                meta.map(|meta| Manifest::Tag(Tag { meta, description }))
            }
            Kind::Placement => self.placement(&mut fields, meta),
            Kind::Rule => self.rule(&mut fields, meta),
            Kind::Offer => self.offer(&mut fields, meta),
            Kind::FallbackOffer => self.fallback_offer(&mut fields, meta),
            Kind::Filter => self.filter(&mut fields, meta),
            Kind::Activity => self.activity(&mut fields, meta),
        };
        fields.finish(self, kind.as_str());
        let manifest = manifest?;
        for problem in crate::mapping::xcore::extra_problems(&manifest) {
            self.report(
                Diagnostic::error("bad-extra", problem.message)
                    .with_label(problem.loc, problem.label)
                    .with_help(problem.help),
            );
        }
        Some(Object {
            manifest,
            loc: self.loc(&root.span),
            disambiguated: false,
        })
    }

    fn kind(&mut self, fields: &mut Fields<'_>) -> Option<Kind> {
        let node = fields.required(self, "kind", "a manifest")?;
        let text = self.text(node, "kind")?;
        if let Ok(kind) = text.value.parse::<Kind>() {
            return Some(kind);
        }
        let names = Kind::ALL.map(Kind::as_str);
        let mut diagnostic =
            Diagnostic::error("unknown-kind", format!("unknown kind `{}`", text.value))
                .with_label(text.loc, "not a kind offerctl knows");
        diagnostic = match suggest(&text.value, names) {
            Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
            None => diagnostic.with_help(format!("kinds are: {}", names.join(", "))),
        };
        self.report(diagnostic);
        None
    }

    fn meta(&mut self, fields: &mut Fields<'_>, kind: Kind) -> Option<Meta> {
        let name = fields
            .required(self, "name", kind.as_str())
            .and_then(|node| self.non_empty_text(node, "name"));
        let id = fields.get("id").and_then(|node| self.pinned_id(node, kind));
        let protect = fields
            .get("protect")
            .and_then(|node| self.boolean(node, "protect"))
            .unwrap_or(false);
        let depends_on = fields
            .get("dependsOn")
            .map(|node| self.depends_on(node))
            .unwrap_or_default();
        let ignore_changes = fields
            .get("ignoreChanges")
            .map(|node| self.ignore_changes(node, kind))
            .unwrap_or_default();
        let extra = self.extra(fields);
        Some(Meta {
            name: name?,
            id,
            protect,
            depends_on,
            ignore_changes,
            extra,
        })
    }

    /// `extra`: repository properties kept verbatim, as JSON. Whether a key clashes with a
    /// modelled field is checked once the whole manifest is decoded.
    fn extra(&mut self, fields: &mut Fields<'_>) -> Extra {
        let mut out = Extra::new();
        let Some(node) = fields.get("extra") else {
            return out;
        };
        let Value::Map(entries) = &node.value else {
            self.expected(
                node,
                "extra",
                "a mapping of repository properties to values",
            );
            return out;
        };
        for entry in entries {
            let loc = self.loc(&entry.key_span);
            if entry.key.is_empty() || entry.key == "@id" {
                self.report(
                    Diagnostic::error(
                        "bad-extra",
                        format!("`extra` cannot set `{}`", entry.key),
                    )
                    .with_label(loc, "not a property offerctl can set")
                    .with_help("`@id` is assigned by the repository; pin the object with `id:` instead"),
                );
                continue;
            }
            out.insert(
                entry.key.clone(),
                Spanned {
                    value: entry.value.to_json(),
                    loc,
                },
            );
        }
        out
    }

    fn pinned_id(&mut self, node: &Node, kind: Kind) -> Option<Spanned<String>> {
        let id = self.text(node, "id")?;
        let well_formed = is_literal_id(&id.value) && id.value.split(':').count() == 3;
        if !well_formed {
            self.report(
                Diagnostic::error("bad-id", format!("`{}` is not a repository id", id.value))
                    .with_label(id.loc, "expected `xcore:<type>:<hex>`")
                    .with_help(format!(
                        "ids look like `xcore:{}:124e147572cd7866`; copy it from the repository",
                        kind.short_name()
                    )),
            );
            return None;
        }
        if Kind::from_id(&id.value) != Some(kind) {
            self.report(
                Diagnostic::error(
                    "bad-id",
                    format!("`{}` is not the id of {}", id.value, a(kind.description())),
                )
                .with_label(
                    id.loc,
                    format!("expected `xcore:{}:...`", kind.short_name()),
                ),
            );
            return None;
        }
        Some(id)
    }

    fn ignore_changes(&mut self, node: &Node, kind: Kind) -> Vec<Spanned<String>> {
        let fields = crate::mapping::xcore::ignorable_fields(kind);
        let mut out = Vec::new();
        for item in self.list(node, "ignoreChanges") {
            let Some(field) = self.text(item, "ignoreChanges") else {
                continue;
            };
            if fields.contains(&field.value.as_str()) {
                out.push(field);
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                "unknown-field",
                format!(
                    "`ignoreChanges` names `{}`, which is not a field of {kind}",
                    field.value
                ),
            )
            .with_label(field.loc, "not a field of this kind");
            diagnostic = match suggest(&field.value, fields.iter().copied()) {
                Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
                None => diagnostic.with_help(format!(
                    "{kind} fields that can be ignored: {}",
                    fields.join(", ")
                )),
            };
            self.report(diagnostic);
        }
        out
    }

    fn depends_on(&mut self, node: &Node) -> Vec<Spanned<String>> {
        let mut out = Vec::new();
        for item in self.list(node, "dependsOn") {
            let Some(entry) = self.text(item, "dependsOn") else {
                continue;
            };
            let kind_ok = entry
                .value
                .split_once('/')
                .is_some_and(|(kind, name)| kind.parse::<Kind>().is_ok() && !name.is_empty());
            if kind_ok {
                out.push(entry);
            } else {
                self.report(
                    Diagnostic::error(
                        "bad-dependency",
                        format!("`{}` does not name an object", entry.value),
                    )
                    .with_label(entry.loc, "expected `Kind/name`")
                    .with_help("write the kind and the name, such as `Offer/Gold card upgrade`"),
                );
            }
        }
        out
    }

    fn placement(&mut self, f: &mut Fields<'_>, meta: Option<Meta>) -> Option<Manifest> {
        let channel = f
            .required(self, "channel", "Placement")
            .and_then(|n| self.shorthand_or_uri(n, "channel", &CHANNELS));
        let component_type = f
            .required(self, "componentType", "Placement")
            .and_then(|n| self.shorthand_or_uri(n, "componentType", &COMPONENT_TYPES));
        let content_types = f
            .get("contentTypes")
            .map(|n| self.media_types(n, "contentTypes"))
            .unwrap_or_default();
        let description = f
            .get("description")
            .and_then(|n| self.text(n, "description"));
        Some(Manifest::Placement(Placement {
            meta: meta?,
            channel: channel?,
            component_type: component_type?,
            content_types,
            description,
        }))
    }

    fn rule(&mut self, f: &mut Fields<'_>, meta: Option<Meta>) -> Option<Manifest> {
        let description = f
            .get("description")
            .and_then(|n| self.text(n, "description"));
        let condition = f
            .required(self, "condition", "Rule")
            .and_then(|n| self.non_empty_text(n, "condition"));
        Some(Manifest::Rule(Rule {
            meta: meta?,
            description,
            condition: condition?,
        }))
    }

    fn offer(&mut self, f: &mut Fields<'_>, meta: Option<Meta>) -> Option<Manifest> {
        let description = f
            .get("description")
            .and_then(|n| self.text(n, "description"));
        let status = self.status(f, &OFFER_STATUSES);
        let (start_date, end_date) = self.date_range(f);
        let rule = f.get("rule").and_then(|n| self.non_empty_text(n, "rule"));
        let priority = self.priority(f);
        let cap = f.get("cap").and_then(|n| self.cap(n));
        let tags = self.references(f, "tags");
        let characteristics = self.characteristics(f);
        let representations = self.representations(f);
        Some(Manifest::Offer(Offer {
            meta: meta?,
            description,
            status,
            start_date,
            end_date,
            rule,
            priority,
            cap,
            tags,
            characteristics,
            representations,
        }))
    }

    fn fallback_offer(&mut self, f: &mut Fields<'_>, meta: Option<Meta>) -> Option<Manifest> {
        for constraint in ["startDate", "endDate", "rule", "priority", "cap"] {
            if let Some(span) = f.take_key_span(constraint) {
                self.report(
                    Diagnostic::error(
                        "not-allowed",
                        format!("a fallback offer cannot have `{constraint}`"),
                    )
                    .with_label(self.loc(&span), "fallback offers have no constraints")
                    .with_help(
                        "fallback offers are always eligible: dates, rule, priority and cap belong on an Offer",
                    ),
                );
            }
        }
        let description = f
            .get("description")
            .and_then(|n| self.text(n, "description"));
        let status = self.status(f, &OFFER_STATUSES);
        let tags = self.references(f, "tags");
        let characteristics = self.characteristics(f);
        let representations = self.representations(f);
        Some(Manifest::FallbackOffer(FallbackOffer {
            meta: meta?,
            description,
            status,
            tags,
            characteristics,
            representations,
        }))
    }

    fn filter(&mut self, f: &mut Fields<'_>, meta: Option<Meta>) -> Option<Manifest> {
        let description = f
            .get("description")
            .and_then(|n| self.text(n, "description"));
        let filter_match = f
            .required(self, "match", "Filter")
            .and_then(|n| self.choice(n, "match", &FILTER_MATCHES));
        let offers = self.references(f, "offers");
        let tags = self.references(f, "tags");
        if let Some(m) = &filter_match {
            let (used, unused, used_name) = match m.value {
                FilterMatch::Offers => (&offers, &tags, "offers"),
                FilterMatch::AnyTags | FilterMatch::AllTags => (&tags, &offers, "tags"),
            };
            if let Some(first) = unused.first() {
                let unused_name = if used_name == "offers" {
                    "tags"
                } else {
                    "offers"
                };
                self.report(
                    Diagnostic::error(
                        "not-allowed",
                        format!(
                            "a filter with `match: {}` does not use `{unused_name}`",
                            match_name(m.value)
                        ),
                    )
                    .with_label(
                        first.loc,
                        format!("ignored with match: {}", match_name(m.value)),
                    )
                    .with_label(m.loc, format!("this selects `{used_name}`"))
                    .with_help(format!("list them under `{used_name}`, or change `match`")),
                );
            }
            if used.is_empty() && unused.is_empty() {
                self.report(
                    Diagnostic::warning(
                        "empty-filter",
                        format!("this filter lists no {used_name}, so it selects no offers"),
                    )
                    .with_label(m.loc, format!("expects a list under `{used_name}`")),
                );
            }
        }
        Some(Manifest::Filter(Filter {
            meta: meta?,
            description,
            filter_match: filter_match?,
            offers,
            tags,
        }))
    }

    fn activity(&mut self, f: &mut Fields<'_>, meta: Option<Meta>) -> Option<Manifest> {
        let description = f
            .get("description")
            .and_then(|n| self.text(n, "description"));
        let status = self.status(f, &ACTIVITY_STATUSES);
        let (start_date, end_date) = self.date_range(f);
        let reference = |this: &mut Self, f: &mut Fields<'_>, field: &'static str| {
            f.required(this, field, "Activity")
                .and_then(|n| this.non_empty_text(n, field))
        };
        let (placement, filter, criteria) = match f.get("criteria") {
            Some(node) => {
                let criteria = self.criteria(node);
                for shorthand in ["placement", "filter"] {
                    if let Some(span) = f.take_key_span(shorthand) {
                        self.report(
                            Diagnostic::error(
                                "not-allowed",
                                format!("an activity with `criteria` cannot also have `{shorthand}`"),
                            )
                            .with_label(self.loc(&span), "written beside `criteria`")
                            .with_help(
                                "`placement` + `filter` is the shorthand for one criterion: move them into a criterion, or drop `criteria`",
                            ),
                        );
                    }
                }
                (None, None, criteria)
            }
            None => {
                let placement = reference(self, f, "placement");
                let filter = reference(self, f, "filter");
                let criteria = match (&placement, &filter) {
                    (Some(placement), Some(filter)) => Some(vec![Criterion {
                        placements: vec![placement.clone()],
                        filter: filter.clone(),
                        rule: None,
                        priority: None,
                    }]),
                    _ => None,
                };
                (placement, filter, criteria)
            }
        };
        let fallback = reference(self, f, "fallback");
        Some(Manifest::Activity(Activity {
            meta: meta?,
            description,
            status,
            start_date,
            end_date,
            placement,
            filter,
            criteria: criteria?,
            fallback: fallback?,
        }))
    }

    /// `priority`, an integer 0 or more.
    fn priority(&mut self, f: &mut Fields<'_>) -> Option<Spanned<i64>> {
        let priority = f.get("priority").and_then(|n| self.integer(n, "priority"));
        if let Some(p) = priority.as_ref().filter(|p| p.value < 0) {
            self.report(
                Diagnostic::error(
                    "out-of-range",
                    format!("priority must be 0 or more, not {}", p.value),
                )
                .with_label(p.loc, "negative priority"),
            );
        }
        priority
    }

    /// The `criteria` list of an activity: at least one, each complete. `None` when any
    /// criterion is broken (the problems are reported).
    fn criteria(&mut self, node: &Node) -> Option<Vec<Criterion>> {
        let items = self.list(node, "criteria");
        if items.is_empty() {
            if matches!(&node.value, Value::Seq(_)) {
                self.expected(node, "criteria", "at least one criterion");
            }
            return None;
        }
        let mut out = Vec::new();
        let mut complete = true;
        for item in items {
            match self.criterion(item) {
                Some(criterion) => out.push(criterion),
                None => complete = false,
            }
        }
        complete.then_some(out)
    }

    fn criterion(&mut self, node: &Node) -> Option<Criterion> {
        let mut f = self.mapping(node, "criterion")?;
        let placements_node = f.required(self, "placements", "criterion");
        let mut placements = Vec::new();
        if let Some(list) = placements_node {
            for item in self.list(list, "placements") {
                let Some(placement) = self.non_empty_text(item, "placements") else {
                    continue;
                };
                if let Some(earlier) = placements
                    .iter()
                    .find(|p: &&Reference| p.value == placement.value)
                {
                    self.report(
                        Diagnostic::error(
                            "duplicate-placement",
                            format!("placement `{}` is listed twice", placement.value),
                        )
                        .with_label(placement.loc, "second time")
                        .with_label(earlier.loc, "first time"),
                    );
                }
                placements.push(placement);
            }
            if matches!(&list.value, Value::Seq(items) if items.is_empty()) {
                self.expected(list, "placements", "at least one placement");
            }
        }
        let filter = f
            .required(self, "filter", "criterion")
            .and_then(|n| self.non_empty_text(n, "filter"));
        let rule = f.get("rule").and_then(|n| self.non_empty_text(n, "rule"));
        let priority = self.priority(&mut f);
        f.finish(self, "criterion");
        if placements.is_empty() {
            return None;
        }
        Some(Criterion {
            placements,
            filter: filter?,
            rule,
            priority,
        })
    }

    fn status<T: Copy + Default>(
        &mut self,
        f: &mut Fields<'_>,
        options: &[(&'static str, T)],
    ) -> T {
        f.get("status")
            .and_then(|n| self.choice(n, "status", options))
            .map(|s| s.value)
            .unwrap_or_default()
    }

    /// `startDate` and `endDate`, each RFC 3339, start not after end.
    fn date_range(
        &mut self,
        f: &mut Fields<'_>,
    ) -> (Option<Spanned<String>>, Option<Spanned<String>>) {
        let start = f.get("startDate").and_then(|n| self.date(n, "startDate"));
        let end = f.get("endDate").and_then(|n| self.date(n, "endDate"));
        if let (Some((start, from)), Some((end, until))) = (&start, &end)
            && from > until
        {
            self.report(
                Diagnostic::error("date-order", "`startDate` is after `endDate`")
                    .with_label(start.loc, "starts here")
                    .with_label(end.loc, "but ends earlier")
                    .with_help("swap the dates, or correct the one that is wrong"),
            );
        }
        (start.map(|s| s.0), end.map(|e| e.0))
    }

    fn date(&mut self, node: &Node, field: &str) -> Option<(Spanned<String>, OffsetDateTime)> {
        let text = self.text(node, field)?;
        match OffsetDateTime::parse(&text.value, &Rfc3339) {
            Ok(when) => Some((text, when)),
            Err(_) => {
                self.report(
                    Diagnostic::error(
                        "bad-date",
                        format!("`{field}` is not an RFC 3339 date-time: `{}`", text.value),
                    )
                    .with_label(text.loc, "expected a date-time with a time zone")
                    .with_help(
                        "write it like `2026-12-01T00:00:00Z` or `2026-12-01T09:00:00+01:00`",
                    ),
                );
                None
            }
        }
    }

    fn cap(&mut self, node: &Node) -> Option<Cap> {
        let mut f = self.mapping(node, "cap")?;
        let mut limit = |this: &mut Self, field: &'static str| {
            let value = f.get(field).and_then(|n| this.integer(n, field))?;
            if value.value < 1 {
                this.report(
                    Diagnostic::error(
                        "out-of-range",
                        format!("a {field} cap must be 1 or more, not {}", value.value),
                    )
                    .with_label(value.loc, "must be at least 1")
                    .with_help("remove the cap to leave the offer uncapped"),
                );
            }
            Some(value)
        };
        let global = limit(self, "global");
        let profile = limit(self, "profile");
        f.finish(self, "cap");
        Some(Cap { global, profile })
    }

    fn characteristics(&mut self, f: &mut Fields<'_>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(node) = f.get("characteristics") else {
            return out;
        };
        let Value::Map(entries) = &node.value else {
            self.expected(node, "characteristics", "a mapping of names to text");
            return out;
        };
        for entry in entries {
            if let Some(value) = self.text(&entry.value, &entry.key) {
                out.insert(entry.key.clone(), value.value);
            }
        }
        out
    }

    fn representations(&mut self, f: &mut Fields<'_>) -> Vec<Representation> {
        let mut out: Vec<Representation> = Vec::new();
        let Some(node) = f.get("representations") else {
            return out;
        };
        for item in self.list(node, "representations") {
            let Some(representation) = self.representation(item) else {
                continue;
            };
            let placement = &representation.placement;
            if let Some(earlier) = out.iter().find(|r| r.placement.value == placement.value) {
                self.report(
                    Diagnostic::error(
                        "duplicate-representation",
                        format!("two representations for placement `{}`", placement.value),
                    )
                    .with_label(placement.loc, "second representation")
                    .with_label(earlier.placement.loc, "first representation")
                    .with_help("an offer has at most one representation per placement; merge their components"),
                );
            }
            out.push(representation);
        }
        out
    }

    fn representation(&mut self, node: &Node) -> Option<Representation> {
        let mut f = self.mapping(node, "representation")?;
        let placement = f
            .required(self, "placement", "representation")
            .and_then(|n| self.non_empty_text(n, "placement"));
        let channel = f
            .get("channel")
            .and_then(|n| self.shorthand_or_uri(n, "channel", &CHANNELS));
        let components_node = f.required(self, "components", "representation");
        let mut components = Vec::new();
        if let Some(list) = components_node {
            for item in self.list(list, "components") {
                components.extend(self.component(item));
            }
            if matches!(&list.value, Value::Seq(items) if items.is_empty()) {
                self.expected(list, "components", "at least one component");
            }
        }
        let extra = self.extra(&mut f);
        f.finish(self, "representation");
        Some(Representation {
            placement: placement?,
            channel,
            components,
            extra,
        })
    }

    fn component(&mut self, node: &Node) -> Option<Component> {
        let mut f = self.mapping(node, "component")?;
        let component_type = f
            .required(self, "type", "component")
            .and_then(|n| self.shorthand_or_uri(n, "type", &COMPONENT_TYPES));
        let format = f.get("format").and_then(|n| self.media_type(n, "format"));
        let language = f
            .get("language")
            .map(|n| self.texts(n, "language"))
            .unwrap_or_default();
        let mut text =
            |this: &mut Self, field: &'static str| f.get(field).and_then(|n| this.text(n, field));
        let content = text(self, "content");
        let copyline = text(self, "copyline");
        let link_url = text(self, "linkURL");
        let delivery_url = text(self, "deliveryURL");
        let resolve_url = text(self, "resolveURL");
        let repo_id = text(self, "repoId");
        let repo_name = text(self, "repoName");
        let extra = self.extra(&mut f);
        f.finish(self, "component");
        Some(Component {
            component_type: component_type?,
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

    fn references(&mut self, f: &mut Fields<'_>, field: &'static str) -> Vec<Reference> {
        let Some(node) = f.get(field) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in self.list(node, field) {
            out.extend(self.non_empty_text(item, field));
        }
        out
    }

    fn mapping<'n>(&mut self, node: &'n Node, what: &str) -> Option<Fields<'n>> {
        match &node.value {
            Value::Map(entries) => Some(Fields::new(entries, &node.span)),
            _ => {
                self.expected(node, what, "a mapping");
                None
            }
        }
    }

    fn list<'n>(&mut self, node: &'n Node, field: &str) -> &'n [Node] {
        match &node.value {
            Value::Seq(items) => items,
            _ => {
                self.expected(node, field, "a list");
                &[]
            }
        }
    }

    fn texts(&mut self, node: &Node, field: &str) -> Vec<Spanned<String>> {
        let mut out = Vec::new();
        for item in self.list(node, field) {
            out.extend(self.text(item, field));
        }
        out
    }

    fn media_types(&mut self, node: &Node, field: &str) -> Vec<Spanned<String>> {
        let mut out = Vec::new();
        for item in self.list(node, field) {
            out.extend(self.media_type(item, field));
        }
        out
    }

    fn media_type(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        let text = self.text(node, field)?;
        let valid = text.value.split_once('/').is_some_and(|(kind, sub)| {
            !kind.is_empty() && !sub.is_empty() && !text.value.contains(char::is_whitespace)
        });
        if !valid {
            self.report(
                Diagnostic::error(
                    "bad-media-type",
                    format!("`{}` is not a media type", text.value),
                )
                .with_label(text.loc, "expected `type/subtype`")
                .with_help("media types look like `image/png` or `text/html`"),
            );
        }
        Some(text)
    }

    /// A value that is one of a few shorthands, or a full URI.
    fn shorthand_or_uri(
        &mut self,
        node: &Node,
        field: &str,
        shorthands: &[&'static str],
    ) -> Option<Spanned<String>> {
        let text = self.non_empty_text(node, field)?;
        if shorthands.contains(&text.value.as_str()) || text.value.contains("://") {
            return Some(text);
        }
        let mut diagnostic = Diagnostic::error(
            "bad-value",
            format!("`{}` is not a known {field}", text.value),
        )
        .with_label(
            text.loc,
            format!(
                "expected one of {}, or a full URI",
                quoted(shorthands).join(", ")
            ),
        );
        if let Some(best) = suggest(&text.value, shorthands.iter().copied()) {
            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
        }
        self.report(diagnostic);
        None
    }

    fn choice<T: Copy>(
        &mut self,
        node: &Node,
        field: &str,
        options: &[(&'static str, T)],
    ) -> Option<Spanned<T>> {
        let text = self.text(node, field)?;
        if let Some((_, value)) = options.iter().find(|(name, _)| *name == text.value) {
            return Some(Spanned {
                value: *value,
                loc: text.loc,
            });
        }
        let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
        let mut diagnostic = Diagnostic::error(
            "bad-value",
            format!("`{}` is not a valid {field}", text.value),
        )
        .with_label(text.loc, format!("expected {}", one_of(&names)));
        if let Some(best) = suggest(&text.value, names.iter().copied()) {
            diagnostic = diagnostic.with_help(format!("did you mean `{best}`?"));
        }
        self.report(diagnostic);
        None
    }

    fn non_empty_text(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        let text = self.text(node, field)?;
        if text.value.trim().is_empty() {
            self.expected(node, field, "non-empty text");
            return None;
        }
        Some(text)
    }

    /// Text as written. Any scalar is accepted verbatim (`on`, `0755` and `12:30` stay exactly
    /// as typed), but not a list, a mapping or nothing.
    fn text(&mut self, node: &Node, field: &str) -> Option<Spanned<String>> {
        match &node.value {
            Value::Scalar(scalar) if scalar.resolve() != Resolved::Null => Some(Spanned {
                value: scalar.text.clone(),
                loc: self.loc(&node.span),
            }),
            _ => {
                self.expected(node, field, "text");
                None
            }
        }
    }

    fn integer(&mut self, node: &Node, field: &str) -> Option<Spanned<i64>> {
        match &node.value {
            Value::Scalar(scalar) => match scalar.resolve() {
                Resolved::Int(value) => Some(Spanned {
                    value,
                    loc: self.loc(&node.span),
                }),
                _ => {
                    self.expected(node, field, "a whole number");
                    None
                }
            },
            _ => {
                self.expected(node, field, "a whole number");
                None
            }
        }
    }

    fn boolean(&mut self, node: &Node, field: &str) -> Option<bool> {
        match &node.value {
            Value::Scalar(scalar) => match scalar.resolve() {
                Resolved::Bool(value) => Some(value),
                _ => {
                    self.report(
                        Diagnostic::error(
                            "wrong-type",
                            format!("`{field}` must be true or false, not `{}`", scalar.text),
                        )
                        .with_label(self.loc(&node.span), "expected true or false")
                        .with_help("YAML 1.2 reads only `true` and `false` as booleans (not yes/no/on/off)"),
                    );
                    None
                }
            },
            _ => {
                self.expected(node, field, "true or false");
                None
            }
        }
    }

    fn expected(&mut self, node: &Node, field: &str, expected: &str) {
        let found = match &node.value {
            Value::Scalar(s) if s.resolve() != Resolved::Null => {
                format!("{} `{}`", node.describe(), s.text)
            }
            _ => node.describe().to_string(),
        };
        let loc = self.loc(&node.span);
        self.report(
            Diagnostic::error(
                "wrong-type",
                format!("`{field}` must be {expected}, found {found}"),
            )
            .with_label(loc, format!("expected {expected}")),
        );
    }
}

fn match_name(m: FilterMatch) -> &'static str {
    FILTER_MATCHES
        .iter()
        .find(|(_, v)| *v == m)
        .map_or("", |(name, _)| name)
}

fn quoted(options: &[&str]) -> Vec<String> {
    options.iter().map(|o| format!("`{o}`")).collect()
}

/// "`a`, `b` or `c`".
fn one_of(options: &[&str]) -> String {
    let quoted = quoted(options);
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// The fields of one YAML mapping, tracking which were read so that the rest can be reported
/// as unknown, with suggestions drawn from the fields that were asked for.
struct Fields<'a> {
    entries: &'a [Entry],
    used: Vec<bool>,
    known: Vec<&'static str>,
    span: Range<usize>,
}

impl<'a> Fields<'a> {
    fn new(entries: &'a [Entry], span: &Range<usize>) -> Self {
        Fields {
            entries,
            used: vec![false; entries.len()],
            known: Vec::new(),
            span: span.clone(),
        }
    }

    fn entry(&mut self, key: &'static str) -> Option<&'a Entry> {
        self.known.push(key);
        // The last occurrence wins, as in YAML loaders; duplicates are reported separately.
        let index = self.entries.iter().rposition(|e| e.key == key)?;
        for (i, entry) in self.entries.iter().enumerate() {
            if entry.key == key {
                self.used[i] = true;
            }
        }
        Some(&self.entries[index])
    }

    /// The value of `key`; a null value counts as absent.
    fn get(&mut self, key: &'static str) -> Option<&'a Node> {
        self.entry(key).map(|e| &e.value).filter(|n| !n.is_null())
    }

    /// Marks `key` as read and returns where the key is written, if present.
    fn take_key_span(&mut self, key: &'static str) -> Option<Range<usize>> {
        self.entry(key).map(|e| e.key_span.clone())
    }

    fn required(
        &mut self,
        decoder: &mut Decoder<'_>,
        key: &'static str,
        owner: &str,
    ) -> Option<&'a Node> {
        if let Some(node) = self.get(key) {
            return Some(node);
        }
        let diagnostic = match self.entries.iter().rfind(|e| e.key == key) {
            Some(entry) => Diagnostic::error("missing-field", format!("`{key}` has no value"))
                .with_label(decoder.loc(&entry.key_span), "give it a value"),
            None => {
                let at = self
                    .entries
                    .first()
                    .map_or(self.span.clone(), |e| e.key_span.clone());
                Diagnostic::error(
                    "missing-field",
                    format!("{owner} is missing required field `{key}`"),
                )
                .with_label(
                    decoder.loc(&at),
                    format!("add `{key}: ...` to this mapping"),
                )
            }
        };
        decoder.report(diagnostic);
        None
    }

    /// Reports the fields nobody asked for.
    fn finish(self, decoder: &mut Decoder<'_>, owner: &str) {
        for (entry, used) in self.entries.iter().zip(&self.used) {
            if *used || entry.key == "kind" {
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                "unknown-field",
                format!("unknown field `{}` in {owner}", entry.key),
            )
            .with_label(decoder.loc(&entry.key_span), "not a field here");
            diagnostic = match suggest(&entry.key, self.known.iter().copied()) {
                Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
                None => {
                    diagnostic.with_help(format!("{owner} fields are: {}", self.known.join(", ")))
                }
            };
            decoder.report(diagnostic);
        }
    }
}
