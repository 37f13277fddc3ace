//! Finding the pattern: a broad source copy C, then the first RUN R with an
//! install a preset recognises.

use crate::model::{clean_rel, CopyView, RunScript};
use crate::preset::{InstallMatch, Preset};
use crate::rules::RuleContext;
use crate::shell;
use crate::syntax::Form;

/// An install found in a RUN.
pub struct Install<'p> {
    pub preset_name: String,
    /// Index of the install command in the script.
    pub k: usize,
    pub m: InstallMatch<'p>,
    pub script: &'p shell::Script,
    /// The RUN's shell text the script was parsed from.
    pub text: &'p str,
    /// Logical text of the install command.
    pub command_text: String,
    /// Installs of the same preset it falls back to with `||`
    /// (`npm ci || npm install`), commands `k + 1`, `k + 2`... of the script.
    pub fallbacks: Vec<InstallMatch<'p>>,
    /// Commands that are not installs run with `||` when the install (and
    /// its fallbacks) fail (`npm ci || true`, `|| echo failed`): they follow
    /// the fallbacks, and stay with the install in its RUN.
    pub or_else: usize,
}

impl Install<'_> {
    /// The index of the last command of the install (its last fallback, or
    /// the last command it falls back to with `||`).
    pub fn last(&self) -> usize {
        self.k + self.fallbacks.len() + self.or_else
    }

    /// The indices of the commands run with `||` when the install fails
    /// that are not installs.
    pub fn or_else_range(&self) -> std::ops::Range<usize> {
        let first = self.k + self.fallbacks.len() + 1;
        first..first + self.or_else
    }
}

/// One occurrence of the pattern in a stage.
pub struct Candidate<'p> {
    /// Index of the source copy C in the model.
    pub copy: usize,
    /// Index of the install's RUN R in the model.
    pub run: usize,
    /// Instructions strictly between C and R.
    pub between: Vec<usize>,
    pub view: &'p CopyView,
    /// The context directory C copies (`""` for the whole context).
    pub src_dir: String,
    pub install: Install<'p>,
    /// The stage is exported (its files end up in the image).
    pub exported: bool,
    /// Index of the stage in the model.
    pub stage: usize,
    /// Later broad source copies between C and R whose destination lies
    /// inside C's (`COPY ./static ./public`): they move with C when they
    /// must, and each may be a candidate of its own for the same install.
    pub passed: Vec<usize>,
}

/// If `cv` copies a whole directory of the context, its context-relative path.
pub fn broad_source(rc: &RuleContext, cv: &CopyView) -> Option<String> {
    if cv.from.is_some() || cv.heredoc {
        return None;
    }
    let sources = cv.sources.as_ref()?;
    let [s] = sources.as_slice() else { return None };
    if s.contains(['*', '?', '[']) || s.contains("://") {
        return None;
    }
    let rel = clean_rel(s);
    if rel.is_empty() {
        return Some(rel);
    }
    rc.ctx.filter(|ctx| ctx.is_dir(&rel)).map(|_| rel)
}

/// Every candidate of the model, in file order.
pub fn candidates<'p>(rc: &'p RuleContext) -> Vec<Candidate<'p>> {
    let m = rc.model;
    let mut out = Vec::new();
    for (stage_index, stage) in m.stages.iter().enumerate() {
        let body = &stage.body;
        for (pos, &ci) in body.iter().enumerate() {
            let Some(view) = m.copy_view(ci) else {
                continue;
            };
            let Some(src_dir) = broad_source(rc, view) else {
                continue;
            };
            let Some((rpos, ri, install)) = first_install_after(rc, view, &body[pos + 1..]) else {
                continue;
            };
            let rpos = pos + 1 + rpos;
            // Already optimized: an earlier RUN in this stage runs this ecosystem's install.
            if body[..pos].iter().any(|&e| warms(rc, e, install.m.preset)) {
                continue;
            }
            let between = body[pos + 1..rpos].to_vec();
            let passed = between
                .iter()
                .copied()
                .filter(|&x| later_broad_copy(rc, x))
                .collect();
            out.push(Candidate {
                copy: ci,
                run: ri,
                passed,
                between,
                view,
                src_dir,
                install,
                exported: stage.exported,
                stage: stage_index,
            });
        }
    }
    out
}

/// Is instruction `i` a copy of a whole directory of the context?
fn later_broad_copy(rc: &RuleContext, i: usize) -> bool {
    rc.model
        .copy_view(i)
        .is_some_and(|x| x.from.is_none() && !x.heredoc && broad_source(rc, x).is_some())
}

/// The first RUN in `rest` with an install, unless another broad copy whose
/// destination does not lie inside `c`'s comes first. One that does lie
/// inside (`COPY . .` then `COPY ./static ./public`) is a step between like
/// any other: it commutes with C, or moves with it.
fn first_install_after<'p>(
    rc: &'p RuleContext,
    c: &CopyView,
    rest: &[usize],
) -> Option<(usize, usize, Install<'p>)> {
    let m = rc.model;
    for (xpos, &xi) in rest.iter().enumerate() {
        if later_broad_copy(rc, xi) {
            let inside = match (&m.copy_view(xi)?.dest_abs, &c.dest_abs) {
                (Some(x), Some(c)) => crate::paths::is_under(x, c),
                _ => false,
            };
            if !inside {
                return None;
            }
        }
        if let Some(found) = find_install(rc, xi) {
            return Some((xpos, xi, found));
        }
    }
    None
}

pub fn find_install<'p>(rc: &'p RuleContext, i: usize) -> Option<Install<'p>> {
    let view = rc.model.run_view(i)?;
    // The RUN's own text, then any heredoc bodies (a script there is found so
    // that the finding can say why it is left alone).
    let own = view.own.as_ref()?;
    for RunScript { text, script } in std::iter::once(own).chain(&view.heredocs) {
        for (k, cmd) in script.commands.iter().enumerate() {
            if cmd.compound {
                continue;
            }
            for p in rc.presets.list.for_command(cmd) {
                if let Some(m) = p.match_install(cmd) {
                    let command_text = text[cmd.span.clone()].to_string();
                    let fallbacks = fallbacks(p, script, k);
                    let or_else = or_else(script, k + fallbacks.len());
                    return Some(Install {
                        or_else,
                        preset_name: p.name.clone(),
                        k,
                        m,
                        script,
                        text,
                        command_text,
                        fallbacks,
                    });
                }
            }
        }
    }
    None
}

/// The installs of `preset` that command `k` of `script` falls back to with `||`.
fn fallbacks<'p>(preset: &'p Preset, script: &shell::Script, k: usize) -> Vec<InstallMatch<'p>> {
    let mut out = Vec::new();
    let mut j = k;
    while script.separators.get(j) == Some(&shell::Separator::Or) {
        let Some(m) = script
            .commands
            .get(j + 1)
            .filter(|c| !c.compound)
            .and_then(|c| preset.match_install(c))
        else {
            break;
        };
        out.push(m);
        j += 1;
    }
    out
}

/// How many commands follow command `last` of `script` joined by `||`.
fn or_else(script: &shell::Script, last: usize) -> usize {
    let seps = &script.separators[last.min(script.separators.len())..];
    seps.iter()
        .take_while(|s| **s == shell::Separator::Or)
        .count()
        .min(script.commands.len().saturating_sub(last + 1))
}

/// Does RUN `i` run an install or warm-up of `preset`?
fn warms(rc: &RuleContext, i: usize, preset: &Preset) -> bool {
    if find_install(rc, i).is_some_and(|f| f.preset_name == preset.name) {
        return true;
    }
    if rc.model.ins[i].form != Form::Shell {
        return false;
    }
    let Some(own) = rc.model.run_view(i).and_then(|v| v.own.as_ref()) else {
        return false;
    };
    script_warms(&own.text, &own.script, preset, 2)
}

/// Does `script` (parsed from `text`) run a warm-up or an install of
/// `preset`, looking into `{ ...; }` groups (the deps-only step is grouped
/// when a prelude precedes it) up to `depth`?
fn script_warms(text: &str, script: &shell::Script, preset: &Preset, depth: usize) -> bool {
    script.commands.iter().any(|c| {
        if let (Some(body), true) = (&c.body, depth > 0) {
            let body = &text[body.clone()];
            return script_warms(body, &shell::parse(body), preset, depth - 1);
        }
        let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
        !words.is_empty() && (preset.is_warm_up(&words) || preset.match_install(c).is_some())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preset::Presets;

    #[test]
    fn a_grouped_warm_up_counts() {
        let presets = Presets::builtin();
        let maven = presets.list.iter().find(|p| p.name == "maven").unwrap();
        let warms = |text: &str| script_warms(text, &shell::parse(text), maven, 2);
        assert!(warms(
            "chmod +x ./mvnw && ./mvnw -B dependency:go-offline || true"
        ));
        assert!(warms(
            "chmod +x ./mvnw && { ./mvnw -B dependency:go-offline || true; }"
        ));
        assert!(!warms("chmod +x ./mvnw"));
    }
}
