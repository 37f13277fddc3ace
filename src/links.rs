//! One real file, processed once: paths that lead to the same file (a
//! symlink `Dockerfile -> Dockerfile.prod`, or one file given twice) are
//! merged under one path, the others kept as its aliases. Processed twice,
//! the patch held two diffs of one file (`git apply` failed) and the counts
//! doubled.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Files with duplicates merged.
#[derive(Debug, Default)]
pub struct Deduped {
    pub files: Vec<PathBuf>,
    /// Kept path → the other paths of the same file.
    pub aliases: BTreeMap<PathBuf, Vec<PathBuf>>,
}

fn is_link(p: &std::path::Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

/// Where the files of a run's walk really are, without resolving each: a
/// walk that follows no links reaches a regular file through its root and
/// real directories only, so its real path is the root's real path joined
/// with the rest. Only the walk's links, and paths not from the walk, are
/// resolved one by one.
#[derive(Debug, Default)]
pub struct Walked {
    /// Each root as spelled and its real path, longest spelling first.
    roots: Vec<(PathBuf, PathBuf)>,
    /// The walk's Dockerfiles reached as links, sorted.
    linked: Vec<PathBuf>,
}

impl Walked {
    /// The walk of `roots` that found `found`; `None` when it followed links
    /// (a path may then pass through any number of them).
    pub fn of(roots: &[PathBuf], found: &crate::walk::Found, followed: bool) -> Option<Walked> {
        if followed {
            return None;
        }
        let mut roots: Vec<(PathBuf, PathBuf)> = roots
            .iter()
            .filter_map(|r| Some((r.clone(), std::fs::canonicalize(r).ok()?)))
            .collect();
        roots.sort_by_key(|(r, _)| std::cmp::Reverse(r.as_os_str().len()));
        Some(Walked {
            roots,
            linked: found.linked.clone(),
        })
    }

    /// The real path of `f`, a file the walk found.
    fn real(&self, f: &Path) -> PathBuf {
        let by_root = self.roots.iter().find_map(|(r, real)| {
            let rel = f.strip_prefix(r).ok()?;
            let plain = |c: std::path::Component| matches!(c, std::path::Component::Normal(_));
            if !rel.components().all(plain) {
                return None;
            }
            Some(if rel.as_os_str().is_empty() {
                real.clone()
            } else {
                real.join(rel)
            })
        });
        match by_root {
            Some(p)
                if self
                    .linked
                    .binary_search_by(|l| l.as_path().cmp(f))
                    .is_err() =>
            {
                p
            }
            _ => resolve(f),
        }
    }
}

fn resolve(f: &Path) -> PathBuf {
    std::fs::canonicalize(f).unwrap_or_else(|_| f.to_path_buf())
}

/// Merge the paths of one real file. The path kept is the one that is not
/// a symlink when there is one (its name is the file's own), else the
/// first in sorted order. Paths that cannot be resolved stay as they are
/// (reading them reports the error).
pub fn dedupe(files: Vec<PathBuf>) -> Deduped {
    dedupe_walked(files, 0, None)
}

/// [`dedupe`], where the files from the `given`th on are `walked`'s (their
/// real paths known without resolving them, see [`Walked`]).
pub fn dedupe_walked(mut files: Vec<PathBuf>, given: usize, walked: Option<&Walked>) -> Deduped {
    let given_set: Vec<PathBuf> = {
        let mut g = files[..given.min(files.len())].to_vec();
        g.sort();
        g
    };
    files.sort();
    files.dedup();
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut order = Vec::new();
    for f in files {
        let key = match walked {
            Some(w) if given_set.binary_search(&f).is_err() => w.real(&f),
            _ => resolve(&f),
        };
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(f);
    }
    let mut out = Deduped::default();
    for key in order {
        let mut group = groups.remove(&key).unwrap_or_default();
        let keep = match group.len() {
            1 => 0,
            _ => group.iter().position(|p| !is_link(p)).unwrap_or(0),
        };
        let kept = group.remove(keep);
        if !group.is_empty() {
            out.aliases.insert(kept.clone(), group);
        }
        out.files.push(kept);
    }
    out
}

/// Say on stderr which links were skipped and which directories could not
/// be searched; returns the number of errors.
pub fn report_walk(found: &crate::walk::Found, quiet: bool) -> usize {
    use crate::runner::display_path;
    if !quiet {
        for (link, target) in &found.outside_links {
            eprintln!(
                "dockopt: {}: skipped, a link to {} outside the searched tree (--follow-links processes it)",
                display_path(link),
                target.display()
            );
        }
    }
    for e in &found.errors {
        eprintln!("dockopt: error: {e}");
    }
    found.errors.len()
}

/// Say on stderr which paths were merged into one.
pub fn report_aliases(aliases: &BTreeMap<PathBuf, Vec<PathBuf>>, quiet: bool) {
    if quiet {
        return;
    }
    for (kept, others) in aliases {
        let others: Vec<String> = others
            .iter()
            .map(|p| crate::runner::display_path(p))
            .collect();
        eprintln!(
            "dockopt: {}: also reached as {}; processed once, under this path",
            crate::runner::display_path(kept),
            others.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_and_its_target_are_one_file() {
        let t = tempfile::tempdir().unwrap();
        let real = t.path().join("Dockerfile.prod");
        let link = t.path().join("Dockerfile");
        std::fs::write(&real, "FROM a\n").unwrap();
        std::os::unix::fs::symlink("Dockerfile.prod", &link).unwrap();
        let other = t.path().join("api.Dockerfile");
        std::fs::write(&other, "FROM b\n").unwrap();
        let missing = t.path().join("gone.Dockerfile");
        let d = dedupe(vec![
            link.clone(),
            real.clone(),
            other.clone(),
            missing.clone(),
        ]);
        assert_eq!(d.files.len(), 3);
        assert!(d.files.contains(&real) && d.files.contains(&other) && d.files.contains(&missing));
        assert_eq!(d.aliases.get(&real), Some(&vec![link]));
    }

    /// Real paths taken from the walk's roots merge the same paths as
    /// resolving each one: a linked Dockerfile, a root that is a link to
    /// another root, a nested root, and a given file reached through a
    /// linked directory the walk did not enter.
    #[test]
    fn walked_paths_merge_as_resolved_ones() {
        let t = tempfile::tempdir().unwrap();
        let top = t.path().join("top");
        for d in ["a/b", "c"] {
            std::fs::create_dir_all(top.join(d)).unwrap();
        }
        for f in ["a/Dockerfile.prod", "a/b/Dockerfile", "c/Dockerfile"] {
            std::fs::write(top.join(f), "FROM a\n").unwrap();
        }
        std::os::unix::fs::symlink("Dockerfile.prod", top.join("a/Dockerfile")).unwrap();
        std::os::unix::fs::symlink("a", top.join("alias")).unwrap();
        std::os::unix::fs::symlink("../a/b", top.join("c/b")).unwrap();
        let roots = vec![
            top.join("a"),
            top.join("alias"),
            top.join("a/b"),
            top.join("a/../c"),
        ];
        let found = crate::walk::find(&roots, 1);
        let given = vec![top.join("c/b/Dockerfile")];
        let mut files = given.clone();
        files.extend(found.dockerfiles.clone());
        let w = Walked::of(&roots, &found, false).unwrap();
        let fast = dedupe_walked(files.clone(), given.len(), Some(&w));
        let slow = dedupe(files);
        assert_eq!(fast.files, slow.files);
        assert_eq!(fast.aliases, slow.aliases);
        assert_eq!(slow.files.len(), 3, "{:?}", slow.files);
        assert!(Walked::of(&roots, &found, true).is_none());
    }
}
