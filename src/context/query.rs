//! The build context's queries: existence, reads, globs and directory
//! searches, all behind the effective ignore file, over any [`ContextFs`].

use std::borrow::Cow;

use super::fs::EntryKind;
use super::gomatch::{go_clean, go_match, has_meta};
use super::{clean_rel, join_rel, BuildContext, DockerIgnore, MAX_READ};

/// Bound on directory entries looked at by one search (at any depth: the
/// entries bound the work, and a depth cap would cut the answer silently);
/// a search that
/// reaches it counts as truncated ([`BuildContext::truncations`]), and the
/// rule refuses rather than answer from part of the context.
pub const MAX_VISITED: usize = 20_000;
/// Bound on directory entries looked at by [`BuildContext::find_dirs_named`];
/// past it the search reports that it gave up (never a silent partial answer).
const MAX_FIND_VISITED: usize = 2_000_000;

impl BuildContext {
    /// The cleaned form of a non-excluded context path.
    fn visible<'a>(&self, rel: &'a str) -> Option<Cow<'a, str>> {
        let rel = clean_rel(rel);
        if self.is_excluded(&rel) {
            return None;
        }
        Some(rel)
    }

    /// The type of `rel` (following symbolic links when `follow`).
    fn kind(&self, rel: &str, follow: bool) -> Option<EntryKind> {
        self.fs.stat(rel, follow).map(|m| m.kind)
    }

    /// Exists in the context (file, dir or symlink) and is not excluded.
    pub fn exists(&self, rel: &str) -> bool {
        self.visible(rel)
            .is_some_and(|p| self.kind(&p, false).is_some())
    }

    /// Regular file (following symlinks), not excluded.
    pub fn is_file(&self, rel: &str) -> bool {
        self.visible(rel)
            .is_some_and(|p| self.kind(&p, true) == Some(EntryKind::File))
    }

    /// Directory (following symlinks), not excluded.
    pub fn is_dir(&self, rel: &str) -> bool {
        self.visible(rel)
            .is_some_and(|p| self.kind(&p, true) == Some(EntryKind::Dir))
    }

    /// A non-excluded regular file as UTF-8; `None` if missing, excluded,
    /// unreadable, not UTF-8 or larger than 4 MiB.
    pub fn read_to_string(&self, rel: &str) -> Option<String> {
        let buf = self.fs.read(&self.visible(rel)?, MAX_READ)?;
        String::from_utf8(buf).ok()
    }

    /// In the context directory (following symbolic links), whether or not
    /// the ignore file excludes it.
    pub fn present(&self, rel: &str) -> bool {
        self.kind(&clean_rel(rel), true).is_some()
    }

    /// A directory in the context directory (following symbolic links),
    /// whether or not the ignore file excludes it.
    pub fn present_dir(&self, rel: &str) -> bool {
        self.kind(&clean_rel(rel), true) == Some(EntryKind::Dir)
    }

    /// `rel` itself is a symbolic link (excluded or not).
    pub fn is_symlink(&self, rel: &str) -> bool {
        self.kind(&clean_rel(rel), false) == Some(EntryKind::Symlink)
    }

    /// Unix permission bits of `rel` (links followed), where known.
    pub fn mode(&self, rel: &str) -> Option<u32> {
        self.fs.stat(&clean_rel(rel), true)?.mode
    }

    /// How many searches of this context (globs) stopped at their bound of
    /// 20,000 entries, so far: their answers are partial, and which part
    /// depends on the order the directories are read in. The rule refuses
    /// a rewrite whose plan saw one (`context-too-large`).
    pub fn truncations(&self) -> usize {
        self.truncated.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Note that a search stopped at its bound.
    fn truncate(&self) {
        self.truncated
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    /// Can a search descend into `rel` (a directory)?
    fn may_enter(&self, rel: &str) -> bool {
        let enter = |ig: &DockerIgnore| !ig.is_excluded(rel) || ig.may_reinclude_under(rel);
        enter(&self.ignore) || self.containers.as_ref().is_some_and(|(_, ig)| enter(ig))
    }

    /// Expands a Go `filepath.Match` glob (`*`, `?`, `[...]`, `\`; `*` does
    /// not cross `/`) from the context root: sorted, non-excluded matches,
    /// files and directories. Leading `./` and `/` and a trailing `/` are
    /// ignored. Extension: a component that is exactly `**` matches any
    /// number of directories (zero included; as the last component,
    /// everything below), skipping `.git`, within the usual search bounds.
    /// A malformed pattern or one leaving the context matches nothing.
    pub fn glob(&self, pattern: &str) -> Vec<String> {
        let cleaned = clean_rel(pattern.trim()).into_owned();
        let pat = go_clean(pattern.trim());
        if cleaned.is_empty() || pat == ".." || pat.starts_with("../") {
            return Vec::new();
        }
        let comps: Vec<&str> = cleaned.split('/').collect();
        if comps
            .iter()
            .any(|c| *c != "**" && go_match(c, "").is_none())
        {
            return Vec::new();
        }
        let mut budget = MAX_VISITED;
        let mut cur = vec![String::new()];
        for (k, comp) in comps.iter().enumerate() {
            let last = k + 1 == comps.len();
            let mut next = Vec::new();
            for dir in &cur {
                if *comp == "**" {
                    if !last {
                        next.push(dir.clone());
                    }
                    self.descendants(dir, last, &mut budget, &mut next);
                } else if !has_meta(comp) {
                    let rel = join_rel(dir, comp);
                    if self.kind(&rel, false).is_some() {
                        next.push(rel);
                    }
                } else {
                    let _ = self.fs.read_dir(dir, &mut |entry| {
                        let Ok(entry) = entry else { return true };
                        if budget == 0 {
                            self.truncate();
                            return false;
                        }
                        budget -= 1;
                        if let Some(name) = entry.name.to_str() {
                            if go_match(comp, name) == Some(true) {
                                next.push(join_rel(dir, name));
                            }
                        }
                        true
                    });
                }
            }
            if !last {
                next.retain(|d| self.kind(d, true) == Some(EntryKind::Dir) && self.may_enter(d));
            }
            next.sort();
            next.dedup();
            cur = next;
        }
        cur.retain(|r| !r.is_empty() && !self.is_excluded(r));
        cur
    }

    /// What a COPY of context directory `dir` sends of its own entries: each
    /// name, and whether it may hold entries of its own (a directory, or a
    /// symbolic link or other entry dockopt does not look through), sorted.
    /// An excluded directory counts when the ignore file may re-include
    /// something below it. `None` when `dir` cannot be listed, holds a name
    /// that is not UTF-8, or holds more than 20,000 entries.
    pub fn copied_entries(&self, dir: &str) -> Option<Vec<(String, bool)>> {
        let dir = clean_rel(dir).into_owned();
        let mut out = Vec::new();
        let mut whole = true;
        self.fs
            .read_dir(&dir, &mut |entry| {
                let name = entry.ok().and_then(|e| Some((e.name.to_str()?, e.kind)));
                let Some((name, kind)) = name.filter(|_| out.len() < MAX_VISITED) else {
                    whole = false;
                    return false;
                };
                let rel = join_rel(&dir, name);
                let nested = kind != Some(EntryKind::File);
                let sent = !self.is_excluded(&rel) || (nested && self.may_enter(&rel));
                if sent {
                    out.push((name.to_string(), nested));
                }
                true
            })
            .ok()?;
        out.sort();
        whole.then_some(out)
    }

    /// Directories (and, with `files`, everything) strictly below `dir`, at
    /// any depth, bounded by `budget` entries (reaching it is noted, see
    /// [`BuildContext::truncations`]), not following symlinks, not entering
    /// `.git` or excluded dirs.
    fn descendants(&self, dir: &str, files: bool, budget: &mut usize, out: &mut Vec<String>) {
        let mut stack = vec![dir.to_string()];
        while let Some(d) = stack.pop() {
            let _ = self.fs.read_dir(&d, &mut |entry| {
                let Ok(entry) = entry else { return true };
                if *budget == 0 {
                    self.truncate();
                    return false;
                }
                *budget -= 1;
                let Some(name) = entry.name.to_str() else {
                    return true;
                };
                let is_dir = entry.kind == Some(EntryKind::Dir);
                let rel = join_rel(&d, name);
                if is_dir && name != ".git" && self.may_enter(&rel) {
                    stack.push(rel.clone());
                }
                if is_dir || files {
                    out.push(rel);
                }
                true
            });
            if *budget == 0 {
                if !stack.is_empty() {
                    self.truncate(); // directories left unread
                }
                return;
            }
        }
    }

    /// Every directory named `name` under `under` ("" for the root) that is
    /// in the context: not excluded, or excluded but with a `!` pattern that
    /// may re-include something inside (Docker then still sends part of it).
    /// A symlink to a directory counts. Never descends into a match, `.git`,
    /// symlinks or excluded directories (unless
    /// [`DockerIgnore::may_reinclude_under`]), at any depth. Sorted. Errors
    /// (with the reason) when a directory cannot be read or the search passes
    /// 2,000,000 entries: the answer would be incomplete.
    pub fn find_dirs_named(&self, under: &str, name: &str) -> Result<Vec<String>, String> {
        self.find_named(under, name, false)
    }

    /// Every file (or symbolic link) named `name` under `under`, searched
    /// like [`BuildContext::find_dirs_named`]; the caller checks which of
    /// them the context sends.
    pub fn find_files_named(&self, under: &str, name: &str) -> Result<Vec<String>, String> {
        self.find_named(under, name, true)
    }

    fn find_named(&self, under: &str, name: &str, files: bool) -> Result<Vec<String>, String> {
        let what = if files { "files" } else { "directories" };
        let mut found = Vec::new();
        let start = clean_rel(under).into_owned();
        if name.is_empty() || name.contains('/') || !self.may_enter(&start) {
            return Ok(found);
        }
        let mut visited = 0;
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let cannot = |e: std::io::Error| {
                format!(
                    "cannot search {} for `{name}` {what} ({e})",
                    shown_dir(&dir)
                )
            };
            let mut failed = None;
            self.fs
                .read_dir(&dir, &mut |entry| {
                    let entry = match entry {
                        Ok(entry) => entry,
                        Err(e) => {
                            failed = Some(cannot(e));
                            return false;
                        }
                    };
                    visited += 1;
                    if visited > MAX_FIND_VISITED {
                        failed = Some(format!(
                            "the search for `{name}` {what} in the build context stopped after {MAX_FIND_VISITED} entries"
                        ));
                        return false;
                    }
                    let (Some(fname), Some(kind)) = (entry.name.to_str(), entry.kind) else {
                        return true;
                    };
                    if files && fname != ".git" {
                        let rel = join_rel(&dir, fname);
                        if fname == name && matches!(kind, EntryKind::File | EntryKind::Symlink) {
                            found.push(rel);
                        } else if kind == EntryKind::Dir && self.may_enter(&rel) {
                            stack.push(rel);
                        }
                        return true;
                    }
                    if fname == ".git" || !matches!(kind, EntryKind::Dir | EntryKind::Symlink) {
                        return true;
                    }
                    let rel = join_rel(&dir, fname);
                    if fname == name {
                        let is_dir =
                            kind == EntryKind::Dir || self.kind(&rel, true) == Some(EntryKind::Dir);
                        if is_dir && self.may_enter(&rel) {
                            found.push(rel);
                        }
                    } else if kind == EntryKind::Dir && self.may_enter(&rel) {
                        stack.push(rel);
                    }
                    true
                })
                .map_err(cannot)?;
            if let Some(e) = failed {
                return Err(e);
            }
        }
        found.sort();
        Ok(found)
    }
}

/// A context directory for messages (`the context root` for "").
fn shown_dir(rel: &str) -> String {
    if rel.is_empty() {
        "the context root".into()
    } else {
        rel.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::tree;
    use super::*;
    use std::fs;

    #[test]
    fn exists_respects_ignore() {
        let t = tree(&["package.json", "secret.env", "src/main.js"], &["empty"]);
        fs::write(t.path().join(".dockerignore"), "*.env\nsrc\n").unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        assert!(c.exists("package.json") && c.is_file("./package.json"));
        assert!(!c.exists("secret.env") && !c.is_file("secret.env"));
        assert!(!c.exists("src/main.js") && !c.is_dir("src"));
        assert!(c.is_dir("empty") && !c.is_file("empty"));
        assert!(!c.exists("missing"));
        assert!(c.exists("../package.json"));
        assert!(c.exists("") && c.is_dir("/"));
        assert_eq!(c.read_to_string("package.json").as_deref(), Some("x"));
        assert_eq!(c.read_to_string("secret.env"), None);
        assert_eq!(c.read_to_string("empty"), None);
        fs::write(t.path().join("bin"), b"\xff").unwrap();
        assert_eq!(c.read_to_string("bin"), None);
    }

    /// A COPY of `static` sends its entries after the ignore file; an
    /// excluded directory with a re-included file below it is still sent.
    #[test]
    fn copied_entries_follow_the_ignore_file() {
        let t = tree(
            &[
                "static/app.css",
                "static/secret.env",
                "static/img/a.png",
                "static/drafts/keep.md",
                "static/drafts/x.md",
            ],
            &["static/empty"],
        );
        fs::write(
            t.path().join(".dockerignore"),
            "**/*.env\nstatic/drafts\n!static/drafts/keep.md\n",
        )
        .unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        let got = c.copied_entries("./static/").unwrap();
        let want = [
            ("app.css", false),
            ("drafts", true),
            ("empty", true),
            ("img", true),
        ];
        let want: Vec<(String, bool)> = want.iter().map(|(n, d)| (n.to_string(), *d)).collect();
        assert_eq!(got, want);
        assert_eq!(c.copied_entries("missing"), None);
    }

    #[test]
    fn find_dirs_named_walk() {
        let t = tree(
            &[],
            &[
                "node_modules/x/node_modules",
                "a/node_modules",
                "ignored/node_modules",
                ".git/node_modules",
                "b/c/d/e/f/node_modules",
                "b/c/d/e/f/g/node_modules",
                "kept/node_modules",
            ],
        );
        fs::write(t.path().join("file_node_modules"), "").unwrap();
        fs::write(
            t.path().join(".dockerignore"),
            "ignored\nkept\n!kept/node_modules/keep\n",
        )
        .unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        // Any depth: the search no longer stops at depth 6.
        assert_eq!(
            c.find_dirs_named("", "node_modules").unwrap(),
            [
                "a/node_modules",
                "b/c/d/e/f/g/node_modules",
                "b/c/d/e/f/node_modules",
                "kept/node_modules",
                "node_modules"
            ]
        );
        assert_eq!(
            c.find_dirs_named("a", "node_modules").unwrap(),
            ["a/node_modules"]
        );
        assert!(c
            .find_dirs_named("ignored", "node_modules")
            .unwrap()
            .is_empty());
        assert!(!c.is_excluded_with("a/node_modules", &[]));
        assert!(c.is_excluded_with("a/node_modules", &["**/node_modules"]));
        assert!(c.is_excluded_with("kept/node_modules/keep", &["**/node_modules"]));
        assert!(!c.is_excluded("kept/node_modules/keep"));
    }

    /// More than 20,000 entries before the host `node_modules`: still found.
    #[test]
    fn find_dirs_named_searches_past_twenty_thousand_entries() {
        let t = tempfile::tempdir().unwrap();
        for i in 0..21_000 {
            fs::write(t.path().join(format!("a{i:05}")), "").unwrap();
        }
        fs::create_dir_all(t.path().join("zz/node_modules")).unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        assert_eq!(
            c.find_dirs_named("", "node_modules").unwrap(),
            ["zz/node_modules"]
        );
    }

    /// An unreadable directory is reported, not skipped.
    #[test]
    fn find_dirs_named_reports_an_unreadable_directory() {
        let t = tempfile::tempdir().unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        fs::remove_dir(t.path()).unwrap();
        let e = c.find_dirs_named("", "node_modules").unwrap_err();
        assert!(e.contains("cannot search the context root"), "{e}");
    }

    #[test]
    fn glob_expands() {
        let t = tree(
            &[
                "packages/a/package.json",
                "packages/b/package.json",
                "packages/c/package.json",
                "packages/file.txt",
                "apps/web/sub/package.json",
            ],
            &[],
        );
        fs::write(t.path().join(".dockerignore"), "packages/c\n").unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        assert_eq!(
            c.glob("packages/*"),
            ["packages/a", "packages/b", "packages/file.txt"]
        );
        assert_eq!(c.glob("./packages/*/"), c.glob("packages/*"));
        assert_eq!(c.glob("packages/[ab]"), ["packages/a", "packages/b"]);
        assert_eq!(
            c.glob("packages/*/package.json"),
            ["packages/a/package.json", "packages/b/package.json"]
        );
        assert_eq!(c.glob("packages/a"), ["packages/a"]);
        assert!(c.glob("packages/c").is_empty());
        assert!(c.glob("packages/[").is_empty());
        assert!(c.glob("../*").is_empty());
        assert_eq!(
            c.glob("**/package.json"),
            [
                "apps/web/sub/package.json",
                "packages/a/package.json",
                "packages/b/package.json"
            ]
        );
        assert_eq!(
            c.glob("apps/**"),
            ["apps/web", "apps/web/sub", "apps/web/sub/package.json"]
        );
    }

    /// `**` reaches any depth (a cap of six levels once cut the answer
    /// silently); only the bound of entries stops it, and that is noted.
    #[test]
    fn glob_double_star_has_no_depth_cap() {
        let deep = "a/b/c/d/e/f/g/h/i/package.json";
        let t = tree(&[deep, "package.json"], &[]);
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        assert_eq!(c.glob("**/package.json"), [deep, "package.json"]);
        assert_eq!(c.glob("a/**/i"), ["a/b/c/d/e/f/g/h/i"]);
        assert_eq!(c.truncations(), 0);
    }
}
