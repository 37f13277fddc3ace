//! Why a rewrite is not made: one variant per condition of the rule, each
//! with the text shown to the user. `kind()` is the stable name used in
//! JSON, SARIF and summaries.

use crate::rules::Reason;

/// Where a refusal is reported: at the source copy, or at the install's RUN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Copy,
    Install,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The install reads the source itself (`pip install .`, a local path dependency).
    NeedsSource(String),
    /// A lifecycle script of the install may read any file.
    LifecycleScript(String),
    /// The environment at the install names files or values dockopt cannot follow.
    Environment(String),
    /// The install writes into the directory the source copy fills.
    WritesProject(String),
    /// A step between the source copy and the install does not commute with
    /// the copy: the step (its instruction index, when it is one) and why.
    Crossing { at: Option<usize>, why: String },
    /// A file the install reads is not in the build context.
    MissingManifest(String),
    /// The RUN's shell text cannot be split safely.
    Shell(String),
    /// A command before the install in the same RUN does not commute with the copy.
    Prelude(String),
    /// The files do not map between the context and the image as the rewrite needs.
    Layout(String),
    /// The install runs outside the directory the source copy fills.
    Outside(String),
    /// The source copy would bring back what the install writes.
    Clobber(String),
    /// No build context to check against.
    NoContext(String),
    /// A flag of the source copy cannot be carried to the manifests copy.
    Flags(String),
    /// A value the rule needs cannot be resolved.
    Unresolved(String),
    /// The pattern is in ONBUILD triggers, which run in the child build.
    Onbuild(String),
}

impl Refusal {
    /// The stable kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            Refusal::NeedsSource(_) => "needs-source",
            Refusal::LifecycleScript(_) => "lifecycle-script",
            Refusal::Environment(_) => "environment",
            Refusal::WritesProject(_) => "writes-project",
            Refusal::Crossing { .. } => "crossing",
            Refusal::MissingManifest(_) => "missing-manifest",
            Refusal::Shell(_) => "shell",
            Refusal::Prelude(_) => "prelude",
            Refusal::Layout(_) | Refusal::Outside(_) => "layout",
            Refusal::Clobber(_) => "clobber",
            Refusal::NoContext(_) => "no-context",
            Refusal::Flags(_) => "flags",
            Refusal::Unresolved(_) => "unresolved",
            Refusal::Onbuild(_) => "onbuild",
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Refusal::NeedsSource(t)
            | Refusal::LifecycleScript(t)
            | Refusal::Environment(t)
            | Refusal::WritesProject(t)
            | Refusal::Crossing { why: t, .. }
            | Refusal::MissingManifest(t)
            | Refusal::Shell(t)
            | Refusal::Prelude(t)
            | Refusal::Layout(t)
            | Refusal::Outside(t)
            | Refusal::Clobber(t)
            | Refusal::NoContext(t)
            | Refusal::Flags(t)
            | Refusal::Unresolved(t)
            | Refusal::Onbuild(t) => t,
        }
    }

    /// The instruction the finding points at.
    pub fn anchor(&self) -> Anchor {
        match self {
            Refusal::Crossing { .. } | Refusal::Flags(_) | Refusal::Onbuild(_) => Anchor::Copy,
            _ => Anchor::Install,
        }
    }

    /// The instruction that blocks the move, when one does.
    pub fn blocking(&self) -> Option<usize> {
        match self {
            Refusal::Crossing { at, .. } => *at,
            _ => None,
        }
    }

    pub fn into_reason(self) -> Reason {
        Reason {
            kind: self.kind(),
            text: self.text().to_string(),
        }
    }
}

impl From<crate::readers::Refusal> for Refusal {
    fn from(r: crate::readers::Refusal) -> Refusal {
        use crate::readers::RefuseKind as K;
        match r.kind {
            K::NeedsSource => Refusal::NeedsSource(r.text),
            K::LifecycleScript => Refusal::LifecycleScript(r.text),
            K::Environment => Refusal::Environment(r.text),
            K::WritesProject => Refusal::WritesProject(r.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_reports_as_layout_and_crossing_anchors_at_the_copy() {
        assert_eq!(Refusal::Outside("x".into()).kind(), "layout");
        let crossing = Refusal::Crossing {
            at: Some(3),
            why: "x".into(),
        };
        assert_eq!(crossing.anchor(), Anchor::Copy);
        assert_eq!(crossing.blocking(), Some(3));
        assert_eq!(Refusal::Clobber("x".into()).anchor(), Anchor::Install);
        assert_eq!(Refusal::Shell("why".into()).into_reason().text, "why");
    }
}
