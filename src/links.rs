//! One real file, processed once: paths that lead to the same file (a
//! symlink `Dockerfile -> Dockerfile.prod`, or one file given twice) are
//! merged under one path, the others kept as its aliases. Processed twice,
//! the patch held two diffs of one file (`git apply` failed) and the counts
//! doubled.

use std::collections::BTreeMap;
use std::path::PathBuf;

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

/// Merge the paths of one real file. The path kept is the one that is not
/// a symlink when there is one (its name is the file's own), else the
/// first in sorted order. Paths that cannot be resolved stay as they are
/// (reading them reports the error).
pub fn dedupe(mut files: Vec<PathBuf>) -> Deduped {
    files.sort();
    files.dedup();
    let mut groups: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
    let mut order = Vec::new();
    for f in files {
        let key = std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone());
        let group = groups.entry(key.clone()).or_default();
        if group.is_empty() {
            order.push(key);
        }
        group.push(f);
    }
    let mut out = Deduped::default();
    for key in order {
        let mut group = groups.remove(&key).unwrap_or_default();
        let keep = group.iter().position(|p| !is_link(p)).unwrap_or(0);
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
}
