//! Appcharge's manifest language: the documents (`model`), decoding with located checks
//! (`decode`), checks across documents (`validate`) and the JSON Schema (`schema`).

pub mod decode;
pub mod model;
pub mod schema;
pub mod validate;
