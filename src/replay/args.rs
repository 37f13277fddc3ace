//! The `dockopt replay` command line.

use std::path::PathBuf;

use clap::ValueEnum;

/// What the rewrite saves, computed from the repository's own history
///
/// For each Dockerfile, takes the git work tree that contains it and the last
/// N commits of the current branch (first parent only). For every commit that
/// has a parent it decides, for each instruction, whether that step would
/// re-run when building the commit after its parent: once for the Dockerfile
/// as it is now, once for the file as `dockopt --fix` would rewrite it now
/// (with its `.dockerignore` change). Nothing is built or checked out: the
/// changed paths come from `git log --raw`.
///
/// A step re-runs when its own cache key changes or any step before it in its
/// stage re-ran. COPY/ADD change when a file they bring from the build context
/// changed (added, removed, content or mode), after the effective ignore file;
/// RUN --mount=type=bind from the context likewise. Assumptions: the
/// Dockerfile and ignore file are the current ones for every commit; ARG and
/// ENV values are constant (an ARG's default is its value); remote sources (base images, `ADD URL`, `RUN
/// curl`, `COPY --from=image`) are unchanged. Multi-stage: FROM <stage> and
/// COPY --from=<stage> re-run whenever any step of that stage re-ran
/// (conservative: a stage that rebuilds to identical files would be cached);
/// a COPY whose sources use an unknown variable counts every context change.
///
/// Exit codes: 0 every file was replayed; 2 a file could not be (not in a git
/// repository, not tracked, context outside the repository, no commit with
/// a parent, bad --weights), with its path in the message; other files are
/// still reported. A shallow clone with fewer commits than asked is a
/// warning, and the counts cover the commits that are there.
#[derive(Debug, clap::Args)]
#[command(verbatim_doc_comment)]
pub struct ReplayArgs {
    /// Dockerfiles or directories (searched as elsewhere). Default: `.`.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// How many commits of the current branch to replay (first parent only).
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub commits: u32,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReplayFormat::Text)]
    pub format: ReplayFormat,

    /// Seconds each step takes (TOML; see the README), to estimate minutes saved.
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,

    /// Build context for a single Dockerfile (default: as elsewhere).
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,

    /// Replay the rewrite with fixes marked unsafe applied too.
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Directory of extra presets (`*.toml`).
    #[arg(long, value_name = "DIR")]
    pub preset_dir: Vec<PathBuf>,

    /// Ignore `dockopt.toml` files.
    #[arg(long)]
    pub isolated: bool,

    /// Print nothing on stderr but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    Text,
    Json,
}
