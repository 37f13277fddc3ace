//! Where a Dockerfile's build context comes from, besides `--context` and
//! `dockopt.toml`: the places projects declare it (compose files, bake
//! files, GitHub Actions workflows, `docker build` lines in Makefiles and
//! shell scripts), and, failing those, inference from the Dockerfile's own
//! `COPY`/`ADD` sources ([`infer`]).
//!
//! Precedence, first match wins: `--context`, `dockopt.toml`, then the
//! declared sources in the order of [`ContextSource`] (compose, bake,
//! workflow, script: declarative build files before CI steps, and parsed
//! shell lines last as the least certain), then inference, then the
//! Dockerfile's directory. Among declarations of one kind, the first by
//! declaring file path and position wins. When declarations disagree, the
//! winner's detail says which others were not used.

pub mod bake;
pub mod infer;
pub mod script;
pub mod shellpath;
pub mod workflow;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::compose::{clean, ComposeContext};
use crate::runner::display_path;

/// Why a Dockerfile got its build context. The order is the precedence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ContextSource {
    #[serde(rename = "--context")]
    Flag,
    #[serde(rename = "dockopt.toml")]
    Config,
    #[serde(rename = "compose")]
    Compose,
    #[serde(rename = "bake")]
    Bake,
    #[serde(rename = "workflow")]
    Workflow,
    #[serde(rename = "script")]
    Script,
    #[serde(rename = "inferred")]
    Inferred,
    #[serde(rename = "dockerfile-dir")]
    DockerfileDir,
    /// stdin without `--context`.
    #[serde(rename = "none")]
    None,
}

impl ContextSource {
    /// The name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ContextSource::Flag => "--context",
            ContextSource::Config => "dockopt.toml",
            ContextSource::Compose => "compose",
            ContextSource::Bake => "bake",
            ContextSource::Workflow => "workflow",
            ContextSource::Script => "script",
            ContextSource::Inferred => "inferred",
            ContextSource::DockerfileDir => "dockerfile-dir",
            ContextSource::None => "none",
        }
    }
}

/// One declaration: this Dockerfile is built with this context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub source: ContextSource,
    /// Absolute, lexically clean context directory.
    pub context: PathBuf,
    /// The declaring file (absolute), for ordering.
    pub origin: PathBuf,
    /// Position in the declaring file (line, or order of appearance).
    pub order: usize,
    /// Evidence, e.g. `Makefile:12` (paths relative to the working directory).
    pub detail: String,
}

/// A build call found in a declaring file: a Dockerfile and its context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Absolute, lexically clean Dockerfile path.
    pub dockerfile: PathBuf,
    /// Absolute, lexically clean context directory.
    pub context: PathBuf,
    pub order: usize,
    pub detail: String,
}

/// Kinds of files that may declare a context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeclFile {
    Workflow,
    /// `.gitlab-ci.yml`.
    GitlabCi,
    Makefile,
    Shell,
    /// `package.json` `scripts`.
    PackageJson,
    Bake,
}

const BAKE_FILES: &[&str] = &[
    "docker-bake.hcl",
    "docker-bake.override.hcl",
    "docker-bake.json",
    "docker-bake.override.json",
];

/// Largest declaring file read (bytes).
const MAX_DECL_FILE: u64 = 1 << 20;
/// Depth of the search for declaring files in a repository the walk did not cover.
const SCAN_DEPTH: usize = 5;

/// Is `path` a file that may declare build contexts?
pub fn declaration_kind(path: &Path) -> Option<DeclFile> {
    let name = path.file_name()?.to_str()?;
    if BAKE_FILES.contains(&name) {
        return Some(DeclFile::Bake);
    }
    if matches!(name, "Makefile" | "makefile" | "GNUmakefile") || name.ends_with(".mk") {
        return Some(DeclFile::Makefile);
    }
    if name.ends_with(".sh") || name.ends_with(".bash") {
        return Some(DeclFile::Shell);
    }
    if name == "package.json" {
        return Some(DeclFile::PackageJson);
    }
    if name == ".gitlab-ci.yml" {
        return Some(DeclFile::GitlabCi);
    }
    let parent = path.parent()?;
    let in_workflows = parent.file_name()? == "workflows"
        && parent.parent().and_then(Path::file_name) == Some(".github".as_ref());
    (in_workflows && (name.ends_with(".yml") || name.ends_with(".yaml")))
        .then_some(DeclFile::Workflow)
}

/// The repository root of `path`: the nearest ancestor holding `.git`, else
/// the outermost of `tops` that contains it, else its own directory.
pub fn repo_root(path: &Path, tops: &[PathBuf]) -> PathBuf {
    Roots::new(tops).of(path)
}

/// Directories whose answers [`Roots`] keeps at once.
const KEPT_DIRS: usize = 4096;

/// [`repo_root`] for many paths, remembering what each directory's
/// ancestors hold (a bulk run asks for thousands of files in few repositories).
#[derive(Debug, Default)]
pub struct Roots {
    /// The tops, absolute and clean (a set: a bulk run gives one per repository).
    tops: std::collections::HashSet<PathBuf>,
    /// Directory → nearest ancestor-or-self holding `.git`.
    git: std::collections::HashMap<PathBuf, Option<PathBuf>>,
}

impl Roots {
    pub fn new(tops: &[PathBuf]) -> Roots {
        Roots {
            tops: tops
                .iter()
                .map(|t| clean(&crate::config::absolute(t)))
                .collect(),
            git: Default::default(),
        }
    }

    /// The repository root of `path` (see [`repo_root`]).
    pub fn of(&mut self, path: &Path) -> PathBuf {
        let abs = clean(&crate::config::absolute(path));
        let dir = abs.parent().unwrap_or(&abs).to_path_buf();
        if let Some(root) = self.git_root(&dir) {
            return root;
        }
        outermost_in(&self.tops, &dir)
            .map(Path::to_path_buf)
            .unwrap_or(dir)
    }

    fn git_root(&mut self, dir: &Path) -> Option<PathBuf> {
        // A cache: emptied when full, so a bulk run's memory does not grow
        // with its directories (asked in path order, they come together).
        if self.git.len() >= KEPT_DIRS {
            self.git.clear();
        }
        let mut missed: Vec<&Path> = Vec::new();
        let mut found = None;
        for a in dir.ancestors() {
            if let Some(known) = self.git.get(a) {
                found = known.clone();
                break;
            }
            if a.join(".git").exists() {
                found = Some(a.to_path_buf());
                self.git.insert(a.to_path_buf(), found.clone());
                break;
            }
            missed.push(a);
        }
        for m in missed {
            self.git.insert(m.to_path_buf(), found.clone());
        }
        found
    }
}

/// The outermost of `set` that is `path` or one of its ancestors: a lookup
/// per ancestor, not a comparison per member (a run given one path per
/// repository has thousands).
pub fn outermost_in<'a>(
    set: &std::collections::HashSet<PathBuf>,
    path: &'a Path,
) -> Option<&'a Path> {
    path.ancestors().filter(|a| set.contains(*a)).last()
}

/// Every declaration found, by Dockerfile.
#[derive(Debug, Default)]
pub struct Declarations {
    map: BTreeMap<PathBuf, Vec<Declared>>,
}

impl Declarations {
    /// Read the declaring files `decl_files` (found by the directory walk
    /// over `walked`), plus those of the repositories of `dockerfiles` that
    /// the walk did not cover, plus the compose mappings.
    pub fn collect(
        dockerfiles: &[PathBuf],
        walked: &[PathBuf],
        mut decl_files: Vec<PathBuf>,
        compose: BTreeMap<PathBuf, ComposeContext>,
        finder: &mut Roots,
    ) -> Declarations {
        let walked_abs: std::collections::HashSet<PathBuf> = walked
            .iter()
            .map(|w| clean(&crate::config::absolute(w)))
            .collect();
        // A set: a bulk run has many Dockerfiles in few repositories.
        let roots: std::collections::BTreeSet<PathBuf> =
            dockerfiles.iter().map(|f| finder.of(f)).collect();
        for root in roots {
            if outermost_in(&walked_abs, &root).is_none() {
                decl_files.extend(scan(&root));
            }
        }
        decl_files.sort();
        decl_files.dedup();
        let mut out = Declarations::default();
        for (df, c) in compose {
            out.add(
                df,
                Declared {
                    source: ContextSource::Compose,
                    context: c.context,
                    origin: c.compose_file.clone(),
                    order: 0,
                    detail: format!("{} service `{}`", display_path(&c.compose_file), c.service),
                },
            );
        }
        for f in decl_files {
            out.read_file(&f, finder);
        }
        out
    }

    fn add(&mut self, dockerfile: PathBuf, d: Declared) {
        self.map.entry(dockerfile).or_default().push(d);
    }

    fn read_file(&mut self, path: &Path, finder: &mut Roots) {
        let Some(kind) = declaration_kind(path) else {
            return;
        };
        let Some(text) = read_small(path) else {
            return;
        };
        if kind != DeclFile::Workflow && kind != DeclFile::Bake && !script::may_build(&text) {
            return;
        }
        let abs = clean(&crate::config::absolute(path));
        let (source, calls) = match kind {
            DeclFile::Workflow => (ContextSource::Workflow, workflow::read(&abs, &text)),
            DeclFile::GitlabCi => (ContextSource::Workflow, workflow::read_gitlab(&abs, &text)),
            DeclFile::Bake => (ContextSource::Bake, bake::read(&abs, &text)),
            DeclFile::Makefile => (
                ContextSource::Script,
                script::read_makefile(&abs, &text, &finder.of(&abs)),
            ),
            DeclFile::Shell => (
                ContextSource::Script,
                script::read_shell(&abs, &text, &finder.of(&abs)),
            ),
            DeclFile::PackageJson => (
                ContextSource::Script,
                script::read_package_json(&abs, &text, &finder.of(&abs)),
            ),
        };
        for c in calls {
            if !c.context.is_dir() {
                continue;
            }
            self.add(
                c.dockerfile,
                Declared {
                    source,
                    context: c.context,
                    origin: abs.clone(),
                    order: c.order,
                    detail: c.detail,
                },
            );
        }
    }

    /// Every context declared for `dockerfile` (the winner and the others).
    pub fn contexts_of(&self, dockerfile: &Path) -> Vec<PathBuf> {
        let abs = clean(&crate::config::absolute(dockerfile));
        let all = self.map.get(&abs).map(Vec::as_slice).unwrap_or_default();
        all.iter().map(|d| d.context.clone()).collect()
    }

    /// The contexts declared for `dockerfile` by the declarations `keep` takes.
    pub fn contexts_declared(
        &self,
        dockerfile: &Path,
        keep: impl Fn(&Declared) -> bool,
    ) -> Vec<PathBuf> {
        let abs = clean(&crate::config::absolute(dockerfile));
        let all = self.map.get(&abs).map(Vec::as_slice).unwrap_or_default();
        all.iter()
            .filter(|d| keep(d))
            .map(|d| d.context.clone())
            .collect()
    }

    /// The declared context of `dockerfile`, its source and the evidence.
    pub fn resolve(&self, dockerfile: &Path) -> Option<(PathBuf, ContextSource, String)> {
        let abs = clean(&crate::config::absolute(dockerfile));
        let mut all: Vec<&Declared> = self.map.get(&abs)?.iter().collect();
        all.sort_by(|a, b| (a.source, &a.origin, a.order).cmp(&(b.source, &b.origin, b.order)));
        let win = all[0];
        let mut others: Vec<String> = Vec::new();
        let mut seen: Vec<&Path> = vec![&win.context];
        for d in &all[1..] {
            if !seen.contains(&d.context.as_path()) {
                seen.push(&d.context);
                others.push(format!("{} says {}", d.detail, display_path(&d.context)));
            }
        }
        let mut detail = win.detail.clone();
        if !others.is_empty() {
            detail.push_str(&format!(
                "; chosen over disagreeing declarations: {}",
                others.join(", ")
            ));
        }
        Some((win.context.clone(), win.source, detail))
    }
}

/// Declaring files under a repository root the walk did not cover (bounded,
/// honouring `.gitignore`).
fn scan(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .git_global(crate::walk::global_gitignore())
        .max_depth(Some(SCAN_DEPTH))
        .filter_entry(|e| e.file_name() != ".git" && e.file_name() != "node_modules")
        .build();
    for e in walker.flatten() {
        if e.file_type().is_some_and(|t| t.is_file()) && declaration_kind(e.path()).is_some() {
            out.push(e.into_path());
        }
    }
    out
}

/// A declaring file's text, unless it is too large, unreadable or not UTF-8.
fn read_small(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_DECL_FILE {
        return None;
    }
    std::fs::read_to_string(path).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// No input text makes a declaration reader panic (multi-byte
        /// characters next to the bytes the scanners look for included).
        #[test]
        fn readers_never_panic(text in "(\\PC|[\\$(){}\"'`\\\\#=\n\t -]|docker build|<<EOF|\u{e9}|\u{a7}){0,80}") {
            let root = Path::new("/nonexistent-dockopt-root");
            let _ = bake::parse_hcl(&text);
            let _ = bake::parse_json(&text);
            let _ = script::read_shell(&root.join("b.sh"), &text, root);
            let _ = script::read_makefile(&root.join("Makefile"), &text, root);
            let _ = script::read_package_json(&root.join("package.json"), &text, root);
            let _ = workflow::read(&root.join(".github/workflows/ci.yml"), &text);
            let _ = workflow::read_gitlab(&root.join(".gitlab-ci.yml"), &text);
            let env = shellpath::Env { root: root.into(), script: Some(root.join("b.sh")), vars: vec![("X".into(), text.clone())] };
            let _ = shellpath::resolve(&text, false, root, &env);
            let _ = shellpath::resolve("$X/a", false, root, &env);
        }
    }

    #[test]
    fn roots_cache_keeps_nested_repositories_apart() {
        let t = tempfile::tempdir().unwrap();
        let r = crate::config::absolute(t.path());
        for d in ["a/.git", "a/sub/.git", "a/sub/x/y", "a/z", "plain/q"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        let mut roots = Roots::new(std::slice::from_ref(&r));
        assert_eq!(roots.of(&r.join("a/sub/x/y/Dockerfile")), r.join("a/sub"));
        assert_eq!(roots.of(&r.join("a/z/Dockerfile")), r.join("a"));
        assert_eq!(roots.of(&r.join("a/sub/Dockerfile")), r.join("a/sub"));
        assert_eq!(roots.of(&r.join("a/Dockerfile")), r.join("a"));
        assert_eq!(
            roots.of(&r.join("plain/q/Dockerfile")),
            r,
            "no .git: the top"
        );
        assert_eq!(roots.of(&r.join("plain/Dockerfile")), r);
    }

    #[test]
    fn the_outermost_top_wins_among_many() {
        let set: std::collections::HashSet<PathBuf> = ["/w/a", "/w/a/b", "/w/c", "/x"]
            .iter()
            .map(PathBuf::from)
            .collect();
        let at = |p: &str| outermost_in(&set, Path::new(p)).map(Path::to_path_buf);
        assert_eq!(at("/w/a/b/c/d"), Some(PathBuf::from("/w/a")));
        assert_eq!(at("/w/a"), Some(PathBuf::from("/w/a")));
        assert_eq!(
            at("/w/c2/d"),
            None,
            "a name sharing a prefix is not under it"
        );
        assert_eq!(at("/w"), None);
        let mut roots = Roots::new(&[
            PathBuf::from("/nonexistent-dockopt/a"),
            PathBuf::from("/nonexistent-dockopt/a/b"),
        ]);
        assert_eq!(
            roots.of(Path::new("/nonexistent-dockopt/a/b/Dockerfile")),
            PathBuf::from("/nonexistent-dockopt/a")
        );
    }

    #[test]
    fn declaration_kinds() {
        let k = |p: &str| declaration_kind(Path::new(p));
        assert_eq!(k("r/.github/workflows/ci.yml"), Some(DeclFile::Workflow));
        assert_eq!(k("r/.github/workflows/ci.yaml"), Some(DeclFile::Workflow));
        assert_eq!(k("r/workflows/ci.yml"), None);
        assert_eq!(k("r/.github/ci.yml"), None);
        assert_eq!(k("Makefile"), Some(DeclFile::Makefile));
        assert_eq!(k("build/docker.mk"), Some(DeclFile::Makefile));
        assert_eq!(k("scripts/build.sh"), Some(DeclFile::Shell));
        assert_eq!(k("web/package.json"), Some(DeclFile::PackageJson));
        assert_eq!(k(".gitlab-ci.yml"), Some(DeclFile::GitlabCi));
        assert_eq!(k("docker-bake.hcl"), Some(DeclFile::Bake));
        assert_eq!(k("main.hcl"), None);
    }

    #[test]
    fn precedence_and_disagreement() {
        let mut d = Declarations::default();
        let df = PathBuf::from("/r/docker/Dockerfile");
        let decl = |source, ctx: &str, origin: &str, order, detail: &str| Declared {
            source,
            context: PathBuf::from(ctx),
            origin: PathBuf::from(origin),
            order,
            detail: detail.into(),
        };
        d.add(
            df.clone(),
            decl(ContextSource::Script, "/r/docker", "/r/b.sh", 3, "b.sh:3"),
        );
        d.add(
            df.clone(),
            decl(
                ContextSource::Workflow,
                "/r",
                "/r/.github/workflows/z.yml",
                0,
                "z",
            ),
        );
        d.add(
            df.clone(),
            decl(ContextSource::Script, "/r", "/r/a.sh", 9, "a.sh:9"),
        );
        let (ctx, src, detail) = d.resolve(&df).unwrap();
        assert_eq!(ctx, PathBuf::from("/r"));
        assert_eq!(src, ContextSource::Workflow);
        assert!(
            detail.starts_with("z; chosen over disagreeing declarations: b.sh:3 says "),
            "{detail}"
        );
        assert!(
            !detail.contains("a.sh"),
            "agreeing declarations are not listed: {detail}"
        );
        d.add(
            df.clone(),
            decl(
                ContextSource::Bake,
                "/r/docker",
                "/r/docker-bake.hcl",
                0,
                "bake",
            ),
        );
        assert_eq!(d.resolve(&df).unwrap().1, ContextSource::Bake);
        assert!(d.resolve(Path::new("/r/other/Dockerfile")).is_none());
    }

    #[test]
    fn serde_names_match_as_str() {
        for s in [
            ContextSource::Flag,
            ContextSource::Config,
            ContextSource::Compose,
            ContextSource::Bake,
            ContextSource::Workflow,
            ContextSource::Script,
            ContextSource::Inferred,
            ContextSource::DockerfileDir,
            ContextSource::None,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
