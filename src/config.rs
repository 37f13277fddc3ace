//! `dockopt.toml`: found upward from the working directory (first one wins).
//! Sets preset directories, disabled rules and per-path build contexts.
//! Unknown keys are errors, reported with file, line and key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

pub const FILE_NAME: &str = "dockopt.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Directories of extra presets, relative to the config file.
    #[serde(default)]
    pub preset_dirs: Vec<PathBuf>,
    /// Rules to disable (with where they are written, for errors).
    #[serde(default)]
    pub ignore: Vec<toml::Spanned<String>>,
    /// Dockerfile path or glob (relative to the config file) → build context directory.
    #[serde(default)]
    pub contexts: BTreeMap<String, PathBuf>,
}

/// A loaded config with the directory it was found in.
#[derive(Debug)]
pub struct Loaded {
    pub path: PathBuf,
    pub dir: PathBuf,
    pub config: Config,
    contexts: Vec<(globset::GlobMatcher, String, PathBuf)>,
}

impl Loaded {
    pub fn preset_dirs(&self) -> Vec<PathBuf> {
        self.config
            .preset_dirs
            .iter()
            .map(|d| self.dir.join(d))
            .collect()
    }

    /// The context a Dockerfile is mapped to, with the key that matched.
    pub fn context_for(&self, dockerfile: &Path) -> Option<(PathBuf, &str)> {
        // `..` resolved lexically: `../repo/Dockerfile` is under `/x/repo`.
        let abs = crate::compose::clean(&absolute(dockerfile));
        let rel = abs.strip_prefix(&self.dir).ok()?;
        self.contexts
            .iter()
            .find(|(m, _, _)| m.is_match(rel))
            .map(|(_, key, ctx)| (self.dir.join(ctx), key.as_str()))
    }
}

/// The working directory. dockopt never changes it: read it once (this was
/// several `getcwd` calls per Dockerfile in a bulk run).
pub fn cwd() -> &'static Path {
    static CWD: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    CWD.get_or_init(|| std::env::current_dir().unwrap_or_default())
}

pub fn absolute(p: &Path) -> PathBuf {
    if p.is_absolute() {
        return p.to_path_buf();
    }
    let joined = cwd().join(p);
    // Lexically clean `.` components so prefix checks work.
    joined
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

/// Find `dockopt.toml` in `start` or its ancestors and load it.
pub fn discover(start: &Path) -> Result<Option<Loaded>> {
    for dir in absolute(start).ancestors() {
        let path = dir.join(FILE_NAME);
        if path.is_file() {
            return load(&path).map(Some);
        }
    }
    Ok(None)
}

pub fn load(path: &Path) -> Result<Loaded> {
    let text = crate::input::read_config_text(path)?;
    let line_of = |at: usize| text[..at.min(text.len())].matches('\n').count() + 1;
    let config: Config = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| format!(":{}", line_of(s.start)))
            .unwrap_or_default();
        anyhow::anyhow!("{}{line}: invalid config: {}", path.display(), e.message())
    })?;
    for rule in &config.ignore {
        if crate::rules::find(rule.get_ref()).is_none() {
            anyhow::bail!(
                "{}:{}: unknown rule `{}` in `ignore` (known: {})",
                path.display(),
                line_of(rule.span().start),
                rule.get_ref(),
                crate::rules::RULES
                    .iter()
                    .map(|r| r.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let dir = absolute(path.parent().unwrap_or(Path::new(".")));
    let mut contexts = Vec::new();
    for (key, ctx) in &config.contexts {
        let glob = globset::GlobBuilder::new(key)
            .literal_separator(true)
            .build()
            .with_context(|| {
                format!(
                    "{}: invalid path pattern `{key}` in [contexts]",
                    path.display()
                )
            })?;
        contexts.push((glob.compile_matcher(), key.clone(), ctx.clone()));
    }
    Ok(Loaded {
        path: path.to_path_buf(),
        dir,
        config,
        contexts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "ignore = []\n\nbogus = 1\n").unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(err.contains("dockopt.toml:3"), "{err}");
        assert!(err.contains("bogus"), "{err}");
    }

    #[test]
    fn unknown_rule_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(
            &p,
            "ignore = [\n  \"copy-manifests-first\",\n  \"no-such-rule\",\n]\n",
        )
        .unwrap();
        let err = load(&p).unwrap_err().to_string();
        assert!(
            err.contains("dockopt.toml:3: unknown rule `no-such-rule`"),
            "{err}"
        );
    }

    #[test]
    fn contexts_match_globs_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(FILE_NAME);
        std::fs::write(&p, "[contexts]\n\"services/*/Dockerfile\" = \".\"\n").unwrap();
        let l = load(&p).unwrap();
        let (ctx, key) = l
            .context_for(&dir.path().join("services/api/Dockerfile"))
            .unwrap();
        assert_eq!(key, "services/*/Dockerfile");
        assert_eq!(ctx, l.dir.join("."));
        assert!(l
            .context_for(&dir.path().join("services/api/sub/Dockerfile"))
            .is_none());
    }
}
