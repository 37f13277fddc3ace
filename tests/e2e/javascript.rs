//! e2e fixtures for the javascript ecosystems (tests/e2e/fixtures/): yarn classic and Berry,
//! pnpm and bun, built with buildah and the stand-ins `standins/{yarn,pnpm,bun}`.

use super::{reject_wrong_rewrite, run_fixture, Depth, Failure};

#[test]
fn e2e_yarn_classic() {
    run_fixture("yarn-classic")
}

#[test]
fn e2e_yarn_classic_host_node_modules() {
    // The ignore entry makes the fix unsafe (yarn does not empty node_modules first).
    super::go_jvm::run_unsafe_fixture("yarn-classic-host-node-modules")
}

#[test]
fn e2e_yarn_berry() {
    run_fixture("yarn-berry")
}

#[test]
fn e2e_pnpm_workspace() {
    // The ignore entry makes the fix unsafe (pnpm does not empty node_modules first).
    super::go_jvm::run_unsafe_fixture("pnpm-workspace")
}

#[test]
fn e2e_pnpm_fetch_warm_up() {
    run_fixture("pnpm-fetch-warm-up")
}

#[test]
fn e2e_pnpm_postinstall() {
    run_fixture("pnpm-postinstall")
}

#[test]
fn e2e_bun_classic() {
    run_fixture("bun-classic")
}

#[test]
fn e2e_bun_migrate_lockfile() {
    run_fixture("bun-migrate-lockfile")
}

/// Berry without the `yarnPath` release before the install: the stand-in fails like yarn.
#[test]
fn e2e_wrong_rewrite_is_caught_yarn_berry_release() {
    let failure = reject_wrong_rewrite("yarn-berry", "wrong-no-release.Dockerfile", Depth::Image);
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

/// pnpm without one workspace member's package.json: its dependencies are missing from
/// the install, and `--frozen-lockfile` fails on the lockfile's importer.
#[test]
fn e2e_wrong_rewrite_is_caught_pnpm_member() {
    let failure =
        reject_wrong_rewrite("pnpm-workspace", "wrong-no-member.Dockerfile", Depth::Image);
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

/// bun without the yarn.lock it migrates: a different bun.lock and different versions.
#[test]
fn e2e_wrong_rewrite_is_caught_bun_migration() {
    let failure = reject_wrong_rewrite(
        "bun-migrate-lockfile",
        "wrong-no-yarn-lock.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::TreesDiffer(_))),
        "{failure:?}"
    );
}
