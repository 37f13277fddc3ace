//! The two kinds of path dockopt reasons about, and the one map between them.
//!
//! - An **image path** ([`ImagePath`]) is absolute and cleaned: `/app/x`.
//!   The base image's unknown WORKDIR is [`crate::model::IMAGE_WORKDIR`].
//! - A **context path** ([`CtxPath`]) is relative to the build context root,
//!   cleaned, `..` clamped at the root (as Docker resolves COPY sources):
//!   `app/x`; `""` is the root.
//!
//! A COPY of a context directory defines a [`CopyMap`] between the two.
//! Every clean, join and under-test of either kind lives here, so the
//! rules, readers and effects agree on them.

use std::borrow::Cow;
use std::fmt;

/// Clean an absolute path: collapse `.`, `..`, duplicate slashes; no
/// trailing slash. A relative `p` is taken from `/`.
pub fn clean_abs(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Clean a context-relative path: no leading `/` or `./`, `..` clamped at
/// the root; `""` is the root.
pub fn clean_rel(p: &str) -> String {
    clean_rel_cow(p).into_owned()
}

/// [`clean_rel`], borrowing `p` when it is already clean.
pub fn clean_rel_cow(p: &str) -> Cow<'_, str> {
    if p.split('/').all(|c| !matches!(c, "" | "." | "..")) {
        return Cow::Borrowed(p);
    }
    let abs = clean_abs(p);
    Cow::Owned(abs[1..].to_string())
}

/// Join a context directory and a path, cleaned (an absolute `rel` is taken
/// from the context root).
pub fn join(dir: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        return clean_rel(rel);
    }
    clean_rel(&format!("{dir}/{rel}"))
}

/// Parent directory of a context path (`""` for top-level files).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(d, _)| d)
}

/// `p` resolved against the absolute directory `cwd`, cleaned.
pub fn resolve(cwd: &str, p: &str) -> String {
    if p.starts_with('/') {
        clean_abs(p)
    } else {
        clean_abs(&format!("{cwd}/{p}"))
    }
}

/// Is absolute path `p` equal to or below `dir`?
pub fn is_under(p: &str, dir: &str) -> bool {
    p == dir || dir == "/" || p.starts_with(&format!("{dir}/"))
}

/// Is context path `p` equal to or below `dir` (`""` is the whole context)?
pub fn is_under_rel(p: &str, dir: &str) -> bool {
    dir.is_empty() || p == dir || p.starts_with(&format!("{dir}/"))
}

/// An absolute, cleaned path in the image.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ImagePath(String);

/// A cleaned path relative to the build context root (`""` is the root).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CtxPath(String);

impl ImagePath {
    /// `p` cleaned; a relative `p` is taken from `/`.
    pub fn new(p: &str) -> ImagePath {
        ImagePath(clean_abs(p))
    }

    /// `p` resolved against this directory.
    pub fn resolve(&self, p: &str) -> ImagePath {
        ImagePath(resolve(&self.0, p))
    }

    pub fn is_under(&self, dir: &ImagePath) -> bool {
        is_under(&self.0, &dir.0)
    }

    pub fn is_root(&self) -> bool {
        self.0 == "/"
    }

    /// The directory holding this path (`/` for the root).
    pub fn parent(&self) -> ImagePath {
        match parent(&self.0) {
            "" => ImagePath("/".to_string()),
            p => ImagePath(p.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl CtxPath {
    /// `p` cleaned (`..` clamped at the root).
    pub fn new(p: &str) -> CtxPath {
        CtxPath(clean_rel(p))
    }

    /// The context root.
    pub fn root() -> CtxPath {
        CtxPath(String::new())
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// `rel` below this directory, cleaned.
    pub fn join(&self, rel: &str) -> CtxPath {
        CtxPath(join(&self.0, rel))
    }

    pub fn parent(&self) -> CtxPath {
        CtxPath(parent(&self.0).to_string())
    }

    pub fn is_under(&self, dir: &CtxPath) -> bool {
        is_under_rel(&self.0, &dir.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ImagePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CtxPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ImagePath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for CtxPath {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The map between the context and the image that a COPY of a directory
/// defines: context directory `src_dir` is copied to image directory
/// `dest_abs`. The two sides have different types, so a context path cannot
/// be mapped as if it were an image path.
#[derive(Clone, Copy, Debug)]
pub struct CopyMap<'a> {
    /// Context directory copied (`""` for the whole context); cleaned.
    pub src_dir: &'a str,
    /// Absolute, cleaned image directory it is copied to.
    pub dest_abs: &'a str,
}

impl CopyMap<'_> {
    /// Image path → the context path copied there, when under the destination.
    pub fn to_context(self, abs: &ImagePath) -> Option<CtxPath> {
        let abs = abs.as_str();
        if !is_under(abs, self.dest_abs) {
            return None;
        }
        let rest = abs[self.dest_abs.len()..].trim_start_matches('/');
        Some(CtxPath(join(self.src_dir, rest)))
    }

    /// Context path → the image path it is copied to, when under the source.
    pub fn to_image(self, rel: &CtxPath) -> Option<ImagePath> {
        let rel = rel.as_str();
        let rest = if self.src_dir.is_empty() {
            rel
        } else if rel == self.src_dir {
            ""
        } else {
            rel.strip_prefix(&format!("{}/", self.src_dir))?
        };
        Some(ImagePath::new(&format!("{}/{rest}", self.dest_abs)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleaning() {
        assert_eq!(clean_abs("/app/./x/../y/"), "/app/y");
        assert_eq!(clean_abs("../a"), "/a");
        assert_eq!(clean_rel("./a/../../b"), "b");
        assert_eq!(clean_rel("."), "");
        assert_eq!(clean_rel("/x//y/"), "x/y");
        assert!(matches!(clean_rel_cow("a/b"), Cow::Borrowed("a/b")));
        assert_eq!(join("a/b", "../c"), "a/c");
        assert_eq!(join("a", "/c"), "c");
        assert_eq!(parent("a/b/c"), "a/b");
        assert_eq!(parent("c"), "");
        assert_eq!(resolve("/app", "x/../y"), "/app/y");
        assert_eq!(resolve("/app", "/etc"), "/etc");
    }

    #[test]
    fn under() {
        assert!(is_under("/app/x", "/app") && is_under("/app", "/app"));
        assert!(!is_under("/appx", "/app") && is_under("/x", "/"));
        assert!(is_under_rel("a/b", "a") && is_under_rel("a", ""));
        assert!(!is_under_rel("ab", "a"));
        let app = ImagePath::new("/app/");
        assert!(ImagePath::new("/app/src/../x").is_under(&app));
        assert!(CtxPath::new("./web/a").is_under(&CtxPath::new("web")));
        assert!(CtxPath::new("x").is_under(&CtxPath::root()));
    }

    #[test]
    fn copy_map_round_trips() {
        let m = CopyMap {
            src_dir: "app",
            dest_abs: "/srv",
        };
        let ctx = |abs: &str| m.to_context(&ImagePath::new(abs)).map(CtxPath::into_string);
        let img = |rel: &str| m.to_image(&CtxPath::new(rel)).map(ImagePath::into_string);
        assert_eq!(ctx("/srv/a/b").as_deref(), Some("app/a/b"));
        assert_eq!(ctx("/srv").as_deref(), Some("app"));
        assert_eq!(ctx("/srvx"), None);
        assert_eq!(img("app/a/b").as_deref(), Some("/srv/a/b"));
        assert_eq!(img("app").as_deref(), Some("/srv"));
        assert_eq!(img("other/x"), None);
        let root = CopyMap {
            src_dir: "",
            dest_abs: "/",
        };
        let p = root.to_context(&ImagePath::new("/etc/x")).unwrap();
        assert_eq!(p.as_str(), "etc/x");
        assert_eq!(root.to_image(&p).unwrap().as_str(), "/etc/x");
    }
}
