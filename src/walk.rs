//! Finding Dockerfiles under a directory (honouring .gitignore, skipping .git).

use std::path::PathBuf;
use std::sync::Mutex;

/// Is `name` a Dockerfile name dockopt looks for?
///
/// `Dockerfile` and `Containerfile` with a `.suffix` (`Dockerfile.prod`) or a
/// `prefix.` (`api.Dockerfile`, `api.dockerfile`, `api.containerfile`), and a
/// bare lowercase `dockerfile`, which `docker build` falls back to when there
/// is no `Dockerfile`. A lowercase `dockerfile.*` is not taken: the CLI never
/// reads it and such names are mostly source files (`dockerfile.go`).
pub fn is_dockerfile_name(name: &str) -> bool {
    if name.ends_with(".dockerignore") || name.ends_with(".containerignore") {
        return false;
    }
    ["Dockerfile", "Containerfile"].iter().any(|base| {
        name == *base
            || name
                .strip_prefix(base)
                .is_some_and(|r| r.len() > 1 && r.starts_with('.'))
            || name
                .strip_suffix(base)
                .or_else(|| name.strip_suffix(&base.to_ascii_lowercase()))
                .is_some_and(|r| r.len() > 1 && r.ends_with('.'))
    }) || name == "dockerfile"
}

/// What a search of a directory found.
#[derive(Debug, Default)]
pub struct Found {
    pub dockerfiles: Vec<PathBuf>,
    pub compose_files: Vec<PathBuf>,
    /// Files that may declare build contexts (workflows, Makefiles, scripts, bake files).
    pub declaration_files: Vec<PathBuf>,
    /// Directories that could not be read, symlink loops: each with its path.
    pub errors: Vec<String>,
    /// Dockerfile-named links leading out of every searched tree, with their
    /// targets: skipped unless links are followed.
    pub outside_links: Vec<(PathBuf, PathBuf)>,
}

/// A walk error worth reporting: I/O (an unreadable directory) or a loop,
/// not a bad line in a `.gitignore` (the walk goes on without it).
fn is_walk_error(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Partial(errs) => errs.iter().any(is_walk_error),
        ignore::Error::WithLineNumber { err, .. }
        | ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. } => is_walk_error(err),
        ignore::Error::Loop { .. } | ignore::Error::Io(_) => true,
        _ => false,
    }
}

/// Is `path` (a symlink) leading out of all of `roots` (canonical)?
fn leads_outside(path: &std::path::Path, roots: &[PathBuf]) -> Option<PathBuf> {
    let target = std::fs::canonicalize(path).ok()?;
    (!roots.iter().any(|r| target.starts_with(r))).then_some(target)
}

/// Every Dockerfile (and compose file) under the `roots`, sorted. One walker
/// for all of them: starting one per root costs threads and stat calls.
pub fn find(roots: &[PathBuf], threads: usize) -> Found {
    find_opts(roots, threads, false)
}

/// [`find`], following symlinks (to directories too, and out of the
/// trees) when `follow_links`.
pub fn find_opts(roots: &[PathBuf], threads: usize, follow_links: bool) -> Found {
    let found = Mutex::new(Found::default());
    let canonical_roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    let canonical_roots = &canonical_roots;
    let Some((first, rest)) = roots.split_first() else {
        return Found::default();
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .require_git(false)
        .threads(threads)
        .follow_links(follow_links)
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let e = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        if is_walk_error(&err) {
                            let mut f = found.lock().expect("no panics while holding");
                            f.errors.push(err.to_string());
                        }
                        return ignore::WalkState::Continue;
                    }
                };
                {
                    // A symlink counts when it leads to a file (a `dockerfile` directory,
                    // or a link to one, is not a Dockerfile).
                    let is_file = e
                        .file_type()
                        .is_some_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()));
                    let name = e.file_name().to_str().unwrap_or("");
                    let link = e.path_is_symlink() && !follow_links;
                    let outside = (is_file && link && is_dockerfile_name(name))
                        .then(|| leads_outside(e.path(), canonical_roots))
                        .flatten();
                    if let Some(target) = outside {
                        found
                            .lock()
                            .expect("no panics while holding")
                            .outside_links
                            .push((e.into_path(), target));
                    } else if is_file && is_dockerfile_name(name) {
                        found
                            .lock()
                            .expect("no panics while holding")
                            .dockerfiles
                            .push(e.into_path());
                    } else if is_file && crate::compose::FILE_NAMES.contains(&name) {
                        found
                            .lock()
                            .expect("no panics while holding")
                            .compose_files
                            .push(e.into_path());
                    } else if is_file && crate::contexts::declaration_kind(e.path()).is_some() {
                        found
                            .lock()
                            .expect("no panics while holding")
                            .declaration_files
                            .push(e.into_path());
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let mut f = found.into_inner().expect("no panics while holding");
    f.dockerfiles.sort();
    f.dockerfiles.dedup();
    f.compose_files.sort();
    f.compose_files.dedup();
    f.declaration_files.sort();
    f.declaration_files.dedup();
    f.errors.sort();
    f.outside_links.sort();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "Containerfile",
            "Dockerfile.dev",
            "api.Dockerfile",
            "x.dockerfile",
            "dockerfile",
            "Containerfile.dev",
            "api.containerfile",
            "api.Containerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "dockerfile-notes.md",
            "dockerfile.go",
            "Dockerfile.",
            ".dockerfile",
            "Containerfile.containerignore",
            "containerfile",
            "Dockerfiles",
            "README",
            "Makefile",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
