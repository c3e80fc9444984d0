//! The providers: one folder per vendor, each owning its kinds, manifest language, wire
//! mappings, clients, emulator facades and export. The core reaches them only through
//! [`crate::provider::Provider`]; this module composes them.

pub mod adobe;
pub mod appcharge;
pub mod connect;
pub mod serve;

use crate::kind::{self, Kind};
use crate::provider::Providers;

/// The flags each provider connects with, as the commands hand them on to [`connect`].
pub use adobe::config::RemoteArgs;
pub use appcharge::config::AppchargeArgs;

/// The JSON Schema of one manifest document of any compiled-in provider: one `oneOf` over
/// every provider's documents, their definitions merged (a name two providers define
/// differently is prefixed with the provider's).
pub fn json_schema() -> serde_json::Value {
    use serde_json::{Map, Value, json};
    let providers = builtin();
    let mut variants = Vec::new();
    let mut definitions = Map::new();
    for provider in providers.iter() {
        let mut schema = provider.json_schema();
        let own: Map<String, Value> = schema
            .get("definitions")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        for (name, definition) in own {
            if definitions.get(&name).is_some_and(|d| *d != definition) {
                let renamed = format!("{}{name}", capitalized(provider.name()));
                rename_ref(&mut schema, &name, &renamed);
                definitions.insert(renamed, definition);
            } else {
                definitions.insert(name, definition);
            }
        }
        match schema.get("oneOf").and_then(Value::as_array) {
            Some(list) => variants.extend(list.iter().cloned()),
            None => variants.push(schema),
        }
    }
    let mut root = Map::new();
    root.insert(
        "$schema".into(),
        json!("http://json-schema.org/draft-07/schema#"),
    );
    root.insert("title".into(), json!("offerctl manifest"));
    let kinds: Vec<&str> = providers.kinds().iter().map(|k| k.as_str()).collect();
    root.insert(
        "description".into(),
        json!(format!(
            "One document of an offerctl manifest file (offers.d/*.yaml): {}.",
            kinds.join(", ")
        )),
    );
    root.insert("oneOf".into(), Value::Array(variants));
    if !definitions.is_empty() {
        root.insert("definitions".into(), Value::Object(definitions));
    }
    Value::Object(root)
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Rewrites `#/definitions/{from}` references to `#/definitions/{to}`.
fn rename_ref(schema: &mut serde_json::Value, from: &str, to: &str) {
    use serde_json::Value;
    match schema {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if key == "$ref" && value.as_str() == Some(&format!("#/definitions/{from}")) {
                    *value = Value::String(format!("#/definitions/{to}"));
                } else {
                    rename_ref(value, from, to);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| rename_ref(v, from, to)),
        _ => {}
    }
}

/// The providers compiled into offerctl, built once. The order is the registry's: where a
/// capability (offline decisions, synthetic catalogues) is asked of "the first provider that has
/// it", the first in this list answers. Building it registers every kind; resolving a kind's
/// spelling (below) builds it first, so nothing has to be called before a flag or a saved plan
/// names a kind.
pub fn builtin() -> &'static Providers {
    static BUILTIN: std::sync::OnceLock<Providers> = std::sync::OnceLock::new();
    BUILTIN.get_or_init(|| {
        Providers::new(vec![
            &adobe::provider::ADOBE,
            &appcharge::provider::APPCHARGE,
        ])
    })
}

/// A kind's spelling (a flag, a saved plan, a manifest's `kind:`) resolves among the kinds of
/// the compiled-in providers, registered by [`builtin`] (and of any other registry built, such
/// as the core tests' toy provider).
impl std::str::FromStr for Kind {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        builtin();
        kind::registered_named(s).ok_or(())
    }
}

impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        name.parse().map_err(|()| {
            serde::de::Error::custom(format!("unknown kind `{name}` (no provider declares it)"))
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::kind::Kind;
    use crate::manifest::Language;

    /// Resolving comes first here (no registry is built by the test): a spelling resolves with
    /// nothing called before, as flags and saved plans need. (`the_kind_flags_resolve_before_
    /// anything_else_runs` in tests/it/cli.rs shows it in a fresh process.)
    #[test]
    fn a_kind_spelling_resolves_with_nothing_built_first() {
        let declared = [
            super::adobe::provider::ADOBE.kinds(),
            super::appcharge::provider::APPCHARGE.kinds(),
        ];
        for kind in declared.into_iter().flatten() {
            assert_eq!(kind.as_str().parse::<Kind>(), Ok(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(serde_json::from_str::<Kind>(&json).unwrap(), kind);
        }
        assert_eq!("NoSuchKind".parse::<Kind>(), Err(()));
    }
}
