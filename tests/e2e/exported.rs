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
use super::Normalisation;
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

#[test]
fn e2e_real_composer_exported_is_the_same_image() {
    run_fixture("real-composer-exported");
}

#[test]
fn e2e_real_composer_exported_no_scripts_is_the_same_image() {
    run_fixture("real-composer-exported-no-scripts");
}

/// Asserts that the unsafe fix of `name` changes exactly `expected` in the image.
fn differs_exactly(name: &str, expected: &[&str], why: &str) {
    let Some(paths) = unsafe_fix_differences(name) else {
        return;
    };
    assert_eq!(
        paths, expected,
        "{name}: the measured difference changed ({why}); see presets/composer.toml"
    );
}

#[test]
fn e2e_real_composer_exported_plugin_differs() {
    // The plugin appends to var/composer-log.txt on post-install-cmd: once in the original,
    // and in the rewrite also in the deps-only step, before the source copy.
    differs_exactly(
        "real-composer-exported-plugin",
        &["/app/var/composer-log.txt"],
        "a plugin runs in the deps-only step too",
    );
}

#[test]
fn e2e_real_composer_exported_no_lock_differs() {
    // Without a lock the original is an update: its post-install-cmd script (which writes
    // var/build-info.txt) does not run; the rewrite's second step installs from the lock
    // the first step wrote, and it does.
    differs_exactly(
        "real-composer-exported-no-lock",
        &["/app/var", "/app/var/build-info.txt"],
        "without a lock, the original is an update",
    );
}

#[test]
fn e2e_real_composer_exported_package_event_differs() {
    // post-package-install writes var/packages.txt in the original; in the rewrite the
    // deps-only step runs no scripts and the second step installs nothing.
    differs_exactly(
        "real-composer-exported-package-event",
        &["/app/var/packages.txt"],
        "package events never run in the rewrite",
    );
}

/// What the composer normalisation blanks is what two builds of the same original differ
/// in: the autoloader's class-name suffix, in exactly three files.
#[test]
fn e2e_real_composer_two_builds_differ_in_the_suffix() {
    if !e2e_ready() {
        return;
    }
    let Some(mut fx) = Fixture::load_ready("real-composer-exported") else {
        return;
    };
    assert_eq!(fx.meta.normalise, [Normalisation::ComposerAutoloaderSuffix]);
    fx.meta.normalise.clear();
    let scratch = scratch_dir("real-composer-twice");
    let (first, second) = (scratch.path().join("first"), scratch.path().join("second"));
    fx.copy_to(&first);
    fx.copy_to(&second);
    let text = match verify(&fx, &first, &second, Depth::Image) {
        Ok(_) => panic!("two builds made the same autoloader: the suffix is no longer random"),
        Err(Failure::TreesDiffer(text)) => text,
        Err(other) => panic!("{other}"),
    };
    let differs: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix("differs: "))
        .collect();
    assert_eq!(
        differs,
        [
            "/app/vendor/autoload.php",
            "/app/vendor/composer/autoload_real.php",
            "/app/vendor/composer/autoload_static.php",
        ],
        "{text}"
    );
    assert!(!text.contains("only in the"), "{text}");
}
