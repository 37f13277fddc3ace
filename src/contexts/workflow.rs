//! CI definitions. GitHub Actions workflows (`.github/workflows/*.yml`):
//! steps using `docker/build-push-action` (`with: context:` / `file:`), and
//! `run:` steps with a build command (read like a shell script, in the step's
//! `working-directory`). GitLab CI (`.gitlab-ci.yml`): each job's
//! `before_script` and `script` lines, run from the repository root.
//!
//! Paths are relative to the workspace, the repository root (the directory
//! holding `.github`). The action's default context is the Git context, the
//! repository at the commit: its root. `${{ github.workspace }}` is the root;
//! any other `${{ ... }}` in a path means the step is skipped.

use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

use super::script::{self, Bases};
use super::shellpath::Env;
use super::Call;
use crate::compose::clean;
use crate::runner::display_path;

/// A CI file's repository root (`root`), its YAML documents and its path as
/// shown; `None` when there is no root or the YAML does not parse.
fn load(path: &Path, root: Option<&Path>, text: &str) -> Option<(PathBuf, Vec<Yaml>, String)> {
    let docs = YamlLoader::load_from_str(text).ok()?;
    Some((root?.to_path_buf(), docs, display_path(path)))
}

/// Build calls declared by the workflow at `path` (absolute).
pub fn read(path: &Path, text: &str) -> Vec<Call> {
    let Some((root, docs, shown)) = load(path, path.ancestors().nth(3), text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in &docs {
        let Yaml::Hash(jobs) = &doc["jobs"] else {
            continue;
        };
        let wf_dir = doc["defaults"]["run"]["working-directory"].as_str();
        for (name, job) in jobs {
            let job_name = name.as_str().unwrap_or("?");
            let job_dir = job["defaults"]["run"]["working-directory"]
                .as_str()
                .or(wf_dir);
            let Yaml::Array(steps) = &job["steps"] else {
                continue;
            };
            for (i, step) in steps.iter().enumerate() {
                let order = out.len();
                let at = format!("{shown}: job `{job_name}` step {}", i + 1);
                if let Some(c) = build_push_action(step, &root, &at, order) {
                    out.push(c);
                }
                if let Some(run) = step["run"].as_str() {
                    let dir = step["working-directory"].as_str().or(job_dir);
                    out.extend(run_calls(run, dir, &root, &at, order));
                }
            }
        }
    }
    out
}

/// A path as written in the workflow, relative to the root; `None` with an
/// expression other than the workspace.
fn workspace_path(root: &Path, p: &str) -> Option<PathBuf> {
    let p = replace_workspace(p);
    let p = p
        .strip_prefix("$GITHUB_WORKSPACE")
        .map(|r| r.trim_start_matches('/'))
        .unwrap_or(&p);
    (!p.contains('$')).then(|| clean(&root.join(p)))
}

/// `${{ github.workspace }}` (any spacing) → `$GITHUB_WORKSPACE`.
fn replace_workspace(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${{") {
        let Some(end) = rest[i..].find("}}") else {
            break;
        };
        let expr = rest[i + 3..i + end].trim();
        out.push_str(&rest[..i]);
        if expr == "github.workspace" {
            out.push_str("$GITHUB_WORKSPACE");
        } else {
            out.push_str(&rest[i..i + end + 2]);
        }
        rest = &rest[i + end + 2..];
    }
    out.push_str(rest);
    out
}

fn build_push_action(step: &Yaml, root: &Path, at: &str, order: usize) -> Option<Call> {
    let uses = step["uses"].as_str()?;
    if !uses.starts_with("docker/build-push-action") {
        return None;
    }
    let with = &step["with"];
    let ctx_text = with["context"].as_str();
    let context = match ctx_text {
        Some(c) if c.contains("://") => return None,
        Some(c) => workspace_path(root, c)?,
        None => root.to_path_buf(),
    };
    let file_text = with["file"].as_str().or(with["dockerfile"].as_str());
    let dockerfile = match file_text {
        Some(f) => workspace_path(root, f)?,
        None => context.join("Dockerfile"),
    };
    let detail = format!(
        "{at}: docker/build-push-action context={} file={}",
        ctx_text.unwrap_or("(Git context: the repository root)"),
        file_text.unwrap_or("(default)")
    );
    dockerfile.is_file().then_some(Call {
        dockerfile,
        context,
        order,
        detail,
    })
}

fn run_calls(run: &str, dir: Option<&str>, root: &Path, at: &str, order: usize) -> Vec<Call> {
    let cwd = match dir {
        Some(d) => match workspace_path(root, d) {
            Some(p) => p,
            None => return Vec::new(),
        },
        None => root.to_path_buf(),
    };
    let b = Bases {
        cwds: vec![cwd],
        env: Env {
            root: root.to_path_buf(),
            ..Env::default()
        },
    };
    script::scan_script(&replace_workspace(run), b)
        .into_iter()
        .map(|(n, dockerfile, context, line)| Call {
            dockerfile,
            context,
            order,
            detail: format!("{at}: run line {n}: {line}"),
        })
        .collect()
}

/// GitLab CI keys that are not jobs.
const GITLAB_KEYWORDS: &[&str] = &[
    "default",
    "include",
    "stages",
    "variables",
    "workflow",
    "image",
    "services",
    "cache",
    "before_script",
    "after_script",
];

/// Build calls in the `before_script` and `script` lines of the jobs of a
/// `.gitlab-ci.yml` (at the repository root, where jobs start).
pub fn read_gitlab(path: &Path, text: &str) -> Vec<Call> {
    let Some((root, docs, shown)) = load(path, path.parent(), text) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for doc in &docs {
        let Yaml::Hash(jobs) = doc else { continue };
        for (name, job) in jobs {
            let Some(name) = name.as_str().filter(|n| !GITLAB_KEYWORDS.contains(n)) else {
                continue;
            };
            let lines: Vec<&str> = ["before_script", "script"]
                .iter()
                .flat_map(|k| match &job[*k] {
                    Yaml::Array(a) => a.iter().filter_map(Yaml::as_str).collect(),
                    Yaml::String(s) => vec![s.as_str()],
                    _ => Vec::new(),
                })
                .collect();
            let b = Bases {
                cwds: vec![root.clone()],
                env: Env {
                    root: root.clone(),
                    ..Env::default()
                },
            };
            let order = out.len();
            out.extend(script::scan_script(&lines.join("\n"), b).into_iter().map(
                |(_, dockerfile, context, line)| Call {
                    dockerfile,
                    context,
                    order,
                    detail: format!("{shown}: job `{name}`: {line}"),
                },
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_expression() {
        assert_eq!(
            replace_workspace("${{github.workspace}}/a ${{ matrix.x }}"),
            "$GITHUB_WORKSPACE/a ${{ matrix.x }}"
        );
        let r = Path::new("/r");
        assert_eq!(
            workspace_path(r, "./docker"),
            Some(PathBuf::from("/r/docker"))
        );
        assert_eq!(
            workspace_path(r, "${{ github.workspace }}/docker"),
            Some(PathBuf::from("/r/docker"))
        );
        assert_eq!(workspace_path(r, "${{ matrix.dir }}"), None);
    }
}
