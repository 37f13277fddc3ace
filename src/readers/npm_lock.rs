//! `npm install` rewrites `package-lock.json` when the lock is stale: the
//! original image then holds the rewritten lock (the install runs after the
//! source copy), the rewrite holds the context's old one (the source copy runs
//! after the install and puts it back). A lock provably stale is refused; one
//! dockopt cannot judge is left to the rest of the rule, as before.
//!
//! Stale: `lockfileVersion` 1 or none (npm 7 and later rewrite it in the
//! v2/v3 format), no root entry `packages[""]`, a root entry whose
//! dependency tables are not those of package.json (npm records
//! package.json's specs there as written), a dependency of package.json
//! without an entry, or bytes not in npm's layout (`npm_layout`).

use serde_json::{Map, Value};

use super::npm_lock_tree::Verdict;

/// The dependency tables npm copies into the lock's root entry.
const TABLES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Why a workspace member's entry `packages[dir]` is stale against its
/// package.json (`read` gives it, by the member's directory): npm records the
/// same tables and fields there (not `name` when it is the directory's).
pub(super) fn stale_member(lock: &Value, read: impl Fn(&str) -> Option<Value>) -> Option<String> {
    let packages = lock.get("packages")?.as_object()?;
    packages
        .iter()
        .filter(|(k, _)| {
            !k.is_empty() && !k.starts_with("node_modules/") && !k.contains("/node_modules/")
        })
        .find_map(|(dir, entry)| {
            let manifest = read(dir)?;
            let t = TABLES
                .iter()
                .find(|t| table(manifest.get(**t)) != table(entry.get(**t)));
            let f = t.or_else(|| FIELDS.iter().find(|f| manifest.get(**f) != entry.get(**f)))?;
            Some(format!(
                "the `{f}` of its {dir} entry are not those of {dir}/package.json"
            ))
        })
}

/// Why `lock` is stale against `manifest`, or `None` when it is not provably so.
pub(super) fn stale(manifest: &Value, lock: &Value) -> Option<String> {
    match lock.get("lockfileVersion").and_then(Value::as_u64) {
        Some(1) => {
            return Some("it is a lockfileVersion 1 lock, which npm 7 and later rewrite".into())
        }
        Some(_) => {}
        None => return Some("it has no `lockfileVersion`, which npm writes".into()),
    }
    let Some(root) = lock
        .get("packages")
        .and_then(|p| p.get(""))
        .and_then(Value::as_object)
    else {
        return Some("it has no root entry `packages[\"\"]`, which npm writes".into());
    };
    let tables = TABLES.iter().find_map(|t| {
        let want = table(manifest.get(*t));
        let have = table(root.get(*t));
        (want != have).then(|| format!("its `{t}` are not those of package.json"))
    });
    tables.or_else(|| {
        FIELDS
            .iter()
            .chain(manifest.get("name").is_some().then_some(&"name"))
            .find(|f| manifest.get(**f) != root.get(**f))
            .map(|f| format!("its `{f}` is not that of package.json"))
    })
}

/// Why the lock lacks an entry npm adds: a dependency of package.json (of
/// the workspace member at `dir`, `""` for the root) with no
/// `node_modules/<name>` entry where node would find it (the member's own
/// `node_modules`, then the root's). Peer dependencies are left out (not
/// installed with `legacy-peer-deps`).
pub(super) fn missing_entry(lock: &Value, manifest: &Value, dir: &str) -> Option<String> {
    let packages = lock.get("packages")?.as_object()?;
    let installed = &TABLES[..3];
    installed.iter().find_map(|t| {
        let deps = manifest.get(*t)?.as_object()?;
        deps.keys().find_map(|name| {
            let own = format!("{dir}/node_modules/{name}");
            let hoisted = format!("node_modules/{name}");
            let found =
                (!dir.is_empty() && packages.contains_key(&own)) || packages.contains_key(&hoisted);
            let manifest = if dir.is_empty() {
                "package.json".to_string()
            } else {
                format!("{dir}/package.json")
            };
            (!found).then(|| format!("it has no entry for `{name}`, a dependency in {manifest}"))
        })
    })
}

/// Why the lock is not what `npm install` keeps, beyond its root entry and
/// layout: the top-level keys npm sets (`requires: true`, the root entry's
/// `name` and `version`, no others), and the tree (`npm_lock_tree`: every
/// dependency at a version in its range, no entry nothing depends on, the
/// flags npm computes). What dockopt cannot judge says so.
pub(super) fn unsynced(lock: &Value) -> Option<String> {
    let v3 = lock.get("lockfileVersion").and_then(Value::as_u64) == Some(3);
    let top = lock.as_object()?;
    let allowed = |k: &str| {
        matches!(
            k,
            "name" | "version" | "lockfileVersion" | "requires" | "packages"
        ) || (k == "dependencies" && !v3)
    };
    if let Some(k) = top.keys().find(|k| !allowed(k)) {
        return Some(format!("npm drops its top-level `{k}`"));
    }
    if lock.get("requires") != Some(&Value::Bool(true)) {
        return Some("npm sets its top-level `requires` to true".into());
    }
    let root = lock.get("packages").and_then(|p| p.get(""));
    if let Some(key) = ["name", "version"]
        .into_iter()
        .find(|k| lock.get(*k) != root.and_then(|r| r.get(*k)))
    {
        return Some(format!(
            "its top-level `{key}` is not its root entry's, which npm copies"
        ));
    }
    match super::npm_lock_tree::check(lock) {
        Ok(()) => None,
        Err(Verdict::Stale(why)) => Some(why),
        Err(Verdict::Unknown(why)) => Some(format!("dockopt cannot show it in sync: {why}")),
    }
}

/// Fields npm copies verbatim from package.json into the lock's root entry
/// (and rewrites when they differ: a bumped `version` alone does). `name` is
/// compared only when package.json has one (npm records the directory's
/// otherwise); `bin` and `funding` are normalised by npm, so not compared.
const FIELDS: &[&str] = &[
    "version",
    "license",
    "engines",
    "os",
    "cpu",
    "peerDependenciesMeta",
];

fn table(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::stale;
    use serde_json::json;

    #[test]
    fn a_lock_is_stale_only_when_provably_so() {
        let m = json!({"dependencies": {"a": "^1.0.0"}, "devDependencies": {"b": "2"}});
        let synced = json!({"lockfileVersion": 3, "packages": {"": {"dependencies": {"a": "^1.0.0"}, "devDependencies": {"b": "2"}}}});
        assert_eq!(stale(&m, &synced), None);
        let added =
            json!({"lockfileVersion": 3, "packages": {"": {"dependencies": {"a": "^1.0.0"}}}});
        assert!(stale(&m, &added).unwrap().contains("devDependencies"));
        let bumped = json!({"lockfileVersion": 2, "packages": {"": {"dependencies": {"a": "^1.1.0"}, "devDependencies": {"b": "2"}}}});
        assert!(stale(&m, &bumped).unwrap().contains("`dependencies`"));
        assert!(stale(&m, &json!({"lockfileVersion": 1}))
            .unwrap()
            .contains("lockfileVersion 1"));
        // npm rewrites the root entry's copied fields too (checked with npm 11).
        let named = json!({"name": "x", "version": "1.0.1", "license": "MIT"});
        let lock = |v: &str| json!({"lockfileVersion": 3, "packages": {"": {"name": "x", "version": v, "license": "MIT"}}});
        assert_eq!(stale(&named, &lock("1.0.1")), None);
        assert!(stale(&named, &lock("1.0.0")).unwrap().contains("`version`"));
        let unnamed = json!({"version": "1.0.0"});
        let dir_named =
            json!({"lockfileVersion": 3, "packages": {"": {"name": "app", "version": "1.0.0"}}});
        assert_eq!(stale(&unnamed, &dir_named), None);
        // A workspace member's entry is rewritten too.
        let ws = json!({"lockfileVersion": 3, "packages": {"": {}, "node_modules/a": {"link": true}, "packages/a": {"version": "1.0.0"}}});
        let member = |v: &'static str| {
            move |d: &str| (d == "packages/a").then(|| json!({"name": "a", "version": v}))
        };
        assert_eq!(super::stale_member(&ws, member("1.0.0")), None);
        assert!(super::stale_member(&ws, member("1.0.1"))
            .unwrap()
            .contains("packages/a"));
        // No version or root entry: npm writes them (checked with npm 11.19).
        assert!(stale(&m, &json!({})).unwrap().contains("lockfileVersion"));
        assert!(stale(&m, &json!({"lockfileVersion": 3}))
            .unwrap()
            .contains("root entry"));
        // A dependency without an entry where node finds it.
        let lock = json!({"packages": {"": {}, "node_modules/a": {}, "p/node_modules/b": {}}});
        assert_eq!(
            super::missing_entry(&lock, &json!({"dependencies": {"a": "1"}}), ""),
            None
        );
        assert!(super::missing_entry(&lock, &m, "").unwrap().contains("`b`"));
        let member = json!({"dependencies": {"a": "1"}, "devDependencies": {"b": "2"}});
        assert_eq!(super::missing_entry(&lock, &member, "p"), None);
        assert!(super::missing_entry(&lock, &member, "q")
            .unwrap()
            .contains("q/package.json"));
    }
}
