//! Snapshot tests of the copy-manifests-first rewrite (DESIGN.md §2).
//!
//! Every fixture in `tests/fixtures/rewrite/<name>/` is a Dockerfile with its
//! build context and a `case.toml`; the generated test
//! `fixtures::rewrite::<name>` runs the `dockopt` binary on temp copies of it
//! (never in place) through every check of the shared harness
//! (tests/support/case.rs: diff, JSON, `--fix`, fixed point, untouched lines,
//! the diff as a patch) and snapshots what a user sees into
//! `snapshots/rewrite/<name>.snap`. The tests here add what each fixture is
//! about, on the same runs.
//!
//! The eight conditions of DESIGN.md §2 each have tests named
//! `condition_<n>_...`; each would fail if that check were removed:
//! 1 inputs, 2 crossing, 3 no clobbering, 4 never break the build,
//! 5 splitting a chained RUN, 6 per stage, 7 formatting, 8 fixed point.
//!
//! Tests marked `#[ignore = "bug: ..."]` assert the right behaviour of a
//! known bug; their snapshots (when they have one) were written by hand.

use std::sync::Arc;

use crate::support::case::{self, Checked};
use crate::support::{self, Scratch};

const GROUP: &str = "rewrite";

/// The checked run of `fixture` (declared in its case.toml, which the
/// generated test `fixtures::rewrite::<fixture>` snapshots).
fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Arc<Checked> {
    case::checked(GROUP, fixture, dockerfile, args)
}

/// Byte-level facts the fixtures rely on (git must not have normalised them).
#[test]
fn fixtures_keep_their_bytes() {
    let crlf = std::fs::read(support::fixture(GROUP, "npm-crlf/Dockerfile")).unwrap();
    assert!(
        crlf.windows(2).filter(|w| w == b"\r\n").count() >= 5,
        "npm-crlf lost its CRLF"
    );
    let bom = std::fs::read(support::fixture(GROUP, "npm-bom/Dockerfile")).unwrap();
    assert!(bom.starts_with(b"\xef\xbb\xbf"), "npm-bom lost its BOM");
    let nofinal =
        std::fs::read(support::fixture(GROUP, "npm-no-final-newline/Dockerfile")).unwrap();
    assert!(!nofinal.ends_with(b"\n"));
    let ignore = std::fs::read(support::fixture(
        GROUP,
        "npm-host-node-modules-append/.dockerignore",
    ))
    .unwrap();
    assert!(!ignore.ends_with(b"\n"));
}

// ---------------------------------------------------------------------------
// Rewrites
// ---------------------------------------------------------------------------

#[test]
fn rewrite_npm_classic() {
    let c = check("npm-classic", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY package.json package-lock.json ./\nRUN npm install\nCOPY . .\n"));
}

/// Two installs after one source copy: round 1 fixes npm, round 2 (in the
/// text round 1 wrote) fixes pip. Both findings are reported, each at the
/// lines of the original file: C (line 3) and its install's RUN.
#[test]
fn rewrite_two_installs_both_reported() {
    let c = check("two-installs-npm-then-pip", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n"
    ), "{}", c.fixed);
    let lines: Vec<(u64, u64)> = c
        .findings
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["related"][0]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(lines, [(3, 4), (3, 5)]);
    assert!(c
        .findings
        .iter()
        .all(|f| f["applicability"] == "safe" && f["level"] == "change"));
    let stderr = &c.diff.stderr;
    assert!(
        stderr.contains("Dockerfile:3: COPY . . copies the whole source before `npm ci` (line 4)"),
        "{stderr}"
    );
    assert!(stderr.contains("Dockerfile:3: COPY . . copies the whole source before `pip install -r requirements.txt` (line 5)"), "{stderr}");
}

#[test]
fn rewrite_npm_ci_build_split() {
    let c = check("npm-ci-build-split", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("RUN npm ci\nCOPY . .\nRUN npm run build && npm prune --omit=dev\n"));
}

#[test]
fn rewrite_npm_abs_dest() {
    let c = check("npm-abs-dest", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY package.json package-lock.json /app/\n"));
}

/// `ADD . /code` becomes a COPY of the manifests (ADD would extract archives),
/// and the source ADD moves past a WORKDIR, allowed since its destination is absolute.
#[test]
fn rewrite_pip_add_dot_becomes_copy() {
    let c = check("pip-add-dot", "Dockerfile", &[]);
    assert!(c
        .fixed
        .starts_with("FROM python:3.12-slim\nCOPY requirements.txt /code/\nWORKDIR /code\n"));
    assert!(c.fixed.contains("ADD . /code\n"));
}

/// `--chown`, `--chmod`, `--link` go to the manifest copy too (SEMANTICS E6);
/// the copy also moves past USER, which does not change what COPY does.
#[test]
fn rewrite_npm_flags_carried() {
    let c = check("npm-flags-carried", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY --chown=node:node --chmod=755 --link package.json package-lock.json ./\n"));
}

#[test]
fn rewrite_npm_subdir_source() {
    let c = check("npm-subdir", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY app/package.json app/package-lock.json /app/\n"));
}

/// The install runs in a WORKDIR below C's destination: manifests come from that subdirectory.
#[test]
fn rewrite_npm_workdir_below_dest() {
    let c = check("npm-workdir-below-dest", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY server/package.json server/package-lock.json /app/server/\n"));
}

#[test]
fn rewrite_npm_exec_form_run() {
    check("npm-exec-form", "Dockerfile", &[]);
}

/// Two installs in one RUN: both end up before the source copy (two rounds).
#[test]
fn rewrite_two_installs_in_one_run() {
    let c = check("two-installs", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n"
    ));
}

#[test]
fn rewrite_pip_classic() {
    check("pip-classic", "Dockerfile", &[]);
}

#[test]
fn rewrite_cargo_multistage_builder_is_safe() {
    let c = check("cargo-multistage", "Dockerfile", &[]);
    assert!(c.fixed.contains("COPY Cargo.toml Cargo.lock ./\n"));
    assert!(c
        .fixed
        .contains("COPY . .\nRUN touch src/main.rs && cargo build --release\n"));
}

/// In the exported stage the cargo stub build with `--release` was measured
/// to build the same image (the e2e fixtures
/// tests/e2e/fixtures/real-cargo-exported*): safe, applied.
#[test]
fn rewrite_cargo_single_exported_release_is_safe() {
    let c = check("cargo-single", "Dockerfile", &[]);
    assert_ne!(c.diff.stdout, "");
    assert_eq!(c.findings[0]["applicability"], "safe");
}

#[test]
fn rewrite_cargo_single_with_unsafe_fixes() {
    let c = check("cargo-single", "Dockerfile", &["--unsafe-fixes"]);
    assert_ne!(c.fixed, c.original);
}

/// `cargo install --path .`: fetch against stubs first, install after the source copy.
#[test]

fn rewrite_cargo_install_path() {
    let c = check("cargo-install-path", "Dockerfile", &[]);
    assert_eq!(
        c.fixed,
        "FROM rust:1.80 AS build\n\
         WORKDIR /src\n\
         COPY Cargo.toml Cargo.lock ./\n\
         RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo fetch && rm -f src/main.rs\n\
         COPY . .\n\
         RUN cargo install --path . --locked\n\
         \n\
         FROM debian:bookworm-slim\n\
         COPY --from=build /usr/local/cargo/bin/tool /usr/local/bin/tool\n\
         CMD [\"tool\"]\n"
    );
}

// ---------------------------------------------------------------------------
// 1. Inputs: R' reads only files in M; installs that need the source are refused.
// ---------------------------------------------------------------------------

#[test]
fn condition_1_inputs_npm_workspace_members_copied() {
    let c = check("npm-workspaces", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY packages/api/package.json ./packages/api/\n"));
    assert!(c
        .fixed
        .contains("COPY packages/web/package.json ./packages/web/\n"));
}

#[test]
fn condition_1_inputs_npmrc_copied_when_present() {
    let c = check("npm-npmrc", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY package.json package-lock.json .npmrc ./\n"));
}

#[test]
fn condition_1_inputs_pip_nested_includes() {
    let c = check("pip-nested", "Dockerfile", &[]);
    assert!(c.fixed.contains("COPY requirements.txt ./\n"));
    assert!(c
        .fixed
        .contains("COPY requirements/base.txt requirements/constraints.txt ./requirements/\n"));
}

/// `-r /srv/requirements.txt` maps back through `COPY . /srv` to `requirements.txt`;
/// where the install runs does not matter for pip -r.
#[test]

fn condition_1_inputs_pip_absolute_requirements_path() {
    let c = check("pip-abs-requirements", "Dockerfile", &[]);
    assert_eq!(
        c.fixed,
        "FROM python:3.12-slim\n\
         COPY requirements.txt /srv/\n\
         RUN pip install -r /srv/requirements.txt\n\
         COPY . /srv\n\
         CMD [\"python\", \"/srv/app.py\"]\n"
    );
}

#[test]
fn condition_1_inputs_cargo_workspace_members_and_stubs() {
    let c = check("cargo-workspace", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY crates/cli/Cargo.toml ./crates/cli/\n"));
    assert!(c
        .fixed
        .contains("COPY crates/core/Cargo.toml ./crates/core/\n"));
    assert!(c.fixed.contains("touch crates/core/src/lib.rs"));
    assert!(c.fixed.contains("> crates/cli/src/main.rs"));
}

#[test]
fn condition_1_inputs_cargo_lib_and_bin_stubs() {
    let c = check("cargo-lib-bin", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("touch src/lib.rs && echo 'fn main() {}' > src/main.rs"));
}

#[test]
fn condition_1_inputs_refuses_npm_postinstall() {
    let c = check("refuse-npm-postinstall", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["lifecycle-script"]);
}

#[test]
fn condition_1_inputs_refuses_binding_gyp() {
    let c = check("refuse-npm-binding-gyp", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["needs-source"]);
    assert!(c.diff.stderr.contains("binding.gyp"));
}

#[test]
fn condition_1_inputs_refuses_file_dependency() {
    let c = check("refuse-npm-file-dep", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["needs-source"]);
    assert!(c.diff.stderr.contains("file:./libs/shared"));
}

#[test]
fn condition_1_inputs_refuses_pip_install_dot_with_requirements() {
    let c = check("refuse-pip-install-dot", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["needs-source"]);
}

/// `COPY . .` + `RUN pip install .`: DESIGN §2.1 says the file is left alone
/// *and the reason reported*; today there is no finding at all (exit 0, counted "already fine").
#[test]

fn condition_1_inputs_reports_pip_install_dot() {
    let c = check("refuse-pip-install-dot-only", "Dockerfile", &[]);
    assert_eq!(c.diff.code, 0, "left alone: a note");
    assert_eq!(c.reasons(), ["needs-source"]);
}

#[test]
fn condition_1_inputs_refuses_editable_in_requirements() {
    let c = check("refuse-pip-editable", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["needs-source"]);
}

/// The install runs outside what the source copy fills: no manifest to copy.
#[test]
fn condition_1_inputs_refuses_install_outside_the_copy() {
    let c = check("refuse-install-outside", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["layout"]);
}

/// `npm ci --prefix server` installs another directory: the preset refuses
/// `--prefix`, but with a separate value the command is not even recognised.
#[test]

fn condition_1_inputs_refuses_npm_prefix() {
    let c = check("refuse-npm-prefix", "Dockerfile", &[]);
    assert_eq!(c.diff.code, 0, "left alone: a note");
    assert_eq!(c.reasons(), ["needs-source"]);
    assert!(c.diff.stderr.contains("--prefix"), "{}", c.diff.stderr);
}

// ---------------------------------------------------------------------------
// 2. Crossing: what lies between C and R.
// ---------------------------------------------------------------------------

#[test]
fn condition_2_crossing_refuses_run_between() {
    let c = check("refuse-run-between", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["crossing"]);
}

#[test]
fn condition_2_crossing_refuses_workdir_with_relative_dest() {
    let c = check("refuse-workdir-crossing", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["crossing"]);
}

/// `WORKDIR ./` between C and the install names the directory it is in
/// (seen in a real repository, after `COPY . .` in the base image's working
/// directory): C's relative destination still resolves where it did, so C
/// moves past it as written, where an absolute destination in the unknown
/// base WORKDIR could not be written.
#[test]
fn condition_2_crossing_passes_a_workdir_that_changes_nothing() {
    rewritten(
        "workdir-dot-between",
        "COPY package.json package-lock.json ./
WORKDIR ./
RUN npm ci
COPY . .
",
    );
}

#[test]
fn condition_2_crossing_refuses_env_the_copy_uses() {
    let c = check("refuse-env-crossing", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["crossing"]);
    assert!(c.diff.stderr.contains("APP_HOME"));
}

/// A later COPY onto a file the source copy brings (`config/default.json`)
/// was refused; it now moves after the install with the source copy, in
/// its order (issue 12, class 3). The fixture keeps its old name.
#[test]
fn condition_2_crossing_moves_an_overlapping_copy_with_the_source_copy() {
    let c = check("refuse-overlapping-copy", "Dockerfile", &[]);
    assert!(c.reasons().is_empty(), "{}", c.diff.stderr);
    assert!(c
        .fixed
        .contains("RUN npm ci\nCOPY . .\nCOPY config/production.json ./config/default.json\nCMD"));
    assert!(c.diff.stderr.contains("the fix also moves line 4"));
}

// ---------------------------------------------------------------------------
// 3. No clobbering: a host directory the install writes.
// ---------------------------------------------------------------------------

#[test]
fn condition_3_clobber_creates_dockerignore() {
    let c = check("npm-host-node-modules", "Dockerfile", &[]);
    assert!(c
        .diff
        .stdout
        .contains("+++ b/.dockerignore\n@@ -0,0 +1,2 @@\n+.dockerignore\n+**/node_modules\n"));
}

#[test]
fn condition_3_clobber_appends_to_dockerignore() {
    let c = check("npm-host-node-modules-append", "Dockerfile", &[]);
    assert!(c.diff.stdout.contains("+**/node_modules\n"));
}

/// The entry goes to the effective ignore file, `<Dockerfile>.dockerignore`.
#[test]
fn condition_3_clobber_uses_dockerfile_specific_ignore_file() {
    let c = check("specific-ignore-file", "api.Dockerfile", &[]);
    assert!(c
        .diff
        .stdout
        .contains("+++ b/api.Dockerfile.dockerignore\n"));
    assert!(!c.diff.stdout.contains("+++ b/.dockerignore"));
}

#[test]
fn condition_3_clobber_refuses_when_entry_excludes_another_copy() {
    let c = check("refuse-ignore-excludes-copy", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["clobber"]);
}

/// The install writes `node_modules` and the context has one, so the fix
/// would need `**/node_modules`; but `COPY tools /opt/tools` (and `COPY . .`)
/// bring `tools/node_modules/...`, which that entry would drop from the image.
#[test]
fn condition_3_clobber_refuses_when_entry_excludes_a_copied_directory() {
    let c = check("refuse-ignore-excludes-copied-dir", "Dockerfile", &[]);
    assert_eq!(c.diff.stdout, "");
    assert_eq!(c.reasons(), ["clobber"]);
}

/// A `node_modules` the install does not write (`tools/node_modules`) is
/// copied in both orders, so the rewrite is made without an ignore entry.
#[test]
fn condition_3_other_node_modules_need_no_ignore_entry() {
    let c = check("nested-node-modules-kept", "Dockerfile", &[]);
    assert!(
        c.diff
            .stdout
            .contains("+COPY package.json package-lock.json ./"),
        "{}",
        c.diff.stdout
    );
    assert!(
        !c.diff.stdout.contains(".dockerignore"),
        "{}",
        c.diff.stdout
    );
    assert!(c.reasons().is_empty());
}

// ---------------------------------------------------------------------------
// 4. Never break the build: every manifest exists and is not ignored.
// ---------------------------------------------------------------------------

#[test]
fn condition_4_refuses_npm_ci_without_lockfile() {
    let c = check("refuse-missing-lockfile", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["missing-manifest"]);
}

/// Optional files are copied only when present: `npm install` without a lockfile.
#[test]
fn condition_4_optional_lockfile_absent_not_copied() {
    let c = check("npm-install-no-lockfile", "Dockerfile", &[]);
    assert!(c.fixed.contains("COPY package.json ./\n"));
}

#[test]
fn condition_4_refuses_excluded_include() {
    let c = check("refuse-excluded-include", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["missing-manifest"]);
    assert!(c
        .diff
        .stderr
        .contains("requirements/base.txt is excluded by .dockerignore"));
}

/// The lockfile exists but `.dockerignore` excludes it: refused, and the
/// message must say so (today: "none is in the build context").
#[test]

fn condition_4_refuses_excluded_lockfile_saying_why() {
    let c = check("refuse-excluded-manifest", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["missing-manifest"]);
}

/// Refusal still holds without the message fix.
#[test]
fn condition_4_refuses_excluded_lockfile() {
    let c = check("refuse-excluded-manifest", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["missing-manifest"]);
    assert_eq!(c.diff.stdout, "");
}

/// Without a build context (stdin) nothing can be checked: refused.
#[test]
fn condition_4_refuses_stdin_without_context() {
    let s = Scratch::of_fixture(GROUP, "refuse-stdin-no-context");
    let text = s.read("Dockerfile");
    let out = s.run_stdin(&["-"], &text);
    crate::snapshot!(
        "rewrite",
        "refuse-stdin-no-context",
        out.render("dockopt - < Dockerfile")
    );
    assert_eq!(out.code, 0, "left alone: a note");
    assert_eq!(out.stdout, "");
    let fix = s.run_stdin(&["--fix", "-"], &text);
    assert_eq!(
        fix.stdout.as_bytes(),
        &text[..],
        "--fix - must print the input unchanged"
    );
    assert_eq!(fix.code, 0);
}

/// The same file on stdin with `--context .` is rewritten, exactly as the file would be.
#[test]
fn condition_4_stdin_with_context_matches_file_mode() {
    let s = Scratch::of_fixture(GROUP, "refuse-stdin-no-context");
    let text = s.read("Dockerfile");
    let out = s.run_stdin(&["--context", ".", "-"], &text);
    crate::snapshot!(
        "rewrite",
        "stdin-with-context",
        out.render("dockopt --context . - < Dockerfile")
    );
    assert_eq!(out.code, 1);
    let printed = s.run_stdin(&["--fix", "--context", ".", "-"], &text);
    assert_eq!(printed.code, 0, "{}", printed.stderr);
    let file = Scratch::of_fixture(GROUP, "refuse-stdin-no-context");
    assert_eq!(file.run(&["--fix", "Dockerfile"]).code, 0);
    assert_eq!(printed.stdout.as_bytes(), &file.read("Dockerfile")[..]);
    assert_eq!(
        s.read("Dockerfile"),
        text,
        "stdin mode must not write the Dockerfile"
    );
}

#[test]
fn condition_4_flags_refuses_copy_parents() {
    let c = check("refuse-copy-parents", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["flags"]);
}

// ---------------------------------------------------------------------------
// 5. Splitting a chained RUN: only at top-level `&&`.
// ---------------------------------------------------------------------------

#[test]
fn condition_5_split_refuses_semicolon() {
    let c = check("refuse-semicolon", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["shell"]);
}

#[test]
fn condition_5_split_keeps_an_install_fallback_together() {
    // `npm ci || npm install`: the install and its fallback stay one unit in
    // one RUN, and the manifests copy brings what both read (issue 12 class
    // 8). The fixture keeps its old name; it was refused before.
    let c = check("refuse-or", "Dockerfile", &[]);
    assert!(c.reasons().is_empty(), "{}", c.diff.stderr);
    assert!(c
        .fixed
        .contains("COPY package.json package-lock.json ./\nRUN npm ci || npm install\nCOPY . .\n"));
}

#[test]
fn condition_5_split_refuses_pipe() {
    let c = check("refuse-pipe", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["shell"]);
}

#[test]
fn condition_5_split_refuses_heredoc_run() {
    let c = check("refuse-heredoc", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["shell"]);
}

/// The install sits in a heredoc body: the file is left alone, and it should
/// be reported as such rather than counted "already fine".
#[test]

fn condition_5_split_reports_install_in_heredoc_body() {
    let c = check("heredoc-body-install", "Dockerfile", &[]);
    assert_eq!(c.diff.code, 0, "left alone: a note");
    assert_eq!(c.reasons(), ["shell"]);
}

#[test]
fn condition_5_split_refuses_unknown_command_before_install() {
    let c = check("refuse-unknown-prelude", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["prelude"]);
}

/// A leading `cd DIR` sets where the manifests are, and is repeated in the later RUN.
#[test]
fn condition_5_split_cd_prelude() {
    let c = check("npm-cd-prelude", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY package.json package-lock.json /app/\nRUN cd /app && npm ci\n"));
    assert!(c
        .fixed
        .contains("COPY . /app\nRUN cd /app && npm run build\n"));
}

#[test]
fn condition_5_split_export_prelude_carried() {
    let c = check("npm-export-prelude", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("RUN export NODE_ENV=production && npm run build\n"));
}

/// `pip install --upgrade pip` stays with the install; the rest goes after the copy.
#[test]
fn condition_5_split_python_m_pip_prelude() {
    let c = check("pip-python-m", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "RUN python -m pip install --upgrade pip && python -m pip install -r requirements.txt\nCOPY . .\nRUN python manage.py collectstatic --noinput\n"
    ));
}

/// RUN flags (`--mount=type=cache`) stay on the install part.
#[test]
fn condition_5_split_keeps_run_flags() {
    let c = check("npm-mount-cache", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("RUN --mount=type=cache,target=/root/.npm npm ci\n"));
}

/// A comment line inside the split RUN belongs to the part after the install;
/// today the split drops it.
#[test]

fn condition_5_split_keeps_comment_lines() {
    let c = check("npm-comment-in-run", "Dockerfile", &[]);
    assert!(
        c.fixed.contains("# compile the TypeScript sources\n"),
        "comment lost:\n{}",
        c.fixed
    );
}

// ---------------------------------------------------------------------------
// 6. Per stage.
// ---------------------------------------------------------------------------

#[test]
fn condition_6_per_stage_each_stage_rewritten() {
    let c = check("npm-multistage", "Dockerfile", &[]);
    assert_eq!(c.findings.len(), 2);
    assert_eq!(
        c.fixed
            .matches("COPY package.json package-lock.json ./\n")
            .count(),
        2
    );
}

/// C in one stage and the install in the next are unrelated; `COPY --from` is
/// never a broad copy.
#[test]
fn condition_6_per_stage_copy_from_is_not_broad() {
    let c = check("per-stage-copy-from", "Dockerfile", &[]);
    assert_eq!(c.diff.code, 0);
    assert!(c.findings.is_empty());
}

// ---------------------------------------------------------------------------
// 7. Formatting: keyword case, line endings, indentation; untouched bytes identical.
// ---------------------------------------------------------------------------

#[test]
fn condition_7_format_lowercase_keywords() {
    let c = check("npm-lowercase", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "copy package.json package-lock.json ./\nrun npm ci\ncopy . .\nrun npm run build\n"
    ));
}

#[test]
fn condition_7_format_crlf_kept() {
    let c = check("npm-crlf", "Dockerfile", &[]);
    assert!(
        !c.fixed.replace("\r\n", "").contains('\n'),
        "a bare LF in a CRLF file"
    );
    assert!(c
        .fixed
        .contains("COPY package.json package-lock.json ./\r\nRUN npm ci\r\n"));
}

#[test]
fn condition_7_format_bom_kept() {
    let c = check("npm-bom", "Dockerfile", &[]);
    assert!(c.fixed.starts_with("\u{feff}FROM node:20\n"));
    assert_eq!(c.fixed.matches('\u{feff}').count(), 1);
}

#[test]
fn condition_7_format_continuation_run() {
    let c = check("npm-continuation", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY . .\nRUN npm run build \\\n    && npm prune --omit=dev\n"));
}

#[test]
fn condition_7_format_escape_backtick() {
    let c = check("npm-escape-backtick", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("RUN npm ci\nCOPY . .\nRUN npm run build\n"));
}

#[test]
fn condition_7_format_no_final_newline() {
    let c = check("npm-no-final-newline", "Dockerfile", &[]);
    assert!(c.fixed.ends_with("COPY . .\nRUN npm run build\n"));
}

/// Indented instructions and a COPY over two lines. The rewrite is checked
/// here; the snapshot (hand-written, `condition_7_format_indented_multiline_copy_message`)
/// also wants the finding to quote the whole COPY, not just its first line.
#[test]
fn condition_7_format_indented_multiline_copy() {
    let c = check("npm-copy-continuation", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "  COPY --chown=node:node package.json package-lock.json ./\n  RUN npm ci\n  COPY --chown=node:node \\\n       . .\n  RUN npm run build\n"
    ));
}

#[test]

fn condition_7_format_indented_multiline_copy_message() {
    check("npm-copy-continuation", "Dockerfile", &[]);
}

// ---------------------------------------------------------------------------
// 8. Fixed point: already optimized files are not touched. (Every test above
// also runs --fix twice and checks the second run changes nothing.)
// ---------------------------------------------------------------------------

#[test]
fn condition_8_fixed_point_already_optimized_npm() {
    let c = check("already-optimized-npm", "Dockerfile", &[]);
    assert_eq!(c.diff.code, 0);
    assert_eq!(c.fixed, c.original);
}

#[test]
fn condition_8_fixed_point_already_optimized_pip() {
    let c = check("already-optimized-pip", "Dockerfile", &[]);
    assert_eq!(c.diff.code, 0);
}

#[test]
fn condition_8_fixed_point_nothing_to_do() {
    let c = check("nothing-to-do", "Dockerfile", &[]);
    assert_eq!(c.diff.code, 0);
    assert_eq!(c.diff.stderr, "");
}

/// The output of every rewriting fixture, fed back in as a new fixture, is
/// left byte-identical with exit 0 (the "already optimized" check, which for
/// cargo's deps-only step is what stops a second rewrite).
#[test]
fn condition_8_fixed_point_outputs_are_already_optimized() {
    for (fixture, args) in [
        ("npm-classic", &[][..]),
        ("npm-workspaces", &[]),
        ("pip-nested", &[]),
        ("cargo-multistage", &[]),
        ("cargo-workspace", &[]),
        ("cargo-single", &["--unsafe-fixes"]),
        ("two-installs", &[]),
    ] {
        let s = Scratch::of_fixture(GROUP, fixture);
        let mut fix_args = vec!["--fix"];
        fix_args.extend_from_slice(args);
        fix_args.push("Dockerfile");
        assert_eq!(s.run(&fix_args).code, 0, "{fixture}");
        let once = s.tree();
        let mut check_args = args.to_vec();
        check_args.push("Dockerfile");
        let out = s.run(&check_args);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (0, "", ""),
            "{fixture}: the rewritten file is not left alone"
        );
        assert_eq!(s.tree(), once);
    }
}

// ---------------------------------------------------------------------------
// The effects model (ARCHITECTURE.md "Effects"): a step moves past the source
// copy only when it commutes with it. Each class has a refusal and the
// neighbour that is still rewritten.
// ---------------------------------------------------------------------------

/// A fixture refused for `kind`, naming the step and the path in `why`.
fn refused(fixture: &str, kind: &str, why: &[&str]) -> Arc<Checked> {
    let c = check(fixture, "Dockerfile", &[]);
    assert_eq!(c.reasons(), [kind], "{fixture}: {}", c.diff.stderr);
    for w in why {
        assert!(
            c.diff.stderr.contains(w),
            "{fixture}: no {w:?} in {}",
            c.diff.stderr
        );
    }
    assert_eq!(c.fixed, c.original, "{fixture}");
    c
}

/// A fixture rewritten so that the output contains `expected`.
fn rewritten(fixture: &str, expected: &str) -> Arc<Checked> {
    let c = check(fixture, "Dockerfile", &[]);
    assert!(c.reasons().is_empty(), "{fixture}: {}", c.diff.stderr);
    assert!(c.fixed.contains(expected), "{fixture}:\n{}", c.fixed);
    c
}

#[test]
fn effects_prelude_rm_of_a_manifest_is_refused() {
    refused(
        "effects-prelude-rm-lockfile",
        "prelude",
        &[
            "rm -f package-lock.json",
            "/app/package-lock.json",
            "bring back",
        ],
    );
}

/// Without a lockfile in the context, `rm -f package-lock.json` commutes
/// with the source copy: it stays before the install and is not repeated.
#[test]
fn effects_prelude_rm_of_an_absent_file_stays() {
    let c = rewritten(
        "effects-prelude-rm-missing-lockfile",
        "COPY package.json ./\nRUN rm -f package-lock.json && npm install\nCOPY . .\nCMD",
    );
    assert_eq!(c.fixed.matches("rm -f").count(), 1);
}

/// `chmod 600 .npmrc`: the source copy brings .npmrc back with the context's
/// mode, so the chmod is repeated after it (the manifests copy brings the
/// same file, so nothing else changes).
#[test]
fn effects_prelude_chmod_of_a_manifest_is_repeated_after_the_copy() {
    rewritten(
        "effects-prelude-chmod-npmrc",
        "RUN chmod 600 .npmrc && npm ci\nCOPY . .\nRUN chmod 600 .npmrc\n",
    );
}

#[test]
fn effects_prelude_chmod_of_a_source_file_is_refused() {
    refused(
        "effects-prelude-chmod-source-file",
        "prelude",
        &["chmod 600 .env", "/app/.env"],
    );
}

/// `chown -R` before the install: repeated after it, it would change the
/// owner of node_modules; run only before the copy, it is undone.
#[test]
fn effects_prelude_recursive_chown_is_refused() {
    refused(
        "effects-prelude-chown-recursive",
        "prelude",
        &["chown -R node:node /app", "writes /app"],
    );
}

/// `rm -rf node_modules` (absent from the context) is not repeated after
/// the install: that would delete the installed modules.
#[test]
fn effects_prelude_rm_node_modules_is_not_repeated() {
    let c = rewritten(
        "effects-prelude-rm-node-modules",
        "RUN rm -rf node_modules && npm install\nCOPY . .\nRUN npm run build\n",
    );
    assert_eq!(c.fixed.matches("rm -rf node_modules").count(), 1);
}

#[test]
fn effects_prelude_local_package_file_is_refused() {
    refused(
        "effects-prelude-local-deb",
        "prelude",
        &["./vendor/tool.deb", "reads /app/vendor/tool.deb"],
    );
}

/// A cache cleanup after the install commutes with the source copy: it
/// stays in the install's RUN (moved out, the cache stays in that layer).
#[test]
fn effects_cleanup_after_the_install_stays_in_its_run() {
    rewritten(
        "effects-cleanup-pip-cache",
        "COPY requirements.txt ./\nRUN pip install -r requirements.txt && rm -rf /root/.cache/pip\nCOPY . .\nCMD",
    );
    rewritten(
        "effects-cleanup-npm-cache-then-build",
        "RUN npm ci && npm cache clean --force\nCOPY . .\nRUN npm run build\n",
    );
}

#[test]
fn effects_system_and_global_installs_between_commute() {
    rewritten(
        "effects-between-apt-get",
        "RUN npm install -g typescript\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
    );
    rewritten(
        "effects-between-pip-tools",
        "RUN pip cache purge\nRUN mkdir logs\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n",
    );
}

#[test]
fn effects_global_install_of_a_local_path_between_is_refused() {
    refused(
        "effects-between-local-package",
        "crossing",
        &["npm install -g ./tools/cli", "reads /app/tools/cli"],
    );
}

/// `mkdir -p logs` when the context has logs/: run before the copy, the
/// copy would fill a directory made by mkdir instead of making its own; so
/// it moves after the install with the copy, where it is a no-op as before.
#[test]
fn effects_mkdir_of_a_copied_directory_moves_with_the_copy() {
    let c = rewritten(
        "effects-between-mkdir-existing",
        "RUN pip install -r requirements.txt\nCOPY . .\nRUN mkdir -p logs\nCMD",
    );
    assert!(c
        .diff
        .stderr
        .contains("also moves line 4 `RUN mkdir -p logs`"));
}

#[test]
fn effects_pip_install_into_the_project_is_refused() {
    refused(
        "effects-between-pip-target",
        "crossing",
        &["--target .", "writes /app"],
    );
}

/// `COPY --chown=node` resolves the name where it runs: a `usermod` in
/// between changes what it resolves to.
#[test]
fn effects_user_database_change_before_a_chown_copy_is_refused() {
    refused(
        "effects-between-usermod-chown",
        "crossing",
        &["usermod -u 2000 node", "/etc/passwd"],
    );
}

/// A WORKDIR between: the manifests copy stays where C was (same relative
/// destination), and the moved C names the directory it resolved to.
#[test]
fn effects_workdir_between_makes_the_moved_copy_absolute() {
    rewritten(
        "effects-workdir-between",
        "COPY web/package.json web/package-lock.json ./web/\nWORKDIR /app/web\nRUN npm ci\nCOPY . /app/\n",
    );
}

/// `COPY package*.json ./` + `COPY ./src ./src` + `RUN npm ci && npm run build`:
/// the manifests are already first; only the source directory moves after
/// the install, with no manifests copy.
#[test]
fn subdir_copy_moves_after_an_install_that_runs_above_it() {
    let c = rewritten(
        "subdir-npm-src",
        "COPY package*.json ./\nRUN npm ci\nCOPY ./src ./src\nRUN npm run build\n",
    );
    assert_eq!(c.fixed.matches("COPY").count(), 2);
}

/// The install reads a file inside the directory copied before it
/// (`-r libs/extra.txt`): that copy is needed where it is; no finding.
#[test]
fn subdir_copy_the_install_reads_is_not_the_pattern() {
    let c = check("subdir-pip-include", "Dockerfile", &[]);
    assert!(c.findings.is_empty(), "{}", c.diff.stderr);
    assert_eq!(c.fixed, c.original);
}

/// The project directory is a symlink in the context (`web -> frontend`):
/// the manifests copy would make web/ a real directory that the source copy
/// then replaces with the link.
#[test]
fn effects_project_directory_through_a_symlink_is_refused() {
    refused(
        "effects-symlink-project-dir",
        "layout",
        &["web is a symbolic link"],
    );
}

/// A lockfile that links outside the context cannot be copied by name.
#[test]
fn effects_manifest_linking_outside_the_context_is_refused() {
    refused(
        "effects-symlink-manifest",
        "missing-manifest",
        &["package-lock.json"],
    );
}

// ---------------------------------------------------------------------------
// Adversarial cases: each was a wrong rewrite (a build failure or a different
// image) before the command table and the commutation check learned it.
// ---------------------------------------------------------------------------

/// Each of these must be left alone for the given reason kind.
#[test]
fn adversarial_cases_are_refused() {
    for (fixture, kind) in [
        ("adv-adduser", "crossing"),
        ("adv-alias", "crossing"),
        ("adv-curlo", "crossing"),
        ("adv-excl1", "layout"),
        ("adv-exportsubst", "prelude"),
        ("adv-homeguess", "prelude"),
        ("adv-lsout", "crossing"),
        ("adv-mvt", "crossing"),
        ("adv-npmg2", "needs-source"),
        ("adv-npmrcprefix", "prelude"),
        ("adv-sedei", "prelude"),
        ("adv-shasum", "crossing"),
        ("adv-subst", "crossing"),
        ("adv-substbetween", "crossing"),
        ("adv-substrm", "crossing"),
        ("adv-touchr", "crossing"),
        ("adv-wcc", "crossing"),
        ("adv-wgetnoo", "crossing"),
    ] {
        refused(fixture, kind, &[]);
    }
}

/// Three of those cases were wrong rewrites when the copy moved past the
/// step; with their effects read right (`cp -t DIR`, `curl -fsSLo FILE`, `ln
/// -s TARGET` with one argument) the step overwrites what the copy brings,
/// so it moves after the install with the copy, in its order. What each
/// reads or writes outside the copy's destination (`/etc/group`,
/// `~/.curlrc`) the install does not write (issue 12, carried steps
/// touching paths outside the destination).
#[test]
fn adversarial_steps_with_known_effects_move_with_the_copy() {
    for (fixture, step) in [
        ("adv-cpt", "RUN cp -t /app/conf /etc/group\n"),
        ("adv-curlo2", "RUN curl -fsSLo wait-for-it.sh "),
        ("adv-lnsingle", "RUN ln -sf /opt/cfg/settings.json\n"),
    ] {
        let c = check(fixture, "Dockerfile", &[]);
        assert!(c.reasons().is_empty(), "{fixture}: {}", c.diff.stderr);
        let (before, after) = c.fixed.split_once("COPY . .\n").expect("the source copy");
        assert!(before.contains("RUN npm ci\n"), "{fixture}:\n{}", c.fixed);
        assert!(after.starts_with(step), "{fixture}:\n{}", c.fixed);
    }
}

/// A step moved with the source copy may touch paths outside the copy's
/// destination when the install does not: the preset's `outside` table says
/// what npm reads (the system's trees, the home directory, the programs it
/// runs by name in every PATH directory) and writes (caches, /tmp).
/// `curl -o /usr/local/bin/wait-for-it.sh` (reading ~/.curlrc) commutes with
/// `npm ci`; replacing `python3` (which node-gyp runs) or filling ~/.npm does
/// not, and the reason names the path.
#[test]
fn carried_steps_may_touch_what_the_install_does_not() {
    let c = rewritten(
        "carry-outside-wait-for-it",
        "RUN npm ci
COPY . .
RUN curl -fsSL -o /usr/local/bin/wait-for-it.sh",
    );
    assert!(c.diff.stderr.contains("the fix also moves line 4"));
    refused(
        "carry-outside-refuse-program",
        "crossing",
        &["would change /usr/local/bin/python3 only after the install, which reads it"],
    );
    refused(
        "carry-outside-refuse-cache",
        "crossing",
        &["would change /root/.npm only after the install"],
    );
}

/// `cp .env.example .env` creates a file npm does not look for (its preset
/// says so: `looks-for = []`), so it moves with the source copy; bun loads
/// `.env` before installing, so for bun it is refused, and a `.env` in the
/// context is copied with the manifests.
#[test]
fn a_created_file_blocks_only_when_the_installer_reads_it() {
    rewritten(
        "carry-env-example",
        "RUN npm ci
COPY . .
RUN cp .env.example .env
",
    );
    let bun = case::checked(
        "javascript",
        "carry-refuse-env-example-bun",
        "Dockerfile",
        &[],
    );
    assert_eq!(bun.reasons(), ["crossing"]);
    assert!(
        bun.reason_text()
            .contains("would touch /usr/src/app/.env only after the install, which reads such a file when it exists"),
        "{}",
        bun.reason_text()
    );
    let copied = case::checked("javascript", "bun-env-copied", "Dockerfile", &[]);
    assert!(copied.fixed.contains(
        "COPY package.json bun.lock bunfig.toml .env ./
"
    ));
}

/// Steps that would move with the source copy but touch what the install
/// does: a directory a lifecycle script creates (`rm -rf build tests` after
/// a `postinstall` that writes build/), or a configuration file the install
/// reads when it exists and the context lacks (`cp deploy/yarnrc .yarnrc`).
/// Each was a wrong rewrite: the image lost build/, or the install ran
/// without the configuration.
#[test]
fn adversarial_carried_steps_touching_the_install_are_refused() {
    for (fixture, why) in [
        (
            "adv-cpost1",
            "`postinstall` script, which also touches /app/build",
        ),
        (
            "adv-cyarnrc",
            "would create /app/.yarnrc only after the install",
        ),
        (
            "adv-cyarnberry",
            "would create /app/.yarnrc.yml only after the install",
        ),
    ] {
        refused(fixture, "crossing", &[why]);
    }
}

/// `pip install black -cconstraints.txt` reads constraints.txt (a value
/// attached to a short flag, as getopt and pip's optparse read it); it was
/// taken for a flag group and the copy moved past it, so the rewritten file
/// ran pip with a constraints file that was not there yet.
#[test]
fn adversarial_attached_short_flag_value_is_read() {
    refused(
        "adv-pipattached",
        "crossing",
        &["reads /app/constraints.txt"],
    );
}

/// `yarn global add pnpm` reads the project's .yarnrc (yarn classic reads
/// .yarnrc and .npmrc upward from the working directory for every command;
/// here `prefix` says where the global binaries go), which only the source
/// copy brings: the copy must not move past it.
#[test]
fn adversarial_yarn_global_reads_the_project_yarnrc() {
    refused("adv-yarnglobalrc", "crossing", &["reads /app/.yarnrc"]);
}

/// `bundle install --deployment` installs the gems into vendor/bundle: a
/// `RUN chmod -R g=u log vendor` moved after the install with the source
/// copy changed the installed gems' modes too (664 instead of 644).
#[test]
fn adversarial_carried_step_over_installed_gems_is_refused() {
    refused(
        "adv-bundlevendor",
        "crossing",
        &["would touch /app/vendor after the install writes it"],
    );
}

/// `rm -f public/{old,unused}.html` under bash removes two files the source
/// copy brings (it once was taken for one literal name that commuted): it
/// now moves after the install with the source copy, which keeps its meaning
/// whatever the braces expand to.
/// The same holds for the other adversarial steps that change what the
/// source copy brings and touch nothing the install reads or writes: each
/// was a wrong rewrite when the copy moved past it, and is right moved with it.
#[test]
fn adversarial_brace_expansion_moves_with_the_copy() {
    for (fixture, step) in [
        ("adv-braces", "RUN rm -f public/{old,unused}.html"),
        ("adv-cdonly", "RUN cd public && mkdir -p assets/cache"),
        ("adv-chmodminus", "RUN chmod -w scripts/run.sh"),
        ("adv-parentdir", "RUN echo ok > public/health.txt"),
        ("adv-shellvar", "RUN D=/app/public; echo ok > $D/index.html"),
    ] {
        rewritten(fixture, &format!("RUN npm ci\nCOPY . .\n{step}\n"));
    }
}

/// `npm ci && cp node_modules/... public/x`: the cp needs public/, which only
/// the source copy brings, so it moves after the copy instead of staying in
/// the install's RUN.
#[test]
fn adversarial_command_needing_a_copied_directory_moves_after_the_copy() {
    rewritten(
        "adv-keptafter",
        "RUN npm ci\nCOPY . .\nRUN cp node_modules/express/package.json public/express.json\n",
    );
}

/// `npm install -g` without a package installs the project: after the copy.
#[test]
fn adversarial_global_install_of_the_project_moves_after_the_copy() {
    rewritten("adv-npmg", "RUN npm ci\nCOPY . .\nRUN npm install -g\n");
}

/// A warm-up whose caches a later stage copies out (`COPY --from=build
/// /root/.m2`) is unsafe even though the stage is not exported.
#[test]
fn adversarial_warm_up_copied_out_of_a_builder_stage_is_unsafe() {
    let c = check("adv-mvnfrom", "Dockerfile", &[]);
    assert_eq!(c.fixed, c.original);
    assert!(c.diff.stderr.contains("unsafe"), "{}", c.diff.stderr);
}

/// The command table is extendable: a preset directory's `commands/*.toml`
/// describes a team's own tool, which then commutes with the source copy;
/// without it the tool is unknown and blocks.
#[test]
fn effects_user_command_table_extends_the_builtin_one() {
    refused("effects-user-command-table", "crossing", &["certsync"]);
    let c = check(
        "effects-user-command-table",
        "Dockerfile",
        &["--preset-dir", "tools"],
    );
    assert!(c.reasons().is_empty(), "{}", c.diff.stderr);
    assert!(
        c.fixed
            .contains("RUN certsync --refresh\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n"),
        "{}",
        c.fixed
    );
}

// ---------------------------------------------------------------------------
// Steps that move with the source copy (issue 11 "a step may also move with
// C", issue 12 class 3 "a later COPY overlapping C's destination").
// ---------------------------------------------------------------------------

/// `RUN chmod +x ./entrypoint.sh` and `RUN rm -rf tests` change what the
/// source copy brings: they move after the install, right after the copy and
/// in their order, with the comment above them; the apt-get step after them
/// commutes with everything and stays before the install. The finding names
/// the moved steps.
#[test]
fn carry_steps_that_change_the_source_move_with_the_copy() {
    let c = rewritten(
        "carry-chmod-rm",
        "RUN npm ci\nCOPY . .\n# the entrypoint must be executable\nRUN chmod +x ./entrypoint.sh\nRUN rm -rf tests\nRUN npm run build\n",
    );
    assert!(c
        .fixed
        .contains("RUN apt-get update && apt-get install -y --no-install-recommends tini\nCOPY package.json package-lock.json ./\nRUN npm ci\n"));
    assert!(
        c.diff.stderr.contains(
            "the fix also moves line 5 `RUN chmod +x ./entrypoint.sh`, line 6 `RUN rm -rf tests` after the install"
        ),
        "{}",
        c.diff.stderr
    );
}

/// `COPY --from=assets /src/out ./public` overlaps the source copy's public/:
/// it moves after the install with it, so it still wins.
#[test]
fn carry_an_overlapping_copy_from_another_stage_moves_with_the_copy() {
    rewritten(
        "carry-copy-from-stage",
        "RUN npm ci\nCOPY . .\nCOPY --from=assets /src/out ./public\nCMD",
    );
}

/// Each of these steps changes what the source copy brings, and cannot move
/// after the install with it either; the reason names both.
#[test]
fn carry_refusals_name_what_blocks_the_move() {
    refused(
        "carry-refuse-copy-onto-manifest",
        "crossing",
        &[
            "COPY .npmrc.prod ./.npmrc",
            "no longer change /app/.npmrc before the install reads it",
        ],
    );
    refused(
        "carry-refuse-recursive",
        "crossing",
        &["chmod -R g+w .", "no longer change /app/package.json"],
    );
    refused(
        "carry-refuse-user-between",
        "crossing",
        &["would run after USER at line 5, which changes the state it runs in"],
    );
    refused(
        "carry-refuse-outside",
        "crossing",
        &["would change /etc/site.conf only after the install, which reads it"],
    );
    // Moved alone, `mkdir -p cache` would run after `touch cache/stamp`,
    // which then fails.
    refused(
        "carry-refuse-later-step",
        "crossing",
        &["would run after RUN at line 5, which also touches /app/cache"],
    );
}

/// A later copy of a context directory whose destination lies inside the
/// source copy's (issue 12, class 3): `COPY ./static ./public` over the
/// context's own public/ moves after the install with the source copy, so
/// it still wins over it; `ADD` of a directory likewise.
#[test]
fn later_directory_copy_inside_the_destination_moves_with_the_copy() {
    rewritten(
        "later-dir-copy-carried",
        "RUN npm ci\nCOPY . .\nCOPY ./static ./public\nCMD",
    );
    rewritten(
        "later-dir-add-carried",
        "RUN npm ci\nCOPY . .\nADD ./config/prod ./config\nCMD",
    );
}

/// With no public/ in the context, `COPY ./static ./public` writes nothing
/// the source copy brings: the source copy moves past it, and it stays.
#[test]
fn later_directory_copy_disjoint_from_the_source_stays() {
    rewritten(
        "later-dir-copy-commutes",
        "COPY ./static ./public\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD",
    );
}

/// A later directory copy bringing a manifest or a configuration file the
/// install reads (package.json, .npmrc) can neither stay nor move: the
/// reason names the file, not what the later copy lacks.
#[test]
fn later_directory_copy_bringing_what_the_install_reads_is_refused() {
    refused(
        "later-dir-copy-refuse-manifest",
        "crossing",
        &[
            "`COPY ./deploy .`) writes /app/package.json",
            "no longer change /app/package.json before the install reads it",
        ],
    );
    refused(
        "later-dir-copy-refuse-npmrc",
        "crossing",
        &["no longer change /app/.npmrc before the install reads it"],
    );
}

/// A later copy of a file the source copy already brings at the same path
/// (`ADD . /app` + `COPY ./requirements.txt /app/requirements.txt`, seen in
/// a real repository) writes the same bytes C writes again: it commutes
/// with C and stays. With another owner (`--chown`) it does not, and it
/// cannot move either: the install reads it.
#[test]
fn later_copy_of_the_same_file_stays() {
    rewritten(
        "later-copy-same-file",
        "COPY requirements.txt /app/
COPY ./requirements.txt /app/requirements.txt
RUN pip install -r /app/requirements.txt
ADD . /app
",
    );
    refused(
        "later-copy-same-file-refuse-chown",
        "crossing",
        &["no longer change /app/requirements.txt before the install reads it"],
    );
}

/// The same with the later copy written `COPY requirements.txt .` after a
/// WORKDIR (seen in two real repositories): `.` is the working directory, so
/// the file lands at /app/requirements.txt, the file C brings, and not over
/// the whole of /app.
#[test]
fn later_copy_of_the_same_file_into_the_working_directory_stays() {
    rewritten(
        "later-copy-to-dot",
        "COPY requirements.txt /app/
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . /app
",
    );
}

/// A later directory copy the install runs in was the candidate before the
/// source copy could pass it, and keeps its own fix.
#[test]
fn later_directory_copy_that_the_install_runs_in_keeps_its_fix() {
    let c = check("later-dir-copy-own-fix-kept", "Dockerfile", &[]);
    assert!(
        c.fixed.contains("COPY web/package.json web/package-lock.json ./web/\nWORKDIR /app/web\nRUN npm ci\nCOPY ./web /app/web/\n"),
        "{}",
        c.fixed
    );
}

/// `npm ci || true`: an install whose failure is ignored is still an
/// install. Its RUN is kept as written and the fallback stays with it, so it
/// now runs before the source copy: `true`, `:` and `echo` commute with the
/// copy; what follows with `&&` moves after it as before.
#[test]
fn fallback_that_commutes_stays_with_the_install() {
    let c = rewritten(
        "fallback-or-true",
        "COPY package.json package-lock.json ./\n# optional dependencies may fail to build on this platform\nRUN npm ci || true\nCOPY . .\n",
    );
    assert!(c.fixed.contains("RUN npm ci || true\n"));
    rewritten(
        "fallback-or-echo-then-build",
        "RUN npm ci --omit=dev || echo \"npm ci failed, continuing\"\nCOPY . .\nRUN npm run build\n",
    );
}

/// A fallback that reads the source would run before the source copy: refused
/// naming the fallback and the path. Around a deps-only step (cargo's stubs)
/// a fallback is refused too: the step replaces the install's text.
#[test]
fn fallback_that_reads_the_source_is_refused() {
    refused(
        "fallback-refuse-or-reads-source",
        "prelude",
        &[
            "`npm ci` falls back to `cp -r vendor/node_modules ./node_modules` with `||`",
            "reads /app/vendor/node_modules",
        ],
    );
    refused(
        "fallback-refuse-or-deps-only",
        "shell",
        &["falls back to `true` with `||`, and dockopt does not put a fallback around a deps-only step"],
    );
}

// ---------------------------------------------------------------------------
// Issue 12, class 8: smaller shapes, each handled or refused precisely.
// ---------------------------------------------------------------------------

/// `ONBUILD COPY . /app` + `ONBUILD RUN npm ci` in a base image: the pattern
/// is reported as ONBUILD triggers (they run in the child build), never rewritten.
#[test]
fn onbuild_triggers_are_reported_as_such() {
    let c = refused(
        "onbuild-base-image",
        "onbuild",
        &[
            "ONBUILD triggers run in the child build",
            "`ONBUILD RUN npm ci` (line 4)",
        ],
    );
    assert_eq!(c.findings[0]["line"], 3);
}

/// The stage's own copy and install are still rewritten; the triggers
/// between them stay and are reported.
#[test]
fn onbuild_triggers_do_not_block_the_stage_own_rewrite() {
    let c = check("onbuild-with-own-install", "Dockerfile", &[]);
    assert_eq!(c.reasons(), ["onbuild"], "{}", c.diff.stderr);
    assert!(c.fixed.contains(
        "COPY package.json package-lock.json ./\nONBUILD COPY . /app/plugins\nONBUILD RUN npm install\nRUN npm ci\nCOPY . .\n"
    ));
}

/// A lifecycle script whose commands touch only the manifests or the
/// install's own output runs the same before the source copy: pnpm's
/// `preinstall: test -f pnpm-lock.yaml` and yarn's `postinstall: rm -rf
/// node_modules/.cache && echo ...` no longer block the rewrite.
#[test]
fn lifecycle_scripts_touching_only_manifests_or_output_are_allowed() {
    rewritten(
        "lifecycle-pnpm-preinstall-manifest",
        "COPY package.json pnpm-lock.yaml ./\nRUN corepack enable && pnpm install --frozen-lockfile\nCOPY . .\n",
    );
    rewritten(
        "lifecycle-yarn-postinstall-modules",
        "COPY package.json yarn.lock ./\nRUN yarn install --frozen-lockfile\nCOPY . .\n",
    );
}

/// A script that reads or writes what the source copy brings is refused,
/// naming the script, the command and the path.
#[test]
fn lifecycle_scripts_touching_the_source_are_refused() {
    refused(
        "lifecycle-pnpm-preinstall-source",
        "lifecycle-script",
        &[
            "`preinstall` script (`cat src/banner.txt`)",
            "reads /app/src/banner.txt",
        ],
    );
    refused(
        "lifecycle-yarn-postinstall-writes-source",
        "lifecycle-script",
        &[
            "`postinstall` script (`rm -f src/server.js.map`)",
            "writes /app/src/server.js.map",
        ],
    );
}

/// `RUN yarn global add pnpm@9` between the copy and a pnpm install commutes
/// (a global install of a named package reads no project file); a global
/// add of a local path reads the source and is refused.
#[test]
fn yarn_global_add_as_a_prelude() {
    rewritten(
        "prelude-yarn-global-add-pnpm",
        "RUN yarn global add pnpm@9\nCOPY package.json pnpm-lock.yaml ./\nRUN pnpm install --frozen-lockfile && pnpm store prune\nCOPY . .\n",
    );
    refused(
        "prelude-yarn-global-add-local",
        "crossing",
        &["yarn global add file:./tools/cli", "reads /app/tools/cli"],
    );
}

/// `dotnet restore` where the context root holds no project fails in the
/// original build too (MSB1003): refused, naming the projects found below
/// and the command dotnet would need; the same restore naming the project
/// is rewritten.
#[test]
fn dotnet_restore_without_a_project_in_the_root_names_what_it_needs() {
    refused(
        "dotnet-restore-no-project-in-root",
        "needs-source",
        &[
            "the context root holds no project or solution file",
            "`dotnet restore src/Api/Api.csproj`",
        ],
    );
    rewritten(
        "dotnet-restore-named-project",
        "COPY src/Core/Core.csproj src/Core/packages.lock.json ./src/Core/\nRUN dotnet restore src/Api/Api.csproj\nCOPY . .\n",
    );
}

/// A fallback install with `||` reads its own manifests: the manifests copy
/// brings both requirement files.
#[test]
fn fallback_installs_bring_what_each_reads() {
    rewritten(
        "fallback-pip-two-requirements",
        "COPY requirements-pinned.txt requirements.txt ./\nRUN pip install --no-cache-dir -r requirements-pinned.txt || pip install --no-cache-dir -r requirements.txt\nCOPY . .\n",
    );
}

/// A fallback that reads the source (`|| pip install .`), and a `||` after
/// the part that would move (`npm ci && npm run build || echo ...`), are
/// refused, naming the commands.
#[test]
fn fallbacks_that_read_the_source_or_guard_the_moved_part_are_refused() {
    refused(
        "fallback-refuse-pip-install-dot",
        "needs-source",
        &["its fallback after `||`", "local path `.`"],
    );
    refused(
        "fallback-refuse-or-after",
        "shell",
        &["runs `echo \"build failed\"` only when `npm run build` fails"],
    );
}

/// `prepare: husky install` (husky 5-8) acts only inside a git work tree:
/// with no .git in the context it does nothing before the source copy nor
/// after it, so it does not block the rewrite (issue 12 survey).
#[test]
fn lifecycle_husky_without_git_in_the_context_is_rewritten() {
    rewritten(
        "lifecycle-husky-prepare",
        "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
    );
}

/// husky 9's `prepare: husky` is read the same way.
#[test]
fn lifecycle_husky9_without_git_in_the_context_is_rewritten() {
    let s = Scratch::of_fixture(GROUP, "lifecycle-husky-prepare");
    let pkg = String::from_utf8(s.read("package.json")).unwrap();
    s.write(
        "package.json",
        pkg.replace("\"husky install\"", "\"husky\""),
    );
    let out = s.run(&["Dockerfile"]);
    assert!(
        out.stdout
            .contains("+COPY package.json package-lock.json ./\n RUN npm ci\n+COPY . .\n"),
        "{}{}",
        out.stdout,
        out.stderr
    );
}

/// A source copy that brings .git: the original's husky found a work tree
/// and wrote hooks and `core.hooksPath`; run before the copy it finds none.
#[test]
fn lifecycle_husky_with_git_in_the_context_is_refused() {
    let s = Scratch::of_fixture(GROUP, "lifecycle-husky-prepare");
    s.write(".git/HEAD", "ref: refs/heads/main\n");
    let out = s.run(&["Dockerfile"]);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("`husky install`") && out.stderr.contains("/app/.git"),
        "{}",
        out.stderr
    );
}

/// `python -m venv $VIRTUAL_ENV` between the source copy and the install
/// writes only the environment directory, which the context does not hold.
#[test]
fn effects_venv_between_commutes() {
    rewritten(
        "effects-between-venv",
        "ENV VIRTUAL_ENV=/srv/venv\nRUN python -m venv $VIRTUAL_ENV\nENV PATH=\"$VIRTUAL_ENV/bin:$PATH\"\nCOPY requirements.txt ./\n",
    );
}

/// A local venv/ in the context at that path: the copy would bring it back.
#[test]
fn effects_venv_over_a_venv_in_the_context_is_refused() {
    refused(
        "effects-between-venv-in-context",
        "crossing",
        &["`RUN python -m venv $VIRTUAL_ENV`", "writes /srv/venv"],
    );
}

/// The php image's extension helpers (`docker-php-ext-install`,
/// `docker-php-ext-enable`), PECL and Debian's `a2enmod` between the source
/// copy and `composer install` write only system paths (issue 12 survey).
#[test]
fn effects_php_extension_helpers_between_commute() {
    rewritten(
        "effects-between-php-extensions",
        "RUN a2enmod rewrite headers\nCOPY composer.json composer.lock ./\nRUN pwd && composer install",
    );
}

/// PECL installing a package file the source copy brings must stay after it.
#[test]
fn effects_pecl_install_of_a_local_package_is_refused() {
    refused(
        "effects-between-pecl-local-package",
        "crossing",
        &[
            "pecl install ./ext/redis-6.0.2.tgz",
            "reads /var/www/html/ext/redis-6.0.2.tgz",
        ],
    );
}

// ---------------------------------------------------------------------------
// Where the manifests copy goes (placement.rs)
// ---------------------------------------------------------------------------

/// The manifests copy goes right before the install, past the steps it
/// commutes with (apt-get, a tool's pip install), and above the comment
/// lines of the install, which stay with it: a manifest edit no longer
/// re-runs them.
#[test]
fn placement_after_the_steps_it_commutes_with() {
    let c = rewritten(
        "placement-after-apt-get",
        "RUN pip install --no-cache-dir poetry\nCOPY requirements.txt ./\n# the app's own dependencies\nRUN pip install -r requirements.txt\nCOPY . .\n",
    );
    assert!(
        c.fixed
            .starts_with("FROM python:3.12-slim\nWORKDIR /app\n# system libraries"),
        "{}",
        c.fixed
    );
}

/// A step that reads a manifest (`cp package-lock.json ...`) must still see
/// it: the manifests copy stops right before it, past the apt-get before it.
#[test]
fn placement_stops_before_a_step_that_reads_a_manifest() {
    rewritten(
        "placement-blocked-reads-manifest",
        "RUN apt-get update && apt-get install -y --no-install-recommends tini\nCOPY package.json package-lock.json ./\nRUN cp package-lock.json",
    );
}

/// A step inside a directory the manifests copy creates (`mkdir -p
/// /srv/app/logs`, where `COPY --chown` makes /srv/app with its owner)
/// would make the directory itself first: the copy stops before it.
#[test]
fn placement_stops_before_a_step_inside_a_directory_it_creates() {
    rewritten(
        "placement-blocked-creates-dir",
        "COPY --chown=1000:1000 package.json package-lock.json /srv/app/\nRUN mkdir -p /srv/app/logs\n",
    );
}

/// An ENV between that the copy's flags do not use is passed; one that
/// changes the variable its `--chown` uses is refused, naming it.
#[test]
fn placement_past_env_only_when_the_flags_do_not_use_it() {
    rewritten(
        "placement-env-in-flags",
        "ENV PYTHONUNBUFFERED=1\nCOPY --chown=${APP_UID} requirements.txt ./\nRUN pip install -r",
    );
    let c = check("placement-env-in-flags", "Dockerfile.changed", &[]);
    assert_eq!(c.reasons(), ["crossing"], "{}", c.diff.stderr);
    assert!(
        c.diff.stderr.contains("sets `APP_UID`"),
        "{}",
        c.diff.stderr
    );
    assert_eq!(c.fixed, c.original);
}

/// Past only config instructions (USER), the copy keeps C's place: moving
/// it would spare no step.
#[test]
fn placement_keeps_c_place_when_it_spares_nothing() {
    rewritten(
        "npm-flags-carried",
        "WORKDIR /home/node/app\nCOPY --chown=node:node --chmod=755 --link package.json package-lock.json ./\nUSER node\n",
    );
}

// ---------------------------------------------------------------------------
// The user's home (home.rs, images/users.toml)
// ---------------------------------------------------------------------------

/// `USER node` (or uid 1000) on a node image has the home /home/node
/// (images/users.toml): the source copy brings ~/.npmrc there, which npm
/// reads, so the manifests copy brings it too.
#[test]
fn home_of_a_known_image_user_is_used() {
    for dockerfile in ["Dockerfile", "Dockerfile.uid"] {
        let c = check("home-node-user", dockerfile, &[]);
        assert!(c.reasons().is_empty(), "{}", c.diff.stderr);
        assert!(
            c.fixed
                .contains("COPY --chown=node:node .npmrc /home/node/\nCOPY --chown=node:node app/package.json"),
            "{dockerfile}: {}",
            c.fixed
        );
    }
}

/// Another user's home is unknown (here /app/home, made by useradd): the
/// source copy brings a home/.npmrc that npm reads if that is the home, so
/// the rewrite is refused, naming the user and the file; also when the
/// USER is set in the stage this one is built FROM.
#[test]
fn home_of_an_unknown_user_refuses_when_the_copy_may_bring_its_files() {
    refused(
        "home-unknown-user",
        "environment",
        &["`USER app`", "home/.npmrc", "~/.npmrc"],
    );
    let c = check("home-unknown-user", "Dockerfile.inherited", &[]);
    assert_eq!(c.reasons(), ["environment"], "{}", c.diff.stderr);
    assert!(c.diff.stderr.contains("`USER app`"), "{}", c.diff.stderr);
    assert_eq!(c.fixed, c.original);
}

// ---------------------------------------------------------------------------
// The `[outside]` tables of pip, composer, yarn, pnpm and go (issue 12)
// ---------------------------------------------------------------------------

/// With its preset's `[outside]` table, a step that writes outside the
/// source copy's destination where the install neither reads nor writes
/// moves after the install with the copy; one that writes what the install
/// reads (its configuration, a cache, a `.yarnrc` above the project) or
/// whose install's effect is unknown (a plugin, a program named by path)
/// is still refused, naming the path.
#[test]
fn outside_tables_of_the_other_presets() {
    let moved = [
        (
            "rewrite",
            "carry-outside-pip-entrypoint",
            "RUN cp docker/entrypoint.sh /entrypoint.sh",
        ),
        (
            "ruby_php_dotnet_elixir",
            "carry-outside-composer-entrypoint",
            "RUN cp docker/entrypoint.sh /usr/local/bin/docker-app-entrypoint",
        ),
        (
            "javascript",
            "carry-outside-yarn-wait-for-it",
            "RUN cp ./scripts/wait-for-it.sh /usr/local/bin/wait-for-it.sh",
        ),
        (
            "javascript",
            "carry-outside-pnpm-wait-for-it",
            "RUN cp ./scripts/wait-for-it.sh /usr/local/bin/wait-for-it.sh",
        ),
        (
            "go_jvm",
            "carry-outside-go-entrypoint",
            "RUN cp docker/entrypoint.sh /usr/local/bin/entrypoint.sh",
        ),
    ];
    for (group, fixture, step) in moved {
        let c = case::checked(group, fixture, "Dockerfile", &[]);
        assert!(c.reasons().is_empty(), "{fixture}: {}", c.diff.stderr);
        let (copy, moved) = (
            c.fixed.find("COPY . .").unwrap(),
            c.fixed.find(step).unwrap(),
        );
        assert!(copy < moved, "{fixture}: {}", c.fixed);
        assert!(
            c.diff.stderr.contains("the fix also moves"),
            "{}",
            c.diff.stderr
        );
    }
    let refused = [
        (
            "rewrite",
            "carry-outside-pip-refuse-config",
            "change /etc/pip.conf only after the install, which reads it",
        ),
        (
            "rewrite",
            "carry-outside-pip-refuse-venv-path",
            "touch /venv/lib/python3.12/site-packages, outside",
        ),
        (
            "ruby_php_dotnet_elixir",
            "carry-outside-composer-refuse-php-ini",
            "change /usr/local/etc/php/conf.d/zz-app.ini only after the install",
        ),
        (
            "ruby_php_dotnet_elixir",
            "carry-outside-composer-refuse-plugin",
            "outside the source copy's destination, where the install may read or write",
        ),
        (
            "javascript",
            "carry-outside-yarn-refuse",
            "change /.yarnrc only after the install, which reads it",
        ),
        (
            "javascript",
            "carry-outside-pnpm-refuse",
            "change /root/.local/share/pnpm/store only after the install",
        ),
        (
            "go_jvm",
            "carry-outside-go-refuse-netrc",
            "change /root/.netrc only after the install",
        ),
    ];
    for (group, fixture, why) in refused {
        let c = case::checked(group, fixture, "Dockerfile", &[]);
        assert_eq!(c.reasons(), ["crossing"], "{fixture}: {}", c.diff.stderr);
        assert!(
            c.diff.stderr.contains(why),
            "{fixture}: no {why:?} in {}",
            c.diff.stderr
        );
        assert_eq!(c.fixed, c.original, "{fixture}");
    }
}
