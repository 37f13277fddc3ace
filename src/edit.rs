//! Edits and fixes (ruff's vocabulary): an edit replaces a byte range; a
//! fix is a set of edits with an applicability. Splicing rejects overlaps.

use crate::syntax::Span;

/// Replace `range` of the source with `text`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Span,
    pub text: String,
}

impl Edit {
    pub fn replace(range: Span, text: impl Into<String>) -> Edit {
        Edit {
            range,
            text: text.into(),
        }
    }
    pub fn insert(at: usize, text: impl Into<String>) -> Edit {
        Edit::replace(Span::new(at, at), text)
    }
}

/// How sure a fix is (ordered: `Safe` is the strongest).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Applied with `--unsafe-fixes`: the image may differ (e.g. extra cache files).
    Unsafe,
    /// The rewritten file builds whenever the original did, to the same files.
    Safe,
}

/// A fix: edits to the Dockerfile plus lines to add to the ignore file.
#[derive(Clone, Debug)]
pub struct Fix {
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// Patterns to append to the effective `.dockerignore` (`**/node_modules`).
    pub ignore_additions: Vec<String>,
    /// Why the fix is unsafe; set whenever `applicability` is `Unsafe`.
    pub unsafe_reason: Option<String>,
}

/// Two edits overlap.
#[derive(Debug, PartialEq, Eq)]
pub struct Overlap;

/// Apply `edits` to `src` (any order; overlapping edits are an error).
pub fn apply(src: &str, edits: &[Edit]) -> Result<String, Overlap> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(src.len() + 256);
    let mut pos = 0;
    for e in sorted {
        if e.range.start < pos || e.range.end > src.len() {
            return Err(Overlap);
        }
        out.push_str(&src[pos..e.range.start]);
        out.push_str(&e.text);
        pos = e.range.end;
    }
    out.push_str(&src[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splices_in_order_and_rejects_overlaps() {
        let src = "abcdef";
        let e = [
            Edit::insert(6, "!"),
            Edit::replace(Span::new(1, 3), "X"),
            Edit::insert(0, ">"),
        ];
        assert_eq!(apply(src, &e).unwrap(), ">aXdef!");
        let bad = [
            Edit::replace(Span::new(1, 3), "X"),
            Edit::replace(Span::new(2, 4), "Y"),
        ];
        assert_eq!(apply(src, &bad), Err(Overlap));
    }
}
