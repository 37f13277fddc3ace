//! Running over paths: find the files, give each its build context, process
//! them in parallel, then hand the sorted results to the report.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rayon::prelude::*;

use crate::cli::Args;
use crate::context::BuildContext;
use crate::engine::{self, Options, Outcome};
use crate::preset::Presets;
use crate::report::{self, Mode};

/// One Dockerfile to process.
#[derive(Debug, Clone)]
pub struct Target {
    /// Path on disk (`-` for stdin).
    pub path: PathBuf,
    /// Path as shown and used in diff headers (relative to the working directory when possible).
    pub display: String,
    pub context: Option<PathBuf>,
    /// Why this context: `dockerfile-dir`, `--context`, `none`.
    pub context_source: &'static str,
}

/// The result for one file.
pub struct FileResult {
    pub target: Target,
    pub original: Option<String>,
    pub outcome: Result<Outcome, String>,
}

impl FileResult {
    pub fn status(&self) -> &'static str {
        match &self.outcome {
            Err(_) => "error",
            Ok(o) if o.fixed.is_some() || o.ignore.is_some() => "changed",
            Ok(o) if o.findings.iter().any(|f| f.reason.is_some() || f.fix.is_some()) => "left-alone",
            Ok(_) => "unchanged",
        }
    }
}

pub fn display_path(p: &Path) -> String {
    if p == Path::new("-") {
        return "-".into();
    }
    let cwd = std::env::current_dir().ok();
    let rel = match (&cwd, p.is_absolute()) {
        (Some(cwd), true) => p.strip_prefix(cwd).unwrap_or(p),
        _ => p,
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn targets(args: &Args, threads: usize) -> Result<Vec<Target>> {
    let paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut out = Vec::new();
    for p in &paths {
        if p == Path::new("-") {
            out.push(Target {
                path: p.clone(),
                display: "-".into(),
                context: args.context.clone(),
                context_source: if args.context.is_some() { "--context" } else { "none" },
            });
        } else if p.is_dir() {
            let found = crate::walk::find_dockerfiles(p, threads);
            if found.is_empty() && !args.quiet {
                eprintln!("dockopt: {}: no Dockerfiles found", p.display());
            }
            for f in found {
                out.push(file_target(&f, args));
            }
        } else {
            out.push(file_target(p, args));
        }
    }
    if args.context.is_some() && out.len() > 1 {
        bail!("--context applies to a single Dockerfile, but {} were given or found", out.len());
    }
    Ok(out)
}

fn file_target(f: &Path, args: &Args) -> Target {
    let (context, context_source) = match &args.context {
        Some(c) => (Some(c.clone()), "--context"),
        None => {
            let dir = match f.parent() {
                Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
                _ => PathBuf::from("."),
            };
            (Some(dir), "dockerfile-dir")
        }
    };
    Target {
        path: f.to_path_buf(),
        display: display_path(f),
        context,
        context_source,
    }
}

fn process(t: &Target, opts: &Options) -> FileResult {
    let original = match crate::input::read_dockerfile(&t.path) {
        Ok(s) => s,
        Err(e) => {
            return FileResult {
                target: t.clone(),
                original: None,
                outcome: Err(format!("{e:#}")),
            }
        }
    };
    let ctx = match &t.context {
        Some(dir) => {
            let df_path = if t.path == Path::new("-") { dir.join("Dockerfile") } else { t.path.clone() };
            match BuildContext::open(dir, &df_path) {
                Ok(c) => Some(c),
                Err(e) => {
                    return FileResult {
                        target: t.clone(),
                        original: Some(original),
                        outcome: Err(format!("{}: {e:#}", t.display)),
                    }
                }
            }
        }
        None => None,
    };
    let outcome = engine::process(&original, ctx.as_ref(), opts).map_err(|e| format!("{}: {e:#}", t.display));
    FileResult {
        target: t.clone(),
        original: Some(original),
        outcome,
    }
}

pub fn run(args: &Args) -> Result<u8> {
    let presets = Presets::load(&args.preset_dir)?;
    let threads = args.jobs.unwrap_or(0);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start worker threads")?;
    let threads = pool.current_num_threads();
    let targets = targets(args, threads)?;
    let opts = Options {
        presets: &presets,
        unsafe_fixes: args.unsafe_fixes,
        disabled_rules: &args.ignore_rules,
    };
    let mut results: Vec<FileResult> = pool.install(|| targets.par_iter().map(|t| process(t, &opts)).collect());
    results.sort_by(|a, b| a.target.display.cmp(&b.target.display));
    let mode = if args.fix {
        Mode::Fix
    } else if args.check {
        Mode::Check
    } else {
        Mode::Diff
    };
    report::emit(&results, mode, args)
}

pub fn rule_doc(name: Option<&str>) -> Result<u8> {
    match name {
        None => {
            for r in crate::rules::RULES {
                println!("{:<24} {}", r.name, r.summary);
            }
            Ok(0)
        }
        Some(n) => match crate::rules::find(n) {
            Some(r) => {
                print!("{}", r.doc);
                Ok(0)
            }
            None => bail!(
                "unknown rule `{n}` (known: {})",
                crate::rules::RULES.iter().map(|r| r.name).collect::<Vec<_>>().join(", ")
            ),
        },
    }
}

pub fn list_presets(dirs: &[PathBuf]) -> Result<u8> {
    let presets = Presets::load(dirs)?;
    for p in &presets.list {
        println!("{:<10} {:<40} {}", p.name, p.description, p.origin);
    }
    Ok(0)
}
