//! Command-line arguments (clap derive) and the top-level dispatch.

use std::path::PathBuf;

use anyhow::Result;
use clap::{ArgGroup, Parser, Subcommand, ValueEnum};

pub use crate::report::Format;

/// Rewrites Dockerfiles so dependency installs stay cached: copy the
/// manifests first, install, then copy the rest of the source.
///
/// With no mode, prints the proposed changes as a unified diff (a valid
/// patch) and explains them on stderr. Exit codes: 0 nothing would change,
/// 1 a file would change, 2 error (table below).
#[derive(Debug, Parser)]
#[command(
    name = "dockopt",
    version,
    about,
    args_conflicts_with_subcommands = true,
    after_help = crate::gate::EXIT_STATUS_HELP
)]
#[command(group(ArgGroup::new("mode").args(["fix", "check"]).multiple(false)))]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Dockerfiles or directories to process (`-` reads stdin). Default: `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Apply the fixes in place (atomic write, permissions kept). With `-`, print the result.
    #[arg(long, help_heading = "Mode")]
    pub fix: bool,

    /// Report findings without a diff.
    #[arg(long, help_heading = "Mode")]
    pub check: bool,

    /// Build context for a single Dockerfile (default: its directory).
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// Also apply fixes marked unsafe.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Directory of extra presets (`*.toml`); a preset with a built-in name replaces it.
    #[arg(long, value_name = "DIR")]
    pub preset_dir: Vec<PathBuf>,

    /// Rules to disable.
    #[arg(long = "ignore", value_name = "RULE")]
    pub ignore_rules: Vec<String>,

    /// Read the Dockerfiles to process from FILE, one path per line (`-` for stdin).
    #[arg(long, value_name = "FILE")]
    pub files_from: Option<PathBuf>,

    /// Ignore `dockopt.toml` files.
    #[arg(long)]
    pub isolated: bool,

    /// Worker threads, 1 to 256 (default: number of CPUs; never more than there are files).
    #[arg(long, short = 'j', value_name = "N", value_parser = crate::jobs::parse)]
    pub jobs: Option<usize>,

    /// Exit 1 also for findings left alone (and unsafe fixes not enabled).
    #[arg(long)]
    pub exit_non_zero_on_finding: bool,

    /// Report unused or misplaced `# dockopt: ignore` comments and exit 1 for them.
    #[arg(long)]
    pub strict: bool,

    /// Colour the diff and the findings: on a terminal (unless `NO_COLOR` is set), always, or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = clap::ColorChoice::Auto)]
    pub color: clap::ColorChoice,

    /// In directory searches, follow symlinks: into linked directories, and
    /// out of the searched tree. Without it, a Dockerfile link leading out of
    /// the tree is skipped with a note.
    #[arg(long)]
    pub follow_links: bool,

    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
    /// Print a rule's documentation.
    Rule {
        /// Rule name (e.g. copy-manifests-first). Without it, list the rules.
        name: Option<String>,
    },
    // About and help text: the doc comment of `ReplayArgs`.
    Replay(crate::replay::ReplayArgs),
    /// List the loaded presets and where each comes from.
    Presets {
        /// Directory of extra presets.
        #[arg(long, value_name = "DIR")]
        preset_dir: Vec<PathBuf>,
    },
    /// Print a shell completion script (e.g. `dockopt completions bash > /etc/bash_completion.d/dockopt`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), generated from these options: `dockopt man | man -l -`.
    Man,
}

impl Args {
    /// What a run needs, for the modules below the CLI.
    pub fn run_options(&self) -> crate::runner::RunOptions {
        use crate::report::Mode;
        let mode = match (self.fix, self.check) {
            (true, _) => Mode::Fix,
            (_, true) => Mode::Check,
            _ => Mode::Diff,
        };
        crate::runner::RunOptions {
            paths: self.paths.clone(),
            files_from: self.files_from.clone(),
            context: self.context.clone(),
            follow_links: self.follow_links,
            isolated: self.isolated,
            preset_dirs: self.preset_dir.clone(),
            ignore_rules: self.ignore_rules.clone(),
            jobs: self.jobs,
            unsafe_fixes: self.unsafe_fixes,
            report: crate::report::Options {
                mode,
                format: self.format,
                color: self.color,
                quiet: self.quiet,
                strict: self.strict,
                exit_non_zero_on_finding: self.exit_non_zero_on_finding,
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum InspectFormat {
    Text,
    Json,
}

/// Run the command line; returns the process exit code.
pub fn run(args: Args) -> Result<u8> {
    match &args.command {
        Some(Command::Inspect { file, format }) => crate::inspect::run(file, *format),
        Some(Command::Rule { name }) => crate::runner::rule_doc(name.as_deref()),
        Some(Command::Presets { preset_dir }) => crate::runner::list_presets(preset_dir),
        Some(Command::Replay(a)) => crate::replay::run(a),
        Some(Command::Completions { shell }) => crate::shellint::completions(*shell),
        Some(Command::Man) => crate::shellint::man(),
        None => {
            crate::suggest::check_first_path(&args.paths)?;
            crate::runner::run(&args.run_options())
        }
    }
}

#[cfg(test)]
mod tests {
    /// The run's modules take small option structs (`RunOptions`,
    /// `report::Options`), never the CLI's `Args`: no cli -> runner ->
    /// report -> cli circle.
    #[test]
    fn modules_below_the_cli_do_not_import_it() {
        let below = [
            ("runner.rs", include_str!("runner.rs")),
            ("configs.rs", include_str!("configs.rs")),
            ("report.rs", include_str!("report.rs")),
            ("sarif.rs", include_str!("sarif.rs")),
            ("gate.rs", include_str!("gate.rs")),
            ("fixwrite.rs", include_str!("fixwrite.rs")),
            ("engine.rs", include_str!("engine.rs")),
        ];
        for (name, src) in below {
            assert!(!src.contains("crate::cli"), "{name} imports the CLI");
        }
    }

    #[test]
    fn clap_definition_is_valid() {
        <super::Args as clap::CommandFactory>::command().debug_assert();
    }
}
