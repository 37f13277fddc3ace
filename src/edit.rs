//! Edits and fixes (ruff's vocabulary): an edit replaces a byte range; a
//! change set ([`Edits`]) is a list of edits of one text, sorted and
//! disjoint, checked when it is built; a fix is a change set per file (the
//! Dockerfile, the ignore file) with an applicability. The diff, `--fix` and
//! SARIF all render from these change sets.

use std::fmt;

pub use crate::ignore_change::IgnoreChange;
use crate::syntax::Span;

/// Replace `range` of the source with `content`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Span,
    pub content: String,
}

impl Edit {
    pub fn replace(range: Span, content: impl Into<String>) -> Edit {
        Edit {
            range,
            content: content.into(),
        }
    }
    pub fn insert(at: usize, content: impl Into<String>) -> Edit {
        Edit::replace(Span::new(at, at), content)
    }
}

/// Why edits could not be made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FixError {
    /// Two edits overlap (at this byte of the text they edit).
    Overlap { at: usize },
    /// An edit reaches past the end of the text, or splits a character.
    OutOfBounds { at: usize, len: usize },
    /// The rewritten file holds an instruction it cannot parse that the
    /// original did not.
    UnknownInstruction,
    /// Fixing again kept finding more to fix.
    NoFixedPoint,
}

impl fmt::Display for FixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixError::Overlap { at } => write!(
                f,
                "internal error: two edits overlap at byte {at}; nothing written"
            ),
            FixError::OutOfBounds { at, len } => write!(
                f,
                "internal error: an edit at byte {at} is outside the {len}-byte text; nothing written"
            ),
            FixError::UnknownInstruction => write!(
                f,
                "internal error: the rewrite produced an unknown instruction; nothing written"
            ),
            FixError::NoFixedPoint => write!(
                f,
                "internal error: the rewrite did not reach a fixed point; nothing written"
            ),
        }
    }
}

impl std::error::Error for FixError {}

/// Edits of one text, sorted by position and disjoint: each starts at or
/// after the end of the one before (an insertion may touch a replaced
/// range). Edits at the same place keep the order they were given in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Edits(Vec<Edit>);

impl Edits {
    /// Sort `edits` by position; an overlap is an error.
    pub fn new(mut edits: Vec<Edit>) -> Result<Edits, FixError> {
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        for w in edits.windows(2) {
            if w[1].range.start < w[0].range.end {
                return Err(FixError::Overlap {
                    at: w[1].range.start,
                });
            }
        }
        Ok(Edits(edits))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Edit> {
        self.0.iter()
    }

    /// Both change sets in one, `self`'s edits first where they meet `other`'s
    /// at the same place; an overlap is an error. Walks both once: no text is
    /// rendered.
    pub fn union(&self, other: &Edits) -> Result<Edits, FixError> {
        let mut out = Vec::with_capacity(self.0.len() + other.0.len());
        let (mut a, mut b) = (self.0.iter().peekable(), other.0.iter().peekable());
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(x), Some(y))
                    if (y.range.start, y.range.end) < (x.range.start, x.range.end) =>
                {
                    b.next()
                }
                (Some(_), _) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => break,
            };
            let e = next.expect("peeked");
            if let Some(prev) = out.last() {
                let prev: &Edit = prev;
                if e.range.start < prev.range.end {
                    return Err(FixError::Overlap { at: e.range.start });
                }
            }
            out.push(e.clone());
        }
        Ok(Edits(out))
    }

    /// Does every edit fall inside `src`, on character boundaries?
    pub fn check_bounds(&self, src: &str) -> Result<(), FixError> {
        for e in &self.0 {
            for at in [e.range.start, e.range.end] {
                if at > src.len() || !src.is_char_boundary(at) {
                    return Err(FixError::OutOfBounds { at, len: src.len() });
                }
            }
        }
        Ok(())
    }

    /// The text with the edits made.
    pub fn apply(&self, src: &str) -> Result<String, FixError> {
        self.check_bounds(src)?;
        let grow: usize = self.0.iter().map(|e| e.content.len()).sum();
        let mut out = String::with_capacity(src.len() + grow);
        let mut pos = 0;
        for e in &self.0 {
            out.push_str(&src[pos..e.range.start]);
            out.push_str(&e.content);
            pos = e.range.end;
        }
        out.push_str(&src[pos..]);
        Ok(out)
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

/// The change set of one file.
#[derive(Clone, Debug)]
pub enum FileEdits {
    /// Edits of the Dockerfile the finding was made in.
    Dockerfile(Edits),
    /// Lines appended to the build context's ignore file, or its creation.
    Ignore(IgnoreChange),
}

/// A fix: a change set per file it edits, at most one per file.
#[derive(Clone, Debug)]
pub struct Fix {
    pub applicability: Applicability,
    /// The files' change sets, the Dockerfile's first. The engine rebases a
    /// later round's Dockerfile edits onto the file as read (`crate::rebase`).
    pub files: Vec<FileEdits>,
    /// Why the fix is unsafe; set whenever `applicability` is `Unsafe`.
    pub unsafe_reason: Option<String>,
    /// How this fix's edits relate to other findings' (set by the engine).
    pub joint: Joint,
}

/// Whether a fix's edits are its own. When a later round's edits overlap an
/// earlier round's, the fixes involved make one change of the file as read:
/// the first finding's fix carries it (its applicability the weakest of
/// theirs), and the others point there. Findings are named by their
/// install's range (several may point at one source copy).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Joint {
    #[default]
    Alone,
    /// This fix also makes the fixes for the installs at these ranges.
    Carries(Vec<Span>),
    /// The fix for the install at this range makes this one's edits.
    MadeBy(Span),
}

impl Fix {
    /// A fix of the Dockerfile, and of the ignore file when `ignore` is set.
    pub fn new(
        applicability: Applicability,
        dockerfile: Edits,
        ignore: Option<IgnoreChange>,
        unsafe_reason: Option<String>,
    ) -> Fix {
        let mut files = vec![FileEdits::Dockerfile(dockerfile)];
        files.extend(ignore.map(FileEdits::Ignore));
        Fix {
            applicability,
            files,
            unsafe_reason,
            joint: Joint::Alone,
        }
    }

    /// The Dockerfile's edits (none when the fix has none).
    pub fn dockerfile(&self) -> Option<&Edits> {
        self.files.iter().find_map(|f| match f {
            FileEdits::Dockerfile(e) => Some(e),
            FileEdits::Ignore(_) => None,
        })
    }

    /// The ignore file's change, when the fix makes one.
    pub fn ignore(&self) -> Option<&IgnoreChange> {
        self.files.iter().find_map(|f| match f {
            FileEdits::Ignore(c) => Some(c),
            FileEdits::Dockerfile(_) => None,
        })
    }

    /// Replace the Dockerfile's edits and the ignore file's change.
    pub fn set_files(&mut self, dockerfile: Edits, ignore: Option<IgnoreChange>) {
        self.files = vec![FileEdits::Dockerfile(dockerfile)];
        self.files.extend(ignore.map(FileEdits::Ignore));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_splices_and_rejects_overlaps_at_construction() {
        let src = "abcdef";
        let e = Edits::new(vec![
            Edit::insert(6, "!"),
            Edit::replace(Span::new(1, 3), "X"),
            Edit::insert(0, ">"),
        ])
        .unwrap();
        assert_eq!(e.apply(src).unwrap(), ">aXdef!");
        let bad = Edits::new(vec![
            Edit::replace(Span::new(1, 3), "X"),
            Edit::replace(Span::new(2, 4), "Y"),
        ]);
        assert_eq!(bad, Err(FixError::Overlap { at: 2 }));
        // An insertion may touch a replaced range on either side.
        let touching = Edits::new(vec![
            Edit::insert(3, "+"),
            Edit::replace(Span::new(1, 3), "X"),
            Edit::insert(1, "-"),
        ])
        .unwrap();
        assert_eq!(touching.apply(src).unwrap(), "a-X+def");
    }

    #[test]
    fn union_merges_in_order_and_refuses_overlaps_without_rendering() {
        let a = Edits::new(vec![
            Edit::insert(0, "a"),
            Edit::replace(Span::new(4, 5), "E"),
        ])
        .unwrap();
        let b = Edits::new(vec![
            Edit::insert(0, "b"),
            Edit::replace(Span::new(1, 2), "B"),
        ])
        .unwrap();
        let u = a.union(&b).unwrap();
        assert_eq!(u.apply("01234").unwrap(), "ab0B23E");
        let c = Edits::new(vec![Edit::replace(Span::new(3, 5), "C")]).unwrap();
        assert_eq!(a.union(&c), Err(FixError::Overlap { at: 4 }));
        assert_eq!(c.union(&a), Err(FixError::Overlap { at: 4 }));
    }

    #[test]
    fn edits_outside_the_text_or_inside_a_character_are_errors() {
        let e = Edits::new(vec![Edit::insert(9, "x")]).unwrap();
        assert_eq!(e.apply("abc"), Err(FixError::OutOfBounds { at: 9, len: 3 }));
        let e = Edits::new(vec![Edit::insert(1, "x")]).unwrap();
        assert_eq!(e.apply("é"), Err(FixError::OutOfBounds { at: 1, len: 2 }));
    }
}
