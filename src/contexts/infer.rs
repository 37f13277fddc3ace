//! Inferring a Dockerfile's build context when nothing declares it.
//!
//! Candidates are the Dockerfile's directory and its ancestors up to the
//! repository root (the directory holding `.git`, else the top of the run).
//! The context is the nearest candidate in which every source the file's
//! `COPY`/`ADD` read from the context exists and is not excluded by that
//! candidate's effective ignore file (`<Dockerfile>.dockerignore`, else the
//! candidate's `.dockerignore`); a wildcard source needs one match. URLs,
//! `--from` copies, heredocs and sources with unresolved variables prove
//! nothing and are not checked. The Dockerfile's own directory is kept when
//! it satisfies every source, or when no candidate does.
//!
//! A second step ([`widen_for_manifests`]): when the rule then finds an
//! install whose manifests are missing from that context, the original
//! build could not have worked there either, so the nearest higher
//! candidate that also holds every source and the manifests is taken.

use std::path::{Path, PathBuf};

use crate::context::BuildContext;
use crate::engine::Outcome;
use crate::model::Model;
use crate::rules::{Refusal, RefusalKind};
use crate::runner::display_path;

/// A context source the Dockerfile reads: line and path as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source {
    pub line: usize,
    pub path: String,
}

/// The context-relative sources of the file's `COPY`/`ADD` worth checking.
pub fn sources(text: &str) -> Vec<Source> {
    let df = crate::syntax::parse(text.as_bytes());
    let model = Model::new(text, &df);
    let mut out = Vec::new();
    for (i, ins) in model.ins.iter().enumerate() {
        let Some(c) = model.copy_view(i) else {
            continue;
        };
        if c.from.is_some() || c.heredoc {
            continue;
        }
        for s in c.sources.clone().unwrap_or_default() {
            let remote = s.contains("://") || s.starts_with("git@");
            if !remote && !s.is_empty() {
                out.push(Source {
                    line: ins.start_line,
                    path: s,
                });
            }
        }
    }
    out
}

/// The Dockerfile's directory and its ancestors up to `top` (only the
/// directory when `top` is not above it). Absolute paths.
pub fn candidates(dockerfile: &Path, top: &Path) -> Vec<PathBuf> {
    let abs = crate::compose::clean(&crate::config::absolute(dockerfile));
    let top = crate::compose::clean(&crate::config::absolute(top));
    let dir = abs.parent().unwrap_or(&abs);
    if !dir.starts_with(&top) {
        return vec![dir.to_path_buf()];
    }
    dir.ancestors()
        .take_while(|a| a.starts_with(&top))
        .map(Path::to_path_buf)
        .collect()
}

/// The first source missing from the context at `dir`, if any.
fn first_missing<'a>(dir: &Path, dockerfile: &Path, srcs: &'a [Source]) -> Option<&'a Source> {
    let Ok(ctx) = BuildContext::open(dir, dockerfile) else {
        return srcs.first();
    };
    srcs.iter().find(|s| {
        let wildcard = s.path.contains(['*', '?', '[']);
        if wildcard {
            ctx.glob(&s.path).is_empty()
        } else {
            !ctx.exists(&s.path)
        }
    })
}

/// Does the context at `dir` hold every one of `srcs` (see the module
/// documentation)?
pub fn holds_all(dir: &Path, dockerfile: &Path, srcs: &[Source]) -> bool {
    first_missing(dir, dockerfile, srcs).is_none()
}

/// Every candidate in which all the file's sources exist: the contexts it
/// may be built from when nothing declares one (`docker build -f
/// deploy/Dockerfile .` from the root is as likely as from `deploy/`).
pub fn possible(text: &str, dockerfile: &Path, top: &Path) -> Vec<PathBuf> {
    let srcs = sources(text);
    candidates(dockerfile, top)
        .into_iter()
        .filter(|c| first_missing(c, dockerfile, &srcs).is_none())
        .collect()
}

/// The inferred context and the evidence, when it is not the Dockerfile's
/// own directory.
pub fn infer(text: &str, dockerfile: &Path, top: &Path) -> Option<(PathBuf, String)> {
    let srcs = sources(text);
    let cands = candidates(dockerfile, top);
    let own = cands.first()?;
    let missing = first_missing(own, dockerfile, &srcs)?.clone();
    let found = cands[1..]
        .iter()
        .find(|c| first_missing(c, dockerfile, &srcs).is_none())?;
    Some((
        found.clone(),
        format!(
            "every COPY/ADD source is in {} (line {}: `{}` is not in the Dockerfile's directory)",
            display_path(found),
            missing.line,
            missing.path
        ),
    ))
}

/// The outcome's missing-manifest refusals.
fn missing_manifests(outcome: &Result<Outcome, String>) -> Vec<&Refusal> {
    let Ok(o) = outcome else { return Vec::new() };
    o.findings
        .iter()
        .filter_map(|f| f.refusal.as_ref())
        .filter(|r| r.kind() == RefusalKind::MissingManifest)
        .collect()
}

fn misses_manifest(outcome: &Result<Outcome, String>) -> bool {
    !missing_manifests(outcome).is_empty()
}

/// Can `dir` hold what the refusals say is missing? The context path a
/// refusal names (missing, or excluded by the ignore file) is the same in
/// every candidate, so a candidate without it is skipped without running
/// the rule there; a refusal naming no file is no evidence either way.
fn may_hold(dir: &Path, refusals: &[&Refusal]) -> bool {
    refusals.iter().all(|r| {
        r.missing_file()
            .map_or(true, |f| dir.join(f.as_str()).exists())
    })
}

/// When `outcome` (run in `current`) misses a manifest, the nearest higher
/// candidate that holds every source and where `run` misses none: that
/// context, the evidence and its outcome.
pub fn widen_for_manifests(
    text: &str,
    dockerfile: &Path,
    top: &Path,
    current: &Path,
    outcome: &Result<Outcome, String>,
    run: impl Fn(&Path) -> Result<Outcome, String>,
) -> Option<(PathBuf, String, Result<Outcome, String>)> {
    let reasons = missing_manifests(outcome);
    if reasons.is_empty() {
        return None;
    }
    let srcs = sources(text);
    let current = crate::compose::clean(&crate::config::absolute(current));
    let cands = candidates(dockerfile, top);
    let pos = cands.iter().position(|c| *c == current)?;
    for c in &cands[pos + 1..] {
        if !may_hold(c, &reasons) || first_missing(c, dockerfile, &srcs).is_some() {
            continue;
        }
        let o = run(c);
        if o.is_ok() && !misses_manifest(&o) {
            let detail = format!(
                "the install's manifests are missing from {} and found in {}",
                display_path(&current),
                display_path(c)
            );
            return Some((c.clone(), detail, o));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_skip_what_proves_nothing() {
        let text = "FROM a AS b\nCOPY --from=b /x /y\nADD https://x/y.tgz /\nCOPY <<EOF /f\nhi\nEOF\nARG V\nCOPY $V /z\nCOPY package.json src/*.ts ./\n";
        let s: Vec<(usize, String)> = sources(text)
            .into_iter()
            .map(|s| (s.line, s.path))
            .collect();
        assert_eq!(
            s,
            [(9, "package.json".to_string()), (9, "src/*.ts".to_string())]
        );
    }

    #[test]
    fn candidates_without_the_named_manifest_are_skipped() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("package.json"), "{}").unwrap();
        let missing = |file: Option<&str>, why: &str| Refusal::MissingManifest {
            file: file.map(crate::paths::CtxPath::new),
            why: why.to_string(),
        };
        let named = missing(
            Some("package.json"),
            "package.json is not in the build context",
        );
        assert!(may_hold(t.path(), &[&named]));
        // The file decides, not the text.
        let go_mod = missing(Some("go.mod"), "package.json is not in the build context");
        assert!(!may_hold(t.path(), &[&named, &go_mod]));
        let excluded = missing(Some("go.sum"), "go.sum is excluded by .dockerignore");
        assert!(!may_hold(t.path(), &[&excluded]));
        let unnamed = missing(
            None,
            "`npm ci` needs one of a, b and none is in the build context",
        );
        assert!(may_hold(t.path(), &[&unnamed]));
    }

    #[test]
    fn candidates_stop_at_top() {
        let c = candidates(Path::new("/r/lib/demo/Dockerfile"), Path::new("/r"));
        assert_eq!(
            c,
            [PathBuf::from("/r/lib/demo"), "/r/lib".into(), "/r".into()]
        );
        assert_eq!(
            candidates(Path::new("/x/Dockerfile"), Path::new("/r")),
            [PathBuf::from("/x")]
        );
    }
}
