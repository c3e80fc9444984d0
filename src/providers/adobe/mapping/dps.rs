//! The canonical `_instance` document (XCore spelling, see [`super::xcore`]) ↔ the body of the
//! newer Decision Management ("DPS") API under `/data/core/dps` (reference §2). Pure functions,
//! no I/O: the emulator's DPS facade and the DPS client both use them.
//!
//! # Rules
//!
//! One table per kind (below, `TAG` … `ACTIVITY`) renames keys; each entry also says how the
//! value maps (verbatim, a nested table, an array of nested tables, or a value translation).
//!
//! * **Renames.** `xdm:name` ↔ `name`, `xdm:description` ↔ `description`, `xdm:status` ↔ `status`
//!   and so on: the DPS name is the XCore name without its `xdm:`/`dc:` prefix, as the reference's
//!   examples show. Component `@type` ↔ `type`, `dc:format` ↔ `format`, `dc:language` ↔
//!   `language`. `@id` ↔ `id` at the top level only.
//! * **Component types.** Placement `componentType` and component `type` are short tokens in
//!   DPS (`html`, `imagelink`, `text`, `json`) and URIs in XCore
//!   (`https://ns.adobe.com/experience/offer-management/content-component-<token>`). Only those
//!   four are translated. Any other URI or token passes through unchanged. A *component's*
//!   text type is written `component-text`, the only spelling Adobe's fallback-offer pages
//!   (create and list) show for it (reference §2.3), so that the documented body reads back
//!   unchanged; `text` and `content-component-text` are read as the same type. A placement's
//!   `componentType` keeps the short `text` (no DPS example shows another). A canonical document
//!   that holds a bare token where XCore has a URI comes back with the URI.
//! * **Filter types.** `any-tags` ↔ `anyTags`, `all-tags` ↔ `allTags`, `offers` ↔ `offers`.
//!   Other values pass through. The id list is `ids` on both sides (seed 002). A canonical
//!   `xdm:ids` (newer XCore spelling) is also sent as `ids`, so it reads back as `ids`.
//! * **Offer `selectionConstraint.profileConstraintType`.** DPS requires it. [`to_dps`] adds
//!   `"eligibilityRule"` when the constraint names a rule and `"none"` otherwise. [`from_dps`]
//!   drops it when it equals that implied value, and otherwise keeps it as
//!   `xdm:profileConstraintType`. So canonical → DPS → canonical is the identity, except for a
//!   canonical document that spells out the implied value itself (it is dropped).
//! * **Decisions (activities).** The canonical flat form (`xdm:placement`, `xdm:filter`, as
//!   offerctl writes it) becomes one DPS criterion `{"placements": [p], "optionSelection":
//!   {"filter": f}}`. The canonical criteria form `xdm:criteria` maps key by key
//!   (`xdm:placements`, `xdm:optionSelection.xdm:filter`, `xdm:profileConstraint.{
//!   xdm:profileConstraintType, xdm:eligibilityRule}`, `xdm:rank`). Inside a criterion's `rank`
//!   every key maps by adding or removing the `xdm:` prefix, at any depth (`order`,
//!   `orderEvaluationType`, `rankingStrategy`, ...). [`from_dps`] returns the flat form when
//!   there is exactly one criterion with exactly one placement and a filter, no rank, and no
//!   profile constraint other than `{"profileConstraintType": "none"}`; otherwise it returns
//!   `xdm:criteria` as they came (a neutral `{type: none}` included: the diff rules treat it as
//!   absent).
//! * **Ranking formulas.** `name`, `description`, `returnType.type` and
//!   `expression.{type,format,value}` map by prefix like a rule's condition; the DPS reads
//!   `returnType.type` upper-cased (`INTEGER`) and the mapping keeps it as it came (the diff
//!   matches the two spellings, see [`super::xcore::match_spelling`]). A criterion's
//!   `rank.order = {orderEvaluationType: scoringFunction, function}` maps by prefix like any
//!   other `rank` member.
//! * **Pass-through.** Keys that are not in the table are kept unchanged in both directions
//!   (`labels`, `definedOn`, `itemCount`, `frequencyCappingConstraints`,
//!   `offerui:previewThumbnail`, `repo:*`, characteristic names, ...). Values of unmodelled
//!   keys are copied verbatim. A value of the wrong JSON type under a modelled key is copied
//!   verbatim too; validation reports it.
//! * **Collisions.** A pass-through key that is the *other* side's spelling of a table entry
//!   (a canonical `name`, a DPS `xdm:name`), or a canonical key that is DPS metadata (`etag`,
//!   `id`, ...), or two input keys that map to the same output key (`xdm:ids` and `ids`; flat
//!   `xdm:placement` with `xdm:criteria`) are rejected with a [`MappingError`] naming the input
//!   pointer. They could not survive a round trip.
//! * **Metadata.** [`from_dps`] drops the server-maintained keys in [`METADATA`]; [`to_dps`]
//!   emits none (only `id`, when the canonical document has `@id`).

use std::fmt;

use serde_json::{Map, Value};

use crate::diff::Op;
use crate::live::compact;
use crate::providers::adobe::kind::Kind;

const COMPONENT_BASE: &str = "https://ns.adobe.com/experience/offer-management/content-component-";
const COMPONENT_TOKENS: &[&str] = &["html", "imagelink", "text", "json"];
/// The DPS spelling of a text component's type (fallback-offers/create.md, fallback-list.md).
const TEXT_COMPONENT: &str = "component-text";

/// A document that cannot be mapped; `pointer` locates the problem in the *input* document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub pointer: String,
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

impl std::error::Error for MappingError {}

fn error(pointer: &str, message: impl Into<String>) -> MappingError {
    MappingError {
        pointer: pointer.to_string(),
        message: message.into(),
    }
}

/// Server-maintained keys of a DPS document (`id` is handled separately).
pub const METADATA: &[&str] = &[
    "etag",
    "created",
    "modified",
    "createdDate",
    "lastModifiedDate",
    "createdBy",
    "lastModifiedBy",
    "createdByClientId",
    "lastModifiedByClientId",
    "schemas",
    "sandboxId",
    "datasetId",
    "imsOrgId",
    "_links",
];

/// Where each kind lives: (collection path under `/data/core/dps`, `offer-type` query value).
pub fn resource(kind: Kind) -> (&'static str, Option<&'static str>) {
    match kind {
        Kind::Offer => ("/offers", Some("personalized")),
        Kind::FallbackOffer => ("/offers", Some("fallback")),
        Kind::Placement => ("/placements", None),
        Kind::Tag => ("/tags", None),
        Kind::Rule => ("/offer-rules", None),
        Kind::Filter => ("/offer-collections", None),
        Kind::RankingFormula => ("/ranking-formulas", None),
        Kind::Activity => ("/offer-decisions", None),
    }
}

// ---- the tables ----------------------------------------------------------------------------

/// How a value maps.
#[derive(Clone, Copy)]
enum Shape {
    /// Copied verbatim.
    Value,
    /// An object whose keys are renamed by the table; other keys pass through.
    Object(&'static [Field]),
    /// An array whose elements map by the shape.
    Array(&'static Shape),
    /// A placement's component type: URI (canonical) ↔ short token (DPS).
    ComponentType,
    /// A component's type: as [`Shape::ComponentType`], except text, which DPS spells
    /// `component-text`.
    ContentComponentType,
    /// A filter type: `anyTags` ↔ `any-tags`.
    FilterType,
    /// Every key `k` (DPS) ↔ `xdm:k` (canonical), at any depth.
    Prefixed,
}

struct Field {
    canonical: &'static str,
    dps: &'static str,
    shape: Shape,
}

const fn field(canonical: &'static str, dps: &'static str, shape: Shape) -> Field {
    Field {
        canonical,
        dps,
        shape,
    }
}

/// `mapped` after the object's id (under `key`), when it has one.
fn id_first(key: &str, id: Option<Value>, mapped: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::with_capacity(mapped.len() + 1);
    if let Some(id) = id {
        out.insert(key.into(), id);
    }
    out.extend(mapped);
    out
}

const V: Shape = Shape::Value;

/// A field whose DPS name is its XCore name without `xdm:` (most are).
macro_rules! xdm {
    ($name:literal) => {
        xdm!($name, V)
    };
    ($name:literal, $shape:expr) => {
        field(concat!("xdm:", $name), $name, $shape)
    };
}

const TAG: &[Field] = &[xdm!("name"), xdm!("description")];

const PLACEMENT: &[Field] = &[
    xdm!("name"),
    xdm!("description"),
    xdm!("channel"),
    xdm!("componentType", Shape::ComponentType),
    xdm!("contentTypes"),
];

const CONDITION: &[Field] = &[xdm!("type"), xdm!("format"), xdm!("value")];

const RULE: &[Field] = &[
    xdm!("name"),
    xdm!("description"),
    xdm!("condition", Shape::Object(CONDITION)),
];

const RETURN_TYPE: &[Field] = &[xdm!("type")];

/// A ranking formula (reference §2.3): its `expression` has a rule condition's shape.
/// `exdFunction`, `isPure` and `definedOn` pass through.
const RANKING_FORMULA: &[Field] = &[
    xdm!("name"),
    xdm!("description"),
    xdm!("returnType", Shape::Object(RETURN_TYPE)),
    xdm!("expression", Shape::Object(CONDITION)),
];

const COMPONENT: &[Field] = &[
    field("@type", "type", Shape::ContentComponentType),
    field("dc:format", "format", V),
    field("dc:language", "language", V),
    xdm!("content"),
    xdm!("copyline"),
    xdm!("deliveryURL"),
    xdm!("linkURL"),
];

const REPRESENTATION: &[Field] = &[
    xdm!("placement"),
    xdm!("channel"),
    xdm!("components", Shape::Array(&Shape::Object(COMPONENT))),
];

const SELECTION: &[Field] = &[
    xdm!("startDate"),
    xdm!("endDate"),
    xdm!("eligibilityRule"),
    xdm!("profileConstraintType"),
];

const RANK: &[Field] = &[xdm!("priority")];

const CAPPING: &[Field] = &[xdm!("globalCap"), xdm!("profileCap")];

const OFFER: &[Field] = &[
    xdm!("name"),
    xdm!("description"),
    xdm!("status"),
    xdm!(
        "representations",
        Shape::Array(&Shape::Object(REPRESENTATION))
    ),
    xdm!("selectionConstraint", Shape::Object(SELECTION)),
    xdm!("rank", Shape::Object(RANK)),
    xdm!("cappingConstraint", Shape::Object(CAPPING)),
    xdm!("tags"),
    xdm!("characteristics"),
];

const FILTER: &[Field] = &[
    xdm!("name"),
    xdm!("description"),
    xdm!("filterType", Shape::FilterType),
    field("ids", "ids", V),
    // The newer XCore spelling; sent as `ids` (to_dps only: `ids` wins on the way back).
    xdm!("ids"),
];

const OPTION_SELECTION: &[Field] = &[xdm!("filter")];

const PROFILE_CONSTRAINT: &[Field] = &[xdm!("profileConstraintType"), xdm!("eligibilityRule")];

const CRITERION: &[Field] = &[
    xdm!("placements"),
    xdm!("optionSelection", Shape::Object(OPTION_SELECTION)),
    xdm!("profileConstraint", Shape::Object(PROFILE_CONSTRAINT)),
    xdm!("rank", Shape::Prefixed),
];

const ACTIVITY: &[Field] = &[
    xdm!("name"),
    xdm!("description"),
    xdm!("status"),
    xdm!("startDate"),
    xdm!("endDate"),
    xdm!("fallback"),
    xdm!("criteria", Shape::Array(&Shape::Object(CRITERION))),
];

/// The flat activity keys, which [`to_dps`] folds into `criteria`.
const FLAT: &[&str] = &["xdm:placement", "xdm:filter"];

fn table(kind: Kind) -> &'static [Field] {
    match kind {
        Kind::Tag => TAG,
        Kind::Placement => PLACEMENT,
        Kind::Rule => RULE,
        Kind::Offer | Kind::FallbackOffer => OFFER,
        Kind::Filter => FILTER,
        Kind::RankingFormula => RANKING_FORMULA,
        Kind::Activity => ACTIVITY,
    }
}

// ---- the mapping ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToDps,
    FromDps,
}

impl Direction {
    fn source(self, f: &Field) -> &'static str {
        match self {
            Direction::ToDps => f.canonical,
            Direction::FromDps => f.dps,
        }
    }

    fn target(self, f: &Field) -> &'static str {
        match self {
            Direction::ToDps => f.dps,
            Direction::FromDps => f.canonical,
        }
    }
}

fn child(pointer: &str, key: &str) -> String {
    format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// Where a value being mapped is. Written out as a JSON pointer only when an error names it:
/// building one for every member of every listed document cost more than the mapping.
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => child(&parent.pointer(), key),
            At::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

fn insert_new(
    out: &mut Map<String, Value>,
    key: &str,
    value: Value,
    at: &At<'_>,
) -> Result<(), MappingError> {
    // One lookup (a list's documents are mapped as they are read).
    match out.entry(key) {
        serde_json::map::Entry::Vacant(slot) => {
            slot.insert(value);
            Ok(())
        }
        serde_json::map::Entry::Occupied(_) => Err(error(
            &at.pointer(),
            format!("maps to `{key}`, which another property of this object also maps to"),
        )),
    }
}

/// Maps one object by `fields`, leaving out the keys in `skip`; `reserved` are extra keys
/// that may not pass through.
///
/// The values are moved, not copied: a list's documents are mapped as they are read, each
/// dropped once mapped.
fn map_object(
    dir: Direction,
    fields: &[Field],
    object: Map<String, Value>,
    at: &At<'_>,
    reserved: &[&str],
    skip: &[&str],
) -> Result<Map<String, Value>, MappingError> {
    let skipped = object.keys().filter(|k| skip.contains(&k.as_str())).count();
    let mut out = Map::with_capacity(object.len() - skipped);
    for (key, value) in object {
        if skip.contains(&key.as_str()) {
            continue;
        }
        let here = At::Key(at, &key);
        let entry = fields.iter().find(|f| dir.source(f) == key.as_str());
        match entry {
            Some(f) => {
                let mapped = map_value(dir, f.shape, value, &here)?;
                insert_new(&mut out, dir.target(f), mapped, &here)?;
            }
            None => {
                let foreign = fields.iter().any(|f| dir.target(f) == key.as_str())
                    || reserved.contains(&key.as_str());
                if foreign {
                    let side = match dir {
                        Direction::ToDps => "the DPS spelling",
                        Direction::FromDps => "the XCore spelling",
                    };
                    return Err(error(
                        &here.pointer(),
                        format!("`{key}` is {side} of a mapped property and cannot pass through"),
                    ));
                }
                insert_new(&mut out, &key, value, &here)?;
            }
        }
    }
    Ok(out)
}

fn map_value(
    dir: Direction,
    shape: Shape,
    value: Value,
    at: &At<'_>,
) -> Result<Value, MappingError> {
    Ok(match (shape, value) {
        (Shape::Object(fields), Value::Object(object)) => {
            Value::Object(map_object(dir, fields, object, at, &[], &[])?)
        }
        (Shape::Array(element), Value::Array(items)) => {
            // Sized up front: collecting results grows the vector from four items.
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.into_iter().enumerate() {
                out.push(map_value(dir, *element, item, &At::Index(at, i))?);
            }
            Value::Array(out)
        }
        (Shape::ComponentType, Value::String(text)) => Value::String(match dir {
            Direction::ToDps => component_token(&text),
            Direction::FromDps => component_uri(&text),
        }),
        (Shape::ContentComponentType, Value::String(text)) => Value::String(match dir {
            Direction::ToDps => match component_token(&text).as_str() {
                "text" => TEXT_COMPONENT.to_string(),
                token => token.to_string(),
            },
            Direction::FromDps => component_uri(&text),
        }),
        (Shape::FilterType, Value::String(text)) => Value::String(filter_type(dir, &text)),
        (Shape::Prefixed, value @ (Value::Object(_) | Value::Array(_))) => {
            prefixed(dir, &value, at)?
        }
        (_, value) => value,
    })
}

fn component_token(uri: &str) -> String {
    match uri.strip_prefix(COMPONENT_BASE) {
        Some(token) if COMPONENT_TOKENS.contains(&token) => token.to_string(),
        _ => uri.to_string(),
    }
}

fn component_uri(token: &str) -> String {
    let plain = token
        .strip_prefix("content-component-")
        .or_else(|| token.strip_prefix("component-"))
        .unwrap_or(token);
    if COMPONENT_TOKENS.contains(&plain) {
        // Exactly sized (`format!` leaves room to spare): it is kept in every live document.
        let mut uri = String::with_capacity(COMPONENT_BASE.len() + plain.len());
        uri.push_str(COMPONENT_BASE);
        uri.push_str(plain);
        uri
    } else {
        token.to_string()
    }
}

const FILTER_TYPES: &[(&str, &str)] = &[
    ("anyTags", "any-tags"),
    ("allTags", "all-tags"),
    ("offers", "offers"),
];

fn filter_type(dir: Direction, text: &str) -> String {
    FILTER_TYPES
        .iter()
        .find_map(|(canonical, dps)| match dir {
            Direction::ToDps => (*canonical == text).then_some(*dps),
            Direction::FromDps => (*dps == text).then_some(*canonical),
        })
        .unwrap_or(text)
        .to_string()
}

fn prefixed(dir: Direction, value: &Value, at: &At<'_>) -> Result<Value, MappingError> {
    Ok(match value {
        Value::Object(object) => {
            let mut out = Map::with_capacity(object.len());
            for (key, item) in object {
                let here = At::Key(at, key);
                let renamed = match dir {
                    Direction::FromDps => format!("xdm:{key}"),
                    Direction::ToDps => match key.strip_prefix("xdm:") {
                        Some(rest) => rest.to_string(),
                        None => {
                            return Err(error(
                                &here.pointer(),
                                format!("`{key}` has no xdm: prefix, so it has no DPS spelling"),
                            ));
                        }
                    },
                };
                insert_new(&mut out, &renamed, prefixed(dir, item, &here)?, &here)?;
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                out.push(prefixed(dir, item, &At::Index(at, i))?);
            }
            Value::Array(out)
        }
        other => compact::copy(other),
    })
}

fn as_object<'a>(what: &str, value: &'a Value) -> Result<&'a Map<String, Value>, MappingError> {
    value
        .as_object()
        .ok_or_else(|| error("", format!("{what} must be a JSON object")))
}

/// Canonical `_instance` (may contain `@id`) → DPS body (`id` if `@id` was present; no other
/// metadata).
pub fn to_dps(kind: Kind, instance: &Value) -> Result<Value, MappingError> {
    to_dps_object(kind, as_object("an _instance document", instance)?)
}

/// [`to_dps`] of an `_instance` object.
pub fn to_dps_object(kind: Kind, object: &Map<String, Value>) -> Result<Value, MappingError> {
    let id = object.get("@id").cloned();
    // Only a flat activity is rewritten before mapping; everything else is mapped as it is.
    let folded;
    let mut input = object;
    if kind == Kind::Activity && FLAT.iter().any(|k| object.contains_key(*k)) {
        if object.contains_key("xdm:criteria") {
            return Err(error(
                "/xdm:criteria",
                "an activity has either xdm:placement/xdm:filter or xdm:criteria, not both",
            ));
        }
        let mut copy = object.clone();
        copy.shift_remove("@id");
        folded = fold_flat(copy);
        input = &folded;
    }
    let mut reserved: Vec<&str> = METADATA.to_vec();
    reserved.push("id");
    let mapped = map_object(
        Direction::ToDps,
        table(kind),
        input.clone(),
        &At::Root,
        &reserved,
        &["@id"],
    )?;
    let mut out = id_first("id", id, mapped);
    if matches!(kind, Kind::Offer | Kind::FallbackOffer)
        && let Some(Value::Object(selection)) = out.get_mut("selectionConstraint")
        && !selection.contains_key("profileConstraintType")
    {
        let implied = implied_profile_constraint(selection.contains_key("eligibilityRule"));
        selection.insert("profileConstraintType".into(), Value::from(implied));
    }
    Ok(Value::Object(out))
}

/// The flat pair as one canonical criterion, at the position of the first of the two keys.
fn fold_flat(activity: Map<String, Value>) -> Map<String, Value> {
    let mut criterion = Map::new();
    if let Some(placement) = activity.get("xdm:placement") {
        criterion.insert(
            "xdm:placements".into(),
            Value::Array(vec![placement.clone()]),
        );
    }
    if let Some(filter) = activity.get("xdm:filter") {
        let mut selection = Map::new();
        selection.insert("xdm:filter".into(), filter.clone());
        criterion.insert("xdm:optionSelection".into(), Value::Object(selection));
    }
    let mut out = Map::new();
    for (key, value) in activity {
        if !FLAT.contains(&key.as_str()) {
            out.insert(key, value);
        } else if !out.contains_key("xdm:criteria") {
            out.insert(
                "xdm:criteria".into(),
                Value::Array(vec![Value::Object(criterion.clone())]),
            );
        }
    }
    out
}

fn implied_profile_constraint(has_rule: bool) -> &'static str {
    if has_rule { "eligibilityRule" } else { "none" }
}

/// DPS document → canonical `_instance` (`id` → `@id`). Metadata keys ([`METADATA`]) are
/// dropped.
pub fn from_dps(kind: Kind, document: &Value) -> Result<Value, MappingError> {
    from_dps_owned(kind, document.clone())
}

/// [`from_dps`] of a document no longer needed: its values move into the canonical one.
pub fn from_dps_owned(kind: Kind, document: Value) -> Result<Value, MappingError> {
    let Value::Object(object) = document else {
        return Err(error("", "a DPS document must be a JSON object"));
    };
    let id = object.get("id").cloned();
    let mut skip: Vec<&str> = METADATA.to_vec();
    skip.push("id");
    let mapped = map_object(
        Direction::FromDps,
        fields_from_dps(kind),
        object,
        &At::Root,
        reserved_from_dps(kind),
        &skip,
    )?;
    let mut out = id_first("@id", id, mapped);
    if matches!(kind, Kind::Offer | Kind::FallbackOffer)
        && let Some(selection) = out.get_mut("xdm:selectionConstraint")
    {
        drop_implied_profile_constraint(selection);
    }
    if kind == Kind::Activity {
        out = unfold_criteria(out);
    }
    Ok(Value::Object(out))
}

/// A canonical offer's `xdm:selectionConstraint` without a `xdm:profileConstraintType` that
/// only says what its rule (or the lack of one) implies.
fn drop_implied_profile_constraint(selection: &mut Value) {
    if let Value::Object(selection) = selection {
        let implied = implied_profile_constraint(selection.contains_key("xdm:eligibilityRule"));
        if selection.get("xdm:profileConstraintType") == Some(&Value::from(implied)) {
            selection.shift_remove("xdm:profileConstraintType");
        }
    }
}

/// The table a DPS document of `kind` is read by: `xdm:ids` is canonical-only (`ids` reads
/// back as `ids`).
fn fields_from_dps(kind: Kind) -> &'static [Field] {
    match kind {
        Kind::Filter => &FILTER[..FILTER.len() - 1],
        _ => table(kind),
    }
}

/// Top-level keys of a DPS document of `kind` that may not pass through: canonical keys that
/// the mapping makes itself.
fn reserved_from_dps(kind: Kind) -> &'static [&'static str] {
    const ACTIVITY_RESERVED: &[&str] = &["@id", FLAT[0], FLAT[1]];
    match kind {
        Kind::Activity => ACTIVITY_RESERVED,
        Kind::Filter => &["@id", "xdm:ids"],
        _ => &["@id"],
    }
}

/// `{"xdm:profileConstraintType": "none"}` and nothing else.
fn is_no_profile_constraint(value: &Value) -> bool {
    value.as_object().is_some_and(|pc| {
        pc.len() == 1 && pc.get("xdm:profileConstraintType") == Some(&Value::from("none"))
    })
}

/// The flat pair when the criteria say no more than it can; the criteria otherwise.
fn unfold_criteria(activity: Map<String, Value>) -> Map<String, Value> {
    let flat = match activity.get("xdm:criteria") {
        Some(Value::Array(criteria)) => flat_pair(criteria),
        _ => return activity,
    };
    let mut out = Map::with_capacity(activity.len() + 1);
    for (key, value) in activity {
        if key != "xdm:criteria" {
            out.insert(key, value);
            continue;
        }
        match &flat {
            Some((placement, filter)) => {
                out.insert("xdm:placement".into(), placement.clone());
                out.insert("xdm:filter".into(), filter.clone());
            }
            None => {
                out.insert(key, value);
            }
        }
    }
    out
}

/// The flat pair (`xdm:placement`, `xdm:filter`) that says all that canonical `criteria`
/// say, when there is one: a single criterion of one placement and a filter, and nothing else
/// but a neutral profile constraint.
fn flat_pair(criteria: &[Value]) -> Option<(Value, Value)> {
    let [Value::Object(c)] = criteria else {
        return None;
    };
    // Neutral profile constraints are left out only where the flat form replaces the
    // criteria; in the criteria form they stay as they came, so they read back unchanged.
    let neutral = c
        .get("xdm:profileConstraint")
        .is_some_and(is_no_profile_constraint);
    if c.len() != 2 + usize::from(neutral) {
        return None;
    }
    let placement = match c.get("xdm:placements") {
        Some(Value::Array(p)) if p.len() == 1 => p[0].clone(),
        _ => return None,
    };
    let filter = match c.get("xdm:optionSelection") {
        Some(Value::Object(s)) if s.len() == 1 => s.get("xdm:filter")?.clone(),
        _ => return None,
    };
    Some((placement, filter))
}

mod pointers;
mod text;
pub use pointers::{canonical_pointer, dps_pointer};
pub use text::{Canonical, DocumentReader};

// ---- wire patches --------------------------------------------------------------------------

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// RFC 6902 operations turning DPS document `before` into `after`, with paths relative to the
/// document (`/name`, not `/_instance/name`). Objects recurse key by key in `after`'s key order,
/// then removals; arrays of equal length recurse per index; anything else is replaced whole.
pub fn wire_patch(before: &Value, after: &Value) -> Vec<Op> {
    let mut ops = Vec::new();
    patch_value("", before, after, &mut ops);
    ops
}

fn patch_value(path: &str, before: &Value, after: &Value, ops: &mut Vec<Op>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            for (key, value) in a {
                let here = format!("{path}/{}", escape(key));
                match b.get(key) {
                    Some(old) => patch_value(&here, old, value, ops),
                    None => ops.push(Op::Add {
                        path: here,
                        value: value.clone(),
                    }),
                }
            }
            for key in b.keys() {
                if !a.contains_key(key) {
                    ops.push(Op::Remove {
                        path: format!("{path}/{}", escape(key)),
                    });
                }
            }
        }
        (Value::Array(b), Value::Array(a)) if b.len() == a.len() => {
            for (i, (old, new)) in b.iter().zip(a).enumerate() {
                patch_value(&format!("{path}/{i}"), old, new, ops);
            }
        }
        _ => ops.push(Op::Replace {
            path: path.to_string(),
            value: after.clone(),
        }),
    }
}

#[cfg(test)]
mod tests;
