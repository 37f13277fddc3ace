//! Presets for the ruby_php_dotnet_elixir ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/ruby_php_dotnet_elixir/), snapshots in snapshots/ruby_php_dotnet_elixir/.
//!
//! bundler (SEMANTICS §B.16), composer (§B.17), .NET (§B.18: presets `dotnet` for
//! `dotnet restore`, `dotnet-build` for build/publish/test) and mix (§B.19: presets `mix` for
//! `mix deps.get`, `mix-compile` for `mix deps.compile`).
//!
//! Every fixture runs through the same checks of the shared harness (tests/support/case.rs): diff mode writes nothing
//! and matches the JSON diff; `--fix` applies exactly the safe (or, with `--unsafe-fixes`, all)
//! fixes; (a) a second run finds nothing to change (fixed point); (b) the lines outside the
//! moved COPY and the split RUN are untouched; (c) the printed diff is a patch that `git apply`
//! and `patch -p1` turn into the `--fix` tree, a created `.dockerignore` included.

use std::sync::Arc;

use crate::support::case::{self, Checked};

const GROUP: &str = "ruby_php_dotnet_elixir";

/// The checked run of `fixture` (declared in its case.toml, which the
/// generated test `fixtures::ruby_php_dotnet_elixir::<fixture>` snapshots).
fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Arc<Checked> {
    case::checked(GROUP, fixture, dockerfile, args)
}

/// What a fixture is about, on its checked run.
trait Expect {
    fn refused(&self, kind: &str, needle: &str);
    fn untouched(&self);
}

impl Expect for Checked {
    /// Left alone with a reason of `kind` whose text contains `needle`; nothing changed.
    fn refused(&self, kind: &str, needle: &str) {
        assert_eq!(self.reasons(), [kind], "{}", self.snapshot);
        assert!(
            self.reason_text().contains(needle),
            "reason {:?} does not mention {needle:?}",
            self.reason_text()
        );
        assert_eq!(self.fixed, self.original);
        assert_eq!(self.diff.stdout, "");
    }

    /// Already optimized: no finding, the file byte-identical.
    fn untouched(&self) {
        assert!(self.findings.is_empty(), "{}", self.snapshot);
        assert_eq!(self.diff.code, 0);
        assert_eq!(self.fixed, self.original);
    }
}

/// The presets load, and each names the reader it needs.
#[test]
fn presets_are_built_in() {
    let p = dockopt::preset::Presets::builtin();
    for (name, reader) in [
        ("bundler", "bundler"),
        ("composer", "composer"),
        ("dotnet", "dotnet"),
        ("dotnet-build", "dotnet-build"),
        ("mix", "mix"),
        ("mix-compile", "mix-compile"),
    ] {
        let preset = p
            .list
            .iter()
            .find(|x| x.name == name)
            .unwrap_or_else(|| panic!("preset {name} is not built in"));
        assert_eq!(preset.reader.as_deref(), Some(reader));
    }
}

// ---------------------------------------------------------------------------
// bundler
// ---------------------------------------------------------------------------

/// `ruby file: ".ruby-version"` makes .ruby-version a manifest; Thor array options
/// (`--without development test`) are not package arguments.
#[test]
fn bundler_classic() {
    let c = check("bundler-classic", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY Gemfile .ruby-version Gemfile.lock ./\nRUN bundle install --jobs 4 --without development test\nCOPY . .\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// A self-contained gemspec is copied; `bundle config set --local` is a prelude, and what
/// follows the install moves after the source copy.
#[test]
fn bundler_gemspec_and_prelude() {
    let c = check("bundler-gemspec", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY Gemfile greeter.gemspec Gemfile.lock ./\nRUN bundle config set --local without development && bundle install\nCOPY . .\nRUN bundle exec rake build\n"
    ));
}

/// `eval_gemfile` and `File.read(File.join(__dir__, ".ruby-version"))` are followed.
#[test]
fn bundler_eval_gemfile() {
    let c = check("bundler-eval-gemfile", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY Gemfile .ruby-version /app/\nCOPY gemfiles/common.rb /app/gemfiles/\nRUN bundle install\n"));
}

/// Locked gems in vendor/cache are copied with the manifests.
#[test]
fn bundler_vendor_cache() {
    let c = check("bundler-vendor-cache", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY vendor/cache/nio4r-2.7.3.gem vendor/cache/puma-6.4.2.gem ./vendor/cache/\n"
    ));
}

/// A host `.bundle/` without config (local plugins): the install writes there, so the fix
/// adds `**/.bundle` to .dockerignore.
#[test]
fn bundler_host_bundle_dir_is_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = check("bundler-host-bundle-dir", "Dockerfile", &["--unsafe-fixes"]);
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, ".dockerignore\n**/.bundle\n");
}

#[test]
fn bundler_already_optimized() {
    check("bundler-already-optimized", "Dockerfile", &[]).untouched();
}

#[test]
fn bundler_refuses_path_gems() {
    check("bundler-refuse-path-gem", "Dockerfile", &[]).refused("needs-source", "`path:` gem");
}

/// The gemspec `bundle gem` generates loads its version file and lists files with git.
#[test]
fn bundler_refuses_gemspec_that_loads_files() {
    check("bundler-refuse-gemspec-git", "Dockerfile", &[])
        .refused("needs-source", "mygem.gemspec uses `require_relative`");
}

/// A committed `.bundle/config`: remembered flags (`--deployment`) rewrite it in the image,
/// and the source copy would bring the old one back.
#[test]
fn bundler_refuses_bundle_config_in_context() {
    check("bundler-refuse-bundle-config", "Dockerfile", &[])
        .refused("needs-source", ".bundle/config");
}

/// `--deployment` needs Gemfile.lock (flag-requires).
#[test]
fn bundler_refuses_deployment_without_lock() {
    check("bundler-refuse-deployment-no-lock", "Dockerfile", &[])
        .refused("missing-manifest", "Gemfile.lock");
}

#[test]
fn bundler_refuses_installed_gems_in_context() {
    check("bundler-refuse-installed-gems", "Dockerfile", &[])
        .refused("needs-source", "vendor/bundle");
}

/// A gem in vendor/cache that the lock does not name would be pruned by the install and
/// brought back by the source copy.
#[test]
fn bundler_refuses_stale_vendor_cache() {
    check("bundler-refuse-stale-cache", "Dockerfile", &[])
        .refused("needs-source", "puma-6.3.0.gem");
}

// ---------------------------------------------------------------------------
// composer
// ---------------------------------------------------------------------------

/// In a builder stage the deps-only step is safe: `--no-scripts --no-autoloader` first, the
/// original command (autoloader, post-install-cmd) after the source copy.
#[test]
fn composer_multistage() {
    let c = check("composer-multistage", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY composer.json composer.lock ./\nRUN composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction --no-scripts --no-autoloader\nCOPY . .\nRUN composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// In the exported stage, with a lock that lists no composer-plugin and no package-event
/// script, the rewrite was measured to build the same image (tests/e2e/exported.rs): safe.
#[test]
fn composer_exported_with_a_lock_is_safe() {
    let c = check("composer-classic", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY composer.json composer.lock auth.json ./\nRUN composer install --no-dev --no-interaction --no-scripts --no-autoloader\nCOPY . .\nRUN composer install --no-dev --no-interaction && php artisan config:cache\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// What was measured to differ keeps the fix unsafe: a plugin in the lock (it runs in the
/// deps-only step too), a package-event script (it never runs in the rewrite), no lock (the
/// original is an update). The rewrite itself is the same as the safe one's.
#[test]
fn composer_exported_measured_differences_stay_unsafe() {
    for name in [
        "composer-exported-plugin",
        "composer-exported-package-event",
        "composer-exported-no-lock",
    ] {
        let c = check(name, "Dockerfile", &[]);
        assert_eq!(c.diff.stdout, "", "{name}");
        assert_eq!(c.applicability(), ["unsafe"], "{name}");
        let fixed = check(name, "Dockerfile", &["--unsafe-fixes"]);
        assert!(
            fixed.fixed.contains("RUN composer install --no-interaction --no-scripts --no-autoloader\nCOPY . /app\nRUN composer install --no-interaction\n")
                || fixed.fixed.contains("RUN composer install --no-dev --no-scripts --no-autoloader\nCOPY . /app\nRUN composer install --no-dev\n"),
            "{name}: {}",
            fixed.fixed
        );
    }
}

/// The safe shapes measured with the real composer: `--no-dev -o` and
/// `--classmap-authoritative --no-scripts`, each with composer.lock.
#[test]
fn composer_exported_measured_same_image_is_rewritten_by_default() {
    for (name, run) in [
        (
            "composer-exported-locked",
            "composer install --no-dev --optimize-autoloader --no-interaction",
        ),
        (
            "composer-exported-no-scripts",
            "composer install --classmap-authoritative --no-scripts",
        ),
    ] {
        let c = check(name, "Dockerfile", &[]);
        assert_eq!(c.applicability(), ["safe"], "{name}");
        assert!(
            c.fixed.contains(&format!(
                "COPY composer.json composer.lock /app/\nRUN {run} --no-scripts --no-autoloader\nCOPY . /app\nRUN {run}\n"
            )),
            "{name}: {}",
            c.fixed
        );
    }
}

#[test]
fn composer_host_vendor_is_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = check("composer-host-vendor", "Dockerfile", &["--unsafe-fixes"]);
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, ".dockerignore\n**/vendor\n");
}

/// cweagans/composer-patches: local patch files are applied while packages install, so they
/// are copied; URLs are not. `--working-dir=/app` names the project directory.
#[test]
fn composer_patches_are_copied() {
    let c = check("composer-patches", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY composer.json ./\nCOPY patches/core-fix.patch ./patches/\n"));
}

#[test]
fn composer_already_optimized() {
    check("composer-already-optimized", "Dockerfile", &[]).untouched();
}

#[test]
fn composer_refuses_path_repositories() {
    check("composer-refuse-path-repo", "Dockerfile", &[])
        .refused("needs-source", "`path` repository");
}

#[test]
fn composer_refuses_merge_plugin() {
    check("composer-refuse-merge-plugin", "Dockerfile", &[])
        .refused("needs-source", "merge plugin");
}

/// `extra.installer-paths` into a directory the context holds: the source copy would
/// overwrite what the install put there.
#[test]
fn composer_refuses_installer_paths_in_context() {
    check("composer-refuse-installer-paths", "Dockerfile", &[]).refused("needs-source", "web/core");
}

// ---------------------------------------------------------------------------
// .NET
// ---------------------------------------------------------------------------

/// `dotnet restore <project>` is a pure move: the project, its ProjectReference (a backslash
/// path; the commented-out one is not followed), the upward files (Directory.Build.props,
/// Directory.Packages.props, global.json, NuGet.Config in its own casing) and the lock file.
#[test]
fn dotnet_restore_project() {
    let c = check("dotnet-restore-project", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY Directory.Build.props Directory.Packages.props global.json NuGet.Config ./\nCOPY src/Api/Api.csproj ./src/Api/\nCOPY src/Core/Core.csproj src/Core/packages.lock.json ./src/Core/\nRUN dotnet restore \"src/Api/Api.csproj\"\nCOPY . .\n"
    ));
    assert!(!c.fixed.contains("Old.csproj"));
}

/// `dotnet publish` of the solution in the working directory: `dotnet restore` first (every
/// project the solution names, not its solution folders, and the central package versions),
/// the publish after the source copy. The e2e test builds this tree too.
#[test]
fn dotnet_publish_solution_in_builder_stage() {
    let c = check("dotnet-publish-sln", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY Web.sln Directory.Packages.props ./\nCOPY src/Web/Web.csproj ./src/Web/\nCOPY tests/Web.Tests/Web.Tests.csproj ./tests/Web.Tests/\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /app -r linux-x64 --no-self-contained\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// In an exported stage the restore warm-up may leave packages the final restore does not use.
#[test]
fn dotnet_build_exported_is_unsafe() {
    let c = check("dotnet-build-exported", "Dockerfile", &[]);
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.diff.stdout, "");
}

#[test]
fn dotnet_build_exported_with_unsafe_fixes() {
    let c = check("dotnet-build-exported", "Dockerfile", &["--unsafe-fixes"]);
    assert!(c.fixed.contains(
        "COPY Hello.csproj ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet build -c Release\n"
    ));
}

/// A host obj/ would overwrite the restore output: `**/obj` goes to .dockerignore.
#[test]
fn dotnet_host_obj_is_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = check("dotnet-host-obj", "Dockerfile", &["--unsafe-fixes"]);
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, ".dockerignore\n**/obj\n");
    assert!(c.fixed.contains(
        "COPY Hello.csproj ./\nRUN dotnet restore\nCOPY . ./\nRUN dotnet publish -c Release -o out --no-restore\n"
    ));
}

/// `.slnx` (XML, either separator); a conditional Import of a missing file is fine.
#[test]
fn dotnet_slnx() {
    let c = check("dotnet-slnx", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY App.slnx ./\nCOPY src/App/App.csproj ./src/App/\nCOPY src/Lib/Lib.csproj ./src/Lib/\nRUN dotnet restore App.slnx\n"
    ));
}

/// The Visual Studio template: restore before the source copy, build after it.
#[test]
fn dotnet_already_optimized() {
    check("dotnet-already-optimized", "Dockerfile", &[]).untouched();
}

#[test]
fn dotnet_refuses_ambiguous_directory() {
    check("dotnet-refuse-ambiguous", "Dockerfile", &[])
        .refused("needs-source", "several project or solution files");
}

#[test]
fn dotnet_refuses_import_built_from_property() {
    check("dotnet-refuse-import-property", "Dockerfile", &[])
        .refused("needs-source", "$(RepoRoot)");
}

#[test]
fn dotnet_refuses_intermediate_path() {
    check("dotnet-refuse-intermediate-path", "Dockerfile", &[])
        .refused("needs-source", "BaseIntermediateOutputPath");
}

#[test]
fn dotnet_refuses_local_package_source() {
    check("dotnet-refuse-local-source", "Dockerfile", &[]).refused("needs-source", "./packages");
}

#[test]
fn dotnet_refuses_no_restore() {
    check("dotnet-refuse-no-restore", "Dockerfile", &[]).refused("needs-source", "--no-restore");
}

/// `dotnet publish src/Api/Api.csproj` with no project in the context root:
/// the deps-only step restores the named project (`dotnet restore
/// src/Api/Api.csproj`); it was refused while the step could not name it.
/// (The fixture keeps its old name.) Unsafe: the stage is exported.
#[test]
fn dotnet_publish_of_a_project_in_a_subdirectory_restores_it_by_name() {
    let c = check(
        "dotnet-refuse-no-project-in-cwd",
        "Dockerfile",
        &["--unsafe-fixes"],
    );
    assert!(
        c.fixed.contains(
            "COPY src/Api/Api.csproj ./src/Api/\nRUN dotnet restore src/Api/Api.csproj\nCOPY . .\nRUN dotnet publish src/Api/Api.csproj"
        ),
        "{}",
        c.fixed
    );
}

/// The context is `app/`; the project references `..\shared`, outside it.
#[test]
fn dotnet_refuses_project_reference_outside_context() {
    check("dotnet-refuse-projectref-outside", "app/Dockerfile", &[])
        .refused("needs-source", "outside the build context");
}

// ---------------------------------------------------------------------------
// mix
// ---------------------------------------------------------------------------

/// `mix local.hex`/`local.rebar` stay where they are; `mix deps.get` moves with mix.exs and
/// mix.lock only (no config: fetching does not depend on it); compile and release follow the
/// source copy. A second run sees `mix deps.compile` after it, warmed by `mix deps.get`.
#[test]
fn mix_deps_get() {
    let c = check("mix-deps-get", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY mix.exs mix.lock ./\nRUN mix deps.get --only prod\nCOPY . .\nRUN mix deps.compile && mix compile && mix release\n"
    ));
}

#[test]
fn mix_umbrella_members() {
    let c = check("mix-umbrella", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY mix.exs mix.lock ./\nCOPY apps/core/mix.exs ./apps/core/\nCOPY apps/web/mix.exs ./apps/web/\nRUN mix deps.get\nCOPY . .\nRUN mix compile\n"
    ));
}

/// `mix deps.compile` in a stage built on fetched deps: the compile-time config comes too
/// (config.exs imports `#{config_env()}.exs`, so every env file; not runtime.exs).
#[test]
fn mix_deps_compile_with_config() {
    let c = check("mix-deps-compile-stage", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY mix.exs mix.lock ./\nCOPY config/config.exs config/dev.exs config/prod.exs config/test.exs ./config/\nRUN mix deps.compile\nCOPY . .\nRUN mix release\n"
    ));
    assert!(!c.fixed.contains("runtime.exs"));
}

#[test]
fn mix_host_deps_are_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = check("mix-host-deps", "Dockerfile", &["--unsafe-fixes"]);
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, ".dockerignore\n**/deps\n**/_build\n");
}

/// Phoenix's generated Dockerfile.
#[test]
fn mix_already_optimized() {
    check("mix-already-optimized", "Dockerfile", &[]).untouched();
}

#[test]
fn mix_refuses_path_dependencies() {
    check("mix-refuse-path-dep", "Dockerfile", &[]).refused("needs-source", "`path:` dependency");
}

#[test]
fn mix_refuses_file_reads() {
    check("mix-refuse-file-read", "Dockerfile", &[]).refused("needs-source", "File.read!");
}

/// No mix.lock in the context (seen in a real repository): `mix deps.get`
/// resolves the versions and writes the lock, which nothing brings back, as
/// in the original; it moves before the source copy with mix.exs alone.
#[test]
fn mix_deps_get_without_a_lock_moves() {
    let c = check("mix-deps-get-no-lock", "Dockerfile", &[]);
    assert!(c.reasons().is_empty(), "{}", c.diff.stderr);
    assert!(
        c.fixed
            .contains("COPY mix.exs ./\nRUN mix deps.get --only prod\nCOPY . .\n"),
        "{}",
        c.fixed
    );
}

/// Vendored deps/ are the input of `mix deps.compile`: ignoring them would break the build.
#[test]
fn mix_refuses_deps_compile_with_deps_in_context() {
    check("mix-refuse-host-deps-compile", "Dockerfile", &[]).refused("needs-source", "deps");
}
