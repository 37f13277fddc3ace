//! Issue 12, class 7: is cargo's deps-only fix safe in an exported stage? Measured with the
//! real cargo (crates.io), building the original and the rewritten Dockerfile and comparing
//! every file of the final image (path, type, mode, owner, content):
//!
//! - `cargo build --release`: the images differ only where two builds of the original
//!   differ too (cargo's last-use database, `.rustc_info.json`'s key order, dep-info's file
//!   order: normalised, see `normalise.rs`). The stub build's artefacts are all rebuilt
//!   under the same names; nothing of the stubs is left. `real-cargo-exported` runs the
//!   default (safe) fix and checks the images are the same (a lib, a bin, a build.rs);
//!   `readers-cargo-targets` does too with `--bin` and targets in src/bin/ and examples/.
//! - `cargo build` (dev profile, incremental): the crate's own library differs (rustc
//!   rebuilds it incrementally over the stub's session). The fix stays unsafe;
//!   `e2e_real_cargo_exported_debug_differs` checks that this is the difference, and the
//!   only one.

use super::support::{e2e_ready, scratch_dir};
use super::{run_dockopt, run_fixture, verify, Depth, Failure, Fixture};

#[test]
fn e2e_real_cargo_exported_release_is_the_same_image() {
    run_fixture("real-cargo-exported");
}

/// The image paths that differ between the original and the `--unsafe-fixes` rewrite of a
/// fixture; `None` when the test is skipped.
fn unsafe_fix_differences(name: &str) -> Option<Vec<String>> {
    if !e2e_ready() {
        return None;
    }
    let fx = Fixture::load_ready(name)?;
    assert!(fx.meta.unsafe_fixes, "{name}: set unsafe_fixes");
    let scratch = scratch_dir(name);
    let original = scratch.path().join("original");
    let rewritten = scratch.path().join("rewritten");
    fx.copy_to(&original);
    fx.copy_to(&rewritten);
    run_dockopt(&fx, &rewritten);
    let text = match verify(&fx, &original, &rewritten, Depth::Image) {
        Ok(_) => return Some(Vec::new()),
        Err(Failure::TreesDiffer(text)) => text,
        Err(other) => panic!("{name}: {other}"),
    };
    eprintln!("[e2e] {name}: {text}");
    assert!(!text.contains("\n... and "), "{name}: too many differences");
    let prefixes = [
        "differs: ",
        "only in the first image: ",
        "only in the second image: ",
    ];
    Some(
        text.lines()
            .filter_map(|line| prefixes.iter().find_map(|p| line.strip_prefix(p)))
            .map(str::to_string)
            .collect(),
    )
}

#[test]
fn e2e_real_cargo_exported_debug_differs() {
    let Some(paths) = unsafe_fix_differences("real-cargo-exported-debug") else {
        return;
    };
    let own = |p: &str| {
        let p = p.strip_prefix("/usr/src/hello/target/debug/").unwrap_or("");
        p.starts_with("deps/libhello-")
            || p == "libhello.rlib"
            || p.starts_with(".fingerprint/hello-")
    };
    assert!(
        paths.iter().any(|p| p.ends_with(".rlib")),
        "the incremental rebuild over the stub no longer changes the library: {paths:?}; \
         the fix may be safe in the dev profile too (see presets/cargo.toml)"
    );
    assert!(
        paths.iter().all(|p| own(p)),
        "differences beyond the crate's own library: {paths:?}"
    );
}
