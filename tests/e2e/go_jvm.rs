//! e2e fixtures for the go_jvm ecosystems (tests/e2e/fixtures/): go, maven, gradle.
//!
//! Go and Maven fixtures run through `run_fixture` (`dockopt --fix`): their fixes are safe in a
//! builder stage, or a pure move. Gradle's warm-up is always an unsafe fix, so its fixtures run
//! through [`run_unsafe_fixture`]: the same checks after `dockopt --fix --unsafe-fixes`.

use std::fs;
use std::process::Command;

#[test]
fn e2e_go_multistage() {
    super::run_fixture("go-multistage")
}

#[test]
fn e2e_go_workspace() {
    super::run_fixture("go-workspace")
}

#[test]
fn e2e_wrong_rewrite_is_caught_go_replace_target() {
    // The workspace's manifests without the go.mod of the module `api` replaces with
    // ../tools/util: `go mod download` cannot load the module graph.
    let failure = super::reject_wrong_rewrite(
        "go-workspace",
        "wrong-no-replace-target.Dockerfile",
        super::Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(super::Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_maven_multimodule() {
    super::run_fixture("maven-multimodule")
}

#[test]
fn e2e_maven_wrapper() {
    super::run_fixture("maven-wrapper")
}

#[test]
fn e2e_maven_wrapper_not_executable() {
    super::run_fixture("maven-wrapper-not-executable")
}

#[test]
fn e2e_wrong_rewrite_is_caught_fatal_go_offline() {
    // The warm-up made fatal: dependency:go-offline fails on the reactor sibling `core` (not
    // installed yet, MDEP-204), so the rewritten file no longer builds.
    let failure = super::reject_wrong_rewrite(
        "maven-multimodule",
        "wrong-fatal-warm-up.Dockerfile",
        super::Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(super::Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_chmod_undone() {
    // mvnw is not executable in the context: the `chmod +x` before the warm-up is undone by the
    // source copy after it, and `./mvnw package` cannot run.
    let failure = super::reject_wrong_rewrite(
        "maven-wrapper-not-executable",
        "wrong-chmod-undone.Dockerfile",
        super::Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(super::Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_gradle_multiproject() {
    run_unsafe_fixture("gradle-multiproject")
}

#[test]
fn e2e_gradle_wrapper_groovy() {
    run_unsafe_fixture("gradle-wrapper-groovy")
}

#[test]
fn e2e_wrong_rewrite_is_caught_gradle_no_build_src() {
    // A (fatal) warm-up without buildSrc/: the build scripts use its plugin `orders.java`, so
    // configuring the build fails.
    let failure = super::reject_wrong_rewrite(
        "gradle-wrapper-groovy",
        "wrong-no-build-src.Dockerfile",
        super::Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(super::Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

/// `run_fixture` with `dockopt --fix --unsafe-fixes`: both variants build, to the same files, and
/// after a source edit the warm-up comes from the cache.
pub(crate) fn run_unsafe_fixture(name: &str) {
    if !super::support::e2e_ready() {
        return;
    }
    let fx = super::Fixture::load(name);
    let scratch = super::support::scratch_dir(name);
    let original = scratch.path().join("original");
    let rewritten = scratch.path().join("rewritten");
    fx.copy_to(&original);
    fx.copy_to(&rewritten);

    let dockerfile = rewritten.join(fx.dockerfile());
    let before = fs::read(&dockerfile).expect("read the Dockerfile");
    let mut command = Command::new(env!("CARGO_BIN_EXE_dockopt"));
    command
        .current_dir(&rewritten)
        .args(["--fix", "--unsafe-fixes"])
        .arg(fx.dockerfile());
    if let Some(context) = &fx.meta.context {
        command.arg("--context").arg(context);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{name}: dockopt --fix --unsafe-fixes failed ({}):\n{stderr}",
        out.status
    );
    let after = fs::read(&dockerfile).expect("read the Dockerfile");
    if let Some(expected) = fx.meta.changed {
        assert_eq!(
            after != before,
            expected,
            "{name}: expected dockopt --fix --unsafe-fixes {} the Dockerfile ({})\n{stderr}",
            if expected {
                "to change"
            } else {
                "not to change"
            },
            fx.meta.about
        );
    }
    eprintln!(
        "[e2e] {name}: rewritten Dockerfile:\n{}",
        String::from_utf8_lossy(&after)
    );
    for path in &fx.meta.ignored {
        assert!(
            super::dockerignore_excludes(&rewritten.join(fx.context()), path),
            "{name}: after dockopt --fix --unsafe-fixes, .dockerignore does not exclude {path} ({})",
            fx.meta.about
        );
    }
    match super::verify(&fx, &original, &rewritten, super::Depth::WithEdit) {
        Ok(timings) => super::support::record_timings(name, timings.original, timings.rewritten),
        Err(failure) => panic!("{name} ({}): {failure}", fx.meta.about),
    }
}
