//! The effects of the instructions and RUN commands the rewrite moves C
//! past, computed with the command table.

use crate::effects::command::{self, ShellEnv};
use crate::effects::{Effect, PathPat};
use crate::model::{key_values, Model, RunScript};
use crate::shell;
use crate::syntax::Keyword;

use super::paths::{is_under, resolve};
use crate::rules::RuleContext;

/// The shell environment in which RUN `i` starts.
pub struct RunEnv {
    pub cwd: Option<String>,
    pub home: Option<String>,
    pub path_dirs: Vec<String>,
}

impl RunEnv {
    pub fn at(m: &Model, i: usize) -> RunEnv {
        RunEnv {
            cwd: m.state[i].workdir.clone(),
            home: home_at(m, i),
            path_dirs: path_dirs_at(m, i),
        }
    }
}

/// The home directory of the user in effect at `i` (`home.rs`).
fn home_at(m: &Model, i: usize) -> Option<String> {
    super::home::at(m, i).known()
}

/// Literal directories any `ENV PATH=` before `i` puts on the search path.
fn path_dirs_at(m: &Model, i: usize) -> Vec<String> {
    let mut out = Vec::new();
    for j in 0..i {
        if m.ins[j].kind != Keyword::Env {
            continue;
        }
        for (k, v) in key_values(&m.ins[j].args_str(), true) {
            if k == "PATH" {
                for d in v.unwrap_or_default().split(':') {
                    if d.starts_with('/') && !d.contains('$') && !out.iter().any(|o| o == d) {
                        out.push(d.trim_end_matches('/').to_string());
                    }
                }
            }
        }
    }
    out
}

/// The shell text of RUN `i` and its parse, or why it cannot be read.
pub fn run_script<'m>(m: &'m Model, i: usize) -> Result<&'m RunScript, String> {
    if !m.ins[i].heredocs.is_empty() {
        return Err("the RUN uses a heredoc".into());
    }
    m.run_view(i)
        .and_then(|v| v.own.as_ref())
        .ok_or_else(|| "an exec-form RUN with arguments dockopt cannot read".into())
}

/// One command of a script with its effect.
pub struct CommandEffect {
    pub index: usize,
    pub effect: Effect,
}

/// The effects of `commands` of `script`, in order, tracking `cd`.
pub fn script_effects(
    rc: &RuleContext,
    i: usize,
    script: &shell::Script,
    env: &mut RunEnv,
    range: std::ops::Range<usize>,
) -> Vec<CommandEffect> {
    let m = rc.model;
    // Variables the script itself assigns shadow the Dockerfile's.
    let mut vars = m.state[i].vars.clone();
    for cmd in &script.commands[..range.start] {
        shell_assignments(cmd, &mut vars);
    }
    let mut out = Vec::new();
    for index in range {
        let cmd = &script.commands[index];
        // `VAR=x cmd`: the assignment is in the command's environment.
        let mut cmd_vars = vars.clone();
        for a in &cmd.assignments {
            if let Some((k, v)) = a.assignment() {
                cmd_vars.insert(k.to_string(), a.literal.then(|| v.to_string()));
            }
        }
        let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
        let vouched = !words.is_empty()
            && rc
                .presets
                .list
                .for_program(words[0])
                .any(|p| p.is_prelude(&words));
        let shell_env = ShellEnv {
            cwd: env.cwd.clone(),
            vars: &cmd_vars,
            home: env.home.clone(),
            path_dirs: &env.path_dirs,
        };
        let effect = command::effect(&rc.presets.commands, cmd, &shell_env, vouched);
        if cmd.program() == Some("cd") {
            env.cwd = match (cmd.cd_target(), &env.cwd) {
                (Some(d), Some(cwd)) => Some(resolve(cwd, d)),
                _ => None,
            };
        }
        shell_assignments(cmd, &mut vars);
        out.push(CommandEffect { index, effect });
    }
    out
}

/// Record what `cmd` assigns to shell variables: `X=1` alone, `export X=1`,
/// `read X`, `for X in`. A value not known literally becomes unknown.
fn shell_assignments(cmd: &shell::Command, vars: &mut crate::model::Vars) {
    if cmd.words.is_empty() {
        for a in &cmd.assignments {
            if let Some((k, v)) = a.assignment() {
                vars.insert(k.to_string(), a.literal.then(|| v.to_string()));
            }
        }
        return;
    }
    match cmd.program() {
        Some("export" | "readonly" | "local" | "declare" | "typeset") => {
            for w in &cmd.words[1..] {
                if let Some((k, v)) = w.text.split_once('=') {
                    vars.insert(k.to_string(), w.literal.then(|| v.to_string()));
                }
            }
        }
        Some("read" | "unset" | "getopts") => {
            for w in &cmd.words[1..] {
                if !w.text.starts_with('-') {
                    vars.insert(w.text.clone(), None);
                }
            }
        }
        _ => {}
    }
    if cmd.compound {
        // `for X in ...`, `case`, functions: anything may be assigned.
        vars.insert("\0any".into(), None);
    }
}

/// The whole effect of RUN `i`.
pub fn run_effect(rc: &RuleContext, i: usize) -> Effect {
    let m = rc.model;
    let script = match run_script(m, i) {
        Ok(run) => &run.script,
        Err(why) => return Effect::unknown(why),
    };
    if let Some(p) = script.problems.first() {
        return Effect::unknown(format!("its shell text cannot be read reliably ({p})"));
    }
    let mut env = RunEnv::at(m, i);
    let mut eff = mount_effect(m, i, env.cwd.as_deref());
    for ce in script_effects(rc, i, script, &mut env, 0..script.commands.len()) {
        eff.merge(ce.effect);
    }
    eff
}

/// RUN `--mount` targets shadow image paths while the command runs.
fn mount_effect(m: &Model, i: usize, cwd: Option<&str>) -> Effect {
    let mut eff = Effect::default();
    for f in m.ins[i].flags.iter().filter(|f| f.name == "mount") {
        let target = f.value.as_deref().unwrap_or("").split(',').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            matches!(k, "target" | "dst" | "destination").then_some(v)
        });
        let pat = match (target, cwd) {
            (Some(t), _) if t.starts_with('/') => PathPat::Tree(resolve("/", t)),
            (Some(t), Some(c)) => PathPat::Tree(resolve(c, t)),
            _ => PathPat::Tree("/".into()),
        };
        eff.reads.push(pat.clone());
        eff.writes.push(pat);
    }
    eff
}

/// The effect of a COPY/ADD `i` on the image (its sources are not image paths).
pub fn copy_effect(rc: &RuleContext, i: usize) -> Effect {
    let m = rc.model;
    let Some(v) = m.copy_view(i) else {
        return Effect::unknown("a COPY dockopt cannot read");
    };
    let (Some(dest), Some(dest_abs), Some(sources)) = (&v.dest, &v.dest_abs, &v.sources) else {
        return Effect::unknown(
            "its sources or destination depend on values dockopt cannot resolve",
        );
    };
    let mut eff = Effect::default();
    let into_dir = super::paths::dest_names_dir(dest) || sources.len() > 1;
    for s in sources {
        let simple = !s.contains(['*', '?', '[']) && !s.contains("://");
        if let Some(pats) = simple
            .then(|| dir_copy_writes(rc, i, s, dest_abs))
            .flatten()
        {
            // The directory's own entries land in the destination, which is
            // made when missing.
            eff.ensures.push(dest_abs.clone());
            for p in pats {
                eff.writes.push(p);
            }
            continue;
        }
        let is_file = simple
            && v.from.is_none()
            && m.ins[i].kind == Keyword::Copy
            && rc
                .ctx
                .is_some_and(|ctx| ctx.is_file(&crate::model::clean_rel(s)));
        // A file copied to a destination without `/` lands at the destination,
        // or inside it when the image has such a directory: both are covered.
        let pat = if is_file && into_dir {
            let base = s.rsplit('/').find(|p| !p.is_empty()).unwrap_or(s);
            PathPat::Exact(resolve(dest_abs, base))
        } else {
            PathPat::Tree(dest_abs.clone())
        };
        // COPY creates the missing parents of what it writes.
        if let Some(parent) = pat.path().rsplit_once('/').map(|(d, _)| d) {
            eff.ensures.push(if parent.is_empty() {
                "/".into()
            } else {
                parent.into()
            });
        }
        eff.writes.push(pat);
    }
    eff
}

/// What a COPY/ADD `i` of context directory `s` writes into `dest_abs`:
/// each entry the context sends (after the ignore file), a tree for one that
/// may hold entries. `None` when that is not known exactly (a source from a
/// stage or a heredoc, a link, a flag that changes the layout, a directory
/// that cannot be listed): the whole destination is written then.
fn dir_copy_writes(rc: &RuleContext, i: usize, s: &str, dest_abs: &str) -> Option<Vec<PathPat>> {
    let m = rc.model;
    let v = m.copy_view(i)?;
    let ctx = rc.ctx?;
    let keeps_layout = m.ins[i]
        .flags
        .iter()
        .all(|f| matches!(f.name.as_str(), "chown" | "chmod" | "link" | "exclude"));
    let rel = crate::model::clean_rel(s);
    if v.from.is_some() || v.heredoc || !keeps_layout || !ctx.is_dir(&rel) || ctx.is_symlink(&rel) {
        return None;
    }
    let entries = ctx.copied_entries(&rel)?;
    Some(
        entries
            .into_iter()
            .map(|(name, nested)| {
                let p = resolve(dest_abs, &name);
                if nested {
                    PathPat::Tree(p)
                } else {
                    PathPat::Exact(p)
                }
            })
            .collect(),
    )
}

/// The line of a RUN before `until` (in its stage, or the stages it is built
/// FROM) that makes a symbolic link whose target or whose own path is in
/// (or above) `dest` — or one dockopt cannot resolve. Through such a link,
/// a path outside `dest` may name a file the source copy brings: with
/// `ln -s /app /code` and `WORKDIR /code`, `/app/app.py` is one.
pub fn link_into(rc: &RuleContext, until: usize, dest: &str) -> Option<usize> {
    let m = rc.model;
    for j in chain_before(m, until) {
        if m.ins[j].kind != Keyword::Run {
            continue;
        }
        let Ok(run) = run_script(m, j) else { continue };
        let cwd = m.state[j].workdir.clone();
        let mut cwd_known = true;
        for cmd in &run.script.commands {
            let words = &cmd.words;
            let program = words.first().map(|w| crate::preset::program_name(&w.text));
            // `cd` moves where a relative link path resolves.
            cwd_known &= !matches!(program, Some("cd" | "pushd" | "popd"));
            let symbolic = match program {
                Some("ln") => words[1..].iter().any(|w| {
                    w.text == "--symbolic"
                        || (w.text.starts_with('-')
                            && !w.text.starts_with("--")
                            && w.text.contains('s'))
                }),
                // `cp -s`/`--symbolic-link` makes links too.
                Some("cp") => words[1..].iter().any(|w| {
                    w.text == "--symbolic-link"
                        || (w.text.starts_with('-')
                            && !w.text.starts_with("--")
                            && w.text.contains('s'))
                }),
                _ => false,
            };
            let cwd = cwd.as_deref().filter(|_| cwd_known);
            if symbolic && link_touches(&words[1..], cwd, dest) {
                return Some(rc.line(m.ins[j]));
            }
        }
    }
    None
}

/// Does a link command with these arguments make a link whose target or
/// path is in or above `dest` (or one that cannot be resolved)? A relative
/// target resolves from the link's directory, which may be the link path
/// itself when it names a directory: every reading is tried.
fn link_touches(args: &[crate::shell::Word], cwd: Option<&str>, dest: &str) -> bool {
    let Some(cwd) = cwd else { return true };
    let operands: Vec<&crate::shell::Word> = args
        .iter()
        .filter(|w| !w.text.starts_with('-') || w.text == "-")
        .collect();
    if operands.iter().any(|w| !w.literal || w.text.contains('$')) {
        return true;
    }
    // `-t DIR` (`--target-directory=DIR`): DIR is an operand above; any
    // other flag value form is not resolved.
    if args
        .iter()
        .any(|w| w.text.starts_with("--target-directory"))
    {
        return true;
    }
    let related = |p: &str| is_under(p, dest) || is_under(dest, p);
    let dirs: Vec<String> = operands.iter().map(|w| resolve(cwd, &w.text)).collect();
    let mut bases: Vec<String> = vec![cwd.to_string()];
    for d in &dirs {
        bases.push(d.clone());
        bases.push(match crate::paths::parent(d) {
            "" => "/".to_string(),
            up => up.to_string(),
        });
    }
    operands.iter().any(|w| {
        if w.text.starts_with('/') {
            related(&resolve("/", &w.text))
        } else {
            bases.iter().any(|b| related(&resolve(b, &w.text)))
        }
    })
}

/// The instructions before `until` in its stage, then those of the stages
/// it is built FROM (each whole), nearest first.
/// The earlier stage that stage `s` is built on (`FROM builder`), if any.
pub fn parent_stage(m: &Model, s: usize) -> Option<usize> {
    let f = m.stages[s].from?;
    let base = m.ins[f].words().first()?.text.to_ascii_lowercase();
    m.stages[..s]
        .iter()
        .rposition(|st| st.alias.as_deref() == Some(base.as_str()))
}

pub fn chain_before(m: &Model, until: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let Some(mut s) = m.stages.iter().position(|st| st.body.contains(&until)) else {
        return out;
    };
    loop {
        let stage = &m.stages[s];
        out.extend(stage.body.iter().copied().filter(|&j| j < until));
        let parent = parent_stage(m, s);
        match parent {
            Some(p) => s = p,
            None => return out,
        }
    }
}
