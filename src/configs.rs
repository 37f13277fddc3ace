//! Which `dockopt.toml` applies to each Dockerfile: the nearest one in the
//! Dockerfile's directory or above, up to the repository root (the first
//! directory holding `.git`); when there is none, the one found from the
//! working directory. A run over `~/src` honours every repository's own
//! config. Each config brings its presets and disabled rules.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Result};

use crate::config::Loaded;
use crate::preset::Presets;

/// Directories whose config [`Configs`] keeps at once.
const KEPT_DIRS: usize = 4096;

/// Config discovery with a cache by directory.
pub struct Configs {
    /// Found from the working directory.
    fallback: Option<Arc<Loaded>>,
    isolated: bool,
    by_dir: HashMap<PathBuf, Option<Arc<Loaded>>>,
    /// Loaded configs, and the error of each that failed (reported once per
    /// Dockerfile it applies to, not for the whole run).
    by_path: HashMap<PathBuf, Result<Arc<Loaded>, String>>,
}

impl Configs {
    pub fn new(fallback: Option<Loaded>, isolated: bool) -> Configs {
        Configs {
            fallback: fallback.map(Arc::new),
            isolated,
            by_dir: HashMap::new(),
            by_path: HashMap::new(),
        }
    }

    /// [`Configs::new`] with a fallback already shared.
    pub fn shared(fallback: Option<Arc<Loaded>>, isolated: bool) -> Configs {
        Configs {
            fallback,
            isolated,
            by_dir: HashMap::new(),
            by_path: HashMap::new(),
        }
    }

    /// The config found from the working directory.
    pub fn fallback(&self) -> Option<Arc<Loaded>> {
        self.fallback.clone()
    }

    /// The config for the Dockerfile `f`.
    pub fn for_file(&mut self, f: &Path) -> Result<Option<Arc<Loaded>>> {
        if self.isolated {
            return Ok(None);
        }
        let abs = crate::compose::clean(&crate::config::absolute(f));
        let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
        let found = self.nearest(&dir)?;
        Ok(found.or_else(|| self.fallback.clone()))
    }

    /// The nearest config at or above `dir`, up to the repository root.
    fn nearest(&mut self, dir: &Path) -> Result<Option<Arc<Loaded>>> {
        if let Some(c) = self.by_dir.get(dir) {
            return Ok(c.clone());
        }
        let path = dir.join(crate::config::FILE_NAME);
        let here = if path.is_file() {
            Some(self.load(&path)?)
        } else if dir.join(".git").exists() {
            None
        } else {
            match dir.parent() {
                Some(up) => self.nearest(up)?,
                None => None,
            }
        };
        // A cache, emptied when full: a bulk run's memory does not grow with
        // its directories (asked in path order, they come together).
        if self.by_dir.len() >= KEPT_DIRS {
            self.by_dir.clear();
        }
        self.by_dir.insert(dir.to_path_buf(), here.clone());
        Ok(here)
    }

    fn load(&mut self, path: &Path) -> Result<Arc<Loaded>> {
        if let Some(f) = &self.fallback {
            if f.path == path || crate::config::absolute(&f.path) == path {
                return Ok(f.clone());
            }
        }
        let loaded = match self.by_path.get(path) {
            Some(c) => c.clone(),
            None => {
                let c = crate::config::load(path)
                    .map(Arc::new)
                    .map_err(|e| format!("{e:#}"));
                self.by_path.insert(path.to_path_buf(), c.clone());
                c
            }
        };
        loaded.map_err(anyhow::Error::msg)
    }
}

/// Presets and disabled rules for one config (or none).
pub struct RuleSet {
    pub presets: Presets,
    pub disabled: Vec<String>,
}

/// Load the presets and disabled rules of `config` plus the command line's.
pub fn rule_set(config: Option<&Loaded>, opts: &crate::runner::RunOptions) -> Result<RuleSet> {
    let mut preset_dirs = config.map(|c| c.preset_dirs()).unwrap_or_default();
    preset_dirs.extend(opts.preset_dirs.iter().cloned());
    let presets = Presets::load(&preset_dirs)?;
    let mut disabled = opts.ignore_rules.clone();
    if let Some(c) = config {
        disabled.extend(c.config.ignore.iter().map(|r| r.get_ref().clone()));
    }
    for d in &disabled {
        if crate::rules::find(d).is_none() {
            bail!("unknown rule `{d}`");
        }
    }
    Ok(RuleSet { presets, disabled })
}

/// The key of a target's rule set.
pub fn key(t: &crate::runner::Target) -> Option<PathBuf> {
    t.config.as_ref().map(|c| c.path.clone())
}

/// The rule sets of a run, loaded as its chunks of targets come (one per
/// config, kept for the run).
#[derive(Default)]
pub struct RuleSets {
    loaded: HashMap<Option<PathBuf>, Arc<Result<RuleSet, String>>>,
}

/// The rule sets of one chunk of targets, by [`key`].
#[derive(Clone)]
pub struct ChunkSets {
    sets: HashMap<Option<PathBuf>, Arc<Result<RuleSet, String>>>,
}

impl RuleSets {
    /// The sets `targets` use, loading those not loaded yet.
    pub fn for_targets(
        &mut self,
        targets: &[crate::runner::Target],
        opts: &crate::runner::RunOptions,
    ) -> ChunkSets {
        let mut sets = HashMap::new();
        for t in targets {
            let k = key(t);
            if sets.contains_key(&k) {
                continue;
            }
            let set = self
                .loaded
                .entry(k.clone())
                .or_insert_with(|| {
                    Arc::new(rule_set(t.config.as_deref(), opts).map_err(|e| format!("{e:#}")))
                })
                .clone();
            sets.insert(k, set);
        }
        ChunkSets { sets }
    }
}

impl ChunkSets {
    /// The rule set of `t` (one of the chunk's targets).
    pub fn of(&self, t: &crate::runner::Target) -> &Result<RuleSet, String> {
        &self.sets[&key(t)]
    }
}

/// One rule set per config the targets use, keyed by [`key`]; a config
/// whose presets fail to load gets the error (for its files only).
pub fn rule_sets(
    targets: &[crate::runner::Target],
    opts: &crate::runner::RunOptions,
) -> HashMap<Option<PathBuf>, Result<RuleSet, String>> {
    let mut out = HashMap::new();
    for t in targets {
        if let std::collections::hash_map::Entry::Vacant(slot) = out.entry(key(t)) {
            slot.insert(rule_set(t.config.as_deref(), opts).map_err(|e| format!("{e:#}")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_config_up_to_the_repository_root() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let w = |p: &str, s: &str| {
            let p = root.join(p);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        };
        w("dockopt.toml", "");
        w("a/.git/HEAD", "");
        w("a/dockopt.toml", "");
        w("a/svc/Dockerfile", "");
        w("b/.git/HEAD", "");
        w("b/svc/Dockerfile", "");
        w("c/svc/Dockerfile", "");
        let mut c = Configs::new(None, false);
        let at =
            |c: &mut Configs, f: &str| c.for_file(&root.join(f)).unwrap().map(|l| l.path.clone());
        assert_eq!(
            at(&mut c, "a/svc/Dockerfile"),
            Some(root.join("a/dockopt.toml"))
        );
        // The repository root b/ stops the search: the outer config is not b's.
        assert_eq!(at(&mut c, "b/svc/Dockerfile"), None);
        // Not in a repository: the search goes up.
        assert_eq!(
            at(&mut c, "c/svc/Dockerfile"),
            Some(root.join("dockopt.toml"))
        );
        assert_eq!(at(&mut Configs::new(None, true), "a/svc/Dockerfile"), None);
    }
}
