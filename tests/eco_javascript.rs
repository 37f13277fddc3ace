//! Presets for the javascript ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/javascript/), snapshots in snapshots/javascript/.
//!
//! yarn classic and Berry (preset `yarn`, reader `yarn`), pnpm (preset and reader
//! `pnpm`), bun (preset and reader `bun`); SEMANTICS.md §B.2–B.5. Every fixture is
//! run through the same checks of the shared harness (tests/support/case.rs): diff mode writes nothing and
//! matches the JSON diff; `--fix` reaches a fixed point; lines outside the moved
//! COPY and the split RUN are untouched; the printed diff applied with `git apply`
//! gives the `--fix` tree. An already-optimized fixture must come out byte-identical
//! with no finding; a refusal must leave the file alone and say why, with the
//! expected `reason.kind`.

use std::sync::Arc;

use crate::support::case::{self, Checked};

const GROUP: &str = "javascript";

/// The checked run of `fixture` (declared in its case.toml, which the
/// generated test `fixtures::javascript::<fixture>` snapshots).
fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Arc<Checked> {
    case::checked(GROUP, fixture, dockerfile, args)
}

/// The checked run of `fixture`.
fn snap(fixture: &str) -> Arc<Checked> {
    check(fixture, "Dockerfile", &[])
}

/// A rewrite: the fixed file holds every `expected` fragment.
fn rewrite(fixture: &str, expected: &[&str]) -> Arc<Checked> {
    let c = snap(fixture);
    assert_ne!(
        c.fixed, c.original,
        "{fixture}: not rewritten\n{}",
        c.diff.stderr
    );
    for e in expected {
        assert!(c.fixed.contains(e), "{fixture}: no {e:?} in\n{}", c.fixed);
    }
    c
}

/// Already optimized or not an install: byte-identical, no finding.
fn untouched(fixture: &str) {
    let c = snap(fixture);
    assert_eq!(c.fixed, c.original);
    assert!(c.findings.is_empty(), "{fixture}: {:?}", c.findings);
    assert_eq!(c.diff.code, 0);
    assert_eq!(c.diff.stderr, "");
}

/// Left alone with a reason of `kind` that mentions `says`.
fn refused(fixture: &str, kind: &str, says: &str) {
    let c = snap(fixture);
    assert_eq!(c.fixed, c.original, "{fixture}: rewritten");
    assert_eq!(c.reasons(), vec![kind], "{fixture}: {}", c.diff.stderr);
    assert!(c.diff.stderr.contains(says), "{fixture}: {}", c.diff.stderr);
    assert_eq!(
        c.diff.code, 0,
        "{fixture}: left alone is a note, not a failure"
    );
}

// ---------------------------------------------------------------------------
// yarn classic (v1)
// ---------------------------------------------------------------------------

/// yarn.lock, .npmrc, .yarnrc and the release `yarn-path` names come first;
/// `yarn build` moves after the source copy.
#[test]
fn yarn_classic_rewrite_with_yarnrc_release() {
    rewrite(
        "yarn-classic",
        &["COPY package.json yarn.lock .npmrc .yarnrc ./\n\
             COPY .yarn/releases/yarn-1.22.22.cjs ./.yarn/releases/\n\
             RUN yarn install --frozen-lockfile --network-timeout 600000\n\
             COPY . .\n\
             RUN yarn build\n"],
    );
}

/// `yarn` with no subcommand is an install; no lockfile: only package.json.
#[test]
fn yarn_bare_command_is_an_install() {
    rewrite(
        "yarn-bare",
        &["COPY package.json ./\nRUN corepack enable && yarn\nCOPY . .\n"],
    );
}

/// Every workspace member's package.json at its path; a directory without one
/// is not a member.
#[test]
fn yarn_classic_workspace_members_copied() {
    let c = rewrite(
        "yarn-workspaces",
        &["COPY package.json yarn.lock ./\n\
             COPY packages/api/package.json ./packages/api/\n\
             COPY packages/shared/package.json ./packages/shared/\n\
             RUN yarn install --frozen-lockfile\n"],
    );
    assert!(!c.fixed.contains("notes"));
}

/// A host node_modules: yarn does not empty it first, so the fix that adds
/// `**/node_modules` to .dockerignore is unsafe (the original image kept the
/// host's modules merged with the installed ones).
#[test]
fn yarn_host_node_modules_gets_ignore_entry() {
    let c = snap("yarn-host-node-modules");
    assert_eq!(c.fixed, c.original, "not applied without --unsafe-fixes");
    assert!(
        c.diff.stderr.contains("unsafe fix available"),
        "{}",
        c.diff.stderr
    );
}

#[test]
fn yarn_already_optimized() {
    untouched("already-optimized-yarn");
}

/// `yarn add X` and `yarn build` are not project installs.
#[test]
fn yarn_add_and_scripts_are_not_installs() {
    untouched("yarn-not-install");
}

#[test]
fn yarn_refuses_postinstall() {
    refused(
        "refuse-yarn-postinstall",
        "lifecycle-script",
        "package.json has a `postinstall` script (`node scripts/setup.js`), which `yarn install --frozen-lockfile` runs",
    );
}

/// `resolutions` are checked too, not only the dependency tables.
#[test]
fn yarn_refuses_file_resolution() {
    refused(
        "refuse-yarn-file-resolution",
        "needs-source",
        "dependency `left-pad` comes from `file:./vendor/left-pad`",
    );
}

#[test]
fn yarn_refuses_frozen_lockfile_without_lockfile() {
    refused(
        "refuse-yarn-frozen-no-lock",
        "missing-manifest",
        "yarn.lock is not in the build context",
    );
}

/// `cd packages/api && yarn install` installs the whole workspace from its root.
#[test]
fn yarn_refuses_install_in_a_workspace_member() {
    refused(
        "refuse-yarn-workspace-member",
        "needs-source",
        "packages/api is a workspace member of package.json",
    );
}

/// A member's `bin` is linked (and made executable) on install: needs the file.
#[test]
fn yarn_refuses_workspace_member_bin() {
    refused(
        "refuse-yarn-workspace-bin",
        "needs-source",
        "packages/cli/package.json declares `bin`",
    );
}

// ---------------------------------------------------------------------------
// yarn Berry (2+)
// ---------------------------------------------------------------------------

/// .yarnrc.yml, its yarnPath release and plugin, .yarn/patches (and the
/// `patch:` file), members; the written state is in .dockerignore already.
#[test]
fn yarn_berry_rewrite_with_release_plugins_patches_members() {
    rewrite(
        "yarn-berry",
        &["COPY package.json yarn.lock .yarnrc.yml ./\n\
             COPY .yarn/patches/left-pad-npm-1.3.0-abc.patch ./.yarn/patches/\n\
             COPY .yarn/plugins/@yarnpkg/plugin-workspace-tools.cjs ./.yarn/plugins/@yarnpkg/\n\
             COPY .yarn/releases/yarn-4.5.0.cjs ./.yarn/releases/\n\
             COPY packages/api/package.json ./packages/api/\n\
             COPY packages/web/package.json ./packages/web/\n\
             RUN yarn install --immutable\n\
             COPY . .\n\
             RUN yarn workspaces foreach -A run build\n"],
    );
}

/// Berry by `"packageManager": "yarn@4..."` alone: yarn.lock is required, and
/// `.env.yarn` (read by default) is copied.
#[test]
fn yarn_berry_by_package_manager() {
    rewrite(
        "yarn-berry-package-manager",
        &["COPY package.json yarn.lock .env.yarn ./\nRUN corepack enable && yarn install --immutable\nCOPY . .\n"],
    );
}

/// A Berry workspace declaring workspaces of its own: those members come too.
#[test]
fn yarn_berry_nested_workspaces() {
    rewrite(
        "yarn-berry-nested-workspaces",
        &["COPY package.json yarn.lock .yarnrc.yml ./\n\
           COPY apps/tools/package.json ./apps/tools/\n\
           COPY apps/tools/cli/package.json ./apps/tools/cli/\n\
           COPY apps/web/package.json ./apps/web/\n\
           RUN yarn install --immutable\n"],
    );
}

/// A local cache in the context (zero-installs): the install prunes it, the
/// source copy would bring pruned entries back.
#[test]
fn yarn_berry_refuses_local_cache_in_context() {
    refused(
        "refuse-yarn-berry-zero-install-cache",
        "needs-source",
        "the context holds .yarn/cache",
    );
}

#[test]
fn yarn_berry_already_optimized() {
    untouched("already-optimized-yarn-berry");
}

#[test]
fn yarn_berry_refuses_without_lockfile() {
    refused(
        "refuse-yarn-berry-no-lock",
        "missing-manifest",
        "yarn.lock is not in the build context",
    );
}

/// `.pnp.cjs` in the context: the source copy would overwrite the generated one.
#[test]
fn yarn_berry_refuses_written_state_in_context() {
    refused(
        "refuse-yarn-berry-pnp-in-context",
        "needs-source",
        "the context holds .pnp.cjs, which `yarn install` writes",
    );
}

#[test]
fn yarn_berry_refuses_portal() {
    refused(
        "refuse-yarn-berry-portal",
        "needs-source",
        "dependency `tools` comes from `portal:./tools`",
    );
}

/// yarn.lock knows a workspace the globs do not find (here it is ignored).
#[test]
fn yarn_berry_refuses_lock_workspace_not_found() {
    refused(
        "refuse-yarn-berry-lock-workspace",
        "needs-source",
        "yarn.lock lists the workspace packages/web",
    );
}

// ---------------------------------------------------------------------------
// pnpm
// ---------------------------------------------------------------------------

#[test]
fn pnpm_classic_rewrite_with_npmrc_and_split() {
    rewrite(
        "pnpm-classic",
        &["COPY package.json pnpm-lock.yaml .npmrc ./\n\
           RUN corepack enable && pnpm install --frozen-lockfile\n\
           COPY . .\n\
           RUN pnpm run build\n"],
    );
}

/// pnpm-workspace.yaml globs (`**`, a `!` exclusion), the pnpmfile, patches/,
/// members' node_modules in the context (→ `**/node_modules`), `npm i -g pnpm`
/// before the install.
#[test]
fn pnpm_workspace_members_patches_pnpmfile() {
    let c = rewrite(
        "pnpm-workspace",
        &[
            "COPY package.json pnpm-lock.yaml .pnpmfile.cjs pnpm-workspace.yaml ./\n\
             COPY apps/web/package.json ./apps/web/\n\
             COPY packages/ui/core/package.json ./packages/ui/core/\n\
             COPY packages/utils/package.json ./packages/utils/\n\
             COPY patches/left-pad@1.3.0.patch ./patches/\n\
             RUN npm i -g pnpm@9 && pnpm install --frozen-lockfile\n\
             COPY . .\n\
             RUN pnpm -r build\n",
        ],
    );
    assert!(!c.fixed.contains("test/fixture"));
    // (A member's host node_modules is covered by the e2e fixture, where the
    // ignore entry makes the fix unsafe.)
}

/// `pnpm fetch` before the source copy: already optimized.
#[test]
fn pnpm_fetch_warm_up_is_already_optimized() {
    untouched("pnpm-fetch-warm-up");
}

#[test]
fn pnpm_already_optimized() {
    untouched("already-optimized-pnpm");
}

/// pnpm runs workspace members' lifecycle scripts too.
#[test]
fn pnpm_refuses_member_postinstall() {
    refused(
        "refuse-pnpm-member-postinstall",
        "lifecycle-script",
        "apps/web/package.json has a `postinstall` script (`node scripts/gen.js`), which `pnpm install --frozen-lockfile` runs",
    );
}

#[test]
fn pnpm_refuses_link_dependency() {
    refused(
        "refuse-pnpm-file-dep",
        "needs-source",
        "dependency `local-lib` comes from the local path `link:./lib`",
    );
}

#[test]
fn pnpm_refuses_frozen_lockfile_without_lockfile() {
    refused(
        "refuse-pnpm-frozen-no-lock",
        "missing-manifest",
        "pnpm-lock.yaml is not in the build context",
    );
}

/// An importer of pnpm-lock.yaml that the workspace globs do not find.
#[test]
fn pnpm_refuses_importer_not_found() {
    refused(
        "refuse-pnpm-importer-missing",
        "needs-source",
        "pnpm-lock.yaml lists the workspace tools/cli",
    );
}

/// An injected workspace dependency is copied (not linked): needs its source.
#[test]
fn pnpm_refuses_injected_workspace_dependency() {
    refused(
        "refuse-pnpm-injected",
        "needs-source",
        "apps/web/package.json: `ui` is injected",
    );
}

/// A pnpmfile that requires another file runs during the install.
#[test]
fn pnpm_refuses_pnpmfile_requiring_files() {
    refused(
        "refuse-pnpmfile-require",
        "needs-source",
        ".pnpmfile.cjs uses `require('.`",
    );
}

/// `cd apps/web && pnpm install` installs the whole workspace above it.
#[test]
fn pnpm_refuses_install_inside_a_workspace() {
    refused(
        "refuse-pnpm-workspace-subdir",
        "needs-source",
        "apps/web is inside the pnpm workspace of pnpm-workspace.yaml",
    );
}

// ---------------------------------------------------------------------------
// bun
// ---------------------------------------------------------------------------

#[test]
fn bun_rewrite_with_lock_and_bunfig() {
    rewrite(
        "bun-classic",
        &["COPY package.json bun.lock bunfig.toml ./\n\
           RUN bun install --frozen-lockfile --production\n\
           COPY . .\n\
           RUN bun run build\n"],
    );
}

/// Without bun.lock, bun migrates yarn.lock: it is copied too.
#[test]
fn bun_migrates_other_lockfiles() {
    rewrite(
        "bun-migrate-lockfile",
        &["COPY package.json yarn.lock ./\nRUN bun install\nCOPY . .\n"],
    );
}

#[test]
fn bun_workspace_members_copied() {
    rewrite(
        "bun-workspaces",
        &["COPY package.json bun.lock ./\n\
           COPY packages/api/package.json ./packages/api/\n\
           COPY packages/shared/package.json ./packages/shared/\n\
           RUN bun install --frozen-lockfile\n"],
    );
}

#[test]
fn bun_already_optimized() {
    untouched("already-optimized-bun");
}

#[test]
fn bun_refuses_postinstall() {
    refused(
        "refuse-bun-postinstall",
        "lifecycle-script",
        "package.json has a `postinstall` script (`bun scripts/postinstall.ts`), which `bun install` runs",
    );
}

#[test]
fn bun_refuses_link_dependency() {
    refused(
        "refuse-bun-link-dep",
        "needs-source",
        "dependency `utils` comes from the local path `link:utils`",
    );
}

/// bun.lock lists a workspace the package.json globs do not select.
#[test]
fn bun_refuses_lock_workspace_not_found() {
    refused(
        "refuse-bun-lock-workspace-missing",
        "needs-source",
        "bun.lock lists the workspace packages/shared",
    );
}
