//! Compiles every `presets/*.toml` into the binary (npm, pip and cargo
//! first, the rest by name), so adding an ecosystem is adding a file.
//!
//! The TOML is parsed here, at build time (a syntax error fails the build
//! with the file and line), and embedded as compact JSON: parsing all the
//! TOML at every start took most of a one-file run; JSON of the same data
//! deserializes (with the same serde schema) in a fraction of that.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
    let out_dir = std::env::var("OUT_DIR").unwrap();
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
    for n in &names {
        println!("cargo:rerun-if-changed=presets/{n}.toml");
        let path = dir.join(format!("{n}.toml"));
        let text = std::fs::read_to_string(&path).expect("preset is readable");
        let value: toml::Value = toml::from_str(&text).unwrap_or_else(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            panic!("presets/{n}.toml:{line}: invalid TOML: {}", e.message())
        });
        let json = serde_json::to_string(&value).expect("TOML values are JSON values");
        let dest = Path::new(&out_dir).join(format!("preset-{n}.json"));
        std::fs::write(&dest, json).unwrap();
        writeln!(
            out,
            "    ({n:?}, include_str!(concat!(env!(\"OUT_DIR\"), \"/preset-{n}.json\"))),"
        )
        .unwrap();
    }
    out.push_str("];\n");
    std::fs::write(Path::new(&out_dir).join("presets.rs"), out).unwrap();
}
