//! Presets for the go_jvm ecosystems: rewrite, already-optimized and refusal
//! fixtures (tests/fixtures/go_jvm/), snapshots in snapshots/go_jvm/.
//!
//! go (preset and reader `go`), Maven (`maven`), Gradle (`gradle`); SEMANTICS.md
//! §B.13–B.15. Every fixture goes through the checks of the shared harness (tests/support/case.rs): diff
//! mode writes nothing and matches the JSON diff; `--fix` (with the same
//! arguments) reaches a fixed point, after which the stage counts as optimized;
//! lines outside the moved COPY and the split RUN are untouched; the printed
//! diff applied with `git apply` gives the `--fix` tree. An already-optimized
//! fixture comes out byte-identical with no finding; a refusal leaves the file
//! alone and says why, with the expected `reason.kind`.

use std::sync::Arc;

use crate::support::case::{self, Checked};
use crate::support::{self, Scratch};

const GROUP: &str = "go_jvm";

/// The checked run of `fixture` (declared in its case.toml, which the
/// generated test `fixtures::go_jvm::<fixture>` snapshots).
fn check(fixture: &str, dockerfile: &str, args: &[&str]) -> Arc<Checked> {
    case::checked(GROUP, fixture, dockerfile, args)
}

/// The checked run of `fixture` with `args`.
fn snap(fixture: &str, args: &[&str]) -> Arc<Checked> {
    check(fixture, "Dockerfile", args)
}

/// A rewrite (with `args`): the fixed file holds every `expected` fragment.
fn rewrite(fixture: &str, args: &[&str], expected: &[&str]) -> Arc<Checked> {
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
fn unsafe_rewrite(fixture: &str, expected: &[&str]) -> Arc<Checked> {
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
    assert_eq!(mode("maven-mvn-beside-plain-mvnw/mvnw") & 0o111, 0);
    assert_eq!(mode("gradle-plain-beside-plain-gradlew/gradlew") & 0o111, 0);
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
        "`-f backend/pom-prod.xml` names another file than pom.xml",
    );
}

/// `mvn -f DIR/pom.xml` runs the project in DIR: its POM is the manifest and
/// the warm-up is given the same `-f` (issue 12 survey).
#[test]
fn maven_file_flag_names_the_project() {
    rewrite(
        "maven-file-flag",
        &[],
        &["COPY backend/pom.xml ./backend/\nRUN mvn -B -f /home/app/backend/pom.xml dependency:go-offline || true\nCOPY . .\n"],
    );
    rewrite(
        "maven-file-flag-src-dir-slash",
        &["--unsafe-fixes"],
        &["RUN mvn -B -f /home/app/pom.xml -Dmaven.test.skip=true -Dmaven.javadoc.skip=true dependency:go-offline || true\nCOPY src /home/app/src"],
    );
}

/// `mvn` beside a wrapper committed without its executable bit: the wrapper
/// is never run, so it does not block the rewrite (issue 12 survey).
#[test]
fn maven_plain_mvn_ignores_a_non_executable_wrapper() {
    rewrite(
        "maven-mvn-beside-plain-mvnw",
        &[],
        &["RUN mvn -B -DskipTests dependency:go-offline || true\nCOPY . ."],
    );
}

/// The same for `gradle` beside a non-executable gradlew.
#[test]
fn gradle_plain_gradle_ignores_a_non_executable_wrapper() {
    unsafe_rewrite(
        "gradle-plain-beside-plain-gradlew",
        &["RUN gradle dependencies --no-daemon || true\nCOPY . ."],
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
