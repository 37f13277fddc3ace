//! pnpm rewrites pnpm-lock.yaml on `pnpm install` (without
//! `--frozen-lockfile`; pnpm installs frozen in CI, which a Docker build is
//! not unless the Dockerfile sets `CI`) when it is out of date. Checked with
//! pnpm 9.15: an in-sync lock is kept whatever its layout (indentation,
//! quoting, line endings, final line break); a specifier unlike
//! package.json's, a `settings` value unlike pnpm's, or an older format
//! (a `6.0` lock under pnpm 9) is rewritten. The proof: a format the pnpm
//! that runs writes (`9.0`: pnpm 9 and later; `6.x`: pnpm 8, named by
//! `packageManager`), `settings` equal to pnpm's (the defaults or `.npmrc`),
//! `overrides` equal to package.json's `pnpm.overrides`, every importer's
//! dependency tables (names and specifiers) equal to its package.json's,
//! and nothing else pnpm compares (a patch, pnpmfile or catalog checksum).

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
    let overrides = root.get("pnpm").and_then(|p| p.get("overrides"));
    if to_json(&doc["overrides"]) != overrides.cloned() {
        return Some("its `overrides` are not package.json's `pnpm.overrides`".into());
    }
    manifests.iter().find_map(|(id, json)| {
        let importer = if doc["importers"].is_badvalue() && id == "." {
            doc
        } else {
            &doc["importers"][id.as_str()]
        };
        importer_stale(importer, json, id)
    })
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
        ("6.0" | "6.1", Some(8)) => None,
        (v, Some(m)) => Some(format!(
            "it is a lockfileVersion {v} lock, which pnpm {m} (packageManager) does not keep"
        )),
        (v, None) => Some(format!(
            "it is a lockfileVersion {v} lock, which pnpm 9 and later rewrite; package.json names no packageManager that keeps it"
        )),
    }
}

/// Why an importer's tables are not package.json's.
fn importer_stale(importer: &Yaml, json: &Value, id: &str) -> Option<String> {
    let path = if id == "." {
        "package.json".to_string()
    } else {
        format!("{id}/package.json")
    };
    if importer.is_badvalue() {
        return Some(format!("it has no importer `{id}` for {path}"));
    }
    for table in TABLES {
        let want: Vec<(String, String)> = json
            .get(*table)
            .and_then(Value::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                    .collect()
            })
            .unwrap_or_default();
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
        let mut want = want;
        want.sort();
        if have != want {
            return Some(format!(
                "the `{table}` of its importer `{id}` are not those of {path}"
            ));
        }
    }
    None
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
        assert_eq!(stale(&v6, &root(pinned.clone()), ""), None);
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
