//! Minimal entry point so the emulator can run on its own (`offerctl serve ...`); the full CLI
//! wires `serve::ServeArgs` / `serve::run` as one of its subcommands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "offerctl", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a local XCore offer-repository server (the emulator).
    Serve(offerctl::serve::ServeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => match offerctl::serve::run(args).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("offerctl serve: {error}");
                ExitCode::FAILURE
            }
        },
    }
}
