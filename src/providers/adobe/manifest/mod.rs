//! Adobe's manifest language: the eight kinds as typed documents, their decoding on top of the
//! core's toolkit, their canonical YAML entries, their JSON Schema, and the checks across
//! documents that only Adobe's semantics explain.

pub mod decode;
pub mod document;
pub mod emit;
pub mod model;
pub mod schema;
pub mod validate;

pub use decode::{CHANNELS, COMPONENT_TYPES};
pub use model::*;
// What every provider's documents share, from the core.
pub use crate::manifest::{
    Extra, Meta, Object, ObjectKey, Reference, ReferenceSite, Spanned, synthetic,
};
