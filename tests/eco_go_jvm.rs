//! Presets for the go_jvm ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/go_jvm/), snapshots in snapshots/go_jvm/.
//!
//! go (preset and reader `go`), Maven (`maven`), Gradle (`gradle`); SEMANTICS.md
//! §B.13–B.15. Every fixture goes through the checks of tests/rewrite.rs: diff
//! mode writes nothing and matches the JSON diff; `--fix` (with the same
//! arguments) reaches a fixed point, after which the stage counts as optimized;
//! lines outside the moved COPY and the split RUN are untouched; the printed
//! diff applied with `git apply` gives the `--fix` tree. An already-optimized
//! fixture comes out byte-identical with no finding; a refusal leaves the file
//! alone and says why, with the expected `reason.kind`.

use serde_json::Value;

use crate::support::{self, Output, Scratch};

const GROUP: &str = "go_jvm";

/// Every fixture directory; `every_fixture_is_tested` keeps this list and the
/// directory listing in step.
const FIXTURES: &[&str] = &[
    "already-optimized-go",
    "already-optimized-gradle",
    "already-optimized-maven",
    "go-mod-download-split",
    "go-multistage",
    "go-replace-local",
    "go-single-stage",
    "go-workspace",
    "gradle-kotlin-multiproject",
    "gradle-single-project",
    "gradle-src-dir-between",
    "gradle-wrapper-groovy",
    "maven-multimodule",
    "maven-single-stage",
    "maven-src-dir-between",
    "maven-wrapper",
    "refuse-go-modfile",
    "refuse-go-module-above",
    "refuse-go-no-module",
    "refuse-go-replace-outside",
    "refuse-go-vendor",
    "refuse-go-workspace-member-missing",
    "refuse-gradle-apply-computed",
    "refuse-gradle-dynamic-include",
    "refuse-gradle-gradlew-not-executable",
    "refuse-gradle-project-dir-flag",
    "refuse-gradle-settings-in-parent",
    "refuse-maven-file-flag",
    "refuse-maven-module-missing",
    "refuse-maven-module-property",
    "refuse-maven-mvnw-not-executable",
];

/// What one fixture run produced.
struct Checked {
    original: String,
    /// The Dockerfile after `--fix` (with the same arguments).
    fixed: String,
    /// Diff mode output.
    diff: Output,
    /// Findings from `--format json`.
    findings: Vec<Value>,
}

impl Checked {
    /// The `reason.kind` of every left-alone finding.
    fn reasons(&self) -> Vec<&str> {
        self.findings
            .iter()
            .filter_map(|f| f["reason"]["kind"].as_str())
            .collect()
    }

    /// The `applicability` of every finding with a fix.
    fn applicability(&self) -> Vec<&str> {
        self.findings
            .iter()
            .filter_map(|f| f["applicability"].as_str())
            .collect()
    }
}

/// Run every check on `fixture` with `args` and snapshot what a user sees, as
/// `<fixture>` (no arguments) or `<fixture><args>` (`x--unsafe-fixes`).
fn snap(fixture: &str, args: &[&str]) -> Checked {
    assert!(FIXTURES.contains(&fixture), "add {fixture} to FIXTURES");
    let dockerfile = "Dockerfile";
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
        assert!(
            findings.iter().any(applies),
            "{fixture}: a diff without a fix"
        );
    }

    // Fixed point: a second --fix changes nothing and proposes nothing, and the
    // stage now counts as optimized (no finding at all).
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
    if !diff.stdout.is_empty() {
        assert_eq!(
            recheck.code, 0,
            "{fixture}: after --fix the stage is not seen as optimized:\n{}",
            recheck.stderr
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

    let shown = with(&[]).join(" ");
    let mut text = diff.render(&format!("dockopt {shown}"));
    text.push_str(&format!("--- dockopt --fix {shown}: exit {}\n", fix.code));
    let name = if args.is_empty() {
        fixture.to_string()
    } else {
        format!("{fixture}{}", args.join(""))
    };
    crate::snapshot!("go_jvm", name, text);
    Checked {
        original,
        fixed,
        diff,
        findings,
    }
}

/// A rewrite (with `args`): the fixed file holds every `expected` fragment.
fn rewrite(fixture: &str, args: &[&str], expected: &[&str]) -> Checked {
    let c = snap(fixture, args);
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

/// A fix marked unsafe: without `--unsafe-fixes` it is reported and not
/// applied; with it, the fixed file holds every `expected` fragment.
fn unsafe_rewrite(fixture: &str, expected: &[&str]) -> Checked {
    let plain = snap(fixture, &[]);
    assert_eq!(
        plain.fixed, plain.original,
        "{fixture}: an unsafe fix applied"
    );
    assert_eq!(plain.applicability(), vec!["unsafe"], "{fixture}");
    assert_eq!(
        plain.diff.stdout, "",
        "{fixture}: an unsafe fix in the diff"
    );
    assert!(
        plain.diff.stderr.contains("--unsafe-fixes"),
        "{fixture}: {}",
        plain.diff.stderr
    );
    let c = rewrite(fixture, &["--unsafe-fixes"], expected);
    assert_eq!(c.applicability(), vec!["unsafe"], "{fixture}");
    c
}

/// Already optimized: byte-identical, no finding.
fn untouched(fixture: &str) {
    let c = snap(fixture, &[]);
    assert_eq!(c.fixed, c.original);
    assert!(c.findings.is_empty(), "{fixture}: {:?}", c.findings);
    assert_eq!(c.diff.code, 0);
    assert_eq!(c.diff.stderr, "");
}

/// Left alone with a reason of `kind` that mentions `says`.
fn refused(fixture: &str, kind: &str, says: &str) {
    let c = snap(fixture, &[]);
    assert_eq!(c.fixed, c.original, "{fixture}: rewritten");
    assert_eq!(c.reasons(), vec![kind], "{fixture}: {}", c.diff.stderr);
    assert!(c.diff.stderr.contains(says), "{fixture}: {}", c.diff.stderr);
    assert_eq!(
        c.diff.code, 0,
        "{fixture}: left alone is a note, not a failure"
    );
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
    assert_eq!(found, FIXTURES);
}

/// Facts the fixtures rely on that git could lose: the wrappers' modes.
#[test]
fn fixtures_keep_their_modes() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &str| {
        std::fs::metadata(support::fixture(GROUP, p))
            .unwrap()
            .permissions()
            .mode()
    };
    assert_ne!(mode("maven-wrapper/mvnw") & 0o111, 0);
    assert_ne!(mode("gradle-wrapper-groovy/gradlew") & 0o111, 0);
    assert_eq!(mode("refuse-maven-mvnw-not-executable/mvnw") & 0o111, 0);
    assert_eq!(
        mode("refuse-gradle-gradlew-not-executable/gradlew") & 0o111,
        0
    );
}

// ---------------------------------------------------------------------------
// go
// ---------------------------------------------------------------------------

/// The usual builder stage: go.mod and go.sum, `go mod download`, then the
/// build and its tests after the source copy. Safe: only the binary leaves
/// the stage.
#[test]
fn go_multistage_downloads_modules_first() {
    let c = rewrite(
        "go-multistage",
        &[],
        &["WORKDIR /src\n\
           COPY go.mod go.sum ./\n\
           RUN go mod download\n\
           COPY . .\n\
           RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags \"-s -w\" -o /out/server ./cmd/server && go test ./...\n"],
    );
    assert_eq!(c.applicability(), vec!["safe"]);
}

/// In the exported stage `go mod download` may leave modules the build does
/// not use: unsafe. The `go env -w` prelude stays with the download.
#[test]
fn go_single_stage_is_unsafe() {
    unsafe_rewrite(
        "go-single-stage",
        &["COPY go.mod go.sum ./\n\
           RUN go env -w GOPROXY=https://proxy.golang.org,direct && go mod download\n\
           COPY . .\n\
           RUN go build -o /usr/local/bin/api .\n"],
    );
}

/// `go mod download` reads only go.mod and go.sum: moved as is, safe even in
/// the exported stage; `go mod verify` and the install follow the source copy.
#[test]
fn go_mod_download_is_moved_as_is() {
    let c = rewrite(
        "go-mod-download-split",
        &[],
        &["COPY go.mod go.sum ./\n\
           RUN go mod download\n\
           COPY . .\n\
           RUN go mod verify && go install .\n"],
    );
    assert_eq!(c.applicability(), vec!["safe"]);
}

/// go.work and go.work.sum, every `use` member's go.mod (and go.sum when
/// there is one) at its path, and the go.mod of a module a member replaces
/// with a local directory; no go.mod where the build runs.
#[test]
fn go_workspace_members_at_their_paths() {
    rewrite(
        "go-workspace",
        &[],
        &["WORKDIR /work\n\
           COPY go.work go.work.sum ./\n\
           COPY api/go.mod api/go.sum ./api/\n\
           COPY shared/go.mod ./shared/\n\
           COPY third_party/util/go.mod ./third_party/util/\n\
           COPY tools/go.mod ./tools/\n\
           RUN go mod download\n\
           COPY . .\n"],
    );
}

/// `replace example.com/lib => ./internal/lib` needs that module's go.mod; a
/// replacement by another module version needs nothing.
#[test]
fn go_local_replace_copies_its_go_mod() {
    rewrite(
        "go-replace-local",
        &[],
        &["COPY go.mod go.sum ./\n\
           COPY internal/lib/go.mod ./internal/lib/\n\
           RUN go mod download\n\
           COPY . .\n\
           RUN go build -o app .\n"],
    );
}

/// The build runs below the module root (go.mod is found upward, like the go
/// command does): `cd cmd/tool` would fail where only the manifests are.
#[test]
fn go_module_above_the_install_directory_is_refused() {
    refused(
        "refuse-go-module-above",
        "needs-source",
        "go.mod is in the context root, above the directory the install runs in (cmd/tool)",
    );
}

#[test]
fn go_already_optimized() {
    untouched("already-optimized-go");
}

#[test]
fn go_vendor_directory_means_nothing_to_download() {
    refused(
        "refuse-go-vendor",
        "needs-source",
        "vendor/ is committed and go.mod says `go 1.21`",
    );
}

#[test]
fn go_replace_outside_the_context_is_refused() {
    refused(
        "refuse-go-replace-outside",
        "needs-source",
        "`replace example.com/shared => ../shared` points outside the build context",
    );
}

#[test]
fn go_workspace_member_without_go_mod_is_refused() {
    refused(
        "refuse-go-workspace-member-missing",
        "missing-manifest",
        "plugins/go.mod is not in the build context",
    );
}

#[test]
fn go_modfile_flag_is_refused() {
    refused(
        "refuse-go-modfile",
        "needs-source",
        "`-modfile` makes go read another go.mod",
    );
}

#[test]
fn go_without_a_module_is_refused() {
    refused(
        "refuse-go-no-module",
        "missing-manifest",
        "go.mod is not in the build context",
    );
}

// ---------------------------------------------------------------------------
// Maven
// ---------------------------------------------------------------------------

/// Every reactor POM at its path (nested modules, a module named by its POM
/// file, a profile's module when present, the parent POM through
/// <relativePath>) and .mvn/; a non-fatal go-offline warm-up; the package
/// after the source copy. Safe in a builder stage.
#[test]
fn maven_multimodule_copies_every_pom() {
    let c = rewrite(
        "maven-multimodule",
        &[],
        &["WORKDIR /build\n\
           COPY pom.xml ./\n\
           COPY .mvn/extensions.xml .mvn/jvm.config .mvn/maven.config ./.mvn/\n\
           COPY build/parent/pom.xml ./build/parent/\n\
           COPY core/pom.xml ./core/\n\
           COPY docs/pom.xml ./docs/\n\
           COPY services/pom.xml ./services/\n\
           COPY services/api/pom.xml ./services/api/\n\
           COPY services/worker/pom-worker.xml ./services/worker/\n\
           RUN mvn -B -q -DskipTests -Drevision=1.0 -P prod dependency:go-offline || true\n\
           COPY . .\n\
           RUN mvn -B -q -DskipTests -Drevision=1.0 -P prod clean package\n"],
    );
    assert_eq!(c.applicability(), vec!["safe"]);
    // A profile module that is not there is not copied (nor required).
    assert!(!c.fixed.contains("bench"));
}

/// The exported stage keeps the warm-up's extra repository files: unsafe. A
/// settings file from the image (`-s /usr/share/...`) is accepted as is.
#[test]
fn maven_single_stage_is_unsafe() {
    unsafe_rewrite(
        "maven-single-stage",
        &["COPY pom.xml ./\n\
           RUN mvn -B -s /usr/share/maven/ref/settings-docker.xml -DskipTests dependency:go-offline || true\n\
           COPY . .\n\
           RUN mvn -B -s /usr/share/maven/ref/settings-docker.xml package -DskipTests\n"],
    );
}

/// `./mvnw`: the wrapper and its properties come first and the warm-up uses
/// the wrapper too; the chmod stays with it (mvnw is executable already).
#[test]
fn maven_wrapper_warms_up_with_the_wrapper() {
    let c = rewrite(
        "maven-wrapper",
        &[],
        &["COPY pom.xml mvnw ./\n\
           COPY .mvn/wrapper/maven-wrapper.properties ./.mvn/wrapper/\n\
           RUN chmod +x ./mvnw && { ./mvnw -B -DskipTests dependency:go-offline || true; }\n\
           COPY . .\n\
           RUN chmod +x ./mvnw && ./mvnw install -DskipTests\n"],
    );
    assert!(!c.fixed.contains("mvnw.cmd"));
}

/// A go-offline step before a narrower source copy: already optimized.
#[test]
fn maven_already_optimized() {
    untouched("already-optimized-maven");
}

#[test]
fn maven_missing_module_is_refused() {
    refused(
        "refuse-maven-module-missing",
        "missing-manifest",
        "legacy/pom.xml is not in the build context",
    );
}

#[test]
fn maven_file_flag_is_refused() {
    refused(
        "refuse-maven-file-flag",
        "needs-source",
        "`-f` points Maven at another POM",
    );
}

#[test]
fn maven_wrapper_not_executable_is_refused() {
    refused(
        "refuse-maven-mvnw-not-executable",
        "needs-source",
        "mvnw is not executable in the build context",
    );
}

#[test]
fn maven_module_named_by_a_property_is_refused() {
    refused(
        "refuse-maven-module-property",
        "needs-source",
        "module `${impl}` is named through a property",
    );
}

// ---------------------------------------------------------------------------
// Gradle
// ---------------------------------------------------------------------------

/// Kotlin DSL multi-project build: the settings, a version catalog named in
/// them, every project's build script and gradle.properties, gradle/, all of
/// buildSrc/ and of the included build-logic (without their outputs); the
/// host's .gradle/ and build/ directories get ignore entries. The COPY keeps
/// its --chown; the warm-up runs as the same USER as the build. Always unsafe.
#[test]
fn gradle_kotlin_multiproject() {
    let c = unsafe_rewrite(
        "gradle-kotlin-multiproject",
        &["COPY --chown=gradle:gradle settings.gradle.kts gradle.properties ./\n\
           COPY --chown=gradle:gradle app/gradle.properties app/build.gradle.kts ./app/\n\
           COPY --chown=gradle:gradle build-logic/build.gradle.kts build-logic/settings.gradle.kts ./build-logic/\n\
           COPY --chown=gradle:gradle build-logic/src/main/kotlin/shop.kotlin.gradle.kts ./build-logic/src/main/kotlin/\n\
           COPY --chown=gradle:gradle buildSrc/build.gradle.kts ./buildSrc/\n\
           COPY --chown=gradle:gradle buildSrc/src/main/kotlin/Versions.kt ./buildSrc/src/main/kotlin/\n\
           COPY --chown=gradle:gradle catalogs/tools.versions.toml ./catalogs/\n\
           COPY --chown=gradle:gradle gradle/libs.versions.toml ./gradle/\n\
           COPY --chown=gradle:gradle gradle/wrapper/gradle-wrapper.properties ./gradle/wrapper/\n\
           COPY --chown=gradle:gradle lib/build.gradle.kts ./lib/\n\
           USER gradle\n\
           RUN gradle dependencies --no-daemon || true\n\
           COPY --chown=gradle:gradle . .\n\
           RUN gradle installDist --no-daemon --console=plain -x test\n"],
    );
    assert!(!c.fixed.contains("Stale.class") && !c.fixed.contains("buildSrc/.gradle"));
    let with = Scratch::of_fixture(GROUP, "gradle-kotlin-multiproject");
    let out = with.run(&["--unsafe-fixes", "Dockerfile"]);
    assert!(
        out.stdout.contains("+**/.gradle\n+**/build\n"),
        "{}",
        out.stdout
    );
}

/// Groovy DSL with the wrapper: gradlew, the wrapper jar and properties, an
/// `include` spanning two lines, scripts applied with `apply from:` (a
/// `$rootDir/` path, a relative one, `rootProject.file(...)`, one from the
/// settings; a URL is left to the build). The warm-up uses the wrapper.
#[test]
fn gradle_wrapper_groovy() {
    let c = unsafe_rewrite(
        "gradle-wrapper-groovy",
        &["COPY gradlew settings.gradle build.gradle publishing.gradle ./\n\
           COPY api/build.gradle ./api/\n\
           COPY gradle/scripts/settings-extra.gradle gradle/scripts/java.gradle ./gradle/scripts/\n\
           COPY gradle/wrapper/gradle-wrapper.jar gradle/wrapper/gradle-wrapper.properties ./gradle/wrapper/\n\
           COPY model/build.gradle.kts ./model/\n\
           RUN ./gradlew dependencies --no-daemon || true\n\
           COPY . .\n\
           RUN ./gradlew bootJar --no-daemon\n"],
    );
    assert!(!c.fixed.contains("gradlew.bat"));
}

/// No settings file: a single-project build, its build script only.
#[test]
fn gradle_single_project() {
    unsafe_rewrite(
        "gradle-single-project",
        &["COPY build.gradle ./\n\
           RUN gradle dependencies --no-daemon || true\n\
           COPY . .\n\
           RUN gradle clean build -x test --no-daemon\n"],
    );
}

#[test]
fn gradle_already_optimized() {
    untouched("already-optimized-gradle");
}

#[test]
fn gradle_dynamic_include_is_refused() {
    refused(
        "refuse-gradle-dynamic-include",
        "needs-source",
        "an `include` of computed project names",
    );
}

#[test]
fn gradle_project_dir_flag_is_refused() {
    refused(
        "refuse-gradle-project-dir-flag",
        "needs-source",
        "`-p` runs the build in another directory",
    );
}

#[test]
fn gradle_settings_in_a_parent_directory_is_refused() {
    refused(
        "refuse-gradle-settings-in-parent",
        "needs-source",
        "settings.gradle in a parent directory",
    );
}

#[test]
fn gradle_computed_apply_from_is_refused() {
    refused(
        "refuse-gradle-apply-computed",
        "needs-source",
        "`apply from:` names a file through an expression",
    );
}

#[test]
fn gradle_wrapper_not_executable_is_refused() {
    refused(
        "refuse-gradle-gradlew-not-executable",
        "needs-source",
        "gradlew is not executable in the build context",
    );
}

/// The manifests are already copied, but a source directory is copied
/// before the install: the preset's deps-only step goes before that copy
/// (real-world shape: `COPY pom.xml .` + `COPY src src` + `RUN mvn package`).
#[test]
fn maven_source_directory_between_manifests_and_build() {
    unsafe_rewrite(
        "maven-src-dir-between",
        &["COPY pom.xml .\n\
           RUN mvn -B -DskipTests dependency:go-offline || true\n\
           COPY src src\n\
           RUN mvn -B package -DskipTests\n"],
    );
}

#[test]
fn gradle_source_directory_between_manifests_and_build() {
    unsafe_rewrite(
        "gradle-src-dir-between",
        &["COPY build.gradle ./\nRUN gradle "],
    );
}
