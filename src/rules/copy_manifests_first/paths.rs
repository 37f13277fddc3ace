//! Paths in the image and in the build context, and the map between them
//! that the source copy C defines (context `src_dir` → image `dest_abs`).

use crate::model::IMAGE_WORKDIR;
use crate::readers;

pub use crate::paths::{is_under, is_under_rel, resolve, CopyMap, CtxPath, ImagePath};

/// Does a COPY destination, as written, name a directory whatever the image
/// holds? `dir/` does, and so does `.`, the working directory: BuildKit
/// copies into a `.` destination as into `./` (dockerfile2llb appends the
/// separator), and a working directory is always a directory.
pub fn dest_names_dir(dest: &str) -> bool {
    dest.ends_with('/') || dest == "."
}

/// An image path for messages (the base image's unknown WORKDIR shown as such).
pub fn shown(p: &str) -> String {
    if p == IMAGE_WORKDIR {
        return "the image's working directory".into();
    }
    p.strip_prefix(IMAGE_WORKDIR)
        .map(|rest| format!("<image workdir>{rest}"))
        .unwrap_or_else(|| p.to_string())
}

/// Group files by directory (relative to `src_dir`): root first, then sorted.
pub fn group_by_dir(files: &[CtxPath], src_dir: &str) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for f in files.iter().map(CtxPath::as_str) {
        let rel = if src_dir.is_empty() {
            f
        } else {
            &f[src_dir.len() + 1..]
        };
        let dir = readers::parent(rel).to_string();
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, g)) => g.push(f.to_string()),
            None => groups.push((dir, vec![f.to_string()])),
        }
    }
    groups.sort_by(|a, b| (!a.0.is_empty(), &a.0).cmp(&(!b.0.is_empty(), &b.0)));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_put_the_root_first() {
        let files = ["a/x", "y", "a/z"].map(CtxPath::new);
        let g = group_by_dir(&files, "");
        assert_eq!(g[0].0, "");
        assert_eq!(g[1], ("a".to_string(), vec!["a/x".into(), "a/z".into()]));
    }
}
