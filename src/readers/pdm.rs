//! pdm: refuses local path dependencies (`pkg @ file:///${PROJECT_ROOT}/...`,
//! `-e file:///...` in dev dependencies), local package sources, and
//! dependencies declared `dynamic` (pdm builds the project to learn them).
//! SEMANTICS.md §B.11.

use super::pyproject::{dynamic_dependencies, load, local_requirement, requirement_strings, table};
use super::{join, ReadInput, ReadOutput};

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let path = join(input.dir, "pyproject.toml");
    let toml = match load(input, &path) {
        Ok(Some(t)) => t,
        Ok(None) => return ReadOutput::default(),
        Err(refusal) => return refusal,
    };
    // A `.venv` in the context is ignored by the fix (preset `writes`); that
    // keeps the virtualenv where it was only when pdm puts it in the project.
    let venv = join(input.dir, ".venv");
    if input.ctx.is_dir(&venv) {
        let out_of_project = matches!(
            load(input, &join(input.dir, "pdm.toml")),
            Ok(Some(t)) if table(&t, &["venv"])
                .and_then(|v| v.get("in_project"))
                .and_then(|v| v.as_bool())
                == Some(false)
        );
        if out_of_project {
            return ReadOutput::refuse(format!(
                "the build context holds {venv}, and pdm.toml keeps the virtualenv out of the project: ignoring {venv} could change where pdm installs"
            ));
        }
    }
    if let Some(d) = dynamic_dependencies(&toml) {
        return ReadOutput::refuse(format!(
            "{path} declares its {d} `dynamic`: pdm builds the project, which needs its source, to learn them"
        ));
    }
    for (where_, req) in requirement_strings(&toml) {
        if let Some(p) = local_requirement(req) {
            return ReadOutput::refuse(format!(
                "{path}: {where_} `{req}` installs the local path `{p}`, which needs its source"
            ));
        }
    }
    let sources = toml
        .get("tool")
        .and_then(|t| t.get("pdm"))
        .and_then(|p| p.get("source"))
        .and_then(|s| s.as_array());
    for s in sources.into_iter().flatten() {
        if let Some(url) = s.get("url").and_then(|u| u.as_str()) {
            if url.starts_with("file:") || !url.contains("://") {
                return ReadOutput::refuse(format!(
                    "{path}: the package source `{url}` is a local directory dockopt does not copy"
                ));
            }
        }
    }
    ReadOutput::default()
}
