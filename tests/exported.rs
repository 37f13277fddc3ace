//! Issue 12, class 7: cargo's deps-only fix in an exported stage is safe only
//! where real builds showed the same image (the e2e fixtures
//! `tests/e2e/fixtures/real-cargo-exported*`): with `--release` (or `-r`), and no `incremental` setting in the Dockerfile or
//! the manifests; `cargo install --path` with Cargo.lock (only the download cache differs). Each
//! case flips the label one way; the rewrite is the same.

use serde_json::Value;

use crate::support::Scratch;

const CARGO_TOML: &str =
    "[package]\nname = \"hello\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"1\"\n";

/// The applicability and unsafe reason of the one finding for `dockerfile`.
fn label(dockerfile: &str, cargo_toml: &str) -> (String, Option<String>) {
    label_with(dockerfile, cargo_toml, true)
}

/// [`label`], with or without a Cargo.lock in the context.
fn label_with(dockerfile: &str, cargo_toml: &str, lock: bool) -> (String, Option<String>) {
    let s = Scratch::empty();
    s.write("Dockerfile", dockerfile);
    s.write("Cargo.toml", cargo_toml);
    if lock {
        s.write("Cargo.lock", "version = 4\n");
    }
    s.write("src/main.rs", "fn main() {}\n");
    let out = s.run(&["--format", "json", "Dockerfile"]);
    let v: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {out:?}"));
    let f = &v["files"][0]["findings"][0];
    assert!(f["reason"].is_null(), "{f}");
    (
        f["applicability"].as_str().unwrap_or_default().to_string(),
        f["unsafe_reason"].as_str().map(str::to_string),
    )
}

fn single_stage(run: &str) -> String {
    format!("FROM rust:1\nWORKDIR /app\nCOPY . .\nRUN {run}\nCMD [\"/app/target/release/hello\"]\n")
}

#[test]
fn cargo_release_in_an_exported_stage_is_safe() {
    assert_eq!(
        label(&single_stage("cargo build --release --locked"), CARGO_TOML),
        ("safe".to_string(), None)
    );
    assert_eq!(label(&single_stage("cargo build -r"), CARGO_TOML).0, "safe");
}

#[test]
fn cargo_dev_profile_in_an_exported_stage_is_unsafe() {
    let (app, why) = label(&single_stage("cargo build --locked"), CARGO_TOML);
    assert_eq!(app, "unsafe");
    // The reason says what the real cargo was measured to change.
    let why = why.unwrap_or_default();
    assert!(why.contains("exported"), "{why}");
    assert!(why.contains("measured:") && why.contains(".rlib"), "{why}");
}

#[test]
fn an_incremental_setting_voids_the_measurement() {
    let env = single_stage("cargo build --release")
        .replace("WORKDIR /app\n", "WORKDIR /app\nENV CARGO_INCREMENTAL=1\n");
    assert_eq!(label(&env, CARGO_TOML).0, "unsafe");
    let profile = format!("{CARGO_TOML}\n[profile.release]\nincremental = true\n");
    assert_eq!(
        label(&single_stage("cargo build --release"), &profile).0,
        "unsafe"
    );
}

/// Its deps-only step, `cargo fetch`, was measured to leave the crates of
/// every platform in cargo's download cache, which the image keeps (e2e
/// fixture `real-cargo-exported-install`): unsafe, and the reason says so.
#[test]
fn cargo_install_in_an_exported_stage_is_unsafe() {
    for run in ["cargo install --path .", "cargo install --locked --path ."] {
        let (app, why) = label(&single_stage(run), CARGO_TOML);
        assert_eq!(app, "unsafe", "{run}");
        let why = why.unwrap_or_default();
        assert!(why.contains("the crates of every platform"), "{run}: {why}");
    }
}

/// Without Cargo.lock, `cargo fetch` also writes one that stays in the image
/// (measured: `real-cargo-exported-install-no-lock`).
#[test]
fn cargo_install_without_a_lock_in_an_exported_stage_is_unsafe() {
    let (app, why) = label_with(&single_stage("cargo install --path ."), CARGO_TOML, false);
    assert_eq!(app, "unsafe");
    let why = why.unwrap_or_default();
    assert!(
        why.contains("without Cargo.lock it also writes one"),
        "{why}"
    );
}
