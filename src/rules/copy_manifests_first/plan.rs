//! The rule's phases in order: each either hands its result to the next or
//! says why the file is left alone.

use crate::edit::Fix;
use crate::syntax::Keyword;

use super::candidate::Candidate;
use super::commute::SourceCopy;
use super::paths::{is_under_rel, CopyMap};
use super::refusal::Refusal;
use super::{
    carry, clobber, crossing, home, lifecycle, manifests, outside, placement, split, text,
};
use crate::rules::RuleContext;

/// C's destination, as written and resolved.
pub struct Dest {
    pub written: String,
    pub abs: String,
}

/// The fix, and the steps between C and the install it moves with C.
pub struct Planned {
    pub fix: Fix,
    /// Model indices of the steps moved after the install, in order.
    pub carried: Vec<usize>,
}

/// Check every condition and build the fix, or say why not. A plan that
/// searched the context and hit a search's bound is refused: its answer
/// came from part of the context (which part depends on directory order).
pub fn plan(rc: &RuleContext, cand: &Candidate) -> Result<Planned, Refusal> {
    let searches_cut = || rc.ctx.map_or(0, |c| c.truncations());
    let before = searches_cut();
    let planned = plan_all(rc, cand);
    if searches_cut() != before {
        return Err(Refusal::ContextTooLarge(format!(
            "the build context is too large to check: a search of it stopped after {} entries",
            crate::context::MAX_VISITED
        )));
    }
    planned
}

fn plan_all(rc: &RuleContext, cand: &Candidate) -> Result<Planned, Refusal> {
    check_install(rc, cand)?;
    let dest = destination(rc, cand)?;
    let map = CopyMap {
        src_dir: &cand.src_dir,
        dest_abs: &dest.abs,
    };
    let crossing = crossing::check_kinds(rc, cand, &dest)?;
    super::startup::check(rc, cand, &dest)?;
    let split = split::split_run(rc, cand)?;
    let above = !cand.src_dir.is_empty()
        && !super::paths::is_under(&manifests::install_dir(cand, &split), &dest.abs);
    let in_copy = if above {
        Err(Refusal::Outside(format!(
            "the install runs above the directory the source copy fills ({})",
            super::paths::shown(&dest.abs)
        )))
    } else {
        manifests::project_dir(cand, &split, map)
    };
    match in_copy {
        Ok(project) => plan_with(rc, cand, &dest, &crossing, &split, Project::InCopy(project)),
        // A source directory copied before an install that runs above it
        // (`COPY pom.xml .` + `COPY src src` + `RUN mvn package`): the
        // manifests are already in place, so C alone moves, if the install
        // reads nothing C brings. Anything else is not this pattern.
        Err(Refusal::Outside(why)) if !cand.src_dir.is_empty() => {
            let outside = |r: Refusal| Refusal::Outside(format!("{why} ({})", r.text()));
            let parent = parent_map(&cand.src_dir, &dest.abs)
                .ok_or_else(|| Refusal::Outside(why.clone()))?;
            let project = manifests::project_dir(cand, &split, parent).map_err(outside)?;
            plan_with(
                rc,
                cand,
                &dest,
                &crossing,
                &split,
                Project::AboveCopy(project, parent),
            )
            // The install replacing what C brings, a reader's refusal of the
            // install itself (a stale lock C brings back, an environment it
            // cannot follow), or a step between that C cannot move past, is
            // this pattern, refused with its reason.
            .map_err(|e| match e {
                Refusal::Clobber(_)
                | Refusal::WritesProject(_)
                | Refusal::Environment(_)
                | Refusal::Crossing { .. } => e,
                e => outside(e),
            })
        }
        Err(e) => Err(e),
    }
}

/// Where the install's project is, relative to what C copies.
enum Project<'a> {
    /// Inside C's directory: the manifests copy M brings its files first.
    InCopy(String),
    /// Above C's directory (C copies a subdirectory of it): the files are
    /// already in the image, and no M is needed. The map is the one of C's
    /// parent directory.
    AboveCopy(String, CopyMap<'a>),
}

/// The map of the directory above `src_dir`, when C's destination keeps its name
/// (`COPY src src`, `COPY ./src /app/src`).
fn parent_map<'a>(src_dir: &str, dest_abs: &'a str) -> Option<CopyMap<'a>> {
    let parent = dest_abs.strip_suffix(src_dir)?.strip_suffix('/')?;
    let parent = if parent.is_empty() { "/" } else { parent };
    Some(CopyMap {
        src_dir: "",
        dest_abs: parent,
    })
}

fn plan_with(
    rc: &RuleContext,
    cand: &Candidate,
    dest: &Dest,
    crossing: &crossing::Crossing,
    split: &split::Split,
    project: Project,
) -> Result<Planned, Refusal> {
    let map = CopyMap {
        src_dir: &cand.src_dir,
        dest_abs: &dest.abs,
    };
    let Some(ctx) = rc.ctx else {
        return Err(Refusal::NoContext(
            "there is no build context to check the manifests against (stdin: pass --context DIR)"
                .into(),
        ));
    };
    let vars = &*home::vars_with_home(rc.model, cand.run);
    let (mut found, above) = match &project {
        Project::InCopy(p) => (manifests::collect(ctx, cand, split, p, map, vars)?, false),
        Project::AboveCopy(p, parent) => (
            manifests::collect(ctx, cand, split, p, *parent, vars)?,
            true,
        ),
    };
    home::check_unknown(rc, cand, ctx, &found.files)?;
    let project_map = match &project {
        Project::InCopy(_) => map,
        Project::AboveCopy(_, parent) => *parent,
    };
    let mut footprint = carry::Footprint::new(&cand.install.m, &found, project_map, &dest.abs);
    footprint.outside = outside::effect(rc, cand, ctx, &found.files);
    let scripts_in = found.vet_scripts.then(|| found.files.clone());
    if above {
        if let Some(f) = found
            .files
            .iter()
            .find(|f| is_under_rel(f.as_str(), &cand.src_dir))
        {
            return Err(Refusal::NeedsSource(format!(
                "the install reads {f}, which the copy of {} brings",
                cand.src_dir
            )));
        }
        // The install writes a directory holding what C brings
        // (`COPY ./node_modules/x ./node_modules/x` before `npm ci`): after
        // the install, C would bring back what the install replaced.
        if let Some(w) = footprint.written_over(&dest.abs) {
            return Err(Refusal::Clobber(format!(
                "the install writes {w}, which holds the directory the source copy fills ({}); \
                 moved after the install, the copy would bring back what the install replaces",
                super::paths::shown(&dest.abs)
            )));
        }
        // Already in the image: no manifests copy.
        found.files.clear();
    } else {
        manifests::check_layout(ctx, &found.files, &cand.src_dir, &excludes(rc, cand))?;
    }
    manifests::check_prelude_paths(split, &found.files, map)?;
    let source = SourceCopy {
        map,
        ctx: Some(ctx),
        m_files: &found.files,
        chown_names: chown_uses_names(rc, cand),
    };
    if let Some(files) = &scripts_in {
        footprint.scripts = lifecycle::vet(rc, cand, ctx, files, project_map, &source)?;
    }
    crossing::check_links(rc, crossing)?;
    let deps_only = text::deps_only(cand).is_some();
    let split_plan = split::plan_split(cand, split, &source, deps_only, crossing.link_line)?;
    let carried = carry_steps(rc, cand, crossing, split, &split_plan, &source, &footprint)?;
    // Above C, the install's directories are not in what C brings.
    let ignore_additions = if above {
        Vec::new()
    } else {
        clobber::ignore_additions(rc, ctx, &found, cand.copy)?
    };
    let m_before = placement::m_before(rc, cand, dest, crossing, &carried, &source);
    let layout = text::Layout {
        dest,
        split,
        plan: &split_plan,
        absolute_dest: crossing.absolute_dest,
        carried: &carried,
        m_before,
    };
    let fix = text::build_fix(rc, cand, &layout, &found, ignore_additions)?;
    Ok(Planned { fix, carried })
}

/// The patterns of C's `--exclude` flags, unquoted.
fn excludes(rc: &RuleContext, cand: &Candidate) -> Vec<String> {
    (rc.model.ins[cand.copy].flags.iter())
        .filter(|f| f.name == "exclude")
        .filter_map(|f| (f.value.as_ref()).map(|v| v.trim_matches(['"', '\'']).to_string()))
        .collect()
}

/// The steps between C and the install that move after the install with C.
fn carry_steps(
    rc: &RuleContext,
    cand: &Candidate,
    crossing: &crossing::Crossing,
    split: &split::Split,
    split_plan: &split::SplitPlan,
    source: &SourceCopy,
    footprint: &carry::Footprint,
) -> Result<Vec<usize>, Refusal> {
    let script = &cand.install.script;
    let in_run = split
        .before_copy(split_plan.kept_after)
        .map(|ce| carry::RunCommand {
            text: cand.install.text[script.commands[ce.index].span.clone()].to_string(),
            effect: &ce.effect,
        })
        .collect();
    let crossed = carry::Crossed {
        footprint,
        in_run,
        run_line: rc.line(rc.model.ins[cand.run]),
        source_copy: cand.copy,
    };
    carry::carry(rc, crossing, source, &crossed)
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
    for m in &install.fallbacks {
        if let Some(reason) = &m.needs_source {
            return Err(Refusal::NeedsSource(format!(
                "RUN {}: its fallback after `||`: {reason}",
                install.command_text
            )));
        }
    }
    if let (Some(m), Some(_)) = (install.fallbacks.first(), text::deps_only(cand)) {
        return Err(Refusal::Shell(format!(
            "`{}` falls back to `{}` with `||`, and dockopt does not split such a pair into a deps-only step",
            install.command_text,
            &install.text[m.span.clone()]
        )));
    }
    if let (Some(i), Some(_)) = (install.or_else_range().next(), text::deps_only(cand)) {
        return Err(Refusal::Shell(format!(
            "`{}` falls back to `{}` with `||`, and dockopt does not put a fallback around a deps-only step",
            install.command_text,
            &install.text[install.script.commands[i].span.clone()]
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

/// The part of the finding's message that names the steps the fix moves
/// with the source copy (empty when there are none).
pub fn moved_note(rc: &RuleContext, carried: &[usize]) -> String {
    if carried.is_empty() {
        return String::new();
    }
    let steps: Vec<String> = carried
        .iter()
        .map(|&x| {
            let ins = rc.model.ins[x];
            format!(
                "line {} `{}`",
                rc.line(ins),
                crossing::one_line(&ins.logical_str())
            )
        })
        .collect();
    format!(
        "; the fix also moves {} after the install, right after the source copy, since {} on what it brings",
        steps.join(", "),
        if steps.len() == 1 { "that step depends" } else { "those steps depend" }
    )
}
