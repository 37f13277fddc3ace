//! The paths in a patch's headers. `git apply` and `patch -p1` refuse a
//! header with `..` (or an absolute path); a run over files outside the
//! working directory gets headers relative to the common directory of the
//! files it changes, and a note saying where to apply the patch.

use std::path::{Component, Path, PathBuf};

use crate::runner::{display_path, FileResult};

/// Where the patch's paths start.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PatchRoot {
    /// `None`: the working directory (every path already fits a header).
    dir: Option<PathBuf>,
}

/// A path fit for a header as it is shown: relative, no `..`.
fn fits(shown: &str) -> bool {
    shown == "-"
        || Path::new(shown)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// Does every file the run over `targets` may change fit a header as it is
/// shown? (A Dockerfile, and the ignore file next to it or in its context.)
/// Then the root is the working directory, whatever the results.
pub fn targets_fit(targets: &[crate::runner::Target]) -> bool {
    targets
        .iter()
        .all(|t| fits(&t.display) && t.context.as_ref().map_or(true, |c| fits(&display_path(c))))
}

fn absolute(p: &Path) -> PathBuf {
    crate::compose::clean(&crate::config::absolute(p))
}

/// The longest directory both `a` and `b` are under.
fn common(a: &Path, b: &Path) -> PathBuf {
    a.components()
        .zip(b.components())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x)
        .collect()
}

impl PatchRoot {
    /// The root for the changes in `results`.
    pub fn of(results: &[FileResult]) -> PatchRoot {
        let mut changed: Vec<&Path> = Vec::new();
        for r in results {
            let Ok(o) = &r.outcome else { continue };
            if o.fixed.is_some() && r.target.path != Path::new("-") {
                changed.push(&r.target.path);
            }
            if let Some(ig) = &o.ignore {
                changed.push(&ig.path);
            }
        }
        if changed.iter().all(|p| fits(&display_path(p))) {
            return PatchRoot::default();
        }
        let dirs = changed.iter().map(|p| {
            absolute(p)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        });
        let dir = dirs.reduce(|a, b| common(&a, &b));
        PatchRoot { dir }
    }

    /// The header path of `path` (shown as `shown` elsewhere).
    pub fn header(&self, path: &Path, shown: &str) -> String {
        let Some(dir) = &self.dir else {
            return shown.to_string();
        };
        let abs = absolute(path);
        abs.strip_prefix(dir)
            .unwrap_or(&abs)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// How to apply a patch whose paths do not start at the working directory.
    pub fn note(&self) -> Option<String> {
        self.dir.as_ref().map(|d| {
            format!(
                "dockopt: the patch's paths are relative to {0} (the files are outside the working directory): apply it with `patch -p1 -d {0} < FILE` or `git -C {0} apply FILE`",
                d.display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_paths_never_leave_the_root() {
        assert!(fits("app/Dockerfile"));
        assert!(!fits("../x/Dockerfile"));
        assert!(!fits("/tmp/Dockerfile"));
        assert_eq!(
            common(Path::new("/a/b/c"), Path::new("/a/b/d/e")),
            PathBuf::from("/a/b")
        );
        let root = PatchRoot {
            dir: Some(PathBuf::from("/src")),
        };
        assert_eq!(
            root.header(Path::new("/src/x/../api/Dockerfile"), "../api/Dockerfile"),
            "api/Dockerfile"
        );
        assert!(root.note().unwrap().contains("patch -p1 -d /src"));
        assert_eq!(PatchRoot::default().header(Path::new("a"), "a"), "a");
    }
}
