//! The one fixture harness.
//!
//! A rule fixture is a directory `tests/fixtures/<group>/<name>/`: a
//! Dockerfile, its build context and a `case.toml` that says what dockopt
//! must make of it. build.rs finds every such directory and generates one
//! test for it (`fixtures::<group>::<name>`), which runs [`fixture`]: a
//! directory without `case.toml`, or with a `case.toml` that names no run,
//! fails.
//!
//! `case.toml` holds one `[[run]]` per invocation:
//!
//! ```toml
//! [[run]]
//! args = ["--unsafe-fixes"]   # default: none
//! dockerfile = "Dockerfile"   # default
//! snapshot = "name"           # default: <fixture><args joined>
//! reasons = ["crossing"]      # the kinds of the findings left alone, in order
//! fixes = ["unsafe"]          # the applicability of the findings with a fix, in order
//! ```
//!
//! Every run goes through every check of [`check`] (diff mode, JSON,
//! `--fix`, fixed point, untouched lines, the diff as a patch for both
//! `git apply` and `patch -p1`) and is snapshotted into
//! `snapshots/<group>/<snapshot>.snap`. The named tests of the groups
//! (tests/rewrite.rs, tests/eco_*.rs, ...) add what a fixture is about with
//! [`checked`], which shares the run (each run is made once per process).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use serde_json::Value;

use super::{Output, Scratch};

/// The expectations file of a fixture directory (left out of its copies).
pub const CASE_FILE: &str = "case.toml";

/// `case.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    #[serde(rename = "run")]
    pub runs: Vec<Run>,
}

/// One invocation of dockopt on the fixture and what it must report.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default = "default_dockerfile")]
    pub dockerfile: String,
    /// The snapshot name; default `<fixture><args joined>`.
    pub snapshot: Option<String>,
    /// `reason.kind` of every finding left alone, in order.
    pub reasons: Vec<ReasonKind>,
    /// `applicability` of every finding with a fix, in order.
    pub fixes: Vec<Applicability>,
}

fn default_dockerfile() -> String {
    "Dockerfile".to_string()
}

/// The `reason.kind` values of the JSON output: the crate's own enum, whose
/// serialized names `kinds_serialize_to_their_stable_names` pins.
pub use dockopt::rules::RefusalKind as ReasonKind;

/// The `applicability` values of the JSON output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    Safe,
    Unsafe,
}

impl Run {
    fn snapshot_name(&self, fixture: &str) -> String {
        self.snapshot
            .clone()
            .unwrap_or_else(|| format!("{fixture}{}", self.args.join("")))
    }
}

impl Case {
    /// `tests/fixtures/<group>/<fixture>/case.toml`; panics naming the file
    /// when it is missing or wrong.
    pub fn load(group: &str, fixture: &str) -> Case {
        let path = super::fixture(group, fixture).join(CASE_FILE);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}: every fixture directory states what dockopt must make of it \
                 (see tests/support/case.rs)",
                path.display()
            )
        });
        let case: Case =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!case.runs.is_empty(), "{}: no [[run]]", path.display());
        case
    }
}

/// The generated test of one fixture: every run of its `case.toml` through
/// [`check`], the declared reasons and fixes, and the snapshot.
pub fn fixture(group: &str, fixture: &str) {
    let case = Case::load(group, fixture);
    let mut names = std::collections::BTreeSet::new();
    for run in &case.runs {
        let name = run.snapshot_name(fixture);
        assert!(
            names.insert(name.clone()),
            "{fixture}: two runs snapshot as {name}"
        );
        let args: Vec<&str> = run.args.iter().map(String::as_str).collect();
        let c = checked(group, fixture, &run.dockerfile, &args);
        let what = format!("{group}/{fixture} ({name})");
        let reasons: Vec<ReasonKind> = c.findings.iter().filter_map(reason_kind).collect();
        assert_eq!(reasons, run.reasons, "{what}: reasons\n{}", c.diff.stderr);
        let fixes: Vec<Applicability> = c.findings.iter().filter_map(applicability).collect();
        assert_eq!(fixes, run.fixes, "{what}: fixes\n{}", c.diff.stderr);
        insta::with_settings!({
            snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots").join(group),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, c.snapshot.clone());
        });
        super::engine::check(group, fixture, run, &c);
    }
}

fn reason_kind(f: &Value) -> Option<ReasonKind> {
    let kind = f["reason"]["kind"].as_str()?;
    Some(
        serde_json::from_value(Value::String(kind.to_string()))
            .unwrap_or_else(|e| panic!("reason kind {kind}: {e}")),
    )
}

fn applicability(f: &Value) -> Option<Applicability> {
    let a = f["applicability"].as_str()?;
    Some(
        serde_json::from_value(Value::String(a.to_string()))
            .unwrap_or_else(|e| panic!("applicability {a}: {e}")),
    )
}

/// What one run produced.
#[derive(Debug)]
pub struct Checked {
    /// The Dockerfile before.
    pub original: String,
    /// The Dockerfile after `--fix` (with the same arguments).
    pub fixed: String,
    /// Diff mode output.
    pub diff: Output,
    /// Findings from `--format json` (diff mode).
    pub findings: Vec<Value>,
    /// The snapshot text: the diff-mode run and the `--fix` exit code.
    pub snapshot: String,
    /// The fixed context's `.dockerignore` (empty when there is none).
    pub ignore: String,
    /// The build context the CLI chose, relative to the fixture (JSON `context`).
    pub context: String,
}

impl Checked {
    /// The `reason.kind` of every left-alone finding.
    pub fn reasons(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter_map(|f| f["reason"]["kind"].as_str().map(str::to_string))
            .collect()
    }

    /// The `reason.text` of the first left-alone finding.
    pub fn reason_text(&self) -> String {
        self.findings
            .iter()
            .find_map(|f| f["reason"]["text"].as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// The `applicability` of every finding with a fix.
    pub fn applicability(&self) -> Vec<String> {
        self.findings
            .iter()
            .filter_map(|f| f["applicability"].as_str().map(str::to_string))
            .collect()
    }
}

type Key = (String, String, String, Vec<String>);
/// Each run's result, computed by the first test that asks for it.
type Runs = Mutex<HashMap<Key, Arc<OnceLock<Arc<Checked>>>>>;

/// The checked run of `fixture` with `dockerfile` and `args`, made once per
/// process and shared by the generated test and the named ones. The run must
/// be declared in the fixture's `case.toml` (so that it is snapshotted).
pub fn checked(group: &str, fixture: &str, dockerfile: &str, args: &[&str]) -> Arc<Checked> {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let declared = Case::load(group, fixture)
        .runs
        .iter()
        .any(|r| r.dockerfile == dockerfile && r.args == args);
    assert!(
        declared,
        "{group}/{fixture}: declare the run `{} {dockerfile}` in its case.toml",
        args.join(" ")
    );
    let key = (
        group.into(),
        fixture.into(),
        dockerfile.into(),
        args.clone(),
    );
    let cell = RUNS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .entry(key)
        .or_default()
        .clone();
    cell.get_or_init(|| Arc::new(check(group, fixture, dockerfile, &args)))
        .clone()
}

/// A run of dockopt on a fresh copy of the fixture.
struct Runner<'a> {
    group: &'a str,
    fixture: &'a str,
    dockerfile: &'a str,
    args: &'a [String],
}

impl Runner<'_> {
    fn copy(&self) -> Scratch {
        Scratch::of_fixture(self.group, self.fixture)
    }

    /// `dockopt EXTRA ARGS DOCKERFILE` in `dir`.
    fn run(&self, dir: &Scratch, extra: &[&str]) -> Output {
        let mut a: Vec<&str> = extra.to_vec();
        a.extend(self.args.iter().map(String::as_str));
        a.push(self.dockerfile);
        dir.run(&a)
    }

    fn shown(&self) -> String {
        let mut a: Vec<&str> = self.args.iter().map(String::as_str).collect();
        a.push(self.dockerfile);
        a.join(" ")
    }

    /// Whether `--fix` applies the finding `f` with these arguments.
    fn applies(&self, f: &Value) -> bool {
        let unsafe_ok = self.args.iter().any(|a| a == "--unsafe-fixes");
        f["reason"].is_null()
            && match f["applicability"].as_str() {
                Some("safe") => true,
                Some("unsafe") => unsafe_ok,
                _ => false,
            }
    }
}

/// Run every in-code check on one run of a fixture (no snapshot):
/// - diff mode writes nothing; `--format json` writes nothing, has the same
///   exit code, the Dockerfile's path and the same diff; an unsafe fix says why;
///   exit 1 iff there is a diff (the gate contract);
/// - `--fix` prints nothing, exits 0, changes files iff there is a diff, and
///   a diff comes from a fix `--fix` applies;
/// - fixed point: a second `--fix` changes nothing, a second run proposes no
///   diff, exits 0 and has no finding `--fix` would apply;
/// - untouched lines: with the lines of each applied finding's COPY (C) and
///   install RUN (R) taken out, the original appears in the output byte for
///   byte and in order, and C's text is in the output unchanged;
/// - the printed diff is a patch: `git apply` and `patch -p1` on fresh copies
///   give exactly the tree `--fix` gives, a created ignore file included.
pub fn check(group: &str, fixture: &str, dockerfile: &str, args: &[String]) -> Checked {
    let r = Runner {
        group,
        fixture,
        dockerfile,
        args,
    };
    let work = r.copy();
    let before = work.tree();
    let original = String::from_utf8(work.read(dockerfile)).expect("fixture is UTF-8");
    let (diff, findings, context) = check_diff_and_json(&r, &work, &before);
    let fixed_dir = r.copy();
    let fix = check_fix(&r, &fixed_dir, &before, &diff, &findings);
    let after = fixed_dir.tree();
    let fixed = String::from_utf8(fixed_dir.read(dockerfile)).unwrap();
    if diff.stdout.is_empty() {
        assert_eq!(
            fixed, original,
            "{fixture}: no diff, but --fix changed the file"
        );
    }
    check_fixed_point(&r, &fixed_dir, &after, &diff);
    let touched = super::touched_lines(
        fixture,
        &original,
        &fixed,
        findings.iter().filter(|f| r.applies(f)),
    );
    super::assert_untouched(fixture, &original, &fixed, &touched);
    if !diff.stdout.is_empty() {
        check_patch(&r, &diff.stdout, &after);
    }

    let df_dir = Path::new(dockerfile)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ignore_rel = if df_dir.is_empty() {
        ".dockerignore".to_string()
    } else {
        format!("{df_dir}/.dockerignore")
    };
    let ignore = std::fs::read_to_string(fixed_dir.path(&ignore_rel)).unwrap_or_default();
    let shown = r.shown();
    let mut snapshot = diff.render(&format!("dockopt {shown}"));
    snapshot.push_str(&format!("--- dockopt --fix {shown}: exit {}\n", fix.code));
    Checked {
        original,
        fixed,
        diff,
        findings,
        snapshot,
        ignore,
        context,
    }
}

/// Diff mode and `--format json` on `work`: the outputs and the findings.
fn check_diff_and_json(
    r: &Runner,
    work: &Scratch,
    before: &super::Tree,
) -> (Output, Vec<Value>, String) {
    let fixture = r.fixture;
    let diff = r.run(work, &[]);
    assert!(
        matches!(diff.code, 0 | 1),
        "{fixture}: exit {}\n{}",
        diff.code,
        diff.stderr
    );
    assert_eq!(&work.tree(), before, "{fixture}: diff mode wrote files");

    let json = r.run(work, &["--format", "json"]);
    assert_eq!(json.code, diff.code, "{fixture}: JSON exit code");
    let v: Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("{fixture}: JSON output: {e}\n{}", json.stdout));
    let file = &v["files"][0];
    assert_eq!(file["path"], r.dockerfile, "{fixture}: JSON path");
    assert_eq!(
        file["diff"].as_str().unwrap_or(""),
        diff.stdout,
        "{fixture}: JSON diff differs from the text diff"
    );
    let findings = file["findings"].as_array().cloned().unwrap_or_default();
    for f in &findings {
        assert_eq!(
            f["applicability"] == "unsafe",
            f["unsafe_reason"].is_string(),
            "{fixture}: every unsafe fix says why, and only those: {f}"
        );
    }
    assert_eq!(
        diff.code == 1,
        !diff.stdout.is_empty(),
        "{fixture}: exit 1 iff the run would change a file (the gate contract)"
    );
    assert_eq!(&work.tree(), before, "{fixture}: JSON mode wrote files");
    let context = file["context"]
        .as_str()
        .unwrap_or_else(|| panic!("{fixture}: no JSON context"))
        .to_string();
    (diff, findings, context)
}

/// `--fix` on `fixed_dir`: prints nothing, exits 0, changes files iff
/// there is a diff, and only with a fix it applies.
fn check_fix(
    r: &Runner,
    fixed_dir: &Scratch,
    before: &super::Tree,
    diff: &Output,
    findings: &[Value],
) -> Output {
    let fixture = r.fixture;
    let fix = r.run(fixed_dir, &["--fix"]);
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
    if diff.stdout.is_empty() {
        assert_eq!(
            &after, before,
            "{fixture}: no diff, but --fix changed files"
        );
    } else {
        assert_ne!(
            &after, before,
            "{fixture}: a diff, but --fix changed nothing"
        );
        assert!(
            findings.iter().any(|f| r.applies(f)),
            "{fixture}: a diff without a fix"
        );
    }
    fix
}

/// A second `--fix` changes nothing; a second run proposes no diff, exits 0
/// (the stage now counts as optimized) and has no finding `--fix` applies.
fn check_fixed_point(r: &Runner, fixed_dir: &Scratch, after: &super::Tree, diff: &Output) {
    let fixture = r.fixture;
    let again = r.run(fixed_dir, &["--fix"]);
    assert!(
        matches!(again.code, 0 | 1),
        "{fixture}: second --fix: {}",
        again.stderr
    );
    assert_eq!(
        super::tree_diff(&fixed_dir.tree(), after),
        "",
        "{fixture}: a second --fix changed files"
    );
    let recheck = r.run(fixed_dir, &[]);
    assert_eq!(
        recheck.stdout, "",
        "{fixture}: a second run proposes a diff"
    );
    let json = r.run(fixed_dir, &["--format", "json"]);
    let v: Value = serde_json::from_str(&json.stdout)
        .unwrap_or_else(|e| panic!("{fixture}: second JSON output: {e}\n{}", json.stdout));
    let file = &v["files"][0];
    assert_eq!(
        file["diff"].as_str().unwrap_or(""),
        "",
        "{fixture}: a second run proposes a diff (JSON)"
    );
    if !diff.stdout.is_empty() {
        assert_eq!(
            recheck.code, 0,
            "{fixture}: after --fix the stage is not seen as optimized:\n{}",
            recheck.stderr
        );
    }
    let left = file["findings"].as_array().cloned().unwrap_or_default();
    assert!(
        left.iter().all(|f| !r.applies(f)),
        "{fixture}: the fixed file still has a fixable finding: {left:?}"
    );
}

/// The printed diff applied with `git apply` and with `patch -p1` on fresh
/// copies gives exactly the `--fix` tree.
fn check_patch(r: &Runner, patch: &str, after: &super::Tree) {
    let fixture = r.fixture;
    let g = r.copy();
    super::git_apply(&g.dir, patch).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    assert_eq!(
        super::tree_diff(&g.tree(), after),
        "",
        "{fixture}: git apply of the diff differs from --fix"
    );
    assert!(
        super::have("patch"),
        "`patch` is not installed: the diff must be checked with patch -p1"
    );
    let p = r.copy();
    super::patch_p1(&p.dir, patch).unwrap_or_else(|e| panic!("{fixture}: {e}"));
    assert_eq!(
        super::tree_diff(&p.tree(), after),
        "",
        "{fixture}: patch -p1 of the diff differs from --fix"
    );
}
