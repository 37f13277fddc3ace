//! cargo: workspace members, path dependencies and the stub targets a
//! deps-only build needs (cargo will not load a manifest without targets).
//! SEMANTICS.md §B.12.

use super::{escapes, join, parent, ReadInput, ReadOutput, Stub};

const BIN_STUB: &str = "fn main() {}";
const LIB_STUB: &str = "";

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let mut out = ReadOutput::default();
    if let Err(reason) = check_vendored(input) {
        return ReadOutput::refuse(reason);
    }
    // A member of a workspace above: cargo loads the workspace root (its
    // Cargo.toml, Cargo.lock and every member) whichever member it runs in.
    let root = match workspace_above(input) {
        Ok(r) => r,
        Err(reason) => return ReadOutput::refuse(reason),
    };
    let start = root.clone().unwrap_or_else(|| input.dir.to_string());
    if let Some(r) = &root {
        out.required.push(join(r, "Cargo.toml"));
        out.optional.push(join(r, "Cargo.lock"));
    }
    if input.site.has_flag(&["--locked", "--frozen"]) {
        out.required.push(join(&start, "Cargo.lock"));
    }
    let mut queue = vec![start.clone()];
    let mut names: Vec<String> = Vec::new();
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
            if dir == start {
                return ReadOutput::refuse(format!("{manifest} cannot be read"));
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
            names.extend(pkg.get("name").and_then(|n| n.as_str()).map(str::to_string));
            for kind in ["bin", "example", "test", "bench"] {
                for t in toml
                    .get(kind)
                    .and_then(|b| b.as_array())
                    .into_iter()
                    .flatten()
                {
                    names.extend(t.get("name").and_then(|n| n.as_str()).map(str::to_string));
                }
            }
            if let Err(reason) = stubs_for(input, &dir, &manifest, &toml, pkg, &mut out.stubs) {
                return ReadOutput::refuse(reason);
            }
        }
    }
    if let Err(reason) = check_target_flags(input, &out.stubs, &names) {
        return ReadOutput::refuse(reason);
    }
    out.required.sort();
    out.required.dedup();
    out
}

/// The directories above `input.dir` that the source copy brings, nearest first.
fn ancestors_in_copy(input: &ReadInput) -> Vec<String> {
    let mut out = Vec::new();
    let mut d = input.dir.to_string();
    let top = input.site.copy_src.as_str();
    while !d.is_empty() && d != top {
        d = parent(&d).to_string();
        out.push(d.clone());
    }
    out
}

/// The nearest directory above the install's with a `[workspace]` manifest.
fn workspace_above(input: &ReadInput) -> Result<Option<String>, String> {
    for a in ancestors_in_copy(input) {
        let manifest = join(&a, "Cargo.toml");
        let Some(text) = input.ctx.read_to_string(&manifest) else {
            continue;
        };
        let toml: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            format!("{manifest} is not valid TOML ({})", e.message())
        })?;
        if toml.contains_key("workspace") {
            return Ok(Some(a));
        }
    }
    Ok(None)
}

/// Vendored sources (`[source.x] directory = "vendor"`) and path overrides
/// in a `.cargo/config.toml` cargo reads: the deps-only build needs them.
fn check_vendored(input: &ReadInput) -> Result<(), String> {
    let mut dirs = vec![input.dir.to_string()];
    dirs.extend(ancestors_in_copy(input));
    for d in dirs {
        for name in [".cargo/config.toml", ".cargo/config"] {
            let path = join(&d, name);
            let Some(text) = input.ctx.read_to_string(&path) else {
                continue;
            };
            let Ok(toml) = text.parse::<toml::Table>() else {
                return Err(format!("{path} is not valid TOML"));
            };
            if toml.contains_key("paths") {
                return Err(format!(
                    "{path} overrides dependencies with local `paths`, which need the source"
                ));
            }
            let sources = toml.get("source").and_then(|s| s.as_table());
            for (name, src) in sources.into_iter().flatten() {
                for key in ["directory", "local-registry"] {
                    if let Some(dir) = src.get(key).and_then(|v| v.as_str()) {
                        if !dir.starts_with('/') || input.site.brought(dir).is_some() {
                            return Err(format!(
                                "{path}: source `{name}` reads vendored crates from `{dir}`, which only the source copy brings"
                            ));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// `--bin X`, `--example X`, `--test X`, `--bench X`: the deps-only build
/// asks for that target, so it must be among the stubs.
fn check_target_flags(
    input: &ReadInput,
    stubs: &[Stub],
    declared: &[String],
) -> Result<(), String> {
    let mut names: Vec<String> = stubs.iter().filter_map(|s| target_name(&s.path)).collect();
    names.extend(declared.iter().cloned());
    for (flag, value) in &input.site.flags {
        if !matches!(flag.as_str(), "--bin" | "--example" | "--test" | "--bench") {
            continue;
        }
        let Some(v) = value else { continue };
        if v.contains(['*', '?', '$'])
            || !names
                .iter()
                .any(|n| n == v || n.replace('-', "_") == v.replace('-', "_"))
        {
            return Err(format!(
                "`{flag} {v}` asks for a target dockopt cannot find to stub"
            ));
        }
    }
    Ok(())
}

/// The target name a stub file gives (`src/bin/x.rs` and `src/bin/x/main.rs` → `x`).
fn target_name(path: &str) -> Option<String> {
    let file = path.rsplit('/').next()?;
    let stem = file.strip_suffix(".rs")?;
    if stem == "main" {
        let dir = parent(path);
        return dir.rsplit('/').next().map(str::to_string);
    }
    Some(stem.to_string())
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
    // Targets cargo discovers by itself (unless `autobins = false`...).
    for (kind, sub) in [
        ("bin", "src/bin"),
        ("example", "examples"),
        ("test", "tests"),
        ("bench", "benches"),
    ] {
        if pkg.get(&format!("auto{kind}s")).and_then(|v| v.as_bool()) == Some(false) {
            continue;
        }
        for pat in [format!("{sub}/*.rs"), format!("{sub}/*/main.rs")] {
            for p in ctx.glob(&join(dir, &pat)) {
                if ctx.is_file(&p) {
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
