//! Helpers shared by the python project readers (`poetry`, `uv`, `pdm`):
//! loading a `pyproject.toml` and finding the dependencies that name a local
//! path, which are not copied with the manifests.

use super::{ReadInput, ReadOutput};

/// Read and parse a TOML file of the context. `Ok(None)`: missing or excluded
/// (the required-file check reports it). `Err`: the refusal to return.
#[allow(clippy::result_large_err)] // a refusal is returned once per read
pub(super) fn load(input: &ReadInput, path: &str) -> Result<Option<toml::Table>, ReadOutput> {
    let Some(text) = input.ctx.read_to_string(path) else {
        return Ok(None);
    };
    match text.parse::<toml::Table>() {
        Ok(t) => Ok(Some(t)),
        Err(e) => Err(ReadOutput::refuse(format!(
            "{path} is not valid TOML ({})",
            e.message()
        ))),
    }
}

/// `t[a][b]...` as a table.
pub(super) fn table<'a>(t: &'a toml::Table, keys: &[&str]) -> Option<&'a toml::Table> {
    let mut cur = t;
    for k in keys {
        cur = cur.get(*k)?.as_table()?;
    }
    Some(cur)
}

/// The strings of an array value (other items skipped).
pub(super) fn strings(v: Option<&toml::Value>) -> Vec<&str> {
    v.and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
        .unwrap_or_default()
}

/// Every PEP 508 dependency string of a pyproject.toml, with where it is:
/// `[project] dependencies`, `[project.optional-dependencies]`,
/// `[dependency-groups]` (PEP 735) and pdm's `[tool.pdm.dev-dependencies]`.
pub(super) fn requirement_strings(t: &toml::Table) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    if let Some(project) = table(t, &["project"]) {
        for s in strings(project.get("dependencies")) {
            out.push(("[project] dependencies".to_string(), s));
        }
        if let Some(opt) = table(project, &["optional-dependencies"]) {
            for (name, v) in opt {
                for s in strings(Some(v)) {
                    out.push((format!("[project.optional-dependencies] {name}"), s));
                }
            }
        }
    }
    for (where_, keys) in [
        ("[dependency-groups]", &["dependency-groups"][..]),
        (
            "[tool.pdm.dev-dependencies]",
            &["tool", "pdm", "dev-dependencies"][..],
        ),
    ] {
        if let Some(groups) = table(t, keys) {
            for (name, v) in groups {
                for s in strings(Some(v)) {
                    out.push((format!("{where_} {name}"), s));
                }
            }
        }
    }
    out
}

/// If a PEP 508 requirement (or pdm's `-e <url>` form) names a local path,
/// that path: `pkg @ file:///${PROJECT_ROOT}/libs/pkg`, `-e ./libs/pkg`,
/// `pkg @ {root:uri}/pkg`, `./pkg`, `/abs/pkg.whl`.
pub(super) fn local_requirement(req: &str) -> Option<&str> {
    let req = req.trim();
    let (editable, rest) = match req.strip_prefix("-e") {
        Some(r) if r.starts_with(char::is_whitespace) => (true, r.trim_start()),
        _ => (false, req),
    };
    let target = match rest.split_once('@') {
        // `name @ url` (a `@` inside a VCS URL comes after `://`).
        Some((name, url)) if !name.contains("://") && !name.contains('/') => url.trim(),
        _ => rest,
    };
    let target = target.split(';').next().unwrap_or(target).trim();
    let local = target.starts_with("file:")
        || target.starts_with('.')
        || target.starts_with('/')
        || target.starts_with('{')
        || target.starts_with('$')
        || (editable && !target.contains("://"));
    local.then_some(target)
}

/// Does `[project] dynamic` make the dependencies known only by building the
/// project (which needs its source)?
pub(super) fn dynamic_dependencies(t: &toml::Table) -> Option<&'static str> {
    let project = table(t, &["project"])?;
    let dynamic = strings(project.get("dynamic"));
    ["dependencies", "optional-dependencies"]
        .into_iter()
        .find(|d| dynamic.contains(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_requirements() {
        assert_eq!(
            local_requirement("lib @ file:///${PROJECT_ROOT}/libs/lib"),
            Some("file:///${PROJECT_ROOT}/libs/lib")
        );
        assert_eq!(
            local_requirement("-e file:///${PROJECT_ROOT}/x#egg=x"),
            Some("file:///${PROJECT_ROOT}/x#egg=x")
        );
        assert_eq!(local_requirement("-e ./x"), Some("./x"));
        assert_eq!(local_requirement("x @ {root:uri}/x"), Some("{root:uri}/x"));
        assert_eq!(local_requirement("requests>=2"), None);
        assert_eq!(local_requirement("pkg @ https://example.com/pkg.whl"), None);
        assert_eq!(
            local_requirement("pkg @ git+https://github.com/a/b@v1"),
            None
        );
        assert_eq!(
            local_requirement("-e git+https://github.com/a/b#egg=b"),
            None
        );
        assert_eq!(
            local_requirement("pkg[extra]>=1; python_version < '3.12'"),
            None
        );
    }
}
