//! `offerctl serve`: the local offer repository (see the `serve` module).

use crate::exit::{CommandError, Exit};
use crate::providers::serve::{ServeArgs, run as serve};

pub fn run(args: ServeArgs) -> Result<Exit, CommandError> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| {
        CommandError::new(Exit::Error, format!("cannot start the async runtime: {e}"))
    })?;
    runtime
        .block_on(serve(args))
        .map_err(|e| CommandError::new(Exit::Error, format!("serve: {e}")))?;
    Ok(Exit::Success)
}
