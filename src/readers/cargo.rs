//! cargo: workspace members, path dependencies and the stub targets a
//! deps-only build needs (cargo will not load a manifest without targets).
//! SEMANTICS.md §B.12.

use super::{escapes, join, ReadInput, ReadOutput, Stub};

const BIN_STUB: &str = "fn main() {}";
const LIB_STUB: &str = "";

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let mut out = ReadOutput::default();
    let mut queue = vec![input.dir.to_string()];
    let mut seen: Vec<String> = Vec::new();
    while let Some(dir) = queue.pop() {
        if seen.contains(&dir) {
            continue;
        }
        seen.push(dir.clone());
        let manifest = join(&dir, "Cargo.toml");
        let Some(text) = ctx.read_to_string(&manifest) else {
            if dir == input.dir {
                return out; // missing root manifest: reported by the required-file check
            }
            return ReadOutput::refuse(format!("{manifest} is missing from the build context"));
        };
        if dir != input.dir {
            out.required.push(manifest.clone());
        }
        let toml: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => {
                return ReadOutput::refuse(format!(
                    "{manifest} is not valid TOML ({})",
                    e.message()
                ))
            }
        };
        // Workspace members.
        if let Some(ws) = toml.get("workspace").and_then(|w| w.as_table()) {
            let excludes: Vec<String> = strings(ws.get("exclude"))
                .into_iter()
                .map(|e| join(&dir, &e))
                .collect();
            for pat in strings(ws.get("members")) {
                if escapes(&dir, &pat) {
                    return ReadOutput::refuse(format!(
                        "{manifest}: member `{pat}` is outside the build context"
                    ));
                }
                let members = ctx.glob(&join(&dir, &pat));
                if members.is_empty() {
                    return ReadOutput::refuse(format!(
                        "{manifest}: workspace member `{pat}` matches nothing"
                    ));
                }
                for m in members {
                    if !excludes.contains(&m) && ctx.is_file(&join(&m, "Cargo.toml")) {
                        queue.push(m);
                    }
                }
            }
        }
        // Path dependencies (and [patch] entries) need their manifests and stubs too.
        for deps in dep_tables(&toml) {
            for (name, spec) in deps {
                let Some(path) = spec.get("path").and_then(|p| p.as_str()) else {
                    continue;
                };
                if escapes(&dir, path) {
                    return ReadOutput::refuse(format!(
                        "{manifest}: dependency `{name}` comes from `{path}`, outside the build context"
                    ));
                }
                queue.push(join(&dir, path));
            }
        }
        if let Some(pkg) = toml.get("package").and_then(|p| p.as_table()) {
            if let Err(reason) = stubs_for(input, &dir, &manifest, &toml, pkg, &mut out.stubs) {
                return ReadOutput::refuse(reason);
            }
        }
    }
    out.required.sort();
    out.required.dedup();
    out
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    v.and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Every dependency table: [dependencies], [dev-/build-dependencies],
/// [target.*.dependencies], [workspace.dependencies], [patch.*].
fn dep_tables(toml: &toml::Table) -> Vec<&toml::Table> {
    fn push_from<'a>(t: &'a toml::Table, out: &mut Vec<&'a toml::Table>) {
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(d) = t.get(key).and_then(|d| d.as_table()) {
                out.push(d);
            }
        }
    }
    let mut out = Vec::new();
    push_from(toml, &mut out);
    if let Some(targets) = toml.get("target").and_then(|t| t.as_table()) {
        for t in targets.values().filter_map(|t| t.as_table()) {
            push_from(t, &mut out);
        }
    }
    if let Some(ws) = toml.get("workspace").and_then(|w| w.as_table()) {
        push_from(ws, &mut out);
    }
    if let Some(patch) = toml.get("patch").and_then(|p| p.as_table()) {
        out.extend(patch.values().filter_map(|t| t.as_table()));
    }
    out
}

/// Stub targets for one package: lib, bins, declared examples/tests/benches, build script.
fn stubs_for(
    input: &ReadInput,
    dir: &str,
    manifest: &str,
    toml: &toml::Table,
    pkg: &toml::Table,
    stubs: &mut Vec<Stub>,
) -> Result<(), String> {
    let ctx = input.ctx;
    let mut found = false;
    let add = |path: String, content: &'static str, stubs: &mut Vec<Stub>| {
        if !stubs.iter().any(|s| s.path == path) {
            stubs.push(Stub { path, content });
        }
    };
    // [lib]
    let lib_path = toml
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
        .map(|p| join(dir, p))
        .or_else(|| Some(join(dir, "src/lib.rs")).filter(|p| ctx.is_file(p)));
    if let Some(p) = lib_path {
        add(p, LIB_STUB, stubs);
        found = true;
    }
    // src/main.rs
    let main = join(dir, "src/main.rs");
    if ctx.is_file(&main) {
        add(main, BIN_STUB, stubs);
        found = true;
    }
    // Declared targets must exist for the manifest to load.
    for kind in ["bin", "example", "test", "bench"] {
        let Some(list) = toml.get(kind).and_then(|b| b.as_array()) else {
            continue;
        };
        for t in list {
            match t.get("path").and_then(|p| p.as_str()) {
                Some(p) => {
                    add(join(dir, p), BIN_STUB, stubs);
                    found |= kind == "bin";
                }
                None => {
                    let name = t.get("name").and_then(|n| n.as_str()).unwrap_or("");
                    let guess = match kind {
                        "bin" => format!("src/bin/{name}.rs"),
                        "example" => format!("examples/{name}.rs"),
                        "test" => format!("tests/{name}.rs"),
                        _ => format!("benches/{name}.rs"),
                    };
                    let p = join(dir, &guess);
                    if kind == "bin" && !ctx.is_file(&p) && ctx.is_file(&join(dir, "src/main.rs")) {
                        continue; // a [[bin]] named like the package uses src/main.rs
                    }
                    if !ctx.is_file(&p) {
                        return Err(format!(
                            "{manifest}: cannot find the file of {kind} target `{name}` to stub"
                        ));
                    }
                    add(p, BIN_STUB, stubs);
                    found |= kind == "bin";
                }
            }
        }
    }
    // Build script.
    match pkg.get("build") {
        Some(toml::Value::String(b)) => add(join(dir, b), BIN_STUB, stubs),
        Some(toml::Value::Boolean(false)) => {}
        _ => {
            let b = join(dir, "build.rs");
            if ctx.is_file(&b) {
                add(b, BIN_STUB, stubs);
            }
        }
    }
    if !found {
        return Err(format!(
            "{manifest}: no src/main.rs, src/lib.rs or declared target to stub"
        ));
    }
    Ok(())
}
