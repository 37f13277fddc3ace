//! The base images of the e2e fixtures built with the REAL package managers (`real = ...`
//! in fixture.toml: `fixtures/real-*`, `fixtures/readers-*`): npm, yarn classic,
//! pnpm, pip, poetry, uv and cargo, resolving from the npm registry, PyPI and crates.io, and
//! composer and maven (Debian's), resolving from an artifact repository in the base image and
//! from Debian's Maven repository.
//!
//! Their base images (`node:20`, `python:3.11-slim`, `rust:1`, `php:8.2-cli`, `maven:3`,
//! `debian:bookworm-slim`) come
//! from `realbase.sh`, which builds them once per machine from Debian packages and the
//! registries into a cache directory (`DOCKOPT_E2E_CACHE`, default `/var/cache/dockopt-e2e`)
//! that every test uses as a read-only image store. A test is skipped, saying why, when the
//! images cannot be built here (no debootstrap or curl, no network); with `CI=true` or
//! `DOCKOPT_E2E_REQUIRED=1` that is a failure instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde::Deserialize;

use super::support::skip_or_fail;

/// Which base image of `realbase.sh` a fixture builds on.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum RealBase {
    Node,
    Python,
    Rust,
    Php,
    Maven,
}

impl RealBase {
    fn argument(self) -> &'static str {
        match self {
            RealBase::Node => "node",
            RealBase::Python => "python",
            RealBase::Rust => "rust",
            RealBase::Php => "php",
            RealBase::Maven => "maven",
        }
    }
}

/// A read-only buildah storage holding base images, used as an additional image store.
#[derive(Clone, Debug)]
pub struct ImageStore {
    /// The storage driver (`overlay` or `vfs`); the builds that read the store use it too.
    pub driver: String,
    pub root: PathBuf,
}

/// The image store holding `base`, built by `realbase.sh` when missing (once per process);
/// `None` when the test must be skipped (the reason is printed, or this panics in CI).
pub fn real_image_store(base: RealBase) -> Option<ImageStore> {
    static READY: Mutex<BTreeMap<RealBase, Result<ImageStore, String>>> =
        Mutex::new(BTreeMap::new());
    let mut ready = READY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let outcome = ready
        .entry(base)
        .or_insert_with(|| build_base(base))
        .clone();
    drop(ready);
    match outcome {
        Ok(store) => Some(store),
        Err(reason) => {
            skip_or_fail(&reason);
            None
        }
    }
}

fn build_base(base: RealBase) -> Result<ImageStore, String> {
    for tool in ["debootstrap", "curl"] {
        let found = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]
            .iter()
            .any(|dir| Path::new(dir).join(tool).is_file());
        if !found {
            return Err(format!(
                "{tool} not installed (needed to build the real base images)"
            ));
        }
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/realbase.sh");
    let out = Command::new(&script)
        .arg(base.argument())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprint!("{stderr}");
    if !out.status.success() {
        return Err(format!(
            "the real {} base image could not be built (no network, or a registry is unreachable?): {}",
            base.argument(),
            stderr.trim_end().lines().last().unwrap_or("no message")
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let (driver, root) = stdout
        .trim()
        .split_once(' ')
        .ok_or_else(|| format!("realbase.sh printed {stdout:?}, not \"DRIVER ROOT\""))?;
    Ok(ImageStore {
        driver: driver.to_string(),
        root: PathBuf::from(root),
    })
}
