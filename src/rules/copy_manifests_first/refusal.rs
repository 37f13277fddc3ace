//! Why a rewrite is not made: one variant per condition of the rule, each
//! with the text shown to the user. `kind()` is the stable kind shown in
//! JSON, SARIF and summaries.

use std::fmt;

use crate::paths::CtxPath;

/// The stable kind of a refusal: JSON's `reason.kind`, the summary's keys.
/// Several refusals may share one ([`Refusal::Outside`] is a `layout`).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum RefusalKind {
    NeedsSource,
    LifecycleScript,
    Environment,
    WritesProject,
    Crossing,
    MissingManifest,
    Shell,
    Prelude,
    Layout,
    Clobber,
    NoContext,
    Flags,
    Unresolved,
    Onbuild,
    ContextTooLarge,
}

impl RefusalKind {
    pub const ALL: [RefusalKind; 15] = [
        RefusalKind::NeedsSource,
        RefusalKind::LifecycleScript,
        RefusalKind::Environment,
        RefusalKind::WritesProject,
        RefusalKind::Crossing,
        RefusalKind::MissingManifest,
        RefusalKind::Shell,
        RefusalKind::Prelude,
        RefusalKind::Layout,
        RefusalKind::Clobber,
        RefusalKind::NoContext,
        RefusalKind::Flags,
        RefusalKind::Unresolved,
        RefusalKind::Onbuild,
        RefusalKind::ContextTooLarge,
    ];

    /// The stable name (what serde writes).
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalKind::NeedsSource => "needs-source",
            RefusalKind::LifecycleScript => "lifecycle-script",
            RefusalKind::Environment => "environment",
            RefusalKind::WritesProject => "writes-project",
            RefusalKind::Crossing => "crossing",
            RefusalKind::MissingManifest => "missing-manifest",
            RefusalKind::Shell => "shell",
            RefusalKind::Prelude => "prelude",
            RefusalKind::Layout => "layout",
            RefusalKind::Clobber => "clobber",
            RefusalKind::NoContext => "no-context",
            RefusalKind::Flags => "flags",
            RefusalKind::Unresolved => "unresolved",
            RefusalKind::Onbuild => "onbuild",
            RefusalKind::ContextTooLarge => "context-too-large",
        }
    }

    /// The kind named `name`, if one is.
    pub fn from_name(name: &str) -> Option<RefusalKind> {
        RefusalKind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    /// How the summary names files left alone for this kind.
    pub fn label(self) -> &'static str {
        match self {
            RefusalKind::NeedsSource => "install needs the source",
            RefusalKind::LifecycleScript => "lifecycle scripts",
            RefusalKind::Environment => "install configured through the environment",
            RefusalKind::WritesProject => "install writes into the source copy",
            RefusalKind::Crossing => "steps between copy and install",
            RefusalKind::MissingManifest => "manifests missing",
            RefusalKind::Shell => "RUN not splittable",
            RefusalKind::Prelude => "commands before the install",
            RefusalKind::Layout => "layout not understood",
            RefusalKind::Clobber => "ignore entry would exclude copied files",
            RefusalKind::NoContext => "no build context",
            RefusalKind::Flags => "copy flags",
            RefusalKind::Unresolved => "unresolved variables",
            RefusalKind::Onbuild => "ONBUILD triggers (run in the child build)",
            RefusalKind::ContextTooLarge => "context too large to check",
        }
    }
}

impl fmt::Display for RefusalKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    /// A file the install reads is not in the build context: the file, when
    /// the refusal names one (it is missing, or excluded by the ignore file).
    MissingManifest { file: Option<CtxPath>, why: String },
    /// The RUN's shell text cannot be split safely.
    Shell(String),
    /// A command of the install's RUN that now runs before the copy (before
    /// the install, or what it falls back to with `||`) does not commute with it.
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
    /// A search of the build context stopped at its bound: the answer
    /// would come from part of the context.
    ContextTooLarge(String),
}

impl Refusal {
    /// The stable kind.
    pub fn kind(&self) -> RefusalKind {
        match self {
            Refusal::NeedsSource(_) => RefusalKind::NeedsSource,
            Refusal::LifecycleScript(_) => RefusalKind::LifecycleScript,
            Refusal::Environment(_) => RefusalKind::Environment,
            Refusal::WritesProject(_) => RefusalKind::WritesProject,
            Refusal::Crossing { .. } => RefusalKind::Crossing,
            Refusal::MissingManifest { .. } => RefusalKind::MissingManifest,
            Refusal::Shell(_) => RefusalKind::Shell,
            Refusal::Prelude(_) => RefusalKind::Prelude,
            Refusal::Layout(_) | Refusal::Outside(_) => RefusalKind::Layout,
            Refusal::Clobber(_) => RefusalKind::Clobber,
            Refusal::NoContext(_) => RefusalKind::NoContext,
            Refusal::Flags(_) => RefusalKind::Flags,
            Refusal::Unresolved(_) => RefusalKind::Unresolved,
            Refusal::Onbuild(_) => RefusalKind::Onbuild,
            Refusal::ContextTooLarge(_) => RefusalKind::ContextTooLarge,
        }
    }

    pub fn text(&self) -> &str {
        match self {
            Refusal::NeedsSource(t)
            | Refusal::LifecycleScript(t)
            | Refusal::Environment(t)
            | Refusal::WritesProject(t)
            | Refusal::Crossing { why: t, .. }
            | Refusal::MissingManifest { why: t, .. }
            | Refusal::Shell(t)
            | Refusal::Prelude(t)
            | Refusal::Layout(t)
            | Refusal::Outside(t)
            | Refusal::Clobber(t)
            | Refusal::NoContext(t)
            | Refusal::Flags(t)
            | Refusal::Unresolved(t)
            | Refusal::Onbuild(t)
            | Refusal::ContextTooLarge(t) => t,
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

    /// The context path a missing-manifest refusal names.
    pub fn missing_file(&self) -> Option<&CtxPath> {
        match self {
            Refusal::MissingManifest { file, .. } => file.as_ref(),
            _ => None,
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

    /// The kinds serialize to the names `as_str` gives (JSON stays as it was).
    #[test]
    fn kinds_serialize_to_their_stable_names() {
        for k in RefusalKind::ALL {
            let json = serde_json::to_value(k).unwrap();
            assert_eq!(json, k.as_str());
            assert_eq!(RefusalKind::from_name(k.as_str()), Some(k));
            assert_eq!(serde_json::from_value::<RefusalKind>(json).unwrap(), k);
        }
        assert_eq!(RefusalKind::from_name("unsafe-fix"), None);
    }

    #[test]
    fn outside_reports_as_layout_and_crossing_anchors_at_the_copy() {
        assert_eq!(Refusal::Outside("x".into()).kind(), RefusalKind::Layout);
        let crossing = Refusal::Crossing {
            at: Some(3),
            why: "x".into(),
        };
        assert_eq!(crossing.anchor(), Anchor::Copy);
        assert_eq!(crossing.blocking(), Some(3));
        assert_eq!(Refusal::Clobber("x".into()).anchor(), Anchor::Install);
        assert_eq!(Refusal::Shell("why".into()).text(), "why");
    }
}
