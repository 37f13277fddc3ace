//! `pipenv install` (without `--deploy`, `--ignore-pipfile` or
//! `--skip-lock`) locks again, rewriting Pipfile.lock, when the lock's
//! `_meta.hash.sha256` is not the Pipfile's hash (checked with pipenv
//! 2026.10.3: an in-sync lock is kept, also after a `[scripts]` edit; a
//! changed requirement re-locks). The hash (`Pipfile.calculate_hash`): the
//! SHA-256 of `json.dumps(data, sort_keys=True, separators=(",", ":"))`
//! with `data` = `_meta` (`sources`: `[[source]]`, pipenv's PyPI source
//! when there is none; `requires`), `default` (`[packages]`), `develop`
//! (`[dev-packages]`) and every other category, package names in PEP 503
//! form. Older pipenv hashes the names as written: a Pipfile whose names
//! are not all canonical is in sync for only some versions, so it is not
//! proven.

use sha2::{Digest, Sha256};
use toml::Value as Toml;

use super::{stale_lock, ReadInput, Refusal};

/// Pipfile tables that are not package categories.
const NOT_CATEGORIES: &[&str] = &[
    "source",
    "packages",
    "dev-packages",
    "requires",
    "scripts",
    "pipfile",
    "pipenv",
];

/// The refusal for `pipenv install` with a Pipfile.lock not proven in sync.
pub(super) fn check(input: &ReadInput, pipfile: &toml::Table) -> Option<Refusal> {
    let lock = stale_lock::lock_to_check(input)?;
    let text = input.ctx.read_to_string(&lock)?;
    let why = stale(pipfile, &text)?;
    Some(stale_lock::refusal(input, &lock, &why, "pipenv install"))
}

/// Why the lock `text` is not proven in sync with `pipfile`.
fn stale(pipfile: &toml::Table, text: &str) -> Option<String> {
    let lock: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(_) => return Some("it is not valid JSON".into()),
    };
    let Some(have) = lock["_meta"]["hash"]["sha256"].as_str() else {
        return Some("it has no `_meta.hash.sha256`".into());
    };
    let want = match hash(pipfile) {
        Ok(h) => h,
        Err(e) => return Some(e),
    };
    (have != want)
        .then(|| format!("its `_meta.hash.sha256` is not the hash of the Pipfile, {want}"))
}

/// The Pipfile's hash as pipenv computes it; an error when dockopt cannot
/// compute it for every pipenv version.
fn hash(pipfile: &toml::Table) -> Result<String, String> {
    let mut meta = toml::Table::new();
    let default_source = || {
        let mut s = toml::Table::new();
        s.insert("name".into(), Toml::String("pypi".into()));
        s.insert("url".into(), Toml::String("https://pypi.org/simple".into()));
        s.insert("verify_ssl".into(), Toml::Boolean(true));
        Toml::Array(vec![Toml::Table(s)])
    };
    let sources = pipfile
        .get("source")
        .cloned()
        .unwrap_or_else(default_source);
    meta.insert("sources".into(), sources);
    let requires = pipfile.get("requires").cloned();
    meta.insert(
        "requires".into(),
        requires.unwrap_or(Toml::Table(toml::Table::new())),
    );
    let mut data = toml::Table::new();
    data.insert("_meta".into(), Toml::Table(meta));
    let mut categories = vec![("default", "packages"), ("develop", "dev-packages")];
    for k in pipfile.keys() {
        if !NOT_CATEGORIES.contains(&k.as_str()) && k != "default" && k != "develop" {
            categories.push((k.as_str(), k.as_str()));
        }
    }
    for (key, table) in categories {
        let t = match pipfile.get(table) {
            Some(Toml::Table(t)) => t.clone(),
            Some(_) => return Err(format!("its `[{table}]` is not a table")),
            None => toml::Table::new(),
        };
        if let Some(name) = t.keys().find(|n| canonical(n) != **n) {
            return Err(format!(
                "pipenv versions hash the Pipfile's `{name}` differently (as written, or as `{}`)",
                canonical(name)
            ));
        }
        data.insert(key.into(), Toml::Table(t));
    }
    let mut json = String::new();
    py_json(&Toml::Table(data), &mut json)?;
    let digest = Sha256::digest(json.as_bytes());
    Ok(digest.iter().map(|b| format!("{b:02x}")).collect())
}

/// PEP 503: runs of `-`, `_`, `.` become `-`, lowercase.
fn canonical(name: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
            continue;
        }
        if sep {
            out.push('-');
            sep = false;
        }
        out.extend(c.to_lowercase());
    }
    if sep {
        out.push('-');
    }
    out
}

/// Python's `json.dumps(v, sort_keys=True, separators=(",", ":"))`
/// (`ensure_ascii`: non-ASCII as `\uXXXX`).
fn py_json(v: &Toml, out: &mut String) -> Result<(), String> {
    match v {
        Toml::String(s) => py_string(s, out),
        Toml::Integer(i) => out.push_str(&i.to_string()),
        Toml::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Toml::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                py_json(x, out)?;
            }
            out.push(']');
        }
        Toml::Table(t) => {
            out.push('{');
            let mut keys: Vec<&String> = t.keys().collect();
            keys.sort();
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                py_string(k, out);
                out.push(':');
                py_json(&t[k.as_str()], out)?;
            }
            out.push('}');
        }
        Toml::Float(_) | Toml::Datetime(_) => {
            return Err(
                "its Pipfile holds a float or a date, whose hash dockopt does not compute".into(),
            )
        }
    }
    Ok(())
}

fn py_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7f => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Pipfile and the hash pipenv 2026.10.3 locked it with.
    const PIPFILE: &str = "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\nsix = \"*\"\nFlask_Cors = {version = \">=1.0\", extras = [\"x\"]}\n\n[dev-packages]\n\n[requires]\npython_version = \"3.11\"\n";
    const HASH: &str = "de455fb0efc5060bfde08aee6d140af6e36af8e81ba7d7a56cd51e8060e1de1f";

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn hashes_as_pipenv_does() {
        let named = PIPFILE.replace("Flask_Cors", "flask-cors");
        assert_eq!(hash(&table(&named)).unwrap(), HASH);
        let lock = format!("{{\"_meta\": {{\"hash\": {{\"sha256\": \"{HASH}\"}}}}}}");
        assert_eq!(stale(&table(&named), &lock), None);
        let changed = named.replace("six = \"*\"", "six = \">=1.0\"");
        assert!(stale(&table(&changed), &lock)
            .unwrap()
            .contains("not the hash"));
        // Names not in PEP 503 form hash differently across pipenv versions.
        assert!(hash(&table(PIPFILE)).unwrap_err().contains("Flask_Cors"));
        assert_eq!(canonical("Flask__Cors.x"), "flask-cors-x");
        let mut s = String::new();
        py_string("é\u{1}\"", &mut s);
        assert_eq!(s, "\"\\u00e9\\u0001\\\"\"");
    }
}
