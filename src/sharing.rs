//! Which Dockerfiles of a repository may be built from a given context
//! directory: an ignore-file entry added for one Dockerfile applies to all
//! of them ([`crate::siblings`] checks that none breaks).
//!
//! A Dockerfile's contexts are every one declared for it (its `dockopt.toml`
//! `[contexts]` entry, compose, bake, workflow and script declarations: all
//! of them, not only the one that wins, since each may be a real build);
//! when nothing declares one, its own directory, every directory from it up
//! to the repository root in which all its `COPY`/`ADD` sources exist
//! (`docker build -f deploy/Dockerfile .` is as common as building from
//! `deploy/`), and the context inferred from those sources
//! ([`crate::contexts::infer`]), widened as
//! dockopt widens it when the install's manifests are missing there (with
//! the built-in presets; a run's own preset directories are not used for
//! this). The search is
//! bounded by the repository root (the nearest `.git`, else the outermost
//! directory of the run) and skips `.git` and `node_modules`. It is made
//! only when a fix needs an ignore entry, once per repository and run, and
//! shared by the run's workers.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::compose::clean;
use crate::config::{absolute, Loaded};
use crate::context::BuildContext;
use crate::contexts::{Declarations, Roots};
use crate::engine::Options;
use crate::preset::Presets;

/// The repositories' censuses of one run.
#[derive(Debug)]
pub struct Sharing {
    tops: Vec<PathBuf>,
    fallback: Option<Arc<Loaded>>,
    isolated: bool,
    repos: Mutex<HashMap<PathBuf, Arc<OnceLock<Census>>>>,
    /// The built-in presets, loaded when a census first needs them.
    presets: OnceLock<Option<Presets>>,
}

/// Every Dockerfile of one repository with the contexts it may be built from.
#[derive(Debug, Default)]
struct Census {
    /// Each Dockerfile, its contexts, and whether one is declared.
    users: Vec<(PathBuf, Vec<PathBuf>, bool)>,
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
            tops: tops.to_vec(),
            fallback,
            isolated,
            repos: Mutex::new(HashMap::new()),
            presets: OnceLock::new(),
        }
    }

    /// The Dockerfiles of `root`'s repository, other than `me`, that may be
    /// built with the context `root`. Sorted.
    pub fn users_of(&self, root: &Path, me: &Path) -> Vec<PathBuf> {
        let repo = Roots::new(&self.tops).of(&root.join("Dockerfile"));
        let slot = {
            let mut repos = self.repos.lock().unwrap_or_else(|p| p.into_inner());
            repos.entry(repo.clone()).or_default().clone()
        };
        let census = slot.get_or_init(|| self.census(&repo));
        let (root, me) = (key(root), key(me));
        let mut out: Vec<PathBuf> = census
            .users
            .iter()
            .filter(|(f, ctxs, _)| *f != me && ctxs.contains(&root))
            .map(|(f, _, _)| f.clone())
            .collect();
        out.sort();
        out
    }

    /// Is `f` a Dockerfile of `root`'s repository whose context nothing
    /// declares (its contexts are the possible ones)?
    pub fn undeclared(&self, root: &Path, f: &Path) -> bool {
        let repo = Roots::new(&self.tops).of(&root.join("Dockerfile"));
        let slot = self
            .repos
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&repo)
            .cloned();
        let f = key(f);
        slot.and_then(|s| {
            s.get()
                .map(|c| c.users.iter().any(|(u, _, d)| *u == f && !d))
        })
        .unwrap_or(false)
    }

    fn census(&self, repo: &Path) -> Census {
        let found = walk(repo);
        let mut compose = BTreeMap::new();
        for c in &found.compose_files {
            compose.extend(crate::compose::read(c));
        }
        let mut roots = Roots::new(&self.tops);
        let declared = Declarations::collect(
            &found.dockerfiles,
            &[repo.to_path_buf()],
            found.declaration_files,
            compose,
            &mut roots,
        );
        let mut configs = crate::configs::Configs::shared(self.fallback.clone(), self.isolated);
        let users = found
            .dockerfiles
            .iter()
            .map(|f| {
                let config = configs.for_file(f).ok().flatten();
                let presets = self.presets.get_or_init(|| Presets::load(&[]).ok());
                let (contexts, declares) =
                    contexts_of(f, repo, config.as_deref(), &declared, presets);
                (key(f), contexts, declares)
            })
            .collect();
        Census { users }
    }
}

/// The contexts `f` may be built from (see the module documentation), and
/// whether one is declared.
fn contexts_of(
    f: &Path,
    repo: &Path,
    config: Option<&Loaded>,
    declared: &Declarations,
    presets: &Option<Presets>,
) -> (Vec<PathBuf>, bool) {
    let mut out: Vec<PathBuf> = declared.contexts_of(f);
    if let Some((ctx, _)) = config.and_then(|c| c.context_for(f)) {
        out.push(ctx);
    }
    let declares = !out.is_empty();
    if !declares {
        let abs = clean(&absolute(f));
        let own = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let text = crate::input::read_dockerfile(f).unwrap_or_default();
        let inferred = crate::contexts::infer::infer(&text, f, repo).map(|(dir, _)| dir);
        let current = inferred.clone().unwrap_or_else(|| own.clone());
        out.push(own);
        out.extend(inferred);
        out.extend(crate::contexts::infer::possible(&text, f, repo));
        if let Some(presets) = presets {
            out.extend(widened(&text, f, repo, &current, presets));
        }
    }
    let mut out: Vec<PathBuf> = out.iter().map(|c| key(c)).collect();
    out.sort();
    out.dedup();
    (out, declares)
}

/// The context dockopt widens `f`'s to when its install's manifests are
/// missing from `current` ([`crate::contexts::infer::widen_for_manifests`]).
fn widened(
    text: &str,
    f: &Path,
    repo: &Path,
    current: &Path,
    presets: &Presets,
) -> Option<PathBuf> {
    let opts = Options {
        presets,
        unsafe_fixes: false,
        disabled_rules: &[],
    };
    // Without the run's sharing: a sibling's own siblings are not looked for.
    let run = |dir: &Path| {
        let ctx = BuildContext::open(dir, f).map_err(|e| format!("{e:#}"))?;
        crate::engine::process(text, Some(&ctx), &opts).map_err(|e| format!("{e:#}"))
    };
    let first = run(current);
    crate::contexts::infer::widen_for_manifests(text, f, repo, current, &first, run)
        .map(|(dir, _, _)| dir)
}

/// What the census walk found.
#[derive(Default)]
struct Found {
    dockerfiles: Vec<PathBuf>,
    compose_files: Vec<PathBuf>,
    declaration_files: Vec<PathBuf>,
}

/// The Dockerfiles, compose and declaring files under `repo` (honouring
/// `.gitignore`, without `.git` and `node_modules`).
fn walk(repo: &Path) -> Found {
    let mut out = Found::default();
    let walker = ignore::WalkBuilder::new(repo)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git" && e.file_name() != "node_modules")
        .build();
    for e in walker.flatten() {
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
}
