//! yarn: classic (v1) and Berry (2+), told apart by `.yarnrc.yml` or a
//! `"packageManager": "yarn@2+"` field. SEMANTICS.md §B.2 and §B.3.
//!
//! Classic reads `.yarnrc` and `.npmrc` (in the project and every directory
//! above it), the release file `yarn-path` names, `.yarnclean`, an offline
//! mirror inside the project, and workspace members' package.json. Berry
//! needs `yarn.lock`, reads `.yarnrc.yml` (again from every directory
//! above), its `yarnPath` release, its plugins, `.yarn/patches/**` and
//! `patch:` files, and writes `.pnp.*`, `.yarn/install-state.gz`,
//! `.yarn/unplugged` and `.yarn/cache`: those must not be in the context.

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use super::jspm::{self, NPM_LIFECYCLE};
use super::{escapes, join, parent, ReadInput, ReadOutput, Refusal};
use crate::context::BuildContext;

/// Scripts Berry runs for each workspace on install (it has no `prepare`).
const BERRY_LIFECYCLE: &[&str] = &["preinstall", "install", "postinstall"];

/// What Berry writes in the project with the default settings.
const BERRY_WRITES: &[&str] = &[
    ".pnp.cjs",
    ".pnp.js",
    ".pnp.loader.mjs",
    ".pnp.data.json",
    ".yarn/install-state.gz",
    ".yarn/build-state.yml",
    ".yarn/unplugged",
    ".yarn/cache",
];

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let mut out = ReadOutput::default();
    match read_into(input, &mut out) {
        Ok(()) => out,
        Err(reason) => ReadOutput::refused(reason),
    }
}

fn read_into(input: &ReadInput, out: &mut ReadOutput) -> Result<(), Refusal> {
    let ctx = input.ctx;
    let dir = input.dir;
    let root = join(dir, "package.json");
    let Some(json) = jspm::load_json(ctx, &root)? else {
        return Ok(()); // missing: reported by the required-file check
    };
    let berry = is_berry(ctx, dir, &json);
    let (tool, lifecycle) = if berry {
        ("yarn (Berry)", input.site.lifecycle(BERRY_LIFECYCLE))
    } else {
        ("yarn", input.site.lifecycle(NPM_LIFECYCLE))
    };
    let patches = jspm::check_package(&root, &json, tool, lifecycle, dir)?;
    out.required.extend(patches);
    jspm::check_workspace_ancestors(ctx, dir, "yarn install")?;
    let patterns = jspm::npm_workspace_patterns(&json);
    let ws = jspm::Workspace {
        ctx,
        project: dir,
        tool,
        lifecycle,
    };
    let mut members = jspm::add_members(&ws, dir, &patterns, &root, out)?;
    if berry {
        // Berry workspaces may declare workspaces of their own.
        let mut k = 0;
        while k < members.len() {
            let m = members[k].clone();
            let path = join(&m, "package.json");
            if let Ok(Some(json)) = jspm::load_json(ctx, &path) {
                let nested = jspm::npm_workspace_patterns(&json);
                for n in jspm::add_members(&ws, &m, &nested, &path, out)? {
                    if !members.contains(&n) {
                        members.push(n);
                    }
                }
            }
            k += 1;
        }
    }
    if berry {
        berry_files(ctx, dir, &members, out)?;
        // Berry rewrites a yarn.lock it finds out of date (outside CI);
        // dockopt has no proof of a Berry lock in sync.
        let unproven = super::stale_lock::unproven(input, "yarn install", "package.json");
        unproven.map_or(Ok(()), Err)
    } else {
        classic_files(ctx, dir, out)?;
        super::yarn_lock::check(input, &json, &members).map_or(Ok(()), Err)
    }
}

/// Berry when a `.yarnrc.yml` is in the project or above it, or the
/// manifest pins `yarn@2` or later.
fn is_berry(ctx: &BuildContext, dir: &str, json: &Value) -> bool {
    if std::iter::once(dir.to_string())
        .chain(jspm::ancestors(dir))
        .any(|d| ctx.exists(&join(&d, ".yarnrc.yml")))
    {
        return true;
    }
    let Some(pm) = json.get("packageManager").and_then(|v| v.as_str()) else {
        return false;
    };
    pm.strip_prefix("yarn@")
        .and_then(|v| v.split('.').next())
        .and_then(|major| major.parse::<u32>().ok())
        .is_some_and(|major| major >= 2)
}

/// A path named in a config file at `rc`, relative to its directory.
fn rc_path(rc: &str, key: &str, value: &str) -> Result<String, String> {
    let base = parent(rc);
    if value.starts_with('/') || value.contains('$') || escapes(base, value) {
        return Err(format!(
            "{rc}: `{key}` names `{value}`, which dockopt does not resolve inside the build context"
        ));
    }
    Ok(join(base, value))
}

fn classic_files(ctx: &BuildContext, dir: &str, out: &mut ReadOutput) -> Result<(), String> {
    out.optional.push(join(dir, ".yarnclean"));
    for d in std::iter::once(dir.to_string()).chain(jspm::ancestors(dir)) {
        out.optional.push(join(&d, ".npmrc"));
        let rc = join(&d, ".yarnrc");
        let Some(text) = ctx.read_to_string(&rc) else {
            continue;
        };
        out.optional.push(rc.clone());
        let mut mirror = None;
        let mut pruning = false;
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let (key, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
            let key = key.trim_matches('"');
            let value = value.trim().trim_matches('"');
            let bare = key
                .trim_start_matches("--")
                .rsplit('.')
                .next()
                .unwrap_or(key);
            match bare {
                "yarn-path" => out.required.push(rc_path(&rc, key, value)?),
                "modules-folder" => {
                    return Err(format!(
                        "{rc}: `{key}` makes yarn install into another directory"
                    ))
                }
                "yarn-offline-mirror" if !value.starts_with('/') => {
                    mirror = Some(rc_path(&rc, key, value)?);
                }
                "yarn-offline-mirror-pruning" => pruning = value == "true",
                _ => {}
            }
        }
        if let Some(m) = mirror {
            if pruning {
                return Err(format!(
                    "{rc}: the offline mirror {m} is pruned on install, and the source copy would bring pruned files back"
                ));
            }
            out.required.extend(jspm::files_under(ctx, &m));
        }
    }
    Ok(())
}

fn berry_files(
    ctx: &BuildContext,
    dir: &str,
    members: &[String],
    out: &mut ReadOutput,
) -> Result<(), String> {
    let lock = join(dir, "yarn.lock");
    out.required.push(lock.clone());
    let mut node_linker: Option<String> = None;
    let mut written: Vec<String> = BERRY_WRITES.iter().map(|w| join(dir, w)).collect();
    let mut env_files = vec![(join(dir, ".env.yarn"), true)];
    // Nearest `.yarnrc.yml` first: its settings win.
    for d in std::iter::once(dir.to_string()).chain(jspm::ancestors(dir)) {
        let rc = join(&d, ".yarnrc.yml");
        if !ctx.exists(&rc) {
            continue;
        }
        let Some(text) = ctx.read_to_string(&rc) else {
            return Err(format!("{rc} cannot be read"));
        };
        out.required.push(rc.clone());
        let docs = YamlLoader::load_from_str(&text)
            .map_err(|e| format!("{rc} is not valid YAML ({e})"))?;
        let Some(doc) = docs.first() else { continue };
        if let Some(p) = doc["yarnPath"].as_str() {
            out.required.push(rc_path(&rc, "yarnPath", p)?);
        }
        if let Some(list) = doc["plugins"].as_vec() {
            for p in list {
                let path = match p {
                    Yaml::String(s) => Some(s.as_str()),
                    Yaml::Hash(_) => p["path"].as_str(),
                    _ => None,
                };
                if let Some(path) = path {
                    out.required.push(rc_path(&rc, "plugins", path)?);
                }
            }
        }
        if node_linker.is_none() {
            node_linker = doc["nodeLinker"].as_str().map(str::to_string);
        }
        if doc["enableConstraintsChecks"].as_bool() == Some(true) {
            return Err(format!(
                "{rc} enables constraints checks, which run yarn.config.cjs on install and may read the source"
            ));
        }
        for key in [
            "cacheFolder",
            "installStatePath",
            "pnpUnpluggedFolder",
            "pnpDataPath",
        ] {
            if let Some(p) = doc[key].as_str() {
                if !p.starts_with('/') {
                    written.push(rc_path(&rc, key, p)?);
                }
            }
        }
        if let Some(list) = doc["injectEnvironmentFiles"].as_vec() {
            env_files.clear();
            for f in list.iter().filter_map(|f| f.as_str()) {
                let (f, optional) = match f.strip_suffix('?') {
                    Some(f) => (f, true),
                    None => (f, false),
                };
                env_files.push((rc_path(&rc, "injectEnvironmentFiles", f)?, optional));
            }
        }
    }
    for (f, optional) in env_files {
        if optional {
            out.optional.push(f);
        } else {
            out.required.push(f);
        }
    }
    for sub in [".yarn/plugins", ".yarn/patches"] {
        out.optional.extend(jspm::files_under(ctx, &join(dir, sub)));
    }
    jspm::refuse_written(ctx, &written, "yarn install")?;
    match node_linker.as_deref() {
        None | Some("pnp") => {
            // Plug'n'Play leaves node_modules alone: ignoring a host copy would drop it from the image.
            if let Some(m) = std::iter::once(dir)
                .chain(members.iter().map(String::as_str))
                .map(|d| join(d, "node_modules"))
                .find(|p| ctx.exists(p))
            {
                return Err(format!(
                    "the context holds {m}, which a Plug'n'Play install does not replace; the source copy after the install would bring it back"
                ));
            }
        }
        _ => {}
    }
    // Every workspace yarn.lock knows must be a member dockopt copies.
    if let Some(text) = ctx.read_to_string(&lock) {
        let listed = berry_lock_workspaces(&text);
        jspm::check_listed(&lock, dir, &listed, members)?;
    }
    Ok(())
}

/// The workspaces of a Berry yarn.lock: `resolution: "name@workspace:path"`.
fn berry_lock_workspaces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(value) = line.trim_start().strip_prefix("resolution:") else {
            continue;
        };
        if let Some((_, path)) = value.trim().trim_matches('"').split_once("@workspace:") {
            if !out.iter().any(|p| p == path) {
                out.push(path.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_workspaces() {
        let lock = "__metadata:\n  version: 8\n\n\"app@workspace:.\":\n  version: 0.0.0\n  resolution: \"app@workspace:.\"\n\n\"a@workspace:^, a@workspace:packages/a\":\n  version: 0.0.0\n  resolution: \"a@workspace:packages/a\"\n";
        assert_eq!(berry_lock_workspaces(lock), vec![".", "packages/a"]);
    }
}
