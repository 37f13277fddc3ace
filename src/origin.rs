//! Where a place in a rewritten text was in the file as read. The engine
//! fixes in rounds; a finding of a later round is made in the text earlier
//! rounds produced, and is reported at the place its instructions had in
//! the original file.
//!
//! Text an edit left alone maps back exactly. Text an edit inserted maps to
//! the text an edit of the same round removed when it is the same text (a
//! moved instruction, such as the source copy), or holds its arguments (the
//! part of a RUN split off after the copy); otherwise to the range the edit
//! replaced (for an insertion after a line: the end of that line).

use crate::edit::Edits;
use crate::syntax::Span;

/// One round: the text before it, and the edits that made the next text.
struct Round {
    before: String,
    edits: Edits,
}

/// The rounds so far, from the original text.
#[derive(Default)]
pub struct Origin {
    rounds: Vec<Round>,
}

/// Where a position of the text after a round lies.
enum Place {
    /// Unchanged text: this offset before the round.
    At(usize),
    /// Inside what edit `i` inserted.
    Inside(usize),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Start,
    End,
}

impl Origin {
    /// Record a round: `before` was rewritten with `edits`.
    pub fn push(&mut self, before: String, edits: Edits) {
        self.rounds.push(Round { before, edits });
    }

    /// No round yet: spans are the original's.
    pub fn is_empty(&self) -> bool {
        self.rounds.is_empty()
    }

    /// The original text (`current` when no round was made).
    pub fn original<'a>(&'a self, current: &'a str) -> &'a str {
        self.rounds.first().map_or(current, |r| r.before.as_str())
    }

    /// `span` of the text after the last round, mapped to the original.
    pub fn map(&self, current: &str, span: Span) -> Span {
        let mut span = span;
        let mut after = current;
        for round in self.rounds.iter().rev() {
            span = round.map(after, span);
            after = &round.before;
        }
        span
    }
}

impl Round {
    fn place(&self, p: usize, side: Side) -> Place {
        // `delta`: how much longer the text after is, up to here.
        let mut delta: isize = 0;
        for (i, e) in self.edits.iter().enumerate() {
            let a = (e.range.start as isize + delta) as usize;
            let len = e.content.len();
            let before_edit = match side {
                Side::Start => p < a,
                Side::End => p <= a,
            };
            if before_edit {
                return Place::At((p as isize - delta) as usize);
            }
            let inside = match side {
                Side::Start => p < a + len,
                Side::End => p <= a + len,
            };
            if inside {
                return Place::Inside(i);
            }
            delta += len as isize - e.range.len() as isize;
        }
        Place::At((p as isize - delta) as usize)
    }

    fn map(&self, after: &str, span: Span) -> Span {
        let edits: Vec<_> = self.edits.iter().collect();
        match (
            self.place(span.start, Side::Start),
            self.place(span.end, Side::End),
        ) {
            (Place::At(s), Place::At(e)) => Span::new(s, e.max(s)),
            (Place::Inside(i), Place::Inside(j)) if i == j => self
                .moved(&after[span.start..span.end])
                .unwrap_or_else(|| self.replaced(edits[i].range)),
            (s, e) => {
                let s = match s {
                    Place::At(s) => s,
                    Place::Inside(i) => edits[i].range.start,
                };
                let e = match e {
                    Place::At(e) => e,
                    Place::Inside(j) => edits[j].range.end,
                };
                Span::new(s, e.max(s))
            }
        }
    }

    /// Where `text` (or, failing that, its arguments: what follows its
    /// first word) was before the round, when an edit of the round removed it.
    fn moved(&self, text: &str) -> Option<Span> {
        let args = text
            .trim_start()
            .split_once(char::is_whitespace)
            .map_or("", |(_, rest)| rest.trim());
        [text, args]
            .into_iter()
            .filter(|t| t.len() >= 3)
            .find_map(|t| self.removed(t))
    }

    fn removed(&self, text: &str) -> Option<Span> {
        self.edits.iter().find_map(|e| {
            let removed = &self.before[e.range.start..e.range.end];
            removed.find(text).map(|at| {
                let start = e.range.start + at;
                Span::new(start, start + text.len())
            })
        })
    }

    /// The place of new text: the range its edit replaced; for an insertion
    /// at the start of a line, the end of the line before (what it follows).
    fn replaced(&self, range: Span) -> Span {
        let at = range.start;
        if range.is_empty() && at > 0 && self.before.as_bytes()[at - 1] == b'\n' {
            return Span::new(at - 1, at - 1);
        }
        range
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::Edit;

    #[test]
    fn unchanged_text_maps_back_exactly_and_moved_text_to_where_it_was() {
        let before = "FROM x\nCOPY . .\nRUN a\nRUN b\n";
        // M in C's place, C re-inserted after `RUN a`.
        let edits = Edits::new(vec![
            Edit::replace(Span::new(7, 15), "COPY m ./"),
            Edit::insert(22, "COPY . .\n"),
        ])
        .unwrap();
        let after = edits.apply(before).unwrap();
        assert_eq!(after, "FROM x\nCOPY m ./\nRUN a\nCOPY . .\nRUN b\n");
        let mut o = Origin::default();
        o.push(before.to_string(), edits);
        let find = |s: &str| {
            let at = after.find(s).unwrap();
            Span::new(at, at + s.len())
        };
        let text = |sp: Span| &before[sp.start..sp.end];
        // `RUN b` did not move: exact.
        assert_eq!(text(o.map(&after, find("RUN b"))), "RUN b");
        // The moved copy maps to where it was.
        assert_eq!(o.map(&after, find("COPY . .")), Span::new(7, 15));
        // New text with no counterpart maps to the range its edit replaced.
        assert_eq!(o.map(&after, find("COPY m ./")), Span::new(7, 15));
        assert_eq!(o.original(&after), before);
    }

    #[test]
    fn a_split_off_run_maps_to_its_arguments_and_new_lines_to_what_they_follow() {
        let before = "COPY . .\nRUN a && b c\nCMD x\n";
        // `&& b c` removed from line 2, re-inserted after it as `RUN b c`,
        // and a line with no counterpart inserted after that.
        let edits = Edits::new(vec![
            Edit::replace(Span::new(14, 21), ""),
            Edit::insert(22, "RUN b c\nRUN zz\n"),
        ])
        .unwrap();
        let after = edits.apply(before).unwrap();
        assert_eq!(after, "COPY . .\nRUN a\nRUN b c\nRUN zz\nCMD x\n");
        let mut o = Origin::default();
        o.push(before.to_string(), edits);
        let find = |s: &str| {
            let at = after.find(s).unwrap();
            Span::new(at, at + s.len())
        };
        let line = |sp: Span| crate::rules::line_of(before, o.map(&after, sp).start);
        assert_eq!(line(find("RUN b c")), 2);
        assert_eq!(line(find("RUN zz")), 2);
        assert_eq!(line(find("CMD x")), 3);
        assert_eq!(o.original(&after), before);
    }
}
