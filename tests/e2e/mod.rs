//! End-to-end tests: real image builds of each fixture's original Dockerfile and of the
//! `dockopt --fix` output, with buildah (see `support.rs`).
//!
//! Every fixture under `fixtures/<name>/` is a Dockerfile, its build context and a
//! `fixture.toml`; or just the `fixture.toml` (and the `wrong-*` rewrites) when its `tree`
//! names a rule fixture `tests/fixtures/<group>/<name>` that the snapshot tests check too (one
//! tree for both suites, not a copy). build.rs generates the tests from the directory tree
//! ([`built`]): one `e2e_<test>` per fixture, which runs [`fixture`], and one per
//! `[[wrong]]` rewrite, which runs [`wrong_rewrite`]; what each does is the fixture's data.
//! A fixture's test copies the fixture twice, runs `dockopt --fix` on one copy and checks:
//! 1. both Dockerfiles build, and the fixed one differs from the original iff `changed`;
//! 2. the final images hold the same files (path, type, mode, owner, content), leaving out the
//!    Dockerfile and `.dockerignore` themselves (with `[differs]`: the images differ, and only
//!    where the fixture says);
//! 3. after a line is appended to `source_edit` in both copies, a rebuild of the fixed variant
//!    in the same storage root takes every step in `cached` from the layer cache, the rebuilt
//!    images are again the same, and the edited line is in them (not with `depth = "image"`).
//!
//! A wrong rewrite is a hand-written `wrong-*` Dockerfile that the rule rules out: the harness
//! must reject it the way its `fails` says (it does not build, its image differs, or its
//! install is not cached after a source edit).
//!
//! Fixtures with `real = "node" | "python" | "rust"` build on base images with the real
//! package managers (`realbase.sh`, `real.rs`) instead of the busybox base with stand-ins,
//! and may name documented-volatile output to normalise (`normalise.rs`).
//!
//! The two variants are built in separate storage roots: buildah 1.28 can reuse a cached
//! `COPY --from` layer even when the source stage changed. The tests skip (and pass), saying
//! why, without buildah or root, unless `CI=true` or `DOCKOPT_E2E_REQUIRED=1`. With
//! `DOCKOPT_E2E_TIMINGS=FILE`, each fixture appends a markdown row with its rebuild times
//! after the source edit.

mod exported;
mod normalise;
mod real;
mod support;
/// One test per e2e fixture and per wrong rewrite (build.rs, from `fixtures/*/fixture.toml`).
mod built {
    include!(concat!(env!("OUT_DIR"), "/e2e_tests.rs"));
}

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;

use normalise::Normalisation;
use real::RealBase;
use support::{e2e_ready, record_timings, scratch_dir, Buildah, Tree};

/// Marks the line appended to a fixture's `source_edit` file.
const EDIT_MARKER: &str = "dockopt-e2e source edit";

/// `fixture.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    /// What the fixture is about (shown in failures).
    about: String,
    /// The rule fixture `<group>/<name>` under tests/fixtures whose Dockerfile and context
    /// this fixture builds; absent: the fixture's own directory.
    tree: Option<String>,
    /// Whether `dockopt --fix` must change the Dockerfile; absent: either outcome is fine.
    changed: Option<bool>,
    /// The source file (relative to the fixture root) to append a line to.
    source_edit: String,
    /// Text of `RUN` steps that must come from the cache after the edit (first match each).
    #[serde(default)]
    cached: Vec<String>,
    /// The Dockerfile, relative to the fixture root.
    #[serde(default = "default_dockerfile")]
    dockerfile: String,
    /// The build context, relative to the fixture root; when set, dockopt gets `--context`.
    context: Option<String>,
    /// Paths the fixed context's `.dockerignore` must exclude.
    #[serde(default)]
    ignored: Vec<String>,
    /// Fixture paths stored under another name, renamed in place when the fixture is copied
    /// (`"app/host_node_modules" = "node_modules"` gives `app/node_modules`), so that no
    /// ignore file of this repository can drop them.
    #[serde(default)]
    rename: BTreeMap<String, String>,
    /// The real base image (`realbase.sh`) the fixture builds on; absent: the stand-in base.
    real: Option<RealBase>,
    /// Documented-volatile output the image comparison normalises (see `normalise.rs`).
    #[serde(default)]
    normalise: Vec<Normalisation>,
    /// Fixture paths that get the host's CA bundle (`CA_BUNDLE`, as in `realbase.sh`) when
    /// the fixture is copied: a `--cert FILE` in the context must trust the network's
    /// (possibly intercepting) proxy.
    #[serde(default)]
    host_ca: Vec<String>,
    /// Run `dockopt --fix --unsafe-fixes` (an unsafe fix, or to measure what it changes).
    #[serde(default)]
    unsafe_fixes: bool,
    /// The test's name after `e2e_`; default: the directory name. Read by build.rs only.
    #[allow(dead_code)]
    test: Option<String>,
    /// The hand-written test that builds this fixture (`exported.rs`), when no data can say
    /// what it checks: build.rs then generates no test of its own. Read by build.rs only.
    #[allow(dead_code)]
    custom: Option<String>,
    /// Image paths the final images must hold (what a step under test leaves, to show it ran).
    #[serde(default)]
    holds: Vec<String>,
    /// How far the fixture's test goes; default: with the source edit.
    #[serde(default)]
    depth: Depth,
    /// The rewrite's image is expected to differ from the original's, only where this says.
    differs: Option<Differs>,
    /// Build Docker-format images (`format = "docker"`): buildah ignores `SHELL` in its
    /// default OCI format; Docker honours it.
    #[serde(default)]
    format: ImageFormat,
    /// Hand-written wrong rewrites the harness must reject (one test each).
    #[serde(default)]
    wrong: Vec<Wrong>,
}

/// The image format the fixture's builds write (`format` in fixture.toml).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum ImageFormat {
    /// buildah's default.
    #[default]
    Oci,
    /// `--format docker`: `SHELL` is honoured.
    Docker,
}

/// `[differs]`: a measured difference (an unsafe fix). Patterns are globs over image paths;
/// the same list in both says exactly which paths differ.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Differs {
    /// Every differing path matches one of these.
    within: Vec<String>,
    /// Each of these matches at least one differing path.
    including: Vec<String>,
}

/// `[[wrong]]`: a hand-written rewrite that the rule rules out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wrong {
    /// The `wrong-*` Dockerfile in the fixture directory, built in place of the Dockerfile.
    dockerfile: String,
    /// The test's name after `e2e_`; default: `wrong_rewrite_is_caught_<fixture>_<file>`.
    /// Read by build.rs only.
    #[allow(dead_code)]
    test: Option<String>,
    /// How the harness must reject it.
    fails: Rejection,
    /// Why it is wrong (shown in failures).
    why: String,
    /// Image paths that must be among the differences (with `fails = "trees-differ"`).
    #[serde(default)]
    differs: Vec<String>,
}

/// How a wrong rewrite must fail the checks.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Rejection {
    /// The rewritten Dockerfile does not build.
    VariantBuild,
    /// The final images differ.
    TreesDiffer,
    /// The install is not cached after a source edit (checked with the edit).
    NotCached,
}

fn default_dockerfile() -> String {
    "Dockerfile".to_string()
}

struct Fixture {
    name: String,
    /// `tests/e2e/fixtures/<name>`: fixture.toml and the `wrong-*` rewrites.
    dir: PathBuf,
    /// The Dockerfile and its context: `dir`, or the rule fixture `meta.tree` names.
    tree: PathBuf,
    meta: Meta,
    /// The read-only image store of a real-tool fixture's base images.
    image_store: Option<real::ImageStore>,
}

impl Fixture {
    fn load(name: &str) -> Fixture {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/e2e/fixtures")
            .join(name);
        let toml_path = dir.join("fixture.toml");
        let text = fs::read_to_string(&toml_path)
            .unwrap_or_else(|e| panic!("read {}: {e}", toml_path.display()));
        let meta: Meta =
            toml::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", toml_path.display()));
        let tree = match &meta.tree {
            Some(shared) => Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures")
                .join(shared),
            None => dir.clone(),
        };
        assert!(tree.is_dir(), "{name}: no fixture tree {}", tree.display());
        Fixture {
            name: name.to_string(),
            dir,
            tree,
            meta,
            image_store: None,
        }
    }

    /// Loads the fixture and, for a real-tool fixture, makes sure its base image exists;
    /// `None` when the test is skipped.
    fn load_ready(name: &str) -> Option<Fixture> {
        let mut fx = Fixture::load(name);
        if let Some(base) = fx.meta.real {
            fx.image_store = Some(real::real_image_store(base)?);
            for normalisation in &fx.meta.normalise {
                eprintln!(
                    "[e2e] {name}: normalised: {normalisation:?}: {}",
                    normalisation.reason()
                );
            }
        }
        Some(fx)
    }

    /// A fresh storage root for building one variant of the fixture.
    fn builder(&self, variant: &str) -> Buildah {
        let label = format!("{}-{variant}", self.name);
        let builder = match &self.image_store {
            Some(store) => Buildah::with_image_store(&label, store),
            None => Buildah::new(&label),
        };
        builder.with_docker_format(self.meta.format == ImageFormat::Docker)
    }

    /// The final image `tag` of `builder`, normalised as the fixture says.
    fn tree(&self, builder: &Buildah, tag: &str) -> Tree {
        let normalise = &self.meta.normalise;
        builder
            .tree_normalised(tag, &|path, content| {
                normalise::apply_all(normalise, path, content)
            })
            .without_names(&self.names_left_out())
    }

    fn dockerfile(&self) -> &Path {
        Path::new(&self.meta.dockerfile)
    }

    fn context(&self) -> &Path {
        Path::new(self.meta.context.as_deref().unwrap_or("."))
    }

    fn tag(&self) -> String {
        format!("localhost/e2e-{}", self.name)
    }

    /// Copies the fixture (without `fixture.toml`, `case.toml` and the `wrong-*` rewrites) to
    /// `dest`.
    fn copy_to(&self, dest: &Path) {
        copy_tree(&self.tree, dest, Path::new(""), &self.meta.rename);
        let bundle = std::env::var_os("CA_BUNDLE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/etc/ssl/certs/ca-certificates.crt"));
        for path in &self.meta.host_ca {
            let target = dest.join(path);
            fs::create_dir_all(target.parent().expect("a file path")).expect("create a directory");
            fs::copy(&bundle, &target)
                .unwrap_or_else(|e| panic!("copy {} to {path}: {e}", bundle.display()));
            fs::set_permissions(&target, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
    }

    /// A copy of the fixture with its Dockerfile replaced by the fixture file `dockerfile`.
    fn copy_with_dockerfile(&self, dest: &Path, dockerfile: &str) {
        self.copy_to(dest);
        let source = self.dir.join(dockerfile);
        fs::copy(&source, dest.join(self.dockerfile()))
            .unwrap_or_else(|e| panic!("copy {}: {e}", source.display()));
    }

    fn names_left_out(&self) -> Vec<&str> {
        let dockerfile = self
            .dockerfile()
            .file_name()
            .and_then(|n| n.to_str())
            .expect("the Dockerfile has a UTF-8 name");
        vec![dockerfile, ".dockerignore", ".containerignore"]
    }
}

fn copy_tree(from: &Path, to: &Path, relative: &Path, rename: &BTreeMap<String, String>) {
    fs::create_dir_all(to).unwrap_or_else(|e| panic!("create {}: {e}", to.display()));
    fs::set_permissions(to, fs::Permissions::from_mode(0o755)).expect("chmod a directory");
    let mut items: Vec<_> = fs::read_dir(from)
        .unwrap_or_else(|e| panic!("read {}: {e}", from.display()))
        .map(|item| item.expect("read a directory entry"))
        .collect();
    items.sort_by_key(|item| item.file_name());
    for item in items {
        let name = item.file_name();
        let name = name.to_str().expect("fixture file names are UTF-8");
        let expectations = ["fixture.toml", "case.toml"];
        if relative.as_os_str().is_empty()
            && (expectations.contains(&name) || name.starts_with("wrong-"))
        {
            continue;
        }
        let source_relative = relative.join(name);
        let key = source_relative.to_str().expect("UTF-8 path");
        let target_name = match rename.get(key) {
            Some(renamed) => Path::new(renamed)
                .file_name()
                .expect("a rename target has a file name")
                .to_owned(),
            None => name.into(),
        };
        let target = to.join(target_name);
        let file_type = item.file_type().expect("stat a fixture file");
        if file_type.is_dir() {
            copy_tree(&item.path(), &target, &source_relative, rename);
        } else {
            fs::copy(item.path(), &target)
                .unwrap_or_else(|e| panic!("copy {}: {e}", item.path().display()));
            let executable = item.metadata().expect("stat").permissions().mode() & 0o111 != 0;
            let mode = if executable { 0o755 } else { 0o644 };
            fs::set_permissions(&target, fs::Permissions::from_mode(mode)).expect("chmod");
        }
    }
}

/// Every file under `dir` with its content, to see what `dockopt --fix` touched.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for item in fs::read_dir(&current).expect("read a directory") {
            let path = item.expect("read a directory entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let content = fs::read(&path).expect("read a file");
                files.insert(
                    path.strip_prefix(dir).expect("under dir").to_path_buf(),
                    content,
                );
            }
        }
    }
    files
}

/// Appends a comment line carrying [`EDIT_MARKER`] to `path`.
fn edit_source(path: &Path) {
    let mut text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    let comment = match path.extension().and_then(|e| e.to_str()) {
        Some("rs" | "js" | "mjs" | "cjs" | "ts" | "go" | "c" | "java") => "//",
        _ => "#",
    };
    text.push_str(&format!("{comment} {EDIT_MARKER}\n"));
    fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
}

/// How a variant failed the checks.
#[derive(Debug)]
enum Failure {
    /// The original Dockerfile did not build: the fixture itself is broken.
    OriginalBuild(String),
    /// The rewritten Dockerfile did not build.
    VariantBuild(String),
    /// The final images differ.
    TreesDiffer(String),
    /// After the source edit, a dependency install step was not served from the cache.
    NotCached(String),
    /// After the source edit, a rebuild failed, the images differ, or the edit is missing.
    EditedBuild(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, detail) = match self {
            Failure::OriginalBuild(d) => ("the original Dockerfile does not build", d),
            Failure::VariantBuild(d) => ("the rewritten Dockerfile does not build", d),
            Failure::TreesDiffer(d) => ("the final images differ", d),
            Failure::NotCached(d) => ("the install step is not cached after a source edit", d),
            Failure::EditedBuild(d) => ("the rebuild after a source edit is wrong", d),
        };
        write!(f, "{what}\n{detail}")
    }
}

/// Rebuild times after the source edit.
struct Timings {
    original: Duration,
    rewritten: Duration,
}

/// How far [`verify`] goes (`depth` in fixture.toml).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
enum Depth {
    /// Checks 1 and 2: both build, same final image (`"image"`).
    Image,
    /// Also check 3: the source edit, the cache and the rebuilt images (`"with-edit"`).
    #[default]
    WithEdit,
}

/// Builds the fixture copies `original` and `variant` (each in its own storage root) and runs
/// the checks. Edits the copies' `source_edit` file when `depth` is [`Depth::WithEdit`].
fn verify(fx: &Fixture, original: &Path, variant: &Path, depth: Depth) -> Result<Timings, Failure> {
    let tag = fx.tag();
    let (dockerfile, context) = (fx.dockerfile(), fx.context());
    let ((original_builder, original_build), (variant_builder, variant_build)) =
        std::thread::scope(|scope| {
            let first = scope.spawn(|| {
                let builder = fx.builder("original");
                let build = builder.build(original, dockerfile, context, &tag);
                (builder, build)
            });
            let second = scope.spawn(|| {
                let builder = fx.builder("rewritten");
                let build = builder.build(variant, dockerfile, context, &tag);
                (builder, build)
            });
            (
                first.join().expect("original build thread"),
                second.join().expect("rewritten build thread"),
            )
        });
    if !original_build.ok {
        return Err(Failure::OriginalBuild(original_build.tail(40)));
    }
    if !variant_build.ok {
        return Err(Failure::VariantBuild(variant_build.tail(40)));
    }
    let original_tree = fx.tree(&original_builder, &tag);
    let variant_tree = fx.tree(&variant_builder, &tag);
    // A measured difference (`[differs]`) is checked path by path: list all of it.
    let shown = if fx.meta.differs.is_some() {
        usize::MAX
    } else {
        SHOWN
    };
    compare(&original_tree, &variant_tree, shown).map_err(Failure::TreesDiffer)?;
    for path in &fx.meta.holds {
        assert!(
            variant_tree.0.contains_key(path),
            "{}: the image does not hold {path} ({})",
            fx.name,
            fx.meta.about
        );
    }
    if depth == Depth::Image {
        return Ok(Timings {
            original: original_build.duration,
            rewritten: variant_build.duration,
        });
    }

    edit_source(&original.join(&fx.meta.source_edit));
    edit_source(&variant.join(&fx.meta.source_edit));
    let original_rebuild = original_builder.build(original, dockerfile, context, &tag);
    let variant_rebuild = variant_builder.build(variant, dockerfile, context, &tag);
    if !original_rebuild.ok {
        return Err(Failure::OriginalBuild(original_rebuild.tail(40)));
    }
    if !variant_rebuild.ok {
        return Err(Failure::EditedBuild(format!(
            "rewritten Dockerfile:\n{}",
            variant_rebuild.tail(40)
        )));
    }
    for step in &fx.meta.cached {
        match variant_rebuild.run_step_cached(step) {
            Some(true) => {}
            Some(false) => {
                return Err(Failure::NotCached(format!(
                    "the first RUN step containing {step:?} ran again:\n{}",
                    variant_rebuild.log
                )))
            }
            None => {
                return Err(Failure::NotCached(format!(
                    "no RUN step contains {step:?}:\n{}",
                    variant_rebuild.log
                )))
            }
        }
    }
    let original_tree = fx.tree(&original_builder, &tag);
    let variant_tree = fx.tree(&variant_builder, &tag);
    compare(&original_tree, &variant_tree, SHOWN).map_err(Failure::EditedBuild)?;
    if variant_tree.files_marked().is_empty() {
        return Err(Failure::EditedBuild(format!(
            "no file of the rebuilt image contains the line appended to {}",
            fx.meta.source_edit
        )));
    }
    Ok(Timings {
        original: original_rebuild.duration,
        rewritten: variant_rebuild.duration,
    })
}

/// How many differences a failure lists.
const SHOWN: usize = 12;

fn compare(first: &Tree, second: &Tree, shown: usize) -> Result<(), String> {
    let differences = first.differences(second, shown);
    if differences.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "first: original, second: rewritten\n{}",
            differences.join("\n")
        ))
    }
}

/// Runs `dockopt --fix` on the fixture copy `root` (from inside it, with relative paths, as a
/// user would) and checks what it changed.
fn run_dockopt(fx: &Fixture, root: &Path) {
    let before = snapshot(root);
    let mut command = Command::new(env!("CARGO_BIN_EXE_dockopt"));
    command.current_dir(root).arg("--fix").arg(fx.dockerfile());
    if fx.meta.unsafe_fixes {
        command.arg("--unsafe-fixes");
    }
    if let Some(context) = &fx.meta.context {
        command.arg("--context").arg(context);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!(
        "[e2e] {}: dockopt --fix exited with {}\n{stdout}{stderr}",
        fx.name, out.status
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}: dockopt --fix failed ({}):\n{stdout}{stderr}",
        fx.name,
        out.status
    );

    let after = snapshot(root);
    let dockerfile = fx.dockerfile().to_path_buf();
    let may_change = [
        dockerfile.clone(),
        fx.context().join(".dockerignore"),
        PathBuf::from(format!("{}.dockerignore", fx.meta.dockerfile)),
    ];
    let touched: Vec<&PathBuf> = before
        .keys()
        .chain(after.keys())
        .filter(|path| before.get(*path) != after.get(*path))
        .collect();
    let changed = touched.contains(&&dockerfile);
    if let Some(expected) = fx.meta.changed {
        assert_eq!(
            changed,
            expected,
            "{}: expected dockopt --fix {} the Dockerfile ({})",
            fx.name,
            if expected {
                "to change"
            } else {
                "not to change"
            },
            fx.meta.about
        );
        if !expected {
            assert!(
                touched.is_empty(),
                "{}: dockopt --fix touched {touched:?} of an unchanged fixture",
                fx.name
            );
        }
    }
    for path in &touched {
        assert!(
            may_change
                .iter()
                .any(|allowed| normalize(allowed) == normalize(path)),
            "{}: dockopt --fix touched {}, which is neither the Dockerfile nor an ignore file",
            fx.name,
            path.display()
        );
    }
    if changed {
        eprintln!(
            "[e2e] {}: rewritten Dockerfile:\n{}",
            fx.name,
            String::from_utf8_lossy(&after[&dockerfile])
        );
    }
}

/// `./a/../b` -> `b`, lexically.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Whether `.dockerignore` in `context` excludes the top-level path `name` (the last matching
/// pattern wins; `name`, `/name`, `name/`, `**/name` and `**/name/**`-style lines count).
fn dockerignore_excludes(context: &Path, name: &str) -> bool {
    let Ok(text) = fs::read_to_string(context.join(".dockerignore")) else {
        return false;
    };
    let mut excluded = false;
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (negated, pattern) = match line.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, line),
        };
        let pattern = pattern.trim_start_matches('/');
        let pattern = pattern.strip_prefix("**/").unwrap_or(pattern);
        let pattern = pattern.trim_end_matches('/');
        let pattern = pattern.strip_suffix("/**").unwrap_or(pattern);
        if pattern == name {
            excluded = !negated;
        }
    }
    excluded
}

/// The generated test of the fixture `fixtures/<name>/`: `dockopt --fix` on a copy, then
/// [`verify`] to the fixture's `depth`, or the measured difference of its `[differs]`.
pub(crate) fn fixture(name: &str) {
    if !e2e_ready() {
        return;
    }
    let Some(fx) = Fixture::load_ready(name) else {
        return;
    };
    let scratch = scratch_dir(name);
    let original = scratch.path().join("original");
    let rewritten = scratch.path().join("rewritten");
    fx.copy_to(&original);
    fx.copy_to(&rewritten);
    run_dockopt(&fx, &rewritten);
    for path in &fx.meta.ignored {
        assert!(
            dockerignore_excludes(&rewritten.join(fx.context()), path),
            "{name}: after dockopt --fix, .dockerignore does not exclude {path} ({})",
            fx.meta.about
        );
    }
    if let Some(differs) = &fx.meta.differs {
        return check_differences(&fx, differs, &original, &rewritten);
    }
    match verify(&fx, &original, &rewritten, fx.meta.depth) {
        Ok(timings) if fx.meta.depth == Depth::WithEdit => {
            eprintln!(
                "[e2e] {name}: rebuild after the source edit: original {:.1}s, rewritten {:.1}s",
                timings.original.as_secs_f64(),
                timings.rewritten.as_secs_f64()
            );
            record_timings(name, timings.original, timings.rewritten);
        }
        Ok(_) => {}
        Err(failure) => panic!("{name} ({}): {failure}", fx.meta.about),
    }
}

/// A fixture whose rewrite is expected to build a different image: the differences are
/// measured; each must lie `within` the fixture's patterns, and each pattern of
/// `including` must match one.
fn check_differences(fx: &Fixture, differs: &Differs, original: &Path, rewritten: &Path) {
    let name = &fx.name;
    let text = match verify(fx, original, rewritten, Depth::Image) {
        Ok(_) => panic!(
            "{name}: the images are the same; [differs] expects a difference ({})",
            fx.meta.about
        ),
        Err(Failure::TreesDiffer(text)) => text,
        Err(other) => panic!("{name}: {other}"),
    };
    eprintln!("[e2e] {name}: {text}");
    let paths = differing_paths(&text);
    let within = globs(&differs.within);
    for pattern in &differs.including {
        let glob = globs(std::slice::from_ref(pattern));
        assert!(
            paths.iter().any(|p| glob.is_match(p)),
            "{name}: no difference matches {pattern:?}: {paths:?} ({})",
            fx.meta.about
        );
    }
    let beyond: Vec<&String> = paths.iter().filter(|p| !within.is_match(p)).collect();
    assert!(
        beyond.is_empty(),
        "{name}: differences beyond {:?}: {beyond:?}",
        differs.within
    );
}

/// The image paths of a [`Failure::TreesDiffer`] text.
fn differing_paths(text: &str) -> Vec<String> {
    let prefixes = [
        "differs: ",
        "only in the first image: ",
        "only in the second image: ",
    ];
    text.lines()
        .filter_map(|line| prefixes.iter().find_map(|p| line.strip_prefix(p)))
        .map(str::to_string)
        .collect()
}

fn globs(patterns: &[String]) -> globset::GlobSet {
    let mut set = globset::GlobSetBuilder::new();
    for pattern in patterns {
        set.add(globset::Glob::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")));
    }
    set.build().expect("a glob set")
}

/// The generated test of the wrong rewrite `dockerfile` of the fixture `name`: built in place
/// of the Dockerfile, it must be rejected as its `[[wrong]]` says.
pub(crate) fn wrong_rewrite(name: &str, dockerfile: &str) {
    if !e2e_ready() {
        return;
    }
    let Some(fx) = Fixture::load_ready(name) else {
        return;
    };
    let wrong = fx
        .meta
        .wrong
        .iter()
        .find(|w| w.dockerfile == dockerfile)
        .unwrap_or_else(|| panic!("{name}: no [[wrong]] names {dockerfile}"));
    let depth = match wrong.fails {
        Rejection::NotCached => Depth::WithEdit,
        Rejection::VariantBuild | Rejection::TreesDiffer => Depth::Image,
    };
    let scratch = scratch_dir(&format!("{name}-wrong"));
    let original = scratch.path().join("original");
    let variant = scratch.path().join("wrong");
    fx.copy_to(&original);
    fx.copy_with_dockerfile(&variant, dockerfile);
    let failure = match verify(&fx, &original, &variant, depth) {
        Ok(_) => panic!(
            "{name}/{dockerfile}: the harness accepted a wrong rewrite ({})",
            wrong.why
        ),
        Err(failure) => failure,
    };
    eprintln!("[e2e] {name}/{dockerfile} rejected: {failure}");
    let (rejected, detail) = match &failure {
        Failure::VariantBuild(d) => (Rejection::VariantBuild, d),
        Failure::TreesDiffer(d) => (Rejection::TreesDiffer, d),
        Failure::NotCached(d) => (Rejection::NotCached, d),
        Failure::OriginalBuild(_) | Failure::EditedBuild(_) => {
            panic!("{name}/{dockerfile}: rejected for another reason: {failure}")
        }
    };
    assert_eq!(
        rejected, wrong.fails,
        "{name}/{dockerfile} ({}): rejected as {rejected:?}, not {:?}:\n{failure}",
        wrong.why, wrong.fails
    );
    let paths = differing_paths(detail);
    for path in &wrong.differs {
        assert!(
            paths.contains(path),
            "{name}/{dockerfile}: {path} is not among the differences: {paths:?}"
        );
    }
}
