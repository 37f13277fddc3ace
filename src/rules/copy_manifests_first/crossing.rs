//! What lies between the source copy C and the install's RUN R: C moves
//! past each of these steps, so each must commute with it.

use crate::effects::Effect;
use crate::model::{key_values, referenced_vars};
use crate::syntax::Keyword;

use super::candidate::Candidate;
use super::plan::Dest;
use super::refusal::Refusal;
use super::steps;
use crate::rules::RuleContext;

/// Instructions that only change image config or the state of later RUNs
/// (which stay where they are): C may move past them.
fn config_only(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::Label
            | Keyword::Expose
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Healthcheck
            | Keyword::Stopsignal
            | Keyword::Maintainer
            | Keyword::Shell
            | Keyword::User
            | Keyword::Onbuild
    )
}

/// The steps C moves past, with their effects.
pub struct Crossing {
    pub steps: Vec<(usize, Effect)>,
    /// A symbolic link into C's destination was made earlier in the stage (its line).
    pub link_line: Option<usize>,
    /// A WORKDIR between changes where C's relative destination resolves:
    /// the moved C must name its destination absolutely.
    pub absolute_dest: bool,
}

/// First pass, before the manifests are known: steps that can never commute.
pub fn check_kinds(rc: &RuleContext, cand: &Candidate, dest: &Dest) -> Result<Crossing, Refusal> {
    let m = rc.model;
    let c = m.ins[cand.copy];
    let mut c_vars = referenced_vars(&c.args_str());
    c_vars.extend(c.flags.iter().flat_map(|f| referenced_vars(&f.text)));
    let mut out = Crossing {
        steps: Vec::new(),
        link_line: steps::link_into(rc, cand.run, &dest.abs),
        absolute_dest: false,
    };
    for &xi in &cand.between {
        let x = m.ins[xi];
        let at = format!("{} at line {}", x.name, rc.line(x));
        let effect = match x.kind {
            Keyword::Run => steps::run_effect(rc, xi),
            Keyword::Copy | Keyword::Add => steps::copy_effect(rc, xi),
            Keyword::Workdir => {
                let Some(w) = m.state.get(xi + 1).and_then(|s| s.workdir.clone()) else {
                    return Err(Refusal::Unresolved(format!(
                        "{at} sets a directory dockopt cannot resolve"
                    )));
                };
                // `WORKDIR .` (or any WORKDIR naming the directory it is in)
                // leaves relative destinations where they were.
                let before = m.state.get(xi).and_then(|s| s.workdir.as_deref());
                out.absolute_dest |= !dest.written.starts_with('/') && before != Some(w.as_str());
                Effect {
                    ensures: vec![w],
                    ..Effect::default()
                }
            }
            Keyword::Env | Keyword::Arg => {
                let set = key_values(&x.args_str(), x.kind == Keyword::Env);
                if let Some((v, _)) = set.iter().find(|(d, _)| c_vars.contains(d)) {
                    return Err(Refusal::Crossing {
                        at: Some(xi),
                        why: format!("{at} sets `{v}`, which the source copy uses"),
                    });
                }
                Effect::default()
            }
            Keyword::Volume => {
                return Err(Refusal::Crossing {
                    at: Some(xi),
                    why: format!("{at} declares a volume between the source copy and the install"),
                })
            }
            k if config_only(k) => Effect::default(),
            _ => {
                return Err(Refusal::Crossing {
                    at: Some(xi),
                    why: format!("{at} is not something dockopt moves a COPY past"),
                })
            }
        };
        if let Some(why) = &effect.unknown {
            return Err(Refusal::Crossing {
                at: Some(xi),
                why: format!(
                    "{at} (`{}`) runs between the source copy and the install and may read or write anything: {why}",
                    one_line(&x.logical_str())
                ),
            });
        }
        out.steps.push((xi, effect));
    }
    if out.absolute_dest && dest.abs.starts_with(crate::model::IMAGE_WORKDIR) {
        return Err(Refusal::Crossing {
            at: None,
            why: format!(
                "a WORKDIR between the source copy and the install changes where its relative destination `{}` resolves, and the base image's working directory it resolves in now is unknown",
                dest.written
            ),
        });
    }
    if out.absolute_dest && c_form_is_exec(rc, cand) {
        return Err(Refusal::Crossing {
            at: None,
            why: format!(
                "a WORKDIR between the source copy and the install changes where its relative destination `{}` resolves, and dockopt does not rewrite an exec-form COPY",
                dest.written
            ),
        });
    }
    if out.absolute_dest && !bare_word(&dest.abs) {
        return Err(Refusal::Crossing {
            at: None,
            why: format!(
                "a WORKDIR between the source copy and the install changes where its relative destination `{}` resolves, and the absolute path `{}` it must be written as needs quoting",
                dest.written, dest.abs
            ),
        });
    }
    Ok(out)
}

/// Can `path` be written as one word of a shell-form COPY, as is? Blanks
/// would split it into several arguments, and quotes, `$`, backslashes and
/// backticks (the escape characters) would be read, not kept.
fn bare_word(path: &str) -> bool {
    !path
        .chars()
        .any(|ch| ch.is_whitespace() || matches!(ch, '"' | '\'' | '$' | '\\' | '`'))
}

fn c_form_is_exec(rc: &RuleContext, cand: &Candidate) -> bool {
    rc.model.ins[cand.copy].form == crate::syntax::Form::Exec
}

/// Second pass, with the manifests known: a symbolic link made earlier in
/// the stage may point any step's paths into C's destination. Whether each
/// step commutes with C, or moves with it, is `carry`'s decision.
pub fn check_links(rc: &RuleContext, crossing: &Crossing) -> Result<(), Refusal> {
    let Some(line) = crossing.link_line else {
        return Ok(());
    };
    if let Some((xi, _)) = crossing.steps.iter().find(|(_, e)| !e.is_pure()) {
        let x = rc.model.ins[*xi];
        return Err(Refusal::Crossing {
            at: Some(*xi),
            why: format!(
                "{} at line {} (`{}`) touches files, and the symbolic link made at line {line} may point them into the source copy's destination",
                x.name,
                rc.line(x),
                one_line(&x.logical_str())
            ),
        });
    }
    Ok(())
}

pub fn one_line(logical: &str) -> String {
    let s: String = logical.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}
