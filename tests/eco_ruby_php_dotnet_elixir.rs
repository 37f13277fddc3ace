//! Presets for the ruby_php_dotnet_elixir ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/ruby_php_dotnet_elixir/), snapshots in snapshots/ruby_php_dotnet_elixir/.
//!
//! bundler (SEMANTICS §B.16), composer (§B.17), .NET (§B.18: presets `dotnet` for
//! `dotnet restore`, `dotnet-build` for build/publish/test) and mix (§B.19: presets `mix` for
//! `mix deps.get`, `mix-compile` for `mix deps.compile`).
//!
//! Every fixture runs through the same checks as tests/rewrite.rs: diff mode writes nothing
//! and matches the JSON diff; `--fix` applies exactly the safe (or, with `--unsafe-fixes`, all)
//! fixes; (a) a second run finds nothing to change (fixed point); (b) the lines outside the
//! moved COPY and the split RUN are untouched; (c) the printed diff is a patch that `git apply`
//! and `patch -p1` turn into the `--fix` tree, a created `.dockerignore` included.

use serde_json::Value;

use crate::support::{self, Output, Scratch};

const GROUP: &str = "ruby_php_dotnet_elixir";

/// Every fixture directory; `every_fixture_is_tested` keeps this list and the directory
/// listing in step.
const FIXTURES: &[&str] = &[
    "bundler-already-optimized",
    "bundler-classic",
    "bundler-eval-gemfile",
    "bundler-gemspec",
    "bundler-host-bundle-dir",
    "bundler-refuse-bundle-config",
    "bundler-refuse-deployment-no-lock",
    "bundler-refuse-gemspec-git",
    "bundler-refuse-installed-gems",
    "bundler-refuse-path-gem",
    "bundler-refuse-stale-cache",
    "bundler-vendor-cache",
    "composer-already-optimized",
    "composer-classic",
    "composer-host-vendor",
    "composer-multistage",
    "composer-patches",
    "composer-refuse-installer-paths",
    "composer-refuse-merge-plugin",
    "composer-refuse-path-repo",
    "dotnet-already-optimized",
    "dotnet-build-exported",
    "dotnet-host-obj",
    "dotnet-publish-sln",
    "dotnet-refuse-ambiguous",
    "dotnet-refuse-import-property",
    "dotnet-refuse-intermediate-path",
    "dotnet-refuse-local-source",
    "dotnet-refuse-no-project-in-cwd",
    "dotnet-refuse-no-restore",
    "dotnet-refuse-projectref-outside",
    "dotnet-restore-project",
    "dotnet-slnx",
    "mix-already-optimized",
    "mix-deps-compile-stage",
    "mix-deps-get",
    "mix-host-deps",
    "mix-refuse-file-read",
    "mix-refuse-host-deps-compile",
    "mix-refuse-no-lock",
    "mix-refuse-path-dep",
    "mix-umbrella",
];

/// What one fixture run produced.
struct Checked {
    original: String,
    fixed: String,
    diff: Output,
    findings: Vec<Value>,
    snapshot: String,
    /// The fixed context's `.dockerignore` (empty when there is none).
    ignore: String,
}

impl Checked {
    /// The `reason.kind` of every left-alone finding.
    fn reasons(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter_map(|f| f["reason"]["kind"].as_str().map(str::to_string))
            .collect()
    }

    /// The `reason.text` of the first left-alone finding.
    fn reason_text(&self) -> String {
        self.findings
            .iter()
            .find_map(|f| f["reason"]["text"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    fn applicability(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter_map(|f| f["applicability"].as_str().map(str::to_string))
            .collect()
    }

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

/// Run every check on `fixture` (Dockerfile at `dockerfile`) and snapshot it as `name`.
fn snap(name: &str, fixture: &str, dockerfile: &str, args: &[&str]) -> Checked {
    let c = check(fixture, dockerfile, args);
    crate::snapshot!("ruby_php_dotnet_elixir", name, c.snapshot.clone());
    c
}

fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Checked {
    assert!(FIXTURES.contains(&fixture), "add {fixture} to FIXTURES");
    let with = |extra: &[&str]| -> Vec<String> {
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
        assert!(
            findings.iter().any(applies),
            "{fixture}: a diff without a fix"
        );
    }

    // (a) Fixed point.
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
    let recheck = run(&fixed_dir, with(&[]));
    assert_eq!(
        recheck.stdout, "",
        "{fixture}: a second run proposes a diff"
    );
    if findings.iter().any(applies) {
        let json = run(&fixed_dir, with(&["--format", "json"]));
        let v: Value = serde_json::from_str(&json.stdout).unwrap();
        let left = v["files"][0]["findings"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            left.iter().all(|f| !applies(f)),
            "{fixture}: the fixed file still has a fixable finding: {left:?}"
        );
    }

    // (b) Lines outside C and R are untouched.
    let touched = crate::support::touched_lines(
        fixture,
        &original,
        &fixed,
        findings.iter().filter(|f| applies(f)),
    );
    crate::support::assert_untouched(fixture, &original, &fixed, &touched);

    // (c) The diff is a patch that reproduces --fix.
    if !diff.stdout.is_empty() {
        let g = Scratch::of_fixture(GROUP, fixture);
        support::git_apply(&g.dir, &diff.stdout).unwrap_or_else(|e| panic!("{fixture}: {e}"));
        assert_eq!(
            support::tree_diff(&g.tree(), &after),
            "",
            "{fixture}: git apply of the diff differs from --fix"
        );
        if support::have("patch") {
            let p = Scratch::of_fixture(GROUP, fixture);
            support::patch_p1(&p.dir, &diff.stdout).unwrap_or_else(|e| panic!("{fixture}: {e}"));
            assert_eq!(
                support::tree_diff(&p.tree(), &after),
                "",
                "{fixture}: patch -p1 of the diff differs from --fix"
            );
        }
    }

    let context = std::path::Path::new(dockerfile)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ignore_rel = if context.is_empty() {
        ".dockerignore".to_string()
    } else {
        format!("{context}/.dockerignore")
    };
    let ignore = std::fs::read_to_string(fixed_dir.path(&ignore_rel)).unwrap_or_default();

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
        ignore,
    }
}

#[test]
fn every_fixture_is_tested() {
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
    let c = snap("bundler-classic", "bundler-classic", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY Gemfile .ruby-version Gemfile.lock ./\nRUN bundle install --jobs 4 --without development test\nCOPY . .\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// A self-contained gemspec is copied; `bundle config set --local` is a prelude, and what
/// follows the install moves after the source copy.
#[test]
fn bundler_gemspec_and_prelude() {
    let c = snap("bundler-gemspec", "bundler-gemspec", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY Gemfile greeter.gemspec Gemfile.lock ./\nRUN bundle config set --local without development && bundle install\nCOPY . .\nRUN bundle exec rake build\n"
    ));
}

/// `eval_gemfile` and `File.read(File.join(__dir__, ".ruby-version"))` are followed.
#[test]
fn bundler_eval_gemfile() {
    let c = snap(
        "bundler-eval-gemfile",
        "bundler-eval-gemfile",
        "Dockerfile",
        &[],
    );
    assert!(c
        .fixed
        .contains("COPY Gemfile .ruby-version /app/\nCOPY gemfiles/common.rb /app/gemfiles/\nRUN bundle install\n"));
}

/// Locked gems in vendor/cache are copied with the manifests.
#[test]
fn bundler_vendor_cache() {
    let c = snap(
        "bundler-vendor-cache",
        "bundler-vendor-cache",
        "Dockerfile",
        &[],
    );
    assert!(c.fixed.contains(
        "COPY vendor/cache/nio4r-2.7.3.gem vendor/cache/puma-6.4.2.gem ./vendor/cache/\n"
    ));
}

/// A host `.bundle/` without config (local plugins): the install writes there, so the fix
/// adds `**/.bundle` to .dockerignore.
#[test]
fn bundler_host_bundle_dir_is_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = snap(
        "bundler-host-bundle-dir",
        "bundler-host-bundle-dir",
        "Dockerfile",
        &["--unsafe-fixes"],
    );
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, "**/.bundle\n");
}

#[test]
fn bundler_already_optimized() {
    snap(
        "bundler-already-optimized",
        "bundler-already-optimized",
        "Dockerfile",
        &[],
    )
    .untouched();
}

#[test]
fn bundler_refuses_path_gems() {
    snap(
        "bundler-refuse-path-gem",
        "bundler-refuse-path-gem",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "`path:` gem");
}

/// The gemspec `bundle gem` generates loads its version file and lists files with git.
#[test]
fn bundler_refuses_gemspec_that_loads_files() {
    snap(
        "bundler-refuse-gemspec-git",
        "bundler-refuse-gemspec-git",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "mygem.gemspec uses `require_relative`");
}

/// A committed `.bundle/config`: remembered flags (`--deployment`) rewrite it in the image,
/// and the source copy would bring the old one back.
#[test]
fn bundler_refuses_bundle_config_in_context() {
    snap(
        "bundler-refuse-bundle-config",
        "bundler-refuse-bundle-config",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", ".bundle/config");
}

/// `--deployment` needs Gemfile.lock (flag-requires).
#[test]
fn bundler_refuses_deployment_without_lock() {
    snap(
        "bundler-refuse-deployment-no-lock",
        "bundler-refuse-deployment-no-lock",
        "Dockerfile",
        &[],
    )
    .refused("missing-manifest", "Gemfile.lock");
}

#[test]
fn bundler_refuses_installed_gems_in_context() {
    snap(
        "bundler-refuse-installed-gems",
        "bundler-refuse-installed-gems",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "vendor/bundle");
}

/// A gem in vendor/cache that the lock does not name would be pruned by the install and
/// brought back by the source copy.
#[test]
fn bundler_refuses_stale_vendor_cache() {
    snap(
        "bundler-refuse-stale-cache",
        "bundler-refuse-stale-cache",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "puma-6.3.0.gem");
}

// ---------------------------------------------------------------------------
// composer
// ---------------------------------------------------------------------------

/// In a builder stage the deps-only step is safe: `--no-scripts --no-autoloader` first, the
/// original command (autoloader, post-install-cmd) after the source copy.
#[test]
fn composer_multistage() {
    let c = snap(
        "composer-multistage",
        "composer-multistage",
        "Dockerfile",
        &[],
    );
    assert!(c.fixed.contains(
        "COPY composer.json composer.lock ./\nRUN composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction --no-scripts --no-autoloader\nCOPY . .\nRUN composer install --no-dev --prefer-dist --optimize-autoloader --no-interaction\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// In the exported stage plugins may leave files from the first step: unsafe.
#[test]
fn composer_exported_needs_unsafe_fixes() {
    let c = snap("composer-classic", "composer-classic", "Dockerfile", &[]);
    assert_eq!(c.diff.stdout, "");
    assert_eq!(c.applicability(), ["unsafe"]);
    assert!(
        c.diff.stderr.contains("unsafe fix available"),
        "{}",
        c.diff.stderr
    );
}

#[test]
fn composer_exported_with_unsafe_fixes() {
    let c = snap(
        "composer-classic--unsafe-fixes",
        "composer-classic",
        "Dockerfile",
        &["--unsafe-fixes"],
    );
    assert!(c.fixed.contains(
        "COPY composer.json composer.lock auth.json ./\nRUN composer install --no-dev --no-interaction --no-scripts --no-autoloader\nCOPY . .\nRUN composer install --no-dev --no-interaction && php artisan config:cache\n"
    ));
}

#[test]
fn composer_host_vendor_is_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = snap(
        "composer-host-vendor",
        "composer-host-vendor",
        "Dockerfile",
        &["--unsafe-fixes"],
    );
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, "**/vendor\n");
}

/// cweagans/composer-patches: local patch files are applied while packages install, so they
/// are copied; URLs are not. `--working-dir=/app` names the project directory.
#[test]
fn composer_patches_are_copied() {
    let c = snap("composer-patches", "composer-patches", "Dockerfile", &[]);
    assert!(c
        .fixed
        .contains("COPY composer.json ./\nCOPY patches/core-fix.patch ./patches/\n"));
}

#[test]
fn composer_already_optimized() {
    snap(
        "composer-already-optimized",
        "composer-already-optimized",
        "Dockerfile",
        &[],
    )
    .untouched();
}

#[test]
fn composer_refuses_path_repositories() {
    snap(
        "composer-refuse-path-repo",
        "composer-refuse-path-repo",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "`path` repository");
}

#[test]
fn composer_refuses_merge_plugin() {
    snap(
        "composer-refuse-merge-plugin",
        "composer-refuse-merge-plugin",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "merge plugin");
}

/// `extra.installer-paths` into a directory the context holds: the source copy would
/// overwrite what the install put there.
#[test]
fn composer_refuses_installer_paths_in_context() {
    snap(
        "composer-refuse-installer-paths",
        "composer-refuse-installer-paths",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "web/core");
}

// ---------------------------------------------------------------------------
// .NET
// ---------------------------------------------------------------------------

/// `dotnet restore <project>` is a pure move: the project, its ProjectReference (a backslash
/// path; the commented-out one is not followed), the upward files (Directory.Build.props,
/// Directory.Packages.props, global.json, NuGet.Config in its own casing) and the lock file.
#[test]
fn dotnet_restore_project() {
    let c = snap(
        "dotnet-restore-project",
        "dotnet-restore-project",
        "Dockerfile",
        &[],
    );
    assert!(c.fixed.contains(
        "COPY Directory.Build.props Directory.Packages.props global.json NuGet.Config ./\nCOPY src/Api/Api.csproj ./src/Api/\nCOPY src/Core/Core.csproj src/Core/packages.lock.json ./src/Core/\nRUN dotnet restore \"src/Api/Api.csproj\"\nCOPY . .\n"
    ));
    assert!(!c.fixed.contains("Old.csproj"));
}

/// `dotnet publish` of the solution in the working directory: `dotnet restore` first (every
/// project the solution names, not its solution folders), the publish after the source copy.
#[test]
fn dotnet_publish_solution_in_builder_stage() {
    let c = snap(
        "dotnet-publish-sln",
        "dotnet-publish-sln",
        "Dockerfile",
        &[],
    );
    assert!(c.fixed.contains(
        "COPY Web.sln ./\nCOPY src/Web/Web.csproj ./src/Web/\nCOPY tests/Web.Tests/Web.Tests.csproj ./tests/Web.Tests/\nRUN dotnet restore\nCOPY . .\nRUN dotnet publish -c Release -o /app -r linux-x64 --no-self-contained\n"
    ));
    assert_eq!(c.applicability(), ["safe"]);
}

/// In an exported stage the restore warm-up may leave packages the final restore does not use.
#[test]
fn dotnet_build_exported_is_unsafe() {
    let c = snap(
        "dotnet-build-exported",
        "dotnet-build-exported",
        "Dockerfile",
        &[],
    );
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.diff.stdout, "");
}

#[test]
fn dotnet_build_exported_with_unsafe_fixes() {
    let c = snap(
        "dotnet-build-exported--unsafe-fixes",
        "dotnet-build-exported",
        "Dockerfile",
        &["--unsafe-fixes"],
    );
    assert!(c.fixed.contains(
        "COPY Hello.csproj ./\nRUN dotnet restore\nCOPY . .\nRUN dotnet build -c Release\n"
    ));
}

/// A host obj/ would overwrite the restore output: `**/obj` goes to .dockerignore.
#[test]
fn dotnet_host_obj_is_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = snap(
        "dotnet-host-obj",
        "dotnet-host-obj",
        "Dockerfile",
        &["--unsafe-fixes"],
    );
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, "**/obj\n");
    assert!(c.fixed.contains(
        "COPY Hello.csproj ./\nRUN dotnet restore\nCOPY . ./\nRUN dotnet publish -c Release -o out --no-restore\n"
    ));
}

/// `.slnx` (XML, either separator); a conditional Import of a missing file is fine.
#[test]
fn dotnet_slnx() {
    let c = snap("dotnet-slnx", "dotnet-slnx", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY App.slnx ./\nCOPY src/App/App.csproj ./src/App/\nCOPY src/Lib/Lib.csproj ./src/Lib/\nRUN dotnet restore App.slnx\n"
    ));
}

/// The Visual Studio template: restore before the source copy, build after it.
#[test]
fn dotnet_already_optimized() {
    snap(
        "dotnet-already-optimized",
        "dotnet-already-optimized",
        "Dockerfile",
        &[],
    )
    .untouched();
}

#[test]
fn dotnet_refuses_ambiguous_directory() {
    snap(
        "dotnet-refuse-ambiguous",
        "dotnet-refuse-ambiguous",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "several project or solution files");
}

#[test]
fn dotnet_refuses_import_built_from_property() {
    snap(
        "dotnet-refuse-import-property",
        "dotnet-refuse-import-property",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "$(RepoRoot)");
}

#[test]
fn dotnet_refuses_intermediate_path() {
    snap(
        "dotnet-refuse-intermediate-path",
        "dotnet-refuse-intermediate-path",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "BaseIntermediateOutputPath");
}

#[test]
fn dotnet_refuses_local_package_source() {
    snap(
        "dotnet-refuse-local-source",
        "dotnet-refuse-local-source",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "./packages");
}

#[test]
fn dotnet_refuses_no_restore() {
    snap(
        "dotnet-refuse-no-restore",
        "dotnet-refuse-no-restore",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "--no-restore");
}

/// `dotnet publish src/Api/Api.csproj` from a directory without a project: the deps-only
/// `dotnet restore` (which cannot take only the project argument) would fail there.
#[test]
fn dotnet_refuses_project_argument_without_project_in_cwd() {
    snap(
        "dotnet-refuse-no-project-in-cwd",
        "dotnet-refuse-no-project-in-cwd",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "holds no project or solution file");
}

/// The context is `app/`; the project references `..\shared`, outside it.
#[test]
fn dotnet_refuses_project_reference_outside_context() {
    snap(
        "dotnet-refuse-projectref-outside",
        "dotnet-refuse-projectref-outside",
        "app/Dockerfile",
        &[],
    )
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
    let c = snap("mix-deps-get", "mix-deps-get", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY mix.exs mix.lock ./\nRUN mix deps.get --only prod\nCOPY . .\nRUN mix deps.compile && mix compile && mix release\n"
    ));
}

#[test]
fn mix_umbrella_members() {
    let c = snap("mix-umbrella", "mix-umbrella", "Dockerfile", &[]);
    assert!(c.fixed.contains(
        "COPY mix.exs mix.lock ./\nCOPY apps/core/mix.exs ./apps/core/\nCOPY apps/web/mix.exs ./apps/web/\nRUN mix deps.get\nCOPY . .\nRUN mix compile\n"
    ));
}

/// `mix deps.compile` in a stage built on fetched deps: the compile-time config comes too
/// (config.exs imports `#{config_env()}.exs`, so every env file; not runtime.exs).
#[test]
fn mix_deps_compile_with_config() {
    let c = snap(
        "mix-deps-compile-stage",
        "mix-deps-compile-stage",
        "Dockerfile",
        &[],
    );
    assert!(c.fixed.contains(
        "COPY mix.exs mix.lock ./\nCOPY config/config.exs config/dev.exs config/prod.exs config/test.exs ./config/\nRUN mix deps.compile\nCOPY . .\nRUN mix release\n"
    ));
    assert!(!c.fixed.contains("runtime.exs"));
}

#[test]
fn mix_host_deps_are_ignored() {
    // The install does not empty the directory first: the ignore entry is unsafe.
    let c = snap(
        "mix-host-deps",
        "mix-host-deps",
        "Dockerfile",
        &["--unsafe-fixes"],
    );
    assert_eq!(c.applicability(), ["unsafe"]);
    assert_eq!(c.ignore, "**/deps\n**/_build\n");
}

/// Phoenix's generated Dockerfile.
#[test]
fn mix_already_optimized() {
    snap(
        "mix-already-optimized",
        "mix-already-optimized",
        "Dockerfile",
        &[],
    )
    .untouched();
}

#[test]
fn mix_refuses_path_dependencies() {
    snap(
        "mix-refuse-path-dep",
        "mix-refuse-path-dep",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "`path:` dependency");
}

#[test]
fn mix_refuses_file_reads() {
    snap(
        "mix-refuse-file-read",
        "mix-refuse-file-read",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "File.read!");
}

#[test]
fn mix_refuses_missing_lock() {
    snap(
        "mix-refuse-no-lock",
        "mix-refuse-no-lock",
        "Dockerfile",
        &[],
    )
    .refused("missing-manifest", "mix.lock");
}

/// Vendored deps/ are the input of `mix deps.compile`: ignoring them would break the build.
#[test]
fn mix_refuses_deps_compile_with_deps_in_context() {
    snap(
        "mix-refuse-host-deps-compile",
        "mix-refuse-host-deps-compile",
        "Dockerfile",
        &[],
    )
    .refused("needs-source", "deps");
}
