//! Shared by the yarn, pnpm and bun readers (SEMANTICS.md §B.2–B.5): reading
//! package.json, refusing lifecycle scripts and local dependencies, finding
//! workspace members, and the checks that keep a subdirectory install or a
//! lockfile from reading files dockopt did not copy.

use serde_json::Value;

use super::{escapes, join, parent, ReadOutput, Refusal, RefuseKind};
use crate::context::BuildContext;

/// Root scripts npm-like installers run on install (npm's list, which
/// yarn classic, pnpm and bun follow or are a subset of).
pub(super) const NPM_LIFECYCLE: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepublish",
    "preprepare",
    "prepare",
    "postprepare",
    "dependencies",
    "preunpack",
];

/// Tables whose values are dependency specs.
const DEP_TABLES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Tables whose (possibly nested) string values are dependency specs too.
const OVERRIDE_TABLES: &[&str] = &["resolutions", "overrides"];

/// A package.json: `Ok(None)` when missing (the required-file check reports it).
pub(super) fn load_json(ctx: &BuildContext, path: &str) -> Result<Option<Value>, String> {
    let Some(text) = ctx.read_to_string(path) else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("{path} is not valid JSON ({e})"))
}

/// Every dependency spec of a manifest (`name`, `spec`), overrides and
/// resolutions included.
fn dep_specs(json: &Value) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::String(s) => out.push((prefix.to_string(), s.clone())),
            Value::Object(o) => {
                for (k, v) in o {
                    let name = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix} > {k}")
                    };
                    walk(&name, v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for table in DEP_TABLES {
        if let Some(Value::Object(o)) = json.get(*table) {
            for (k, v) in o {
                if let Some(s) = v.as_str() {
                    out.push((k.clone(), s.to_string()));
                }
            }
        }
    }
    for table in OVERRIDE_TABLES {
        if let Some(v) = json.get(*table) {
            walk("", v, &mut out);
        }
    }
    if let Some(v) = json.get("pnpm").and_then(|p| p.get("overrides")) {
        walk("", v, &mut out);
    }
    out
}

/// Does a dependency spec read files of the project (a local path, a
/// portal, a generator script)?
pub(super) fn local_spec(spec: &str) -> bool {
    let spec = spec.trim();
    // `alias@file:../x` in resolutions and `npm:` aliases keep their protocol after `@`.
    let inner = spec
        .strip_prefix("npm:")
        .and_then(|s| s.get(1..).and_then(|t| t.find('@')).map(|i| &s[i + 2..]))
        .unwrap_or(spec);
    [spec, inner].iter().any(|s| {
        [
            "file:",
            "link:",
            "portal:",
            "exec:",
            "git+file:",
            "./",
            "../",
            "/",
            "~/",
        ]
        .iter()
        .any(|p| s.starts_with(p))
    }) || (spec.starts_with("workspace:")
        && spec["workspace:".len()..].contains('/')
        && spec["workspace:".len()..].starts_with('.'))
}

/// The checks every npm-like manifest gets: `scripts` (the given lifecycle
/// list, run by `tool`), then npm's checks (local and bundled
/// dependencies), then local specs in overrides and resolutions and the
/// protocols npm does not have (`portal:`, `exec:`). Returns the files named
/// by Berry `patch:` specs (context-relative; `~/` is `project`).
pub(super) fn check_package(
    path: &str,
    json: &Value,
    tool: &str,
    lifecycle: &[&str],
    project: &str,
) -> Result<Vec<String>, Refusal> {
    if let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) {
        if let Some(name) = lifecycle.iter().find(|n| scripts.contains_key(**n)) {
            return Err(Refusal {
                kind: RefuseKind::LifecycleScript,
                text: format!(
                    "{path} has a `{name}` script, which {tool} runs on install and which may need the source"
                ),
            });
        }
    }
    let mut stripped = json.clone();
    if let Some(o) = stripped.as_object_mut() {
        o.remove("scripts");
    }
    if let Some(reason) = super::npm::check_manifest(path, &stripped, &[], tool) {
        return Err(reason);
    }
    let mut patches = Vec::new();
    for (name, spec) in dep_specs(json) {
        if let Some(rest) = spec.strip_prefix("patch:") {
            patches.extend(patch_files(path, &name, rest, project).map_err(Refusal::from)?);
            continue;
        }
        if local_spec(&spec) {
            return Err(format!(
                "{path}: dependency `{name}` comes from `{spec}`, which reads the source"
            )
            .into());
        }
    }
    Ok(patches)
}

/// Berry `patch:<source>#<file>[&<file>...]`: the patch files, context-relative.
fn patch_files(path: &str, name: &str, rest: &str, project: &str) -> Result<Vec<String>, String> {
    let (source, files) = rest.split_once('#').unwrap_or((rest, ""));
    let source = source.replace("%3A", ":").replace("%3a", ":");
    let source_spec = source
        .get(1..)
        .and_then(|s| s.find('@'))
        .map_or("", |i| &source[i + 2..]);
    if local_spec(source_spec) {
        return Err(format!(
            "{path}: dependency `{name}` patches `{source}`, which reads the source"
        ));
    }
    let mut out = Vec::new();
    for f in files.split('&') {
        let f = f.strip_prefix("optional!").unwrap_or(f);
        if f.is_empty() || f.starts_with("builtin<") {
            continue;
        }
        let f = f.split("::").next().unwrap_or(f);
        let (base, rel) = match f.strip_prefix("~/") {
            Some(r) => (project, r),
            None => (parent(path), f),
        };
        if f.starts_with('/') || escapes(base, rel) || rel.contains('$') {
            return Err(format!(
                "{path}: dependency `{name}` is patched with `{f}`, which dockopt does not resolve"
            ));
        }
        out.push(join(base, rel));
    }
    Ok(out)
}

/// Workspace globs of a package.json (`workspaces` array or `{packages}`).
pub(super) fn npm_workspace_patterns(json: &Value) -> Vec<String> {
    let list = match json.get("workspaces") {
        Some(Value::Array(a)) => a,
        Some(Value::Object(o)) => match o.get("packages") {
            Some(Value::Array(a)) => a,
            _ => return Vec::new(),
        },
        _ => return Vec::new(),
    };
    list.iter()
        .filter_map(|v| v.as_str())
        .map(str::to_string)
        .collect()
}

/// Directories a workspace glob never enters (what pnpm, yarn and npm skip).
const SKIPPED_DIRS: &[&str] = &["node_modules", "bower_components", ".git", ".yarn"];

/// Most directories one `**` may walk before dockopt gives up (and refuses)
/// rather than risk missing a member.
const MAX_WALK: usize = 5_000;

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// Can a glob component select the directory `name`? Hidden names only when
/// the component itself starts with a dot (JS globs skip dot files).
fn selectable(name: &str, comp: &str) -> bool {
    !SKIPPED_DIRS.contains(&name) && (!name.starts_with('.') || comp.starts_with('.'))
}

/// The subdirectories of `dir` a glob may enter.
fn subdirs(ctx: &BuildContext, dir: &str, comp: &str) -> Result<Vec<String>, String> {
    if has_meta(dir) {
        return Err(format!(
            "the directory name {dir} has glob characters dockopt does not expand"
        ));
    }
    Ok(ctx
        .glob(&join(dir, comp))
        .into_iter()
        .filter(|d| selectable(d.rsplit('/').next().unwrap_or(d), comp) && ctx.is_dir(d))
        .collect())
}

/// Directories (context-relative) a workspace glob `pat` selects below `dir`:
/// `*`, `?`, `[...]` within a name, `**` for any depth.
fn expand(ctx: &BuildContext, dir: &str, pat: &str) -> Result<Vec<String>, String> {
    let mut cur = vec![dir.to_string()];
    for comp in pat.split('/').filter(|c| !c.is_empty() && *c != ".") {
        let mut next = Vec::new();
        for d in &cur {
            if comp == "**" {
                // `d` itself, then everything below it, breadth first.
                let mut queue = vec![d.clone()];
                let mut k = 0;
                while k < queue.len() {
                    if queue.len() > MAX_WALK {
                        return Err(format!(
                            "the workspace pattern `{pat}` walks more than {MAX_WALK} directories"
                        ));
                    }
                    let children = subdirs(ctx, &queue[k], "*")?;
                    queue.extend(children);
                    k += 1;
                }
                next.extend(queue);
            } else if has_meta(comp) {
                next.extend(subdirs(ctx, d, comp)?);
            } else {
                let p = join(d, comp);
                if ctx.is_dir(&p) {
                    next.push(p);
                }
            }
        }
        next.sort();
        next.dedup();
        cur = next;
    }
    Ok(cur)
}

/// The member directories (context-relative, sorted) that workspace globs
/// `patterns` (relative to `dir`, `!` negates) select: directories holding
/// one of `manifests`, never inside `node_modules`, not `dir` itself.
pub(super) fn find_members(
    ctx: &BuildContext,
    dir: &str,
    patterns: &[String],
    manifests: &[&str],
    origin: &str,
) -> Result<Vec<String>, String> {
    let mut members: Vec<String> = Vec::new();
    let mut negated: Vec<String> = Vec::new();
    for raw in patterns {
        let (neg, pat) = match raw.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, raw.as_str()),
        };
        let pat = pat.trim_end_matches('/');
        if pat.is_empty()
            || pat.starts_with('/')
            || escapes(dir, pat)
            || pat.contains(['{', '}', '(', ')', '$', '\\'])
            || pat.split('/').any(|c| c.contains("**") && c != "**")
        {
            return Err(format!(
                "{origin}: workspace pattern `{raw}` is not supported"
            ));
        }
        let found = expand(ctx, dir, pat).map_err(|e| format!("{origin}: {e}"))?;
        for m in found {
            if m == dir {
                continue;
            }
            if neg {
                negated.push(m);
            } else if manifests.iter().any(|f| ctx.exists(&join(&m, f))) {
                members.push(m);
            }
        }
    }
    members.retain(|m| {
        !negated
            .iter()
            .any(|n| m == n || m.starts_with(&format!("{n}/")))
    });
    members.sort();
    members.dedup();
    Ok(members)
}

/// The directories above `dir` inside the context, nearest first, the root last.
pub(super) fn ancestors(dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = dir;
    while !d.is_empty() {
        d = parent(d);
        out.push(d.to_string());
    }
    out
}

/// Refuse an install in a member of an npm-style workspace above it: the
/// tool installs the whole workspace from its root, reading files dockopt
/// would not copy.
pub(super) fn check_workspace_ancestors(
    ctx: &BuildContext,
    dir: &str,
    tool: &str,
) -> Result<(), String> {
    for a in ancestors(dir) {
        let path = join(&a, "package.json");
        let Ok(Some(json)) = load_json(ctx, &path) else {
            continue;
        };
        let patterns = npm_workspace_patterns(&json);
        if patterns.is_empty() {
            continue;
        }
        let members =
            find_members(ctx, &a, &patterns, &["package.json"], &path).unwrap_or_default();
        if members.iter().any(|m| m == dir) {
            return Err(format!(
                "{dir} is a workspace member of {path}; `{tool}` there installs the whole workspace, which reads files dockopt does not copy"
            ));
        }
    }
    Ok(())
}

/// One install's workspace, as its members are read: the same for every
/// member.
pub(super) struct Workspace<'a> {
    pub ctx: &'a BuildContext,
    /// The workspace root (where `~/` patch paths start).
    pub project: &'a str,
    /// The tool, as messages name it.
    pub tool: &'a str,
    /// The lifecycle scripts it runs on install.
    pub lifecycle: &'a [&'a str],
}

/// The members of the workspaces `patterns` (declared by `dir`'s manifest,
/// `origin`), each checked like the root; their manifests and patch files are
/// added to `out.required`.
pub(super) fn add_members(
    ws: &Workspace,
    dir: &str,
    patterns: &[String],
    origin: &str,
    out: &mut ReadOutput,
) -> Result<Vec<String>, Refusal> {
    let (ctx, tool) = (ws.ctx, ws.tool);
    let members = find_members(ctx, dir, patterns, &["package.json"], origin)?;
    for m in &members {
        let manifest = join(m, "package.json");
        let Some(json) = load_json(ctx, &manifest)? else {
            return Err(format!("workspace member {m} has no readable package.json").into());
        };
        let patches = check_package(&manifest, &json, tool, ws.lifecycle, ws.project)?;
        check_member_bins(&manifest, &json, tool)?;
        out.required.push(manifest);
        out.required.extend(patches);
    }
    Ok(members)
}

/// A workspace member's `bin` is linked into node_modules/.bin on install
/// (and the target made executable), which needs that file of the source.
pub(super) fn check_member_bins(path: &str, json: &Value, tool: &str) -> Result<(), String> {
    let has_bin = match json.get("bin") {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Object(o)) => !o.is_empty(),
        _ => false,
    } || json.get("directories").and_then(|d| d.get("bin")).is_some();
    if has_bin {
        return Err(format!(
            "{path} declares `bin`; {tool} links a workspace member's bin files on install, which needs the source"
        ));
    }
    Ok(())
}

/// Every workspace a lockfile lists (`listed`, relative to `dir`) must be a
/// member dockopt found, or the install would read a manifest it did not copy.
pub(super) fn check_listed(
    lock: &str,
    dir: &str,
    listed: &[String],
    members: &[String],
) -> Result<(), String> {
    for l in listed {
        let l = l.trim_matches(['"', '\'']);
        if l.is_empty() || l == "." {
            continue;
        }
        if l.starts_with('/') || escapes(dir, l) {
            return Err(format!(
                "{lock} lists the workspace `{l}` outside the project"
            ));
        }
        let p = join(dir, l);
        if !members.contains(&p) {
            return Err(format!(
                "{lock} lists the workspace {p}, which the workspace globs do not find in the build context"
            ));
        }
    }
    Ok(())
}

/// Every file below `dir` (context-relative, sorted), not excluded.
pub(super) fn files_under(ctx: &BuildContext, dir: &str) -> Vec<String> {
    if !ctx.is_dir(dir) {
        return Vec::new();
    }
    ctx.glob(&format!("{dir}/**"))
        .into_iter()
        .filter(|f| ctx.is_file(f))
        .collect()
}

/// Paths an install writes (context-relative) that must not be in the
/// context: files, or directories named with a `/`, which a preset's
/// `writes` cannot express.
pub(super) fn refuse_written(
    ctx: &BuildContext,
    written: &[String],
    tool: &str,
) -> Result<(), String> {
    for p in written {
        if ctx.exists(p) {
            return Err(format!(
                "the context holds {p}, which `{tool}` writes; the source copy after the install would overwrite it (add `{p}` to .dockerignore)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_specs() {
        for s in [
            "file:../x",
            "link:../x",
            "portal:../x",
            "exec:./gen.js",
            "./x",
            "../x",
            "/abs",
            "~/x",
            "git+file:///srv/repo",
            "npm:foo@file:../x",
            "workspace:../x",
        ] {
            assert!(local_spec(s), "{s}");
        }
        for s in [
            "^1.2.3",
            "npm:foo@^1",
            "workspace:*",
            "workspace:^",
            "github:a/b",
            "catalog:",
        ] {
            assert!(!local_spec(s), "{s}");
        }
    }

    #[test]
    fn patch_specs() {
        let p = patch_files(
            "app/package.json",
            "lodash",
            "lodash@npm%3A4.17.21#~/.yarn/patches/lodash.patch&./fix.patch",
            "app",
        )
        .unwrap();
        assert_eq!(p, vec!["app/.yarn/patches/lodash.patch", "app/fix.patch"]);
        assert!(patch_files("package.json", "x", "x@file:../x#./p.patch", "").is_err());
        assert!(patch_files("package.json", "x", "x@npm%3A1#../../p.patch", "").is_err());
        assert_eq!(
            patch_files(
                "package.json",
                "ts",
                "typescript@^5#optional!builtin<compat/typescript>",
                ""
            )
            .unwrap(),
            Vec::<String>::new()
        );
    }

    #[test]
    fn ancestors_nearest_first() {
        assert_eq!(ancestors("a/b/c"), vec!["a/b", "a", ""]);
        assert!(ancestors("").is_empty());
    }
}
