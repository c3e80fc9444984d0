//! `offerctl schema`: the manifest language's JSON Schema, for editors.

use crate::exit::{CommandError, Exit};
use crate::providers::json_schema;

pub fn run() -> Result<Exit, CommandError> {
    let text = serde_json::to_string_pretty(&json_schema())
        .map_err(|e| CommandError::new(Exit::Error, format!("cannot render the schema: {e}")))?;
    println!("{text}");
    Ok(Exit::Success)
}
