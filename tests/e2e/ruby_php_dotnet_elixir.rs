//! e2e fixtures for the ruby_php_dotnet_elixir ecosystems (tests/e2e/fixtures/).

use super::{reject_wrong_rewrite, run_fixture, Depth, Failure};

#[test]
fn e2e_bundler_classic() {
    run_fixture("bundler-classic");
}

#[test]
fn e2e_bundler_deployment() {
    run_fixture("bundler-deployment");
}

#[test]
fn e2e_wrong_rewrite_is_caught_bundler_ruby_version() {
    // The Gemfile reads .ruby-version (`ruby file:`): without it the stand-in fails like Bundler.
    let failure = reject_wrong_rewrite(
        "bundler-classic",
        "wrong-no-ruby-version.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_bundler_vendor_cache() {
    // `--local` installs only from vendor/cache, which must come with the manifests.
    let failure = reject_wrong_rewrite(
        "bundler-deployment",
        "wrong-no-cache.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_composer_multistage() {
    run_fixture("composer-multistage");
}

#[test]
fn e2e_wrong_rewrite_is_caught_composer_autoloader() {
    // Installing with the autoloader before the source copy (and no install after it): the
    // optimized classmap lists no source file.
    let failure = reject_wrong_rewrite(
        "composer-multistage",
        "wrong-autoloader-before-source.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::TreesDiffer(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_dotnet_restore_project() {
    run_fixture("dotnet-restore-project");
}

#[test]
fn e2e_dotnet_publish_sln() {
    run_fixture("dotnet-publish-sln");
}

#[test]
fn e2e_dotnet_publish_subdir_project() {
    run_fixture("dotnet-publish-subdir-project");
}

#[test]
fn e2e_wrong_rewrite_is_caught_dotnet_restore_without_the_project() {
    // The deps-only restore without the project argument: the context root holds
    // no project, so it fails like the dotnet CLI (MSB1003).
    let failure = reject_wrong_rewrite(
        "dotnet-publish-subdir-project",
        "wrong-restore-without-project.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_dotnet_missing_reference() {
    // The ProjectReference's project left out: the restore fails like MSBuild (MSB3202).
    let failure = reject_wrong_rewrite(
        "dotnet-restore-project",
        "wrong-missing-reference.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_dotnet_central_versions() {
    // Directory.Packages.props left out: versionless PackageReferences fail (NU1015).
    let failure = reject_wrong_rewrite(
        "dotnet-publish-sln",
        "wrong-no-central-versions.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_mix_deps_get() {
    run_fixture("mix-deps-get");
}

#[test]
fn e2e_mix_umbrella() {
    run_fixture("mix-umbrella");
}

#[test]
fn e2e_wrong_rewrite_is_caught_mix_config() {
    // `mix deps.compile` before the source copy without the compile-time config: the
    // dependencies are compiled against another configuration.
    let failure = reject_wrong_rewrite(
        "mix-deps-get",
        "wrong-deps-compile-without-config.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::TreesDiffer(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_mix_umbrella_members() {
    // Only the umbrella root's mix.exs: its children's dependencies are not fetched, and the
    // compile after the source copy stops on them.
    let failure = reject_wrong_rewrite("mix-umbrella", "wrong-no-members.Dockerfile", Depth::Image);
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_mix_deps_compile_stage() {
    run_fixture("mix-deps-compile-stage");
}

#[test]
fn e2e_wrong_rewrite_is_caught_mix_env_config() {
    // config.exs imports "#{config_env()}.exs": without config/prod.exs mix stops loading it.
    let failure = reject_wrong_rewrite(
        "mix-deps-compile-stage",
        "wrong-no-env-config.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}
