//! uv (`uv sync`): workspace members' pyproject.toml (uv reads every member
//! to resolve and check the lock, even when it installs none of them), and
//! refusals for what needs the source: path sources and direct references,
//! local indexes, dependencies declared `dynamic`, and a project that is a
//! member of an enclosing workspace. SEMANTICS.md §B.9.

use super::pyproject::{
    dynamic_dependencies, load, local_requirement, requirement_strings, strings, table,
};
use super::{join, parent, ReadInput, ReadOutput};

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let root_path = join(input.dir, "pyproject.toml");
    let root = match load(input, &root_path) {
        Ok(Some(t)) => t,
        Ok(None) => return ReadOutput::default(),
        Err(refusal) => return refusal,
    };
    // uv looks upward for a workspace that includes the project.
    let mut up = input.dir;
    while !up.is_empty() {
        up = parent(up);
        let candidate = join(up, "pyproject.toml");
        if let Ok(Some(t)) = load(input, &candidate) {
            if table(&t, &["tool", "uv", "workspace"]).is_some() {
                return ReadOutput::refuse(format!(
                    "{root_path} is inside the uv workspace of {candidate}, whose other manifests `uv sync` reads too"
                ));
            }
        }
    }
    if let Some(reason) = check(&root_path, &root) {
        return ReadOutput::refuse(reason);
    }
    // Moved as is (`--no-install-workspace`), `uv sync` rewrites a stale uv.lock.
    if let Some(r) = super::stale_lock::unproven(input, "uv sync", "pyproject.toml") {
        return ReadOutput::refused(r);
    }
    let mut out = ReadOutput::default();
    let Some(ws) = table(&root, &["tool", "uv", "workspace"]) else {
        return out;
    };
    let mut excluded: Vec<String> = Vec::new();
    for pat in strings(ws.get("exclude")) {
        excluded.extend(ctx.glob(&join(input.dir, pat)));
    }
    for pat in strings(ws.get("members")) {
        if pat.split('/').any(|c| c == "..") || pat.starts_with('/') {
            return ReadOutput::refuse(format!(
                "{root_path}: workspace member `{pat}` is outside the workspace directory"
            ));
        }
        for member in ctx.glob(&join(input.dir, pat)) {
            if member == input.dir || excluded.contains(&member) || !ctx.is_dir(&member) {
                continue;
            }
            let manifest = join(&member, "pyproject.toml");
            let toml = match load(input, &manifest) {
                Ok(Some(t)) => t,
                Ok(None) => {
                    return ReadOutput::refuse(format!(
                        "workspace member {member} (from `{pat}` in {root_path}) has no pyproject.toml in the build context"
                    ))
                }
                Err(refusal) => return refusal,
            };
            if let Some(reason) = check(&manifest, &toml) {
                return ReadOutput::refuse(reason);
            }
            if !out.required.contains(&manifest) {
                out.required.push(manifest);
            }
        }
    }
    out.required.sort();
    out
}

/// Why one pyproject.toml needs more than itself to be synced without its project.
fn check(path: &str, toml: &toml::Table) -> Option<String> {
    if let Some(d) = dynamic_dependencies(toml) {
        return Some(format!(
            "{path} declares its {d} `dynamic`: uv builds the project, which needs its source, to learn them"
        ));
    }
    if let Some(sources) = table(toml, &["tool", "uv", "sources"]) {
        for (name, spec) in sources {
            let specs: Vec<&toml::Value> = match spec {
                toml::Value::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            for s in specs {
                if let Some(p) = s.get("path").and_then(|p| p.as_str()) {
                    return Some(format!(
                        "{path}: [tool.uv.sources] `{name}` is the path `{p}`, which needs its source"
                    ));
                }
            }
        }
    }
    for (where_, req) in requirement_strings(toml) {
        if let Some(p) = local_requirement(req) {
            return Some(format!(
                "{path}: {where_} `{req}` installs the local path `{p}`, which needs its source"
            ));
        }
    }
    if let Some(uv) = table(toml, &["tool", "uv"]) {
        let indexes = uv.get("index").and_then(|i| i.as_array());
        let urls = indexes
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("url").and_then(|u| u.as_str()));
        let links = strings(uv.get("find-links"));
        for url in urls.chain(links) {
            if url.starts_with("file:") || !url.contains("://") {
                return Some(format!(
                    "{path}: the package index `{url}` is a local directory dockopt does not copy"
                ));
            }
        }
    }
    None
}
