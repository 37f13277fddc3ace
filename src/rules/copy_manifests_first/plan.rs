//! The rule's phases in order: each either hands its result to the next or
//! says why the file is left alone.

use crate::edit::Fix;
use crate::syntax::Keyword;

use super::candidate::Candidate;
use super::commute::SourceCopy;
use super::paths::CopyMap;
use super::refusal::Refusal;
use super::{clobber, crossing, manifests, split, text};
use crate::rules::RuleContext;

/// C's destination, as written and resolved.
pub struct Dest {
    pub written: String,
    pub abs: String,
}

/// Check every condition and build the fix, or say why not.
pub fn plan(rc: &RuleContext, cand: &Candidate) -> Result<Fix, Refusal> {
    check_install(rc, cand)?;
    let dest = destination(rc, cand)?;
    let map = CopyMap {
        src_dir: &cand.src_dir,
        dest_abs: &dest.abs,
    };
    let crossing = crossing::check_kinds(rc, cand, &dest)?;
    let split = split::split_run(rc, cand)?;
    let project = manifests::project_dir(cand, &split, map)?;
    let Some(ctx) = rc.ctx else {
        return Err(Refusal::NoContext(
            "there is no build context to check the manifests against (stdin: pass --context DIR)"
                .into(),
        ));
    };
    let vars = &rc.model.state[cand.run].vars;
    let found = manifests::collect(ctx, cand, &split, &project, map, vars)?;
    manifests::check_prelude_paths(&split, &found.files, map)?;
    manifests::check_layout(&found.files, &cand.src_dir)?;
    let source = SourceCopy {
        map,
        ctx: Some(ctx),
        m_files: &found.files,
        chown_names: chown_uses_names(rc, cand),
    };
    crossing::check_paths(rc, &crossing, &source)?;
    let deps_only = text::deps_only(cand).is_some();
    let split_plan = split::plan_split(cand, &split, &source, deps_only)?;
    let ignore_additions = clobber::ignore_additions(rc, ctx, &found)?;
    let layout = text::Layout {
        dest: &dest,
        split: &split,
        plan: &split_plan,
        absolute_dest: crossing.absolute_dest,
    };
    text::build_fix(rc, cand, &layout, &found, ignore_additions)
}

/// The install itself: it must not read the source, and its RUN must be splittable.
fn check_install(rc: &RuleContext, cand: &Candidate) -> Result<(), Refusal> {
    let install = &cand.install;
    if let Some(reason) = &install.m.needs_source {
        return Err(Refusal::NeedsSource(format!(
            "RUN {}: {reason}",
            install.command_text
        )));
    }
    if !rc.model.ins[cand.run].heredocs.is_empty() {
        return Err(Refusal::Shell(
            "the RUN uses a heredoc, which dockopt does not split".into(),
        ));
    }
    if let Some(p) = install.script.problems.first() {
        return Err(Refusal::Shell(format!(
            "the RUN's shell command could not be split reliably ({p})"
        )));
    }
    Ok(())
}

/// C's flags must mean the same on the manifests copy, and its destination must resolve.
fn destination(rc: &RuleContext, cand: &Candidate) -> Result<Dest, Refusal> {
    let c = rc.model.ins[cand.copy];
    for f in &c.flags {
        match f.name.as_str() {
            "chown" | "chmod" | "link" | "exclude" => {}
            other => {
                return Err(Refusal::Flags(format!(
                    "{} uses `--{other}`, which dockopt does not carry to a manifest copy",
                    c.name
                )))
            }
        }
    }
    debug_assert!(matches!(c.kind, Keyword::Copy | Keyword::Add));
    match (&cand.view.dest, &cand.view.dest_abs) {
        (Some(written), Some(abs)) => Ok(Dest {
            written: written.clone(),
            abs: abs.clone(),
        }),
        _ => Err(Refusal::Unresolved(format!(
            "the destination of {} cannot be resolved",
            c.name
        ))),
    }
}

/// C's `--chown` names a user or group (resolved from the image's user database).
fn chown_uses_names(rc: &RuleContext, cand: &Candidate) -> bool {
    rc.model.ins[cand.copy].flag("chown").is_some_and(|v| {
        v.split(':')
            .any(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit()))
    })
}
