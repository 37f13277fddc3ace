//! Where the manifests copy M goes. Taking C's place, M runs before every
//! step between C and the install, so a manifest edit re-runs them all
//! (`apt-get install`, `pip install poetry`). M goes instead right before
//! the first step it does not commute with, or right before the install,
//! when it then passes a RUN, COPY or ADD: `S..., M, R, C` keeps the
//! file's meaning when M and each S it passes can run in either order.
//!
//! M and a step S commute when
//! - S touches (reads, writes, creates or needs) none of the files M
//!   brings and nothing inside a directory M may create (the parents of
//!   those files, up to the directory the working directory proves exists);
//! - S is no WORKDIR (M's relative destination would resolve elsewhere) and
//!   no ENV/ARG setting a variable M's flags or destination use;
//! - S changes no user database when M's `--chown` names a user;
//! - every command of S is in the command table: a command a preset only
//!   vouches for (`prelude`) is known to read no source file, not that it
//!   reads no manifest.
//!
//! USER, SHELL and the config-only instructions change nothing a COPY
//! reads: a COPY's files are owned by 0:0 unless `--chown` says otherwise,
//! whatever the USER. Steps carried after the install with C are not
//! passed: they run after C, as before.

use crate::effects::command::{self, ShellEnv};
use crate::effects::{Effect, PathPat};
use crate::model::{key_values, referenced_vars, IMAGE_WORKDIR};
use crate::syntax::Keyword;

use super::candidate::Candidate;
use super::commute::SourceCopy;
use super::crossing::Crossing;
use super::paths::is_under;
use super::plan::Dest;
use super::steps::{run_script, RunEnv};
use crate::rules::RuleContext;

/// What M touches in the image, as the steps it passes see it.
struct ManifestCopy {
    /// The files M writes.
    files: Vec<String>,
    /// The directories M may create: the parents of its files that are not
    /// known to exist before C.
    dirs: Vec<String>,
    /// Variables M's flags and destination use.
    vars: Vec<String>,
    /// M resolves `--chown` names from the image's user database.
    chown_names: bool,
}

/// The instruction before which M goes, when that is later than C's
/// place; `None`: M takes C's place.
pub fn m_before(
    rc: &RuleContext,
    cand: &Candidate,
    dest: &Dest,
    crossing: &Crossing,
    carried: &[usize],
    source: &SourceCopy,
) -> Option<usize> {
    if source.m_files.is_empty() || crossing.link_line.is_some() {
        return None;
    }
    let m = manifest_copy(rc, cand, dest, source)?;
    let staying = crossing
        .steps
        .iter()
        .filter(|(xi, _)| !carried.contains(xi));
    // Passing only config instructions (USER, LABEL) spares no step.
    let mut spared = false;
    for (xi, eff) in staying {
        if !commutes(rc, *xi, eff, &m) {
            return spared.then_some(*xi);
        }
        spared |= makes_a_layer(rc.model.ins[*xi].kind);
    }
    spared.then_some(cand.run)
}

/// A step a manifest edit would re-run when M stood before it.
fn makes_a_layer(k: Keyword) -> bool {
    matches!(k, Keyword::Run | Keyword::Copy | Keyword::Add)
}

fn manifest_copy(
    rc: &RuleContext,
    cand: &Candidate,
    dest: &Dest,
    source: &SourceCopy,
) -> Option<ManifestCopy> {
    let files: Vec<String> = (source.m_files.iter())
        .map(|f| source.map.to_image(f).map(|p| p.into_string()))
        .collect::<Option<_>>()?;
    // A directory WORKDIR made exists before C, and so do those above it.
    let existing = rc.model.state[cand.copy]
        .workdir
        .clone()
        .filter(|w| !w.starts_with(IMAGE_WORKDIR))
        .unwrap_or_else(|| "/".into());
    let mut dirs: Vec<String> = Vec::new();
    for f in &files {
        let mut d = f.as_str();
        while let Some((up, _)) = d.rsplit_once('/') {
            d = if up.is_empty() { "/" } else { up };
            if is_under(&existing, d) {
                break;
            }
            dirs.push(d.to_string());
        }
    }
    dirs.sort();
    dirs.dedup();
    let c = rc.model.ins[cand.copy];
    let mut vars = referenced_vars(&dest.written);
    vars.extend(c.flags.iter().flat_map(|f| referenced_vars(&f.text)));
    Some(ManifestCopy {
        files,
        dirs,
        vars,
        chown_names: source.chown_names,
    })
}

/// Can M move past step `xi`, whose effect is `eff`?
fn commutes(rc: &RuleContext, xi: usize, eff: &Effect, m: &ManifestCopy) -> bool {
    let x = rc.model.ins[xi];
    match x.kind {
        Keyword::Workdir | Keyword::Volume => return false,
        Keyword::Env | Keyword::Arg => {
            let set = key_values(&x.args_str(), x.kind == Keyword::Env);
            if set.iter().any(|(v, _)| m.vars.contains(v)) {
                return false;
            }
        }
        Keyword::Run if !table_knows_every_command(rc, xi) => return false,
        _ => {}
    }
    if eff.unknown.is_some() {
        return false;
    }
    let m_paths: Vec<PathPat> = (m.files.iter().map(|f| PathPat::Exact(f.clone())))
        .chain(m.dirs.iter().map(|d| PathPat::Tree(d.clone())))
        .collect();
    let hits = |p: &PathPat| m_paths.iter().any(|q| overlap(p, q));
    // Reading or writing a directory above M's files (a listing, a mode)
    // sees or changes what M adds to it.
    let above = |p: &PathPat| m.files.iter().any(|f| is_under(f, p.path()));
    if (eff.reads.pats.iter().chain(&eff.writes.pats)).any(|p| hits(p) || above(p)) {
        return false;
    }
    let dirs = eff.ensures.iter().chain(&eff.needs_dirs);
    if dirs.map(|d| PathPat::Exact(d.clone())).any(|p| hits(&p)) {
        return false;
    }
    if m.chown_names {
        let db = |p: &PathPat| {
            ["/etc/passwd", "/etc/group"]
                .iter()
                .any(|d| overlap(p, &PathPat::Exact(d.to_string())))
        };
        if eff.writes.pats.iter().any(db) {
            return false;
        }
    }
    true
}

/// Is every command of RUN `xi` described by the command table (not only
/// vouched for by a preset's `prelude`)?
fn table_knows_every_command(rc: &RuleContext, xi: usize) -> bool {
    let Ok(run) = run_script(rc.model, xi) else {
        return false;
    };
    let env = RunEnv::at(rc.model, xi);
    let vars = &rc.model.state[xi].vars;
    run.script.commands.iter().all(|cmd| {
        let shell = ShellEnv {
            cwd: env.cwd.clone(),
            vars,
            home: env.home.clone(),
            path_dirs: &env.path_dirs,
        };
        command::effect(&rc.presets.commands, cmd, &shell, false)
            .unknown
            .is_none()
    })
}

/// Do two patterns name a common path?
fn overlap(a: &PathPat, b: &PathPat) -> bool {
    match (a, b) {
        (PathPat::Exact(p), PathPat::Exact(q)) => p == q,
        (PathPat::Exact(p), PathPat::Tree(t)) | (PathPat::Tree(t), PathPat::Exact(p)) => {
            is_under(p, t)
        }
        (PathPat::Tree(s), PathPat::Tree(t)) => is_under(s, t) || is_under(t, s),
    }
}
