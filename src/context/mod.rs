//! The build context of one Dockerfile: a directory plus its effective
//! ignore file.
//!
//! Why this exists: every safe rewrite depends on what `COPY` can see. A
//! manifest that is missing or `.dockerignore`d breaks the build; a host
//! `node_modules` that is *not* ignored clobbers the installed one when
//! `COPY . .` runs last (SEMANTICS.md §A.4, DESIGN.md "No clobbering"). Rules
//! do no I/O; they ask this object.
//!
//! The ignore matcher is a port of `moby/patternmatcher` (as used by BuildKit
//! and the classic builder), not gitignore: `ignorefile.ReadAll` line
//! handling, `filepath.Clean`ed patterns anchored at the context root, `**`
//! for any number of directories, last match wins, and
//! `MatchesOrParentMatches` (a pattern matching a directory excludes
//! everything below it). Patterns are turned into the same regular
//! expression patternmatcher builds and that regex is run by a small matcher
//! here, so odd inputs (`[^a]` matching `/`, `\d`, `a**b`) behave as in
//! Docker. A pattern Docker rejects (so the build fails) is listed by
//! [`DockerIgnore::invalid_patterns`] and never matches; the rare regex
//! escapes not implemented here (`\p{..}`, `\C`) are treated the same way.
//!
//! Modules: `ignore` (the patternmatcher port), `regex` (the regex subset it
//! generates), `gomatch` (Go's `filepath.Clean` and `filepath.Match`), `fs`
//! (the filesystem queries: existence, reads, globs, directory searches).

mod fs;
mod gomatch;
mod ignore;
mod mem;
mod query;
mod regex;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{anyhow, Context as _};

pub use fs::{ContextFs, DiskFs, Entry, EntryKind, Meta};
pub use gomatch::go_match;
pub use ignore::DockerIgnore;
pub use mem::MemContext;
pub use query::MAX_VISITED;

// Context-relative form of a path (as Docker resolves COPY sources).
use crate::paths::clean_rel_cow as clean_rel;
use ignore::excluded;

/// Largest file [`BuildContext::read_to_string`] reads.
const MAX_READ: u64 = 4 << 20;

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// A context directory and the ignore file in effect for one Dockerfile.
///
/// Docker (BuildKit) reads `<Dockerfile>.dockerignore`, else
/// `<root>/.dockerignore`. Podman and Buildah read `<Dockerfile>.dockerignore`,
/// else `<Dockerfile>.containerignore`, else `<root>/.containerignore`, else
/// `<root>/.dockerignore` (containers/buildah `ContainerIgnoreFile`). When the
/// two pick different files, a path counts as excluded when either excludes
/// it, and no ignore entry is added (see [`BuildContext::ignore_edit_conflict`]).
#[derive(Debug, Clone)]
pub struct BuildContext {
    root: PathBuf,
    ignore_file: Option<PathBuf>,
    ignore_specific: bool,
    ignore_text: String,
    ignore: DockerIgnore,
    /// Podman/Buildah's ignore file when it is not Docker's.
    containers: Option<(Option<PathBuf>, DockerIgnore)>,
    /// The Dockerfile this context was opened for.
    dockerfile: PathBuf,
    /// The run's view of which Dockerfiles share a context ([`crate::sharing`]).
    sharing: Option<std::sync::Arc<crate::sharing::Sharing>>,
    /// Where the files come from: the directory `root`, or memory.
    fs: Arc<dyn ContextFs>,
    /// How many searches stopped at their bound ([`BuildContext::truncations`]).
    truncated: Arc<std::sync::atomic::AtomicUsize>,
}

/// Reads an ignore file: `None` when it does not exist.
type ReadIgnore<'a> = dyn Fn(&Path) -> anyhow::Result<Option<String>> + 'a;

/// Read an ignore file: `None` when it does not exist.
fn read_ignore(path: &Path) -> anyhow::Result<Option<String>> {
    let read = std::fs::File::open(path).and_then(|f| crate::input::read_capped(f, MAX_READ));
    let bytes = match read {
        Ok(Some(b)) => b,
        Ok(None) => anyhow::bail!("{}: too large (limit {MAX_READ} bytes)", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    // BuildKit reads bytes: invalid UTF-8 in a comment line builds, so it is
    // kept (mapped, restored on write, see `input`); in a pattern it would
    // have to match names byte for byte, which dockopt does not do.
    let text = crate::input::decode(bytes).map_err(|at| {
        anyhow!(
            "{}: contains U+10FF80..U+10FFFF at offset {at}, characters dockopt reserves for non-UTF-8 bytes",
            path.display()
        )
    })?;
    if let Some(line) = crate::input::ignore_line_not_utf8(&text) {
        anyhow::bail!(
            "{}:{line}: not valid UTF-8 outside a comment; dockopt reads only ignore files whose patterns are UTF-8",
            path.display()
        );
    }
    Ok(Some(text))
}

/// `<dockerfile><suffix>`.
fn beside(dockerfile: &Path, suffix: &str) -> Option<PathBuf> {
    dockerfile.file_name()?;
    let mut p = dockerfile.as_os_str().to_owned();
    p.push(suffix);
    Some(PathBuf::from(p))
}

/// The first existing file of `candidates` (path, text, is Dockerfile-specific).
fn first_ignore(
    candidates: &[(Option<PathBuf>, bool)],
    read: &ReadIgnore<'_>,
) -> anyhow::Result<Option<(PathBuf, String, bool)>> {
    for (path, specific) in candidates {
        let Some(path) = path else { continue };
        if let Some(text) = read(path)? {
            return Ok(Some((path.clone(), text, *specific)));
        }
    }
    Ok(None)
}

impl BuildContext {
    /// `root`: the context directory. `dockerfile`: path of the Dockerfile
    /// (may be outside root). The effective ignore file is
    /// `<dockerfile path>.dockerignore` if it exists, else
    /// `<root>/.dockerignore`, else none. Errors (naming the path) when root
    /// is not a readable directory or the ignore file is unreadable or not
    /// UTF-8.
    pub fn open(root: &Path, dockerfile: &Path) -> anyhow::Result<BuildContext> {
        std::fs::read_dir(root).with_context(|| {
            format!("build context {}: not a readable directory", root.display())
        })?;
        let fs = Arc::new(DiskFs::new(root.to_path_buf()));
        BuildContext::over(root, dockerfile, fs, &read_ignore)
    }

    /// The context over files `fs` (the directory `root` on disk, or
    /// memory), its ignore files read with `read`.
    fn over(
        root: &Path,
        dockerfile: &Path,
        fs: Arc<dyn ContextFs>,
        read: &ReadIgnore<'_>,
    ) -> anyhow::Result<BuildContext> {
        // Docker's and Podman's candidates overlap: each file is read once.
        let seen = std::cell::RefCell::new(Vec::<(PathBuf, Option<String>)>::new());
        let read = |p: &Path| -> anyhow::Result<Option<String>> {
            if let Some((_, text)) = seen.borrow().iter().find(|(q, _)| q == p) {
                return Ok(text.clone());
            }
            let text = read(p)?;
            seen.borrow_mut().push((p.to_path_buf(), text.clone()));
            Ok(text)
        };
        let read: &ReadIgnore<'_> = &read;
        let docker = first_ignore(
            &[
                (beside(dockerfile, ".dockerignore"), true),
                (Some(root.join(".dockerignore")), false),
            ],
            read,
        )?;
        let containers = first_ignore(
            &[
                (beside(dockerfile, ".dockerignore"), true),
                (beside(dockerfile, ".containerignore"), true),
                (Some(root.join(".containerignore")), false),
                (Some(root.join(".dockerignore")), false),
            ],
            read,
        )?;
        let same = docker.as_ref().map(|d| &d.0) == containers.as_ref().map(|c| &c.0);
        let containers = (!same).then(|| match containers {
            Some((p, text, _)) => (Some(p), DockerIgnore::parse(&text)),
            None => (None, DockerIgnore::default()),
        });
        let (ignore_file, ignore_text, ignore_specific) = match docker {
            Some((p, t, s)) => (Some(p), t, s),
            None => (None, String::new(), false),
        };
        Ok(BuildContext {
            root: root.to_path_buf(),
            ignore: DockerIgnore::parse(&ignore_text),
            ignore_text,
            ignore_file,
            ignore_specific,
            containers,
            dockerfile: dockerfile.to_path_buf(),
            sharing: None,
            fs,
            truncated: Arc::default(),
        })
    }

    /// This context, knowing the run's Dockerfiles that may share it.
    pub fn with_sharing(
        mut self,
        sharing: Option<std::sync::Arc<crate::sharing::Sharing>>,
    ) -> BuildContext {
        self.sharing = sharing;
        self
    }

    /// See [`BuildContext::with_sharing`].
    pub fn sharing(&self) -> Option<&crate::sharing::Sharing> {
        self.sharing.as_deref()
    }

    /// Why no entry can be added to the ignore file: Docker and
    /// Podman/Buildah read different files here, and an entry in one would
    /// leave the other builder's image different (a new `.dockerignore` next
    /// to a `.containerignore` is read by Docker only).
    pub fn ignore_edit_conflict(&self) -> Option<String> {
        let (other, _) = self.containers.as_ref()?;
        let name = |p: Option<&Path>| match p {
            Some(p) => p.display().to_string(),
            None => "no ignore file".to_string(),
        };
        Some(format!(
            "Docker reads {} but Podman and Buildah read {}; an entry in one would leave the other builder's image different",
            name(self.ignore_file.as_deref()),
            name(other.as_deref())
        ))
    }

    /// The ignore file's name for messages (`.dockerignore`); both names
    /// when Docker and Podman/Buildah read different files.
    pub fn ignore_names(&self) -> String {
        let name = |p: Option<&Path>| {
            p.and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        };
        let docker = name(self.ignore_file.as_deref());
        match &self.containers {
            Some((other, _)) => match (docker, name(other.as_deref())) {
                (Some(d), Some(c)) => format!("{d} or {c}"),
                (None, Some(c)) => c,
                (Some(d), None) => d,
                (None, None) => ".dockerignore".into(),
            },
            None => docker.unwrap_or_else(|| ".dockerignore".into()),
        }
    }

    /// Excluded by Podman/Buildah's ignore file, when it is not Docker's.
    fn containers_exclude(&self, rel: &str) -> bool {
        self.containers
            .as_ref()
            .is_some_and(|(_, ig)| ig.is_excluded(rel))
    }

    /// The Dockerfile this context was opened for.
    pub fn dockerfile(&self) -> &Path {
        &self.dockerfile
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The files are a directory on disk (not a [`MemContext`]).
    pub fn is_on_disk(&self) -> bool {
        self.fs.disk_root().is_some()
    }

    /// Path of the effective ignore file, if any.
    pub fn ignore_file(&self) -> Option<&Path> {
        self.ignore_file.as_deref()
    }

    /// The effective ignore file is `<Dockerfile>.dockerignore`.
    pub fn ignore_file_is_dockerfile_specific(&self) -> bool {
        self.ignore_specific
    }

    /// Text of the effective ignore file ("" if none).
    pub fn ignore_text(&self) -> &str {
        &self.ignore_text
    }

    /// The parsed effective ignore file.
    pub fn ignore(&self) -> &DockerIgnore {
        &self.ignore
    }

    /// Where a new ignore entry goes: the effective ignore file, else
    /// `<root>/.dockerignore`.
    pub fn ignore_file_for_edit(&self) -> PathBuf {
        self.ignore_file
            .clone()
            .unwrap_or_else(|| self.root.join(".dockerignore"))
    }

    /// Excluded by the ignore file (by either builder's, when they differ).
    pub fn is_excluded(&self, rel: &str) -> bool {
        self.ignore.is_excluded(rel) || self.containers_exclude(rel)
    }

    /// Same as [`Self::is_excluded`] with `extra_patterns` appended as lines
    /// of the ignore file.
    pub fn is_excluded_with(&self, rel: &str, extra_patterns: &[&str]) -> bool {
        let extra = DockerIgnore::parse(&extra_patterns.join("\n"));
        let rel = clean_rel(rel);
        let patterns = self.ignore.patterns.iter().chain(&extra.patterns);
        excluded(patterns, &rel)
            || self
                .containers
                .as_ref()
                .is_some_and(|(_, ig)| excluded(ig.patterns.iter().chain(&extra.patterns), &rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    pub(super) fn tree(files: &[&str], dirs: &[&str]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for d in dirs {
            fs::create_dir_all(t.path().join(d)).unwrap();
        }
        for f in files {
            let p = t.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        t
    }

    #[test]
    fn effective_ignore_file() {
        let t = tree(&["Dockerfile", "app/Dockerfile.dev", "a", "b"], &[]);
        let root = t.path();
        let none = BuildContext::open(root, &root.join("Dockerfile")).unwrap();
        assert!(none.ignore_file().is_none());
        assert_eq!(none.ignore_text(), "");
        assert_eq!(none.ignore_file_for_edit(), root.join(".dockerignore"));

        fs::write(root.join(".dockerignore"), "a\n").unwrap();
        fs::write(root.join("app/Dockerfile.dev.dockerignore"), "b\n").unwrap();
        let c = BuildContext::open(root, &root.join("Dockerfile")).unwrap();
        assert_eq!(c.ignore_file(), Some(root.join(".dockerignore").as_path()));
        assert!(!c.ignore_file_is_dockerfile_specific());
        assert!(c.is_excluded("a") && !c.is_excluded("b"));

        let c = BuildContext::open(root, &root.join("app/Dockerfile.dev")).unwrap();
        let specific = root.join("app/Dockerfile.dev.dockerignore");
        assert_eq!(c.ignore_file(), Some(specific.as_path()));
        assert!(c.ignore_file_is_dockerfile_specific());
        assert_eq!(c.ignore_file_for_edit(), specific);
        assert_eq!(c.ignore_text(), "b\n");
        assert!(!c.is_excluded("a") && c.is_excluded("b"));
    }

    #[test]
    fn open_errors() {
        let t = tree(&["f"], &[]);
        let missing = t.path().join("nope");
        let e = BuildContext::open(&missing, &missing.join("Dockerfile")).unwrap_err();
        assert!(format!("{e:#}").contains("nope"));
        assert!(BuildContext::open(&t.path().join("f"), Path::new("Dockerfile")).is_err());
        fs::write(t.path().join(".dockerignore"), b"\xff\xfe").unwrap();
        let e = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap_err();
        assert!(format!("{e:#}").contains(".dockerignore"));
    }

    /// Podman and Buildah: `<Containerfile>.dockerignore`, then
    /// `<Containerfile>.containerignore`, then `.containerignore`, then
    /// `.dockerignore`; Docker never reads `.containerignore`.
    #[test]
    fn containerignore_precedence() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let df = root.join("Containerfile");
        let open = || BuildContext::open(root, &df).unwrap();
        assert!(open().ignore_edit_conflict().is_none());
        fs::write(root.join(".dockerignore"), "a\n").unwrap();
        assert!(open().ignore_edit_conflict().is_none());
        fs::write(root.join(".containerignore"), "b\n").unwrap();
        let c = open();
        assert!(c.is_excluded("a") && c.is_excluded("b"));
        assert!(c
            .ignore_edit_conflict()
            .unwrap()
            .contains(".containerignore"));
        fs::write(root.join("Containerfile.containerignore"), "c\n").unwrap();
        let c = open();
        assert!(c.is_excluded("a") && c.is_excluded("c") && !c.is_excluded("b"));
        // `<Containerfile>.dockerignore` is read by both builders first.
        fs::write(root.join("Containerfile.dockerignore"), "d\n").unwrap();
        let c = open();
        assert!(c.is_excluded("d") && !c.is_excluded("a") && !c.is_excluded("c"));
        assert!(c.ignore_edit_conflict().is_none());
    }

    /// Docker's and Podman's candidate lists share files: each is read once
    /// per context (it was read twice), with the same result.
    #[test]
    fn each_ignore_candidate_is_read_once() {
        let t = tree(&["Containerfile"], &[]);
        let root = t.path();
        fs::write(root.join(".dockerignore"), "a\n").unwrap();
        let reads = std::cell::RefCell::new(Vec::<PathBuf>::new());
        let read = |p: &Path| {
            reads.borrow_mut().push(p.to_path_buf());
            read_ignore(p)
        };
        let fs = Arc::new(DiskFs::new(root.to_path_buf()));
        let df = root.join("Containerfile");
        let c = BuildContext::over(root, &df, fs, &read).unwrap();
        assert!(c.is_excluded("a") && c.ignore_edit_conflict().is_none());
        let mut all = reads.borrow().clone();
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(n, all.len(), "read twice: {:?}", reads.borrow());
        assert_eq!(n, 4); // Containerfile.{docker,container}ignore, .containerignore, .dockerignore
    }
}
