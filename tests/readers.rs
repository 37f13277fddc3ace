//! What the install reads besides its manifests (issue 11, "local inputs
//! the readers miss", "configuration read from the environment", "installs
//! that write into the project", "safety labels"): fixtures in
//! tests/fixtures/readers/, snapshots in snapshots/readers/. Each refusal has
//! a neighbour that is still rewritten. Every fixture runs through the checks
//! of the shared harness (`tests/support/case.rs`) (diff mode writes nothing, JSON shows the same diff,
//! fixed point, untouched lines, the diff applies with `git apply` and `patch -p1`).

use std::sync::Arc;

use crate::support::case::{self, Checked};
use crate::support::{self, Scratch};
use serde_json::Value;

const GROUP: &str = "readers";

/// The checked run of `fixture` (declared in its case.toml, which the
/// generated test `fixtures::readers::<fixture>` snapshots).
fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Arc<Checked> {
    case::checked(GROUP, fixture, dockerfile, args)
}

/// The checked run of `fixture` (its `Dockerfile`).
fn snap(fixture: &str) -> Arc<Checked> {
    check(fixture, "Dockerfile", &[])
}

/// A fixture that is left alone for the reason `kind`, whose text contains `why`.
fn refused(fixture: &str, kind: &str, why: &str) -> Arc<Checked> {
    let c = snap(fixture);
    assert_eq!(c.reasons(), [kind], "{fixture}: {}", c.diff.stderr);
    assert!(c.diff.stderr.contains(why), "{fixture}: {}", c.diff.stderr);
    assert_eq!(c.fixed, c.original);
    c
}

/// The rewrite is made, with the fix applicability `app`; `want` is in the result.
fn rewritten(fixture: &str, app: &str, want: &str) -> Arc<Checked> {
    let c = snap(fixture);
    assert_eq!(
        c.reasons(),
        Vec::<String>::new(),
        "{fixture}: {}",
        c.diff.stderr
    );
    assert_eq!(c.applicability(), [app], "{fixture}: {}", c.diff.stderr);
    assert!(c.fixed.contains(want), "{fixture}:\n{}", c.fixed);
    c
}

// ---------------------------------------------------------------------------
// pip requirement lines that are local paths (SEMANTICS §B.6)
// ---------------------------------------------------------------------------

/// `libs/common` has a `/`: pip takes it as a path, whether or not it starts with `./`.
#[test]
fn pip_requirement_directory_without_dot_is_refused() {
    refused(
        "pip-req-dir-without-dot",
        "needs-source",
        "the local path `libs/common`",
    );
}

/// A bare name is a package name to pip, even when a directory of that name
/// is in the working directory (`alembic` beside an `alembic/` migrations
/// directory): pip takes a line as a path only with a separator or a leading `.`.
#[test]
fn pip_requirement_bare_name_beside_a_directory_is_a_package() {
    rewritten("pip-req-bare-dir", "safe", "COPY requirements.txt ./");
}

/// The same directory named with a separator (`common/`) is a local path.
#[test]
fn pip_requirement_directory_with_trailing_slash_is_refused() {
    refused(
        "pip-req-bare-dir-slash",
        "needs-source",
        "the local path `common/`",
    );
}

/// Every archive extension pip installs from, not only .tar.gz/.zip/.whl.
#[test]
fn pip_requirement_tar_bz2_is_refused() {
    refused("pip-req-archive", "needs-source", "`mylib-1.0.tar.bz2`");
}

#[test]
fn pip_requirement_dot_extras_is_refused() {
    refused("pip-req-dot-extras", "needs-source", "`.[dev]`");
}

#[test]
fn pip_requirement_file_index_is_refused() {
    refused(
        "pip-req-file-index",
        "needs-source",
        "`--index-url file:///app/wheels`",
    );
}

/// `-fwheels` (value attached to the short option) is read like `-f wheels`.
#[test]
fn pip_requirement_attached_find_links_is_refused() {
    refused("pip-req-find-links-attached", "needs-source", "`-f wheels`");
}

/// The neighbours: remote indexes and links, extras, `name @ https://`,
/// markers are not local; the rewrite is made.
#[test]
fn pip_requirement_remote_lines_are_rewritten() {
    rewritten(
        "pip-req-remote-neighbour",
        "safe",
        "COPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n",
    );
}

// ---------------------------------------------------------------------------
// pip command line: positional arguments, flag values
// ---------------------------------------------------------------------------

#[test]
fn pip_positional_dot_extras_is_refused() {
    refused(
        "pip-positional-dot-extras",
        "needs-source",
        "the local path `.[dev]`",
    );
}

/// A package name with extras is not a path.
#[test]
fn pip_positional_package_with_extras_is_rewritten() {
    rewritten("pip-positional-package-neighbour", "safe", "COPY requirements.txt ./\nRUN pip install -r requirements.txt \"gunicorn[gevent]==22.0.0\"\nCOPY . .\n");
}

/// `--cert=FILE`: a value written with `=` is read; the file is copied with the manifests.
#[test]
fn pip_cert_with_equals_is_copied_with_the_manifests() {
    rewritten("pip-cert-equals-copied", "safe", "COPY requirements.txt ./\nCOPY certs/ca.pem ./certs/\nRUN pip install --cert=certs/ca.pem -r requirements.txt\nCOPY . .\n");
}

/// `--find-links=wheels`: a directory the source copy brings.
#[test]
fn pip_find_links_with_equals_directory_is_refused() {
    refused(
        "pip-find-links-equals-dir",
        "needs-source",
        "names wheels, which only the source copy brings",
    );
}

/// A flag dockopt does not know, whose `=` value names a path of the source.
#[test]
fn pip_unknown_flag_value_naming_a_source_path_is_refused() {
    refused(
        "pip-unknown-flag-equals-path",
        "needs-source",
        "names build/settings.toml",
    );
}

// ---------------------------------------------------------------------------
// Configuration read from the environment
// ---------------------------------------------------------------------------

/// `ENV PIP_CONSTRAINT=/app/constraints.txt`: the file comes with the manifests.
#[test]
fn pip_constraint_from_env_is_copied_with_the_manifests() {
    rewritten(
        "pip-env-constraint-copied",
        "safe",
        "COPY requirements.txt constraints.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n",
    );
}

/// A build arg may name any file: refused.
#[test]
fn pip_constraint_from_build_arg_is_refused() {
    refused(
        "pip-env-constraint-arg",
        "environment",
        "`PIP_CONSTRAINT` (set at the install) has a value dockopt cannot resolve",
    );
}

/// `PIP_REQUIREMENT` is followed like `-r`: its editable line is found.
#[test]
fn pip_requirement_from_env_is_read_like_dash_r() {
    refused(
        "pip-env-requirement-followed",
        "needs-source",
        "extra.txt installs `./plugins/x` in editable mode",
    );
}

/// `export PIP_FIND_LINKS=...` before the install in the same RUN counts too.
#[test]
fn pip_find_links_exported_in_the_run_is_refused() {
    refused(
        "pip-export-find-links-dir",
        "needs-source",
        "`PIP_FIND_LINKS` (set at the install) names wheels",
    );
}

/// A constraints file outside the source copy is in the image either way.
#[test]
fn pip_env_outside_the_copy_is_rewritten() {
    rewritten(
        "pip-env-outside-copy-neighbour",
        "safe",
        "COPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n",
    );
}

/// `uv pip` reads uv.toml (and `[tool.uv]`): copied with the manifests.
#[test]
fn uv_pip_copies_uv_toml() {
    rewritten(
        "uv-pip-reads-uv-toml",
        "safe",
        "COPY requirements.txt uv.toml ./\n",
    );
}

// ---------------------------------------------------------------------------
// Installs that write into the project
// ---------------------------------------------------------------------------

#[test]
fn pip_target_dot_is_refused() {
    refused(
        "pip-target-dot",
        "writes-project",
        "`--target .` makes the install write into /app",
    );
}

#[test]
fn pip_target_from_env_inside_the_copy_is_refused() {
    refused(
        "pip-env-target-in-copy",
        "writes-project",
        "`PIP_TARGET` (set at the install) makes the install write into /app/vendor",
    );
}

#[test]
fn pip_target_outside_the_copy_is_rewritten() {
    rewritten(
        "pip-target-outside-neighbour",
        "safe",
        "RUN pip install --target /deps --upgrade -r requirements.txt\nCOPY . .\n",
    );
}

// ---------------------------------------------------------------------------
// npm
// ---------------------------------------------------------------------------

/// npm-package-arg's `isFilename`: `x-1.2.0.tgz` is a local tarball.
#[test]
fn npm_tarball_file_name_dependency_is_refused() {
    refused(
        "npm-tarball-file-name",
        "needs-source",
        "dependency `x` comes from the local path `x-1.2.0.tgz`",
    );
}

#[test]
fn npm_userconfig_with_equals_is_copied() {
    rewritten(
        "npm-userconfig-copied",
        "safe",
        "COPY package.json package-lock.json .npmrc.ci ./\nRUN npm ci --userconfig=.npmrc.ci\n",
    );
}

#[test]
fn npm_userconfig_with_space_is_copied() {
    rewritten(
        "npm-userconfig-space-copied",
        "safe",
        "COPY package.json package-lock.json .npmrc.ci ./\n",
    );
}

#[test]
fn npm_userconfig_from_build_arg_is_refused() {
    refused(
        "npm-env-userconfig-arg",
        "environment",
        "`NPM_CONFIG_USERCONFIG` (set at the install) has a value dockopt cannot resolve",
    );
}

/// `cd member && npm install`: npm installs the workspace from its root.
#[test]
fn npm_install_in_a_workspace_member_is_refused() {
    refused(
        "npm-cd-workspace-member",
        "needs-source",
        "packages/api is a workspace member of package.json",
    );
}

/// With `--ignore-scripts` the postinstall does not run: the rewrite is made
/// (tests/fixtures/rewrite/refuse-npm-postinstall is the refusal without it).
#[test]
fn npm_ignore_scripts_allows_a_postinstall() {
    rewritten(
        "npm-ignore-scripts",
        "safe",
        "COPY package.json package-lock.json ./\nRUN npm ci --ignore-scripts\nCOPY . .\n",
    );
}

// ---------------------------------------------------------------------------
// Ignore files: .containerignore, allowlists, shared ignore files
// ---------------------------------------------------------------------------

/// Only a `.containerignore`: Podman and Buildah read it, Docker reads
/// nothing. A new `.dockerignore` would be read by Docker only, an entry in
/// `.containerignore` by Podman only: the fix needing one is refused.
#[test]
fn containerignore_alone_refuses_the_ignore_entry() {
    refused(
        "containerignore-only-refused",
        "clobber",
        "Docker reads no ignore file but Podman and Buildah read",
    );
}

/// Both files already exclude node_modules: nothing to add, the rewrite is made.
#[test]
fn containerignore_and_dockerignore_both_excluding_is_rewritten() {
    let c = rewritten(
        "containerignore-both-exclude-neighbour",
        "safe",
        "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
    );
    assert!(!c.diff.stdout.contains("ignore"), "{}", c.diff.stdout);
}

/// A manifest excluded by `.containerignore` (Podman, Buildah) but not by
/// `.dockerignore`: missing for one builder, refused.
#[test]
fn manifest_excluded_by_containerignore_is_refused() {
    refused(
        "containerignore-excludes-lockfile",
        "missing-manifest",
        "package-lock.json is excluded by .dockerignore or .containerignore",
    );
}

/// Allowlist (`*` then `!...`): the host node_modules is not sent, so no entry.
#[test]
fn allowlist_without_node_modules_needs_no_entry() {
    let c = rewritten(
        "allowlist-host-modules-not-sent",
        "safe",
        "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
    );
    assert!(
        !c.diff.stdout.contains(".dockerignore"),
        "{}",
        c.diff.stdout
    );
}

/// Allowlist re-including node_modules: the entry goes last, so it wins.
#[test]
fn allowlist_reincluding_node_modules_gets_the_entry_last() {
    let c = rewritten(
        "allowlist-reincludes-modules",
        "safe",
        "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
    );
    assert!(
        c.diff.stdout.contains(" !node_modules\n+**/node_modules\n"),
        "{}",
        c.diff.stdout
    );
}

/// A node_modules the install does not write (lib/node_modules, re-included
/// by `!lib`) stays: no entry, the rewrite is made.
#[test]
fn allowlist_nested_modules_not_written_stay() {
    let c = rewritten(
        "allowlist-reincludes-nested-modules",
        "safe",
        "COPY package.json package-lock.json ./\n",
    );
    assert!(
        !c.diff.stdout.contains(".dockerignore"),
        "{}",
        c.diff.stdout
    );
}

/// A sibling Dockerfile.runtime copies node_modules from the same context:
/// `**/node_modules` would break it.
#[test]
fn sibling_dockerfile_copying_node_modules_is_protected() {
    refused(
        "sibling-copies-node-modules",
        "clobber",
        "Dockerfile.runtime:3 shares the ignore file and copies node_modules",
    );
}

/// The sibling has its own `Dockerfile.runtime.dockerignore`: not shared.
#[test]
fn sibling_with_its_own_ignore_file_does_not_block() {
    let c = rewritten(
        "sibling-own-ignore-neighbour",
        "safe",
        "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
    );
    assert!(
        c.diff.stdout.contains("+**/node_modules\n"),
        "{}",
        c.diff.stdout
    );
}

/// Two Dockerfiles built from one context (dockopt.toml) each need an entry
/// in its `.dockerignore`: one run gives ONE merged change holding both,
/// `--fix` keeps both entries, and the printed patch applies with `patch -p1`.
#[test]
fn bulk_run_merges_ignore_entries_for_one_file() {
    let s = Scratch::empty();
    s.write(
        "dockopt.toml",
        "[contexts]\n\"api/Dockerfile\" = \".\"\n\"core/Dockerfile\" = \".\"\n",
    );
    s.write(
        "api/Dockerfile",
        "FROM node:20\nWORKDIR /app\nCOPY api .\nRUN npm ci\n",
    );
    s.write("api/package.json", "{\"name\":\"api\"}\n");
    s.write("api/package-lock.json", "{}\n");
    s.write("api/node_modules/x/index.js", "host\n");
    s.write(
        "core/Dockerfile",
        "FROM rust:1.80\nWORKDIR /src\nCOPY core .\nRUN cargo build --release\n",
    );
    s.write(
        "core/Cargo.toml",
        "[package]\nname = \"core\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    s.write("core/src/main.rs", "fn main() {}\n");
    s.write("core/target/release/old", "host\n");
    let args = ["--unsafe-fixes", "api/Dockerfile", "core/Dockerfile"];
    let diff = s.run(&args);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert_eq!(
        diff.stdout.matches("+++ b/.dockerignore").count(),
        1,
        "{}",
        diff.stdout
    );
    assert!(
        diff.stdout.contains("+**/node_modules\n+**/target\n"),
        "{}",
        diff.stdout
    );
    let fixed = Scratch::of_dir(&s.dir);
    let fix = fixed.run(&["--fix", args[0], args[1], args[2]]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert_eq!(
        String::from_utf8(fixed.read(".dockerignore")).unwrap(),
        ".dockerignore\n**/node_modules\n**/target\n"
    );
    if support::have("patch") {
        let p = Scratch::of_dir(&s.dir);
        support::patch_p1(&p.dir, &diff.stdout).unwrap();
        assert_eq!(support::tree_diff(&p.tree(), &fixed.tree()), "");
    }
}

// ---------------------------------------------------------------------------
// cargo: the stub targets are exactly those cargo asks for
// ---------------------------------------------------------------------------

/// `--bin worker` names a target cargo discovers in src/bin/: it is stubbed
/// (with the other discovered targets), so the deps-only build finds it.
#[test]
fn cargo_bin_flag_of_an_autodiscovered_target_is_stubbed() {
    rewritten(
        "cargo-bin-flag-autodiscovered",
        "safe",
        "echo 'fn main() {}' > src/bin/worker.rs && echo 'fn main() {}' > examples/demo/main.rs && cargo build --release --bin worker",
    );
}

/// `autobins = false` and no `[[bin]] tool`: no stub can be named `tool`.
#[test]
fn cargo_bin_flag_without_a_stub_is_refused() {
    refused(
        "cargo-bin-flag-unknown",
        "needs-source",
        "`--bin tool` asks for a target dockopt cannot find to stub",
    );
}

/// `.cargo/config.toml` replaces crates.io with `vendor/`.
#[test]
fn cargo_vendored_sources_are_refused() {
    refused(
        "cargo-vendored-sources",
        "needs-source",
        "source `vendored-sources` reads vendored crates from `vendor`",
    );
}

/// Built in a member directory: cargo loads the workspace root (its
/// Cargo.toml with `version.workspace`, its Cargo.lock) and every member.
#[test]
fn cargo_member_under_workdir_copies_the_workspace_root() {
    rewritten(
        "cargo-member-under-workdir",
        "safe",
        "COPY Cargo.toml Cargo.lock /ws/\nCOPY crates/core/Cargo.toml /ws/crates/core/\nCOPY crates/server/Cargo.toml /ws/crates/server/\n",
    );
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

/// `pnpm install --frozen-lockfile` in a member: the reason is the workspace
/// root, not a lockfile missing next to the member.
#[test]
fn pnpm_member_frozen_lockfile_names_the_workspace_root() {
    let c = refused(
        "pnpm-member-frozen-lockfile",
        "needs-source",
        "packages/api is inside the pnpm workspace of pnpm-workspace.yaml",
    );
    assert!(!c.diff.stderr.contains("packages/api/pnpm-lock.yaml"));
}

/// An unsafe fix says why, in the text output and in JSON (`unsafe_reason`).
#[test]
fn unsafe_fix_says_why() {
    let s = Scratch::of_fixture(GROUP, "cargo-bin-flag-autodiscovered");
    // The dev profile: unsafe in an exported stage (tests/exported.rs).
    let dockerfile = String::from_utf8(s.read("Dockerfile")).unwrap();
    s.write("Dockerfile", dockerfile.replace(" --release", ""));
    let text = s.run(&["Dockerfile"]);
    assert!(
        text.stderr
            .contains("unsafe because the deps-only step leaves its own files in this stage"),
        "{}",
        text.stderr
    );
    let json = s.run(&["--format", "json", "Dockerfile"]);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    let f = &v["files"][0]["findings"][0];
    assert_eq!(f["applicability"], "unsafe");
    assert!(f["unsafe_reason"]
        .as_str()
        .is_some_and(|r| r.contains("exported")));
}

/// `--locked` in a member: the lockfile is the workspace root's (the member
/// has none), so the rewrite copies it instead of refusing for
/// `crates/server/Cargo.lock`.
#[test]
fn cargo_member_locked_uses_the_root_lockfile() {
    let c = rewritten(
        "cargo-member-locked",
        "safe",
        "COPY Cargo.lock Cargo.toml /ws/\n",
    );
    assert!(c.fixed.contains("cargo build --release --locked && rm -f"));
}

// ---------------------------------------------------------------------------
// Dependencies whose install scripts read project files (issue 12 survey):
// src/readers/dep_scripts.toml.
// ---------------------------------------------------------------------------

/// `@prisma/client`'s postinstall runs `prisma generate` on the project's
/// schema: without it the install leaves Prisma's uninitialised stub in
/// node_modules/.prisma/client instead of the generated client.
#[test]
fn dependency_prisma_client_copies_the_schema() {
    rewritten(
        "npm-dep-prisma-schema-copied",
        "safe",
        "COPY package.json package-lock.json ./\nCOPY prisma/schema.prisma ./prisma/\nRUN npm ci\nCOPY . .\n",
    );
}

/// The same when only the lockfile holds it (a dependency of a dependency).
#[test]
fn dependency_prisma_client_from_the_lockfile_copies_the_schema() {
    rewritten(
        "npm-dep-prisma-lockfile-only",
        "safe",
        "COPY prisma/schema.prisma ./prisma/\nRUN npm ci\n",
    );
}

/// A generator that writes into the project (`output = "../src/..."`).
#[test]
fn dependency_prisma_client_with_a_custom_output_is_refused() {
    refused(
        "npm-dep-prisma-output-refused",
        "needs-source",
        "generator `client` writes its client to \"../src/generated/db\"",
    );
}

/// `prisma.config.ts` is code dockopt does not follow.
#[test]
fn dependency_prisma_client_with_a_config_file_is_refused() {
    let s = Scratch::of_fixture(GROUP, "npm-dep-prisma-schema-copied");
    s.write("prisma.config.ts", "export default {};\n");
    let out = s.run(&["Dockerfile"]);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("it reads prisma.config.ts"),
        "{}",
        out.stderr
    );
}

/// puppeteer's postinstall reads `.puppeteerrc.cjs` (its download directory).
#[test]
fn dependency_puppeteer_copies_its_configuration() {
    rewritten(
        "npm-dep-puppeteer-rc-copied",
        "safe",
        "COPY package.json package-lock.json .puppeteerrc.cjs ./",
    );
}

/// husky 4's own install script writes .git/hooks when the source copy
/// brought .git; husky 8 has no install script.
#[test]
fn dependency_husky4_with_git_in_the_context_is_refused() {
    let s = Scratch::of_fixture(GROUP, "npm-dep-puppeteer-rc-copied");
    s.write(".git/HEAD", "ref: refs/heads/main\n");
    let pkg = String::from_utf8(s.read("package.json")).unwrap();
    s.write(
        "package.json",
        pkg.replace("\"puppeteer\": \"^22.8.0\"", "\"husky\": \"^4.3.8\""),
    );
    let out = s.run(&["Dockerfile"]);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains("dependency `husky`") && out.stderr.contains("brings .git"),
        "{}",
        out.stderr
    );
    s.write(
        "package.json",
        pkg.replace("\"puppeteer\": \"^22.8.0\"", "\"husky\": \"^8.0.3\""),
    );
    let out = s.run(&["Dockerfile"]);
    assert!(
        out.stdout.contains("+COPY package.json package-lock.json"),
        "{}{}",
        out.stdout,
        out.stderr
    );
}

/// A reader's refusal where the manifests are already first and a source
/// directory is copied before the install (`COPY src ./src`) is reported in
/// every format, not read as an already fine file (issue 12).
#[test]
fn reader_refusal_above_a_source_directory_is_reported_everywhere() {
    let s = Scratch::of_fixture(GROUP, "npm-env-userconfig-arg-src-dir");
    let text = s.run(&["Dockerfile"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stderr
            .contains("Dockerfile:6: `NPM_CONFIG_USERCONFIG`"),
        "{}",
        text.stderr
    );
    let json: Value = serde_json::from_str(&s.run(&["--format", "json", "."]).stdout).unwrap();
    let file = &json["files"][0];
    assert_eq!(file["status"], "left-alone");
    assert_eq!(file["findings"][0]["reason"]["kind"], "environment");
    let sarif: Value = serde_json::from_str(&s.run(&["--format", "sarif", "."]).stdout).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    assert_eq!(result["level"], "note");
    let message = result["message"]["text"].as_str().unwrap();
    assert!(
        message.contains("Left as is: `NPM_CONFIG_USERCONFIG`"),
        "{message}"
    );
    let check = s.run(&["--check", "."]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(
        check
            .stderr
            .contains("1 left alone (1 install configured through the environment)"),
        "{}",
        check.stderr
    );
}
