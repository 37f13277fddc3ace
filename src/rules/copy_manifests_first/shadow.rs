//! Two candidates for one install: a broad source copy C, and a later copy
//! of a directory X whose destination lies inside C's (`COPY . .` then
//! `COPY ./frontend ./frontend`). C's candidate passes X (X is a step
//! between, moved with C when it must be); X may be a candidate of its own.
//! One finding is reported per install:
//!
//! - X's, when X's plan makes a fix (X alone was the pattern before C's
//!   candidate could pass it, and keeps that fix);
//! - otherwise C's, fix or refusal: C is the copy that brings the whole
//!   source, and its refusal names what blocks it (X bringing a file the
//!   install reads), where X's would only say what X lacks.

use super::candidate::Candidate;
use super::plan::Planned;
use super::refusal::Refusal;

/// What a candidate's plan says, for the choice.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Fix,
    Refused,
    /// No finding at all (a subdirectory copy the install does not run in).
    Silent,
}

impl Outcome {
    pub fn of(cand: &Candidate, plan: &Result<Planned, Refusal>) -> Outcome {
        match plan {
            Ok(_) => Outcome::Fix,
            Err(Refusal::Outside(_)) if !cand.src_dir.is_empty() => Outcome::Silent,
            Err(_) => Outcome::Refused,
        }
    }
}

/// Which candidates are reported: `false` for one whose install another
/// candidate's finding covers.
pub fn reported(cands: &[Candidate], outcomes: &[Outcome]) -> Vec<bool> {
    let mut shown: Vec<bool> = outcomes.iter().map(|o| *o != Outcome::Silent).collect();
    for (c, cand) in cands.iter().enumerate() {
        for (x, other) in cands.iter().enumerate() {
            if other.run != cand.run || !cand.passed.contains(&other.copy) {
                continue;
            }
            if outcomes[x] == Outcome::Fix {
                shown[c] = false;
            } else {
                shown[x] = false;
            }
        }
    }
    shown
}
