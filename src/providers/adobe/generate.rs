//! Synthetic catalogues for benchmarks and demos: realistic proportions, valid by construction,
//! deterministic from a seed. Pure: returns file names and texts; the command writes them.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How many objects of each kind a catalogue of `total` objects has: roughly the shape of a
/// real sandbox, where offers dominate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    pub tags: usize,
    pub placements: usize,
    pub rules: usize,
    pub offers: usize,
    pub fallbacks: usize,
    pub filters: usize,
    pub activities: usize,
}

impl Shape {
    pub fn for_total(total: usize) -> Shape {
        let share = |percent: usize| (total * percent / 100).max(1);
        let mut shape = Shape {
            tags: share(5),
            placements: share(2),
            rules: share(7),
            offers: 0,
            fallbacks: share(2),
            filters: share(8),
            activities: share(6),
        };
        shape.offers = total.saturating_sub(shape.total()).max(1);
        shape
    }

    pub fn total(&self) -> usize {
        self.tags
            + self.placements
            + self.rules
            + self.offers
            + self.fallbacks
            + self.filters
            + self.activities
    }
}

const CHANNELS: [(&str, &str); 4] = [
    ("web", "imagelink"),
    ("email", "html"),
    ("mobile", "json"),
    ("offline", "text"),
];
const OFFERS_PER_FILE: usize = 1000;

/// The files of a catalogue of about `total` objects: `(relative path, YAML text)`.
pub fn catalogue(total: usize, seed: u64) -> Vec<(String, String)> {
    let shape = Shape::for_total(total);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut files = Vec::new();

    let tags: Vec<String> = numbered("tag", shape.tags, 5);
    files.push((
        "tags.yaml".into(),
        documents(tags.iter().map(|t| format!("kind: Tag\nname: {t}\n"))),
    ));

    let placements: Vec<String> = numbered("placement", shape.placements, 4);
    let component_of = |p: usize| CHANNELS[p % CHANNELS.len()].1;
    files.push((
        "placements.yaml".into(),
        documents(placements.iter().enumerate().map(|(i, name)| {
            let (channel, component) = CHANNELS[i % CHANNELS.len()];
            format!("kind: Placement\nname: {name}\nchannel: {channel}\ncomponentType: {component}\ndescription: Synthetic placement {i}\n")
        })),
    ));

    let rules: Vec<String> = numbered("rule", shape.rules, 5);
    files.push((
        "rules.yaml".into(),
        documents(rules.iter().enumerate().map(|(i, name)| {
            format!(
                "kind: Rule\nname: {name}\ncondition: |\n  profile.loyalty.points > {}\n  and profile.homeAddress.countryCode = \"US\"\n",
                i * 10
            )
        })),
    ));

    let offers: Vec<String> = numbered("offer", shape.offers, 6);
    let mut offer_tags: Vec<Vec<usize>> = Vec::with_capacity(shape.offers);
    let mut offer_docs = Vec::with_capacity(shape.offers);
    for (i, name) in offers.iter().enumerate() {
        let mut doc = format!(
            "kind: Offer\nname: {name}\nstatus: approved\npriority: {}\n",
            rng.random_range(0..100)
        );
        if rng.random_bool(0.6) {
            doc.push_str(&format!(
                "rule: {}\n",
                rules[rng.random_range(0..rules.len())]
            ));
        }
        if rng.random_bool(0.3) {
            doc.push_str("startDate: 2026-01-01T00:00:00Z\nendDate: 2027-01-01T00:00:00Z\n");
        }
        if rng.random_bool(0.2) {
            doc.push_str(&format!(
                "cap: {{global: {}, profile: {}}}\n",
                rng.random_range(1000..100_000),
                rng.random_range(1..10)
            ));
        }
        let mut picked: Vec<usize> = (0..rng.random_range(1..=3))
            .map(|_| rng.random_range(0..tags.len()))
            .collect();
        picked.sort_unstable();
        picked.dedup();
        let names: Vec<&str> = picked.iter().map(|&t| tags[t].as_str()).collect();
        doc.push_str(&format!("tags: [{}]\n", names.join(", ")));
        offer_tags.push(picked);
        doc.push_str(&format!(
            "characteristics: {{sku: SKU-{i:06}}}\nrepresentations:\n"
        ));
        let mut used: Vec<usize> = (0..rng.random_range(1..=3))
            .map(|_| rng.random_range(0..placements.len()))
            .collect();
        used.sort_unstable();
        used.dedup();
        for p in used {
            doc.push_str(&representation(
                &placements[p],
                component_of(p),
                &format!("{name} in {}", placements[p]),
            ));
        }
        offer_docs.push(doc);
    }
    for (chunk, docs) in offer_docs.chunks(OFFERS_PER_FILE).enumerate() {
        files.push((
            format!("offers/offers-{chunk:03}.yaml"),
            documents(docs.iter().cloned()),
        ));
    }

    // Fallback j covers placements j, j+n, j+2n...: every placement has one.
    let fallbacks: Vec<String> = numbered("fallback", shape.fallbacks, 4);
    files.push((
        "fallbacks.yaml".into(),
        documents(fallbacks.iter().enumerate().map(|(j, name)| {
            let mut doc =
                format!("kind: FallbackOffer\nname: {name}\nstatus: approved\nrepresentations:\n");
            for p in (j..placements.len()).step_by(fallbacks.len()) {
                doc.push_str(&representation(&placements[p], component_of(p), "Welcome"));
            }
            doc
        })),
    ));

    let filters: Vec<String> = numbered("filter", shape.filters, 5);
    files.push((
        "filters.yaml".into(),
        documents(filters.iter().enumerate().map(|(i, name)| {
            if i % 2 == 0 {
                let listed: Vec<&str> = (0..rng.random_range(5..=20))
                    .map(|_| offers[rng.random_range(0..offers.len())].as_str())
                    .collect();
                let mut listed = listed;
                listed.sort_unstable();
                listed.dedup();
                format!(
                    "kind: Filter\nname: {name}\nmatch: offers\noffers: [{}]\n",
                    listed.join(", ")
                )
            } else {
                let offer = rng.random_range(0..offer_tags.len());
                let selected: Vec<&str> = offer_tags[offer]
                    .iter()
                    .map(|&t| tags[t].as_str())
                    .collect();
                let kind = if i % 4 == 1 { "anyTags" } else { "allTags" };
                format!(
                    "kind: Filter\nname: {name}\nmatch: {kind}\ntags: [{}]\n",
                    selected.join(", ")
                )
            }
        })),
    ));

    files.push((
        "activities.yaml".into(),
        documents((0..shape.activities).map(|i| {
            let p = rng.random_range(0..placements.len());
            let fallback = &fallbacks[p % fallbacks.len()];
            let status = ["draft", "live", "live", "archived"][i % 4];
            format!(
                "kind: Activity\nname: activity {i:05}\nstatus: {status}\nplacement: {}\nfilter: {}\nfallback: {fallback}\n",
                placements[p],
                filters[rng.random_range(0..filters.len())]
            )
        })),
    ));
    files
}

fn representation(placement: &str, component: &str, text: &str) -> String {
    let content = match component {
        "imagelink" => format!(
            "        deliveryURL: https://cdn.example.com/{}.png\n        linkURL: https://www.example.com/\n",
            text.replace(' ', "-")
        ),
        "html" => format!("        format: text/html\n        content: \"<p>{text}</p>\"\n"),
        "json" => format!(
            "        format: application/json\n        content: '{{\"title\": \"{text}\"}}'\n"
        ),
        _ => format!("        copyline: {text}\n"),
    };
    format!(
        "  - placement: {placement}\n    components:\n      - type: {component}\n        language: [en]\n{content}"
    )
}

/// `count` names `noun 0000`, `noun 0001`..., the number written with `digits` digits.
fn numbered(noun: &str, count: usize, digits: usize) -> Vec<String> {
    (0..count).map(|i| format!("{noun} {i:0digits$}")).collect()
}

fn documents(docs: impl Iterator<Item = String>) -> String {
    docs.collect::<Vec<_>>().join("---\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::check;
    use crate::source::{SourceFile, SourceSet};

    #[test]
    fn generated_catalogues_are_valid_deterministic_and_shaped_like_a_sandbox() {
        for total in [60, 1000] {
            let files = catalogue(total, 7);
            assert_eq!(files, catalogue(total, 7), "same seed, same catalogue");
            let mut sources = SourceSet::new();
            for (path, text) in &files {
                sources.add(SourceFile::new(path.clone(), text.clone()));
            }
            let checked = check(&sources, crate::providers::builtin());
            let errors: Vec<_> = checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .take(3)
                .collect();
            assert!(errors.is_empty(), "{errors:?}");
            let objects = checked.catalog.objects().len();
            assert_eq!(objects, Shape::for_total(total).total());
            assert!(
                objects.abs_diff(total) <= total / 50 + 7,
                "{objects} objects for {total}"
            );
            let offers = checked
                .catalog
                .objects()
                .iter()
                .filter(|o| o.kind() == crate::providers::adobe::kind::Kind::Offer.core())
                .count();
            assert!(
                offers * 100 / objects >= 65,
                "offers are {offers} of {objects}"
            );
        }
        assert_ne!(catalogue(100, 1), catalogue(100, 2));
    }
}
