//! npm: workspace members, lifecycle scripts, local dependencies.
//! SEMANTICS.md §B.1 and the lifecycle-script rule of §B.

use super::{join, ReadInput, ReadOutput, Refusal, RefuseKind};

/// Scripts npm runs on `npm install`/`npm ci` of the root (and `prepare` in workspaces).
const LIFECYCLE: &[&str] = &[
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

const DEP_TABLES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let root = join(input.dir, "package.json");
    let Some(text) = ctx.read_to_string(&root) else {
        return ReadOutput::default(); // missing: reported by the required-file check
    };
    let json: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => return ReadOutput::refuse(format!("{root} is not valid JSON ({e})")),
    };
    let lifecycle = input.site.lifecycle(LIFECYCLE);
    if let Some(reason) = check_manifest(&root, &json, lifecycle, "npm") {
        return ReadOutput::refused(reason);
    }
    if let Some(reason) = stale_lock(input, &json) {
        return ReadOutput::refused(reason);
    }
    // npm installs a workspace from its root, whichever member it runs in.
    if let Err(reason) = super::jspm::check_workspace_ancestors(ctx, input.dir, "npm install") {
        return ReadOutput::refuse(reason);
    }
    let gyp = join(input.dir, "binding.gyp");
    let scripts = json.get("scripts").and_then(|s| s.as_object());
    if ctx.exists(&gyp)
        && input.site.scripts_run()
        && !scripts.is_some_and(|s| s.contains_key("install") || s.contains_key("preinstall"))
    {
        return ReadOutput::refuse(format!(
            "{gyp} makes npm run `node-gyp rebuild` on install, which needs the source"
        ));
    }
    let mut out = ReadOutput::default();
    let patterns: Vec<&str> = match json.get("workspaces") {
        Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
        Some(serde_json::Value::Object(o)) => o
            .get("packages")
            .and_then(|p| p.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    for pat in patterns {
        if pat.starts_with('!') || pat.contains("..") {
            return ReadOutput::refuse(format!(
                "{root}: workspace pattern `{pat}` is not supported"
            ));
        }
        let members = ctx.glob(&join(input.dir, pat));
        if members.is_empty() {
            return ReadOutput::refuse(format!(
                "{root}: workspace `{pat}` matches nothing in the context"
            ));
        }
        for m in members {
            if !ctx.is_dir(&m) {
                continue;
            }
            let manifest = join(&m, "package.json");
            let Some(text) = ctx.read_to_string(&manifest) else {
                return ReadOutput::refuse(format!("workspace member {m} has no package.json"));
            };
            let member: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => return ReadOutput::refuse(format!("{manifest} is not valid JSON ({e})")),
            };
            if let Some(reason) = check_manifest(&manifest, &member, lifecycle, "npm") {
                return ReadOutput::refused(reason);
            }
            out.required.push(manifest);
        }
    }
    out
}

/// Lifecycle scripts (those of `lifecycle` that `tool` runs), local and
/// bundled dependencies.
pub(crate) fn check_manifest(
    path: &str,
    json: &serde_json::Value,
    lifecycle: &[&str],
    tool: &str,
) -> Option<Refusal> {
    if let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) {
        if let Some(name) = lifecycle.iter().find(|n| scripts.contains_key(**n)) {
            return Some(Refusal {
                kind: RefuseKind::LifecycleScript,
                text: format!(
                    "{path} has a `{name}` script, which {tool} runs on install and which may need the source"
                ),
            });
        }
    }
    for table in DEP_TABLES {
        let Some(deps) = json.get(*table).and_then(|d| d.as_object()) else {
            continue;
        };
        for (name, spec) in deps {
            let spec = spec.as_str().unwrap_or("");
            if is_local_spec(spec) {
                return Some(
                    format!(
                        "{path}: dependency `{name}` comes from the local path `{spec}`, which needs the source"
                    )
                    .into(),
                );
            }
        }
    }
    for key in ["bundleDependencies", "bundledDependencies"] {
        match json.get(key) {
            Some(serde_json::Value::Array(a)) if !a.is_empty() => {
                return Some(
                    format!("{path} has bundled dependencies, which need the source").into(),
                )
            }
            Some(serde_json::Value::Bool(true)) => {
                return Some(
                    format!("{path} has bundled dependencies, which need the source").into(),
                )
            }
            _ => {}
        }
    }
    None
}

/// A dependency spec naming a local directory or tarball. npm-package-arg:
/// `file:`/`link:`, a path (`./x`, `../x`, `/x`, `~/x`, `C:\\x`), or a file
/// name (`isFilename`: ends in `.tgz`, `.tar.gz` or `.tar`, so
/// `"x": "x-1.2.0.tgz"` is a local tarball).
pub(crate) fn is_local_spec(spec: &str) -> bool {
    let lower = spec.to_ascii_lowercase();
    spec.starts_with("file:")
        || spec.starts_with("link:")
        || spec.starts_with("./")
        || spec.starts_with("../")
        || spec.starts_with('/')
        || spec.starts_with("~/")
        || spec == "."
        || spec == ".."
        || spec.as_bytes().get(1..3) == Some(b":\\")
        || (!spec.contains("://")
            && [".tgz", ".tar.gz", ".tar"]
                .iter()
                .any(|e| lower.ends_with(e)))
}

/// The first lock the install form rewrites when stale (npm reads
/// npm-shrinkwrap.json before package-lock.json), unless it is in sync.
fn stale_lock(input: &ReadInput, manifest: &serde_json::Value) -> Option<Refusal> {
    let lock = super::stale_lock::lock_to_check(input)?;
    let text = input.ctx.read_to_string(&lock)?;
    let why = stale_why(input, manifest, &text)?;
    Some(super::stale_lock::refusal(
        input,
        &lock,
        &why,
        "npm install",
    ))
}

/// Why the lock `text` is stale, `None` when it is in sync.
fn stale_why(input: &ReadInput, manifest: &serde_json::Value, text: &str) -> Option<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
        return Some("it is not valid JSON".into());
    };
    let read = |dir: &str| {
        let text = input
            .ctx
            .read_to_string(&join(input.dir, &format!("{dir}/package.json")))?;
        serde_json::from_str(&text).ok()
    };
    let members = || {
        let packages = value.get("packages")?.as_object()?;
        packages
            .iter()
            .filter(|(k, e)| !k.is_empty() && !k.contains("node_modules/") && e.is_object())
            .find_map(|(dir, _)| super::npm_lock::missing_entry(&value, &read(dir)?, dir))
    };
    let pkg_text = input.ctx.read_to_string(&join(input.dir, "package.json"))?;
    super::npm_lock::stale(manifest, &value)
        .or_else(|| super::npm_lock::stale_member(&value, read))
        .or_else(|| super::npm_lock::missing_entry(&value, manifest, ""))
        .or_else(members)
        .or_else(|| super::npm_layout::stale(&pkg_text, text))
        .or_else(|| lock_settings(input))
        .or_else(|| super::npm_lock::unsynced(&value))
}

/// A setting that changes the lock npm writes: dockopt cannot tell its bytes.
fn lock_settings(input: &ReadInput) -> Option<String> {
    const SETTINGS: &[&str] = &[
        "lockfile-version",
        "legacy-peer-deps",
        "strict-peer-deps",
        "install-links",
        "force",
        "before",
        "omit-lockfile-registry-resolved",
        "format-package-lock",
        "install-strategy",
        "global-style",
        "legacy-bundling",
    ];
    let flag = SETTINGS.iter().find(|s| {
        input
            .site
            .has_flag(&[&format!("--{s}"), &format!("--no-{s}")])
    });
    let env = SETTINGS.iter().find(|s| {
        let name = format!("npm_config_{}", s.replace('-', "_"));
        input.site.var(&name).is_some()
    });
    let npmrc = input
        .ctx
        .read_to_string(&join(input.dir, ".npmrc"))
        .and_then(|t| {
            t.lines()
                .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
                .find(|k| SETTINGS.contains(&k.as_str()))
        });
    let setting = flag.or(env).map(|s| s.to_string()).or(npmrc)?;
    Some(format!(
        "dockopt cannot show it in sync: `{setting}` is set, which changes the lock npm writes"
    ))
}

#[cfg(test)]
mod tests {
    use super::is_local_spec;

    #[test]
    fn local_specs() {
        for s in [
            "file:../x",
            "link:x",
            "./x",
            "x-1.2.0.tgz",
            "vendor/x.tar.gz",
            "x.tar",
            "~/x",
        ] {
            assert!(is_local_spec(s), "{s}");
        }
        for s in [
            "^1.2.0",
            "latest",
            "github:a/b",
            "https://r/x-1.0.tgz",
            "npm:x@1",
        ] {
            assert!(!is_local_spec(s), "{s}");
        }
    }
}
