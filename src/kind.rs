//! Kinds of object, as the core sees them: a handle to facts a provider declares once (its
//! manifest spelling, words for messages, how literal ids look). The core never names a kind;
//! providers own them and register them, so saved plans and flags can name kinds by spelling.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::RwLock;

/// What a provider declares about one of its kinds.
#[derive(Debug)]
pub struct KindInfo {
    /// The provider that owns the kind (`acme`).
    pub provider: &'static str,
    /// The spelling in manifests, plans and flags (`Offer`). Unique across providers.
    pub name: &'static str,
    /// Words people use for the kind, for messages (`personalized offer`).
    pub description: &'static str,
    /// Position in the provider's natural creation order: what others refer to comes first.
    /// Breaks ties in every ordering, so output is reproducible.
    pub rank: u16,
    /// Prefixes that mark a reference as a literal repository id rather than a name.
    pub literal_prefixes: &'static [&'static str],
    /// How a literal id of this kind starts, for messages (`acme:widget:`); `None` when the
    /// provider has no literal ids.
    pub id_hint: Option<&'static str>,
}

/// A kind: a cheap handle to its provider's [`KindInfo`].
#[derive(Clone, Copy)]
pub struct Kind(&'static KindInfo);

impl Kind {
    pub const fn new(info: &'static KindInfo) -> Self {
        Kind(info)
    }

    pub fn info(self) -> &'static KindInfo {
        self.0
    }

    /// The manifest spelling.
    pub fn as_str(self) -> &'static str {
        self.0.name
    }

    pub fn provider(self) -> &'static str {
        self.0.provider
    }

    pub fn description(self) -> &'static str {
        self.0.description
    }

    /// Whether `reference` is a literal repository id (of any kind of this provider).
    pub fn is_literal_id(self, reference: &str) -> bool {
        self.0
            .literal_prefixes
            .iter()
            .any(|prefix| reference.starts_with(prefix))
    }

    fn order_key(self) -> (&'static str, u16, &'static str) {
        (self.0.provider, self.0.rank, self.0.name)
    }
}

impl PartialEq for Kind {
    fn eq(&self, other: &Self) -> bool {
        // One static per kind, so the same address is the common case; the names decide
        // otherwise (a kind declared twice, as tests may).
        std::ptr::eq(self.0, other.0)
            || (self.0.name == other.0.name && self.0.provider == other.0.provider)
    }
}

impl Eq for Kind {}

impl Hash for Kind {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl PartialOrd for Kind {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Providers in name order, then each provider's creation order.
impl Ord for Kind {
    fn cmp(&self, other: &Self) -> Ordering {
        if std::ptr::eq(self.0, other.0) {
            return Ordering::Equal;
        }
        self.order_key().cmp(&other.order_key())
    }
}

impl fmt::Debug for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.name)
    }
}

/// Every registered kind. Kinds are static facts of the compiled-in providers; the table only
/// lets a spelling (a flag, a saved plan) find its kind. It is filled by building a provider
/// registry (`Providers::new`); resolving a spelling (`FromStr`, `Deserialize`) goes through
/// `providers::builtin()`, which builds the compiled-in one first, so no caller depends on
/// having built it before.
static REGISTERED: RwLock<Vec<Kind>> = RwLock::new(Vec::new());

/// Registers kinds (idempotent). Panics on two providers spelling a kind alike: that is a
/// programming error that would make manifests ambiguous.
pub fn register(kinds: &[Kind]) {
    let mut registered = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    for kind in kinds {
        match registered.iter().find(|k| k.as_str() == kind.as_str()) {
            Some(existing) => assert!(
                existing == kind,
                "kind `{kind}` is declared by providers `{}` and `{}`",
                existing.provider(),
                kind.provider()
            ),
            None => registered.push(*kind),
        }
    }
    registered.sort();
}

/// The registered kind spelt `name`, among those registered so far (see [`REGISTERED`]).
pub fn registered_named(name: &str) -> Option<Kind> {
    REGISTERED
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .copied()
        .find(|kind| kind.as_str() == name)
}

impl serde::Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}
