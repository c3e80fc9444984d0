//! What customers see of an offer or a fallback offer: each representation's components
//! (images at their delivery URL, HTML, text, JSON), labelled by placement and format.

use serde_json::Value;

use super::kind::Kind;
use crate::preview::{Block, Lookup, short_name};

/// The last part of a component type URI (`…/content-component-html` → `html`).
const COMPONENT_TYPE_PREFIX: &str = "content-component-";

/// The first of `keys` the object has (the XCore spelling first, then the DPS one).
fn member<'v>(object: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().find_map(|k| object.get(*k))
}

fn text<'v>(object: &'v Value, keys: &[&str]) -> Option<&'v str> {
    member(object, keys)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The blocks of an offer document; nothing for other kinds.
pub fn blocks(kind: Kind, document: &Value, lookup: &dyn Lookup) -> Vec<Block> {
    if !matches!(kind, Kind::Offer | Kind::FallbackOffer) {
        return Vec::new();
    }
    let representations = member(document, &["xdm:representations", "representations"])
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let mut out = Vec::new();
    for representation in representations {
        let placement = text(representation, &["xdm:placement", "placement"])
            .map_or_else(|| "no placement".to_string(), |id| short_name(lookup, id));
        let components = member(representation, &["xdm:components", "components"])
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for (index, component) in components.iter().enumerate() {
            out.extend(component_block(&placement, index, component));
        }
    }
    out
}

/// A component as customers get it: the label names the placement, the component's type,
/// format and languages (and its position, when the representation has several).
fn component_block(placement: &str, index: usize, component: &Value) -> Option<Block> {
    let component_type = text(component, &["@type", "type"])
        .map(|t| t.rsplit(COMPONENT_TYPE_PREFIX).next().unwrap_or(t))
        .unwrap_or("component");
    let format = text(component, &["dc:format", "format"]).unwrap_or_default();
    let languages: Vec<&str> = member(component, &["dc:language", "language"])
        .and_then(Value::as_array)
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut label = format!("{placement} · {component_type}");
    if index > 0 {
        label.push_str(&format!(" #{}", index + 1));
    }
    if !format.is_empty() {
        label.push_str(&format!(" ({format})"));
    }
    if !languages.is_empty() {
        label.push_str(&format!(" [{}]", languages.join(", ")));
    }
    let content = text(component, &["xdm:content", "content"]);
    let delivery = text(component, &["xdm:deliveryURL", "deliveryURL"]);
    let link = text(component, &["xdm:linkURL", "linkURL"]).map(str::to_string);
    let is_image = component_type == "imagelink" || format.starts_with("image/");
    Some(match (component_type, content, delivery) {
        (_, _, Some(url)) if is_image => Block::Image {
            label,
            url: url.to_string(),
            link,
        },
        ("html", Some(html), _) => Block::Html {
            label,
            html: html.to_string(),
        },
        ("json", Some(json), _) => Block::Data {
            label,
            value: serde_json::from_str(json).unwrap_or_else(|_| Value::String(json.into())),
        },
        (_, Some(content), _) => Block::Text {
            label,
            text: content.to_string(),
        },
        (_, None, Some(url)) => Block::Text {
            label,
            text: format!("delivered from {url}"),
        },
        (_, None, None) => Block::Text {
            label,
            text: text(component, &["xdm:copyline", "copyline"])?.to_string(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    struct Names;
    impl Lookup for Names {
        fn name(&self, id: &str) -> Option<String> {
            (id == "xcore:offer-placement:1").then(|| "Placement/Kiosk banner".to_string())
        }
        fn document(&self, _id: &str) -> Option<std::borrow::Cow<'_, Value>> {
            None
        }
    }

    #[test]
    fn components_become_images_html_text_and_data() {
        let offer = json!({"xdm:representations": [
            {"xdm:placement": "xcore:offer-placement:1", "xdm:components": [
                {"@type": "https://ns.adobe.com/experience/offer-management/content-component-imagelink",
                 "dc:format": "image/png", "dc:language": ["en"],
                 "xdm:deliveryURL": "https://cdn.example.com/a.png", "xdm:linkURL": "https://example.com/"}]},
            {"xdm:placement": "xcore:offer-placement:2", "xdm:components": [
                {"@type": "https://ns.adobe.com/experience/offer-management/content-component-html",
                 "xdm:content": "<p>Hi</p>"},
                {"@type": "https://ns.adobe.com/experience/offer-management/content-component-json",
                 "xdm:content": "{\"a\": 1}"},
                {"@type": "https://ns.adobe.com/experience/offer-management/content-component-text",
                 "xdm:copyline": "Thanks"}]}
        ]});
        let blocks = blocks(Kind::Offer, &offer, &Names);
        assert_eq!(
            blocks[0],
            Block::Image {
                label: "Kiosk banner · imagelink (image/png) [en]".into(),
                url: "https://cdn.example.com/a.png".into(),
                link: Some("https://example.com/".into()),
            }
        );
        assert_eq!(
            blocks[1],
            Block::Html {
                label: "xcore:offer-placement:2 · html".into(),
                html: "<p>Hi</p>".into()
            }
        );
        assert_eq!(
            blocks[2],
            Block::Data {
                label: "xcore:offer-placement:2 · json #2".into(),
                value: json!({"a": 1})
            }
        );
        assert_eq!(
            blocks[3],
            Block::Text {
                label: "xcore:offer-placement:2 · text #3".into(),
                text: "Thanks".into()
            }
        );
        assert!(super::blocks(Kind::Tag, &offer, &Names).is_empty());
    }
}
