//! `ONBUILD COPY . /app` then `ONBUILD RUN npm install` in a base image's
//! Dockerfile: the same pattern, but its steps run in every child build
//! (as triggers, right after the child's FROM), not in this one. dockopt
//! reports it as such and never rewrites triggers: what they copy is the
//! child's context, which dockopt cannot see from here.

use crate::model::clean_rel;
use crate::rules::{instruction_range, Diagnostic, Related, RelatedKind, RuleContext};
use crate::shell;
use crate::syntax::{Form, Instruction, Keyword};

use super::crossing::one_line;
use super::refusal::Refusal;
use super::NAME;

/// One finding per ONBUILD source copy followed by an ONBUILD install in its stage.
pub fn findings(rc: &RuleContext) -> Vec<Diagnostic> {
    let m = rc.model;
    let mut out = Vec::new();
    for stage in &m.stages {
        let triggers: Vec<&Instruction> = stage
            .body
            .iter()
            .map(|&i| m.ins[i])
            .filter(|i| i.kind == Keyword::Onbuild)
            .collect();
        for (pos, c) in triggers.iter().enumerate() {
            let Some(copy) = c.sub.as_deref().filter(|s| copies_the_source(s)) else {
                continue;
            };
            let Some((run, install)) = triggers[pos + 1..]
                .iter()
                .find_map(|r| Some((*r, install_of(rc, r.sub.as_deref()?)?)))
            else {
                continue;
            };
            let refusal = Refusal::Onbuild(format!(
                "ONBUILD triggers run in the child build, which copies its own context: `{}` and `{}` (line {}) run there, and dockopt does not rewrite them",
                one_line(&copy.logical_str()),
                one_line(&run.logical_str()),
                rc.line(run)
            ));
            out.push(Diagnostic {
                rule: NAME,
                range: instruction_range(c, m.src),
                related: vec![Related {
                    span: instruction_range(run, m.src),
                    kind: RelatedKind::Install,
                }],
                message: format!(
                    "{} copies the whole source before `{install}` in every child build (ONBUILD, line {}), so every source edit there re-runs the install",
                    one_line(&c.logical_str()),
                    rc.line(run)
                ),
                fix: None,
                refusal: Some(refusal),
            });
        }
    }
    out
}

/// A trigger's COPY/ADD of the whole context or of one directory of it.
fn copies_the_source(sub: &Instruction) -> bool {
    if !matches!(sub.kind, Keyword::Copy | Keyword::Add) || sub.flag("from").is_some() {
        return false;
    }
    let words: Vec<String> = match sub.form {
        Form::Exec => sub.exec.clone(),
        Form::Shell => sub.words().into_iter().map(|w| w.text).collect(),
    };
    let [source, _dest] = words.as_slice() else {
        return false;
    };
    // The child's context is not here: a directory is any name without a
    // dot-extension or glob; `.` is the whole context.
    let rel = clean_rel(source);
    !source.contains(['*', '?', '[', '$']) && !source.contains("://") && !rel.contains('.')
}

/// The install a trigger's RUN runs, as written.
fn install_of(rc: &RuleContext, sub: &Instruction) -> Option<String> {
    if sub.kind != Keyword::Run || sub.form != Form::Shell {
        return None;
    }
    let text = sub.args_str();
    let script = shell::parse(&text);
    script.commands.iter().find_map(|cmd| {
        rc.presets
            .list
            .for_command(cmd)
            .any(|p| !cmd.compound && p.match_install(cmd).is_some())
            .then(|| text[cmd.span.clone()].to_string())
    })
}
