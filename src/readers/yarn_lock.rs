//! yarn classic rewrites yarn.lock on `yarn install` (without
//! `--frozen-lockfile`, `--pure-lockfile` or `--no-lockfile`) unless it is in
//! sync: yarn 1.22's `Install.saveLockfileAndIntegrity` skips the write only
//! when the lock parsed without a merge conflict, holds every pattern
//! (`name@range`) of package.json and of the workspace members, and every
//! key it holds is a pattern the resolution reached (each entry's
//! `dependencies` and `optionalDependencies` are patterns too). Its bytes
//! do not matter then: yarn does not rewrite an in-sync lock for its
//! layout, and keeps its line endings when it does write (checked with yarn
//! 1.22.22). The proof here follows those conditions; a lock it cannot read
//! is not proven in sync.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{join, stale_lock, ReadInput, Refusal};

/// Tables whose entries are patterns yarn locks (peers are not installed).
const TABLES: &[&str] = &["dependencies", "devDependencies", "optionalDependencies"];

/// Sections of a lock entry that list the patterns it depends on.
const ENTRY_DEPS: &[&str] = &["dependencies", "optionalDependencies"];

/// A yarn v1 lockfile: each key (pattern) and the patterns its entry depends on.
#[derive(Debug, Default)]
struct Lock {
    keys: BTreeMap<String, usize>,
    deps: Vec<Vec<String>>,
}

/// The refusal for `yarn install` with a yarn.lock not proven in sync with
/// `root` (package.json) and the workspace `members` (directories).
pub(super) fn check(input: &ReadInput, root: &Value, members: &[String]) -> Option<Refusal> {
    let lock = stale_lock::lock_to_check(input)?;
    if frozen_by_yarnrc(input) {
        return None;
    }
    let text = input.ctx.read_to_string(&lock)?;
    let mut manifests = vec![(join(input.dir, "package.json"), root.clone())];
    for m in members {
        let path = join(m, "package.json");
        let json = input.ctx.read_to_string(&path)?;
        manifests.push((path, serde_json::from_str(&json).ok()?));
    }
    let why = stale(&text, &manifests)?;
    Some(stale_lock::refusal(input, &lock, &why, "yarn install"))
}

/// `.yarnrc` in the project or above with `--frozen-lockfile true` or
/// `--pure-lockfile true` (also `--install.`-prefixed, the key maybe
/// quoted): yarn applies it as the flag. Without the `--` yarn 1.22.22
/// ignores it (measured: `frozen-lockfile true` and
/// `install.frozen-lockfile true` leave the install writing the lock).
fn frozen_by_yarnrc(input: &ReadInput) -> bool {
    std::iter::once(input.dir.to_string())
        .chain(super::jspm::ancestors(input.dir))
        .filter_map(|d| input.ctx.read_to_string(&join(&d, ".yarnrc")))
        .any(|text| {
            text.lines().any(|line| {
                let mut words = line.split_whitespace();
                let key = words.next().unwrap_or("").trim_matches('"');
                let Some(bare) = key.strip_prefix("--") else {
                    return false;
                };
                let bare = bare.strip_prefix("install.").unwrap_or(bare);
                matches!(bare, "frozen-lockfile" | "pure-lockfile") && words.next() == Some("true")
            })
        })
}

/// Why the lock `text` is not proven in sync with the manifests, `None`
/// when it is.
fn stale(text: &str, manifests: &[(String, Value)]) -> Option<String> {
    let lock = match parse(text) {
        Ok(l) => l,
        Err(e) => return Some(e),
    };
    let members: BTreeSet<&str> = manifests[1..]
        .iter()
        .filter_map(|(_, j)| j.get("name")?.as_str())
        .collect();
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = Vec::new();
    for (path, json) in manifests {
        if let Some(name) = two_ranges(json) {
            return Some(format!(
                "{path} lists `{name}` in two dependency tables with different ranges, and yarn locks only one"
            ));
        }
        for table in TABLES {
            let Some(deps) = json.get(*table).and_then(Value::as_object) else {
                continue;
            };
            for (name, spec) in deps {
                if members.contains(name.as_str()) {
                    continue; // a workspace member: linked, not locked
                }
                let Some(spec) = spec.as_str() else {
                    return Some(format!("{path}: `{name}` is not a string"));
                };
                let pattern = format!("{name}@{spec}");
                if !lock.keys.contains_key(&pattern) {
                    return Some(format!(
                        "it has no entry for `{pattern}`, a dependency in {path}"
                    ));
                }
                todo.push(pattern);
            }
        }
    }
    if todo.is_empty() && manifests.len() == 1 && text != EMPTY_LOCK {
        return Some(
            "package.json has no dependencies, and yarn then writes the lock whatever it holds"
                .into(),
        );
    }
    if let Some(why) = walk(&lock, &mut todo, &mut reached) {
        return Some(why);
    }
    if let Some(why) = resolutions(&lock, &manifests[0].1, &mut reached) {
        return Some(why);
    }
    lock.keys
        .keys()
        .find(|k| !reached.contains(*k))
        .map(|k| format!("its entry `{k}` is not needed by any dependency, and yarn drops it"))
}

/// What yarn 1.22 writes for a project without dependencies: it writes the
/// lock on every install that has no pattern, so only these bytes are kept.
const EMPTY_LOCK: &str =
    "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n";

/// A name two of package.json's tables give different ranges: yarn locks
/// one (`optionalDependencies` over `dependencies` over `devDependencies`,
/// measured with yarn 1.22.22) and drops the other pattern's entry.
fn two_ranges(json: &Value) -> Option<String> {
    let mut seen: BTreeMap<&str, &Value> = BTreeMap::new();
    for table in TABLES {
        for (name, spec) in json
            .get(*table)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if seen.insert(name, spec).is_some_and(|old| old != spec) {
                return Some(name.clone());
            }
        }
    }
    None
}

/// Follow the entries' dependencies from `todo`; a pattern without an entry
/// is why the lock is stale.
fn walk(lock: &Lock, todo: &mut Vec<String>, reached: &mut BTreeSet<String>) -> Option<String> {
    while let Some(p) = todo.pop() {
        if !reached.insert(p.clone()) {
            continue;
        }
        let Some(&entry) = lock.keys.get(&p) else {
            return Some(format!("it has no entry for `{p}`"));
        };
        for d in &lock.deps[entry] {
            if !lock.keys.contains_key(d) {
                return Some(format!("it has no entry for `{d}`, a dependency of `{p}`"));
            }
            todo.push(d.clone());
        }
    }
    None
}

/// package.json's `resolutions` (`"**/ms": "2.1.2"`): yarn locks the
/// resolution's own pattern (`ms@2.1.2`) and what it depends on, whether or
/// not the package is in the tree (checked with yarn 1.22.22).
fn resolutions(lock: &Lock, root: &Value, reached: &mut BTreeSet<String>) -> Option<String> {
    let table = root.get("resolutions").and_then(Value::as_object)?;
    for (path, range) in table {
        let name = resolution_name(path);
        let Some(range) = range.as_str() else {
            return Some(format!("the resolution `{path}` is not a string"));
        };
        let pattern = format!("{name}@{range}");
        if !lock.keys.contains_key(&pattern) {
            return Some(format!(
                "it has no entry for `{pattern}`, the resolution `{path}` of package.json"
            ));
        }
        let mut todo = vec![pattern];
        if let Some(why) = walk(lock, &mut todo, reached) {
            return Some(why);
        }
    }
    None
}

/// The package a resolution key names: its last segment (`a/**/@s/b` → `@s/b`).
fn resolution_name(path: &str) -> &str {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [.., scope, name] if scope.starts_with('@') => {
            let start = path.len() - scope.len() - name.len() - 1;
            &path[start..]
        }
        [.., name] => name,
        [] => path,
    }
}

/// Parse a yarn v1 lockfile; an error says why it is not proven in sync.
fn parse(text: &str) -> Result<Lock, String> {
    let mut lock = Lock::default();
    let mut section: Option<bool> = None; // Some(collect) inside a nested table
    for (n, raw) in text.lines().enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let bad = || {
            format!(
                "dockopt cannot read line {} as yarn v1 lockfile syntax",
                n + 1
            )
        };
        if ["<<<<<<<", "=======", ">>>>>>>"]
            .iter()
            .any(|m| line.starts_with(m))
        {
            return Err("it holds a merge conflict, which yarn resolves and rewrites".into());
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let body = line.trim_start_matches(' ');
        if body.starts_with('\t') {
            return Err(bad());
        }
        match line.len() - body.len() {
            0 => {
                let keys = body.strip_suffix(':').ok_or_else(bad)?;
                let entry = lock.deps.len();
                lock.deps.push(Vec::new());
                for k in split_keys(keys).ok_or_else(bad)? {
                    lock.keys.insert(k, entry);
                }
                section = None;
            }
            2 if !lock.deps.is_empty() => {
                let (key, rest) = token(body).ok_or_else(bad)?;
                section = match (rest.is_empty(), key.strip_suffix(':')) {
                    (true, Some(k)) => Some(ENTRY_DEPS.contains(&k)),
                    (false, None) => None,
                    _ => return Err(bad()),
                };
            }
            4 => {
                let collect = section.ok_or_else(bad)?;
                let (name, rest) = token(body).ok_or_else(bad)?;
                let (range, tail) = token(rest).ok_or_else(bad)?;
                if !tail.is_empty() {
                    return Err(bad());
                }
                if collect {
                    let entry = lock.deps.len() - 1;
                    lock.deps[entry].push(format!("{name}@{range}"));
                }
            }
            _ => return Err(bad()),
        }
    }
    Ok(lock)
}

/// A key line's patterns, `, `-separated, each bare or JSON-quoted.
fn split_keys(mut s: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    loop {
        let (k, rest) = if s.starts_with('"') {
            let end = quoted_end(s)?;
            (serde_json::from_str(&s[..end]).ok()?, &s[end..])
        } else {
            let end = s.find(", ").unwrap_or(s.len());
            (s[..end].to_string(), &s[end..])
        };
        out.push(k);
        if rest.is_empty() {
            return Some(out);
        }
        s = rest.strip_prefix(", ")?;
    }
}

/// The first word of `s` (bare, or JSON-quoted and unquoted) and the rest,
/// trimmed.
fn token(s: &str) -> Option<(String, &str)> {
    if s.starts_with('"') {
        let end = quoted_end(s)?;
        let word = serde_json::from_str(&s[..end]).ok()?;
        return Some((word, s[end..].trim_start()));
    }
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    Some((s[..end].to_string(), s[end..].trim_start()))
}

/// The byte index just past the closing quote of the JSON string `s` opens.
fn quoted_end(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => return Some(i + 1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LOCK: &str = "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n\"@s/a@^1.0.0\", \"@s/a@^1.1.0\":\n  version \"1.1.0\"\n  resolved \"https://registry.yarnpkg.com/@s/a/-/a-1.1.0.tgz#abc\"\n  integrity sha512-x==\n  dependencies:\n    ms \"^2.1.3\"\n\nms@^2.1.3:\n  version \"2.1.3\"\n";

    fn manifests(deps: Value) -> Vec<(String, Value)> {
        vec![("package.json".into(), deps)]
    }

    /// The root depends on `@s/a@^1.0.0` (and `root`), a workspace member
    /// `b` on `@s/a@^1.1.0`.
    fn two(root: Value) -> Vec<(String, Value)> {
        let mut root = root;
        root["dependencies"]["@s/a"] = json!("^1.0.0");
        let member = json!({"name": "b", "dependencies": {"@s/a": "^1.1.0"}});
        vec![
            ("package.json".into(), root),
            ("b/package.json".into(), member),
        ]
    }

    #[test]
    fn in_sync_when_every_pattern_has_an_entry_and_every_key_is_needed() {
        let m = two(json!({}));
        assert_eq!(stale(LOCK, &m), None);
        assert_eq!(stale(&LOCK.replace('\n', "\r\n"), &m), None);
    }

    #[test]
    fn stale_when_a_pattern_is_missing_or_a_key_unneeded() {
        let added = two(json!({"dependencies": {"ms": "^2.0.0"}}));
        assert!(stale(LOCK, &added).unwrap().contains("`ms@^2.0.0`"));
        let removed = manifests(json!({"dependencies": {"@s/a": "^1.0.0"}}));
        assert!(stale(LOCK, &removed).unwrap().contains("`@s/a@^1.1.0`"));
        let transitive = LOCK.replace("ms@^2.1.3:", "ms@^2.1.0:");
        let m = two(json!({"dependencies": {"ms": "^2.1.0"}}));
        assert!(stale(&transitive, &m).unwrap().contains("`ms@^2.1.3`"));
        let conflict = format!("{LOCK}<<<<<<< HEAD\n");
        assert!(stale(&conflict, &m).unwrap().contains("merge conflict"));
        let indented = LOCK.replace("  version", "   version");
        assert!(stale(&indented, &m).unwrap().contains("cannot read"));
    }

    /// Measured with yarn 1.22.22.
    #[test]
    fn what_yarn_rewrites_without_a_missing_pattern() {
        // The same name in two tables with different ranges: one is dropped.
        let both = manifests(
            json!({"dependencies": {"@s/a": "^1.0.0"}, "devDependencies": {"@s/a": "^1.1.0"}}),
        );
        assert!(stale(LOCK, &both)
            .unwrap()
            .contains("two dependency tables"));
        let same = manifests(
            json!({"dependencies": {"ms": "^2.1.3"}, "devDependencies": {"ms": "^2.1.3"}}),
        );
        let ms = "ms@^2.1.3:\n  version \"2.1.3\"\n";
        assert_eq!(stale(ms, &same), None);
        // No dependencies: yarn writes the lock on every install.
        let none = manifests(json!({"name": "x"}));
        assert!(stale("", &none).unwrap().contains("no dependencies"));
        assert_eq!(stale(EMPTY_LOCK, &none), None);
    }

    #[test]
    fn workspace_members_and_resolutions() {
        let root = json!({"private": true, "workspaces": ["a"], "dependencies": {"ms": "^2.1.3", "a": "1.0.0"}});
        let member = json!({"name": "a", "dependencies": {"@s/a": "^1.0.0", "@s/a-alias": "npm:@s/a@^1.1.0"}});
        let lock = LOCK.replace("\"@s/a@^1.1.0\"", "\"@s/a-alias@npm:@s/a@^1.1.0\"");
        let m = vec![
            ("package.json".to_string(), root.clone()),
            ("a/package.json".to_string(), member),
        ];
        assert_eq!(stale(&lock, &m), None);
        let mut resolved = root.clone();
        resolved["resolutions"] = json!({"**/ms": "2.1.2"});
        let m2 = vec![(m[0].0.clone(), resolved), m[1].clone()];
        assert!(stale(&lock, &m2).unwrap().contains("`ms@2.1.2`"));
        let with = lock.replace("ms@^2.1.3:", "ms@2.1.2, ms@^2.1.3:");
        assert_eq!(stale(&with, &m2), None);
        // Locked even when nothing else depends on it.
        let mut unused = root.clone();
        unused["resolutions"] = json!({"debug/left-pad": "1.3.0"});
        let m3 = vec![(m[0].0.clone(), unused), m[1].clone()];
        assert!(stale(&lock, &m3).unwrap().contains("`left-pad@1.3.0`"));
        let locked = format!("{lock}\nleft-pad@1.3.0:\n  version \"1.3.0\"\n");
        assert_eq!(stale(&locked, &m3), None);
        assert_eq!(resolution_name("a/**/@s/b"), "@s/b");
    }
}
