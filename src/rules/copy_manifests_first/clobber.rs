//! No clobbering: after the rewrite C runs last, so a directory the install
//! writes that the context also holds would be brought back over it. The fix
//! adds `**/<dir>` to the ignore file, when that drops nothing else.

use crate::context::BuildContext;
use crate::context_reads::{context_reads, glob_dir, ReadKind};
use crate::model::clean_rel;
use crate::readers;
use crate::syntax::Keyword;

use super::manifests::{ignore_name, Manifests};
use super::paths::{is_under_rel, CtxPath};
use super::refusal::Refusal;
use crate::rules::RuleContext;

/// The ignore entries the fix needs, or why they cannot be added.
pub fn ignore_additions(
    rc: &RuleContext,
    ctx: &BuildContext,
    found: &Manifests,
    c_index: usize,
) -> Result<Vec<String>, Refusal> {
    let copies = context_copies(rc);
    let mut additions: Vec<String> = Vec::new();
    let mut newly_excluded: Vec<String> = Vec::new();
    for w in found.writes.iter().chain(&found.extra_writes) {
        let dirs = ctx.find_dirs_named("", w).map_err(Refusal::Clobber)?;
        let (written, others): (Vec<&String>, Vec<&String>) = dirs.iter().partition(|d| {
            found
                .install_dirs
                .iter()
                .any(|dir| readers::join(dir.as_str(), w) == **d)
        });
        if written.is_empty() {
            continue;
        }
        // `**/<w>` must not drop a directory of that name the install does not write.
        for other in others {
            if let Some((i, _)) = copies
                .iter()
                .find(|(_, srcs)| srcs.iter().any(|s| is_under_rel(other, s)))
            {
                let ins = rc.model.ins[*i];
                return Err(Refusal::Clobber(format!(
                    "the context holds {} (the install writes it), but `**/{w}` would also drop {other}, which {} at line {} copies",
                    written[0], ins.name, rc.line(ins)
                )));
            }
        }
        additions.push(format!("**/{w}"));
        newly_excluded.extend(dirs.iter().cloned());
    }
    if !additions.is_empty() {
        if let Some(why) = ctx.ignore_edit_conflict() {
            return Err(Refusal::Clobber(format!(
                "the fix needs {} in the ignore file, but {why}",
                additions.join(", ")
            )));
        }
        check_ignore_file(rc, ctx, &additions)?;
        check_nothing_else_excluded(rc, ctx, &found.files, &additions)?;
        check_other_reads(rc, c_index, &additions, &newly_excluded)?;
        if let Some(why) = ctx.census_cut_short() {
            return Err(Refusal::ContextTooLarge(why));
        }
        if let Some(why) = ctx.sibling_breakage(&additions, &newly_excluded) {
            return Err(Refusal::Clobber(why));
        }
    }
    Ok(additions)
}

/// The existing ignore file the entries are appended to. Through a symbolic
/// link the edit would change the file it points to (another file of the
/// context, or one outside it). In the context and not excluded by itself, a
/// copy of the context brings it into the image, where the new line would
/// change it (`COPY . .` copies `/app/.dockerignore`). A created file lists
/// itself.
fn check_ignore_file(
    rc: &RuleContext,
    ctx: &BuildContext,
    additions: &[String],
) -> Result<(), Refusal> {
    let Some(path) = ctx.ignore_file() else {
        return Ok(());
    };
    let name = path.display();
    let rel = rel_in_root(ctx.root(), path);
    let linked = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        || rel.as_deref().is_some_and(|r| ctx.is_symlink(r));
    if linked {
        return Err(Refusal::Clobber(format!(
            "the fix needs {} in {name}, which is a symbolic link: dockopt does not edit the file it points to",
            additions.join(", ")
        )));
    }
    let Some(rel) = rel.filter(|r| !ctx.is_excluded(r)) else {
        return Ok(());
    };
    let copier = context_reads(rc.model).into_iter().find(|r| {
        r.kind == ReadKind::Copy
            && r.source
                .as_deref()
                .map_or(true, |s| is_under_rel(&rel, &glob_dir(s)))
    });
    match copier {
        Some(r) => {
            let ins = rc.model.ins[r.index];
            Err(Refusal::Clobber(format!(
                "the fix needs {} in {name}, but {} at line {} copies {rel} into the image, which the new line would change",
                additions.join(", "),
                ins.name,
                rc.line(ins)
            )))
        }
        None => Ok(()),
    }
}

/// `path` relative to the context directory `root`, when it is inside it
/// (`Dockerfile.dockerignore` beside a Dockerfile named relative to `.`).
/// The directories are compared resolved; the file itself is not followed.
fn rel_in_root(root: &std::path::Path, path: &std::path::Path) -> Option<String> {
    let canon = |p: &std::path::Path| std::fs::canonicalize(p).ok();
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let (root, path) = match (canon(root), canon(dir)) {
        (Some(r), Some(d)) => (r, d.join(path.file_name()?)),
        _ => (root.to_path_buf(), path.to_path_buf()),
    };
    let rel = path.strip_prefix(&root).ok()?;
    Some(clean_rel(&rel.to_string_lossy()))
}

/// COPY/ADD instructions from the context, with their cleaned sources.
fn context_copies(rc: &RuleContext) -> Vec<(usize, Vec<String>)> {
    let m = rc.model;
    (0..m.ins.len())
        .filter_map(|i| {
            let v = m.copy_view(i)?;
            (v.from.is_none() && !v.heredoc).then(|| {
                let srcs = v.sources.as_deref().unwrap_or_default();
                (i, srcs.iter().map(|s| clean_rel(s)).collect())
            })
        })
        .collect()
}

/// Neither a manifest nor another COPY/ADD source may become excluded.
fn check_nothing_else_excluded(
    rc: &RuleContext,
    ctx: &BuildContext,
    files: &[CtxPath],
    additions: &[String],
) -> Result<(), Refusal> {
    let m = rc.model;
    let extra: Vec<&str> = additions.iter().map(String::as_str).collect();
    for f in files.iter().map(CtxPath::as_str) {
        if ctx.is_excluded_with(f, &extra) {
            return Err(Refusal::Clobber(format!(
                "adding {} to {} would exclude {f}",
                extra.join(", "),
                ignore_name(ctx)
            )));
        }
    }
    for (i, ins) in m.ins.iter().enumerate() {
        let Some(v) = m.copy_view(i) else { continue };
        if v.from.is_some() || v.heredoc || !matches!(ins.kind, Keyword::Copy | Keyword::Add) {
            continue;
        }
        for s in v.sources.iter().flatten() {
            let rel = clean_rel(s);
            if !rel.is_empty() && !ctx.is_excluded(&rel) && ctx.is_excluded_with(&rel, &extra) {
                return Err(Refusal::Clobber(format!(
                    "{} at line {} copies {rel}, which {} would exclude",
                    ins.name,
                    rc.line(ins),
                    extra.join(", ")
                )));
            }
        }
    }
    Ok(())
}

/// No instruction but C may read a directory the entries newly exclude: the
/// install replaces C's copy of its own directories, but another copy of
/// the context (`COPY . /src` in another stage, a later `COPY web /srv`) or
/// a `RUN --mount=type=bind` of it would lose what it copied.
fn check_other_reads(
    rc: &RuleContext,
    c_index: usize,
    additions: &[String],
    newly_excluded: &[String],
) -> Result<(), Refusal> {
    for r in context_reads(rc.model) {
        if r.index == c_index {
            continue;
        }
        let ins = rc.model.ins[r.index];
        let how = match r.kind {
            ReadKind::Copy => "copies",
            ReadKind::Mount => "mounts",
        };
        let Some(src) = &r.source else {
            return Err(Refusal::Clobber(format!(
                "{} at line {} {how} a context path dockopt cannot resolve, which {} may drop",
                ins.name,
                rc.line(ins),
                additions.join(", ")
            )));
        };
        let src = glob_dir(src);
        let hit = newly_excluded
            .iter()
            .find(|d| is_under_rel(d, &src) || is_under_rel(&src, d));
        if let Some(d) = hit {
            let what = if src.is_empty() {
                "the whole context".to_string()
            } else {
                src.clone()
            };
            return Err(Refusal::Clobber(format!(
                "{} at line {} {how} {what}, which {} would drop ({d})",
                ins.name,
                rc.line(ins),
                additions.join(", ")
            )));
        }
    }
    Ok(())
}

/// On in-memory contexts: what the host context holds decides the entries.
#[cfg(test)]
mod tests {
    use super::super::manifests::tests::{npm_project, plan_on, NPM};
    use super::Refusal;
    use crate::rules::RefusalKind;

    fn additions(ctx: crate::context::MemContext) -> Result<Vec<String>, Refusal> {
        let mut plans = plan_on(NPM, &ctx.into_context());
        assert_eq!(plans.len(), 1);
        plans
            .pop()
            .unwrap()
            .map(|fix| fix.ignore().map_or_else(Vec::new, |c| c.added()))
    }

    /// On disk, in a directory with no `.git` holding more entries than the
    /// census may visit: the other Dockerfiles that may share the context
    /// cannot all be known, so the entry the fix needs is refused; with room
    /// for the census, the same project is fixed with it.
    #[test]
    fn a_census_cut_short_refuses_the_entry() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        for (rel, text) in [
            ("Dockerfile", NPM),
            ("package.json", r#"{"name":"a"}"#),
            ("package-lock.json", "{}"),
            ("index.js", ""),
            ("node_modules/dep/index.js", ""),
        ] {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        let run = |limit: usize| {
            let sharing = crate::sharing::Sharing::new(&[root.to_path_buf()], None, true)
                .with_census_limit(limit);
            let ctx = crate::context::BuildContext::open(root, &root.join("Dockerfile"))
                .unwrap()
                .with_sharing(Some(std::sync::Arc::new(sharing)));
            let mut plans = plan_on(NPM, &ctx);
            assert_eq!(plans.len(), 1);
            plans.pop().unwrap()
        };
        let fix = run(1000).unwrap();
        assert_eq!(
            fix.ignore().map(|c| c.added()),
            Some(vec![
                ".dockerignore".to_string(),
                "**/node_modules".to_string()
            ])
        );
        let r = run(3).unwrap_err();
        assert_eq!(r.kind(), RefusalKind::ContextTooLarge);
        assert!(r.text().contains("more than 3 entries"), "{}", r.text());
        assert!(r.text().contains("no .git"), "{}", r.text());
    }

    #[test]
    fn no_host_node_modules_no_entry() {
        assert_eq!(additions(npm_project()).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn host_node_modules_gets_an_entry() {
        let ctx = npm_project().file("node_modules/dep/index.js", "");
        // The ignore file is created: it lists itself first.
        assert_eq!(
            additions(ctx).unwrap(),
            [".dockerignore", "**/node_modules"]
        );
        // Already ignored: nothing to add.
        let ctx = npm_project()
            .file("node_modules/dep/index.js", "")
            .file(".dockerignore", "node_modules\n");
        assert_eq!(additions(ctx).unwrap(), Vec::<String>::new());
    }

    /// An ignore file in the context that `COPY . .` copies changes in the
    /// image with the new line (adv2-ignincopy); one that lists itself does not.
    #[test]
    fn an_ignore_file_the_copy_brings_is_not_edited() {
        let ctx = npm_project()
            .file("node_modules/dep/index.js", "")
            .file(".dockerignore", "dist\n");
        let r = additions(ctx).unwrap_err();
        assert_eq!(r.kind(), RefusalKind::Clobber);
        assert!(
            r.text().contains("copies .dockerignore into the image"),
            "{}",
            r.text()
        );
        let ctx = npm_project()
            .file("node_modules/dep/index.js", "")
            .file(".dockerignore", ".dockerignore\ndist\n");
        assert_eq!(additions(ctx).unwrap(), ["**/node_modules"]);
    }

    #[test]
    fn different_ignore_files_per_builder_refuse_the_entry() {
        let ctx = npm_project()
            .file("node_modules/dep/index.js", "")
            .file(".containerignore", "dist\n");
        let r = additions(ctx).unwrap_err();
        assert_eq!(r.kind(), RefusalKind::Clobber);
        assert!(r.text().contains("Podman and Buildah read"), "{}", r.text());
    }
}
