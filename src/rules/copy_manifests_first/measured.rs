//! Deps-only steps measured to leave the same image in an exported stage
//! (issue 12, class 7). A preset's deps-only step that is `unsafe-when-exported`
//! names, in `safe-exported-with`, the install flags under which real builds
//! showed the rewritten image to be the original's (none: under any flags),
//! in `safe-exported-needs` the manifests the install must read for the
//! measurement to hold, and in `safe-exported-unless` the words of a setting
//! that would undo it (cargo: `--release`, unless `incremental` is set
//! anywhere; `cargo install --path`, with `Cargo.lock`; composer: with `composer.lock`,
//! unless it lists a `composer-plugin` or the project has package-event
//! scripts). One of the first two declares a measurement. The evidence: the
//! e2e fixtures `tests/e2e/fixtures/real-{cargo,composer}-exported*` build
//! both. "The same image" tolerates one difference, where measured: the
//! tool's own download cache, which the original fills too (`cargo fetch`
//! also downloads the crates of other platforms).

use crate::preset::DepsOnly;
use crate::rules::RuleContext;

use super::candidate::Candidate;
use super::paths::CtxPath;

/// What the measurement of a deps-only step says of one install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Measured {
    /// The preset declares no measurement, or not for the install's flags.
    No,
    /// Measured to build the same image: the fix is not unsafe for being exported.
    SameImage,
    /// The measurement needs this manifest, which the install does not read.
    Lacks(String),
    /// `word` (in `file`: the Dockerfile or a manifest) voids the measurement.
    Voided { word: String, file: String },
}

impl Measured {
    pub fn same_image(&self) -> bool {
        *self == Measured::SameImage
    }

    /// `reason` (why the step is unsafe) with what voided the measurement, if anything did.
    pub fn explain(&self, reason: String) -> String {
        match self {
            Measured::No | Measured::SameImage => reason,
            Measured::Lacks(name) => {
                format!("{reason}; it was measured to build the same image only with {name}")
            }
            Measured::Voided { word, file } => format!(
                "{reason}; it was measured to build the same image, but `{word}` in {file} voids that"
            ),
        }
    }
}

/// Is the deps-only step `d` of this install one measured to build the same
/// image, so that its being exported does not make the fix unsafe?
/// `manifests` are the context paths the install reads.
pub fn measure(
    rc: &RuleContext,
    cand: &Candidate,
    d: &DepsOnly,
    manifests: &[CtxPath],
) -> Measured {
    if d.always_unsafe || !d.unsafe_when_exported {
        return Measured::No;
    }
    if d.safe_exported_with.is_empty() && d.safe_exported_needs.is_empty() {
        return Measured::No; // nothing was measured
    }
    let flags = &cand.install.m.flags;
    if !d.safe_exported_with.is_empty() && !d.safe_exported_with.iter().any(|f| flags.contains(f)) {
        return Measured::No;
    }
    let file_name = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
    let read: Vec<String> = manifests.iter().map(|f| file_name(f.as_str())).collect();
    if let Some(name) = d.safe_exported_needs.iter().find(|n| !read.contains(n)) {
        return Measured::Lacks(name.clone());
    }
    let voiding = |text: &str| {
        let lower = text.to_ascii_lowercase();
        d.safe_exported_unless
            .iter()
            .find(|w| lower.contains(&w.to_ascii_lowercase()))
            .cloned()
    };
    if let Some(word) = voiding(rc.model.src) {
        let file = "the Dockerfile".to_string();
        return Measured::Voided { word, file };
    }
    let Some(ctx) = rc.ctx else {
        return Measured::No;
    };
    for f in manifests {
        match ctx.read_to_string(f.as_str()) {
            None => return Measured::No,
            Some(text) => {
                if let Some(word) = voiding(&text) {
                    return Measured::Voided {
                        word,
                        file: f.as_str().to_string(),
                    };
                }
            }
        }
    }
    Measured::SameImage
}
