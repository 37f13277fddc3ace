//! Dockerfiles a compose file names whose file names a directory search
//! does not take (`build.dockerfile: .dockerfiles/app/.Dockerfile`,
//! `docker/web`): the project says they are Dockerfiles, so a search of the
//! directory holding them processes them too.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::compose::ComposeContext;

/// `files` plus every regular file `compose` declares under one of the
/// searched `dirs` that `files` does not already hold, written as a path
/// below that directory (as the search writes them), sorted.
pub fn with_compose(
    mut files: Vec<PathBuf>,
    compose: &BTreeMap<PathBuf, ComposeContext>,
    dirs: &[PathBuf],
) -> Vec<PathBuf> {
    if compose.is_empty() || dirs.is_empty() {
        return files;
    }
    let known: Vec<PathBuf> = files
        .iter()
        .filter_map(|f| std::fs::canonicalize(f).ok())
        .collect();
    let roots: Vec<(PathBuf, &PathBuf)> = dirs
        .iter()
        .filter_map(|d| std::fs::canonicalize(d).ok().map(|c| (c, d)))
        .collect();
    let mut added = Vec::new();
    for declared in compose.keys() {
        let Ok(real) = std::fs::canonicalize(declared) else {
            continue; // missing: the declaration is not taken
        };
        if !real.is_file() || known.contains(&real) || in_git_dir(&real) {
            continue;
        }
        let under = roots
            .iter()
            .find_map(|(c, d)| real.strip_prefix(c).ok().map(|rel| d.join(rel)));
        if let Some(p) = under {
            if !added.contains(&p) {
                added.push(p);
            }
        }
    }
    files.extend(added);
    files.sort();
    files
}

fn in_git_dir(p: &Path) -> bool {
    p.components().any(|c| c.as_os_str() == ".git")
}
