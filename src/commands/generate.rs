//! `offerctl generate`: write a synthetic catalogue.

use super::Output;
use crate::cli::GenerateArgs;
use crate::exit::{CommandError, Exit};

pub fn run(args: &GenerateArgs, output: Output) -> Result<Exit, CommandError> {
    let io = |what: &str, e: std::io::Error| {
        CommandError::new(Exit::Error, format!("cannot {what}: {e}"))
    };
    if args.out.exists()
        && std::fs::read_dir(&args.out)
            .map_err(|e| io("read the output directory", e))?
            .next()
            .is_some()
    {
        return Err(CommandError::new(
            Exit::Invalid,
            format!(
                "{} is not empty; choose a new directory",
                args.out.display()
            ),
        ));
    }
    let files = crate::providers::builtin()
        .synthetic_catalogue(args.objects, args.seed)
        .ok_or_else(|| CommandError::new(Exit::Invalid, "no provider generates catalogues"))?;
    for (path, text) in &files {
        let path = args.out.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("create the output directory", e))?;
        }
        std::fs::write(&path, text).map_err(|e| io(&format!("write {}", path.display()), e))?;
    }
    if !output.quiet {
        eprintln!("Wrote {} files to {}", files.len(), args.out.display());
    }
    Ok(Exit::Success)
}
