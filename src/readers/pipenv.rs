//! pipenv: refuses Pipfile entries that install local paths or files
//! (`path = "."`, `file = "./dist/x.whl"`), local package indexes, and a
//! `.venv` in the context. SEMANTICS.md §B.7.

use super::pyproject::load;
use super::{join, ReadInput, ReadOutput};

/// Pipfile tables that are not package categories.
const NOT_PACKAGES: &[&str] = &["source", "requires", "scripts", "pipenv"];

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let path = join(input.dir, "Pipfile");
    let pipfile = match load(input, &path) {
        Ok(Some(t)) => t,
        Ok(None) => return ReadOutput::default(),
        Err(refusal) => return refusal,
    };
    // pipenv installs into a `.venv` that exists in the project even without
    // PIPENV_VENV_IN_PROJECT: ignoring it would move the virtualenv elsewhere.
    let venv = join(input.dir, ".venv");
    if input.ctx.is_dir(&venv) {
        return ReadOutput::refuse(format!(
            "the build context holds {venv}, which pipenv would install into; ignoring it could move the virtualenv (add `.venv` to .dockerignore first)"
        ));
    }
    for (category, entries) in &pipfile {
        if NOT_PACKAGES.contains(&category.as_str()) {
            continue;
        }
        let Some(entries) = entries.as_table() else {
            continue;
        };
        for (name, spec) in entries {
            if let Some(p) = spec.get("path").and_then(|p| p.as_str()) {
                return ReadOutput::refuse(format!(
                    "{path}: [{category}] `{name}` installs the local path `{p}`, which needs the source"
                ));
            }
            if let Some(f) = spec.get("file").and_then(|p| p.as_str()) {
                if is_local(f) {
                    return ReadOutput::refuse(format!(
                        "{path}: [{category}] `{name}` installs the local file `{f}`, which is not copied with the Pipfile"
                    ));
                }
            }
        }
    }
    if let Some(sources) = pipfile.get("source").and_then(|s| s.as_array()) {
        for s in sources {
            if let Some(url) = s.get("url").and_then(|u| u.as_str()) {
                if is_local(url) {
                    return ReadOutput::refuse(format!(
                        "{path}: the package source `{url}` is a local directory dockopt does not copy"
                    ));
                }
            }
        }
    }
    match super::pipenv_lock::check(input, &pipfile) {
        Some(r) => ReadOutput::refused(r),
        None => ReadOutput::default(),
    }
}

/// A path or `file:` URL rather than a remote URL.
fn is_local(s: &str) -> bool {
    s.starts_with("file:") || !s.contains("://")
}
