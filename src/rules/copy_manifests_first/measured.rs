//! Deps-only steps measured to leave the same image in an exported stage
//! (issue 12, class 7). A preset's deps-only step that is `unsafe-when-exported`
//! names, in `safe-exported-with`, the install flags under which real builds
//! showed the rewritten image to be the original's, and in
//! `safe-exported-unless` the words of a setting that would undo the
//! measurement (cargo: `--release`, unless `incremental` is set anywhere).
//! The evidence is a test that builds both (`tests/e2e/exported.rs`).

use crate::preset::DepsOnly;
use crate::rules::RuleContext;

use super::candidate::Candidate;
use super::paths::CtxPath;

/// Is the deps-only step `d` of this install one measured to build the same
/// image, so that its being exported does not make the fix unsafe?
/// `manifests` are the context paths the install reads.
pub fn same_image(rc: &RuleContext, cand: &Candidate, d: &DepsOnly, manifests: &[CtxPath]) -> bool {
    if d.always_unsafe || !d.unsafe_when_exported {
        return false;
    }
    let flags = &cand.install.m.flags;
    if !d.safe_exported_with.iter().any(|f| flags.contains(f)) {
        return false;
    }
    let words: Vec<String> = d
        .safe_exported_unless
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect();
    let mentions = |text: &str| {
        let lower = text.to_ascii_lowercase();
        words.iter().any(|w| lower.contains(w.as_str()))
    };
    if mentions(rc.model.src) {
        return false;
    }
    let Some(ctx) = rc.ctx else {
        return false;
    };
    manifests.iter().all(|f| {
        ctx.read_to_string(f.as_str())
            .is_some_and(|t| !mentions(&t))
    })
}
