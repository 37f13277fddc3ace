//! Paths in the image and in the build context, and the map between them
//! that the source copy C defines (context `src_dir` → image `dest_abs`).

use crate::model::{clean_abs, IMAGE_WORKDIR};
use crate::readers;

/// Is absolute path `p` equal to or below `dir`?
pub fn is_under(p: &str, dir: &str) -> bool {
    p == dir || dir == "/" || p.starts_with(&format!("{dir}/"))
}

/// Is context path `p` equal to or below `dir` (`""` is the whole context)?
pub fn is_under_rel(p: &str, dir: &str) -> bool {
    dir.is_empty() || p == dir || p.starts_with(&format!("{dir}/"))
}

/// `p` resolved against the absolute directory `cwd`.
pub fn resolve(cwd: &str, p: &str) -> String {
    if p.starts_with('/') {
        clean_abs(p)
    } else {
        clean_abs(&format!("{cwd}/{p}"))
    }
}

/// The map between the context and the image that a COPY of a directory defines.
#[derive(Clone, Copy, Debug)]
pub struct CopyMap<'a> {
    /// Context directory copied (`""` for the whole context).
    pub src_dir: &'a str,
    /// Absolute image directory it is copied to.
    pub dest_abs: &'a str,
}

impl CopyMap<'_> {
    /// Image path → context path.
    pub fn to_context(self, abs: &str) -> Option<String> {
        if !is_under(abs, self.dest_abs) {
            return None;
        }
        let rest = abs[self.dest_abs.len()..].trim_start_matches('/');
        Some(readers::join(self.src_dir, rest))
    }

    /// Context path → image path.
    pub fn to_image(self, rel: &str) -> Option<String> {
        let rest = if self.src_dir.is_empty() {
            rel
        } else if rel == self.src_dir {
            ""
        } else {
            rel.strip_prefix(&format!("{}/", self.src_dir))?
        };
        Some(clean_abs(&format!("{}/{rest}", self.dest_abs)))
    }
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
pub fn group_by_dir(files: &[String], src_dir: &str) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for f in files {
        let rel = if src_dir.is_empty() {
            f.as_str()
        } else {
            &f[src_dir.len() + 1..]
        };
        let dir = readers::parent(rel).to_string();
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, g)) => g.push(f.clone()),
            None => groups.push((dir, vec![f.clone()])),
        }
    }
    groups.sort_by(|a, b| (!a.0.is_empty(), &a.0).cmp(&(!b.0.is_empty(), &b.0)));
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_map_round_trips() {
        let m = CopyMap {
            src_dir: "app",
            dest_abs: "/srv",
        };
        assert_eq!(m.to_context("/srv/a/b").as_deref(), Some("app/a/b"));
        assert_eq!(m.to_context("/srvx"), None);
        assert_eq!(m.to_image("app/a/b").as_deref(), Some("/srv/a/b"));
        assert_eq!(m.to_image("other/x"), None);
        let root = CopyMap {
            src_dir: "",
            dest_abs: "/",
        };
        assert_eq!(root.to_context("/etc/x").as_deref(), Some("etc/x"));
    }

    #[test]
    fn groups_put_the_root_first() {
        let files = ["a/x".to_string(), "y".to_string(), "a/z".to_string()];
        let g = group_by_dir(&files, "");
        assert_eq!(g[0].0, "");
        assert_eq!(g[1], ("a".to_string(), vec!["a/x".into(), "a/z".into()]));
    }
}
