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
//!
//! The same for composer (Debian's composer 2.5.5, php 8.2; packages from an artifact
//! repository that the base image's global config serves instead of Packagist):
//!
//! - with composer.lock: `composer install` with `--no-dev`, `-o`, `--classmap-authoritative`
//!   or `--no-scripts`, and post-install-cmd scripts that read the source, builds the
//!   original's image apart from the autoloader's random class-name suffix, which two builds
//!   of the original differ in too (`e2e_real_composer_two_builds_differ_in_the_suffix`). The
//!   download cache (`$COMPOSER_HOME/cache/files`) holds the same archives.
//!   `real-composer-exported` and `real-composer-exported-no-scripts` run the default (safe)
//!   fix.
//! - a composer-plugin in the lock, a package-event script, or no lock: the fix stays unsafe,
//!   and `e2e_real_composer_exported_*_differs` check the exact difference of each.
//!
//! maven (Debian's 3.8.7, OpenJDK 17, Debian's Maven repository as the only mirror):
//! `mvn dependency:go-offline || true` before `mvn -B package` leaves the project's files as
//! they were and only adds to `~/.m2/repository` (257 entries measured: the dependency plugin
//! and its dependency tree, POMs of lifecycle plugins the build never runs, `*.lastUpdated`
//! failure markers). The fix stays unsafe;
//! `e2e_real_maven_exported_go_offline_adds_to_the_local_repository` checks that this is the
//! only kind of difference, and that two builds of the original are the same.

use std::path::Path;

use super::support::{e2e_ready, scratch_dir, Tree};
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

/// Every difference between the final images of two fixture copies (`first`: built from
/// `a`, `second`: from `b`), one line each: `differs: PATH`, `only in the first image: PATH`
/// or `only in the second image: PATH`. Panics when a build fails.
fn all_differences(fx: &Fixture, a: &Path, b: &Path) -> Vec<String> {
    let tag = fx.tag();
    let (dockerfile, context) = (fx.dockerfile(), fx.context());
    let trees: Vec<Tree> = std::thread::scope(|scope| {
        let builds: Vec<_> = [("first", a), ("second", b)]
            .into_iter()
            .map(|(variant, dir)| {
                let tag = &tag;
                scope.spawn(move || {
                    let builder = fx.builder(variant);
                    let build = builder.build(dir, dockerfile, context, tag);
                    assert!(
                        build.ok,
                        "{}: {variant} build failed\n{}",
                        fx.name,
                        build.tail(40)
                    );
                    fx.tree(&builder, tag)
                })
            })
            .collect();
        builds
            .into_iter()
            .map(|b| b.join().expect("build thread"))
            .collect()
    });
    trees[0]
        .differences(&trees[1], usize::MAX)
        .iter()
        .filter_map(|d| d.lines().next().map(str::to_string))
        .collect()
}

#[test]
fn e2e_real_maven_exported_go_offline_adds_to_the_local_repository() {
    if !e2e_ready() {
        return;
    }
    let Some(fx) = Fixture::load_ready("real-maven-exported") else {
        return;
    };
    let scratch = scratch_dir("real-maven-exported-all");
    let (original, rewritten) = (
        scratch.path().join("original"),
        scratch.path().join("rewritten"),
    );
    fx.copy_to(&original);
    fx.copy_to(&rewritten);
    run_dockopt(&fx, &rewritten);
    let differences = all_differences(&fx, &original, &rewritten);
    eprintln!(
        "[e2e] real-maven-exported: {} differences:\n{}",
        differences.len(),
        differences.join("\n")
    );
    let extra = "only in the second image: /root/.m2/repository/";
    let outside: Vec<&String> = differences
        .iter()
        .filter(|d| !d.starts_with(extra))
        .collect();
    assert!(
        outside.is_empty(),
        "the rewrite changes more than the local repository: {outside:?}"
    );
    assert!(
        differences
            .iter()
            .any(|d| d.contains("/maven-dependency-plugin/")),
        "go-offline no longer leaves the dependency plugin in ~/.m2: the fix may be safe \
         (see presets/maven.toml): {differences:?}"
    );
    // What two builds of the original differ in, after normalisation: nothing.
    let again = scratch.path().join("again");
    fx.copy_to(&again);
    let twice = all_differences(&fx, &original, &again);
    assert!(
        twice.is_empty(),
        "two builds of the original differ: {twice:?}"
    );
}
