//! poetry: refuses path dependencies, whose directories are not copied with
//! the manifests (`poetry install --no-root` still installs them), and a
//! `.venv` in the context unless poetry.toml puts the virtualenv in the
//! project. SEMANTICS.md §B.8.

use super::pyproject::{load, local_requirement, requirement_strings, table};
use super::{join, ReadInput, ReadOutput};

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let path = join(input.dir, "pyproject.toml");
    let toml = match load(input, &path) {
        Ok(Some(t)) => t,
        Ok(None) => return ReadOutput::default(),
        Err(refusal) => return refusal,
    };
    if let Some(reason) = host_venv(input) {
        return ReadOutput::refuse(reason);
    }
    let Some(poetry) = table(&toml, &["tool", "poetry"]) else {
        // Poetry 2 reads a plain [project] table too.
        return check_pep621(&path, &toml);
    };
    let mut tables: Vec<(String, &toml::Table)> = Vec::new();
    for key in ["dependencies", "dev-dependencies"] {
        if let Some(t) = table(poetry, &[key]) {
            tables.push((format!("[tool.poetry.{key}]"), t));
        }
    }
    if let Some(groups) = table(poetry, &["group"]) {
        for (name, g) in groups {
            if let Some(t) = g.get("dependencies").and_then(|d| d.as_table()) {
                tables.push((format!("[tool.poetry.group.{name}.dependencies]"), t));
            }
        }
    }
    for (where_, deps) in tables {
        for (name, spec) in deps {
            // `x = { path = "..." }`, or several constraints `x = [{ path = ... }, ...]`.
            let specs: Vec<&toml::Value> = match spec {
                toml::Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for s in specs {
                if let Some(p) = s.get("path").and_then(|p| p.as_str()) {
                    return ReadOutput::refuse(format!(
                        "{path}: {where_} `{name}` is the path dependency `{p}`, which needs its source"
                    ));
                }
            }
        }
    }
    check_pep621(&path, &toml)
}

/// PEP 621 / PEP 735 dependency strings naming local paths.
fn check_pep621(path: &str, toml: &toml::Table) -> ReadOutput {
    for (where_, req) in requirement_strings(toml) {
        if let Some(p) = local_requirement(req) {
            return ReadOutput::refuse(format!(
                "{path}: {where_} `{req}` installs the local path `{p}`, which needs its source"
            ));
        }
    }
    ReadOutput::default()
}

/// Poetry uses a `.venv` that exists in the project even when
/// `virtualenvs.in-project` is not set: adding it to .dockerignore (the rule's
/// fix for directories an install writes) would move the virtualenv to
/// poetry's cache directory. That is the same place only when poetry.toml
/// says `in-project = true` (an environment variable dockopt cannot see).
fn host_venv(input: &ReadInput) -> Option<String> {
    let venv = join(input.dir, ".venv");
    if !input.ctx.is_dir(&venv) {
        return None;
    }
    let config = join(input.dir, "poetry.toml");
    let settings = match load(input, &config) {
        Ok(Some(t)) => table(&t, &["virtualenvs"]).map(|v| {
            (
                v.get("in-project").and_then(|x| x.as_bool()),
                v.get("create").and_then(|x| x.as_bool()),
            )
        }),
        _ => None,
    };
    match settings {
        Some((Some(true), None | Some(true))) => None,
        _ => Some(format!(
            "the build context holds {venv}, which poetry would install into; without `in-project = true` in poetry.toml, ignoring it would move the virtualenv (add `.venv` to .dockerignore first)"
        )),
    }
}
