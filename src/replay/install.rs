//! Which step is the dependency install, in the file as it is and in the
//! rewritten file.
//!
//! A RUN is an install step when a preset recognises one of its top-level
//! commands as an install (or, in the rewritten file, as that preset's
//! warm-up, which is what a deps-only rewrite leaves cached). In the original
//! file the step is the first install at or after the line of the rule's
//! finding (the finding points at the broad copy or the install), else the
//! first install in the file. In the rewritten file it is the install of the
//! same preset with the same rank among that preset's installs: the rewrite
//! adds no stage and moves no install across another.

use crate::model::Model;
use crate::preset::Presets;
use crate::shell;
use crate::syntax::{Form, Keyword};

use super::steps::Steps;

/// A RUN that runs an install of a preset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallStep {
    /// Index into [`Steps::steps`].
    pub step: usize,
    pub preset: String,
}

/// The RUN's top-level commands, shell or plain exec form.
fn commands(m: &Model, i: usize) -> Vec<shell::Command> {
    let ins = m.ins[i];
    let text = match ins.form {
        Form::Shell => ins.args_str().into_owned(),
        Form::Exec => ins.exec.join(" "),
    };
    shell::parse(&text).commands
}

fn words(c: &shell::Command) -> Vec<&str> {
    c.words.iter().map(|w| w.text.as_str()).collect()
}

/// Every install step, in file order, with the preset that recognised it.
/// With `warm_ups`, a RUN with a preset's warm-up counts for that preset.
fn installs(m: &Model, steps: &Steps, presets: &Presets, warm_ups: bool) -> Vec<InstallStep> {
    let mut out = Vec::new();
    for (k, st) in steps.steps.iter().enumerate() {
        if st.keyword != Keyword::Run {
            continue;
        }
        let cmds = commands(m, st.ins);
        let found = presets.list.iter().find(|p| {
            cmds.iter().any(|c| {
                (!c.compound && p.match_install(c).is_some())
                    || (warm_ups && !c.words.is_empty() && p.is_warm_up(&words(c)))
            })
        });
        if let Some(p) = found {
            out.push(InstallStep {
                step: k,
                preset: p.name.clone(),
            });
        }
    }
    out
}

/// The install step of the file as it is, given the line of the rule's
/// finding, if any. Returns the step and its rank among the installs of its
/// preset (warm-ups included).
pub fn original(
    m: &Model,
    steps: &Steps,
    presets: &Presets,
    finding_line: Option<usize>,
) -> Option<(InstallStep, usize)> {
    let plain = installs(m, steps, presets, false);
    let chosen = match finding_line {
        Some(line) => plain
            .iter()
            .find(|i| steps.steps[i.step].line >= line)
            .or(plain.first()),
        None => plain.first(),
    }?
    .clone();
    let rank = installs(m, steps, presets, true)
        .iter()
        .filter(|i| i.preset == chosen.preset && i.step < chosen.step)
        .count();
    Some((chosen, rank))
}

/// The install step of the rewritten file: the `rank`-th install (or
/// warm-up) of `preset`.
pub fn rewritten(
    m: &Model,
    steps: &Steps,
    presets: &Presets,
    preset: &str,
    rank: usize,
) -> Option<InstallStep> {
    installs(m, steps, presets, true)
        .into_iter()
        .filter(|i| i.preset == preset)
        .nth(rank)
}
