//! `offerctl schema`: the manifest language's JSON Schema (or the decision expectations'), for
//! editors.

use crate::cli::SchemaArgs;
use crate::exit::{CommandError, Exit};
use crate::providers::json_schema;

pub fn run(args: &SchemaArgs) -> Result<Exit, CommandError> {
    let schema = if args.tests {
        super::decisions()?.1.expectations_schema()
    } else {
        json_schema()
    };
    let text = serde_json::to_string_pretty(&schema)
        .map_err(|e| CommandError::new(Exit::Error, format!("cannot render the schema: {e}")))?;
    println!("{text}");
    Ok(Exit::Success)
}
