//! Which Dockerfiles of a repository may be built from a given context
//! directory: an ignore-file entry added for one Dockerfile applies to all
//! of them ([`crate::siblings`] checks that none breaks).
//!
//! A Dockerfile's contexts are every one declared for it (its `dockopt.toml`
//! `[contexts]` entry, compose, bake, workflow and script declarations: all
//! of them, not only the one that wins, since each may be a real build);
//! when nothing declares one, its own directory and every directory from it
//! up to the repository root in which all its `COPY`/`ADD` sources exist
//! (`docker build -f deploy/Dockerfile .` is as common as building from
//! `deploy/`). The context dockopt infers from those sources, and the one it
//! widens to when the install's manifests are missing
//! ([`crate::contexts::infer`]), are such directories. The search is
//! bounded by the repository root (the nearest `.git`, else the outermost
//! directory of the run) and skips `.git` and `node_modules`. It is made
//! only when a fix needs an ignore entry, once per repository and run (a
//! bounded number kept at once), and shared by the run's workers; the
//! users of a context root are worked out when it is first asked about.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::compose::clean;
use crate::config::{absolute, Loaded};
use crate::contexts::{Declarations, Roots};

/// Censuses kept at once: a run goes through the files in path order, so a
/// repository's Dockerfiles come together; an evicted census is made again
/// when asked (the same answer), which keeps memory bounded on big trees.
const KEPT_CENSUSES: usize = 64;
/// Context roots whose users a census keeps at once (same reasoning).
const KEPT_ROOTS: usize = 1024;
/// Entries a census's own walk visits at most. With no `.git` above a
/// Dockerfile the repository root is the outermost directory of the run,
/// the working directory included: run from `/` or a home directory, the
/// walk would go through the whole file system. Past this many entries the
/// census is cut short, and a fix that needs an ignore entry is refused
/// (`context-too-large`) rather than made without knowing the other users.
pub const CENSUS_ENTRIES: usize = 500_000;

/// The repositories' censuses of one run.
#[derive(Debug)]
pub struct Sharing {
    /// The repository roots of the run's tops, made once: a run given one
    /// path per repository has thousands of tops.
    roots: Mutex<Roots>,
    fallback: Option<Arc<Loaded>>,
    isolated: bool,
    repos: Mutex<Repos>,
    /// What the run's own walk found: the census of a repository it
    /// covered is made from it, without a second walk.
    walked: Option<Walked>,
    /// Entries a census's own walk visits at most ([`CENSUS_ENTRIES`]).
    limit: usize,
}

/// The run's walk, as a census needs it: the directories walked (absolute,
/// clean), the Dockerfiles found there that are regular files and the
/// compose files (absolute, clean, sorted), and the declarations the run
/// read (from every declaring file the walk found).
#[derive(Debug)]
pub struct Walked {
    pub tops: std::collections::HashSet<PathBuf>,
    pub dockerfiles: Arc<Vec<PathBuf>>,
    pub compose_files: Vec<PathBuf>,
    pub declarations: Arc<Declarations>,
}

impl Walked {
    /// What the walk of `dirs` found (not following links: the censuses'
    /// walks do not).
    pub fn of(dirs: &[PathBuf], found: &crate::walk::Found) -> Walked {
        let abs = |p: &PathBuf| clean(&absolute(p));
        let mut dockerfiles: Vec<PathBuf> = found
            .dockerfiles
            .iter()
            .filter(|f| found.linked.binary_search(f).is_err())
            .map(|f| {
                // Kept for the whole run: no spare capacity from `clean`.
                let mut f = abs(f);
                f.shrink_to_fit();
                f
            })
            .collect();
        dockerfiles.sort();
        dockerfiles.dedup();
        let mut compose_files: Vec<PathBuf> = found.compose_files.iter().map(abs).collect();
        compose_files.sort();
        compose_files.dedup();
        Walked {
            tops: dirs.iter().map(abs).collect(),
            dockerfiles: Arc::new(dockerfiles),
            compose_files,
            declarations: Arc::default(),
        }
    }

    /// Did the walk cover all of `repo` (one of its directories is `repo`
    /// or above it)? Then it found all that a walk of `repo` finds: the same
    /// ignore files apply, and `node_modules` is left out here.
    fn covers(&self, repo: &Path) -> bool {
        crate::contexts::outermost_in(&self.tops, repo).is_some()
    }

    /// The paths of `sorted` under `repo`, outside any `node_modules`.
    fn under<'a>(sorted: &'a [PathBuf], repo: &'a Path) -> impl Iterator<Item = &'a PathBuf> + 'a {
        Walked::indices_under(sorted, repo).map(|i| &sorted[i])
    }

    /// The indices in `sorted` of [`Walked::under`]'s paths.
    fn indices_under<'a>(
        sorted: &'a [PathBuf],
        repo: &'a Path,
    ) -> impl Iterator<Item = usize> + 'a {
        let from = sorted.partition_point(|p| p.as_path() < repo);
        (from..sorted.len())
            .take_while(move |i| sorted[*i].starts_with(repo))
            .filter(move |i| in_repo(&sorted[*i], repo))
    }
}

/// Is `p` (under `repo`) outside every `node_modules` of it, as the
/// census's own walk sees the repository?
fn in_repo(p: &Path, repo: &Path) -> bool {
    p.strip_prefix(repo)
        .is_ok_and(|rel| !rel.components().any(|c| c.as_os_str() == "node_modules"))
}

/// The censuses made so far, each with when it was last asked for.
#[derive(Debug, Default)]
struct Repos {
    map: HashMap<PathBuf, (u64, Arc<OnceLock<Census>>)>,
    clock: u64,
}

/// Every Dockerfile of one repository, whether its context is declared,
/// and the users of the context roots asked about so far.
///
/// An undeclared Dockerfile's contexts are its own directory and every
/// candidate holding all its sources ([`crate::contexts::infer::possible`]);
/// the inferred and the widened contexts are such candidates too. All are
/// its ancestors, so the users of a root are found among the Dockerfiles
/// under it, checked for that root only, when it is first asked about: the
/// work per Dockerfile does not grow with the size of the repository.
#[derive(Debug, Default)]
struct Census {
    /// The repository root as walked (absolute, clean) and its key.
    repo: PathBuf,
    repo_key: PathBuf,
    /// Dockerfile paths (absolute, clean, sorted), the run's walk's or the
    /// census's own: shared, not copied, at 100,000 Dockerfiles.
    paths: Arc<Vec<PathBuf>>,
    /// Each Dockerfile of the repository, as its index in `paths` (a
    /// regular file: the walk follows no links, so its key is `repo_key`
    /// joined with the same relative path), sorted, and whether a context
    /// is declared for it.
    files: Vec<(u32, bool)>,
    /// The declared Dockerfiles' keys and their declared contexts' keys.
    declared: Vec<(PathBuf, Vec<PathBuf>)>,
    /// Context root key → its users' keys, sorted.
    users: Mutex<HashMap<PathBuf, Arc<Vec<PathBuf>>>>,
    /// The census's walk stopped at [`CENSUS_ENTRIES`]: its answers are partial.
    cut: bool,
}

/// `p` absolute and lexically clean, resolved through symlinks when it exists.
fn key(p: &Path) -> PathBuf {
    let abs = clean(&absolute(p));
    abs.canonicalize().unwrap_or(abs)
}

impl Sharing {
    /// `tops` are the run's directories (and `.`); `fallback` the
    /// `dockopt.toml` found from the working directory.
    pub fn new(tops: &[PathBuf], fallback: Option<Arc<Loaded>>, isolated: bool) -> Sharing {
        Sharing {
            roots: Mutex::new(Roots::new(tops)),
            fallback,
            isolated,
            repos: Mutex::new(Repos::default()),
            walked: None,
            limit: CENSUS_ENTRIES,
        }
    }

    /// The same, with the censuses' walks cut at `limit` entries.
    #[cfg(test)]
    pub(crate) fn with_census_limit(mut self, limit: usize) -> Sharing {
        self.limit = limit;
        self
    }

    /// Make the censuses of the repositories `walked` covers from it.
    /// `declarations` are the run's, read from the declaring files the
    /// walk found.
    pub fn with_walk(mut self, walked: Walked, declarations: Arc<Declarations>) -> Sharing {
        self.walked = Some(Walked {
            declarations,
            ..walked
        });
        self
    }

    /// The repository root of the context directory `root`.
    fn repo_of(&self, root: &Path) -> PathBuf {
        let mut roots = self.roots.lock().unwrap_or_else(|p| p.into_inner());
        roots.of(&root.join("Dockerfile"))
    }

    /// The census slot of the repository `repo` (empty when new).
    fn slot(&self, repo: &Path) -> Arc<OnceLock<Census>> {
        let mut repos = self.repos.lock().unwrap_or_else(|p| p.into_inner());
        repos.clock += 1;
        let now = repos.clock;
        if let Some((used, slot)) = repos.map.get_mut(repo) {
            *used = now;
            return slot.clone();
        }
        if repos.map.len() >= KEPT_CENSUSES {
            let oldest = repos.map.iter().min_by_key(|(_, (used, _))| *used);
            if let Some(old) = oldest.map(|(k, _)| k.clone()) {
                repos.map.remove(&old);
            }
        }
        let slot = Arc::new(OnceLock::new());
        repos.map.insert(repo.to_path_buf(), (now, slot.clone()));
        slot
    }

    /// The Dockerfiles of `root`'s repository, other than `me`, that may be
    /// built with the context `root`. Sorted.
    pub fn users_of(&self, root: &Path, me: &Path) -> Vec<PathBuf> {
        let repo = self.repo_of(root);
        let slot = self.slot(&repo);
        let census = slot.get_or_init(|| self.census(&repo));
        let me = key(me);
        census
            .users(&key(root))
            .iter()
            .filter(|f| **f != me)
            .cloned()
            .collect()
    }

    /// Why the census of `root`'s repository cannot be trusted, when its
    /// walk was cut short at [`CENSUS_ENTRIES`] entries.
    pub fn cut_short(&self, root: &Path) -> Option<String> {
        let repo = self.repo_of(root);
        let slot = self.slot(&repo);
        let census = slot.get_or_init(|| self.census(&repo));
        census.cut.then(|| {
            let why_root = if repo.join(".git").exists() {
                "it holds .git"
            } else {
                "no .git above the Dockerfile, so the outermost directory of the run, the working directory included"
            };
            format!(
                "the fix needs an ignore entry, and the Dockerfiles that may share this context are searched for in {} (the repository root: {why_root}), which holds more than {} entries; run dockopt from the repository, or give --context",
                repo.display(),
                self.limit,
            )
        })
    }

    /// Is `f` a Dockerfile of `root`'s repository whose context nothing
    /// declares (its contexts are the possible ones)?
    pub fn undeclared(&self, root: &Path, f: &Path) -> bool {
        let repo = self.repo_of(root);
        let f = key(f);
        // Asked after `users_of` made the census (made again if evicted since).
        self.slot(&repo)
            .get_or_init(|| self.census(&repo))
            .undeclared(&f)
    }

    /// The Dockerfiles of `repo` (sorted) and a function giving each one's
    /// declared contexts: from the run's walk when it covered `repo`, else
    /// from a walk of `repo` and its declaring files.
    #[allow(clippy::type_complexity)]
    fn survey<'a>(
        &'a self,
        repo: &Path,
    ) -> (
        Arc<Vec<PathBuf>>,
        Vec<usize>,
        Box<dyn Fn(&Path) -> Vec<PathBuf> + 'a>,
        bool,
    ) {
        let roots = || self.roots.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = self.walked.as_ref().filter(|w| w.covers(repo)) {
            let members: Vec<usize> = Walked::indices_under(&w.dockerfiles, repo).collect();
            let mut compose = BTreeMap::new();
            for c in Walked::under(&w.compose_files, repo) {
                compose.extend(crate::compose::read(c));
            }
            let compose = Declarations::collect(&[], &[], Vec::new(), compose, &mut roots());
            let repo = repo.to_path_buf();
            let contexts = move |f: &Path| {
                let mut ctxs = compose.contexts_of(f);
                ctxs.extend(w.declarations.contexts_declared(f, |d| {
                    d.source != crate::contexts::ContextSource::Compose && in_repo(&d.origin, &repo)
                }));
                ctxs
            };
            return (w.dockerfiles.clone(), members, Box::new(contexts), false);
        }
        let found = walk(repo, self.limit);
        let mut compose = BTreeMap::new();
        for c in &found.compose_files {
            compose.extend(crate::compose::read(c));
        }
        let declarations = Declarations::collect(
            &found.dockerfiles,
            &[repo.to_path_buf()],
            found.declaration_files,
            compose,
            &mut roots(),
        );
        let members = (0..found.dockerfiles.len()).collect();
        let contexts = move |f: &Path| declarations.contexts_of(f);
        let cut = found.cut;
        (
            Arc::new(found.dockerfiles),
            members,
            Box::new(contexts),
            cut,
        )
    }

    fn census(&self, repo: &Path) -> Census {
        let (paths, members, contexts_of, cut) = self.survey(repo);
        let mut configs = crate::configs::Configs::shared(self.fallback.clone(), self.isolated);
        let repo_key = key(repo);
        let mut files = Vec::with_capacity(members.len());
        let mut declared = Vec::new();
        for i in members {
            let f = &paths[i];
            let config = configs.for_file(f).ok().flatten();
            let mut ctxs: Vec<PathBuf> = contexts_of(f);
            if let Some((ctx, _)) = config.as_deref().and_then(|c| c.context_for(f)) {
                ctxs.push(ctx);
            }
            let rel = f.strip_prefix(repo).unwrap_or(f);
            let declares = !ctxs.is_empty();
            if declares {
                let mut ctxs: Vec<PathBuf> = ctxs.iter().map(|c| key(c)).collect();
                ctxs.sort();
                ctxs.dedup();
                declared.push((repo_key.join(rel), ctxs));
            }
            files.push((i as u32, declares));
        }
        drop(contexts_of);
        Census {
            repo: repo.to_path_buf(),
            repo_key,
            paths,
            files,
            declared,
            users: Mutex::new(HashMap::new()),
            cut,
        }
    }
}
impl Census {
    /// The path of the `i`th Dockerfile, relative to the repository.
    fn rel(&self, i: u32) -> &Path {
        let p = &self.paths[i as usize];
        p.strip_prefix(&self.repo).unwrap_or(p)
    }

    /// Is the Dockerfile with key `f` here, with no declared context?
    fn undeclared(&self, f: &Path) -> bool {
        let Ok(rel) = f.strip_prefix(&self.repo_key) else {
            return false;
        };
        let from = self.files.partition_point(|(r, _)| self.rel(*r) < rel);
        self.files[from..]
            .iter()
            .take_while(|(r, _)| self.rel(*r) == rel)
            .any(|(_, declares)| !declares)
    }

    /// The keys of the Dockerfiles that may be built with the context whose
    /// key is `root`, sorted; worked out when first asked.
    fn users(&self, root: &Path) -> Arc<Vec<PathBuf>> {
        if let Some(u) = self.lock().get(root) {
            return u.clone();
        }
        let mut out: Vec<PathBuf> = self
            .declared
            .iter()
            .filter(|(_, ctxs)| ctxs.iter().any(|c| c == root))
            .map(|(f, _)| f.clone())
            .collect();
        if let Ok(rel) = root.strip_prefix(&self.repo_key) {
            out.extend(self.undeclared_users(rel));
        }
        out.sort();
        let out = Arc::new(out);
        let mut users = self.lock();
        if users.len() >= KEPT_ROOTS {
            users.clear();
        }
        users.insert(root.to_path_buf(), out.clone());
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<PathBuf, Arc<Vec<PathBuf>>>> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The undeclared Dockerfiles under the repository's directory `rel`
    /// that may be built from it: those in it, and those below whose
    /// sources all exist there.
    fn undeclared_users<'a>(&'a self, rel: &'a Path) -> impl Iterator<Item = PathBuf> + 'a {
        let dir = self.repo.join(rel);
        let from = self.files.partition_point(|(r, _)| self.rel(*r) < rel);
        self.files[from..]
            .iter()
            .take_while(move |(r, _)| self.rel(*r).starts_with(rel))
            .filter(|(_, declares)| !declares)
            .filter(move |(r, _)| {
                let f = self.repo.join(self.rel(*r));
                if f.parent() == Some(dir.as_path()) {
                    return true;
                }
                let text = crate::input::read_dockerfile(&f).unwrap_or_default();
                let srcs = crate::contexts::infer::sources(&text);
                crate::contexts::infer::holds_all(&dir, &f, &srcs)
            })
            .map(|(r, _)| self.repo_key.join(self.rel(*r)))
    }
}

/// What the census walk found.
#[derive(Default)]
struct Found {
    dockerfiles: Vec<PathBuf>,
    compose_files: Vec<PathBuf>,
    declaration_files: Vec<PathBuf>,
    /// Stopped at the entry limit: what was found is partial.
    cut: bool,
}

/// The Dockerfiles, compose and declaring files under `repo` (honouring
/// `.gitignore`, without `.git` and `node_modules`), visiting at most
/// `limit` entries.
fn walk(repo: &Path, limit: usize) -> Found {
    let mut out = Found::default();
    let walker = ignore::WalkBuilder::new(repo)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git" && e.file_name() != "node_modules")
        .build();
    for (n, e) in walker.flatten().enumerate() {
        if n >= limit {
            out.cut = true;
            break;
        }
        if !e.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = e.file_name().to_str().unwrap_or("");
        if crate::walk::is_dockerfile_name(name) {
            out.dockerfiles.push(e.into_path());
        } else if crate::compose::FILE_NAMES.contains(&name) {
            out.compose_files.push(e.into_path());
        } else if crate::contexts::declaration_kind(e.path()).is_some() {
            out.declaration_files.push(e.into_path());
        }
    }
    out.dockerfiles.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Declared (compose, dockopt.toml, Makefile) and inferred contexts are
    /// found anywhere in the repository, as is an undeclared one whose
    /// sources also exist at the root; a Dockerfile declared elsewhere, or
    /// whose sources are in its own directory, is not a user of the root.
    #[test]
    fn users_of_the_root_context() {
        let t = tempfile::tempdir().unwrap();
        let r = key(t.path());
        std::fs::create_dir(r.join(".git")).unwrap();
        write(&r, "Dockerfile", "FROM x\nCOPY . .\n");
        write(&r, "node_modules/a/index.js", "x");
        write(&r, "deploy/Dockerfile.compose", "FROM x\n");
        write(
            &r,
            "deploy/compose.yaml",
            "services:\n  a:\n    build:\n      context: ..\n      dockerfile: deploy/Dockerfile.compose\n",
        );
        write(&r, "ops/Dockerfile.config", "FROM x\n");
        write(
            &r,
            "dockopt.toml",
            "[contexts]\n\"ops/Dockerfile.config\" = \".\"\n",
        );
        write(&r, "make/Dockerfile.make", "FROM x\n");
        write(
            &r,
            "Makefile",
            "img:\n\tdocker build -f make/Dockerfile.make .\n",
        );
        write(
            &r,
            "docker/Dockerfile.inferred",
            "FROM x\nCOPY node_modules /m\n",
        );
        write(&r, "own/Dockerfile", "FROM x\nCOPY x.txt /x\n");
        write(&r, "far/Dockerfile", "FROM x\nCOPY . .\n");
        write(&r, "own/x.txt", "x");
        write(&r, "other/Dockerfile.elsewhere", "FROM x\n");
        write(
            &r,
            "other/compose.yaml",
            "services:\n  b:\n    build:\n      context: .\n      dockerfile: Dockerfile.elsewhere\n",
        );
        let s = Sharing::new(std::slice::from_ref(&r), None, false);
        let users: Vec<String> = s
            .users_of(&r, &r.join("Dockerfile"))
            .iter()
            .map(|p| p.strip_prefix(&r).unwrap().display().to_string())
            .collect();
        assert_eq!(
            users,
            [
                "deploy/Dockerfile.compose",
                "docker/Dockerfile.inferred",
                "far/Dockerfile",
                "make/Dockerfile.make",
                "ops/Dockerfile.config",
            ]
        );
        assert!(s.undeclared(&r, &r.join("far/Dockerfile")));
        assert!(!s.undeclared(&r, &r.join("make/Dockerfile.make")));
        let own: Vec<PathBuf> = s.users_of(&r.join("own"), &r.join("Dockerfile"));
        assert_eq!(own, [r.join("own/Dockerfile")]);
    }

    /// The censuses made from the run's walk answer as those made by
    /// walking each repository again did, on a tree where they could part:
    /// Dockerfiles and declaring files in `node_modules`, a symlinked
    /// Dockerfile, a compose file outside the repository naming one in it,
    /// nested repositories with their own `.gitignore`, and a directory
    /// above the repositories that has none.
    #[test]
    fn censuses_from_the_walk_answer_as_a_second_walk_did() {
        let t = tempfile::tempdir().unwrap();
        let top = key(t.path());
        let r = top.join("repo");
        std::fs::create_dir_all(r.join(".git")).unwrap();
        std::fs::create_dir_all(r.join("sub/.git")).unwrap();
        let files = [
            ("Dockerfile", "FROM x\nCOPY . .\n"),
            ("app/Dockerfile", "FROM x\nCOPY app/main.js /\n"),
            ("app/main.js", "x"),
            ("node_modules/p/Dockerfile", "FROM x\nCOPY . .\n"),
            ("node_modules/p/build.sh", "docker build -f ../../app/Dockerfile .\n"),
            ("deploy/Dockerfile.c", "FROM x\nCOPY app /app\n"),
            ("deploy/compose.yaml", "services:\n  a:\n    build:\n      context: ..\n      dockerfile: deploy/Dockerfile.c\n"),
            ("Makefile", "img:\n\tdocker build -f make/Dockerfile.make .\n"),
            ("make/Dockerfile.make", "FROM x\nCOPY . .\n"),
            ("sub/.gitignore", "gen/\n"),
            ("sub/gen/Dockerfile", "FROM x\nCOPY . .\n"),
            ("sub/Dockerfile", "FROM x\nCOPY . .\n"),
            ("sub/x/Dockerfile", "FROM x\nCOPY x /x\n"),
            ("sub/x/x", "x"),
        ];
        for (rel, text) in files {
            write(&r, rel, text);
        }
        write(&top, "Dockerfile.top", "FROM x\nCOPY repo /r\n");
        write(&top, "other/Dockerfile", "FROM x\nCOPY . .\n");
        write(
            &top,
            "other/compose.yaml",
            "services:\n  o:\n    build:\n      context: ../repo\n      dockerfile: Dockerfile\n",
        );
        // Read after the repository's own compose file, and naming the same
        // Dockerfile: the run's mapping keeps this one only.
        write(
            &top,
            "zz/compose.yaml",
            "services:\n  z:\n    build:\n      context: ../repo/app\n      dockerfile: ../deploy/Dockerfile.c\n",
        );
        std::os::unix::fs::symlink("app/Dockerfile", r.join("link.Dockerfile")).unwrap();
        let tops = vec![top.clone()];
        let found = crate::walk::find(&tops, 1);
        assert!(found.linked.contains(&r.join("link.Dockerfile")));
        let mut compose = BTreeMap::new();
        for c in &found.compose_files {
            compose.extend(crate::compose::read(c));
        }
        let declarations = Declarations::collect(
            &found.dockerfiles,
            &tops,
            found.declaration_files.clone(),
            compose,
            &mut Roots::new(&tops),
        );
        let walked = Sharing::new(&tops, None, false)
            .with_walk(Walked::of(&tops, &found), Arc::new(declarations));
        let again = Sharing::new(&tops, None, false);
        let dirs: Vec<PathBuf> = ignore::WalkBuilder::new(&top)
            .hidden(false)
            .ignore(false)
            .git_ignore(false)
            .build()
            .flatten()
            .filter(|e| e.file_type().is_some_and(|t| t.is_dir()))
            .map(|e| e.into_path())
            .filter(|d| !d.components().any(|c| c.as_os_str() == ".git"))
            .collect();
        let mut shared = 0;
        for d in &dirs {
            for f in &found.dockerfiles {
                let users = walked.users_of(d, f);
                assert_eq!(users, again.users_of(d, f), "users of {d:?} besides {f:?}");
                shared += users.len();
                let u = walked.undeclared(d, f);
                assert_eq!(u, again.undeclared(d, f), "{d:?} {f:?}");
            }
        }
        assert!(shared > 0);
        // The walk's own answers where they differ from the whole tree's.
        let users = walked.users_of(&r.join("sub"), &r.join("sub/Dockerfile"));
        assert_eq!(users, [r.join("sub/x/Dockerfile")], "gen/ is ignored");
        assert!(walked.users_of(&r, &r.join("Dockerfile")).iter().all(|u| !u
            .components()
            .any(|c| c.as_os_str() == "node_modules" || c.as_os_str() == "link.Dockerfile")));
    }

    /// More repositories than are kept at once: each census is made again
    /// when evicted and gives the same answer; a root's users are those
    /// under it or declared for it, whatever was asked before.
    #[test]
    fn evicted_censuses_give_the_same_answers() {
        let t = tempfile::tempdir().unwrap();
        let top = key(t.path());
        let repos: Vec<PathBuf> = (0..KEPT_CENSUSES + 3)
            .map(|i| top.join(format!("r{i:03}")))
            .collect();
        for r in &repos {
            std::fs::create_dir_all(r.join(".git")).unwrap();
            write(r, "Dockerfile", "FROM x\nCOPY . .\n");
            write(r, "app/Dockerfile", "FROM x\nCOPY app/main.js /\n");
            write(r, "app/main.js", "x");
        }
        let s = Sharing::new(std::slice::from_ref(&top), None, false);
        let ask = |r: &PathBuf| s.users_of(r, &r.join("Dockerfile"));
        let first: Vec<Vec<PathBuf>> = repos.iter().map(ask).collect();
        assert_eq!(first[0], [repos[0].join("app/Dockerfile")]);
        assert!(s.repos.lock().unwrap().map.len() <= KEPT_CENSUSES);
        let again: Vec<Vec<PathBuf>> = repos.iter().map(ask).collect();
        assert_eq!(first, again);
        assert!(s.undeclared(&repos[0], &repos[0].join("app/Dockerfile")));
        assert!(!s.undeclared(&repos[0], &top.join("elsewhere/Dockerfile")));
        // `app/`'s only user is its own Dockerfile (the root one is above it).
        let app = s.users_of(&repos[1].join("app"), &repos[1].join("Dockerfile"));
        assert_eq!(app, [repos[1].join("app/Dockerfile")]);
    }
}
