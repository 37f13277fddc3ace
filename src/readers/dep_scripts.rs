//! Dependencies whose install scripts read or write project files
//! (`@prisma/client` runs `prisma generate` on the project's schema,
//! `puppeteer` reads `.puppeteerrc.*`, git-hook installers write `.git`).
//! Knowledge is data, `dep_scripts.toml`; this module applies it to the
//! package.json files an npm-family install reads: the files such a script
//! reads are copied with the manifests, or the install is refused.

use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use super::{join, parent, ReadInput, ReadOutput, Refusal, RefuseKind};
use crate::context::BuildContext;

/// One `[[package]]` of dep_scripts.toml (its header documents the keys).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Package {
    names: Vec<String>,
    script: String,
    below_major: Option<u64>,
    #[serde(default)]
    copy: Vec<String>,
    #[serde(default)]
    copy_upward: Vec<String>,
    #[serde(default)]
    refuse_present: Vec<String>,
    #[serde(default)]
    refuse_keys: Vec<String>,
    #[serde(default)]
    refuse_brought_upward: Vec<String>,
    check: Option<Check>,
}

/// Built-in checks of the files a script reads.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Check {
    /// Every generator writes the default client (node_modules/.prisma).
    PrismaSchema,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    package: Vec<Package>,
}

fn table() -> &'static [Package] {
    static TABLE: OnceLock<Vec<Package>> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The TOML, converted to JSON by build.rs (same schema, faster to read).
        serde_json::from_str::<Table>(include_str!(concat!(env!("OUT_DIR"), "/dep_scripts.json")))
            .expect("valid src/readers/dep_scripts.toml (checked by a test)")
            .package
    })
}

/// Lockfiles in which a dependency's name is looked for (transitive ones).
const LOCKFILES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lock",
];

const DEP_TABLES: &[&str] = &[
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
];

/// Apply the table to an npm-family install whose reader produced `out`:
/// every package.json it reads (the project's and the members'), and the
/// lockfiles of the install's directory.
pub(super) fn apply(input: &ReadInput, out: &mut ReadOutput) {
    if out.refuse.is_some() || !input.site.scripts_run() {
        return;
    }
    let root = join(input.dir, "package.json");
    let mut manifests = vec![root];
    manifests.extend(
        out.required
            .iter()
            .chain(&out.optional)
            .filter(|f| f.rsplit('/').next() == Some("package.json"))
            .cloned(),
    );
    manifests.dedup();
    // The lockfiles' texts, read once when a package is first looked up in them.
    let locks = std::cell::OnceCell::new();
    for m in &manifests {
        let Some(json) = input
            .ctx
            .read_to_string(m)
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        else {
            continue;
        };
        for pkg in table() {
            let is_root = m == &manifests[0];
            if !(listed(pkg, &json) || is_root && locked(lock_texts(input, &locks), pkg)) {
                continue;
            }
            if let Err(r) = project(input, pkg, parent(m), &json, out) {
                out.refuse = Some(r);
                return;
            }
        }
    }
}

/// Does the manifest list one of the package's names (in a version with the script)?
fn listed(pkg: &Package, json: &Value) -> bool {
    DEP_TABLES.iter().any(|t| {
        let Some(deps) = json.get(*t).and_then(|d| d.as_object()) else {
            return false;
        };
        pkg.names.iter().any(|n| {
            deps.get(n)
                .is_some_and(|spec| has_script(pkg, spec.as_str().unwrap_or("")))
        })
    })
}

/// A spec whose major version is at or above `below-major` has no script;
/// one whose major cannot be read (`latest`, a URL, `*`) may have it.
fn has_script(pkg: &Package, spec: &str) -> bool {
    let Some(limit) = pkg.below_major else {
        return true;
    };
    let digits: String = spec
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let lower_bound = spec.trim_start().starts_with(['^', '~', '>', '='])
        || spec.trim_start().starts_with(|c: char| c.is_ascii_digit());
    match digits.parse::<u64>() {
        Ok(major) if lower_bound && !spec.contains("||") && !spec.contains('<') => major < limit,
        _ => true,
    }
}

/// Does a lockfile of the install's directory hold the package (a
/// transitive dependency)? A name counts as a lockfile key or a dependency
/// entry: after `"`, `'`, `/` or a line's indentation, before `@` or `"`.
fn locked(locks: &[String], pkg: &Package) -> bool {
    if pkg.below_major.is_some() {
        return false; // the version in the lockfile is not read
    }
    locks
        .iter()
        .any(|text| pkg.names.iter().any(|n| mentions(text, n)))
}

/// The texts of the install directory's lockfiles, read on first use.
fn lock_texts<'c>(input: &ReadInput, cell: &'c std::cell::OnceCell<Vec<String>>) -> &'c [String] {
    cell.get_or_init(|| {
        LOCKFILES
            .iter()
            .filter_map(|l| input.ctx.read_to_string(&join(input.dir, l)))
            .collect()
    })
}

/// (Bytes: a byte of a multi-byte character is never one of those looked
/// for; memchr's search was a seventh of a bulk run's time as `str`'s.)
fn mentions(text: &str, name: &str) -> bool {
    let text = text.as_bytes();
    memchr::memmem::find_iter(text, name.as_bytes()).any(|i| {
        let before = i.checked_sub(1).map(|b| text[b]);
        let after = text.get(i + name.len());
        matches!(before, Some(b'"' | b'\'' | b'/' | b' ' | b'\n') | None)
            && matches!(after, Some(b'@' | b'"' | b'\''))
    })
}

/// The package's script in the project `dir`: copy what it reads, or refuse.
fn project(
    input: &ReadInput,
    pkg: &Package,
    dir: &str,
    json: &Value,
    out: &mut ReadOutput,
) -> Result<(), Refusal> {
    let ctx = input.ctx;
    let name = &pkg.names[0];
    let refuse = |what: String| Refusal {
        kind: RefuseKind::NeedsSource,
        text: format!("dependency `{name}`'s {}: {what}", pkg.script),
    };
    for key in &pkg.refuse_keys {
        if key.split('.').try_fold(json, |v, k| v.get(k)).is_some() {
            return Err(refuse(format!(
                "{} sets `{key}`, which dockopt does not follow",
                join(dir, "package.json")
            )));
        }
    }
    for f in &pkg.refuse_present {
        let p = join(dir, f);
        if ctx.exists(&p) {
            return Err(refuse(format!(
                "it reads {p}, which dockopt does not follow"
            )));
        }
    }
    let upward = upward_dirs(input, dir);
    for f in &pkg.refuse_brought_upward {
        if let Some(p) = upward.iter().map(|d| join(d, f)).find(|p| ctx.exists(p)) {
            return Err(refuse(format!(
                "the source copy brings {p}, which the original install found and the rewritten one would not"
            )));
        }
    }
    let mut copied = Vec::new();
    for f in &pkg.copy {
        copied.extend(present(ctx, &join(dir, f)));
    }
    for f in &pkg.copy_upward {
        for d in &upward {
            copied.extend(present(ctx, &join(d, f)));
        }
    }
    if pkg.check == Some(Check::PrismaSchema) {
        if let Some(why) = super::prisma::custom_output(ctx, &copied) {
            return Err(refuse(why));
        }
    }
    out.optional.extend(copied);
    Ok(())
}

/// The project directory and those above it that the source copy brings
/// (up to its source directory).
fn upward_dirs(input: &ReadInput, dir: &str) -> Vec<String> {
    let top = input.site.copy_src.as_str();
    let mut dirs = vec![dir.to_string()];
    let mut d = dir;
    while !d.is_empty() && d != top && (top.is_empty() || d.starts_with(&format!("{top}/"))) {
        d = parent(d);
        dirs.push(d.to_string());
    }
    dirs
}

/// The files `path` names that the context sends: the file, or with a
/// trailing `/**` every file below the directory.
fn present(ctx: &BuildContext, path: &str) -> Vec<String> {
    match path.strip_suffix("/**") {
        Some(dir) if ctx.is_dir(dir) => ctx
            .glob(path)
            .into_iter()
            .filter(|f| ctx.is_file(f))
            .collect(),
        Some(_) => Vec::new(),
        None => ctx
            .is_file(path)
            .then(|| path.to_string())
            .into_iter()
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses() {
        assert!(table()
            .iter()
            .any(|p| p.names.contains(&"@prisma/client".into())));
    }

    /// The JSON build.rs embeds reads back to exactly what the TOML says.
    #[test]
    fn the_embedded_table_equals_its_toml() {
        let from_toml = toml::from_str::<Table>(include_str!("dep_scripts.toml")).unwrap();
        assert_eq!(format!("{:?}", table()), format!("{:?}", from_toml.package));
    }

    #[test]
    fn lockfile_mentions_are_keys_or_entries() {
        assert!(mentions(
            "\"node_modules/@prisma/client\": {",
            "@prisma/client"
        ));
        assert!(mentions("\n\"@prisma/client@^5.3.1\":\n", "@prisma/client"));
        assert!(mentions("\n  puppeteer@22.0.0:\n", "puppeteer"));
        assert!(!mentions("\"puppeteer-core@22.0.0\"", "puppeteer"));
        assert!(!mentions("\"my-husky\": \"1\"", "husky"));
    }

    #[test]
    fn majors_below_the_limit_have_the_script() {
        let husky = table()
            .iter()
            .find(|p| p.names.contains(&"husky".into()))
            .unwrap();
        assert!(has_script(husky, "^4.3.8"));
        assert!(has_script(husky, "4.2.5"));
        assert!(!has_script(husky, "^8.0.3"));
        assert!(!has_script(husky, ">=9"));
        assert!(has_script(husky, "latest"));
        assert!(has_script(husky, "<9"));
        assert!(has_script(husky, "^4 || ^8"));
    }
}
