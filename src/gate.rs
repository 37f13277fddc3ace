//! The CI-gate contract: which outcomes make a run exit 1.
//!
//! Like a formatter's `--check`: a run fails only when it would change a
//! file. Findings dockopt leaves alone are notes; they fail the run only
//! with `--exit-non-zero-on-finding`. Unused suppressions fail it with
//! `--strict`. Errors (exit 2) are decided by the caller.

use crate::engine::Outcome;
use crate::report::Mode;

/// The exit-status table, shown by `--help` (and copied in the README).
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  mode         file would change   left alone / unsafe fix not enabled   error
  (diff)       1                   0 (note on stderr)                    2
  --check      1                   0 (note on stderr)                    2
  --fix        0 (written)         0 (note on stderr)                    2
  With --exit-non-zero-on-finding, a left-alone finding (or an unsafe fix not
  enabled) exits 1 in every mode. With --strict, an unused or misplaced
  `# dockopt: ignore` exits 1. A suppressed finding is not reported. 2 wins over 1.";

/// How the gate sees the run.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub mode: Mode,
    pub exit_non_zero_on_finding: bool,
    pub strict: bool,
}

/// How a finding counts (`change` or `note` in JSON).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// This run changes (or, in `--fix`, changed) the file for it.
    Change,
    /// Left alone: a reason, or an unsafe fix not enabled.
    Note,
}

impl Level {
    /// `applied`: the engine takes the finding's fix in this run.
    pub fn of(applied: bool) -> Level {
        if applied {
            Level::Change
        } else {
            Level::Note
        }
    }

    /// The SARIF `level`.
    pub fn sarif(self) -> &'static str {
        match self {
            Level::Change => "warning",
            Level::Note => "note",
        }
    }
}

/// The exit code one processed file contributes: 0 or 1.
pub fn file_code(o: &Outcome, p: &Policy) -> u8 {
    let would_change = o.fixed.is_some() || o.ignore.is_some();
    let notes = o.applied.iter().any(|applied| !applied);
    let fails = (would_change && p.mode != Mode::Fix)
        || (notes && p.exit_non_zero_on_finding)
        || (p.strict && !o.suppressions.unused.is_empty());
    u8::from(fails)
}
