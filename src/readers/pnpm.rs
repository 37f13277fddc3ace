//! pnpm: `pnpm install` reads exactly `.npmrc package.json pnpm-lock.yaml
//! pnpm-workspace.yaml .pnpmfile.cjs` and `patches/` in the workspace root
//! (the preset copies those), every workspace member's package.json (from
//! `pnpm-workspace.yaml` `packages:`), and the files `patchedDependencies`
//! and a `pnpmfile` setting name. SEMANTICS.md §B.4.

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use super::jspm::{self, NPM_LIFECYCLE};
use super::{escapes, join, ReadInput, ReadOutput, Refusal};
use crate::context::BuildContext;

const TOOL: &str = "pnpm";

/// Settings that make pnpm read or write outside the project's usual places
/// (`.npmrc` spelling, `pnpm-workspace.yaml` spelling).
const ELSEWHERE: &[(&str, &str)] = &[
    ("modules-dir", "modulesDir"),
    ("virtual-store-dir", "virtualStoreDir"),
    ("lockfile-dir", "lockfileDir"),
];

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let mut out = ReadOutput::default();
    match read_into(input, &mut out) {
        Ok(()) => out,
        Err(reason) => ReadOutput::refused(reason),
    }
}

fn lifecycle() -> Vec<&'static str> {
    let mut l = NPM_LIFECYCLE.to_vec();
    l.push("pnpm:devPreinstall");
    l
}

fn read_into(input: &ReadInput, out: &mut ReadOutput) -> Result<(), Refusal> {
    let ctx = input.ctx;
    let dir = input.dir;
    let root = join(dir, "package.json");
    let Some(json) = jspm::load_json(ctx, &root)? else {
        return Ok(()); // missing: reported by the required-file check
    };
    let mut lifecycle = lifecycle();
    if !input.site.scripts_run() || input.site.scripts_vetted {
        lifecycle.clear();
    }
    out.required
        .extend(jspm::check_package(&root, &json, TOOL, &lifecycle, dir)?);
    check_injected(&root, &json)?;
    for a in jspm::ancestors(dir) {
        let ws = join(&a, "pnpm-workspace.yaml");
        if ctx.exists(&ws) {
            return Err(format!(
                "{dir} is inside the pnpm workspace of {ws}; `pnpm install` there installs the whole workspace, which reads files dockopt does not copy"
            ).into());
        }
    }
    if input.site.has_flag(&["--frozen-lockfile"]) {
        out.required.push(join(dir, "pnpm-lock.yaml"));
    }

    let mut settings = Settings::default();
    read_npmrc(ctx, dir, &mut settings)?;
    let ws_path = join(dir, "pnpm-workspace.yaml");
    let mut patterns = Vec::new();
    if let Some(text) = ctx.read_to_string(&ws_path) {
        let docs = YamlLoader::load_from_str(&text)
            .map_err(|e| format!("{ws_path} is not valid YAML ({e})"))?;
        if let Some(doc) = docs.first() {
            // Without `packages`, pnpm takes every package below the root.
            patterns = doc["packages"]
                .as_vec()
                .map(|v| {
                    v.iter()
                        .filter_map(|p| p.as_str())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_else(|| vec!["**".to_string()]);
            read_workspace_settings(&ws_path, doc, &mut settings)?;
        }
    } else if ctx.exists(&ws_path) {
        return Err(format!("{ws_path} cannot be read").into());
    }
    if let Some(Value::Object(p)) = json.get("pnpm").and_then(|p| p.get("patchedDependencies")) {
        for (name, v) in p {
            if let Some(path) = v.as_str() {
                settings
                    .patches
                    .push((format!("{root}: {name}"), path.to_string()));
            }
        }
    }

    for (origin, p) in &settings.patches {
        if p.starts_with('/') || escapes(dir, p) || p.contains('$') {
            return Err(format!("{origin}: the patch `{p}` is outside the project").into());
        }
        out.required.push(join(dir, p));
    }
    out.optional
        .extend(jspm::files_under(ctx, &join(dir, "patches")));

    // The pnpmfile runs as JavaScript during the install.
    let pnpmfile = match &settings.pnpmfile {
        Some((origin, p)) => {
            if p.starts_with('/') || escapes(dir, p) || p.contains('$') {
                return Err(format!("{origin}: pnpmfile `{p}` is outside the project").into());
            }
            let f = join(dir, p);
            out.required.push(f.clone());
            Some(f)
        }
        None => [".pnpmfile.cjs", ".pnpmfile.mjs"]
            .iter()
            .map(|f| join(dir, f))
            .find(|f| ctx.exists(f)),
    };
    if let Some(f) = pnpmfile {
        out.optional.push(f.clone());
        if let Some(text) = ctx.read_to_string(&f) {
            if let Some(what) = reads_files(&text) {
                return Err(format!(
                    "{f} uses `{what}`, so the install may read files dockopt does not copy"
                )
                .into());
            }
        }
    }

    let members = jspm::find_members(
        ctx,
        dir,
        &patterns,
        &["package.json", "package.yaml", "package.json5"],
        &ws_path,
    )?;
    for m in &members {
        let manifest = join(m, "package.json");
        let Some(member) = jspm::load_json(ctx, &manifest)? else {
            return Err(format!(
                "workspace member {m} has no package.json (dockopt reads only package.json manifests)"
            ).into());
        };
        out.required.extend(jspm::check_package(
            &manifest, &member, TOOL, &lifecycle, dir,
        )?);
        jspm::check_member_bins(&manifest, &member, TOOL)?;
        check_injected(&manifest, &member)?;
        out.required.push(manifest);
        if !settings.shared_lockfile {
            out.optional.push(join(m, "pnpm-lock.yaml"));
        }
    }
    let lock = join(dir, "pnpm-lock.yaml");
    if let Some(text) = ctx.read_to_string(&lock) {
        jspm::check_listed(&lock, dir, &lock_importers(&text), &members)?;
    }
    super::pnpm_lock::check(input, &json, &members).map_or(Ok(()), Err)
}

/// `dependenciesMeta.<dep>.injected`: pnpm copies the workspace package's
/// files into node_modules, which needs its source.
fn check_injected(path: &str, json: &Value) -> Result<(), String> {
    let Some(Value::Object(meta)) = json.get("dependenciesMeta") else {
        return Ok(());
    };
    for (name, m) in meta {
        if m.get("injected").and_then(|v| v.as_bool()) == Some(true) {
            return Err(format!(
                "{path}: `{name}` is injected, so pnpm copies its files on install, which needs the source"
            ));
        }
    }
    Ok(())
}

/// What `.npmrc` and `pnpm-workspace.yaml` say about files.
struct Settings {
    /// (where, path) of each patch file.
    patches: Vec<(String, String)>,
    /// (where, path) of a `pnpmfile` setting.
    pnpmfile: Option<(String, String)>,
    shared_lockfile: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            patches: Vec::new(),
            pnpmfile: None,
            shared_lockfile: true,
        }
    }
}

fn read_npmrc(ctx: &BuildContext, dir: &str, s: &mut Settings) -> Result<(), String> {
    let rc = join(dir, ".npmrc");
    let Some(text) = ctx.read_to_string(&rc) else {
        return Ok(());
    };
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with(['#', ';']) {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim().trim_matches(['"', '\'']));
        setting(&rc, key, value, s)?;
    }
    Ok(())
}

/// One setting, in either spelling.
fn setting(origin: &str, key: &str, value: &str, s: &mut Settings) -> Result<(), String> {
    if let Some((k, _)) = ELSEWHERE.iter().find(|(a, b)| key == *a || key == *b) {
        return Err(format!(
            "{origin}: `{key}` ({k}) makes pnpm use files outside the project's usual places"
        ));
    }
    match key {
        "store-dir" | "storeDir" if !value.starts_with('/') && !value.starts_with('~') => Err(format!(
            "{origin}: `{key}` puts the package store inside the project, which the source copy would overwrite"
        )),
        "pnpmfile" => {
            s.pnpmfile = Some((origin.to_string(), value.to_string()));
            Ok(())
        }
        "inject-workspace-packages" | "injectWorkspacePackages" if value == "true" => Err(format!(
            "{origin}: `{key}` makes pnpm copy workspace packages' files on install, which needs the source"
        )),
        "shared-workspace-lockfile" | "sharedWorkspaceLockfile" => {
            s.shared_lockfile = value != "false";
            Ok(())
        }
        _ => Ok(()),
    }
}

fn read_workspace_settings(origin: &str, doc: &Yaml, s: &mut Settings) -> Result<(), String> {
    let Some(map) = doc.as_hash() else {
        return Ok(());
    };
    for (k, v) in map {
        let Some(key) = k.as_str() else { continue };
        match key {
            "patchedDependencies" => {
                for (name, path) in v.as_hash().into_iter().flatten() {
                    if let (Some(name), Some(path)) = (name.as_str(), path.as_str()) {
                        s.patches
                            .push((format!("{origin}: {name}"), path.to_string()));
                    }
                }
            }
            "overrides" => {
                for (name, spec) in v.as_hash().into_iter().flatten() {
                    if let (Some(name), Some(spec)) = (name.as_str(), spec.as_str()) {
                        if jspm::local_spec(spec) {
                            return Err(format!(
                                "{origin}: the override `{name}` comes from `{spec}`, which reads the source"
                            ));
                        }
                    }
                }
            }
            _ => {
                let value = match v {
                    Yaml::String(t) => t.clone(),
                    Yaml::Boolean(b) => b.to_string(),
                    _ => continue,
                };
                setting(origin, key, &value, s)?;
            }
        }
    }
    Ok(())
}

/// A pnpmfile that loads other files or reads the file system.
fn reads_files(text: &str) -> Option<&'static str> {
    const PATTERNS: &[&str] = &[
        "require('.",
        "require(\".",
        "require(`",
        "import('.",
        "import(\".",
        "from '.",
        "from \".",
        "readFileSync",
        "readFile(",
        "readdirSync",
        "fs/promises",
    ];
    PATTERNS.iter().copied().find(|p| text.contains(p))
}

/// The importer keys of pnpm-lock.yaml (`.` is the root).
fn lock_importers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() {
            inside = line.trim_end() == "importers:";
            continue;
        }
        if !inside {
            continue;
        }
        // `  packages/a:` or `  packages/a: {}`
        let Some(entry) = line.strip_prefix("  ") else {
            continue;
        };
        if entry.starts_with([' ', '-', '#']) {
            continue;
        }
        if let Some((key, _)) = entry
            .split_once(':')
            .filter(|(_, rest)| rest.is_empty() || rest.starts_with(' '))
        {
            out.push(key.trim().trim_matches(['\'', '"']).to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn importers() {
        let lock = "lockfileVersion: '9.0'\n\nimporters:\n\n  .: {}\n\n  x:\n    dependencies:\n      a:\n        specifier: workspace:*\n\n  packages/a:\n    dependencies: {}\n\n  'apps/web':\n    {}\n\npackages:\n\n  x@1.0.0:\n    resolution: {}\n";
        assert_eq!(
            lock_importers(lock),
            vec![".", "x", "packages/a", "apps/web"]
        );
    }

    #[test]
    fn pnpmfile_reads() {
        assert_eq!(reads_files("module.exports = { hooks: {} }"), None);
        assert_eq!(reads_files("const x = require('./x')"), Some("require('."));
    }
}
