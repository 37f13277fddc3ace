//! Rules: read the model, presets and build context; push findings, each
//! with an optional fix. Rules do no I/O of their own.

pub mod copy_manifests_first;
#[cfg(test)]
mod fn_length;

/// Why a rewrite was not made: `kind()` is stable (JSON, summaries), `text()`
/// the sentence shown.
pub use copy_manifests_first::refusal::{Refusal, RefusalKind};

use crate::context::BuildContext;
use crate::edit::{Applicability, Fix};
use crate::model::Model;
use crate::preset::Presets;
use crate::syntax::{Instruction, Span};

/// What a rule gets.
pub struct RuleContext<'a> {
    pub model: &'a Model<'a>,
    pub presets: &'a Presets,
    /// `None` when there is no build context (stdin without `--context`).
    pub ctx: Option<&'a BuildContext>,
    /// After a round of fixes: where this text's places were in the file as
    /// read (`None` in the first round).
    pub origin: Option<&'a crate::origin::Origin>,
}

impl RuleContext<'_> {
    /// The line `ins` starts on in the file as read (messages name it).
    pub fn line(&self, ins: &Instruction) -> usize {
        let Some(origin) = self.origin else {
            return ins.start_line;
        };
        let src = self.model.src;
        let span = origin.map(src, instruction_range(ins, src));
        line_of(origin.original(src), span.start)
    }
}

/// What a related place is to a diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelatedKind {
    /// The source copy (when the diagnostic points at the install).
    SourceCopy,
    /// The install's RUN.
    Install,
    /// A step the source copy cannot move past.
    BlockingStep,
    /// A step the fix moves after the install with the source copy.
    MovedStep,
}

impl RelatedKind {
    /// The message of a SARIF related location.
    pub fn describe(self) -> &'static str {
        match self {
            RelatedKind::SourceCopy => "the source copy",
            RelatedKind::Install => "the install",
            RelatedKind::BlockingStep => "the step the source copy cannot move past",
            RelatedKind::MovedStep => "a step the fix moves with the source copy",
        }
    }
}

/// Another place a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub kind: RelatedKind,
}

/// One finding. Its spans are byte ranges of the file as read (the engine
/// maps those of later rounds back to it).
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub rule: &'static str,
    /// The instruction the finding points at (the source copy; the install's
    /// RUN for refusals about the install).
    pub range: Span,
    /// The other instructions it is about (the install, a blocking step).
    pub related: Vec<Related>,
    pub message: String,
    pub fix: Option<Fix>,
    /// Set when the pattern is there but the file is left alone.
    pub refusal: Option<Refusal>,
}

impl Diagnostic {
    pub fn applicability(&self) -> Option<Applicability> {
        self.fix.as_ref().map(|f| f.applicability)
    }

    /// 1-based line of the finding in `src`, the text its spans index.
    pub fn line(&self, src: &str) -> usize {
        line_of(src, self.range.start)
    }
}

/// 1-based line of byte offset `at` in `src`.
pub fn line_of(src: &str, at: usize) -> usize {
    memchr::memchr_iter(b'\n', &src.as_bytes()[..at.min(src.len())]).count() + 1
}

/// An instruction's range as a diagnostic shows it: from its keyword to the
/// end of its last line, without the line break.
pub fn instruction_range(ins: &Instruction, src: &str) -> Span {
    let text = &src[ins.keyword.start..ins.span.end];
    let end = ins.keyword.start + text.trim_end_matches(['\r', '\n']).len();
    Span::new(ins.keyword.start, end.max(ins.keyword.end))
}

/// A rule's documentation, printed by `dockopt rule NAME`.
pub struct RuleInfo {
    pub name: &'static str,
    pub summary: &'static str,
    pub doc: &'static str,
    pub check: fn(&RuleContext) -> Vec<Diagnostic>,
}

/// Every rule, in the order they run.
pub const RULES: &[RuleInfo] = &[copy_manifests_first::INFO];

/// Run the enabled rules.
pub fn check(rc: &RuleContext, disabled: &[String]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for r in RULES {
        if !disabled.iter().any(|d| d == r.name) {
            out.extend((r.check)(rc));
        }
    }
    out.sort_by_key(|f| f.range.start);
    out
}

pub fn find(name: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instruction_range_runs_from_the_keyword_to_the_last_line_without_its_break() {
        let src = "FROM node\n  COPY . \\\n   .\r\nRUN x\n";
        let df = crate::syntax::parse(src.as_bytes());
        let ins: Vec<_> = df.instructions().collect();
        let r = instruction_range(ins[1], src);
        assert_eq!(&src[r.range()], "COPY . \\\n   .");
        assert_eq!(line_of(src, r.start), 2);
        assert_eq!(line_of(src, instruction_range(ins[2], src).start), 4);
        assert_eq!(line_of(src, src.len()), 5);
    }
}
