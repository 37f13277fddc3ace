//! e2e fixtures for the python ecosystems (tests/e2e/fixtures/): poetry, pipenv, uv, pdm,
//! conda and micromamba, built with the stand-ins of tests/e2e/standins/ (poetry, pipenv,
//! uv, pdm, conda with mamba and micromamba as other names of it). Each `wrong-*` Dockerfile
//! is a hand-written rewrite that forgets one file the tool reads; the harness must reject it.

use super::{reject_wrong_rewrite, run_fixture, Depth, Failure};

#[test]
fn e2e_poetry_classic() {
    run_fixture("poetry-classic");
}

#[test]
fn e2e_pipenv_deploy() {
    run_fixture("pipenv-deploy");
}

#[test]
fn e2e_uv_project() {
    // The ignore entry makes the fix unsafe (uv does not empty .venv first).
    super::go_jvm::run_unsafe_fixture("uv-project");
}

#[test]
fn e2e_uv_workspace() {
    run_fixture("uv-workspace");
}

#[test]
fn e2e_pdm_install() {
    run_fixture("pdm-install");
}

#[test]
fn e2e_conda_env_create() {
    run_fixture("conda-env-create");
}

#[test]
fn e2e_micromamba_install() {
    run_fixture("micromamba-install");
}

#[test]
fn e2e_wrong_rewrite_is_caught_poetry_toml() {
    // poetry.toml (virtualenvs.in-project) left out: the dependencies go to poetry's cache
    // directory first, and the project install after the source copy makes a second venv.
    let failure = reject_wrong_rewrite(
        "poetry-classic",
        "wrong-no-poetry-toml.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::TreesDiffer(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_pipenv_env_file() {
    // .env left out: pipenv installs from another index than the one .env names.
    let failure = reject_wrong_rewrite("pipenv-deploy", "wrong-no-env.Dockerfile", Depth::Image);
    assert!(
        matches!(failure, None | Some(Failure::TreesDiffer(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_uv_workspace_members() {
    // Only the root manifest: uv cannot load the workspace without its members' manifests.
    let failure = reject_wrong_rewrite(
        "uv-workspace",
        "wrong-root-manifest-only.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}

#[test]
fn e2e_wrong_rewrite_is_caught_conda_pip_include() {
    // The environment file without the requirement files its pip section includes.
    let failure = reject_wrong_rewrite(
        "conda-env-create",
        "wrong-env-file-only.Dockerfile",
        Depth::Image,
    );
    assert!(
        matches!(failure, None | Some(Failure::VariantBuild(_))),
        "{failure:?}"
    );
}
