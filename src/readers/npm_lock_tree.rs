//! Is a `package-lock.json` the tree `npm install` keeps? npm rebuilds the
//! lock from the tree it installs: a dependency the lock lacks or pins at a
//! version outside its range is resolved again, an entry nothing depends on
//! is pruned, and the `dev`/`optional`/`devOptional`/`peer` flags are
//! computed again (arborist's `calcDepFlags`). Any of these rewrites the
//! lock. What this module cannot judge (a range beyond the simple forms, a
//! git or alias spec, bundled or linked packages it cannot follow) is said
//! so, and the caller refuses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

/// Why the lock is not the tree npm keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// npm would change it (a missing, unsatisfied or extraneous entry, a flag).
    Stale(String),
    /// dockopt cannot tell.
    Unknown(String),
}

/// One dependency edge.
struct Edge<'a> {
    name: &'a str,
    spec: &'a str,
    dev: bool,
    optional: bool,
    peer: bool,
}

/// The lock's `packages`, by location.
type Packages<'a> = BTreeMap<&'a str, &'a Json>;

/// Checks the tree of `lock` (lockfileVersion 2 or 3).
pub fn check(lock: &Json) -> Result<(), Verdict> {
    let packages: Packages = lock
        .get("packages")
        .and_then(Json::as_object)
        .ok_or_else(|| Verdict::Unknown("it has no `packages`".into()))?
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    if !packages.contains_key("") {
        return Err(Verdict::Unknown("it has no root entry".into()));
    }
    for (loc, entry) in &packages {
        for key in [
            "inBundle",
            "hasShrinkwrap",
            "bundleDependencies",
            "extraneous",
        ] {
            if entry.get(key).is_some() && !loc.is_empty() {
                return Err(Verdict::Unknown(format!("its {loc} entry has `{key}`")));
            }
        }
    }
    for (loc, entry) in &packages {
        let listed = |t: &str| entry.get(t).and_then(Json::as_object);
        let (Some(deps), Some(opt)) = (listed("dependencies"), listed("optionalDependencies"))
        else {
            continue;
        };
        if let Some(name) = deps.keys().find(|n| opt.contains_key(*n)) {
            // npm normalises a manifest so that a package `optionalDependencies`
            // lists is not in `dependencies` too, and writes the entry that way
            // (real npm 11 rewrote such entries of a lockfileVersion 2 lock).
            let why = format!(
                "{} lists {name} in both `dependencies` and `optionalDependencies`, which npm writes once",
                shown(loc)
            );
            return Err(if loc.split('/').any(|p| p == "node_modules") {
                Verdict::Stale(why)
            } else {
                Verdict::Unknown(why)
            });
        }
    }
    let flags = resolve_all(&packages)?;
    for loc in packages.keys().filter(|l| !l.is_empty()) {
        if !flags.contains_key(loc) {
            return Err(Verdict::Stale(format!(
                "nothing depends on its {loc} entry, which npm prunes"
            )));
        }
    }
    check_flags(&packages, &flags)
}

/// The edges out of the package at `loc`: a project (the root, a workspace
/// member) has its dev dependencies installed too.
fn edges<'a>(loc: &str, entry: &'a Json) -> Vec<Edge<'a>> {
    let project = !loc.split('/').any(|p| p == "node_modules");
    let mut out = Vec::new();
    let optional_peer = |name: &str| {
        entry
            .get("peerDependenciesMeta")
            .and_then(|m| m.get(name))
            .and_then(|m| m.get("optional"))
            == Some(&Json::Bool(true))
    };
    let tables: &[(&str, bool, bool, bool)] = &[
        ("dependencies", false, false, false),
        ("optionalDependencies", false, true, false),
        ("peerDependencies", false, false, true),
        ("devDependencies", true, false, false),
    ];
    for &(table, dev, optional, peer) in tables {
        if dev && !project {
            continue;
        }
        let Some(deps) = entry.get(table).and_then(Json::as_object) else {
            continue;
        };
        for (name, spec) in deps {
            let spec = spec.as_str().unwrap_or("\u{0}");
            // An optional dependency is also listed in `dependencies`: once.
            if table == "dependencies"
                && entry
                    .get("optionalDependencies")
                    .and_then(|o| o.get(name))
                    .is_some()
            {
                continue;
            }
            out.push(Edge {
                name,
                spec,
                dev,
                optional: optional || (peer && optional_peer(name)),
                peer,
            });
        }
    }
    out
}

/// Where node's resolution finds `name` from `loc`, or `None`.
fn find<'a>(packages: &Packages<'a>, loc: &str, name: &str) -> Option<&'a str> {
    let mut dir = loc.to_string();
    loop {
        let cand = if dir.is_empty() {
            format!("node_modules/{name}")
        } else {
            format!("{dir}/node_modules/{name}")
        };
        if let Some((k, _)) = packages.get_key_value(cand.as_str()) {
            return Some(k);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| d.to_string());
    }
}

/// The flags (dev, optional, devOptional, peer) of every package reached
/// from the root and its workspace members, by location; each edge checked.
fn resolve_all<'a>(packages: &Packages<'a>) -> Result<BTreeMap<&'a str, [bool; 4]>, Verdict> {
    // arborist: every flag starts set, the root's unset, then edges unset
    // them until nothing changes.
    let mut flags: BTreeMap<&str, [bool; 4]> = BTreeMap::new();
    flags.insert("", [false; 4]);
    let mut queue: Vec<&str> = vec![""];
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut changed = true;
    while changed {
        changed = false;
        queue.extend(flags.keys().copied());
        seen.clear();
        while let Some(loc) = queue.pop() {
            if !seen.insert(loc) {
                continue;
            }
            let entry = packages[loc];
            let from = flags[loc];
            // A link hands its flags to its target (a workspace member).
            if let Some(target) = link_target(packages, loc, entry)? {
                changed |= merge(&mut flags, target, from, from.map(|f| !f));
                queue.push(target);
                continue;
            }
            for e in edges(loc, entry) {
                let Some(to) = find(packages, loc, e.name) else {
                    if e.peer && e.optional {
                        continue;
                    }
                    return Err(Verdict::Stale(format!(
                        "it has no entry for `{}`, which {} depends on",
                        e.name,
                        shown(loc)
                    )));
                };
                check_spec(packages, loc, &e, to)?;
                let unset_dev_opt = !from[2] && !from[0] && !from[1] && !e.dev && !e.optional;
                let unset = [
                    unset_dev_opt || (!from[0] && !e.dev),
                    unset_dev_opt || (!from[1] && !e.optional),
                    unset_dev_opt,
                    !from[3] && !e.peer,
                ];
                if merge(&mut flags, to, [true; 4], unset) {
                    changed = true;
                }
                queue.push(to);
            }
        }
    }
    Ok(flags)
}

/// Adds `loc` (flags `start` when new) and unsets the flags `unset` says.
fn merge<'a>(
    flags: &mut BTreeMap<&'a str, [bool; 4]>,
    loc: &'a str,
    start: [bool; 4],
    unset: [bool; 4],
) -> bool {
    let mut changed = false;
    let f = flags.entry(loc).or_insert_with(|| {
        changed = true;
        start
    });
    for (flag, u) in f.iter_mut().zip(unset) {
        if u && *flag {
            *flag = false;
            changed = true;
        }
    }
    changed
}

/// A link entry's target location (a workspace member).
fn link_target<'a>(
    packages: &Packages<'a>,
    loc: &str,
    entry: &Json,
) -> Result<Option<&'a str>, Verdict> {
    if entry.get("link") != Some(&Json::Bool(true)) {
        return Ok(None);
    }
    let resolved = entry.get("resolved").and_then(Json::as_str).unwrap_or("");
    match packages.get_key_value(resolved) {
        Some((k, _)) if !k.split('/').any(|p| p == "node_modules") => Ok(Some(k)),
        _ => Err(Verdict::Unknown(format!(
            "its {loc} entry links to {resolved}, which dockopt does not follow"
        ))),
    }
}

fn shown(loc: &str) -> String {
    if loc.is_empty() {
        "package.json".into()
    } else {
        format!("its {loc} entry")
    }
}

/// The version at `to` must satisfy the edge's spec.
fn check_spec(packages: &Packages, loc: &str, e: &Edge, to: &str) -> Result<(), Verdict> {
    let entry = packages[to];
    let target = match entry.get("link") {
        Some(Json::Bool(true)) => {
            let r = entry.get("resolved").and_then(Json::as_str).unwrap_or("");
            packages.get(r).copied().unwrap_or(entry)
        }
        _ => entry,
    };
    let version = target.get("version").and_then(Json::as_str);
    let unknown = || {
        Verdict::Unknown(format!(
            "dockopt cannot tell whether {to} satisfies `{}@{}` of {}",
            e.name,
            e.spec,
            shown(loc)
        ))
    };
    let Some(version) = version else {
        return if matches!(e.spec, "*" | "") {
            Ok(())
        } else {
            Err(unknown())
        };
    };
    // An alias (`npm:string-width@^4.2.0`): the entry must be that package,
    // at a version in the alias's range.
    let spec = match e.spec.strip_prefix("npm:") {
        Some(alias) => {
            let Some((name, range)) = alias.rsplit_once('@').filter(|(n, _)| !n.is_empty()) else {
                return Err(unknown());
            };
            if target.get("name").and_then(Json::as_str) != Some(name) {
                return Err(unknown());
            }
            range
        }
        None => e.spec,
    };
    match super::npm_semver::satisfies(version, spec) {
        Some(true) => Ok(()),
        Some(false) => Err(Verdict::Stale(format!(
            "its {to} entry is {version}, outside `{}@{}` of {}",
            e.name,
            e.spec,
            shown(loc)
        ))),
        None => Err(unknown()),
    }
}

/// The lock's `dev`, `optional`, `devOptional` and `peer` must be those npm computes.
fn check_flags(packages: &Packages, flags: &BTreeMap<&str, [bool; 4]>) -> Result<(), Verdict> {
    for (loc, f) in flags.iter().filter(|(l, _)| !l.is_empty()) {
        let entry = packages[loc];
        let linked = entry.get("link").is_some() || !loc.split('/').any(|p| p == "node_modules");
        if linked {
            continue;
        }
        let want = [
            ("dev", f[0]),
            ("optional", f[1]),
            ("devOptional", f[2] && !f[0] && !f[1]),
            ("peer", f[3]),
        ];
        for (key, on) in want {
            let has = entry.get(key) == Some(&Json::Bool(true));
            if has != on || (entry.get(key).is_some() && !has) {
                return Err(Verdict::Stale(format!(
                    "its {loc} entry {} `{key}`, which npm {}",
                    if has { "has" } else { "lacks" },
                    if on { "sets" } else { "drops" }
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(packages: &str) -> Json {
        serde_json::from_str(&format!(
            r#"{{"lockfileVersion": 3, "packages": {packages}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn a_synced_tree_passes() {
        let l = lock(
            r#"{"": {"dependencies": {"a": "^1.0.0"}, "devDependencies": {"b": "~2.1.0"}},
                "node_modules/a": {"version": "1.2.0", "dependencies": {"c": "1"}},
                "node_modules/b": {"version": "2.1.5", "dev": true},
                "node_modules/c": {"version": "1.0.0"}}"#,
        );
        assert_eq!(check(&l), Ok(()));
    }

    #[test]
    fn what_npm_changes_is_stale() {
        let missing = lock(r#"{"": {"dependencies": {"a": "1.0.0"}}}"#);
        assert!(
            matches!(check(&missing), Err(Verdict::Stale(w)) if w.contains("no entry for `a`"))
        );
        let outside = lock(
            r#"{"": {"dependencies": {"a": "1.0.1"}}, "node_modules/a": {"version": "1.0.0"}}"#,
        );
        assert!(matches!(check(&outside), Err(Verdict::Stale(w)) if w.contains("outside")));
        let extra = lock(r#"{"": {}, "node_modules/x": {"version": "1.0.0"}}"#);
        assert!(matches!(check(&extra), Err(Verdict::Stale(w)) if w.contains("prunes")));
        let flag = lock(
            r#"{"": {"dependencies": {"a": "1"}}, "node_modules/a": {"version": "1.0.0", "dev": true}}"#,
        );
        assert!(matches!(check(&flag), Err(Verdict::Stale(w)) if w.contains("`dev`")));
        let unflagged = lock(
            r#"{"": {"devDependencies": {"a": "1"}}, "node_modules/a": {"version": "1.0.0"}}"#,
        );
        assert!(matches!(check(&unflagged), Err(Verdict::Stale(_))));
        let git = lock(
            r#"{"": {"dependencies": {"a": "github:x/a"}}, "node_modules/a": {"version": "1.0.0"}}"#,
        );
        assert!(matches!(check(&git), Err(Verdict::Unknown(_))));
    }

    #[test]
    fn nested_and_shared_flags() {
        // c is reached from a prod dependency and from a dev one: not dev.
        let l = lock(
            r#"{"": {"dependencies": {"a": "1"}, "devDependencies": {"b": "1"}},
                "node_modules/a": {"version": "1.0.0", "dependencies": {"c": "^2"}},
                "node_modules/b": {"version": "1.0.0", "dev": true, "dependencies": {"c": "1"}},
                "node_modules/b/node_modules/c": {"version": "1.5.0", "dev": true},
                "node_modules/c": {"version": "2.0.0"}}"#,
        );
        assert_eq!(check(&l), Ok(()));
        let opt = lock(
            r#"{"": {"optionalDependencies": {"a": "1"}},
                "node_modules/a": {"version": "1.0.0", "optional": true}}"#,
        );
        assert_eq!(check(&opt), Ok(()));
        // Listed twice in a dependency's entry: npm writes it once (seen with npm 11
        // on a real lockfileVersion 2 lock).
        let twice = lock(
            r#"{"": {"dependencies": {"a": "1"}},
                "node_modules/a": {"version": "1.0.0", "dependencies": {"f": "^2"}, "optionalDependencies": {"f": "^2"}},
                "node_modules/f": {"version": "2.0.0", "optional": true}}"#,
        );
        assert!(
            matches!(check(&twice), Err(Verdict::Stale(_))),
            "{:?}",
            check(&twice)
        );
        let root_twice = lock(
            r#"{"": {"dependencies": {"a": "1"}, "optionalDependencies": {"a": "1"}},
                "node_modules/a": {"version": "1.0.0", "optional": true}}"#,
        );
        assert!(matches!(check(&root_twice), Err(Verdict::Unknown(_))));
    }
}
