//! Presets for the python ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/python/), snapshots in snapshots/python/.
//!
//! poetry (§B.8), pipenv (§B.7), uv (§B.9), pdm (§B.11) and conda / mamba /
//! micromamba (§B.10). Every fixture runs through the checks of
//! `tests/rewrite.rs`: diff mode writes nothing and JSON shows the same diff;
//! `--fix` reaches a fixed point (a second run proposes nothing); the lines
//! outside the moved COPY and the install RUN are untouched; the printed diff
//! applied with `git apply` gives exactly the tree `--fix` gives. An
//! already-optimized fixture must come out byte-identical with no finding.
//!
//! Tests marked `#[ignore = "bug: ..."]` assert the right behaviour of a
//! known bug in shared code.

use serde_json::Value;

use crate::support::{self, Output, Scratch};

const GROUP: &str = "python";

/// Every fixture directory; `every_python_fixture_is_tested` keeps this list
/// and the directory listing in step.
const FIXTURES: &[&str] = &[
    "conda-already-optimized",
    "conda-env-create",
    "conda-refuse-editable",
    "conda-refuse-local-channel",
    "conda-refuse-missing-include",
    "conda-spec-file",
    "mamba-env-update",
    "micromamba-install",
    "pdm-already-optimized",
    "pdm-install",
    "pdm-install-no-lock",
    "pdm-no-self",
    "pdm-refuse-dynamic",
    "pdm-refuse-file-dep",
    "pdm-refuse-missing-lock",
    "pdm-sync",
    "pipenv-already-optimized",
    "pipenv-deploy",
    "pipenv-refuse-host-venv",
    "pipenv-refuse-missing-lock",
    "pipenv-refuse-path",
    "pipenv-refuse-requirements",
    "pipenv-sync",
    "poetry-already-optimized",
    "poetry-bug-global-directory",
    "poetry-classic",
    "poetry-directory-flag",
    "poetry-host-venv",
    "poetry-no-root",
    "poetry-refuse-host-venv",
    "poetry-refuse-only-root",
    "poetry-refuse-path-dep",
    "poetry-pinned-pip-prelude",
    "uv-already-optimized",
    "uv-no-install-workspace",
    "uv-project",
    "uv-refuse-dynamic",
    "uv-refuse-member-of-workspace",
    "uv-refuse-missing-lock",
    "uv-refuse-path-source",
    "uv-workspace",
];

/// What one fixture run produced.
struct Checked {
    original: String,
    fixed: String,
    diff: Output,
    findings: Vec<Value>,
    snapshot: String,
}

impl Checked {
    /// The `reason.kind` of every left-alone finding.
    fn reasons(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter_map(|f| f["reason"]["kind"].as_str().map(str::to_string))
            .collect()
    }

    /// The `applicability` of every finding with a fix.
    fn applicability(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter_map(|f| f["applicability"].as_str().map(str::to_string))
            .collect()
    }
}

/// Run every check on `fixture` (its `Dockerfile`) and snapshot it.
fn snap(fixture: &str) -> Checked {
    let c = check(fixture, "Dockerfile", &[]);
    crate::snapshot!("python", fixture, c.snapshot.clone());
    c
}

/// A fixture whose Dockerfile must come out byte-identical, without findings.
fn untouched(fixture: &str) -> Checked {
    let c = snap(fixture);
    assert_eq!(c.diff.code, 0, "{fixture}: {}", c.diff.stderr);
    assert!(c.findings.is_empty(), "{fixture}: {:?}", c.findings);
    assert_eq!(c.fixed, c.original);
    c
}

/// A fixture that is left alone for the reason `kind`, whose text contains `why`.
fn refused(fixture: &str, kind: &str, why: &str) -> Checked {
    let c = snap(fixture);
    assert_eq!(c.reasons(), [kind], "{fixture}: {}", c.diff.stderr);
    assert!(c.diff.stderr.contains(why), "{fixture}: {}", c.diff.stderr);
    assert_eq!(c.fixed, c.original);
    c
}

/// Run every in-code check on `fixture` (no snapshot).
fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Checked {
    assert!(FIXTURES.contains(&fixture), "add {fixture} to FIXTURES");
    let with = |extra: &[&'static str]| -> Vec<String> {
        extra
            .iter()
            .chain(args)
            .chain([&dockerfile])
            .map(|s| s.to_string())
            .collect()
    };
    let run = |s: &Scratch, a: Vec<String>| {
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        s.run(&a)
    };
    let shown_args = with(&[]).join(" ");

    // Diff mode prints and writes nothing.
    let work = Scratch::of_fixture(GROUP, fixture);
    let before = work.tree();
    let original = String::from_utf8(work.read(dockerfile)).expect("fixture is UTF-8");
    let diff = run(&work, with(&[]));
    assert!(
        matches!(diff.code, 0 | 1),
        "{fixture}: exit {}\n{}",
        diff.code,
        diff.stderr
    );
    assert_eq!(work.tree(), before, "{fixture}: diff mode wrote files");

    // JSON: the same diff, and the findings.
    let json = run(&work, with(&["--format", "json"]));
    assert_eq!(json.code, diff.code, "{fixture}: JSON exit code");
    let v: Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("{fixture}: JSON output: {e}\n{}", json.stdout));
    let file = &v["files"][0];
    assert_eq!(
        file["diff"].as_str().unwrap_or(""),
        diff.stdout,
        "{fixture}: JSON diff differs from the text diff"
    );
    let findings = file["findings"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        diff.code == 1,
        !diff.stdout.is_empty(),
        "{fixture}: exit 1 iff the run would change a file (the gate contract)"
    );

    // --fix on another copy.
    let unsafe_ok = args.contains(&"--unsafe-fixes");
    let applies = |f: &Value| {
        f["reason"].is_null()
            && match f["applicability"].as_str() {
                Some("safe") => true,
                Some("unsafe") => unsafe_ok,
                _ => false,
            }
    };
    let fixed_dir = Scratch::of_fixture(GROUP, fixture);
    let fix = run(&fixed_dir, with(&["--fix"]));
    assert!(
        fix.stdout.is_empty(),
        "{fixture}: --fix printed {}",
        fix.stdout
    );
    let all_applied = findings.iter().all(applies);
    assert_eq!(
        fix.code,
        0, // --fix exits 0 once written; left-alone findings are notes
        "{fixture}: --fix exit code\n{}",
        fix.stderr
    );
    let after = fixed_dir.tree();
    let fixed = String::from_utf8(fixed_dir.read(dockerfile)).unwrap();
    if diff.stdout.is_empty() {
        assert_eq!(after, before, "{fixture}: no diff, but --fix changed files");
    } else {
        assert_ne!(
            after, before,
            "{fixture}: a diff, but --fix changed nothing"
        );
    }

    // Fixed point.
    let again = run(&fixed_dir, with(&["--fix"]));
    assert!(
        matches!(again.code, 0 | 1),
        "{fixture}: second --fix: {}",
        again.stderr
    );
    assert_eq!(
        support::tree_diff(&fixed_dir.tree(), &after),
        "",
        "{fixture}: a second --fix changed files"
    );
    let recheck = run(&fixed_dir, with(&["--format", "json"]));
    let v: Value = serde_json::from_str(&recheck.stdout).unwrap();
    assert_eq!(
        v["files"][0]["diff"].as_str().unwrap_or(""),
        "",
        "{fixture}: a second run proposes a diff"
    );
    if all_applied && !diff.stdout.is_empty() {
        assert_eq!(
            recheck.code, 0,
            "{fixture}: a second run still has findings: {}",
            v["files"][0]["findings"]
        );
    }

    // Lines outside C and R are untouched.
    let touched = crate::support::touched_lines(
        fixture,
        &original,
        &fixed,
        findings.iter().filter(|f| applies(f)),
    );
    crate::support::assert_untouched(fixture, &original, &fixed, &touched);

    // The diff is a patch that reproduces --fix.
    if !diff.stdout.is_empty() {
        let g = Scratch::of_fixture(GROUP, fixture);
        support::git_apply(&g.dir, &diff.stdout).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert_eq!(
            support::tree_diff(&g.tree(), &after),
            "",
            "{fixture}: git apply of the diff differs from --fix"
        );
    }

    let mut snapshot = diff.render(&format!("dockopt {shown_args}"));
    snapshot.push_str(&format!(
        "--- dockopt --fix {shown_args}: exit {}\n",
        fix.code
    ));
    Checked {
        original,
        fixed,
        diff,
        findings,
        snapshot,
    }
}

/// The fixtures directory holds exactly the fixtures listed in `FIXTURES`.
#[test]
fn every_python_fixture_is_tested() {
    let dir = support::fixture(GROUP, "");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut listed: Vec<String> = FIXTURES.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed);
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
