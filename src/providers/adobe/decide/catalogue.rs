//! The catalogue a decision is made over: Adobe's manifests (the desired catalogue, or the live
//! one mapped back to manifests), indexed by name, with each rule's PQL parsed once.

use std::collections::HashMap;

use super::pql;
use crate::manifest::{Catalog, Document};
use crate::providers::adobe::kind::Kind;
use crate::providers::adobe::manifest::{
    Activity, FallbackOffer, Filter, Manifest, Offer, Placement, RankingFormula, Rule,
};

/// A rule's (or ranking formula's) condition, parsed.
#[derive(Debug)]
pub struct Parsed {
    pub name: String,
    pub text: String,
    pub expr: Result<pql::Expr, pql::ParseError>,
}

impl Parsed {
    fn new(name: &str, text: &str) -> Parsed {
        Parsed {
            name: name.to_string(),
            text: text.to_string(),
            expr: pql::parse(text),
        }
    }
}

/// Adobe's objects by name, and the ids to show for them.
#[derive(Debug, Default)]
pub struct Catalogue {
    pub offers: Vec<Offer>,
    pub fallbacks: HashMap<String, FallbackOffer>,
    pub placements: HashMap<String, Placement>,
    pub filters: HashMap<String, Filter>,
    pub activities: Vec<Activity>,
    pub rules: HashMap<String, Parsed>,
    pub formulas: HashMap<String, Parsed>,
    /// kind → name → the repository's id, when known.
    pub ids: HashMap<Kind, HashMap<String, String>>,
    /// Offers by name → index in `offers`.
    offer_index: HashMap<String, usize>,
    /// Activities by name → index in `activities`.
    activity_index: HashMap<String, usize>,
}

impl Catalogue {
    /// From manifests (a loaded catalog, or the live objects mapped back to manifests).
    /// Objects of other providers are ignored.
    pub fn new<'a>(documents: impl IntoIterator<Item = &'a dyn Document>) -> Catalogue {
        let mut catalogue = Catalogue::default();
        for document in documents {
            let Some(manifest) = document.as_any().downcast_ref::<Manifest>() else {
                continue;
            };
            let kind = manifest.kind();
            let name = &document.meta().name.value;
            if let Some(id) = &document.meta().id {
                catalogue
                    .ids
                    .entry(kind)
                    .or_default()
                    .insert(name.clone(), id.value.clone());
            }
            match manifest {
                Manifest::Offer(offer) => {
                    catalogue
                        .offer_index
                        .insert(name.clone(), catalogue.offers.len());
                    catalogue.offers.push(offer.clone());
                }
                Manifest::FallbackOffer(f) => {
                    catalogue.fallbacks.insert(name.clone(), f.clone());
                }
                Manifest::Placement(p) => {
                    catalogue.placements.insert(name.clone(), p.clone());
                }
                Manifest::Filter(f) => {
                    catalogue.filters.insert(name.clone(), f.clone());
                }
                Manifest::Activity(a) => {
                    catalogue
                        .activity_index
                        .insert(name.clone(), catalogue.activities.len());
                    catalogue.activities.push(a.clone());
                }
                Manifest::Rule(Rule {
                    meta, condition, ..
                }) => {
                    catalogue
                        .rules
                        .insert(name.clone(), Parsed::new(&meta.name, condition));
                }
                Manifest::RankingFormula(RankingFormula { meta, formula, .. }) => {
                    catalogue
                        .formulas
                        .insert(name.clone(), Parsed::new(&meta.name, formula));
                }
                Manifest::Tag(_) => {}
            }
        }
        catalogue
    }

    /// The desired catalogue of loaded manifests.
    pub fn of_catalog(catalog: &Catalog) -> Catalogue {
        Catalogue::new(catalog.objects().iter().map(|o| o.manifest.as_ref()))
    }

    /// Records repository ids (from the live state), so that answers carry them.
    pub fn with_ids(mut self, ids: impl IntoIterator<Item = ((Kind, String), String)>) -> Self {
        for ((kind, name), id) in ids {
            self.ids.entry(kind).or_default().entry(name).or_insert(id);
        }
        self
    }

    /// Every known id, as `with_ids` takes them.
    pub fn known_ids(&self) -> Vec<((Kind, String), String)> {
        self.ids
            .iter()
            .flat_map(|(kind, names)| {
                names
                    .iter()
                    .map(move |(name, id)| ((*kind, name.clone()), id.clone()))
            })
            .collect()
    }

    pub fn offer(&self, name: &str) -> Option<&Offer> {
        self.offer_index.get(name).map(|&i| &self.offers[i])
    }

    pub fn offer_position(&self, name: &str) -> Option<usize> {
        self.offer_index.get(name).copied()
    }

    pub fn activity(&self, name: &str) -> Option<&Activity> {
        self.activity_index.get(name).map(|&i| &self.activities[i])
    }

    /// The id to show for an object: the repository's when known, else its address.
    pub fn id_of(&self, kind: Kind, name: &str) -> String {
        match self.ids.get(&kind).and_then(|names| names.get(name)) {
            Some(id) => id.clone(),
            None => format!("{kind}/{name}"),
        }
    }
}

impl Catalogue {
    /// The live catalogue: the repository's Adobe objects mapped back to manifests (references
    /// by name where the name is unique), with their repository ids. Objects that cannot be
    /// mapped are left out and named in the second value.
    pub fn of_live(live: &crate::live::LiveState) -> (Catalogue, Vec<String>) {
        let ours: Vec<&crate::backend::LiveObject> = live
            .objects
            .iter()
            .filter(|o| o.kind.provider() == crate::providers::adobe::kind::PROVIDER)
            .collect();
        let mut counts: HashMap<(crate::kind::Kind, &str), usize> = HashMap::new();
        for object in &ours {
            *counts.entry((object.kind, object.name())).or_default() += 1;
        }
        let by_id = live.by_id();
        let namer = |kind: crate::kind::Kind, id: &str| match by_id.get(id) {
            Some(target) if target.kind == kind && counts[&(kind, target.name())] == 1 => {
                target.name().to_string()
            }
            _ => id.to_string(),
        };
        let mut documents: Vec<Box<dyn Document>> = Vec::new();
        let mut left_out = Vec::new();
        let mut ids = Vec::new();
        for object in ours {
            let kind = Kind::from_core(object.kind);
            let namer = |kind: Kind, id: &str| namer(kind.core(), id);
            match crate::providers::adobe::mapping::xcore::from_instance(
                kind,
                &object.instance.value(),
                &namer,
            ) {
                Ok(manifest) => {
                    let document: Box<dyn Document> = Box::new(manifest);
                    ids.push(((kind, object.name().to_string()), object.id.clone()));
                    documents.push(document);
                }
                Err(reasons) => left_out.push(format!(
                    "{}/{}: {}",
                    object.kind,
                    object.name(),
                    reasons.join("; ")
                )),
            }
        }
        let catalogue = Catalogue::new(documents.iter().map(|d| d.as_ref())).with_ids(ids);
        (catalogue, left_out)
    }
}
