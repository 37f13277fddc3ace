//! `npm install` rewrites `package-lock.json` when the lock is stale: the
//! original image then holds the rewritten lock (the install runs after the
//! source copy), the rewrite holds the context's old one (the source copy runs
//! after the install and puts it back). A lock provably stale is refused; one
//! dockopt cannot judge is left to the rest of the rule, as before.
//!
//! Provably stale: `lockfileVersion` 1 (npm 7 and later rewrite it in the
//! v2/v3 format), or a root entry `packages[""]` whose dependency tables are
//! not those of package.json (npm records package.json's specs there as
//! written).

use serde_json::{Map, Value};

/// The dependency tables npm copies into the lock's root entry.
const TABLES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Why `lock` is stale against `manifest`, or `None` when it is not provably so.
pub(super) fn stale(manifest: &Value, lock: &Value) -> Option<String> {
    match lock.get("lockfileVersion").and_then(Value::as_u64) {
        Some(1) => {
            return Some("it is a lockfileVersion 1 lock, which npm 7 and later rewrite".into())
        }
        Some(_) => {}
        None => return None,
    }
    let root = lock.get("packages")?.get("")?.as_object()?;
    TABLES.iter().find_map(|t| {
        let want = table(manifest.get(*t));
        let have = table(root.get(*t));
        (want != have).then(|| format!("its `{t}` are not those of package.json"))
    })
}

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
        // Nothing to judge by: left to the rest of the rule.
        assert_eq!(stale(&m, &json!({})), None);
        assert_eq!(stale(&m, &json!({"lockfileVersion": 3})), None);
    }
}
