//! Finding Dockerfiles under a directory (honouring .gitignore, skipping .git).

use std::path::PathBuf;
use std::sync::Mutex;

/// Is `name` a Dockerfile name dockopt looks for?
///
/// `Dockerfile` and `Containerfile` with a `.suffix` (`Dockerfile.prod`), a
/// `-suffix` or `_suffix` (`Dockerfile-dev`, `Dockerfile_prod`, common
/// variants that `docker build -f` is given), or a `prefix.`
/// (`api.Dockerfile`, `api.dockerfile`, `api.containerfile`), and a bare
/// lowercase `dockerfile`, which `docker build` falls back to when there is
/// no `Dockerfile`. A lowercase `dockerfile.*` is not taken: the CLI never
/// reads it and such names are mostly source files (`dockerfile.go`); nor is
/// a `-`/`_` variant ending in a document or code extension
/// (`Dockerfile-notes.md`, `Dockerfile_gen.py`).
pub fn is_dockerfile_name(name: &str) -> bool {
    if name.ends_with(".dockerignore") || name.ends_with(".containerignore") {
        return false;
    }
    ["Dockerfile", "Containerfile"].iter().any(|base| {
        name == *base
            || name
                .strip_prefix(base)
                .is_some_and(|r| r.len() > 1 && r.starts_with('.'))
            || name
                .strip_prefix(base)
                .is_some_and(|r| r.len() > 1 && r.starts_with(['-', '_']) && !other_kind(r))
            || name
                .strip_suffix(base)
                .or_else(|| name.strip_suffix(&base.to_ascii_lowercase()))
                .is_some_and(|r| r.len() > 1 && r.ends_with('.'))
    }) || name == "dockerfile"
}

/// A `-`/`_` suffix that ends in the extension of a document, data or code
/// file: not a Dockerfile variant.
fn other_kind(suffix: &str) -> bool {
    const EXTS: &[&str] = &[
        "md", "txt", "rst", "adoc", "html", "json", "yml", "yaml", "toml", "xml", "sh", "bash",
        "ps1", "py", "go", "js", "ts", "rb", "rs", "java", "j2", "jinja", "tmpl", "tpl",
        "template", "mustache", "erb", "lock", "log", "orig", "rej", "swp", "png", "svg",
    ];
    suffix
        .rsplit_once('.')
        .is_some_and(|(_, ext)| EXTS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Where git (and the `ignore` crate, which the walks use) look for the
/// global excludes file: the configs that may set `core.excludesFile`, and
/// the default file used when none does.
struct GlobalExcludes {
    configs: Vec<PathBuf>,
    default: Option<PathBuf>,
}

impl GlobalExcludes {
    /// The places `ignore::gitignore::gitconfig_excludes_path` reads.
    fn from_env() -> GlobalExcludes {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        #[allow(deprecated)] // the same home directory `ignore` uses
        let home = std::env::home_dir();
        let xdg = var("XDG_CONFIG_HOME").or_else(|| home.as_ref().map(|h| h.join(".config")));
        let configs = [
            var("GIT_CONFIG_GLOBAL"),
            home.as_ref().map(|h| h.join(".gitconfig")),
            xdg.as_ref().map(|x| x.join("git/config")),
            Some(var("GIT_CONFIG_SYSTEM").unwrap_or_else(|| PathBuf::from("/etc/gitconfig"))),
        ];
        GlobalExcludes {
            configs: configs.into_iter().flatten().collect(),
            default: xdg.map(|x| x.join("git/ignore")),
        }
    }

    /// Is there surely no global excludes file? No config mentions
    /// `excludesfile` (any case: `ignore` matches it so) and the default
    /// file does not exist. Then a walk without the global gitignore skips
    /// exactly what one with it would, without reading git's configs and
    /// compiling the pattern that parses them (a third of a one-file run).
    fn surely_none(&self) -> bool {
        let mentions = |p: &PathBuf| {
            std::fs::read(p).is_ok_and(|b| {
                b.windows(12)
                    .any(|w| w.eq_ignore_ascii_case(b"excludesfile"))
            })
        };
        !self.configs.iter().any(mentions) && !self.default.as_ref().is_some_and(|d| d.is_file())
    }
}

/// Should the walks read the global gitignore? Not when there surely is none
/// (see [`GlobalExcludes::surely_none`]); decided once per process.
pub fn global_gitignore() -> bool {
    static WANTED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *WANTED.get_or_init(|| !GlobalExcludes::from_env().surely_none())
}

/// What a search of a directory found.
#[derive(Debug, Default)]
pub struct Found {
    pub dockerfiles: Vec<PathBuf>,
    pub compose_files: Vec<PathBuf>,
    /// Files that may declare build contexts (workflows, Makefiles, scripts, bake files).
    pub declaration_files: Vec<PathBuf>,
    /// Directories that could not be read, symlink loops: each with its path.
    pub errors: Vec<String>,
    /// Dockerfile-named links leading out of every searched tree, with their
    /// targets: skipped unless links are followed.
    pub outside_links: Vec<(PathBuf, PathBuf)>,
    /// The `dockerfiles` reached as symbolic links (the others are regular
    /// files at their own path), sorted.
    pub linked: Vec<PathBuf>,
}

/// A walk error worth reporting: I/O (an unreadable directory) or a loop,
/// not a bad line in a `.gitignore` (the walk goes on without it).
fn is_walk_error(e: &ignore::Error) -> bool {
    match e {
        ignore::Error::Partial(errs) => errs.iter().any(is_walk_error),
        ignore::Error::WithLineNumber { err, .. }
        | ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. } => is_walk_error(err),
        ignore::Error::Loop { .. } | ignore::Error::Io(_) => true,
        _ => false,
    }
}

/// Is `path` (a symlink) leading out of all of `roots` (canonical)?
fn leads_outside(path: &std::path::Path, roots: &[PathBuf]) -> Option<PathBuf> {
    let target = std::fs::canonicalize(path).ok()?;
    (!roots.iter().any(|r| target.starts_with(r))).then_some(target)
}

/// Every Dockerfile (and compose file) under the `roots`, sorted. One walker
/// for all of them: starting one per root costs threads and stat calls.
pub fn find(roots: &[PathBuf], threads: usize) -> Found {
    find_opts(roots, threads, false)
}

/// [`find`], following symlinks (to directories too, and out of the
/// trees) when `follow_links`.
pub fn find_opts(roots: &[PathBuf], threads: usize, follow_links: bool) -> Found {
    let found = Mutex::new(Found::default());
    let canonical_roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    let canonical_roots = &canonical_roots;
    let Some((first, rest)) = roots.split_first() else {
        return Found::default();
    };
    let mut builder = ignore::WalkBuilder::new(first);
    for r in rest {
        builder.add(r);
    }
    builder
        .hidden(false)
        .require_git(false)
        .git_global(global_gitignore())
        .threads(threads)
        .follow_links(follow_links)
        .filter_entry(|e| e.file_name() != ".git")
        .build_parallel()
        .run(|| {
            let found = &found;
            Box::new(move |entry| {
                let e = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        if is_walk_error(&err) {
                            let mut f = found.lock().expect("no panics while holding");
                            f.errors.push(err.to_string());
                        }
                        return ignore::WalkState::Continue;
                    }
                };
                {
                    // A symlink counts when it leads to a file (a `dockerfile` directory,
                    // or a link to one, is not a Dockerfile).
                    let is_file = e
                        .file_type()
                        .is_some_and(|t| t.is_file() || (t.is_symlink() && e.path().is_file()));
                    let name = e.file_name().to_str().unwrap_or("");
                    let link = e.path_is_symlink() && !follow_links;
                    let outside = (is_file && link && is_dockerfile_name(name))
                        .then(|| leads_outside(e.path(), canonical_roots))
                        .flatten();
                    if let Some(target) = outside {
                        found
                            .lock()
                            .expect("no panics while holding")
                            .outside_links
                            .push((e.into_path(), target));
                    } else if is_file && is_dockerfile_name(name) {
                        let mut f = found.lock().expect("no panics while holding");
                        if e.path_is_symlink() {
                            f.linked.push(e.path().to_path_buf());
                        }
                        f.dockerfiles.push(e.into_path());
                    } else if is_file && crate::compose::FILE_NAMES.contains(&name) {
                        found
                            .lock()
                            .expect("no panics while holding")
                            .compose_files
                            .push(e.into_path());
                    } else if is_file && crate::contexts::declaration_kind(e.path()).is_some() {
                        found
                            .lock()
                            .expect("no panics while holding")
                            .declaration_files
                            .push(e.into_path());
                    }
                }
                ignore::WalkState::Continue
            })
        });
    let mut f = found.into_inner().expect("no panics while holding");
    f.dockerfiles.sort();
    f.dockerfiles.dedup();
    f.compose_files.sort();
    f.compose_files.dedup();
    f.declaration_files.sort();
    f.declaration_files.dedup();
    f.errors.sort();
    f.outside_links.sort();
    f.linked.sort();
    f.linked.dedup();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_excludes_are_absent_only_when_no_config_names_one() {
        let t = tempfile::tempdir().unwrap();
        let w = |name: &str, text: &str| {
            let p = t.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let plain = w("plain", "[user]\n\tname = x\n");
        let set = w("set", "[core]\n\tExcludesFile = ~/.gitignore_global\n");
        let missing = t.path().join("missing");
        let g = |configs: Vec<PathBuf>, default: &PathBuf| GlobalExcludes {
            configs,
            default: Some(default.clone()),
        };
        assert!(g(vec![plain.clone(), missing.clone()], &missing).surely_none());
        assert!(
            !g(vec![plain.clone(), set], &missing).surely_none(),
            "a config sets one"
        );
        assert!(
            !g(vec![plain.clone()], &plain).surely_none(),
            "the default file exists"
        );
        assert!(GlobalExcludes {
            configs: vec![],
            default: None
        }
        .surely_none());
    }

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "Containerfile",
            "Dockerfile.dev",
            "api.Dockerfile",
            "x.dockerfile",
            "dockerfile",
            "Containerfile.dev",
            "api.containerfile",
            "api.Containerfile",
            "Dockerfile-dev",
            "Dockerfile_prod",
            "Dockerfile-prod.alpine",
            "Containerfile-ci",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in [
            "Dockerfile.dockerignore",
            "dockerfile-notes.md",
            "dockerfile.go",
            "Dockerfile.",
            ".dockerfile",
            "Containerfile.containerignore",
            "containerfile",
            "Dockerfiles",
            "README",
            "Makefile",
            "Dockerfile-",
            "Dockerfile-notes.md",
            "Dockerfile_generator.py",
            "Dockerfile-template.j2",
            "Dockerfile-dev.dockerignore",
        ] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }
}
