//! pnpm rewrites pnpm-lock.yaml on `pnpm install` (without
//! `--frozen-lockfile`; pnpm installs frozen in CI, which a Docker build is
//! not unless the Dockerfile sets `CI`) when it is out of date. Checked with
//! pnpm 9.15: an in-sync lock is kept whatever its layout (indentation,
//! quoting, line endings, final line break); a specifier unlike
//! package.json's, a `settings` value unlike pnpm's, or an older format
//! (a `6.0` lock under pnpm 9) is rewritten. The proof: a format the pnpm
//! that runs writes (`9.0`: pnpm 9 and later; `6.x`: pnpm 8, named by
//! `packageManager`), `settings` equal to pnpm's (the defaults or `.npmrc`),
//! `overrides` equal to package.json's `pnpm.overrides` and `resolutions`
//! (pnpm reads both), every importer's dependency tables (names and
//! specifiers) equal to its package.json's (with `autoInstallPeers`, the
//! `peerDependencies` no table lists count as `dependencies`), an entry in
//! `packages` and `snapshots` for every version the importers and snapshots
//! name, and nothing else pnpm compares: no pnpmfile (its checksum), no
//! `dependenciesMeta`, no name in two tables of one package.json (pnpm
//! drops one), no package.json `pnpm` key but those of `PNPM_KEYS`
//! (`packageExtensions`, `patchedDependencies`, `ignoredOptionalDependencies`
//! are recorded in the lock), no importer key but its tables. A 6.x lock is
//! not proven: `packageManager` names the pnpm corepack would run, not the
//! one the image has (pnpm 9 rewrites a 6.0 lock whatever it names).

use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

use super::{join, stale_lock, ReadInput, Refusal};

/// The dependency tables pnpm records per importer.
const TABLES: &[&str] = &["dependencies", "devDependencies", "optionalDependencies"];

/// Top-level keys of a lock this proof covers.
const KNOWN: &[&str] = &[
    "lockfileVersion",
    "settings",
    "importers",
    "packages",
    "snapshots",
    "overrides",
    // lockfile 6.x of a project without workspaces: the root importer's tables
    "dependencies",
    "devDependencies",
    "optionalDependencies",
];

/// package.json `pnpm` keys that change nothing in an in-sync lock
/// (measured with pnpm 9.15); `overrides` is compared below.
const PNPM_KEYS: &[&str] = &[
    "overrides",
    "onlyBuiltDependencies",
    "neverBuiltDependencies",
];

/// `settings` of the lock and the `.npmrc` keys that set them, with pnpm's defaults.
const SETTINGS: &[(&str, &str, bool)] = &[
    ("autoInstallPeers", "auto-install-peers", true),
    (
        "excludeLinksFromLockfile",
        "exclude-links-from-lockfile",
        false,
    ),
];

/// The refusal for `pnpm install` with a lock not proven in sync with
/// `root` (package.json) and the workspace `members` (directories).
pub(super) fn check(input: &ReadInput, root: &Value, members: &[String]) -> Option<Refusal> {
    let lock = stale_lock::lock_to_check(input)?;
    let npmrc = input
        .ctx
        .read_to_string(&join(input.dir, ".npmrc"))
        .unwrap_or_default();
    if rc_value(&npmrc, "frozen-lockfile") == Some("true") {
        return None;
    }
    if let Some(f) = pnpmfile(input, &npmrc) {
        let why = format!("the pnpmfile {f} adds its checksum to it, which dockopt does not check");
        return Some(stale_lock::refusal(input, &lock, &why, "pnpm install"));
    }
    let ws = input
        .ctx
        .read_to_string(&join(input.dir, "pnpm-workspace.yaml"))
        .unwrap_or_default();
    if let Some(why) = workspace_settings(&ws) {
        return Some(stale_lock::refusal(input, &lock, &why, "pnpm install"));
    }
    let text = input.ctx.read_to_string(&lock)?;
    let read = |m: &str| -> Option<Value> {
        let path = join(m, "package.json");
        serde_json::from_str(&input.ctx.read_to_string(&path)?).ok()
    };
    let mut manifests = vec![(".".to_string(), root.clone())];
    for m in members {
        let id = m
            .strip_prefix(input.dir)
            .map(|r| r.trim_start_matches('/'))
            .unwrap_or(m);
        manifests.push((id.to_string(), read(m)?));
    }
    let why = stale(&text, &manifests, &npmrc)?;
    Some(stale_lock::refusal(input, &lock, &why, "pnpm install"))
}

/// The pnpmfile pnpm loads: `pnpmfile` in .npmrc, else `.pnpmfile.cjs`
/// (or `.mjs`) when present.
fn pnpmfile(input: &ReadInput, npmrc: &str) -> Option<String> {
    if let Some(p) = rc_value(npmrc, "pnpmfile") {
        return Some(p.to_string());
    }
    [".pnpmfile.cjs", ".pnpmfile.mjs"]
        .iter()
        .find(|f| input.ctx.exists(&join(input.dir, f)))
        .map(|f| f.to_string())
}

/// pnpm-workspace.yaml keys that leave an in-sync lock as it is (measured
/// with pnpm 9.15 and 10.34); pnpm 10 reads the others as settings, some of
/// which it records in the lock (`overrides`).
const WORKSPACE_KEYS: &[&str] = &["packages", "catalog", "catalogs", "onlyBuiltDependencies"];

/// `settings` keys of a lock this proof covers; pnpm 10 drops others
/// (`injectWorkspacePackages: true` without the setting).
const SETTINGS_KEYS: &[&str] = &[
    "autoInstallPeers",
    "excludeLinksFromLockfile",
    "peersSuffixMaxLength",
];

/// Why pnpm-workspace.yaml's keys may change the lock: a key but those of
/// `WORKSPACE_KEYS`.
fn workspace_settings(text: &str) -> Option<String> {
    let docs = YamlLoader::load_from_str(text).ok()?;
    let key = docs
        .first()?
        .as_hash()?
        .keys()
        .filter_map(Yaml::as_str)
        .find(|k| !WORKSPACE_KEYS.contains(k))?;
    Some(format!(
        "dockopt does not check pnpm-workspace.yaml's `{key}`, which pnpm 10 reads as a setting and may record in it"
    ))
}

/// A key's value in an `.npmrc` text.
fn rc_value<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().rev().find_map(|l| {
        let (k, v) = l.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// Why the lock `text` is not proven in sync with the manifests (importer
/// id, package.json), `None` when it is.
fn stale(text: &str, manifests: &[(String, Value)], npmrc: &str) -> Option<String> {
    let docs = match YamlLoader::load_from_str(text) {
        Ok(d) => d,
        Err(e) => return Some(format!("it is not valid YAML ({e})")),
    };
    let doc = docs.first()?;
    let Some(map) = doc.as_hash() else {
        return Some("it is not a pnpm lock".into());
    };
    if let Some(k) = map
        .keys()
        .filter_map(Yaml::as_str)
        .find(|k| !KNOWN.contains(k))
    {
        return Some(format!(
            "dockopt does not check its `{k}`, which pnpm compares"
        ));
    }
    let root = &manifests[0].1;
    if let Some(why) = version(doc, root) {
        return Some(why);
    }
    for (key, rc, default) in SETTINGS {
        let want = rc_value(npmrc, rc).map_or(*default, |v| v == "true");
        if doc["settings"][*key].as_bool() != Some(want) {
            return Some(format!(
                "its `settings.{key}` is not {want}, the value pnpm installs with"
            ));
        }
    }
    if let Some(k) = doc["settings"]
        .as_hash()
        .into_iter()
        .flat_map(|h| h.keys())
        .filter_map(Yaml::as_str)
        .find(|k| !SETTINGS_KEYS.contains(k))
    {
        return Some(format!("dockopt does not check its `settings.{k}`"));
    }
    // A number pnpm records only when .npmrc sets it (measured: pnpm 9.15
    // writes `peersSuffixMaxLength: 500` for `peers-suffix-max-length=500`).
    let want = rc_value(npmrc, "peers-suffix-max-length");
    let have = match &doc["settings"]["peersSuffixMaxLength"] {
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::BadValue => None,
        _ => Some(String::new()),
    };
    if want.map(str::to_string) != have {
        return Some(
            "its `settings.peersSuffixMaxLength` is not .npmrc's `peers-suffix-max-length`".into(),
        );
    }
    if let Some(why) = root_fields(doc, root) {
        return Some(why);
    }
    let peers = doc["settings"]["autoInstallPeers"].as_bool() == Some(true);
    manifests
        .iter()
        .find_map(|(id, json)| {
            let importer = if doc["importers"].is_badvalue() && id == "." {
                doc
            } else {
                &doc["importers"][id.as_str()]
            };
            importer_stale(importer, json, id, peers)
        })
        .or_else(|| missing_entry(doc))
}

/// package.json's `pnpm` keys and overrides against the lock.
fn root_fields(doc: &Yaml, root: &Value) -> Option<String> {
    let pnpm = root.get("pnpm").and_then(Value::as_object);
    if let Some(k) = pnpm
        .into_iter()
        .flat_map(|p| p.keys())
        .find(|k| !PNPM_KEYS.contains(&k.as_str()))
    {
        return Some(format!(
            "dockopt does not check package.json's `pnpm.{k}`, which pnpm may record in it"
        ));
    }
    // pnpm reads `resolutions` as overrides too; a name in both is not judged.
    let mut want = serde_json::Map::new();
    for table in [
        root.get("resolutions"),
        pnpm.and_then(|p| p.get("overrides")),
    ] {
        for (k, v) in table.and_then(Value::as_object).into_iter().flatten() {
            if want
                .insert(k.clone(), v.clone())
                .is_some_and(|old| &old != v)
            {
                return Some(format!(
                    "package.json overrides `{k}` in both `resolutions` and `pnpm.overrides`"
                ));
            }
        }
    }
    let want = (!want.is_empty()).then_some(Value::Object(want));
    (to_json(&doc["overrides"]) != want)
        .then(|| "its `overrides` are not package.json's `pnpm.overrides` and `resolutions`".into())
}

/// The first version an importer or snapshot names that has no entry in
/// `packages` and `snapshots` (pnpm resolves it again and writes the lock).
fn missing_entry(doc: &Yaml) -> Option<String> {
    if doc["lockfileVersion"].as_str() != Some("9.0") {
        return None;
    }
    let mut todo: Vec<String> = Vec::new();
    let deps = |node: &Yaml, tables: &[&str], out: &mut Vec<String>| {
        for t in tables {
            for (name, v) in node[*t].as_hash().into_iter().flatten() {
                let version = v["version"].as_str().or(v.as_str());
                if let (Some(name), Some(version)) = (name.as_str(), version) {
                    if !version.starts_with("link:") {
                        out.push(snapshot_key(name, version));
                    }
                }
            }
        }
    };
    for (_, importer) in doc["importers"].as_hash().into_iter().flatten() {
        deps(importer, TABLES, &mut todo);
    }
    let mut seen = std::collections::BTreeSet::new();
    while let Some(key) = todo.pop() {
        if !seen.insert(key.clone()) {
            continue;
        }
        let package = key.split('(').next().unwrap_or(&key);
        let snapshot = &doc["snapshots"][key.as_str()];
        if doc["packages"][package].is_badvalue() || snapshot.is_badvalue() {
            return Some(format!("it has no entry for `{key}`, which it depends on"));
        }
        deps(
            snapshot,
            &["dependencies", "optionalDependencies"],
            &mut todo,
        );
    }
    None
}

/// The snapshot key of a dependency: `name@version`, or the version itself
/// for an alias (`string-width-cjs: string-width@4.2.3`).
fn snapshot_key(name: &str, version: &str) -> String {
    if version.get(1..).is_some_and(|v| v.contains('@')) {
        version.to_string()
    } else {
        format!("{name}@{version}")
    }
}

/// The lock format against the pnpm that runs (its `packageManager`, if named).
fn version(doc: &Yaml, root: &Value) -> Option<String> {
    let v = match &doc["lockfileVersion"] {
        Yaml::String(s) => s.clone(),
        Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        _ => return Some("it has no `lockfileVersion`".into()),
    };
    let major = root
        .get("packageManager")
        .and_then(Value::as_str)
        .and_then(|p| p.strip_prefix("pnpm@"))
        .and_then(|v| v.split('.').next()?.parse::<u32>().ok());
    match (v.as_str(), major) {
        ("9.0", None) => None,
        ("9.0", Some(m)) if m >= 9 => None,
        (v, Some(m)) if m < 9 => Some(format!(
            "it is a lockfileVersion {v} lock for pnpm {m} (packageManager), but the image's pnpm may be another: pnpm 9 and later rewrite all but 9.0"
        )),
        (v, _) => Some(format!(
            "it is a lockfileVersion {v} lock, which pnpm 9 and later rewrite"
        )),
    }
}

/// Why an importer's tables are not package.json's.
fn importer_stale(importer: &Yaml, json: &Value, id: &str, peers: bool) -> Option<String> {
    let path = if id == "." {
        "package.json".to_string()
    } else {
        format!("{id}/package.json")
    };
    if importer.is_badvalue() {
        return Some(format!("it has no importer `{id}` for {path}"));
    }
    if let Some(k) = importer
        .as_hash()
        .into_iter()
        .flat_map(|h| h.keys())
        .filter_map(Yaml::as_str)
        .find(|k| !TABLES.contains(k))
    {
        return Some(format!(
            "dockopt does not check the `{k}` of its importer `{id}`"
        ));
    }
    if json.get("dependenciesMeta").is_some() {
        return Some(format!(
            "dockopt does not check the `dependenciesMeta` of {path}, which pnpm records in it"
        ));
    }
    let tables = tables(json, peers).map_err(|name| {
        format!("`{name}` is in two dependency tables of {path}, and pnpm keeps only one")
    });
    let tables = match tables {
        Ok(t) => t,
        Err(why) => return Some(why),
    };
    for (table, want) in TABLES.iter().zip(tables) {
        let mut have: Vec<(String, String)> = importer[*table]
            .as_hash()
            .map(|h| {
                h.iter()
                    .filter_map(|(k, v)| {
                        let spec = v["specifier"].as_str()?.to_string();
                        Some((k.as_str()?.to_string(), spec))
                    })
                    .collect()
            })
            .unwrap_or_default();
        have.sort();
        if have != want {
            return Some(format!(
                "the `{table}` of its importer `{id}` are not those of {path}"
            ));
        }
    }
    None
}

/// package.json's dependency tables as pnpm records them (names and
/// specifiers, sorted, in `TABLES` order); with `peers` (autoInstallPeers)
/// the `peerDependencies` no table lists join `dependencies`. Err: a name
/// in two tables.
fn tables(json: &Value, peers: bool) -> Result<Vec<Vec<(String, String)>>, String> {
    let entries = |t: &str| -> Vec<(String, String)> {
        json.get(t)
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out: Vec<Vec<(String, String)>> = TABLES.iter().map(|t| entries(t)).collect();
    let mut names = std::collections::BTreeSet::new();
    for (name, _) in out.iter().flatten() {
        if !names.insert(name.clone()) {
            return Err(name.clone());
        }
    }
    if peers {
        let extra = entries("peerDependencies");
        out[0].extend(extra.into_iter().filter(|(n, _)| !names.contains(n)));
    }
    for t in &mut out {
        t.sort();
    }
    Ok(out)
}

/// A YAML value as JSON (strings, numbers, booleans, maps, lists); `None`
/// for a missing value.
fn to_json(y: &Yaml) -> Option<Value> {
    Some(match y {
        Yaml::String(s) | Yaml::Real(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::String(i.to_string()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .filter_map(|(k, v)| Some((k.as_str()?.to_string(), to_json(v)?)))
                .collect(),
        ),
        Yaml::Array(a) => Value::Array(a.iter().filter_map(to_json).collect()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LOCK: &str = "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n      left-pad:\n        specifier: ^1.3.0\n        version: 1.3.0\n    devDependencies:\n      ms:\n        specifier: ^2.1.3\n        version: 2.1.3\n\npackages:\n\n  left-pad@1.3.0:\n    resolution: {integrity: sha512-x==}\n\n  ms@2.1.3:\n    resolution: {integrity: sha512-y==}\n\nsnapshots:\n\n  left-pad@1.3.0: {}\n\n  ms@2.1.3: {}\n";

    fn root(j: Value) -> Vec<(String, Value)> {
        vec![(".".into(), j)]
    }

    #[test]
    fn in_sync() {
        let m = root(
            json!({"dependencies": {"left-pad": "^1.3.0"}, "devDependencies": {"ms": "^2.1.3"}}),
        );
        assert_eq!(stale(LOCK, &m, ""), None);
        assert_eq!(stale(&LOCK.replace('\n', "\r\n"), &m, ""), None);
    }

    #[test]
    fn stale_locks() {
        let m = root(
            json!({"dependencies": {"left-pad": "^1.2.0"}, "devDependencies": {"ms": "^2.1.3"}}),
        );
        assert!(stale(LOCK, &m, "").unwrap().contains("`dependencies`"));
        let ok = root(
            json!({"dependencies": {"left-pad": "^1.3.0"}, "devDependencies": {"ms": "^2.1.3"}}),
        );
        assert!(stale(LOCK, &ok, "auto-install-peers=false")
            .unwrap()
            .contains("autoInstallPeers"));
        let v6 = LOCK.replace("'9.0'", "'6.0'");
        assert!(stale(&v6, &ok, "").unwrap().contains("6.0"));
        let mut pinned = ok[0].1.clone();
        pinned["packageManager"] = json!("pnpm@8.15.0");
        // pnpm 9.15 rewrites a 6.0 lock whatever packageManager names.
        assert!(stale(&v6, &root(pinned.clone()), "")
            .unwrap()
            .contains("may be another"));
        assert!(stale(LOCK, &root(pinned), "").unwrap().contains("pnpm 8"));
        let mut over = ok[0].1.clone();
        over["pnpm"] = json!({"overrides": {"ms": "2.1.2"}});
        assert!(stale(LOCK, &root(over.clone()), "")
            .unwrap()
            .contains("overrides"));
        let with = LOCK.replace("settings:", "overrides:\n  ms: 2.1.2\n\nsettings:");
        assert_eq!(stale(&with, &root(over), ""), None);
        let patched = format!("{LOCK}\npatchedDependencies:\n  ms: {{}}\n");
        assert!(stale(&patched, &ok, "")
            .unwrap()
            .contains("patchedDependencies"));
    }

    /// What pnpm 9.15 rewrote in a lock with in-sync importers (measured).
    #[test]
    fn fields_pnpm_records() {
        let deps = json!({"left-pad": "^1.3.0"});
        let dev = json!({"ms": "^2.1.3"});
        let with = |k: &str, v: Value| {
            let mut j = json!({"dependencies": deps, "devDependencies": dev});
            j[k] = v;
            root(j)
        };
        let why = |m: &[(String, Value)]| stale(LOCK, m, "").unwrap_or_default();
        assert!(why(&with("resolutions", json!({"ms": "2.1.3"}))).contains("resolutions"));
        for k in [
            "packageExtensions",
            "patchedDependencies",
            "ignoredOptionalDependencies",
        ] {
            assert!(why(&with("pnpm", json!({k: {}}))).contains(k), "{k}");
        }
        assert_eq!(
            why(&with("pnpm", json!({"onlyBuiltDependencies": ["ms"]}))),
            ""
        );
        assert!(why(&with("dependenciesMeta", json!({"ms": {}}))).contains("dependenciesMeta"));
        // A peer no table lists is installed (autoInstallPeers) and locked.
        assert!(why(&with("peerDependencies", json!({"kleur": "4"}))).contains("dependencies"));
        assert_eq!(why(&with("peerDependencies", json!({"ms": "2"}))), "");
        let both = root(json!({"dependencies": deps, "devDependencies": {"left-pad": "^1.3.0"}}));
        assert!(why(&both).contains("two dependency tables"));
        let meta = LOCK.replace(
            "    devDependencies:",
            "    dependenciesMeta:\n      ms: {}\n    devDependencies:",
        );
        let ok = with("name", json!("x"));
        assert!(stale(&meta, &ok, "").unwrap().contains("dependenciesMeta"));
        let gone = LOCK.replace("\n  ms@2.1.3: {}\n", "\n");
        assert!(stale(&gone, &ok, "").unwrap().contains("ms@2.1.3"));
        assert_eq!(stale(LOCK, &ok, ""), None);
        let inject = LOCK.replace(
            "settings:\n",
            "settings:\n  injectWorkspacePackages: true\n",
        );
        assert!(stale(&inject, &ok, "")
            .unwrap()
            .contains("injectWorkspacePackages"));
        assert!(
            workspace_settings("packages:\n  - .\noverrides:\n  ms: 2.1.3\n")
                .unwrap()
                .contains("`overrides`")
        );
        assert_eq!(
            workspace_settings("packages:\n  - .\ncatalog:\n  ms: 2.1.3\n"),
            None
        );
        let rc = "peers-suffix-max-length=500";
        assert!(stale(LOCK, &ok, rc)
            .unwrap()
            .contains("peersSuffixMaxLength"));
        let set = LOCK.replace("settings:\n", "settings:\n  peersSuffixMaxLength: 500\n");
        assert_eq!(stale(&set, &ok, rc), None);
        assert!(stale(&set, &ok, "")
            .unwrap()
            .contains("peersSuffixMaxLength"));
    }

    #[test]
    fn workspace_importers() {
        let ws = LOCK.replace(
            "\npackages:",
            "\n  packages/a:\n    dependencies:\n      ms:\n        specifier: ^2.1.3\n        version: 2.1.3\n\npackages:",
        );
        let mut m = root(
            json!({"dependencies": {"left-pad": "^1.3.0"}, "devDependencies": {"ms": "^2.1.3"}}),
        );
        m.push((
            "packages/a".into(),
            json!({"dependencies": {"ms": "^2.1.3"}}),
        ));
        assert_eq!(stale(&ws, &m, ""), None);
        m.push(("packages/b".into(), json!({})));
        assert!(stale(&ws, &m, "").unwrap().contains("`packages/b`"));
    }
}
