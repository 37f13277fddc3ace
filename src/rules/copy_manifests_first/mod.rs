//! copy-manifests-first: copy the dependency manifests and install before
//! copying the whole source.
//!
//! The rule is a pipeline of phases (see ARCHITECTURE.md): [`candidate`]
//! finds the pattern, [`plan`] runs the phases in order ([`crossing`],
//! [`split`], [`manifests`], [`clobber`]), and [`text`] builds the edits.
//! Each phase returns its result or a typed [`refusal::Refusal`].

mod candidate;
mod carry;
mod clobber;
mod commute;
mod copy_words;
mod crossing;
mod exec_form;
mod home;
mod lifecycle;
mod manifests;
mod measured;
mod onbuild;
mod outside;
mod paths;
#[cfg(test)]
mod phase_tests;
mod placement;
mod plan;
pub mod refusal;
#[cfg(test)]
mod refusal_kinds;
mod restore;
mod shadow;
mod split;
mod startup;
mod steps;
mod text;

use super::{instruction_range, Diagnostic, Related, RelatedKind, RuleContext, RuleInfo};
use refusal::{Anchor, Refusal};

pub const NAME: &str = "copy-manifests-first";

pub const INFO: RuleInfo = RuleInfo {
    name: NAME,
    summary: "Copy dependency manifests and install before copying the whole source",
    doc: include_str!("doc.md"),
    check,
};

pub fn check(rc: &RuleContext) -> Vec<Diagnostic> {
    let m = rc.model;
    let mut out = Vec::new();
    let cands = candidate::candidates(rc);
    let plans: Vec<_> = cands.iter().map(|cand| plan::plan(rc, cand)).collect();
    let outcomes: Vec<_> = cands
        .iter()
        .zip(&plans)
        .map(|(c, p)| shadow::Outcome::of(c, p))
        .collect();
    let shown = shadow::reported(&cands, &outcomes);
    for ((cand, planned), shown) in cands.iter().zip(plans).zip(shown) {
        if !shown {
            continue;
        }
        let c = m.ins[cand.copy];
        let r = m.ins[cand.run];
        let mut message = format!(
            "{} copies the whole source before `{}` (line {}), so every source edit re-runs the install",
            one_line(&c.logical_str()),
            cand.install.command_text,
            rc.line(r)
        );
        let mut carried = Vec::new();
        let (fix, reason) = match planned {
            Ok(planned) => {
                message.push_str(&plan::moved_note(rc, &planned.carried));
                carried = planned.carried;
                (Some(planned.fix), None)
            }
            // A subdirectory copy (`COPY patches ./patches`) that the install does
            // not run in is not this pattern: no finding (`shown` is false).
            Err(refusal) => (None, Some(refusal)),
        };
        let (c_range, r_range) = (instruction_range(c, m.src), instruction_range(r, m.src));
        let (range, mut related) = match reason.as_ref().map(Refusal::anchor) {
            Some(Anchor::Install) => (r_range, vec![related_at(c_range, RelatedKind::SourceCopy)]),
            Some(Anchor::Copy) | None => (c_range, vec![related_at(r_range, RelatedKind::Install)]),
        };
        if let Some(x) = reason.as_ref().and_then(Refusal::blocking) {
            let span = instruction_range(m.ins[x], m.src);
            related.push(related_at(span, RelatedKind::BlockingStep));
        }
        for &x in &carried {
            let span = instruction_range(m.ins[x], m.src);
            related.push(related_at(span, RelatedKind::MovedStep));
        }
        out.push(Diagnostic {
            rule: NAME,
            range,
            related,
            message,
            fix,
            refusal: reason,
        });
    }
    out.extend(onbuild::findings(rc));
    out
}

/// The instruction as one line, continuations removed (for messages).
fn one_line(logical: &str) -> String {
    logical.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn related_at(span: crate::syntax::Span, kind: RelatedKind) -> Related {
    Related { span, kind }
}
