//! One file through the pipeline: parse, model, rules, apply fixes to a
//! fixed point, verify. Pure: no printing, no writing.

use crate::context::BuildContext;
use crate::edit::{Applicability, Edits, Fix, FixError};
use crate::model::Model;
use crate::origin::Origin;
use crate::preset::Presets;
use crate::rebase::Owned;
use crate::rules::{self, Diagnostic, RuleContext};
use crate::syntax;

pub use crate::ignore_change::IgnoreChange;

/// At most this many rewrite rounds; a stable rewrite needs one.
const MAX_ROUNDS: usize = 4;

pub struct Options<'a> {
    pub presets: &'a Presets,
    pub unsafe_fixes: bool,
    pub disabled_rules: &'a [String],
}

/// What happened to one file.
#[derive(Debug)]
pub struct Outcome {
    /// The findings of every round, in file order. Those of later rounds
    /// (made in the text earlier fixes produced) are placed where their
    /// instructions were in the original; of those left alone, only the
    /// final text's that repeat no first-round finding.
    pub findings: Vec<Diagnostic>,
    /// Per finding: was its fix applied?
    pub applied: Vec<bool>,
    /// The rewritten text, when it differs: each round's change set applied.
    pub fixed: Option<String>,
    pub ignore: Option<IgnoreChange>,
    /// What `# dockopt: ignore` comments did (in the original text).
    pub suppressions: crate::suppress::Report,
}

/// The findings the suppression comments leave, and what they did.
fn run_rules(
    text: &str,
    ctx: Option<&BuildContext>,
    opts: &Options,
    origin: &Origin,
) -> (Vec<Diagnostic>, crate::suppress::Report) {
    let df = syntax::parse(text.as_bytes());
    let model = Model::new(text, &df);
    let rc = RuleContext {
        model: &model,
        presets: opts.presets,
        ctx,
        origin: (!origin.is_empty()).then_some(origin),
    };
    let found = rules::check(&rc, opts.disabled_rules);
    crate::suppress::apply(text, &df, found, opts.disabled_rules)
}

fn wanted(f: &Diagnostic, opts: &Options) -> bool {
    match f.applicability() {
        Some(Applicability::Safe) => true,
        Some(Applicability::Unsafe) => opts.unsafe_fixes,
        None => false,
    }
}

/// The fixes of one round to apply: in position order, each unless it
/// overlaps one taken before. Returns the merged change set and which
/// findings it takes.
fn accept(findings: &[Diagnostic], text: &str, opts: &Options) -> (Edits, Vec<usize>) {
    let mut edits = Edits::default();
    let mut taken = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(fix) = f.fix.as_ref().filter(|_| wanted(f, opts)) else {
            continue;
        };
        let Some(own) = fix.dockerfile() else {
            continue;
        };
        if own.check_bounds(text).is_err() {
            continue;
        }
        if let Ok(merged) = edits.union(own) {
            edits = merged;
            taken.push(i);
        }
    }
    (edits, taken)
}

/// Does `next` hold an unknown instruction that `current` did not?
fn lost_an_instruction(current: &str, next: &str) -> bool {
    let unknown = |t: &str| {
        syntax::parse(t.as_bytes())
            .instructions()
            .any(|i| i.kind == syntax::Keyword::Unknown)
    };
    unknown(next) && !unknown(current)
}

/// A later round's finding, placed in the original text. Its edits index
/// the text of that round, so they are dropped here; `crate::rebase` gives
/// it edits of the original once every round is made.
fn placed(mut f: Diagnostic, current: &str, origin: &Origin) -> Diagnostic {
    f.range = origin.map(current, f.range);
    for r in &mut f.related {
        r.span = origin.map(current, r.span);
    }
    if let Some(fix) = &mut f.fix {
        let ignore = fix.ignore().cloned();
        fix.set_files(Edits::default(), ignore);
    }
    f
}

/// Two findings of one rule about the same instructions.
fn same_place(a: &Diagnostic, b: &Diagnostic) -> bool {
    a.rule == b.rule && a.range == b.range && a.related.first() == b.related.first()
}

pub fn process(
    text: &str,
    ctx: Option<&BuildContext>,
    opts: &Options,
) -> Result<Outcome, FixError> {
    let mut origin = Origin::default();
    let (mut round_findings, suppressions) = run_rules(text, ctx, opts, &origin);
    let mut found: Vec<(Diagnostic, bool)> = Vec::new();
    let mut current = text.to_string();
    let mut patterns: Vec<String> = Vec::new();
    // Each round's applied Dockerfile edits, by the finding (index in `found`).
    let mut rounds: Vec<Vec<Owned>> = Vec::new();
    for round in 0..MAX_ROUNDS {
        let (edits, taken) = accept(&round_findings, &current, opts);
        for &i in &taken {
            let fix = round_findings[i].fix.as_ref().expect("taken");
            for p in fix.ignore().map(IgnoreChange::added).unwrap_or_default() {
                if !patterns.contains(&p) {
                    patterns.push(p);
                }
            }
        }
        let mut is_taken = vec![false; round_findings.len()];
        for &i in &taken {
            is_taken[i] = true;
        }
        let mut owned = Vec::new();
        for (f, applied) in round_findings.into_iter().zip(is_taken) {
            if applied {
                let edits = f.fix.as_ref().and_then(Fix::dockerfile);
                owned.push(Owned {
                    owner: found.len(),
                    edits: edits.cloned().unwrap_or_default(),
                });
            }
            if round == 0 {
                found.push((f, applied));
            } else if applied {
                found.push((placed(f, &current, &origin), true));
            } else if taken.is_empty() {
                // The final text's findings left alone: new ones only (the
                // others repeat a finding of the first round).
                let f = placed(f, &current, &origin);
                if !found.iter().any(|(g, _)| same_place(g, &f)) {
                    found.push((f, false));
                }
            }
        }
        if taken.is_empty() {
            break;
        }
        rounds.push(owned);
        let next = edits.apply(&current)?;
        // The rewritten file must still parse to the same kind of thing:
        // no instruction may be lost or turned opaque.
        if lost_an_instruction(&current, &next) {
            return Err(FixError::UnknownInstruction);
        }
        origin.push(std::mem::replace(&mut current, next), edits);
        round_findings = run_rules(&current, ctx, opts, &origin).0;
        if round + 1 == MAX_ROUNDS && round_findings.iter().any(|f| wanted(f, opts)) {
            return Err(FixError::NoFixedPoint);
        }
    }
    if rounds.len() > 1 {
        crate::rebase::fixes(&mut found, text, &current, &rounds);
    }
    found.sort_by_key(|(f, _)| f.range.start);
    let ignore = ctx.and_then(|ctx| IgnoreChange::for_context(ctx, &patterns));
    let (findings, applied) = found.into_iter().unzip();
    Ok(Outcome {
        findings,
        applied,
        fixed: (current != text).then_some(current),
        ignore,
        suppressions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::MemContext;
    use crate::edit::Joint;

    const TWO: &str =
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN pip install -r requirements.txt\n";

    fn run(text: &str, ctx: MemContext) -> Outcome {
        let presets = Presets::builtin();
        let opts = Options {
            presets: &presets,
            unsafe_fixes: false,
            disabled_rules: &[],
        };
        process(text, Some(&ctx.into_context()), &opts).unwrap()
    }

    fn project() -> MemContext {
        MemContext::new()
            .file("package.json", r#"{"name":"a"}"#)
            .file("package-lock.json", "{}")
            .file("requirements.txt", "flask\n")
            .file("app.py", "")
    }

    /// Round 2 fixes the second install in the text round 1 wrote; its
    /// finding is reported at the original's lines. Its edits rewrite the
    /// copy round 1 moved, so the first finding's fix carries both rounds'
    /// edits of the original, and the second points to it.
    #[test]
    fn a_later_rounds_finding_is_reported_at_the_original_lines() {
        let o = run(TWO, project());
        assert_eq!(o.applied, [true, true]);
        let lines: Vec<(usize, usize)> = o
            .findings
            .iter()
            .map(|f| {
                (
                    f.line(TWO),
                    crate::rules::line_of(TWO, f.related[0].span.start),
                )
            })
            .collect();
        assert_eq!(lines, [(3, 4), (3, 5)]);
        assert!(
            o.findings[1].message.contains("(line 5)"),
            "{}",
            o.findings[1].message
        );
        let fix = |i: usize| o.findings[i].fix.as_ref().unwrap();
        let fixed = o.fixed.clone().unwrap();
        assert_eq!(fix(0).dockerfile().unwrap().apply(TWO).unwrap(), fixed);
        assert!(fix(1).dockerfile().unwrap().is_empty());
        let install = |i: usize| o.findings[i].related[0].span;
        assert_eq!(fix(0).joint, Joint::Carries(vec![install(1)]));
        assert_eq!(fix(1).joint, Joint::MadeBy(install(0)));
        // Converged: fixing the result again finds nothing to fix.
        let again = run(&fixed, project());
        assert!(again.fixed.is_none() && again.applied.iter().all(|a| !a));
    }

    /// A fix exposes a finding it leaves alone (the second install needs the
    /// source): reported once, at the original's lines; a first-round
    /// finding left alone is not repeated.
    #[test]
    fn a_later_finding_left_alone_is_reported_once() {
        let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN pip install .\n";
        let ctx = project().file("pyproject.toml", "[project]\nname = \"a\"\n");
        let o = run(text, ctx);
        assert_eq!(o.applied, [true, false]);
        let refused = &o.findings[1];
        assert_eq!(
            refused.refusal.as_ref().unwrap().kind(),
            crate::rules::RefusalKind::NeedsSource
        );
        assert_eq!(
            refused.line(text),
            5,
            "anchored at the install, line 5 of the original"
        );
        assert!(refused.message.contains("(line 5)"), "{}", refused.message);
        // Left alone in the first round already (the second stage), and found
        // again after the first stage's fix: one finding, not two.
        let two =
            "FROM node:20\nCOPY . .\nRUN npm ci\nFROM python:3\nCOPY . .\nRUN pip install .\n";
        let o = run(two, project().file("pyproject.toml", ""));
        assert_eq!(o.applied, [true, false]);
        assert_eq!(o.findings[1].line(two), 6);
    }

    #[test]
    fn a_fix_error_says_nothing_was_written() {
        for e in [
            FixError::UnknownInstruction,
            FixError::NoFixedPoint,
            FixError::Overlap { at: 3 },
        ] {
            assert!(e.to_string().ends_with("nothing written"), "{e}");
        }
    }
}
