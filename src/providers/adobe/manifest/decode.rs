//! Decoding Adobe's documents: the fields of each of the eight kinds, on top of the core's
//! decoding toolkit ([`crate::manifest::decode`]), which has already read the common fields.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::model::*;
use crate::diagnostic::{Diagnostic, a, suggest};
use crate::manifest::decode::{Decoder, Fields, quoted};
use crate::manifest::{Meta, Reference, Spanned};
use crate::providers::adobe::kind::{Kind, is_literal_id};
use crate::yaml::{Node, Value};

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
const RETURN_TYPES: [(&str, ReturnType); 2] = [
    ("integer", ReturnType::Integer),
    ("double", ReturnType::Double),
];
const FILTER_MATCHES: [(&str, FilterMatch); 3] = [
    ("offers", FilterMatch::Offers),
    ("anyTags", FilterMatch::AnyTags),
    ("allTags", FilterMatch::AllTags),
];

impl Decoder<'_> {
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
        if let Some(condition) = &condition {
            self.check_pql(condition, "condition");
        }
        Some(Manifest::Rule(Rule {
            meta: meta?,
            description,
            condition: condition?,
        }))
    }

    /// Warns (never fails: Adobe's compiler is the judge) when offline decisions cannot use a
    /// PQL text: it does not parse, or uses something outside the subset offerctl evaluates.
    fn check_pql(&mut self, text: &Spanned<String>, field: &str) {
        use crate::providers::adobe::decide::pql;
        let (code, position, message) = match pql::parse(&text.value) {
            Err(error) => ("pql-unparsed", error.line_col(&text.value), error.message),
            Ok(expr) => match pql::within_subset(&expr) {
                Ok(()) => return,
                Err(outside) => {
                    let at = pql::ParseError::at(outside.span, "").line_col(&text.value);
                    ("pql-unevaluable", at, outside.reason)
                }
            },
        };
        let (line, column) = position;
        self.report(
            Diagnostic::warning(
                code,
                format!("offerctl cannot evaluate this {field} offline (line {line}, column {column} of it): {message}"),
            )
            .with_label(text.loc, "`offerctl simulate` and `offerctl test` report it as unevaluable")
            .with_help("Adobe's decisioning service is the judge of its PQL; this is only a warning"),
        );
    }

    fn ranking_formula(&mut self, f: &mut Fields<'_>, meta: Option<Meta>) -> Option<Manifest> {
        let description = f
            .get("description")
            .and_then(|n| self.text(n, "description"));
        let formula = f
            .required(self, "formula", "RankingFormula")
            .and_then(|n| self.non_empty_text(n, "formula"));
        if let Some(formula) = &formula {
            self.check_pql(formula, "formula");
        }
        let return_type = f
            .get("returnType")
            .and_then(|n| self.choice(n, "returnType", &RETURN_TYPES));
        Some(Manifest::RankingFormula(RankingFormula {
            meta: meta?,
            description,
            formula: formula?,
            return_type,
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
        let before = self.reported();
        let offers = self.references(f, "offers");
        let tags = self.references(f, "tags");
        // A list that is not one (`tags: credit card`) is reported as such, not also as empty.
        let read_as_written = self.reported() == before;
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
            if used.is_empty() && unused.is_empty() && read_as_written {
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
                        ranking_formula: None,
                        extra: Default::default(),
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
        let ranking_formula = f
            .get("rankingFormula")
            .and_then(|n| self.non_empty_text(n, "rankingFormula"));
        let extra = self.extra(&mut f);
        f.finish(self, "criterion");
        if placements.is_empty() {
            return None;
        }
        Some(Criterion {
            placements,
            filter: filter?,
            rule,
            priority,
            ranking_formula,
            extra,
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
        let Some(node) = f.get("representations") else {
            return Vec::new();
        };
        let items = self.list(node, "representations");
        // Sized up front: a growing vector of these large structs keeps spare capacity (for
        // 10,000 offers, some 20 MB) for the life of the catalog.
        let mut out: Vec<Representation> = Vec::with_capacity(items.len());
        for item in items {
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
            let items = self.list(list, "components");
            components.reserve_exact(items.len());
            for item in items {
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
}

fn match_name(m: FilterMatch) -> &'static str {
    FILTER_MATCHES
        .iter()
        .find(|(_, v)| *v == m)
        .map_or("", |(name, _)| name)
}

/// The fields of one of Adobe's kinds, after the common ones.
pub fn body(
    decoder: &mut Decoder<'_>,
    kind: Kind,
    fields: &mut Fields<'_>,
    meta: Option<Meta>,
) -> Option<Manifest> {
    match kind {
        Kind::Tag => {
            let description = fields
                .get("description")
                .and_then(|n| decoder.text(n, "description"));
            meta.map(|meta| Manifest::Tag(Tag { meta, description }))
        }
        Kind::Placement => decoder.placement(fields, meta),
        Kind::Rule => decoder.rule(fields, meta),
        Kind::Offer => decoder.offer(fields, meta),
        Kind::FallbackOffer => decoder.fallback_offer(fields, meta),
        Kind::Filter => decoder.filter(fields, meta),
        Kind::RankingFormula => decoder.ranking_formula(fields, meta),
        Kind::Activity => decoder.activity(fields, meta),
    }
}

/// Whether `id` can pin an object of `kind`: an id of that kind (`xcore:<type>:<hex>`).
pub fn check_pinned_id(decoder: &mut Decoder<'_>, kind: Kind, id: &Spanned<String>) -> bool {
    let well_formed = is_literal_id(&id.value) && id.value.split(':').count() == 3;
    if !well_formed {
        decoder.report(
            Diagnostic::error("bad-id", format!("`{}` is not a repository id", id.value))
                .with_label(id.loc, "expected `xcore:<type>:<hex>`")
                .with_help(format!(
                    "ids look like `xcore:{}:124e147572cd7866`; copy it from the repository",
                    kind.short_name()
                )),
        );
        return false;
    }
    if Kind::from_id(&id.value) != Some(kind) {
        decoder.report(
            Diagnostic::error(
                "bad-id",
                format!("`{}` is not the id of {}", id.value, a(kind.description())),
            )
            .with_label(
                id.loc,
                format!("expected `xcore:{}:...`", kind.short_name()),
            ),
        );
        return false;
    }
    true
}

/// Checks that need the whole decoded document: `extra` keys that clash with fields.
pub fn check_decoded(decoder: &mut Decoder<'_>, manifest: &Manifest) {
    for problem in crate::providers::adobe::mapping::xcore::extra_problems(manifest) {
        decoder.report(
            Diagnostic::error("bad-extra", problem.message)
                .with_label(problem.loc, problem.label)
                .with_help(problem.help),
        );
    }
}
