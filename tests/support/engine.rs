//! The engine test, in the style of ruff's `test.rs`: every run of every
//! fixture (tests/support/case.rs) goes through `engine::process` in
//! process, in default mode and with unsafe fixes, and
//! - the fixes agree with their declared availability: a finding left alone
//!   has no fix and is never applied; default mode applies only safe fixes,
//!   `--unsafe-fixes` safe and unsafe ones; a rewrite comes from an applied
//!   fix, and an available fix is applied (unless another one overlaps it);
//! - the rewritten file parses with no `Unknown` instruction;
//! - it converges: the rewritten file, with its ignore change written, gives
//!   no further change and no finding the mode would apply;
//! - in the run's own mode the result is the file the CLI's `--fix` wrote.

use std::path::{Path, PathBuf};

use dockopt::context::BuildContext;
use dockopt::edit::Applicability;
use dockopt::engine::{self, Options, Outcome};
use dockopt::preset::Presets;
use dockopt::syntax::{self, Keyword};

use super::case::{Checked, Run};
use super::Scratch;

/// The arguments of a run the engine test knows (any other one fails, so a
/// new argument gets handled here).
struct Mode {
    unsafe_fixes: bool,
    preset_dirs: Vec<String>,
}

fn mode(run: &Run) -> Mode {
    let mut m = Mode {
        unsafe_fixes: false,
        preset_dirs: Vec::new(),
    };
    let mut args = run.args.iter();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--unsafe-fixes" => m.unsafe_fixes = true,
            "--preset-dir" => m
                .preset_dirs
                .push(args.next().expect("--preset-dir DIR").clone()),
            other => panic!("tests/support/engine.rs does not know the argument {other}"),
        }
    }
    m
}

/// Every engine check on one run of `fixture`; `cli` is the CLI's checked run.
pub fn check(group: &str, fixture: &str, run: &Run, cli: &Checked) {
    let m = mode(run);
    for unsafe_fixes in [false, true] {
        let what = format!("{group}/{fixture} (engine, unsafe fixes: {unsafe_fixes})");
        let copy = Scratch::of_fixture(group, fixture);
        let presets = presets(&copy, &m);
        let opts = Options {
            presets: &presets,
            unsafe_fixes,
            disabled_rules: &[],
        };
        let df = copy.path(&run.dockerfile);
        let text = String::from_utf8(copy.read(&run.dockerfile)).expect("UTF-8");
        let root = copy.path(&cli.context);
        let ctx = BuildContext::open(&root, &df).unwrap_or_else(|e| panic!("{what}: {e:#}"));
        let out =
            engine::process(&text, Some(&ctx), &opts).unwrap_or_else(|e| panic!("{what}: {e:#}"));
        availability(&what, &out, unsafe_fixes);
        let fixed = out.fixed.clone().unwrap_or_else(|| text.clone());
        no_unknown_instruction(&what, &text, &fixed);
        if unsafe_fixes == m.unsafe_fixes {
            assert_eq!(fixed, cli.fixed, "{what}: differs from the CLI's --fix");
        }
        converges(&what, &copy, &df, &root, &out, &opts);
    }
}

fn presets(copy: &Scratch, m: &Mode) -> Presets {
    if m.preset_dirs.is_empty() {
        return Presets::builtin();
    }
    let dirs: Vec<PathBuf> = m.preset_dirs.iter().map(|d| copy.path(d)).collect();
    Presets::load(&dirs).expect("the fixture's presets load")
}

/// Applied fixes are those the mode allows, and a rewrite comes from one.
fn availability(what: &str, out: &Outcome, unsafe_fixes: bool) {
    let allowed = |a: Option<Applicability>| match a {
        Some(Applicability::Safe) => true,
        Some(Applicability::Unsafe) => unsafe_fixes,
        None => false,
    };
    for (f, &applied) in out.findings.iter().zip(&out.applied) {
        assert!(
            f.refusal.is_none() || f.fix.is_none(),
            "{what}: a finding left alone carries a fix: {}",
            f.message
        );
        if applied {
            assert!(
                allowed(f.applicability()),
                "{what}: applied a fix the mode does not allow ({:?}): {}",
                f.applicability(),
                f.message
            );
        }
    }
    let any_applied = out.applied.iter().any(|&a| a);
    let any_available = out.findings.iter().any(|f| allowed(f.applicability()));
    assert_eq!(
        any_applied, any_available,
        "{what}: fixes available and fixes applied disagree"
    );
    assert_eq!(
        out.fixed.is_some(),
        any_applied,
        "{what}: a rewrite without an applied fix, or an applied fix without a rewrite"
    );
    assert!(
        out.ignore.is_none() || any_applied,
        "{what}: an ignore change without an applied fix"
    );
}

/// No `Unknown` instruction in the rewritten file (unless the original had one).
fn no_unknown_instruction(what: &str, original: &str, fixed: &str) {
    let unknown = |text: &str| {
        syntax::parse(text.as_bytes())
            .instructions()
            .filter(|i| i.kind == Keyword::Unknown)
            .count()
    };
    if unknown(original) == 0 {
        assert_eq!(
            unknown(fixed),
            0,
            "{what}: an Unknown instruction in\n{fixed}"
        );
    }
}

/// Written back (with the ignore change), the result is a fixed point.
fn converges(what: &str, copy: &Scratch, df: &Path, root: &Path, out: &Outcome, opts: &Options) {
    let Some(fixed) = &out.fixed else {
        return;
    };
    std::fs::write(df, fixed).unwrap();
    if let Some(ignore) = &out.ignore {
        let path = if ignore.path.is_absolute() {
            ignore.path.clone()
        } else {
            copy.dir.join(&ignore.path)
        };
        std::fs::write(path, ignore.new_text()).unwrap();
    }
    let ctx = BuildContext::open(root, df).unwrap_or_else(|e| panic!("{what}: {e:#}"));
    let again =
        engine::process(fixed, Some(&ctx), opts).unwrap_or_else(|e| panic!("{what}: {e:#}"));
    assert_eq!(again.fixed, None, "{what}: a second pass rewrites again");
    assert!(
        again.ignore.is_none(),
        "{what}: a second pass changes the ignore file again"
    );
    assert!(
        !again.applied.iter().any(|&a| a),
        "{what}: a second pass still applies a fix"
    );
}
