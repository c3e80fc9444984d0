//! `offerctl completions SHELL` and `offerctl man`: generated from the same clap definitions
//! as the parser, so they never drift from the flags.

use std::io::Write;

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, ManArgs};
use crate::exit::{CommandError, Exit};

pub fn completions(args: &CompletionsArgs) -> Result<Exit, CommandError> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "offerctl", &mut out);
    write_stdout(&out)
}

pub fn man(args: &ManArgs) -> Result<Exit, CommandError> {
    let command = Cli::command();
    match &args.out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(command, dir))
                .map_err(|e| {
                    CommandError::new(
                        Exit::Error,
                        format!("cannot write the man pages to {}: {e}", dir.display()),
                    )
                })?;
            Ok(Exit::Success)
        }
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut out)
                .map_err(|e| CommandError::new(Exit::Error, format!("cannot render: {e}")))?;
            write_stdout(&out)
        }
    }
}

fn write_stdout(bytes: &[u8]) -> Result<Exit, CommandError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .map_err(|e| CommandError::new(Exit::Error, format!("cannot write to stdout: {e}")))?;
    Ok(Exit::Success)
}
