//! Every round's fix as edits of the file as read. The engine fixes in
//! rounds, and a round's edits index the text the rounds before it produced;
//! SARIF shows each finding's fix as edits of the file as read, so the rounds
//! are composed here.
//!
//! The text is tracked as pieces: original text kept, original text removed,
//! text inserted; a removed or inserted piece is owned by the findings whose
//! edits made it. Whatever lies between two kept pieces is one edit of the
//! original. An edit that rewrites what another finding's edit made (a later
//! round replacing the source copy an earlier round moved), or that touches
//! it, joins the two: joined findings make one change set, carried by the
//! first of them (the earliest found), and the others point to it.

use crate::edit::{Applicability, Edit, Edits, Fix, IgnoreChange, Joint};
use crate::rules::{Diagnostic, RelatedKind};
use crate::syntax::Span;

/// The Dockerfile edits of one applied fix in one round (indexing that
/// round's text), and the finding that made them.
pub struct Owned {
    pub owner: usize,
    pub edits: Edits,
}

#[derive(Clone, Debug)]
enum Text {
    Kept(Span),
    Removed(Span),
    Inserted(String),
}

#[derive(Clone, Debug)]
struct Piece {
    text: Text,
    owners: Vec<usize>,
}

impl Piece {
    /// Its length in the current text.
    fn len(&self) -> usize {
        match &self.text {
            Text::Kept(s) => s.len(),
            Text::Removed(_) => 0,
            Text::Inserted(t) => t.len(),
        }
    }
}

/// A change set of the file as read and the findings whose fixes it makes,
/// sorted; the first carries it.
#[derive(Debug, PartialEq, Eq)]
pub struct Group {
    pub owners: Vec<usize>,
    pub edits: Edits,
}

/// The current text as pieces of the original.
pub struct Rebase {
    pieces: Vec<Piece>,
}

impl Rebase {
    /// The original text, `len` bytes, before any round.
    pub fn new(len: usize) -> Rebase {
        Rebase {
            pieces: vec![Piece {
                text: Text::Kept(Span::new(0, len)),
                owners: Vec::new(),
            }],
        }
    }

    /// Make one round: `fixes` are its applied fixes, in the order the
    /// engine merged them (ties at one place keep that order).
    pub fn round(&mut self, fixes: &[Owned]) {
        let mut edits: Vec<(&Edit, usize)> = fixes
            .iter()
            .flat_map(|f| f.edits.iter().map(move |e| (e, f.owner)))
            .collect();
        edits.sort_by_key(|(e, _)| (e.range.start, e.range.end));
        // Back to front: the places of the edits not made yet stay valid.
        for (e, owner) in edits.into_iter().rev() {
            self.edit(e, owner);
        }
    }

    /// Replace `e.range` of the current text with `e.content`.
    fn edit(&mut self, e: &Edit, owner: usize) {
        self.cut(e.range.start);
        self.cut(e.range.end);
        // `lo..hi`: the pieces inside the range (a removed piece on either
        // boundary stays outside).
        let (mut lo, mut pos) = (0, 0);
        while lo < self.pieces.len() && pos + self.pieces[lo].len() <= e.range.start {
            pos += self.pieces[lo].len();
            lo += 1;
        }
        let mut hi = lo;
        while hi < self.pieces.len() && pos < e.range.end {
            pos += self.pieces[hi].len();
            hi += 1;
        }
        let mut owners = vec![owner];
        for p in &self.pieces[lo..hi] {
            owners.extend(&p.owners);
        }
        owners.sort_unstable();
        owners.dedup();
        let mut new: Vec<Piece> = self.pieces[lo..hi]
            .iter()
            .filter_map(|p| match p.text {
                Text::Kept(s) | Text::Removed(s) => Some(Text::Removed(s)),
                Text::Inserted(_) => None,
            })
            .map(|text| Piece {
                text,
                owners: owners.clone(),
            })
            .collect();
        // Kept even when empty: it holds the owners of what it replaced.
        new.push(Piece {
            text: Text::Inserted(e.content.clone()),
            owners,
        });
        self.pieces.splice(lo..hi, new);
    }

    /// Split the piece that straddles offset `at` of the current text.
    fn cut(&mut self, at: usize) {
        let mut pos = 0;
        for i in 0..self.pieces.len() {
            let len = self.pieces[i].len();
            if pos < at && at < pos + len {
                let k = at - pos;
                let p = &self.pieces[i];
                let (a, b) = match &p.text {
                    Text::Kept(s) => (
                        Text::Kept(Span::new(s.start, s.start + k)),
                        Text::Kept(Span::new(s.start + k, s.end)),
                    ),
                    Text::Inserted(t) => (
                        Text::Inserted(t[..k].to_string()),
                        Text::Inserted(t[k..].to_string()),
                    ),
                    Text::Removed(_) => unreachable!("a removed piece has no length"),
                };
                let owners = p.owners.clone();
                self.pieces[i] = Piece {
                    text: a,
                    owners: owners.clone(),
                };
                self.pieces.insert(i + 1, Piece { text: b, owners });
                return;
            }
            pos += len;
        }
    }

    /// The edits of the original, grouped by the findings they join.
    pub fn groups(&self) -> Vec<Group> {
        let mut gaps: Vec<(Edit, Vec<usize>)> = Vec::new();
        let mut open: Option<(usize, String, Vec<usize>)> = None;
        let mut orig = 0;
        for p in &self.pieces {
            match &p.text {
                Text::Kept(s) => {
                    if let Some((start, content, owners)) = open.take() {
                        gaps.push((Edit::replace(Span::new(start, orig), content), owners));
                    }
                    orig = s.end;
                    continue;
                }
                Text::Removed(s) => {
                    open.get_or_insert_with(|| (s.start, String::new(), Vec::new()));
                    orig = s.end;
                }
                Text::Inserted(t) => {
                    open.get_or_insert_with(|| (orig, String::new(), Vec::new()))
                        .1
                        .push_str(t);
                }
            }
            open.as_mut().expect("opened").2.extend(&p.owners);
        }
        if let Some((start, content, owners)) = open {
            gaps.push((Edit::replace(Span::new(start, orig), content), owners));
        }
        join(gaps)
    }
}

/// Group the edits: findings that share an edit share a group.
fn join(gaps: Vec<(Edit, Vec<usize>)>) -> Vec<Group> {
    let mut sets: Vec<Vec<usize>> = Vec::new();
    for (_, owners) in &gaps {
        let (mut merged, rest): (Vec<Vec<usize>>, Vec<Vec<usize>>) = sets
            .into_iter()
            .partition(|s| s.iter().any(|o| owners.contains(o)));
        let mut set: Vec<usize> = merged.drain(..).flatten().chain(owners.clone()).collect();
        set.sort_unstable();
        set.dedup();
        sets = rest;
        sets.push(set);
    }
    sets.sort();
    sets.into_iter()
        .map(|owners| {
            let edits = gaps
                .iter()
                .filter(|(e, o)| {
                    owners.contains(&o[0]) && !(e.range.is_empty() && e.content.is_empty())
                })
                .map(|(e, _)| e.clone())
                .collect();
            Group {
                owners,
                edits: Edits::new(edits).expect("gaps are disjoint and in order"),
            }
        })
        .collect()
}

/// Give each applied fix of `found` its edits of the file as read: `rounds`
/// holds each round's applied fixes (owners index `found`), `original` and
/// `fixed` the text before and after them. Unchanged when the composed edits
/// do not give `fixed` (a later round's finding then keeps no edits).
pub fn fixes(found: &mut [(Diagnostic, bool)], original: &str, fixed: &str, rounds: &[Vec<Owned>]) {
    let mut r = Rebase::new(original.len());
    for round in rounds {
        r.round(round);
    }
    let groups = r.groups();
    let all = groups
        .iter()
        .try_fold(Edits::default(), |acc, g| acc.union(&g.edits));
    if all.and_then(|e| e.apply(original)).ok().as_deref() != Some(fixed) {
        return;
    }
    for g in groups {
        let first = g.owners[0];
        let at = install(&found[first].0);
        let others: Vec<Span> = g.owners[1..]
            .iter()
            .map(|&i| install(&found[i].0))
            .collect();
        let ignore = joint_ignore(found, &g.owners);
        let mut weakest: Option<(Applicability, Option<String>)> = None;
        for &i in &g.owners[1..] {
            if let Some(fix) = &mut found[i].0.fix {
                if fix.applicability < weakest.as_ref().map_or(Applicability::Safe, |w| w.0) {
                    weakest = Some((fix.applicability, fix.unsafe_reason.clone()));
                }
                fix.set_files(Edits::default(), None);
                fix.joint = Joint::MadeBy(at);
            }
        }
        if let Some(fix) = &mut found[first].0.fix {
            fix.set_files(g.edits, ignore);
            if let Some((a, why)) = weakest.filter(|w| w.0 < fix.applicability) {
                (fix.applicability, fix.unsafe_reason) = (a, why);
            }
            fix.joint = if others.is_empty() {
                Joint::Alone
            } else {
                Joint::Carries(others)
            };
        }
    }
}

/// The range that names a finding: its install's (the source copy may be
/// the same for several).
fn install(d: &Diagnostic) -> Span {
    d.related
        .iter()
        .find(|r| r.kind == RelatedKind::Install)
        .map_or(d.range, |r| r.span)
}

/// One ignore change with the entries of every fix of `owners`.
fn joint_ignore(found: &[(Diagnostic, bool)], owners: &[usize]) -> Option<IgnoreChange> {
    let changes: Vec<&IgnoreChange> = owners
        .iter()
        .filter_map(|&i| found[i].0.fix.as_ref().and_then(Fix::ignore))
        .collect();
    let first = changes.first()?;
    let mut patterns: Vec<String> = Vec::new();
    for p in changes.iter().flat_map(|c| c.added()) {
        if !patterns.contains(&p) {
            patterns.push(p);
        }
    }
    IgnoreChange::appending(first.path.clone(), first.old.clone(), &patterns)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(owner: usize, edits: Vec<Edit>) -> Owned {
        Owned {
            owner,
            edits: Edits::new(edits).unwrap(),
        }
    }

    fn apply_all(groups: &[Group], text: &str) -> String {
        let all = groups
            .iter()
            .try_fold(Edits::default(), |acc, g| acc.union(&g.edits))
            .unwrap();
        all.apply(text).unwrap()
    }

    /// Two rounds made one after the other: the composed groups, and the
    /// text the rounds give, which the groups must give from the original.
    fn two_rounds(original: &str, one: Owned, two: Owned) -> (Vec<Group>, String) {
        let r1 = one.edits.apply(original).unwrap();
        let r2 = two.edits.apply(&r1).unwrap();
        let mut r = Rebase::new(original.len());
        r.round(&[one]);
        r.round(&[two]);
        let groups = r.groups();
        assert_eq!(apply_all(&groups, original), r2);
        (groups, r2)
    }

    /// `C\nR1\nR2\n`: round 1 puts M1 in C's place and moves C after R1;
    /// round 2 puts M2 in the moved C's place and moves C after R2.
    const MOVED: &str = "C\nR1\nR2\n";

    fn moved_twice() -> (Edits, Edits) {
        let one = vec![Edit::replace(Span::new(0, 1), "M1"), Edit::insert(5, "C\n")];
        let two = vec![
            Edit::replace(Span::new(6, 7), "M2"),
            Edit::insert(11, "C\n"),
        ];
        (Edits::new(one).unwrap(), Edits::new(two).unwrap())
    }

    /// Edits of unchanged text map back; each finding keeps its own.
    #[test]
    fn edits_of_untouched_text_stay_each_findings_own() {
        let one = owned(0, vec![Edit::replace(Span::new(0, 3), "A")]);
        // Round 2 edits `ccc`, which round 1 left alone (now at 6..9).
        let two = owned(1, vec![Edit::insert(9, "!")]);
        let (groups, _) = two_rounds("aaa\nbbb\nccc\n", one, two);
        let own = |owner: usize, e: Edit| Group {
            owners: vec![owner],
            edits: Edits::new(vec![e]).unwrap(),
        };
        assert_eq!(
            groups,
            [
                own(0, Edit::replace(Span::new(0, 3), "A")),
                own(1, Edit::insert(11, "!"))
            ]
        );
    }

    /// A later round rewriting what an earlier one inserted joins the two,
    /// and the joint change set gives the final text from the original.
    #[test]
    fn a_later_edit_of_inserted_text_joins_the_findings() {
        let (one, two) = moved_twice();
        let one = Owned {
            owner: 0,
            edits: one,
        };
        let two = Owned {
            owner: 1,
            edits: two,
        };
        let (groups, fixed) = two_rounds(MOVED, one, two);
        assert_eq!(fixed, "M1\nR1\nM2\nR2\nC\n");
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].owners, [0, 1]);
    }

    /// Deleting what an earlier round inserted still joins the findings.
    #[test]
    fn deleting_inserted_text_joins_too() {
        let one = owned(0, vec![Edit::insert(2, "y\n")]);
        let two = owned(3, vec![Edit::replace(Span::new(2, 4), "")]);
        let (groups, _) = two_rounds("x\n", one, two);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].owners, [0, 3]);
    }

    fn finding(install: Span, fix: Fix) -> (Diagnostic, bool) {
        let d = Diagnostic {
            rule: "r",
            range: Span::new(0, 1),
            related: vec![crate::rules::Related {
                span: install,
                kind: RelatedKind::Install,
            }],
            message: String::new(),
            fix: Some(fix),
            refusal: None,
        };
        (d, true)
    }

    /// Joined fixes: the first carries the change set of the original and
    /// is as sure as the least sure of them; the other points to it. A
    /// composition that does not give the fixed text changes nothing.
    #[test]
    fn the_first_fix_carries_a_joint_change_at_the_weakest_applicability() {
        let (one, two) = moved_twice();
        let fixed = two.apply(&one.apply(MOVED).unwrap()).unwrap();
        let unsafe_fix = Fix {
            unsafe_reason: Some("why".into()),
            ..Fix::new(Applicability::Unsafe, two.clone(), None, None)
        };
        let (i1, i2) = (Span::new(2, 4), Span::new(5, 7));
        let mut found = vec![
            finding(i1, Fix::new(Applicability::Safe, one.clone(), None, None)),
            finding(i2, unsafe_fix),
        ];
        let rounds = vec![
            vec![Owned {
                owner: 0,
                edits: one,
            }],
            vec![Owned {
                owner: 1,
                edits: two,
            }],
        ];
        let mut unchanged = found.clone();
        fixes(&mut unchanged, MOVED, "not the fixed text", &rounds);
        assert_eq!(unchanged[1].0.fix.as_ref().unwrap().joint, Joint::Alone);
        fixes(&mut found, MOVED, &fixed, &rounds);
        let fix = |i: usize| found[i].0.fix.as_ref().unwrap();
        assert_eq!(fix(0).dockerfile().unwrap().apply(MOVED).unwrap(), fixed);
        assert_eq!(fix(0).joint, Joint::Carries(vec![i2]));
        assert_eq!(
            (fix(0).applicability, fix(0).unsafe_reason.as_deref()),
            (Applicability::Unsafe, Some("why"))
        );
        assert!(fix(1).dockerfile().unwrap().is_empty());
        assert_eq!(fix(1).joint, Joint::MadeBy(i1));
    }

    /// Insertions at one place of one round keep the engine's order.
    #[test]
    fn ties_keep_the_merge_order() {
        let original = "ab";
        let fixes = [
            owned(0, vec![Edit::insert(1, "1")]),
            owned(1, vec![Edit::insert(1, "2")]),
        ];
        let merged = fixes[0].edits.union(&fixes[1].edits).unwrap();
        let mut r = Rebase::new(original.len());
        r.round(&fixes);
        assert_eq!(
            apply_all(&r.groups(), original),
            merged.apply(original).unwrap()
        );
    }
}
