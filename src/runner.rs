//! Running over paths: find the files, give each its build context, process
//! them in parallel, then hand the sorted results to the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::context::BuildContext;
use crate::contexts::{ContextSource, Declarations};
use crate::engine::{self, Options, Outcome};
use crate::preset::Presets;
use crate::report::{self, Mode};

/// What a run needs from the command line (the CLI fills it in; nothing
/// below it sees the CLI's `Args`).
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Dockerfiles or directories (`-` for stdin).
    pub paths: Vec<PathBuf>,
    pub files_from: Option<PathBuf>,
    pub context: Option<PathBuf>,
    pub follow_links: bool,
    /// Ignore `dockopt.toml` files.
    pub isolated: bool,
    pub preset_dirs: Vec<PathBuf>,
    /// Rules to disable.
    pub ignore_rules: Vec<String>,
    pub jobs: Option<usize>,
    pub unsafe_fixes: bool,
    /// How to print (mode, format, colour, quiet...).
    pub report: report::Options,
}

/// One Dockerfile to process.
#[derive(Debug, Clone)]
pub struct Target {
    /// Path on disk (`-` for stdin).
    pub path: PathBuf,
    /// Path as shown and used in diff headers (relative to the working directory when possible).
    pub display: String,
    pub context: Option<PathBuf>,
    /// Why this context.
    pub context_source: ContextSource,
    /// Details: the config key, the compose file and service, the declaring line...
    pub context_detail: Option<String>,
    /// For a context that may be inferred: the highest candidate (repository root).
    pub infer_top: Option<PathBuf>,
    /// Other paths (symlinks) of the same file, as shown.
    pub aliases: Vec<String>,
    /// The `dockopt.toml` that applies (see [`crate::configs`]).
    pub config: Option<std::sync::Arc<crate::config::Loaded>>,
    /// The nearest `dockopt.toml` could not be loaded: an error for this file.
    pub config_error: Option<String>,
    /// Which Dockerfiles share a context (for the ignore-file sibling check).
    pub sharing: Option<std::sync::Arc<crate::sharing::Sharing>>,
}

/// The result for one file.
pub struct FileResult {
    pub target: Target,
    pub original: Option<String>,
    pub outcome: Result<Outcome, String>,
    /// What `--fix` wrote (`None`: nothing was written, or not `--fix`).
    pub written: Option<crate::fixwrite::WriteReport>,
}

/// What happened to one file (JSON `status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    Changed,
    Unchanged,
    LeftAlone,
    Error,
}

impl FileResult {
    pub fn status(&self) -> FileStatus {
        let write_failed = self.written.as_ref().is_some_and(|w| w.error.is_some());
        match &self.outcome {
            Err(_) => FileStatus::Error,
            Ok(_) if write_failed => FileStatus::Error,
            Ok(o) if o.fixed.is_some() || o.ignore.is_some() => FileStatus::Changed,
            Ok(o)
                if o.findings
                    .iter()
                    .any(|f| f.refusal.is_some() || f.fix.is_some()) =>
            {
                FileStatus::LeftAlone
            }
            Ok(_) => FileStatus::Unchanged,
        }
    }
}

pub fn display_path(p: &Path) -> String {
    if p == Path::new("-") {
        return "-".into();
    }
    let rel = match p.is_absolute() {
        true => p.strip_prefix(crate::config::cwd()).unwrap_or(p),
        false => p,
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    match s.strip_prefix("./") {
        Some(rest) => rest.to_string(),
        None if s.is_empty() => ".".to_string(),
        None => s,
    }
}

/// Where contexts come from, besides `--context`.
struct ContextSources {
    declared: std::sync::Arc<Declarations>,
}

impl ContextSources {
    fn resolve(
        &self,
        f: &Path,
        config: Option<&crate::config::Loaded>,
        flag: Option<&PathBuf>,
    ) -> (Option<PathBuf>, ContextSource, Option<String>) {
        if let Some(c) = flag {
            return (Some(c.clone()), ContextSource::Flag, None);
        }
        if let Some((ctx, key)) = config.and_then(|c| c.context_for(f)) {
            let file = config.map(|c| display_path(&c.path)).unwrap_or_default();
            return (
                Some(ctx),
                ContextSource::Config,
                Some(format!("{file} [contexts] \"{key}\"")),
            );
        }
        if let Some((ctx, source, detail)) = self.declared.resolve(f) {
            return (Some(ctx), source, Some(detail));
        }
        let dir = match f.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        (Some(dir), ContextSource::DockerfileDir, None)
    }
}

/// Compose files in the directories from `f`'s up to the working directory.
fn compose_files_above(f: &Path) -> Vec<PathBuf> {
    let cwd = crate::config::absolute(Path::new("."));
    let abs = crate::config::absolute(f);
    let mut out = Vec::new();
    for dir in abs.ancestors().skip(1) {
        for name in crate::compose::FILE_NAMES {
            let p = dir.join(name);
            if p.is_file() {
                out.push(p);
            }
        }
        if dir == cwd || !dir.starts_with(&cwd) {
            break;
        }
    }
    out
}

fn read_files_from(src: &Path) -> Result<Vec<PathBuf>> {
    let text = if src == Path::new("-") {
        crate::input::read_config_text(src).context("--files-from -: cannot read stdin")?
    } else {
        crate::input::read_config_text(src).context("cannot read the file list")?
    };
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .map(PathBuf::from)
        .collect())
}

pub(crate) fn targets(
    opts: &RunOptions,
    config: Option<crate::config::Loaded>,
    threads: usize,
) -> Result<Vec<Target>> {
    let (mut plan, _) = plan(opts, config, threads)?;
    Ok((0..plan.len()).map(|i| plan.target(i)).collect())
}

/// The files of a run, and what gives each its [`Target`] when it is
/// needed: a bulk run builds its targets a batch at a time, so memory does
/// not grow with the number of files (beyond their paths).
pub(crate) struct Plan {
    /// The Dockerfiles (`-` for stdin, first), in the order found.
    files: Vec<PathBuf>,
    aliases: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// The `dockopt.toml` for stdin, when it is read.
    stdin_config: Option<std::sync::Arc<crate::config::Loaded>>,
    sources: ContextSources,
    configs: crate::configs::Configs,
    roots: crate::contexts::Roots,
    sharing: std::sync::Arc<crate::sharing::Sharing>,
    context: Option<PathBuf>,
}

impl Plan {
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Put the files in report order: by the path as shown.
    pub fn sort(&mut self) {
        self.files.sort_by_cached_key(|f| display_path(f));
    }

    /// The target of the `i`th file.
    pub fn target(&mut self, i: usize) -> Target {
        let f = &self.files[i];
        if f == Path::new("-") {
            return Target {
                path: PathBuf::from("-"),
                display: "-".into(),
                context: self.context.clone(),
                context_source: if self.context.is_some() {
                    ContextSource::Flag
                } else {
                    ContextSource::None
                },
                context_detail: None,
                infer_top: None,
                aliases: Vec::new(),
                config: self.stdin_config.clone(),
                config_error: None,
                sharing: Some(self.sharing.clone()),
            };
        }
        let (config, config_error) = match self.configs.for_file(f) {
            Ok(c) => (c, None),
            Err(e) => (None, Some(format!("{e:#}"))),
        };
        let (context, context_source, context_detail) =
            self.sources
                .resolve(f, config.as_deref(), self.context.as_ref());
        let infer_top = (context_source == ContextSource::DockerfileDir).then(|| self.roots.of(f));
        Target {
            display: display_path(f),
            aliases: self
                .aliases
                .get(f)
                .map(|a| a.iter().map(|p| display_path(p)).collect())
                .unwrap_or_default(),
            path: f.clone(),
            context,
            context_source,
            context_detail,
            infer_top,
            config,
            config_error,
            sharing: Some(self.sharing.clone()),
        }
    }

    /// Every target once, keeping only what a bulk run needs to know of all
    /// of them before it starts: a key of each target's context (targets
    /// sharing one are processed together, [`crate::stream`]), and whether
    /// every path the run may change is under the working directory
    /// ([`crate::patch::targets_fit`]).
    pub fn survey(&mut self) -> (Vec<Option<u64>>, bool) {
        use std::hash::{BuildHasher, BuildHasherDefault};
        let hasher = BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default();
        let mut fit = true;
        let keys = (0..self.len())
            .map(|i| {
                let t = self.target(i);
                fit = fit && crate::patch::targets_fit(std::slice::from_ref(&t));
                let c = t.context.as_ref()?;
                Some(hasher.hash_one(crate::config::absolute(c)))
            })
            .collect();
        (keys, fit)
    }
}

/// The run's [`Plan`], and how many walk errors were reported (on stderr).
fn plan(
    opts: &RunOptions,
    config: Option<crate::config::Loaded>,
    threads: usize,
) -> Result<(Plan, usize)> {
    let mut walk_errors = 0;
    let mut paths: Vec<PathBuf> = opts.paths.clone();
    if let Some(list) = &opts.files_from {
        paths.extend(read_files_from(list)?);
    }
    if paths.is_empty() && opts.files_from.is_none() {
        paths.push(PathBuf::from("."));
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut compose_files: Vec<PathBuf> = Vec::new();
    let mut declaration_files: Vec<PathBuf> = Vec::new();
    let mut stdin = false;
    let mut dirs: Vec<PathBuf> = Vec::new();
    for p in &paths {
        if p == Path::new("-") {
            stdin = true;
        } else if p.is_dir() {
            dirs.push(p.clone());
        } else {
            compose_files.extend(compose_files_above(p));
            files.push(p.clone());
        }
    }
    let mut walked = None;
    let (given, mut walk_paths) = (files.len(), None);
    if !dirs.is_empty() {
        let found = crate::walk::find_opts(&dirs, threads, opts.follow_links);
        walk_errors = crate::links::report_walk(&found, opts.report.quiet);
        if found.dockerfiles.is_empty() && !opts.report.quiet {
            let shown: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            eprintln!("dockopt: {}: no Dockerfiles found", shown.join(", "));
        }
        walked = (!opts.follow_links).then(|| crate::sharing::Walked::of(&dirs, &found));
        walk_paths = crate::links::Walked::of(&dirs, &found, opts.follow_links);
        files.extend(found.dockerfiles);
        compose_files.extend(found.compose_files);
        declaration_files.extend(found.declaration_files);
    }
    let crate::links::Deduped { files, aliases } =
        crate::links::dedupe_walked(files, given, walk_paths.as_ref());
    crate::links::report_aliases(&aliases, opts.report.quiet);
    compose_files.sort();
    compose_files.dedup();
    let mut compose = BTreeMap::new();
    for c in &compose_files {
        compose.extend(crate::compose::read(c));
    }
    let files = crate::declared::with_compose(files, &compose, &dirs);
    let mut tops = dirs.clone();
    tops.push(PathBuf::from("."));
    let mut roots = crate::contexts::Roots::new(&tops);
    let declared = std::sync::Arc::new(if opts.context.is_some() {
        Declarations::default()
    } else {
        Declarations::collect(&files, &dirs, declaration_files, compose, &mut roots)
    });
    let configs = crate::configs::Configs::new(config, opts.isolated);
    let mut sharing = crate::sharing::Sharing::new(&tops, configs.fallback(), opts.isolated);
    if let Some(w) = walked.filter(|_| opts.context.is_none()) {
        sharing = sharing.with_walk(w, declared.clone());
    }
    let sharing = std::sync::Arc::new(sharing);
    let sources = ContextSources { declared };
    let mut files = files;
    let mut configs = configs;
    let mut stdin_config = None;
    if stdin {
        files.insert(0, PathBuf::from("-"));
        stdin_config = configs.for_file(Path::new("Dockerfile"))?;
    }
    if opts.context.is_some() && files.len() > 1 {
        bail!(
            "--context applies to a single Dockerfile, but {} were given or found",
            files.len()
        );
    }
    let plan = Plan {
        files,
        aliases,
        stdin_config,
        sources,
        configs,
        roots,
        sharing,
        context: opts.context.clone(),
    };
    Ok((plan, walk_errors))
}

fn process(t: &Target, opts: &Options) -> FileResult {
    let mut t = t.clone();
    let original = match crate::input::read_dockerfile(&t.path) {
        Ok(s) => s,
        Err(e) => {
            return FileResult {
                target: t.clone(),
                original: None,
                outcome: Err(format!("{e:#}")),
                written: None,
            }
        }
    };
    if let Some(top) = &t.infer_top {
        if let Some((dir, detail)) = crate::contexts::infer::infer(&original, &t.path, top) {
            (t.context, t.context_source) = (Some(dir), ContextSource::Inferred);
            t.context_detail = Some(detail);
        }
    }
    let mut outcome = run_in(&t, t.context.as_deref(), &original, opts);
    let wider = match (&t.infer_top, &t.context) {
        (Some(top), Some(current)) => crate::contexts::infer::widen_for_manifests(
            &original,
            &t.path,
            top,
            current,
            &outcome,
            |dir| run_in(&t, Some(dir), &original, opts),
        ),
        _ => None,
    };
    if let Some((dir, detail, o)) = wider {
        (t.context, t.context_source) = (Some(dir), ContextSource::Inferred);
        t.context_detail = Some(detail);
        outcome = o;
    }
    FileResult {
        target: t,
        original: Some(original),
        outcome,
        written: None,
    }
}

/// The engine's outcome for `original` in the context `dir`.
fn run_in(
    t: &Target,
    dir: Option<&Path>,
    original: &str,
    opts: &Options,
) -> Result<Outcome, String> {
    let ctx = match dir {
        Some(dir) => {
            let df_path = if t.path == Path::new("-") {
                dir.join("Dockerfile")
            } else {
                t.path.clone()
            };
            match BuildContext::open(dir, &df_path) {
                Ok(c) => Some(c.with_sharing(t.sharing.clone())),
                Err(e) => return Err(format!("{}: {e:#}", t.display)),
            }
        }
        None => None,
    };
    engine::process(original, ctx.as_ref(), opts).map_err(|e| format!("{}: {e:#}", t.display))
}

/// What a run reads before it looks at any file: configuration, presets and
/// the disabled rules (shared with `dockopt replay`).
pub(crate) struct Setup {
    pub config: Option<crate::config::Loaded>,
    pub presets: Presets,
    pub disabled: Vec<String>,
}

pub(crate) fn setup(opts: &RunOptions) -> Result<Setup> {
    let config = if opts.isolated {
        None
    } else {
        crate::config::discover(Path::new("."))?
    };
    let mut preset_dirs = config.as_ref().map(|c| c.preset_dirs()).unwrap_or_default();
    preset_dirs.extend(opts.preset_dirs.iter().cloned());
    let presets = Presets::load(&preset_dirs)?;
    let mut disabled = opts.ignore_rules.clone();
    if let Some(c) = &config {
        disabled.extend(c.config.ignore.iter().map(|r| r.get_ref().clone()));
    }
    for d in &disabled {
        if crate::rules::find(d).is_none() {
            bail!("unknown rule `{d}`");
        }
    }
    Ok(Setup {
        config,
        presets,
        disabled,
    })
}

pub fn run(opts: &RunOptions) -> Result<u8> {
    let Setup { config, .. } = setup(opts)?;
    let (mut plan, walk_errors) = plan(opts, config, crate::jobs::wanted(opts.jobs))?;
    let threads = crate::jobs::pool_size(opts.jobs, plan.len());
    // One worker (one file, or -j 1) runs on this thread: starting a thread
    // pool was a good part of a one-file run.
    let pool = match threads {
        1 => None,
        n => Some(
            rayon::ThreadPoolBuilder::new()
                .num_threads(n)
                .build()
                .context("cannot start worker threads")?,
        ),
    };
    // Reported in path order; processed in that order too, so results can
    // be printed and dropped as they come (bounded memory on big trees).
    plan.sort();
    let (keys, fit) = plan.survey();
    let progress = progress_bar(plan.len(), opts.report.quiet);
    let mode = opts.report.mode;
    // The targets are made a chunk at a time (no group of files sharing a
    // context spans two); batches of a chunk run in parallel, each reported
    // (in order) before the next starts, so at most one batch of results
    // and one chunk of targets are held.
    let mut sets = crate::configs::RuleSets::default();
    let (pool, progress_ref) = (pool.as_ref(), &progress);
    let results = crate::stream::chunks(&keys, CHUNK)
        .into_iter()
        .flat_map(move |range| {
            let targets: Vec<Target> = range.map(|i| plan.target(i)).collect();
            let sets = sets.for_targets(&targets, opts);
            crate::stream::results(
                targets,
                pool,
                crate::stream::batch_size(threads),
                move |t| {
                    let r = process_target(t, sets.of(t), opts);
                    progress_ref.inc(1);
                    r
                },
            )
        });
    // `--fix` writes each result, in report order, before it is printed.
    let results = results.map(|mut r| {
        if mode == Mode::Fix {
            r.written = crate::fixwrite::write(&r);
        }
        r
    });
    // Diff headers are relative to the working directory when every file the
    // run may change is under it (then results stream); otherwise to the
    // directory above the changed files, known once all are processed. Runs
    // that print no diff (--check, --fix, SARIF) always stream.
    let prints_diffs = opts.report.format == report::Format::Json
        || (opts.report.format == report::Format::Text && mode == Mode::Diff);
    let code = if !prints_diffs || fit {
        report::emit(results, &opts.report, &progress, Default::default())
    } else {
        let all: Vec<FileResult> = results.collect();
        let root = crate::patch::PatchRoot::of(&all);
        report::emit(all, &opts.report, &progress, root)
    };
    progress.finish_and_clear();
    let code = code?;
    // A directory that could not be searched may hide Dockerfiles: an error.
    Ok(if walk_errors > 0 { 2 } else { code })
}

/// Targets made at once in a bulk run (see [`crate::stream::chunks`]).
const CHUNK: usize = 1024;

/// The result of one target with its rule set (or the error loading it).
fn process_target(
    t: &Target,
    set: &Result<crate::configs::RuleSet, String>,
    opts: &RunOptions,
) -> FileResult {
    match (&t.config_error, set) {
        (Some(e), _) | (None, Err(e)) => FileResult {
            target: t.clone(),
            original: None,
            outcome: Err(e.clone()),
            written: None,
        },
        (None, Ok(set)) => process(
            t,
            &Options {
                presets: &set.presets,
                unsafe_fixes: opts.unsafe_fixes,
                disabled_rules: &set.disabled,
            },
        ),
    }
}

/// A progress bar on stderr, only when it is a terminal and the run is long
/// enough to want one; hidden otherwise.
fn progress_bar(len: usize, quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet || len < 200 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(len as u64);
    pb.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} Dockerfiles {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    pb
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
                crate::rules::RULES
                    .iter()
                    .map(|r| r.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
    }
}

pub fn list_presets(dirs: &[PathBuf]) -> Result<u8> {
    let presets = Presets::load(dirs)?;
    for p in &presets.list {
        println!("{:<12} {:<64} {}", p.name, p.description, p.origin);
    }
    Ok(0)
}
