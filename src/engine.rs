//! One file through the pipeline: parse, model, rules, apply fixes to a
//! fixed point, verify. Pure: no printing, no writing.

use std::path::PathBuf;

use anyhow::{bail, Result};

use crate::context::BuildContext;
use crate::edit::{self, Applicability, Edit};
use crate::model::Model;
use crate::preset::Presets;
use crate::rules::{self, Diagnostic, RuleContext};
use crate::syntax;

/// At most this many rewrite rounds; a stable rewrite needs one.
const MAX_ROUNDS: usize = 4;

pub struct Options<'a> {
    pub presets: &'a Presets,
    pub unsafe_fixes: bool,
    pub disabled_rules: &'a [String],
}

/// A change to the ignore file that goes with the fix.
#[derive(Clone, Debug)]
pub struct IgnoreChange {
    pub path: PathBuf,
    /// `None` when the file is created.
    pub old: Option<String>,
    pub new: String,
}

/// What happened to one file.
#[derive(Debug)]
pub struct Outcome {
    pub findings: Vec<Diagnostic>,
    /// Per finding: was its fix applied?
    pub applied: Vec<bool>,
    /// The rewritten text, when it differs.
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
) -> (Vec<Diagnostic>, crate::suppress::Report) {
    let df = syntax::parse(text.as_bytes());
    let model = Model::new(text, &df);
    let rc = RuleContext {
        model: &model,
        presets: opts.presets,
        ctx,
    };
    let found = rules::check(&rc, opts.disabled_rules);
    crate::suppress::apply(text, &df, found, opts.disabled_rules)
}

fn wanted(f: &Diagnostic, opts: &Options) -> bool {
    match f.applicability() {
        Some(Applicability::Safe) => true,
        Some(Applicability::Unsafe) => opts.unsafe_fixes,
        _ => false,
    }
}

pub fn process(text: &str, ctx: Option<&BuildContext>, opts: &Options) -> Result<Outcome> {
    let (findings, suppressions) = run_rules(text, ctx, opts);
    let mut applied = vec![false; findings.len()];
    let mut current = text.to_string();
    let mut ignore_additions: Vec<String> = Vec::new();
    let mut round_findings = findings.clone();
    for round in 0..MAX_ROUNDS {
        // Take fixes in order, skipping any that overlap an accepted one.
        let mut edits: Vec<Edit> = Vec::new();
        let mut any = false;
        for (i, f) in round_findings.iter().enumerate() {
            if !wanted(f, opts) {
                continue;
            }
            let fix = f.fix.as_ref().expect("wanted implies a fix");
            let mut trial = edits.clone();
            trial.extend(fix.edits.iter().cloned());
            if edit::apply(&current, &trial).is_err() {
                continue;
            }
            edits = trial;
            any = true;
            for p in &fix.ignore_additions {
                if !ignore_additions.contains(p) {
                    ignore_additions.push(p.clone());
                }
            }
            if round == 0 {
                applied[i] = true;
            }
        }
        if !any {
            break;
        }
        let next = edit::apply(&current, &edits).expect("checked above");
        // The rewritten file must still parse to the same kind of thing:
        // no instruction may be lost or turned opaque.
        let df = syntax::parse(next.as_bytes());
        if df
            .instructions()
            .any(|i| i.kind == syntax::Keyword::Unknown)
            && !syntax::parse(current.as_bytes())
                .instructions()
                .any(|i| i.kind == syntax::Keyword::Unknown)
        {
            bail!("internal error: the rewrite produced an unknown instruction; nothing written");
        }
        current = next;
        round_findings = run_rules(&current, ctx, opts).0;
        if round + 1 == MAX_ROUNDS && round_findings.iter().any(|f| wanted(f, opts)) {
            bail!("internal error: the rewrite did not reach a fixed point; nothing written");
        }
    }
    let ignore = match (ctx, ignore_additions.is_empty()) {
        (Some(ctx), false) => ignore_change(ctx, &ignore_additions),
        _ => None,
    };
    Ok(Outcome {
        findings,
        applied,
        fixed: (current != text).then_some(current),
        ignore,
        suppressions,
    })
}

/// Append `patterns` to the effective ignore file (or create `.dockerignore`).
fn ignore_change(ctx: &BuildContext, patterns: &[String]) -> Option<IgnoreChange> {
    let path = ctx.ignore_file_for_edit();
    let old = ctx.ignore_file().map(|_| ctx.ignore_text().to_string());
    let base = old.clone().unwrap_or_default();
    let nl = if base.contains("\r\n") { "\r\n" } else { "\n" };
    let mut new = base.clone();
    let existing: Vec<&str> = base.lines().map(str::trim).collect();
    let mut added = false;
    for p in patterns {
        if existing.contains(&p.as_str()) {
            continue;
        }
        if !new.is_empty() && !new.ends_with('\n') {
            new.push_str(nl);
        }
        new.push_str(p);
        new.push_str(nl);
        added = true;
    }
    added.then_some(IgnoreChange { path, old, new })
}
