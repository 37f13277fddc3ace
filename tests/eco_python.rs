//! Presets for the python ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/python/), snapshots in snapshots/python/.
//!
//! poetry (§B.8), pipenv (§B.7), uv (§B.9), pdm (§B.11) and conda / mamba /
//! micromamba (§B.10). Every fixture runs through the checks of
//! the shared harness (`tests/support/case.rs`): diff mode writes nothing and JSON shows the same diff;
//! `--fix` reaches a fixed point (a second run proposes nothing); the lines
//! outside the moved COPY and the install RUN are untouched; the printed diff
//! applied with `git apply` gives exactly the tree `--fix` gives. An
//! already-optimized fixture must come out byte-identical with no finding.
//!
//! Tests marked `#[ignore = "bug: ..."]` assert the right behaviour of a
//! known bug in shared code.

use std::sync::Arc;

use crate::support::case::{self, Checked};

const GROUP: &str = "python";

/// The checked run of `fixture` (declared in its case.toml, which the
/// generated test `fixtures::python::<fixture>` snapshots).
fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Arc<Checked> {
    case::checked(GROUP, fixture, dockerfile, args)
}

/// Run every check on `fixture` (its `Dockerfile`) and snapshot it.
fn snap(fixture: &str) -> Arc<Checked> {
    check(fixture, "Dockerfile", &[])
}

/// A fixture whose Dockerfile must come out byte-identical, without findings.
fn untouched(fixture: &str) -> Arc<Checked> {
    let c = snap(fixture);
    assert_eq!(c.diff.code, 0, "{fixture}: {}", c.diff.stderr);
    assert!(c.findings.is_empty(), "{fixture}: {:?}", c.findings);
    assert_eq!(c.fixed, c.original);
    c
}

/// A fixture that is left alone for the reason `kind`, whose text contains `why`.
fn refused(fixture: &str, kind: &str, why: &str) -> Arc<Checked> {
    let c = snap(fixture);
    assert_eq!(c.reasons(), [kind], "{fixture}: {}", c.diff.stderr);
    assert!(c.diff.stderr.contains(why), "{fixture}: {}", c.diff.stderr);
    assert_eq!(c.fixed, c.original);
    c
}

// ---------------------------------------------------------------------------
// poetry (SEMANTICS §B.8)
// ---------------------------------------------------------------------------

/// `pip install poetry` and `poetry config` stay with the deps-only install
/// (`--no-root`); the original install runs again after the source copy.
/// poetry.toml (project configuration) is copied with the manifests.
#[test]
fn poetry_classic_installs_dependencies_without_the_project_first() {
    let c = snap("poetry-classic");
    assert!(c.fixed.contains(
        "COPY pyproject.toml poetry.lock poetry.toml ./\n\
         RUN pip install poetry && poetry config virtualenvs.create false && poetry install --only main --no-root\n\
         COPY . .\n\
         RUN poetry install --only main\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// With `--no-root` the install reads only the manifests: a pure move.
#[test]
fn poetry_no_root_is_moved_as_is() {
    let c = snap("poetry-no-root");
    assert!(c.fixed.contains(
        "COPY pyproject.toml poetry.lock /srv/\n\
         RUN poetry install --no-root --without dev\n\
         COPY . /srv\n\
         RUN python -m compileall shop\n"
    ));
}

/// `poetry install -C backend`: the manifests come from backend/.
#[test]
fn poetry_directory_flag_names_the_project() {
    let c = snap("poetry-directory-flag");
    assert!(c
        .fixed
        .contains("COPY backend/pyproject.toml backend/poetry.lock ./backend/\n"));
    assert!(c
        .fixed
        .contains("RUN poetry install -C backend --only main --no-interaction --no-root\n"));
}

/// An in-project virtualenv (poetry.toml `in-project = true`) of the host in
/// the context would be copied over the installed one: `**/.venv` is added
/// to the existing .dockerignore.
#[test]
fn poetry_host_venv_is_ignored() {
    // poetry does not empty the host .venv first: the ignore entry is unsafe.
    let plain = snap("poetry-host-venv");
    assert!(
        plain.diff.stderr.contains("unsafe fix available"),
        "{}",
        plain.diff.stderr
    );
    let c = check("poetry-host-venv", "Dockerfile", &["--unsafe-fixes"]);
    assert!(c.diff.stdout.contains("+**/.venv\n"), "{}", c.diff.stdout);
}

/// A host `.venv` without `in-project = true` in poetry.toml: poetry uses an
/// existing `.venv`, and its cache directory when there is none, so ignoring
/// the `.venv` would move the virtualenv: left alone.
#[test]
fn poetry_refuses_a_host_venv_without_in_project() {
    refused(
        "poetry-refuse-host-venv",
        "needs-source",
        "in-project = true",
    );
}

#[test]
fn poetry_already_optimized_is_untouched() {
    untouched("poetry-already-optimized");
}

#[test]
fn poetry_refuses_path_dependencies() {
    refused("poetry-refuse-path-dep", "needs-source", "libs/shared");
}

#[test]
fn poetry_refuses_only_root() {
    refused("poetry-refuse-only-root", "needs-source", "--only-root");
}

/// `pip install poetry==1.8.3` installs a named package: by the command
/// table it reads no project file, so it commutes with the source copy and
/// stays before the install (not repeated after it).
#[test]
fn poetry_pinned_pip_prelude_stays_before_the_install() {
    let c = snap("poetry-pinned-pip-prelude");
    assert!(
        c.fixed.contains(
            "RUN pip install poetry==1.8.3 && poetry install --only main --no-root
COPY . .
RUN poetry install --only main
"
        ),
        "{}",
        c.fixed
    );
}

/// `poetry --directory=backend install`: a global `--flag=value` before the
/// subcommand is skipped by the shared matcher (src/preset.rs `match_words`)
/// without being read, so the manifests are resolved in the wrong directory:
/// the root's pyproject.toml is copied, and `poetry install --no-root` then
/// runs in backend/, which holds no pyproject.toml yet: the build fails.
#[test]
fn poetry_global_directory_flag_is_read() {
    let c = check("poetry-bug-global-directory", "Dockerfile", &[]);
    let right = c.fixed.contains("COPY backend/pyproject.toml")
        || (c.fixed == c.original && !c.reasons().is_empty());
    assert!(right, "{}", c.fixed);
}

// ---------------------------------------------------------------------------
// pipenv (SEMANTICS §B.7)
// ---------------------------------------------------------------------------

/// `pipenv install --deploy --system`: Pipfile and Pipfile.lock, plus `.env`,
/// which pipenv loads before every command.
#[test]
fn pipenv_deploy_copies_pipfile_lock_and_env() {
    let c = snap("pipenv-deploy");
    assert!(c.fixed.contains(
        "COPY Pipfile Pipfile.lock .env ./\n\
         RUN pip install pipenv && pipenv install --deploy --system\n\
         COPY . .\n"
    ));
}

/// `pipenv sync` in a builder stage; `pipenv run` after it reads the source.
#[test]
fn pipenv_sync_is_moved() {
    let c = snap("pipenv-sync");
    assert!(c.fixed.contains(
        "COPY Pipfile Pipfile.lock ./\n\
         RUN pipenv sync\n\
         COPY . .\n\
         RUN pipenv run python -m compileall app.py\n"
    ));
}

/// A host `.venv`: pipenv would install into it even without
/// PIPENV_VENV_IN_PROJECT, so ignoring it could move the virtualenv.
#[test]
fn pipenv_refuses_a_host_venv() {
    refused("pipenv-refuse-host-venv", "needs-source", ".venv");
}

#[test]
fn pipenv_already_optimized_is_untouched() {
    untouched("pipenv-already-optimized");
}

#[test]
fn pipenv_refuses_path_entries() {
    refused("pipenv-refuse-path", "needs-source", "local path `.`");
}

/// `--deploy` needs the lock: without one in the context, no rewrite.
#[test]
fn pipenv_refuses_deploy_without_lock() {
    refused(
        "pipenv-refuse-missing-lock",
        "missing-manifest",
        "Pipfile.lock",
    );
}

#[test]
fn pipenv_refuses_requirements_import() {
    refused(
        "pipenv-refuse-requirements",
        "needs-source",
        "pipenv install -r",
    );
}

// ---------------------------------------------------------------------------
// uv (SEMANTICS §B.9)
// ---------------------------------------------------------------------------

/// uv's Docker recipe: the same `uv sync` without the workspace members
/// first, flags and cache mount kept; `.python-version` and the lock copied.
#[test]
fn uv_project_syncs_dependencies_first() {
    let c = snap("uv-project");
    assert!(c.fixed.contains(
        "COPY pyproject.toml uv.lock .python-version ./\n\
         RUN --mount=type=cache,target=/root/.cache/uv \\\n    uv sync --locked --no-dev --no-install-workspace\n\
         COPY . .\n\
         RUN --mount=type=cache,target=/root/.cache/uv uv sync --locked --no-dev\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// Every workspace member's pyproject.toml at its path (excluded members
/// left out); `--no-install-workspace` skips all members until the source is there.
#[test]
fn uv_workspace_members_are_copied() {
    let c = snap("uv-workspace");
    assert!(c.fixed.contains(
        "COPY pyproject.toml uv.lock ./\n\
         COPY packages/api/pyproject.toml ./packages/api/\n\
         COPY packages/worker/pyproject.toml ./packages/worker/\n\
         RUN uv sync --frozen --all-packages --no-install-workspace\n\
         COPY . .\n\
         RUN uv sync --frozen --all-packages\n"
    ));
    assert!(!c.fixed.contains("legacy"));
}

/// Already `--no-install-workspace`: moved as is.
#[test]
fn uv_no_install_workspace_is_moved_as_is() {
    let c = snap("uv-no-install-workspace");
    assert!(c.fixed.contains(
        "COPY pyproject.toml uv.lock ./\n\
         RUN uv sync --frozen --no-dev --no-install-workspace\n\
         COPY . .\n"
    ));
}

/// uv's own documented layout (bind mounts, then `COPY . /app`).
#[test]
fn uv_already_optimized_is_untouched() {
    untouched("uv-already-optimized");
}

#[test]
fn uv_refuses_locked_without_lock() {
    refused("uv-refuse-missing-lock", "missing-manifest", "uv.lock");
}

#[test]
fn uv_refuses_path_sources() {
    refused("uv-refuse-path-source", "needs-source", "vendor/auth");
}

#[test]
fn uv_refuses_dynamic_dependencies() {
    refused("uv-refuse-dynamic", "needs-source", "dynamic");
}

/// `cd packages/api && uv sync`: uv finds the enclosing workspace, whose
/// root manifest and lock dockopt would have to copy too.
#[test]
fn uv_refuses_a_member_of_an_enclosing_workspace() {
    refused(
        "uv-refuse-member-of-workspace",
        "needs-source",
        "inside the uv workspace",
    );
}

// ---------------------------------------------------------------------------
// pdm (SEMANTICS §B.11)
// ---------------------------------------------------------------------------

/// `pdm install ... --no-self` first; pdm.toml copied with the manifests.
#[test]
fn pdm_install_installs_dependencies_without_the_project_first() {
    let c = snap("pdm-install");
    assert!(c.fixed.contains(
        "COPY pyproject.toml pdm.lock pdm.toml ./\n\
         RUN pip install -U pdm && pdm install --prod --frozen-lockfile -G s3 --no-self\n\
         COPY . .\n\
         RUN pdm install --prod --frozen-lockfile -G s3\n"
    ));
}

/// `pdm sync` in a builder stage; `pdm build` after it reads the source.
#[test]
fn pdm_sync_installs_dependencies_without_the_project_first() {
    let c = snap("pdm-sync");
    assert!(c.fixed.contains(
        "RUN pdm sync --prod --no-editable --no-self\n\
         COPY . .\n\
         RUN pdm sync --prod --no-editable && pdm build\n"
    ));
}

/// `pdm install` locks when there is no pdm.lock: the lock is optional.
#[test]
fn pdm_install_without_lock() {
    let c = snap("pdm-install-no-lock");
    assert!(c
        .fixed
        .contains("COPY pyproject.toml ./\nRUN pdm install --prod --no-self\n"));
}

#[test]
fn pdm_no_self_is_moved_as_is() {
    let c = snap("pdm-no-self");
    assert!(c
        .fixed
        .contains("COPY pyproject.toml pdm.lock ./\nRUN pdm sync --prod --no-self\nCOPY . .\n"));
}

#[test]
fn pdm_already_optimized_is_untouched() {
    untouched("pdm-already-optimized");
}

#[test]
fn pdm_refuses_file_dependencies() {
    refused("pdm-refuse-file-dep", "needs-source", "vendor/fonts");
}

#[test]
fn pdm_refuses_sync_without_lock() {
    refused("pdm-refuse-missing-lock", "missing-manifest", "pdm.lock");
}

#[test]
fn pdm_refuses_dynamic_dependencies() {
    refused("pdm-refuse-dynamic", "needs-source", "dynamic");
}

// ---------------------------------------------------------------------------
// conda / mamba / micromamba (SEMANTICS §B.10)
// ---------------------------------------------------------------------------

/// The environment file in a subdirectory: its `pip:` section's `-r` file is
/// relative to it, and that file's `-c` include is followed too. The cache
/// cleanup after the install commutes with the source copy, so it stays in
/// the install's RUN (moved after the copy, the cache would stay in the
/// install's layer).
#[test]
fn conda_env_create_copies_env_file_and_pip_includes() {
    let c = snap("conda-env-create");
    assert!(
        c.fixed.contains(
            "COPY env/environment.yml ./env/\n\
         COPY env/requirements/constraints.txt env/requirements/pip.txt ./env/requirements/\n\
         RUN conda env create -f env/environment.yml && conda clean -afy\n\
         COPY . .\n"
        ),
        "{}",
        c.fixed
    );
}

/// `--chown` is carried; `-r file:requirements.txt` (conda's documented
/// form) names a file relative to the environment file.
#[test]
fn micromamba_install_keeps_chown() {
    let c = snap("micromamba-install");
    assert!(
        c.fixed.contains(
            "COPY --chown=$MAMBA_USER:$MAMBA_USER env.yaml requirements.txt ./\n\
         RUN micromamba install -y -n base -f env.yaml && \\\n    micromamba clean --all --yes\n\
         COPY --chown=$MAMBA_USER:$MAMBA_USER . .\n"
        ),
        "{}",
        c.fixed
    );
}

#[test]
fn mamba_env_update_is_moved() {
    let c = snap("mamba-env-update");
    assert!(c.fixed.contains(
        "COPY environment.yml ./\nRUN mamba env update -n base --file environment.yml\nCOPY . .\n"
    ));
}

/// `conda create --file` with an explicit (conda-lock) spec file.
#[test]
fn conda_spec_file_is_moved() {
    let c = snap("conda-spec-file");
    assert!(c.fixed.contains("COPY conda-linux-64.lock ./\n"));
}

#[test]
fn conda_already_optimized_is_untouched() {
    untouched("conda-already-optimized");
}

#[test]
fn conda_refuses_editable_pip_entries() {
    refused("conda-refuse-editable", "needs-source", "-e .");
}

#[test]
fn conda_refuses_local_channels() {
    refused("conda-refuse-local-channel", "needs-source", "./channel");
}

/// A `-r` file of the `pip:` section excluded by .dockerignore.
#[test]
fn conda_refuses_an_excluded_pip_include() {
    refused(
        "conda-refuse-missing-include",
        "missing-manifest",
        "requirements-dev.txt",
    );
}
