//! composer: what `composer install --no-scripts --no-autoloader` reads and
//! writes besides composer.json and composer.lock. SEMANTICS.md §B.17.
//!
//! - refuses repositories that read the local filesystem (`path`,
//!   `artifact`, VCS or composer repositories with a local URL), the merge
//!   plugin (it reads other composer.json files), and `extra.installer-paths`
//!   or a vendor/bin directory the build context already holds (the source
//!   copy after the install would overwrite what the install wrote);
//! - copies the local patch files of cweagans/composer-patches
//!   (`extra.patches`, `extra.patches-file`): patches are applied while the
//!   packages install, before the source copy;
//! - names the vendor directory (`config.vendor-dir`, default `vendor`) as
//!   written, so a host copy in the context gets its `.dockerignore` entry.

use serde_json::Value;

use super::{escapes, join, ReadInput, ReadOutput};
use crate::context::BuildContext;

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    read_project(input).unwrap_or_else(ReadOutput::refuse)
}

fn read_project(input: &ReadInput) -> Result<ReadOutput, String> {
    let ctx = input.ctx;
    let dir = input.dir;
    let mut out = ReadOutput::default();
    let manifest = join(dir, "composer.json");
    let Some(text) = ctx.read_to_string(&manifest) else {
        return Ok(out); // reported by the required-file check
    };
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{manifest} is not valid JSON ({e})"))?;

    repositories(&manifest, &json)?;

    let extra = &json["extra"];
    if !extra["merge-plugin"].is_null() {
        return Err(format!(
            "{manifest}: the merge plugin (extra.merge-plugin) reads other composer.json files, which are not copied with the manifests"
        ));
    }

    // Where the install writes.
    let config = &json["config"];
    let vendor = match &config["vendor-dir"] {
        Value::Null => "vendor".to_string(),
        Value::String(v) => local_dir(&manifest, "config.vendor-dir", v)?,
        _ => return Err(format!("{manifest}: config.vendor-dir is not a string")),
    };
    if vendor.contains('/') {
        in_context_refuse(ctx, dir, &manifest, "config.vendor-dir", &vendor)?;
    } else {
        out.writes.push(vendor.clone());
    }
    for key in ["bin-dir", "cache-dir", "data-dir"] {
        if let Value::String(v) = &config[key] {
            if let Some(rest) = v.strip_prefix("{$vendor-dir}") {
                if rest.is_empty() || rest.starts_with('/') {
                    continue;
                }
            }
            if v.starts_with('/') || v.starts_with("{$home}") || v.starts_with('~') {
                continue; // outside the project
            }
            let d = local_dir(&manifest, &format!("config.{key}"), v)?;
            if d != vendor && !d.starts_with(&format!("{vendor}/")) {
                in_context_refuse(ctx, dir, &manifest, &format!("config.{key}"), &d)?;
            }
        }
    }
    if let Value::Object(paths) = &extra["installer-paths"] {
        for path in paths.keys() {
            let prefix = path.split('{').next().unwrap_or("").trim_end_matches('/');
            if prefix.is_empty() || prefix.starts_with('/') || escapes(dir, prefix) {
                return Err(format!(
                    "{manifest}: extra.installer-paths installs into `{path}`, which dockopt does not follow"
                ));
            }
            in_context_refuse(ctx, dir, &manifest, "extra.installer-paths", prefix)?;
        }
    }

    // cweagans/composer-patches: patch files are read while packages install.
    let mut patch_sources = vec![(manifest.clone(), extra["patches"].clone())];
    if let Value::String(file) = &extra["patches-file"] {
        if file.contains("://") {
            return Err(format!(
                "{manifest}: extra.patches-file is a URL dockopt does not follow"
            ));
        }
        if escapes(dir, file) {
            return Err(format!(
                "{manifest}: extra.patches-file `{file}` is outside the build context"
            ));
        }
        let path = join(dir, file);
        let text = ctx
            .read_to_string(&path)
            .ok_or_else(|| format!("{path} (extra.patches-file) is not in the build context"))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| format!("{path} is not valid JSON ({e})"))?;
        out.required.push(path.clone());
        patch_sources.push((path, v["patches"].clone()));
    }
    for (from, patches) in patch_sources {
        let mut locations = Vec::new();
        patch_locations(&patches, &mut locations);
        for p in locations {
            if p.contains("://") {
                continue;
            }
            if p.starts_with('/') || escapes(dir, &p) {
                return Err(format!(
                    "{from}: the patch `{p}` is outside the build context"
                ));
            }
            let f = join(dir, &p);
            if !ctx.is_file(&f) {
                return Err(format!("{from}: the patch {f} is not in the build context"));
            }
            out.required.push(f);
        }
    }
    if !extra["patches"].is_null() || !extra["patches-file"].is_null() {
        out.optional.push(join(dir, "patches.lock.json"));
    }
    Ok(out)
}

/// Refuse repositories that read local files.
fn repositories(manifest: &str, json: &Value) -> Result<(), String> {
    let repos: Vec<&Value> = match &json["repositories"] {
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o.values().collect(),
        _ => Vec::new(),
    };
    for repo in repos {
        let Value::Object(r) = repo else { continue };
        let kind = r.get("type").and_then(Value::as_str).unwrap_or("");
        let url = r.get("url").and_then(Value::as_str).unwrap_or("");
        match kind {
            "path" => {
                return Err(format!(
                    "{manifest}: the `path` repository `{url}` installs packages from a local directory, which needs the whole source"
                ))
            }
            "artifact" => {
                return Err(format!(
                    "{manifest}: the `artifact` repository `{url}` reads local archives dockopt does not copy"
                ))
            }
            _ => {}
        }
        let mut urls = Vec::new();
        collect_urls(repo, &mut urls);
        if let Some(u) = urls.into_iter().find(|u| is_local(u)) {
            return Err(format!(
                "{manifest}: the `{kind}` repository reads `{u}` from the local filesystem, which dockopt does not copy"
            ));
        }
    }
    Ok(())
}

fn collect_urls(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                match x {
                    Value::String(s) if k == "url" => out.push(s.clone()),
                    _ => collect_urls(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_urls(x, out)),
        _ => {}
    }
}

/// A repository URL on the local filesystem (`../pkg`, `/srv/repo`,
/// `file:///...`); `git@host:org/repo.git` is remote.
fn is_local(url: &str) -> bool {
    url.starts_with("file:") || !(url.contains("://") || url.contains('@'))
}

/// Patch locations in composer-patches' formats: `{"pkg": {"desc": "path"}}`
/// (1.x) and `{"pkg": [{"description": .., "url": "path"}]}` (2.x).
fn patch_locations(patches: &Value, out: &mut Vec<String>) {
    let Value::Object(pkgs) = patches else { return };
    for spec in pkgs.values() {
        match spec {
            Value::Object(o) => {
                for v in o.values() {
                    if let Value::String(s) = v {
                        out.push(s.clone());
                    }
                }
            }
            Value::Array(a) => {
                for p in a {
                    match p {
                        Value::String(s) => out.push(s.clone()),
                        Value::Object(o) => {
                            if let Some(Value::String(s)) = o.get("url").or_else(|| o.get("path")) {
                                out.push(s.clone());
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// A project-relative directory from the config, cleaned.
fn local_dir(manifest: &str, key: &str, v: &str) -> Result<String, String> {
    let cleaned = crate::model::clean_rel(v).trim_end_matches('/').to_string();
    if v.contains(['$', '{', '~']) || v.starts_with('/') || cleaned.is_empty() || escapes("", v) {
        return Err(format!(
            "{manifest}: {key} `{v}` is a directory dockopt does not follow"
        ));
    }
    Ok(cleaned)
}

/// Refuse when the build context holds `rel` (relative to the project): the
/// install writes there and the source copy would overwrite it.
fn in_context_refuse(
    ctx: &BuildContext,
    dir: &str,
    manifest: &str,
    key: &str,
    rel: &str,
) -> Result<(), String> {
    let path = join(dir, rel);
    if ctx.exists(&path) {
        return Err(format!(
            "the build context holds {path}, where composer installs ({manifest}: {key}); the source copy after the install would overwrite it (add it to .dockerignore)"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_patches_in_both_formats() {
        let v: Value = serde_json::from_str(
            r#"{"a/b": {"fix": "patches/one.patch", "remote": "https://x/y.patch"}, "c/d": [{"description": "x", "url": "patches/two.patch"}]}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        patch_locations(&v, &mut out);
        assert_eq!(
            out,
            vec![
                "patches/one.patch",
                "https://x/y.patch",
                "patches/two.patch"
            ]
        );
    }

    #[test]
    fn local_urls() {
        assert!(is_local("../pkg"));
        assert!(is_local("file:///srv/repo"));
        assert!(!is_local("https://github.com/a/b"));
        assert!(!is_local("git@github.com:a/b.git"));
    }
}
