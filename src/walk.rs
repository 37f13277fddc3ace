//! Finding Dockerfiles under a directory (honouring .gitignore, skipping .git).

use std::path::PathBuf;
use std::sync::Mutex;

/// Is `name` a Dockerfile name dockopt looks for?
pub fn is_dockerfile_name(name: &str) -> bool {
    if name.ends_with(".dockerignore") || name.ends_with(".containerignore") {
        return false;
    }
    name == "Dockerfile"
        || name == "Containerfile"
        || name.starts_with("Dockerfile.")
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
}

/// What a search of a directory found.
#[derive(Debug, Default)]
pub struct Found {
    pub dockerfiles: Vec<PathBuf>,
    pub compose_files: Vec<PathBuf>,
}

/// Every Dockerfile (and compose file) under the `roots`, sorted. One walker
/// for all of them: starting one per root costs threads and stat calls.
pub fn find(roots: &[PathBuf], threads: usize) -> Found {
    let found = Mutex::new(Found::default());
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
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                if let Ok(e) = entry {
                    let is_file = e.file_type().is_some_and(|t| t.is_file() || t.is_symlink());
                    let name = e.file_name().to_str().unwrap_or("");
                    if is_file && is_dockerfile_name(name) {
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
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "dockerfile-notes.md",
            "README",
            "Makefile",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
