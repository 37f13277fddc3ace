//! Real builds of the readers' classes (issue 11, "the readers' fixtures have no real
//! builds"): each `readers-*` fixture mirrors rewritten fixtures of `tests/readers.rs` with
//! the real package managers (`realbase.sh`), and proves that the rewritten Dockerfile builds
//! the same image as the original. The refused readers' fixtures are proven by their
//! snapshots (nothing is rewritten).
//!
//! The pip, uv and npm fixtures stop at the image comparison (`Depth::Image`): the install
//! cached after a source edit is what the `real-*` fixtures check, and the e2e suite's time
//! is bounded. The cargo ones go on to the edit, since what cargo rebuilds after the source
//! copy (the `touch` of every stub) is part of what they prove.
//!
//! | e2e fixture | readers' fixtures it builds |
//! |---|---|
//! | `readers-pip-flags` | `pip-cert-equals-copied`, `pip-env-constraint-copied`, `pip-target-outside-neighbour` |
//! | `readers-uv-toml` | `uv-pip-reads-uv-toml` |
//! | `readers-npm-userconfig` | `npm-userconfig-copied`, `npm-ignore-scripts` |
//! | `readers-allowlist` | `allowlist-reincludes-modules` |
//! | `readers-containerignore` | `containerignore-both-exclude-neighbour` |
//! | `readers-cargo-targets` | `cargo-bin-flag-autodiscovered` (with a build.rs; the stage is exported, so it is also class 7's evidence for src/bin/, examples/ and build.rs stubs) |
//! | `readers-cargo-member` | `cargo-member-under-workdir` |

use super::{run_fixture, run_fixture_to, Depth};

#[test]
fn e2e_readers_pip_cert_constraint_env_target() {
    run_fixture_to("readers-pip-flags", Depth::Image);
}

#[test]
fn e2e_readers_uv_pip_reads_uv_toml() {
    run_fixture_to("readers-uv-toml", Depth::Image);
}

#[test]
fn e2e_readers_npm_userconfig_ignore_scripts() {
    run_fixture_to("readers-npm-userconfig", Depth::Image);
}

#[test]
fn e2e_readers_allowlist_reincludes_host_modules() {
    run_fixture_to("readers-allowlist", Depth::Image);
}

#[test]
fn e2e_readers_containerignore_and_dockerignore() {
    run_fixture_to("readers-containerignore", Depth::Image);
}

#[test]
fn e2e_readers_cargo_autodiscovered_bin_and_build_script() {
    run_fixture("readers-cargo-targets");
}

#[test]
fn e2e_readers_cargo_member_inherits_the_workspace() {
    run_fixture("readers-cargo-member");
}
