//! Command-line arguments (clap derive) and the top-level dispatch.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

/// Rewrites Dockerfiles so dependency installs stay cached: copy the
/// manifests first, install, then copy the rest of the source.
#[derive(Debug, Parser)]
#[command(name = "dockopt", version, about, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Dockerfiles or directories to process (`-` reads stdin).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the instructions as dockopt reads them.
    Inspect {
        /// The Dockerfile (`-` for stdin).
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = InspectFormat::Text)]
        format: InspectFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

/// Run the command line; returns the process exit code.
pub fn run(args: Args) -> Result<u8> {
    match args.command {
        Some(Command::Inspect { file, format }) => crate::inspect::run(&file, format),
        None => anyhow::bail!("nothing to do yet"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_valid() {
        <super::Args as clap::CommandFactory>::command().debug_assert();
    }
}
