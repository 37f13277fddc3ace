//! An in-memory build context, so that the rule's phases (which read the
//! context only through [`BuildContext`]) can be tested without a directory.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::io;
use std::path::Path;
use std::sync::Arc;

use super::fs::{ContextFs, Entry, EntryKind, Meta};
use super::{clean_rel, join_rel, BuildContext};

/// Bound on the symbolic links followed while resolving one path (Linux's).
const MAX_LINKS: usize = 40;

#[derive(Debug, Clone)]
enum Node {
    File {
        bytes: Vec<u8>,
        mode: u32,
    },
    Dir,
    /// The link's target as written.
    Symlink(String),
}

/// Files, directories and symbolic links held in memory. Paths are
/// context-relative; parents are created as needed. A link's target is
/// resolved from the link's directory; one leaving the context (absolute, or
/// `..` past the root) dangles.
///
/// ```
/// use dockopt::context::MemContext;
/// let ctx = MemContext::new()
///     .file("package.json", "{}")
///     .file(".dockerignore", "node_modules\n")
///     .dir("node_modules/x")
///     .into_context();
/// assert!(ctx.is_file("package.json"));
/// assert!(!ctx.exists("node_modules/x"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct MemContext {
    entries: BTreeMap<String, Node>,
}

impl MemContext {
    pub fn new() -> MemContext {
        MemContext::default()
    }

    /// A regular file (mode 0644).
    pub fn file(self, rel: &str, content: impl Into<Vec<u8>>) -> MemContext {
        self.with_mode(rel, content, 0o644)
    }

    /// An executable regular file (mode 0755).
    pub fn executable(self, rel: &str, content: impl Into<Vec<u8>>) -> MemContext {
        self.with_mode(rel, content, 0o755)
    }

    fn with_mode(self, rel: &str, content: impl Into<Vec<u8>>, mode: u32) -> MemContext {
        let bytes = content.into();
        self.insert(rel, Node::File { bytes, mode })
    }

    /// A directory.
    pub fn dir(self, rel: &str) -> MemContext {
        self.insert(rel, Node::Dir)
    }

    /// A symbolic link to `target`.
    pub fn symlink(self, rel: &str, target: &str) -> MemContext {
        self.insert(rel, Node::Symlink(target.to_string()))
    }

    fn insert(mut self, rel: &str, node: Node) -> MemContext {
        let rel = clean_rel(rel).into_owned();
        let mut parent = String::new();
        for comp in rel.split('/').take(rel.split('/').count() - 1) {
            parent = join_rel(&parent, comp);
            self.entries.insert(parent.clone(), Node::Dir);
        }
        if !rel.is_empty() {
            self.entries.insert(rel, node);
        }
        self
    }

    /// The build context over these files: root `/context`, Dockerfile
    /// `/context/Dockerfile`, the ignore files chosen as on disk.
    pub fn into_context(self) -> BuildContext {
        let root = Path::new("/context");
        let fs: Arc<dyn ContextFs> = Arc::new(self);
        let read = |p: &Path| {
            let bytes = p
                .strip_prefix(root)
                .ok()
                .and_then(|rel| fs.read(rel.to_str()?, super::MAX_READ));
            bytes
                .map(|b| {
                    String::from_utf8(b)
                        .map_err(|_| anyhow::anyhow!("{}: not valid UTF-8", p.display()))
                })
                .transpose()
        };
        BuildContext::over(root, &root.join("Dockerfile"), fs.clone(), &read)
            .expect("an in-memory ignore file is valid UTF-8")
    }

    /// The key `rel` stands for, links followed (the last one when
    /// `follow`); `None` when missing or dangling.
    fn resolve(&self, rel: &str, follow: bool, links: &mut usize) -> Option<String> {
        let mut cur = String::new();
        let comps: Vec<&str> = rel.split('/').filter(|c| !c.is_empty()).collect();
        for (k, comp) in comps.iter().enumerate() {
            let last = k + 1 == comps.len();
            let path = join_rel(&cur, comp);
            match self.entries.get(&path)? {
                Node::Symlink(target) if !last || follow => {
                    *links += 1;
                    if *links > MAX_LINKS || target.starts_with('/') {
                        return None;
                    }
                    let joined = format!("{cur}/{target}");
                    if escapes(&joined) {
                        return None;
                    }
                    cur = self.resolve(&clean_rel(&joined), true, links)?;
                }
                Node::File { .. } | Node::Symlink(_) if !last => return None,
                _ => cur = path,
            }
        }
        Some(cur)
    }

    fn node(&self, rel: &str, follow: bool) -> Option<(String, Option<&Node>)> {
        let key = self.resolve(rel, follow, &mut 0)?;
        let node = self.entries.get(&key);
        Some((key, node))
    }
}

/// Does `/`-rooted path `p` go above its root with `..`?
fn escapes(p: &str) -> bool {
    let mut depth = 0usize;
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." if depth == 0 => return true,
            ".." => depth -= 1,
            _ => depth += 1,
        }
    }
    false
}

fn not_found(rel: &str) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{rel}: no such directory"))
}

impl ContextFs for MemContext {
    fn stat(&self, rel: &str, follow: bool) -> Option<Meta> {
        let (kind, mode) = match self.node(rel, follow)?.1 {
            None | Some(Node::Dir) => (EntryKind::Dir, 0o755),
            Some(Node::File { mode, .. }) => (EntryKind::File, *mode),
            Some(Node::Symlink(_)) => (EntryKind::Symlink, 0o777),
        };
        Some(Meta {
            kind,
            mode: Some(mode),
        })
    }

    fn read(&self, rel: &str, max: u64) -> Option<Vec<u8>> {
        match self.node(rel, true)?.1 {
            Some(Node::File { bytes, .. }) if bytes.len() as u64 <= max => Some(bytes.clone()),
            _ => None,
        }
    }

    fn read_dir(
        &self,
        rel: &str,
        f: &mut dyn FnMut(io::Result<Entry<'_>>) -> bool,
    ) -> io::Result<()> {
        let (dir, node) = self.node(rel, true).ok_or_else(|| not_found(rel))?;
        if !matches!(node, None | Some(Node::Dir)) {
            return Err(not_found(rel));
        }
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        for (key, node) in self.entries.range(prefix.clone()..) {
            let Some(name) = key.strip_prefix(&prefix) else {
                break;
            };
            if name.contains('/') {
                continue;
            }
            let kind = match node {
                Node::File { .. } => EntryKind::File,
                Node::Dir => EntryKind::Dir,
                Node::Symlink(_) => EntryKind::Symlink,
            };
            let entry = Entry {
                name: OsStr::new(name),
                kind: Some(kind),
            };
            if !f(Ok(entry)) {
                break;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    const IGNORE: &str = "secret.env\nbuild\n!build/keep\nkept\n!kept/node_modules/x\n";

    /// The same tree in memory and on disk.
    #[cfg(unix)]
    fn both() -> (tempfile::TempDir, BuildContext, BuildContext) {
        let files = [
            "package.json",
            "secret.env",
            "src/main.js",
            "src/lib/util.js",
            "build/out.js",
            "build/keep",
            "packages/a/package.json",
            "packages/b/package.json",
            ".git/node_modules/x",
            "node_modules/dep/index.js",
            "apps/web/node_modules/y",
            "kept/node_modules/x",
        ];
        let dirs = ["empty", "packages/c"];
        let links = [
            ("linked", "packages/a"),
            ("pkg.json", "package.json"),
            ("packages/up", "../src"),
            ("dangling", "nowhere"),
            ("modules", "node_modules"),
            ("apps/api/node_modules", "../../node_modules"),
        ];
        let t = tempfile::tempdir().unwrap();
        let mut mem = MemContext::new().file(".dockerignore", IGNORE);
        fs::write(t.path().join(".dockerignore"), IGNORE).unwrap();
        for f in files {
            let p = t.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, f).unwrap();
            mem = mem.file(f, f);
        }
        for d in dirs {
            fs::create_dir_all(t.path().join(d)).unwrap();
            mem = mem.dir(d);
        }
        for (l, target) in links {
            let p = t.path().join(l);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, p).unwrap();
            mem = mem.symlink(l, target);
        }
        let disk = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        (t, disk, mem.into_context())
    }

    /// Every query answers the same on disk and in memory: the phases
    /// tested on a `MemContext` see what they would see on a directory.
    #[cfg(unix)]
    #[test]
    fn same_answers_as_the_disk() {
        let (_t, disk, mem) = both();
        assert!(disk.is_on_disk() && !mem.is_on_disk());
        let paths = [
            "",
            "package.json",
            "./package.json",
            "secret.env",
            "src",
            "src/lib/util.js",
            "build",
            "build/keep",
            "build/out.js",
            "empty",
            "missing",
            "linked",
            "linked/package.json",
            "pkg.json",
            "packages/up/main.js",
            "dangling",
            "modules/dep",
            "node_modules/dep/index.js",
            "../package.json",
            "packages/c",
        ];
        for p in paths {
            assert_eq!(disk.exists(p), mem.exists(p), "exists {p}");
            assert_eq!(disk.is_file(p), mem.is_file(p), "is_file {p}");
            assert_eq!(disk.is_dir(p), mem.is_dir(p), "is_dir {p}");
            assert_eq!(disk.read_to_string(p), mem.read_to_string(p), "read {p}");
            assert_eq!(disk.present(p), mem.present(p), "present {p}");
            assert_eq!(disk.present_dir(p), mem.present_dir(p), "present_dir {p}");
            assert_eq!(disk.is_symlink(p), mem.is_symlink(p), "is_symlink {p}");
            assert_eq!(disk.mode(p).is_some(), mem.mode(p).is_some(), "mode {p}");
        }
        let globs = [
            "*",
            "packages/*",
            "packages/*/package.json",
            "**/package.json",
            "src/**",
            "build/*",
            "*.json",
            "linked/*",
            "[lp]*",
            "../*",
        ];
        for g in globs {
            assert_eq!(disk.glob(g), mem.glob(g), "glob {g}");
        }
        for (under, name) in [("", "node_modules"), ("apps", "node_modules"), ("", "lib")] {
            assert_eq!(
                disk.find_dirs_named(under, name),
                mem.find_dirs_named(under, name),
                "find_dirs_named {under} {name}"
            );
        }
        assert_eq!(disk.ignore_text(), mem.ignore_text());
        // Not vacuous: the answers differ from path to path.
        assert!(mem.is_file("pkg.json") && !mem.exists("secret.env"));
        assert!(mem.is_dir("linked") && mem.is_symlink("linked"));
        assert_eq!(mem.glob("packages/*/package.json").len(), 2);
        assert_eq!(
            mem.find_dirs_named("", "node_modules").unwrap(),
            [
                "apps/api/node_modules",
                "apps/web/node_modules",
                "kept/node_modules",
                "node_modules"
            ]
        );
    }

    #[test]
    fn links_leaving_the_context_dangle() {
        let c = MemContext::new()
            .file("a/f", "x")
            .symlink("up", "../a")
            .symlink("abs", "/etc")
            .symlink("a/back", "../a/f")
            .symlink("loop", "loop")
            .into_context();
        assert!(c.exists("up") && !c.present("up"));
        assert!(!c.present("abs") && !c.present("loop"));
        assert_eq!(c.read_to_string("a/back").as_deref(), Some("x"));
        assert!(c.is_dir("a") && c.present_dir("a"));
    }

    #[test]
    fn executables_and_ignore_files() {
        let c = MemContext::new()
            .executable("mvnw", "#!/bin/sh")
            .file("pom.xml", "<project/>")
            .file(".containerignore", "x\n")
            .into_context();
        assert_eq!(c.mode("mvnw").map(|m| m & 0o111), Some(0o111));
        assert_eq!(c.mode("pom.xml").map(|m| m & 0o111), Some(0));
        assert!(c.is_excluded("x"));
        assert!(c.ignore_edit_conflict().is_some());
    }
}
