//! Issue 12, class 7: the e2e tests that need code of their own. The measurements of the
//! deps-only fixes in an exported stage are otherwise fixture data
//! (`fixtures/real-cargo-exported*`, `fixtures/real-composer-exported*`: the same image, or a
//! `[differs]` table saying exactly where the images differ):
//!
//! - cargo `--release`: the images differ only where two builds of the original differ too
//!   (normalised, see `normalise.rs`); the dev profile: the crate's own library differs
//!   (`e2e_real_cargo_exported_debug_differs`).
//! - composer (Debian's composer 2.5.5, php 8.2; packages from an artifact repository that
//!   the base image's global config serves instead of Packagist): with composer.lock the
//!   original's image apart from the autoloader's random class-name suffix, which two builds
//!   of the original differ in too (`e2e_real_composer_two_builds_differ_in_the_suffix`,
//!   here); a composer-plugin in the lock, a package-event script, or no lock: the fix stays
//!   unsafe, and `e2e_real_composer_exported_*_differs` pin the exact difference of each.
//!
//! maven (Debian's 3.8.7, OpenJDK 17, Debian's Maven repository as the only mirror):
//! `mvn dependency:go-offline || true` before `mvn -B package` leaves the project's files as
//! they were and only adds to `~/.m2/repository` (257 entries measured: the dependency plugin
//! and its dependency tree, POMs of lifecycle plugins the build never runs, `*.lastUpdated`
//! failure markers). The fix stays unsafe;
//! `e2e_real_maven_exported_go_offline_adds_to_the_local_repository` (here: the fixture says
//! `custom`) checks that this is the only kind of difference, and that two builds of the
//! original are the same.

use std::path::Path;

use super::support::{e2e_ready, scratch_dir, Tree};
use super::Normalisation;
use super::{run_dockopt, verify, Depth, Failure, Fixture};

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
