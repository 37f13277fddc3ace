//! Compiles every `presets/*.toml` into the binary (npm, pip and cargo
//! first, the rest by name), so adding an ecosystem is adding a file; the
//! built-in command tables, `commands/*.toml`, in the order listed in
//! [`COMMAND_TABLES`]; and the other built-in tables
//! (`src/contexts/build_commands.toml`, `src/readers/dep_scripts.toml`,
//! `images/users.toml`).
//!
//! The TOML is parsed here, at build time (a syntax error fails the build
//! with the file and line), and embedded as compact JSON, read with the same
//! serde schema (tests check that it reads back to what the TOML says).
//! Presets and command entries come with an index by program name, so a run
//! decodes only those of the programs its Dockerfiles run: reading every
//! table at each start took over half of a one-file run.

use std::fmt::Write;
use std::path::Path;

/// The built-in command tables, in the order their entries are tried.
const COMMAND_TABLES: &[&str] = &["coreutils", "shell", "system", "languages"];

/// `text` (the TOML file `shown`) parsed; a syntax error fails the build
/// with the file and line.
fn parse_toml(text: &str, shown: &str) -> toml::Value {
    toml::from_str(text).unwrap_or_else(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        panic!("{shown}:{line}: invalid TOML: {}", e.message())
    })
}

/// `text` (the TOML file `shown`) as compact JSON.
fn toml_to_json(text: &str, shown: &str) -> String {
    serde_json::to_string(&parse_toml(text, shown)).expect("TOML values are JSON values")
}

/// `commands/*.toml`, one JSON text per `[[command]]` entry, listed in
/// `commands.rs` as `BUILTIN_ENTRIES` (in the order they are tried), with
/// `BUILTIN_BY_NAME`: each program name (sorted) and the indices of the
/// entries naming it. A run decodes only the entries of the programs it
/// meets (decoding every table took a fifth of a one-file run).
fn command_tables(out_dir: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("commands");
    println!("cargo:rerun-if-changed=commands");
    let mut entries = String::new();
    let mut by_name: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    let mut count = 0;
    for n in COMMAND_TABLES {
        println!("cargo:rerun-if-changed=commands/{n}.toml");
        let shown = format!("commands/{n}.toml");
        let text = std::fs::read_to_string(dir.join(format!("{n}.toml")))
            .expect("command table is readable");
        let value = parse_toml(&text, &shown);
        let list = value.get("command").and_then(|c| c.as_array());
        for entry in list.unwrap_or_else(|| panic!("{shown}: no [[command]] array")) {
            let names = entry.get("names").and_then(|n| n.as_array());
            for name in names.unwrap_or_else(|| panic!("{shown}: a [[command]] without `names`")) {
                let name = name
                    .as_str()
                    .unwrap_or_else(|| panic!("{shown}: a name that is not a string"));
                by_name.entry(name.to_string()).or_default().push(count);
            }
            let json = serde_json::to_string(entry).expect("TOML values are JSON values");
            writeln!(entries, "    ({shown:?}, {json:?}),").unwrap();
            count += 1;
        }
    }
    let mut out = String::from(
        "/// Built-in command table entries, in the order they are tried: (file, JSON of one [[command]]).\nconst BUILTIN_ENTRIES: &[(&str, &str)] = &[\n",
    );
    out.push_str(&entries);
    out.push_str("];\n/// Program name (sorted) and the indices of the built-in entries naming it.\nconst BUILTIN_BY_NAME: &[(&str, &[u16])] = &[\n");
    for (name, ids) in &by_name {
        writeln!(out, "    ({name:?}, &{ids:?}),").unwrap();
    }
    out.push_str("];\n");
    std::fs::write(out_dir.join("commands.rs"), out).unwrap();
}

/// The TOML table `rel` (a path in the crate) as JSON, in `OUT_DIR/name`.
fn embed_json(out_dir: &Path, rel: &str, name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    println!("cargo:rerun-if-changed={rel}");
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    std::fs::write(out_dir.join(name), toml_to_json(&text, rel)).unwrap();
}

/// The `[[program]]` names of `src/contexts/build_commands.toml`, listed in
/// `build_programs.rs` as `BUILD_PROGRAMS`: a file that names none of them
/// builds no image, and is passed over without decoding the table.
fn build_programs(out_dir: &Path) {
    let rel = "src/contexts/build_commands.toml";
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let value = parse_toml(&text, rel);
    let programs = value.get("program").and_then(|p| p.as_array());
    let names: Vec<&str> = programs
        .unwrap_or_else(|| panic!("{rel}: no [[program]] array"))
        .iter()
        .map(|p| {
            p.get("name")
                .and_then(|n| n.as_str())
                .unwrap_or_else(|| panic!("{rel}: a [[program]] without a `name` string"))
        })
        .collect();
    let out = format!(
        "/// The `[[program]]` names of build_commands.toml, in order.\nconst BUILD_PROGRAMS: &[&str] = &{names:?};\n"
    );
    std::fs::write(out_dir.join("build_programs.rs"), out).unwrap();
}

/// `presets/*.toml` (npm, pip and cargo first, the rest by name) as JSON,
/// listed in `presets.rs` as `BUILTIN`, with `BUILTIN_INDEX`: each preset's
/// `name` and the programs its commands, preludes and warm-ups start with,
/// so that a run decodes only the presets of the programs it meets.
fn presets(out_dir: &Path) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    println!("cargo:rerun-if-changed=presets");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("presets/ exists")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().and_then(|s| s.to_str()).map(str::to_string))
        .collect();
    const FIRST: &[&str] = &["npm", "pip", "cargo"];
    names.sort_by_key(|n| {
        (
            FIRST.iter().position(|f| f == n).unwrap_or(FIRST.len()),
            n.clone(),
        )
    });
    let mut out = String::from(
        "/// Built-in presets, in the order they are tried: (name, JSON of the TOML file).\npub const BUILTIN: &[(&str, &str)] = &[\n",
    );
    let mut index = String::from(
        "/// Each built-in preset's `name`, and the programs its patterns start with.\nconst BUILTIN_INDEX: &[(&str, &[&str])] = &[\n",
    );
    for n in &names {
        println!("cargo:rerun-if-changed=presets/{n}.toml");
        let shown = format!("presets/{n}.toml");
        let text =
            std::fs::read_to_string(dir.join(format!("{n}.toml"))).expect("preset is readable");
        let value = parse_toml(&text, &shown);
        let json = serde_json::to_string(&value).expect("TOML values are JSON values");
        std::fs::write(out_dir.join(format!("preset-{n}.json")), json).unwrap();
        writeln!(
            out,
            "    ({n:?}, include_str!(concat!(env!(\"OUT_DIR\"), \"/preset-{n}.json\"))),"
        )
        .unwrap();
        let name = value.get("name").and_then(|v| v.as_str());
        let name = name.unwrap_or_else(|| panic!("{shown}: no `name` string"));
        let programs = preset_programs(&value, &shown);
        writeln!(index, "    ({name:?}, &{programs:?}),").unwrap();
    }
    out.push_str("];\n");
    out.push_str(&index);
    out.push_str("];\n");
    std::fs::write(out_dir.join("presets.rs"), out).unwrap();
}

/// The first words of a preset's `[[command]]` `match`, `prelude` and
/// `warm-up` patterns, deduplicated in order (`Preset::programs`).
fn preset_programs(value: &toml::Value, shown: &str) -> Vec<String> {
    let strings = |v: Option<&toml::Value>, key: &str| -> Vec<String> {
        let list = v.map(|v| {
            v.as_array()
                .unwrap_or_else(|| panic!("{shown}: `{key}` is not an array"))
        });
        list.into_iter()
            .flatten()
            .map(|s| {
                s.as_str()
                    .unwrap_or_else(|| panic!("{shown}: `{key}` holds a non-string"))
                    .to_string()
            })
            .collect()
    };
    let mut patterns = Vec::new();
    let commands = value.get("command").and_then(|c| c.as_array());
    for c in commands.into_iter().flatten() {
        patterns.extend(strings(c.get("match"), "match"));
    }
    patterns.extend(strings(value.get("prelude"), "prelude"));
    patterns.extend(strings(value.get("warm-up"), "warm-up"));
    let mut programs: Vec<String> = Vec::new();
    for p in patterns {
        let first = p
            .split_whitespace()
            .next()
            .unwrap_or_else(|| panic!("{shown}: an empty pattern would match every command"));
        if !programs.iter().any(|x| x == first) {
            programs.push(first.to_string());
        }
    }
    programs
}

fn main() {
    // A position-dependent executable on Linux: the dynamic loader then has
    // no relocations to apply to the binary's own tables at every start (a
    // PIE had ~8,000, touching about 80 pages: a quarter of a one-file run).
    // Only the binaries: tests and the library are unchanged.
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    if linux && std::env::var("CARGO_CFG_TARGET_ENV").as_deref() == Ok("gnu") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
    let out_dir = std::env::var("OUT_DIR").unwrap();
    let out = Path::new(&out_dir);
    command_tables(out);
    embed_json(
        out,
        "src/contexts/build_commands.toml",
        "build_commands.json",
    );
    embed_json(out, "src/readers/dep_scripts.toml", "dep_scripts.json");
    embed_json(out, "images/users.toml", "users.json");
    embed_json(out, "images/workdirs.toml", "workdirs.json");
    build_programs(out);
    presets(out);
    fixture_tests(&out_dir);
    e2e_tests(&out_dir);
}

/// One `#[test]` per rule fixture `tests/fixtures/<group>/<name>/`, for the
/// test binary (tests/main.rs includes the file): fixtures are found, never
/// listed by hand, and `tests/support/case.rs` fails the one whose directory
/// states no expectations. `syntax-cases` holds parser inputs (tests/syntax.rs).
fn fixture_tests(out_dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    println!("cargo:rerun-if-changed=tests/fixtures");
    let mut out =
        String::from("// Generated by build.rs from the directories of tests/fixtures.\n");
    for group in subdirectories(&root) {
        if group == "syntax-cases" {
            continue;
        }
        writeln!(out, "pub mod {} {{", identifier(&group)).unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for name in subdirectories(&root.join(&group)) {
            let test = identifier(&name);
            assert!(
                seen.insert(test.clone()),
                "tests/fixtures/{group}: two fixtures make the test name {test}"
            );
            writeln!(
                out,
                "    #[test]\n    fn {test}() {{\n        crate::support::case::fixture({group:?}, {name:?});\n    }}"
            )
            .unwrap();
        }
        out.push_str("}\n");
    }
    std::fs::write(Path::new(out_dir).join("fixture_tests.rs"), out).unwrap();
}

/// One `#[test]` per e2e fixture `tests/e2e/fixtures/<name>/` and one per
/// wrong rewrite its `fixture.toml` declares (`[[wrong]]`), for the test
/// binary (tests/e2e/mod.rs includes the file). A test is named `e2e_` and
/// the fixture's `test` (default: its directory name), or the wrong
/// rewrite's `test` (default: `wrong_rewrite_is_caught_<name>_<file>`), so
/// `cargo test e2e_` selects them all. A fixture with `custom` (the name of
/// a hand-written test that builds it) gets no generated test. A `wrong-*`
/// file no `[[wrong]]` names, or two tests of one name, fail the build.
fn e2e_tests(out_dir: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/fixtures");
    println!("cargo:rerun-if-changed=tests/e2e/fixtures");
    let mut out = String::from(
        "// Generated by build.rs from the fixture.toml files of tests/e2e/fixtures.\n",
    );
    let mut seen = std::collections::BTreeSet::new();
    let mut emit = |test: String, call: String, shown: &str| {
        assert!(
            seen.insert(test.clone()),
            "{shown}: a second e2e test named e2e_{test}"
        );
        writeln!(out, "#[test]\nfn e2e_{test}() {{\n    {call};\n}}").unwrap();
    };
    for name in subdirectories(&root) {
        let shown = format!("tests/e2e/fixtures/{name}/fixture.toml");
        let text = std::fs::read_to_string(root.join(&name).join("fixture.toml"))
            .unwrap_or_else(|e| panic!("{shown}: {e}"));
        let meta: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{shown}: {e}"));
        let string = |table: &toml::Table, key: &str| {
            table.get(key).map(|v| {
                v.as_str()
                    .unwrap_or_else(|| panic!("{shown}: `{key}` is not a string"))
                    .to_string()
            })
        };
        let test = string(&meta, "test").unwrap_or_else(|| identifier(&name));
        if string(&meta, "custom").is_none() {
            emit(
                identifier(&test),
                format!("super::fixture({name:?})"),
                &shown,
            );
        }
        let mut declared = std::collections::BTreeSet::new();
        let wrongs = meta.get("wrong").and_then(|w| w.as_array()).cloned();
        for wrong in wrongs.unwrap_or_default() {
            let wrong = wrong
                .as_table()
                .unwrap_or_else(|| panic!("{shown}: [[wrong]] is not a table"));
            let file = string(wrong, "dockerfile")
                .unwrap_or_else(|| panic!("{shown}: a [[wrong]] without `dockerfile`"));
            let stem = file
                .trim_start_matches("wrong-")
                .trim_end_matches(".Dockerfile");
            let test = string(wrong, "test").unwrap_or_else(|| {
                format!(
                    "wrong_rewrite_is_caught_{}_{}",
                    identifier(&name),
                    identifier(stem)
                )
            });
            emit(
                identifier(&test),
                format!("super::wrong_rewrite({name:?}, {file:?})"),
                &shown,
            );
            declared.insert(file);
        }
        let files = std::fs::read_dir(root.join(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        for file in files.filter_map(|e| e.ok()) {
            let file = file.file_name().to_string_lossy().into_owned();
            assert!(
                !file.starts_with("wrong-") || declared.contains(&file),
                "{shown}: no [[wrong]] names {file}, so no test builds it"
            );
        }
    }
    std::fs::write(Path::new(out_dir).join("e2e_tests.rs"), out).unwrap();
}

/// The names of the directories in `dir`, sorted (none when it is absent).
fn subdirectories(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// A Rust identifier for a fixture name: `npm-ci.split` gives `npm_ci_split`.
fn identifier(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'f');
    }
    id
}
