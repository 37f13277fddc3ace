//! Building the rewritten text: M in C's place, R kept (or its deps-only
//! form), then C and the rest of R after it. Inserted lines follow the
//! file's style: keyword case, indentation, line endings.

use crate::edit::{Applicability, Edit, Edits, Fix, IgnoreChange};
use crate::model::IMAGE_WORKDIR;
use crate::preset::DepsOnly;
use crate::readers;
use crate::syntax::{Form, Instruction, Keyword, Span};

use super::candidate::Candidate;
use super::exec_form;
use super::manifests::Manifests;
use super::measured::Measured;
use super::paths::{group_by_dir, CopyMap, CtxPath};
use super::plan::Dest;
use super::refusal::Refusal;
use super::split::{Split, SplitPlan};
use crate::rules::RuleContext;

/// Where things go: C's destination, how R splits, whether C's destination
/// must be written absolutely after the move.
pub struct Layout<'a> {
    pub dest: &'a Dest,
    pub split: &'a Split,
    pub plan: &'a SplitPlan,
    pub absolute_dest: bool,
    /// Steps between C and R that move after R with C, in order.
    pub carried: &'a [usize],
    /// The instruction before which M goes (`placement.rs`); `None`: C's place.
    pub m_before: Option<usize>,
}

/// The preset's deps-only form of the install, unless a flag of the install turns it off.
pub fn deps_only<'p>(cand: &Candidate<'p>) -> Option<&'p DepsOnly> {
    cand.install.m.spec.deps_only.as_ref().filter(|d| {
        !d.unless_flag
            .iter()
            .any(|f| cand.install.m.flags.contains(f))
    })
}

pub fn build_fix(
    rc: &RuleContext,
    cand: &Candidate,
    layout: &Layout,
    found: &Manifests,
    ignore_additions: Vec<String>,
) -> Result<Fix, Refusal> {
    let (dest, split) = (layout.dest, layout.split);
    let m = rc.model;
    let src = m.src;
    let c = m.ins[cand.copy];
    let r = m.ins[cand.run];
    let nl = line_ending(c, src, m.df.newline);
    let map = CopyMap {
        src_dir: &cand.src_dir,
        dest_abs: &dest.abs,
    };
    let stub_paths = stub_paths(&found.stubs, map, &split.cwd)?;
    let fill = Templates::new(cand, &stub_paths);
    let (mut applicability, mut unsafe_reason) = ignore_applicability(cand, &ignore_additions);
    let script = &cand.install.script;
    let k = cand.install.k;
    let kept = layout.plan.kept_after;
    let last = cand.install.last();
    let after_cmds = &script.commands[last + 1 + kept..];
    if r.form == Form::Exec && (!after_cmds.is_empty() || !layout.plan.carried.is_empty()) {
        return Err(Refusal::Shell(
            "the install's RUN is an exec form (`[\"sh\", \"-c\", ...]`): dockopt does not split it into two RUNs".into(),
        ));
    }
    let cmd_span = &script.commands[k].span;
    let kept_end = script.commands[last + kept].span.end;
    let args_end = r.to_source(r.args.end - 1) + 1;
    let mut edits = Vec::new();
    let mut after_parts: Vec<String> = Vec::new();
    // Where the text re-emitted after the source copy starts; comment lines
    // between the removed part and it move above the new RUN.
    let after_start = after_cmds
        .first()
        .map_or(args_end, |f| r.to_source(r.args.start + f.span.start));
    let mut removed_from = None;
    if let Some(d) = deps_only(cand) {
        let start = r.to_source(r.args.start + cmd_span.start);
        removed_from = Some(start);
        let step = measured_step(rc, cand, layout, d, &fill, found, !stub_paths.is_empty())?;
        let (edit, after) = deps_only_edit(rc, cand, layout, step.before, step.after, start)?;
        edits.push(edit);
        after_parts.push(after);
        if let Some(why) = step.unsafe_reason {
            applicability = Applicability::Unsafe;
            unsafe_reason.get_or_insert(why);
        }
    } else if !after_cmds.is_empty() {
        let end = r.to_source(r.args.start + kept_end - 1) + 1;
        removed_from = Some(end);
        edits.push(Edit::replace(Span::new(end, args_end), ""));
    }
    if !after_cmds.is_empty() {
        after_parts.push(src[after_start..args_end].to_string());
    }
    let moved_comments: Vec<Span> = removed_from.map_or_else(Vec::new, |from| {
        r.comment_lines_in(Span::new(from, after_start))
    });
    let m_text = manifest_copy_text(rc, cand, dest, &found.files, nl)?;
    match layout.m_before {
        // Above the comment lines of the step it goes before, which stay with it.
        Some(b) => {
            edits.push(Edit::replace(c.span, ""));
            edits.push(Edit::insert(carried_span(rc, b).start, m_text));
        }
        None => edits.push(Edit::replace(c.span, m_text)),
    }
    for &x in layout.carried {
        edits.push(Edit::replace(carried_span(rc, x), ""));
    }
    let body = if after_parts.is_empty() && !layout.plan.carried_needs_run {
        Vec::new()
    } else {
        let mut body = layout.plan.carried.clone();
        body.extend(after_parts);
        body
    };
    edits.push(Edit::insert(
        r.span.end,
        moved_copy_text(rc, cand, layout, &moved_comments, &body, nl),
    ));
    let edits =
        Edits::new(edits).map_err(|e| Refusal::Layout(format!("{e} (the rule's own edits)")))?;
    let ignore = rc
        .ctx
        .and_then(|ctx| IgnoreChange::for_context(ctx, &ignore_additions));
    Ok(Fix::new(applicability, edits, ignore, unsafe_reason))
}

/// The edit that makes R the deps-only step `before`, and the text of the
/// RUN after the source copy. An exec-form R (`["sh", "-c", "..."]`) keeps
/// its form: the step replaces its script, and R's own text runs after C.
fn deps_only_edit(
    rc: &RuleContext,
    cand: &Candidate,
    layout: &Layout,
    before: String,
    after: String,
    start: usize,
) -> Result<(Edit, String), Refusal> {
    let r = rc.model.ins[cand.run];
    if r.form != Form::Exec {
        let args_end = r.to_source(r.args.end - 1) + 1;
        return Ok((Edit::replace(Span::new(start, args_end), before), after));
    }
    let src = rc.model.src;
    let carried = !layout.plan.carried.is_empty();
    if let Some(no) = exec_form::deps_only_refusal(r, src, cand, carried, &after) {
        return Err(no);
    }
    let span = exec_form::args_span(r);
    let args = &src[span.clone()];
    let step = exec_form::with_script(args, &before).ok_or_else(|| {
        Refusal::Shell("the exec-form RUN's script could not be rewritten".into())
    })?;
    Ok((
        Edit::replace(Span::new(span.start, span.end), step),
        args.to_string(),
    ))
}

/// An ignore entry for a directory the install does not empty first drops
/// host files the original image kept (merged under the installed ones).
fn ignore_applicability(
    cand: &Candidate,
    ignore_additions: &[String],
) -> (Applicability, Option<String>) {
    if ignore_additions.is_empty() || cand.install.m.spec.clears_writes {
        return (Applicability::Safe, None);
    }
    let why = format!(
        "`{}` does not empty {} first, so the original image kept the host's files there, which the ignore entry drops",
        cand.install.command_text,
        ignore_additions.join(", ")
    );
    (Applicability::Unsafe, Some(why))
}

/// The preset's deps-only step in R's place, and what runs after C.
struct DepsOnlyStep {
    before: String,
    after: String,
    /// Why the fix is unsafe, when it is.
    unsafe_reason: Option<String>,
}

/// The deps-only step, unsafe unless a measurement covers the install.
fn measured_step(
    rc: &RuleContext,
    cand: &Candidate,
    layout: &Layout,
    d: &DepsOnly,
    fill: &Templates,
    found: &Manifests,
    has_stubs: bool,
) -> Result<DepsOnlyStep, Refusal> {
    let measured = super::measured::measure(rc, cand, d, &found.files);
    let mut step = deps_only_step(cand, d, fill, has_stubs, &measured)?;
    if step.unsafe_reason.is_none()
        && d.unsafe_when_exported
        && leaks_outside(rc, cand, &layout.dest.abs, &found.writes)
    {
        step.unsafe_reason = Some(LEAKS.to_string());
    }
    step.unsafe_reason = step
        .unsafe_reason
        .filter(|_| !measured.same_image())
        .map(|why| measured.explain(why));
    Ok(step)
}

fn deps_only_step(
    cand: &Candidate,
    d: &DepsOnly,
    fill: &Templates,
    has_stubs: bool,
    measured: &Measured,
) -> Result<DepsOnlyStep, Refusal> {
    if d.before.contains("{stubs}") && !has_stubs {
        return Err(Refusal::NeedsSource(
            "no stub targets could be found for the deps-only step".into(),
        ));
    }
    if d.before.contains("{positional}") && fill.positional.is_none() {
        return Err(Refusal::Layout(format!(
            "the deps-only step names the project of `{}`, whose arguments dockopt does not write into a command",
            cand.install.command_text
        )));
    }
    let mut before = fill.apply(&d.before);
    // `pre && mvn ... || true` would swallow a failure of `pre`: group it.
    if cand.install.k > 0 && before.contains("||") {
        before = format!("{{ {before}; }}");
    }
    let unsafe_reason = if d.always_unsafe {
        Some(format!(
            "the deps-only step is a best-effort warm-up ({})",
            d.note.as_deref().unwrap_or_default()
        ))
    } else if d.unsafe_when_exported && cand.exported {
        Some(exported_reason(d, measured))
    } else {
        None
    };
    Ok(DepsOnlyStep {
        before,
        after: fill.apply(d.after.as_deref().unwrap_or("{command}")),
        unsafe_reason,
    })
}

/// Why a deps-only step is unsafe in a stage whose files later stages take.
const LEAKS: &str = "the deps-only step leaves its own files in this stage (caches, build files), and a later stage copies or mounts them out of it";

/// Why a deps-only step in an exported stage is unsafe, with what real builds
/// measured it to change when no measurement of the preset covers the install.
fn exported_reason(d: &DepsOnly, measured: &Measured) -> String {
    let why = "the deps-only step leaves its own files in this stage, whose files are in the image (it is exported)";
    match &d.exported_difference {
        Some(difference) if matches!(measured, Measured::No | Measured::Lacks(_)) => {
            format!("{why}; measured: {difference}")
        }
        _ => why.to_string(),
    }
}

/// Later stages take what the warm-up step left in this stage: a `FROM
/// <stage>` inherits everything; a `COPY --from=<stage>` of a path outside
/// `dest` (`/root/.m2`, `/`) may take caches, and one of the project
/// directory, or of a directory the install writes in it (`target` of a
/// dev-profile cargo build), takes the warm-up's own build files; a `RUN
/// --mount=...,from=<stage>` may read any of it.
fn leaks_outside(rc: &RuleContext, cand: &Candidate, dest: &str, writes: &[String]) -> bool {
    let m = rc.model;
    let stage = &m.stages[cand.stage];
    let names: Vec<String> = stage
        .alias
        .iter()
        .cloned()
        .chain([cand.stage.to_string()])
        .collect();
    let named = |v: &str| names.iter().any(|n| n.eq_ignore_ascii_case(v));
    m.stages.iter().enumerate().any(|(j, st)| {
        let base = st
            .from
            .and_then(|f| m.ins[f].words().first().map(|w| w.text.clone()));
        let inherits = j != cand.stage && base.as_deref().is_some_and(named);
        inherits
            || st.body.iter().any(|&i| {
                mounts_from(m.ins[i], &named)
                    || m.ins[i].flag("from").is_some_and(named)
                        && m.copy_view(i).map_or(true, |v| {
                            v.sources.as_ref().map_or(true, |srcs| {
                                srcs.iter().any(|s| {
                                    let s = crate::model::clean_abs(s);
                                    if super::paths::is_under(&s, dest) {
                                        takes_writes(&s, dest, writes)
                                    } else {
                                        takes_caches(&s)
                                    }
                                })
                            })
                        })
            })
    })
}

/// Does `RUN --mount=...,from=<stage>` read one of `named`'s stages?
fn mounts_from(ins: &crate::syntax::Instruction, named: &dyn Fn(&str) -> bool) -> bool {
    ins.kind == Keyword::Run
        && ins.flags.iter().filter(|f| f.name == "mount").any(|f| {
            f.value.as_deref().unwrap_or("").split(',').any(|kv| {
                kv.split_once('=')
                    .is_some_and(|(k, v)| k.trim().eq_ignore_ascii_case("from") && named(v.trim()))
            })
        })
}

/// Does copying `src` (inside the project directory `dest`) take a directory
/// the install writes there: all of the project, or a path through one of
/// `writes` (`target/debug/app`, at any depth: the install may run in a
/// subdirectory)?
fn takes_writes(src: &str, dest: &str, writes: &[String]) -> bool {
    if writes.is_empty() {
        return false;
    }
    let rel = src
        .strip_prefix(dest)
        .unwrap_or(src)
        .trim_start_matches('/');
    rel.is_empty()
        || writes.iter().any(|w| {
            let first = w.trim_matches('/').split('/').next().unwrap_or("");
            rel.split('/').any(|c| c == first)
        })
}

/// Where package managers keep downloads and caches (home directories, the
/// Go module cache, cargo's and bundler's homes, temp and cache directories).
const CACHE_ROOTS: &[&str] = &[
    "/root",
    "/home",
    "/go/pkg",
    "/usr/local/cargo/registry",
    "/usr/local/cargo/git",
    "/usr/local/bundle/cache",
    "/tmp",
    "/var/cache",
    "/usr/local/share/.cache",
    "/opt/conda/pkgs",
];

/// Does copying `src` out of the stage take a cache directory (or all of one)?
fn takes_caches(src: &str) -> bool {
    CACHE_ROOTS
        .iter()
        .any(|c| super::paths::is_under(src, c) || super::paths::is_under(c, src))
}

/// M: one COPY per directory of manifests, with C's keyword case and flags.
fn manifest_copy_text(
    rc: &RuleContext,
    cand: &Candidate,
    dest: &Dest,
    files: &[CtxPath],
    nl: &str,
) -> Result<String, Refusal> {
    let src = rc.model.src;
    let c = rc.model.ins[cand.copy];
    let c_indent = &src[c.span.start..c.keyword.start];
    let copy_kw = match c.kind {
        Keyword::Copy => src[c.keyword.range()].to_string(),
        _ => keyword_like(&src[c.keyword.range()], "COPY"),
    };
    let c_flags: String = c.flags.iter().map(|f| format!(" {}", f.text)).collect();
    let written = &dest.written;
    let mut out = String::new();
    for (dir, group) in group_by_dir(files, &cand.src_dir) {
        let mut d = if written == "." || written == "./" {
            "./".to_string()
        } else if written.ends_with('/') {
            written.clone()
        } else {
            format!("{written}/")
        };
        if !dir.is_empty() {
            d = if d == "./" {
                format!("./{dir}/")
            } else {
                format!("{d}{dir}/")
            };
        }
        let args = super::copy_words::copy_args(&group, &d)?;
        out.push_str(&format!("{c_indent}{copy_kw}{c_flags} {args}{nl}"));
    }
    Ok(out)
}

/// C after R, then the RUN with what R did after the install.
fn moved_copy_text(
    rc: &RuleContext,
    cand: &Candidate,
    layout: &Layout,
    moved_comments: &[Span],
    body: &[String],
    nl: &str,
) -> String {
    let src = rc.model.src;
    let c = rc.model.ins[cand.copy];
    let r = rc.model.ins[cand.run];
    let mut insert = String::new();
    if !src[..r.span.end].ends_with('\n') {
        insert.push_str(nl);
    }
    let c_text = if layout.absolute_dest {
        absolute_copy_text(rc, cand, layout.dest)
    } else {
        src[c.span.range()].to_string()
    };
    insert.push_str(&c_text);
    if !c_text.ends_with('\n') {
        insert.push_str(nl);
    }
    for &x in layout.carried {
        let x_text = &src[carried_span(rc, x).range()];
        insert.push_str(x_text);
        if !x_text.ends_with('\n') {
            insert.push_str(nl);
        }
    }
    for cm in moved_comments {
        insert.push_str(&src[cm.range()]);
        insert.push_str(nl);
    }
    if !body.is_empty() {
        let r_indent = &src[r.span.start..r.keyword.start];
        let run_kw = &src[r.keyword.range()];
        let r_flags: String = r.flags.iter().map(|f| format!(" {}", f.text)).collect();
        insert.push_str(&format!(
            "{r_indent}{run_kw}{r_flags} {}{nl}",
            body.join(" && ")
        ));
    }
    insert
}

/// A step that moves with C, with the comment lines right above it (no
/// blank line between), which describe it and move with it. Lines of the
/// instruction before it (a comment in its continuation) stay.
fn carried_span(rc: &RuleContext, x: usize) -> Span {
    let src = rc.model.src;
    let floor = x.checked_sub(1).map_or(0, |p| rc.model.ins[p].span.end);
    let x = rc.model.ins[x];
    let mut start = x.span.start;
    while start > floor {
        let before = &src[..start - 1];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        if !src[line_start..start].trim_start().starts_with('#') {
            break;
        }
        start = line_start;
    }
    Span::new(start, x.span.end)
}

/// C's text with its destination word replaced by the absolute path it
/// resolved to where C stood (a WORKDIR between changed the relative one).
fn absolute_copy_text(rc: &RuleContext, cand: &Candidate, dest: &Dest) -> String {
    let src = rc.model.src;
    let c = rc.model.ins[cand.copy];
    let text = &src[c.span.range()];
    let Some(last) = c.words().pop() else {
        return text.to_string();
    };
    let mut abs = dest.abs.clone();
    // A directory destination, written as one (`/` is one already).
    if !abs.ends_with('/') {
        abs.push('/');
    }
    let (a, b) = (last.span.start - c.span.start, last.span.end - c.span.start);
    format!("{}{}{}", &text[..a], abs, &text[b..])
}

/// Stub paths relative to the install's directory.
fn stub_paths(
    stubs: &[readers::Stub],
    map: CopyMap,
    cwd: &str,
) -> Result<Vec<(String, &'static str)>, Refusal> {
    let to_cwd = |p: &str| -> Option<String> {
        let abs = map.to_image(&CtxPath::new(p))?.into_string();
        match abs.strip_prefix(&format!("{cwd}/")) {
            Some(rel) => Some(rel.to_string()),
            None if !abs.starts_with(IMAGE_WORKDIR) => Some(abs),
            None => None,
        }
    };
    stubs
        .iter()
        .map(|s| {
            let p = to_cwd(&s.path).ok_or_else(|| {
                Refusal::Layout(format!(
                    "cannot place the stub {} relative to the install",
                    s.path
                ))
            })?;
            if !shell_plain(&p) {
                return Err(Refusal::Layout(format!(
                    "the stub {} has characters dockopt does not write into a shell command",
                    s.path
                )));
            }
            Ok((p, s.content))
        })
        .collect()
}

/// A path the deps-only step can write into its shell text as one word, as
/// is: `echo '...' > src/my tool.rs` would write `src/my`.
fn shell_plain(p: &str) -> bool {
    !p.is_empty()
        && p.chars()
            .all(|c| c.is_alphanumeric() || "-_./+@,:%=".contains(c))
}

/// The placeholders of a preset's deps-only templates.
struct Templates {
    command: String,
    flags: String,
    args: String,
    /// The install's positional arguments (the project it names), when
    /// each is a plain path that needs no quoting.
    positional: Option<String>,
    stubs: String,
    unstub: String,
    touch: String,
}

impl Templates {
    fn new(cand: &Candidate, stub_paths: &[(String, &str)]) -> Templates {
        let install = &cand.install;
        let args = install
            .text
            .get(install.m.args_start..install.m.span.end)
            .unwrap_or("")
            .trim()
            .to_string();
        let paths = stub_paths
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let carry = deps_only(cand).map_or(&[][..], |d| d.carry_flags.as_slice());
        let plain = |p: &String| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./\\+@".contains(c))
        };
        Templates {
            positional: install
                .m
                .positional
                .iter()
                .all(plain)
                .then(|| install.m.positional.join(" ")),
            command: install.command_text.clone(),
            flags: carried_flags(
                install.text,
                &install.script.commands[install.k],
                carry,
                &install.m.spec.value_flags_all(),
            ),
            args,
            stubs: stubs_command(stub_paths),
            unstub: format!("rm -f {paths}"),
            touch: format!("touch {paths}"),
        }
    }

    fn apply(&self, t: &str) -> String {
        let spaced_args = if self.args.is_empty() {
            String::new()
        } else {
            format!(" {}", self.args)
        };
        let positional = self.positional.as_deref().unwrap_or("");
        let spaced_positional = if positional.is_empty() {
            String::new()
        } else {
            format!(" {positional}")
        };
        t.replace("{command}", &self.command)
            .replace(" {positional}", &spaced_positional)
            .replace(" {args}", &spaced_args)
            .replace("{args}", &self.args)
            .replace("{stubs}", &self.stubs)
            .replace("{unstub}", &self.unstub)
            .replace("{touch}", &self.touch)
            .replace("{flags}", &self.flags)
    }
}

/// The words of `cmd` that are one of `carry` (with the value word after a
/// flag the preset lists in `value-flags`), as written in `text`, each with a
/// leading space. `-Dkey=value` and `-Pprofile` (a short flag joined to its
/// value) count too.
fn carried_flags(
    text: &str,
    cmd: &crate::shell::Command,
    carry: &[String],
    value_flags: &[String],
) -> String {
    let mut out = String::new();
    let words = &cmd.words;
    let mut i = 1;
    while i < words.len() {
        let w = &words[i];
        i += 1;
        let name = w.text.split_once('=').map_or(w.text.as_str(), |(n, _)| n);
        let exact = carry.iter().any(|f| f == name);
        let joined = carry.iter().any(|f| {
            f.len() == 2 && !f.starts_with("--") && name.len() > 2 && name.starts_with(f.as_str())
        });
        if !exact && !joined {
            continue;
        }
        out.push(' ');
        out.push_str(&text[w.span.clone()]);
        if exact && !w.text.contains('=') && value_flags.iter().any(|f| f == name) {
            if let Some(v) = words.get(i) {
                out.push(' ');
                out.push_str(&text[v.span.clone()]);
                i += 1;
            }
        }
    }
    out
}

/// `mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs`
fn stubs_command(stubs: &[(String, &str)]) -> String {
    let mut dirs: Vec<&str> = stubs
        .iter()
        .map(|(p, _)| readers::parent(p))
        .filter(|d| !d.is_empty())
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut parts = Vec::new();
    if !dirs.is_empty() {
        parts.push(format!("mkdir -p {}", dirs.join(" ")));
    }
    for (p, content) in stubs {
        if content.is_empty() {
            parts.push(format!("touch {p}"));
        } else {
            parts.push(format!("echo '{content}' > {p}"));
        }
    }
    parts.join(" && ")
}

/// `word` in the letter case of `like` (`copy` for `add`, `COPY` for `ADD`).
fn keyword_like(like: &str, word: &str) -> String {
    if like.chars().all(|c| !c.is_ascii_uppercase()) {
        word.to_ascii_lowercase()
    } else if like.chars().skip(1).all(|c| !c.is_ascii_uppercase()) {
        let mut s = word.to_ascii_lowercase();
        s[..1].make_ascii_uppercase();
        s
    } else {
        word.to_string()
    }
}

/// The line ending the instruction's first line uses.
fn line_ending(ins: &Instruction, src: &str, default: &'static str) -> &'static str {
    let text = &src[ins.span.range()];
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        Some(_) => "\n",
        None => default,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_case_follows_the_original() {
        assert_eq!(keyword_like("add", "COPY"), "copy");
        assert_eq!(keyword_like("Add", "COPY"), "Copy");
        assert_eq!(keyword_like("ADD", "COPY"), "COPY");
    }

    #[test]
    fn stubs_make_their_directories_once() {
        let s = stubs_command(&[
            ("src/main.rs".into(), "fn main() {}"),
            ("src/lib.rs".into(), ""),
        ]);
        assert_eq!(
            s,
            "mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs"
        );
    }

    /// A stub path the shell would split or expand is refused (adv-cargospace).
    #[test]
    fn stub_paths_the_shell_would_split_are_refused() {
        let map = CopyMap {
            src_dir: "",
            dest_abs: "/app",
        };
        let stub = |path: &str| readers::Stub {
            path: path.into(),
            content: "fn main() {}",
        };
        let ok = stub_paths(&[stub("src/main.rs")], map, "/app");
        assert_eq!(
            ok.ok(),
            Some(vec![("src/main.rs".to_string(), "fn main() {}")])
        );
        for bad in [
            "src/my tool.rs",
            "src/$x.rs",
            "src/a*.rs",
            "src/a;b.rs",
            "src/it's.rs",
        ] {
            assert!(
                matches!(
                    stub_paths(&[stub(bad)], map, "/app"),
                    Err(Refusal::Layout(_))
                ),
                "{bad}"
            );
        }
    }
}
