//! One Dockerfile: find its repository and context there, get the rewritten
//! text from the engine, and replay the history against both versions.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use anyhow::{anyhow, bail, Context, Result};

use crate::context::{BuildContext, DockerIgnore};
use crate::engine::{self, Options, Outcome};
use crate::model::Model;
use crate::preset::Presets;
use crate::runner::Target;

use super::git::{History, Repo};
use super::simulate::{self, ContextView};
use super::steps::Steps;
use super::{install, mapping};

/// Why the rewritten version equals the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// dockopt rewrites the file (or its ignore file).
    Rewritten,
    /// The file is left as it is, and why.
    LeftAlone(String),
}

/// A step and how many commits re-ran it under each version.
#[derive(Debug, Clone)]
pub struct StepCount {
    pub line: usize,
    pub instruction: String,
    pub original: usize,
    pub rewritten: usize,
}

/// The first step that re-runs most often in one version.
#[derive(Debug, Clone)]
pub struct Hot {
    pub line: usize,
    pub instruction: String,
    pub count: usize,
}

/// The replay of one file.
#[derive(Debug, Clone)]
pub struct FileReplay {
    pub path: String,
    /// Commits with a parent that were replayed.
    pub commits: usize,
    pub install: Option<StepCount>,
    pub steps: Vec<StepCount>,
    pub hot_original: Option<Hot>,
    pub hot_rewritten: Option<Hot>,
    pub rewrite: Rewrite,
    /// Seconds of re-runs: (original, rewritten), with `--weights`.
    pub seconds: Option<(f64, f64)>,
}

/// What every file shares.
pub struct Shared<'a> {
    pub opts: Options<'a>,
    pub presets: &'a Presets,
    pub commits: u32,
    pub weights: Option<&'a super::weights::Weights>,
    pub quiet: bool,
}

/// Histories already read, by repository root.
#[derive(Default)]
pub struct Histories(HashMap<PathBuf, Rc<History>>);

/// One version of the file, analysed.
struct Version<'a> {
    steps: Steps,
    counts: Vec<usize>,
    install: Option<usize>,
    model: Model<'a>,
}

/// The repository, the context's place in it and the commits to replay.
struct Located {
    prefix: String,
    history: Rc<History>,
}

fn canonical(p: &Path, what: &str) -> Result<PathBuf> {
    std::fs::canonicalize(p).map_err(|e| anyhow!("{what} {}: {e}", p.display()))
}

fn locate(t: &Target, sh: &Shared, hist: &mut Histories) -> Result<Located> {
    let df = canonical(&t.path, "Dockerfile")?;
    let dir = df.parent().unwrap_or(Path::new("/"));
    let repo = Repo::discover(dir)?;
    let df_rel = repo.relative(&df).ok_or_else(|| {
        anyhow!(
            "resolves to {}, outside the work tree {}",
            df.display(),
            repo.root.display()
        )
    })?;
    if !repo.has_head() {
        bail!("the repository {} has no commits yet", repo.root.display());
    }
    if !repo.is_tracked(&df_rel)? {
        bail!(
            "not tracked by git (not in HEAD of {}): commit it first, replay uses the history of the file's repository",
            repo.root.display()
        );
    }
    let ctx_dir = t.context.clone().unwrap_or_else(|| PathBuf::from("."));
    let ctx = canonical(&ctx_dir, "build context")?;
    let prefix = repo.relative(&ctx).ok_or_else(|| {
        anyhow!(
            "build context {} is outside the repository {}: its files have no history there",
            ctx.display(),
            repo.root.display()
        )
    })?;
    if !hist.0.contains_key(&repo.root) {
        let h = repo.history(sh.commits)?;
        hist.0.insert(repo.root.clone(), Rc::new(h));
    }
    let h = Rc::clone(&hist.0[&repo.root]);
    if h.commits.is_empty() {
        bail!(
            "no commit with a parent among the last {} of {}{}",
            sh.commits,
            repo.root.display(),
            if repo.shallow {
                " (a shallow clone: `git fetch --unshallow`)"
            } else {
                ""
            }
        );
    }
    if repo.shallow && h.commits.len() < sh.commits as usize && !sh.quiet {
        eprintln!(
            "dockopt: warning: {}: a shallow clone: only {} of the {} commits asked have their parent here; the counts cover those (`git fetch --unshallow` for more)",
            t.display,
            h.commits.len(),
            sh.commits
        );
    }
    Ok(Located { prefix, history: h })
}

/// Why the engine proposes no change.
fn left_alone_reason(o: &Outcome) -> String {
    if let Some(r) = o.findings.iter().find_map(|f| f.refusal.as_ref()) {
        return r.text().to_string();
    }
    if o.findings.iter().any(|f| f.fix.is_some()) {
        return "the fix is marked unsafe (replay with --unsafe-fixes to count it)".into();
    }
    "dockopt proposes no change".into()
}

fn version<'a>(m: Model<'a>, ignore: &DockerIgnore, loc: &Located) -> Version<'a> {
    let steps = Steps::new(&m);
    let ctx = ContextView {
        prefix: &loc.prefix,
        ignore,
    };
    let counts = simulate::count(&steps, &ctx, &loc.history.commits);
    Version {
        steps,
        counts,
        install: None,
        model: m,
    }
}

/// Replay one file. Errors name the problem; the caller adds the path.
pub fn replay(t: &Target, sh: &Shared, hist: &mut Histories) -> Result<FileReplay> {
    let text = crate::input::read_dockerfile(&t.path)?;
    let loc = locate(t, sh, hist)?;
    let ctx_dir = t.context.clone().unwrap_or_else(|| PathBuf::from("."));
    let ctx = BuildContext::open(&ctx_dir, &t.path)?;
    let outcome = engine::process(&text, Some(&ctx), &sh.opts)?;
    let fixed = outcome.fixed.clone().unwrap_or_else(|| text.clone());
    let new_ignore = outcome
        .ignore
        .as_ref()
        .map(|c| DockerIgnore::parse(&c.new_text()));
    let rewrite = if outcome.fixed.is_some() || outcome.ignore.is_some() {
        Rewrite::Rewritten
    } else {
        Rewrite::LeftAlone(left_alone_reason(&outcome))
    };
    let df_a = crate::syntax::parse(text.as_bytes());
    let df_b = crate::syntax::parse(fixed.as_bytes());
    let mut a = version(Model::new(&text, &df_a), ctx.ignore(), &loc);
    let mut b = version(
        Model::new(&fixed, &df_b),
        new_ignore.as_ref().unwrap_or(ctx.ignore()),
        &loc,
    );
    let finding_line = outcome.findings.first().map(|f| f.line(&text));
    if let Some((inst, rank)) = install::original(&a.model, &a.steps, sh.presets, finding_line) {
        a.install = Some(inst.step);
        b.install = if fixed == text {
            a.install
        } else {
            install::rewritten(&b.model, &b.steps, sh.presets, &inst.preset, rank).map(|i| i.step)
        };
    }
    Ok(report(t, &loc, &a, &b, rewrite, sh))
}

fn hot(v: &Version) -> Option<Hot> {
    let max = *v.counts.iter().max()?;
    let k = v.counts.iter().position(|&c| c == max)?;
    (max > 0).then(|| Hot {
        line: v.steps.steps[k].line,
        instruction: v.steps.steps[k].text.clone(),
        count: max,
    })
}

fn report(
    t: &Target,
    loc: &Located,
    a: &Version,
    b: &Version,
    rewrite: Rewrite,
    sh: &Shared,
) -> FileReplay {
    let map = mapping::map(&a.steps, &b.steps);
    let rew = mapping::counts(&map, &b.counts);
    let steps: Vec<StepCount> = a
        .steps
        .steps
        .iter()
        .zip(a.counts.iter().zip(&rew))
        .map(|(s, (&o, &r))| StepCount {
            line: s.line,
            instruction: s.text.clone(),
            original: o,
            rewritten: r,
        })
        .collect();
    let install = a.install.map(|k| StepCount {
        // No install found in the rewritten file: count the original's mapping.
        rewritten: b.install.map_or(rew[k], |j| b.counts[j]),
        ..steps[k].clone()
    });
    let seconds = sh.weights.map(|w| (cost(w, a), cost(w, b)));
    FileReplay {
        path: t.display.clone(),
        commits: loc.history.commits.len(),
        install,
        steps,
        hot_original: hot(a),
        hot_rewritten: hot(b),
        rewrite,
        seconds,
    }
}

fn cost(w: &super::weights::Weights, v: &Version) -> f64 {
    w.cost(
        v.steps
            .steps
            .iter()
            .enumerate()
            .map(|(k, s)| (s.text.as_str(), v.install == Some(k), v.counts[k])),
    )
}

/// Replay every target; a failure is reported with the file's path.
pub fn replay_all(targets: &[Target], sh: &Shared) -> Vec<Result<FileReplay, String>> {
    let mut hist = Histories::default();
    targets
        .iter()
        .map(|t| {
            replay(t, sh, &mut hist)
                .with_context(|| t.display.clone())
                .map_err(|e| format!("{e:#}"))
        })
        .collect()
}
