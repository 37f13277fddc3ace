//! Rules: read the model, presets and build context; push findings, each
//! with an optional fix. Rules do no I/O of their own.

pub mod copy_manifests_first;

use crate::context::BuildContext;
use crate::edit::{Applicability, Fix};
use crate::model::Model;
use crate::preset::Presets;

/// What a rule gets.
pub struct RuleContext<'a> {
    pub model: &'a Model<'a>,
    pub presets: &'a Presets,
    /// `None` when there is no build context (stdin without `--context`).
    pub ctx: Option<&'a BuildContext>,
}

/// Why a rewrite was not made. `kind` is stable (JSON, summaries).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Reason {
    pub kind: &'static str,
    pub text: String,
}

/// One finding.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static str,
    /// 1-based line the finding is about.
    pub line: usize,
    pub message: String,
    pub fix: Option<Fix>,
    /// Set when the pattern is there but the file is left alone.
    pub reason: Option<Reason>,
}

impl Finding {
    pub fn applicability(&self) -> Option<Applicability> {
        self.fix.as_ref().map(|f| f.applicability)
    }
}

/// A rule's documentation, printed by `dockopt rule NAME`.
pub struct RuleInfo {
    pub name: &'static str,
    pub summary: &'static str,
    pub doc: &'static str,
    pub check: fn(&RuleContext) -> Vec<Finding>,
}

/// Every rule, in the order they run.
pub const RULES: &[RuleInfo] = &[copy_manifests_first::INFO];

/// Run the enabled rules.
pub fn check(rc: &RuleContext, disabled: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    for r in RULES {
        if !disabled.iter().any(|d| d == r.name) {
            out.extend((r.check)(rc));
        }
    }
    out.sort_by_key(|f| f.line);
    out
}

pub fn find(name: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.name == name)
}
