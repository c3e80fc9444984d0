//! Adobe's manifests in canonical form: which entries each kind has, in which order (the
//! writer itself is the core's [`crate::manifest::emit`]).
//!
//! Keys come in a fixed order per kind (`kind`, `name`, `id`, the kind's fields in the order the
//! README lists them, then `protect`, `dependsOn`, `ignoreChanges` and `extra`); maps of free
//! names (`characteristics`, `extra`, JSON objects inside `extra`) are sorted. Scalars are
//! written plain when every YAML reader (1.2 and 1.1 alike) reads them back as the same text,
//! double-quoted otherwise (`on`, `yes`, `null`, `~`, `0755`, `12:30`, `- x`, `a: b`, leading or
//! trailing spaces, control characters...). Multi-line text (and long PQL, HTML or descriptions)
//! is a literal block scalar whose chomping indicator (`|-`, `|`, `|+`) keeps trailing newlines
//! exactly. Short lists of short scalars are written inline (`tags: [a, b]`), others one item per
//! line.

use super::model::*;
use crate::manifest::emit::Node;
use crate::manifest::{Extra, Spanned};
use crate::providers::adobe::mapping::xcore::{activity_status, offer_status, return_type};

/// The canonical text of one manifest document (ends with a newline).
pub fn document(manifest: &Manifest) -> String {
    let mut out = String::new();
    crate::manifest::emit::write_map(&mut out, &manifest_entries(manifest), 0);
    out
}

/// The top-level entries of a manifest, in canonical order.
pub fn manifest_entries(manifest: &Manifest) -> Vec<(String, Node)> {
    let meta = manifest.meta();
    let mut e = Entries::default();
    e.push("kind", Node::str(manifest.kind().as_str()));
    e.push("name", Node::str(meta.name.value.clone()));
    e.opt("id", &meta.id);
    match manifest {
        Manifest::Tag(t) => e.long_opt("description", &t.description),
        Manifest::Placement(p) => {
            e.push("channel", Node::str(p.channel.value.clone()));
            e.push("componentType", Node::str(p.component_type.value.clone()));
            e.list("contentTypes", &p.content_types);
            e.long_opt("description", &p.description);
        }
        Manifest::Rule(r) => {
            e.long_opt("description", &r.description);
            e.push("condition", Node::long_text(r.condition.value.clone()));
        }
        Manifest::Offer(o) => {
            e.long_opt("description", &o.description);
            e.push("status", Node::str(offer_status(o.status)));
            e.opt("startDate", &o.start_date);
            e.opt("endDate", &o.end_date);
            e.opt("rule", &o.rule);
            if let Some(priority) = &o.priority {
                e.push("priority", Node::Raw(priority.value.to_string()));
            }
            if let Some(cap) = &o.cap {
                let mut c = Entries::default();
                for (key, value) in [("global", &cap.global), ("profile", &cap.profile)] {
                    if let Some(value) = value {
                        c.push(key, Node::Raw(value.value.to_string()));
                    }
                }
                e.push("cap", Node::Map(c.0));
            }
            e.list("tags", &o.tags);
            e.characteristics(&o.characteristics);
            e.representations(&o.representations);
        }
        Manifest::FallbackOffer(o) => {
            e.long_opt("description", &o.description);
            e.push("status", Node::str(offer_status(o.status)));
            e.list("tags", &o.tags);
            e.characteristics(&o.characteristics);
            e.representations(&o.representations);
        }
        Manifest::Filter(f) => {
            e.long_opt("description", &f.description);
            let name = match f.filter_match.value {
                FilterMatch::Offers => "offers",
                FilterMatch::AnyTags => "anyTags",
                FilterMatch::AllTags => "allTags",
            };
            e.push("match", Node::str(name));
            e.list("offers", &f.offers);
            e.list("tags", &f.tags);
        }
        Manifest::RankingFormula(r) => {
            e.long_opt("description", &r.description);
            e.push("formula", Node::long_text(r.formula.value.clone()));
            if let Some(kind) = &r.return_type {
                e.push("returnType", Node::str(return_type(kind.value)));
            }
        }
        Manifest::Activity(a) => {
            e.long_opt("description", &a.description);
            e.push("status", Node::str(activity_status(a.status)));
            e.opt("startDate", &a.start_date);
            e.opt("endDate", &a.end_date);
            match a.criteria.as_slice() {
                // The shorthand says all one simple criterion says: the canonical spelling.
                [only] if only.is_shorthand() => {
                    e.push("placement", Node::str(only.placements[0].value.clone()));
                    e.push("filter", Node::str(only.filter.value.clone()));
                }
                criteria => {
                    let items = criteria.iter().map(criterion).collect();
                    e.push("criteria", Node::Seq(items));
                }
            }
            e.push("fallback", Node::str(a.fallback.value.clone()));
        }
    }
    if meta.protect {
        e.push("protect", Node::Raw("true".into()));
    }
    e.list("dependsOn", &meta.depends_on);
    e.list("ignoreChanges", &meta.ignore_changes);
    e.extra(&meta.extra);
    e.0
}

#[derive(Default)]
struct Entries(Vec<(String, Node)>);

impl Entries {
    fn push(&mut self, key: &str, node: Node) {
        self.0.push((key.to_string(), node));
    }

    fn opt(&mut self, key: &str, value: &Option<Spanned<String>>) {
        if let Some(value) = value {
            self.push(key, Node::str(value.value.clone()));
        }
    }

    fn long_opt(&mut self, key: &str, value: &Option<Spanned<String>>) {
        if let Some(value) = value {
            self.push(key, Node::long_text(value.value.clone()));
        }
    }

    fn list(&mut self, key: &str, values: &[Spanned<String>]) {
        if !values.is_empty() {
            let items = values.iter().map(|v| Node::str(v.value.clone())).collect();
            self.push(key, Node::Seq(items));
        }
    }

    fn characteristics(&mut self, characteristics: &std::collections::BTreeMap<String, String>) {
        if !characteristics.is_empty() {
            let entries = characteristics
                .iter()
                .map(|(k, v)| (k.clone(), Node::str(v.clone())))
                .collect();
            self.push("characteristics", Node::Map(entries));
        }
    }

    fn extra(&mut self, extra: &Extra) {
        if !extra.is_empty() {
            let entries = extra
                .iter()
                .map(|(k, v)| (k.clone(), Node::json(&v.value)))
                .collect();
            self.push("extra", Node::Map(entries));
        }
    }

    fn representations(&mut self, representations: &[Representation]) {
        if representations.is_empty() {
            return;
        }
        let items = representations
            .iter()
            .map(|r| {
                let mut e = Entries::default();
                e.push("placement", Node::str(r.placement.value.clone()));
                e.opt("channel", &r.channel);
                let components = r.components.iter().map(component).collect();
                e.push("components", Node::Seq(components));
                e.extra(&r.extra);
                Node::Map(e.0)
            })
            .collect();
        self.push("representations", Node::Seq(items));
    }
}

fn criterion(c: &Criterion) -> Node {
    let mut e = Entries::default();
    e.list("placements", &c.placements);
    e.push("filter", Node::str(c.filter.value.clone()));
    e.opt("rule", &c.rule);
    if let Some(priority) = &c.priority {
        e.push("priority", Node::Raw(priority.value.to_string()));
    }
    e.opt("rankingFormula", &c.ranking_formula);
    e.extra(&c.extra);
    Node::Map(e.0)
}

fn component(c: &Component) -> Node {
    let mut e = Entries::default();
    e.push("type", Node::str(c.component_type.value.clone()));
    e.opt("format", &c.format);
    e.list("language", &c.language);
    e.long_opt("content", &c.content);
    e.opt("copyline", &c.copyline);
    e.opt("linkURL", &c.link_url);
    e.opt("deliveryURL", &c.delivery_url);
    e.opt("resolveURL", &c.resolve_url);
    e.opt("repoId", &c.repo_id);
    e.opt("repoName", &c.repo_name);
    e.extra(&c.extra);
    Node::Map(e.0)
}
