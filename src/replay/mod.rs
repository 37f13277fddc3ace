//! `dockopt replay`: what the rewrite saves, computed from the repository's
//! own history (see [`args::ReplayArgs`] for the model and its assumptions).
//!
//! Pipeline per Dockerfile: the runner's target search and context logic →
//! [`git`] (repository, history as changed paths per commit) → the engine's
//! rewrite → [`steps`] (each version's steps and their inputs) →
//! [`simulate`] (which steps re-run per commit) → [`install`] and
//! [`mapping`] (the install step and each step's counterpart after the
//! rewrite) → [`output`].

pub mod analyze;
pub mod args;
pub mod git;
pub mod install;
pub mod mapping;
pub mod output;
pub mod simulate;
pub mod steps;
pub mod vars;
pub mod weights;

use std::ffi::OsString;
use std::path::Path;

use anyhow::{bail, Result};

pub use args::{ReplayArgs, ReplayFormat};

/// The main command's arguments for the same paths and context options, so
/// the runner finds the files and their contexts exactly as it does for a
/// rewrite.
fn runner_args(a: &ReplayArgs) -> Result<crate::cli::Args> {
    let mut argv: Vec<OsString> = vec!["dockopt".into()];
    if let Some(c) = &a.context {
        argv.extend(["--context".into(), c.clone().into_os_string()]);
    }
    for d in &a.preset_dir {
        argv.extend(["--preset-dir".into(), d.clone().into_os_string()]);
    }
    for (on, flag) in [
        (a.isolated, "--isolated"),
        (a.quiet, "--quiet"),
        (a.unsafe_fixes, "--unsafe-fixes"),
    ] {
        if on {
            argv.push(flag.into());
        }
    }
    argv.push("--".into());
    argv.extend(a.paths.iter().map(|p| p.clone().into_os_string()));
    Ok(<crate::cli::Args as clap::Parser>::try_parse_from(argv)?)
}

/// Run `dockopt replay`; returns the exit code.
pub fn run(a: &ReplayArgs) -> Result<u8> {
    if a.paths.iter().any(|p| p == Path::new("-")) {
        bail!("replay reads a Dockerfile's repository history: give a path, not `-`");
    }
    let weights = a
        .weights
        .as_deref()
        .map(weights::Weights::load)
        .transpose()?;
    let opts = runner_args(a)?.run_options();
    let setup = crate::runner::setup(&opts)?;
    let targets = crate::runner::targets(&opts, setup.config, 1)?;
    let shared = analyze::Shared {
        opts: crate::engine::Options {
            presets: &setup.presets,
            unsafe_fixes: a.unsafe_fixes,
            disabled_rules: &setup.disabled,
        },
        presets: &setup.presets,
        commits: a.commits,
        weights: weights.as_ref(),
        quiet: a.quiet,
    };
    let mut files = Vec::new();
    let mut failed = false;
    for r in analyze::replay_all(&targets, &shared) {
        match r {
            Ok(f) => files.push(f),
            Err(e) => {
                failed = true;
                eprintln!("dockopt: error: {e}");
            }
        }
    }
    let out = match a.format {
        ReplayFormat::Text => output::text(&files),
        ReplayFormat::Json => output::json(&files),
    };
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())?;
    Ok(if failed { 2 } else { 0 })
}
