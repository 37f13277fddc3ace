//! Where R splits: the commands before the install stay with it (they now
//! run before the source copy, so each must commute with it), and the
//! commands after it either stay too (a cache cleanup that commutes) or move
//! to a RUN after the source copy.

use crate::shell::Separator;

use super::candidate::Candidate;
use super::commute::SourceCopy;
use super::refusal::Refusal;
use super::steps::{self, CommandEffect, RunEnv};
use crate::rules::RuleContext;

/// What R's shell does around the install.
pub struct Split {
    /// The install's working directory (WORKDIR plus any `cd`).
    pub cwd: String,
    /// Directories the prelude changes to.
    pub cd_dirs: Vec<String>,
    prelude: Vec<CommandEffect>,
    /// Commands run with `||` when the install fails (`|| true`).
    or_else: Vec<CommandEffect>,
    after: Vec<CommandEffect>,
}

/// The decisions made once the manifests are known.
pub struct SplitPlan {
    /// Prelude commands repeated at the start of the RUN after the source copy.
    pub carried: Vec<String>,
    /// A carried command restores files (`chmod +x mvnw`): the RUN after the
    /// source copy is needed even with nothing else to run.
    pub carried_needs_run: bool,
    /// Commands after the install that stay in its RUN.
    pub kept_after: usize,
}

impl Split {
    /// The commands of R that run before the source copy after the rewrite:
    /// the prelude, what the install falls back to with `||`, and the
    /// `kept` commands after the install that stay with it.
    pub fn before_copy(&self, kept: usize) -> impl Iterator<Item = &CommandEffect> {
        (self.prelude.iter())
            .chain(&self.or_else)
            .chain(self.after.iter().take(kept))
    }
}

pub fn split_run(rc: &RuleContext, cand: &Candidate) -> Result<Split, Refusal> {
    check_separators(cand)?;
    let m = rc.model;
    let mut env = RunEnv::at(m, cand.run);
    if env.cwd.is_none() {
        return Err(Refusal::Unresolved(
            "the WORKDIR of the RUN depends on a value dockopt cannot resolve".into(),
        ));
    }
    let script = &cand.install.script;
    let k = cand.install.k;
    let prelude = steps::script_effects(rc, cand.run, script, &mut env, 0..k);
    let mut cd_dirs = Vec::new();
    for ce in &prelude {
        let cmd = &script.commands[ce.index];
        let text = &cand.install.text[cmd.span.clone()];
        if cmd.program() == Some("cd") {
            match (cmd.cd_target(), &env.cwd) {
                (Some(_), Some(_)) => {}
                _ => {
                    return Err(Refusal::Prelude(format!(
                        "`{text}` changes to a directory dockopt cannot resolve"
                    )))
                }
            }
        }
        if let Some(why) = &ce.effect.unknown {
            return Err(Refusal::Prelude(format!(
                "the RUN runs `{text}` before the install, which may read or write anything: {why}"
            )));
        }
    }
    // The cwd after the prelude's `cd`s is where the install runs.
    let cwd = env.cwd.clone().expect("checked above");
    let mut dir = m.state[cand.run].workdir.clone().unwrap_or_default();
    for ce in &prelude {
        if let Some(d) = script.commands[ce.index].cd_target() {
            dir = super::paths::resolve(&dir, d);
            cd_dirs.push(dir.clone());
        }
    }
    let last = cand.install.last();
    check_install_substitutions(cand, last)?;
    let or_else =
        steps::script_effects(rc, cand.run, script, &mut env, cand.install.or_else_range());
    let after = steps::script_effects(
        rc,
        cand.run,
        script,
        &mut env,
        last + 1..script.commands.len(),
    );
    Ok(Split {
        cwd,
        cd_dirs,
        prelude,
        or_else,
        after,
    })
}

/// A command substitution in the install's own words runs with it, before the
/// source copy once moved: what it reads may not be there yet
/// (`npm ci > $(cat src/name)` then fails). Not followed: refused.
fn check_install_substitutions(cand: &Candidate, last: usize) -> Result<(), Refusal> {
    let script = &cand.install.script;
    for cmd in &script.commands[cand.install.k..=last] {
        let word = (cmd.words.iter())
            .chain(&cmd.assignments)
            .chain(cmd.redirects.iter().map(|r| &r.target))
            .find(|w| !w.literal && (w.text.contains("$(") || w.text.contains('`')));
        if let Some(w) = word {
            return Err(Refusal::Prelude(format!(
                "the install's `{}` runs a command substitution, which would run before the source copy",
                w.text
            )));
        }
    }
    Ok(())
}

/// R splits only at top-level `&&` after the install, and has no `||`, `|` or `&`.
fn check_separators(cand: &Candidate) -> Result<(), Refusal> {
    let script = &cand.install.script;
    let k = cand.install.k;
    let seps = &script.separators;
    let text = |i: usize| cand.install.text[script.commands[i].span.clone()].to_string();
    let last = cand.install.last();
    // `||` between the install, its fallbacks and what it falls back to
    // (`npm ci || npm install || true`) keeps them one unit.
    let blocking = |(at, s): &(usize, &Separator)| match s {
        Separator::Or => !(k..last).contains(at),
        Separator::Pipe | Separator::Background => true,
        _ => false,
    };
    if let Some((at, _)) = seps.iter().enumerate().find(blocking) {
        let (a, b) = (text(at), text(at + 1));
        return Err(Refusal::Shell(match seps[at] {
            Separator::Or => format!(
                "the RUN runs `{b}` only when `{a}` fails (`||`); splitting it would change what runs when a step fails"
            ),
            Separator::Pipe => format!(
                "the RUN pipes `{a}` into `{b}` (`|`); splitting it would change what runs when a step fails"
            ),
            _ => format!(
                "the RUN runs `{a}` in the background (`&`); splitting it would change what runs when a step fails"
            ),
        }));
    }
    if matches!(
        script.trailing,
        Some(Separator::Or | Separator::Pipe | Separator::Background | Separator::And)
    ) {
        return Err(Refusal::Shell(
            "the RUN ends with a dangling `&&`, `||`, `|` or `&`; splitting it would change what runs when a step fails".into(),
        ));
    }
    let after = &script.commands[last + 1..];
    if !after.is_empty() && seps[last..].iter().any(|s| *s != Separator::And) {
        return Err(Refusal::Shell(
            "the commands after the install are joined with `;` or newlines, not `&&`; splitting would change failure handling".into(),
        ));
    }
    Ok(())
}

/// Decide, with C known as a set of paths, what stays, what is repeated and what moves.
pub fn plan_split(
    cand: &Candidate,
    split: &Split,
    source: &SourceCopy,
    deps_only: bool,
    link_line: Option<usize>,
) -> Result<SplitPlan, Refusal> {
    let script = &cand.install.script;
    let text = |i: usize| cand.install.text[script.commands[i].span.clone()].to_string();
    let mut plan = SplitPlan {
        carried: Vec::new(),
        carried_needs_run: false,
        kept_after: 0,
    };
    for ce in &split.prelude {
        let eff = &ce.effect;
        if eff.state && eff.is_pure() {
            plan.carried.push(text(ce.index));
            continue;
        }
        if let (Some(line), false) = (link_line, eff.is_pure()) {
            return Err(Refusal::Prelude(format!(
                "the RUN runs `{}` before the install; it touches files, and the symbolic link made at line {line} may point them into the source copy's destination",
                text(ce.index)
            )));
        }
        let Some(conflict) = source.conflict(eff) else {
            continue;
        };
        let restorable = eff.repeatable
            && source.writes_only_manifests(eff)
            && source.conflict(&without_writes(eff)).is_none();
        if restorable {
            plan.carried.push(text(ce.index));
            plan.carried_needs_run = true;
            continue;
        }
        return Err(Refusal::Prelude(format!(
            "the RUN runs `{}` before the install; moved before the source copy, it {}",
            text(ce.index),
            conflict.describe(source.map)
        )));
    }
    check_or_else(cand, split, source, link_line)?;
    if !deps_only {
        plan.kept_after = split
            .after
            .iter()
            .take_while(|ce| {
                !ce.effect.state
                    && (link_line.is_none() || ce.effect.is_pure())
                    && source.conflict(&ce.effect).is_none()
            })
            .count();
    }
    Ok(plan)
}

/// What the install falls back to with `||` (`npm ci || true`) stays with
/// it, so it now runs before the source copy: it must commute with the copy,
/// and change no shell state (it runs only when the install fails).
fn check_or_else(
    cand: &Candidate,
    split: &Split,
    source: &SourceCopy,
    link_line: Option<usize>,
) -> Result<(), Refusal> {
    let script = &cand.install.script;
    let text = |i: usize| cand.install.text[script.commands[i].span.clone()].to_string();
    for ce in &split.or_else {
        let eff = &ce.effect;
        let why = if eff.state {
            ", which changes the shell's state, and only when the install fails".to_string()
        } else if let (Some(line), false) = (link_line, eff.is_pure()) {
            format!(", which touches files, and the symbolic link made at line {line} may point them into the source copy's destination")
        } else if let Some(conflict) = source.conflict(eff) {
            format!(
                "; moved before the source copy with the install, it {}",
                conflict.describe(source.map)
            )
        } else {
            continue;
        };
        return Err(Refusal::Prelude(format!(
            "`{}` falls back to `{}` with `||`{why}",
            cand.install.command_text,
            text(ce.index)
        )));
    }
    Ok(())
}

fn without_writes(eff: &crate::effects::Effect) -> crate::effects::Effect {
    crate::effects::Effect {
        writes: Default::default(),
        ensures: Vec::new(),
        ..eff.clone()
    }
}
