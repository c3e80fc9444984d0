//! A generated catalogue that looks like one built in the product UI, of any size: every kind,
//! every field, long PQL and HTML, preview thumbnails, rules with segment models, activities
//! with `xdm:criteria`, a few offers sharing a name. Deterministic for a given size. Used by the
//! export tests and by `benches/export.rs` (the 10,000-object benchmark).
#![allow(dead_code)]

use offerctl::backend::Backend;
use offerctl::providers::adobe::kind::Kind;
use serde_json::{Value, json};

const CHANNELS: [&str; 4] = ["web", "email", "mobile", "offline"];
const TYPES: [&str; 4] = ["imagelink", "html", "text", "json"];
const WORDS: [&str; 12] = [
    "credit card",
    "travel",
    "loyalty",
    "black friday",
    "on",
    "0755",
    "Spring: sale",
    "upgrade",
    "lounge",
    "# hashtag",
    "newsletter",
    "crème brûlée",
];

/// How many objects of each kind a catalogue of `total` objects has (proportions of a large
/// real catalogue: mostly offers).
pub fn counts(total: usize) -> [(Kind, usize); 7] {
    let part = |per_mille: usize| (total * per_mille / 1000).max(1);
    let tags = part(20);
    let placements = part(10);
    let rules = part(40);
    let fallbacks = part(20).max(placements);
    let filters = part(30);
    let activities = part(80);
    let offers = total.saturating_sub(tags + placements + rules + fallbacks + filters + activities);
    [
        (Kind::Tag, tags),
        (Kind::Placement, placements),
        (Kind::Rule, rules),
        (Kind::Offer, offers.max(1)),
        (Kind::FallbackOffer, fallbacks),
        (Kind::Filter, filters),
        (Kind::Activity, activities),
    ]
}

/// A small deterministic generator (xorshift), so the catalogue is the same on every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn channel(i: usize) -> String {
    format!("https://ns.adobe.com/xdm/channel-types/{}", CHANNELS[i % 4])
}

fn component_type(t: &str) -> String {
    format!("https://ns.adobe.com/experience/offer-management/content-component-{t}")
}

/// Creates the catalogue through `backend`; returns how many objects were created.
pub async fn generate(backend: &dyn Backend, total: usize) -> usize {
    let counts = counts(total);
    let count = |kind: Kind| counts.iter().find(|(k, _)| *k == kind).unwrap().1;
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let mut created = 0;
    let mut create = async |kind: Kind, instance: Value| -> String {
        created += 1;
        backend
            .create(kind.core(), &instance)
            .await
            .unwrap_or_else(|e| panic!("creating {kind} {instance}: {e}"))
            .id
    };

    let mut tags = Vec::new();
    for i in 0..count(Kind::Tag) {
        let name = format!("{} {i}", WORDS[i % WORDS.len()]);
        tags.push(create(Kind::Tag, json!({"xdm:name": name})).await);
    }
    let mut placements = Vec::new();
    for i in 0..count(Kind::Placement) {
        let t = TYPES[i % 4];
        let mut p = json!({"xdm:name": format!("Placement {i}: {} {t}", CHANNELS[i % 4]),
                           "xdm:channel": channel(i), "xdm:componentType": component_type(t)});
        if t == "imagelink" {
            p["xdm:contentTypes"] = json!(["image/png", "image/jpeg"]);
        }
        if i % 3 == 0 {
            p["xdm:description"] = json!(format!(
                "Placeholder {i}.\nTechnical constraints: max width 530dpi, aspect ratio 12:5.\nNo magenta, please!\n"
            ));
        }
        placements.push(create(Kind::Placement, p).await);
    }
    let mut rules = Vec::new();
    for i in 0..count(Kind::Rule) {
        let mut r = json!({"xdm:name": format!("Rule {i}"),
            "xdm:condition": {"xdm:type": "PQL", "xdm:format": "pql/text",
                "xdm:value": format!("profile.creditScore >= {}\nand profile.homeAddress.countryCode = \"US\"\nand (select e from xEvent where e.type = \"flight\" and (e.timestamp occurs <= 6 months before now).count() > {})", 500 + i % 300, i % 5)}});
        if i % 2 == 0 {
            r["xdm:description"] = json!(format!("Created in the UI for campaign {}", i / 10));
            r["xdm:definedOn"] = json!({"profile": {"xdm:schema": {"$ref": "https://ns.adobe.com/xdm/context/profile_union", "version": "1"},
                                                   "xdm:referencePaths": ["creditScore", "homeAddress.countryCode"]}});
            r["offerui:segmentModel"] = json!({"type": "group", "operator": "and",
                "items": [{"path": "creditScore", "op": ">=", "value": 500 + i % 300}, {"path": "homeAddress.countryCode", "op": "=", "value": "US"}]});
        }
        rules.push(create(Kind::Rule, r).await);
    }
    let representations = |dice: &mut Dice, first: usize, how_many: usize| -> Value {
        let reps: Vec<Value> = (0..how_many)
            .map(|k| {
                let p = (first + k) % placements.len();
                let t = TYPES[p % 4];
                let mut c = json!({"@type": component_type(t), "dc:language": ["en"]});
                match t {
                    "imagelink" => {
                        c["dc:format"] = json!("image/png");
                        c["xdm:deliveryURL"] = json!(format!(
                            "https://cdn.example.com/o/{}.png",
                            dice.next() % 100_000
                        ));
                        c["xdm:linkURL"] = json!("https://www.example.com/offers?from=kiosk#top");
                        c["offerui:previewThumbnail"] = json!(format!(
                            "https://cdn.example.com/t/{}.png",
                            dice.next() % 1000
                        ));
                    }
                    "html" => {
                        c["dc:format"] = json!("text/html");
                        c["xdm:content"] = json!(
                            "<h1>Offer</h1>\n<p>No annual fee, 2% back on every flight.</p>\n"
                        );
                        c["offerui:previewThumbnail"] =
                            json!({"href": "https://cdn.example.com/h.png", "width": 120});
                    }
                    "text" => {
                        c["dc:format"] = json!("text/plain");
                        c["xdm:copyline"] =
                            json!("You qualify for a complimentary upgrade: today only!");
                    }
                    _ => {
                        c["dc:format"] = json!("application/json");
                        c["xdm:content"] = json!(
                            "{\"title\": \"Relax before you fly\", \"cta\": \"Get your pass\"}"
                        );
                    }
                }
                json!({"xdm:placement": placements[p], "xdm:components": [c]})
            })
            .collect();
        Value::Array(reps)
    };
    let mut offers = Vec::new();
    let mut last_name = String::new();
    for i in 0..count(Kind::Offer) {
        // Now and then the UI gets two offers with one name.
        let name = if i % 500 == 499 {
            last_name.clone()
        } else {
            format!("Offer {i} {}", WORDS[i % WORDS.len()])
        };
        last_name = name.clone();
        let reps = 1 + dice.below(3.min(placements.len()));
        let first = dice.below(placements.len());
        let mut o = json!({"xdm:name": name, "xdm:status": (["draft", "approved", "archived"][i % 3]),
                           "xdm:representations": representations(&mut dice, first, reps)});
        if dice.chance(70) {
            o["xdm:selectionConstraint"] = json!({"xdm:startDate": "2026-01-01T00:00:00Z", "xdm:endDate": "2027-06-30T23:59:59Z",
                "xdm:eligibilityRule": rules[dice.below(rules.len())]});
        }
        o["xdm:rank"] = json!({"xdm:priority": i % 100});
        if dice.chance(30) {
            o["xdm:cappingConstraint"] =
                json!({"xdm:globalCap": 1000 + i, "xdm:profileCap": 1 + i % 5});
        }
        let tag_count = dice.below(4);
        let picked: Vec<&String> = (0..tag_count)
            .map(|k| &tags[(i + k * 7) % tags.len()])
            .collect();
        if !picked.is_empty() {
            let mut picked: Vec<&String> = picked;
            picked.dedup();
            o["xdm:tags"] = json!(picked);
        }
        if dice.chance(40) {
            o["xdm:characteristics"] =
                json!({"issuer": "ABC Bank", "annualFee": "0", "tier": WORDS[i % WORDS.len()]});
        }
        offers.push(create(Kind::Offer, o).await);
    }
    // Fallback i covers placements i and i + 1, so every placement has one.
    let mut fallbacks = Vec::new();
    for i in 0..count(Kind::FallbackOffer) {
        let f = json!({"xdm:name": format!("Fallback {i}"), "xdm:status": "approved",
                       "xdm:representations": representations(&mut dice, i, 2.min(placements.len()))});
        fallbacks.push(create(Kind::FallbackOffer, f).await);
    }
    let mut filters = Vec::new();
    for i in 0..count(Kind::Filter) {
        let f = match i % 3 {
            0 => json!({"xdm:name": format!("Filter {i}"), "xdm:filterType": "offers",
                        "ids": (0..5).map(|k| offers[(i * 13 + k) % offers.len()].clone()).collect::<Vec<_>>()}),
            1 => json!({"xdm:name": format!("Filter {i}"), "xdm:filterType": "anyTags",
                        "ids": [tags[i % tags.len()], tags[(i + 1) % tags.len()]]}),
            _ => json!({"xdm:name": format!("Filter {i}"), "xdm:filterType": "allTags",
                        "xdm:ids": [tags[i % tags.len()]]}),
        };
        let mut f = f;
        if let Some(ids) = f.get_mut("ids").and_then(Value::as_array_mut) {
            ids.dedup();
        }
        filters.push(create(Kind::Filter, f).await);
    }
    for i in 0..count(Kind::Activity) {
        let p = i % placements.len();
        let mut a = json!({"xdm:name": format!("Activity {i}"), "xdm:status": (["draft", "live", "archived"][i % 3]),
            "xdm:placement": placements[p], "xdm:filter": filters[i % filters.len()], "xdm:fallback": fallbacks[p]});
        if i % 2 == 0 {
            a["xdm:startDate"] = json!("2026-03-01T05:59:59.999Z");
            a["xdm:endDate"] = json!("2026-12-27T00:00:00.000Z");
        }
        if i % 5 == 0 {
            a["xdm:criteria"] = json!([{"xdm:placements": [placements[p]],
                                        "xdm:optionSelection": {"xdm:filter": filters[i % filters.len()]}}]);
        }
        create(Kind::Activity, a).await;
    }
    created
}
