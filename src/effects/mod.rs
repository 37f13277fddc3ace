//! The effects model: what each step of a build reads and writes, as sets of
//! image paths. A rewrite that reorders steps is legal only when the steps it
//! swaps commute: neither reads what the other writes, and they write
//! disjoint paths.
//!
//! What shell commands do is data ([`table`], from `commands/*.toml`);
//! [`command`] applies it to one simple command of a RUN. A command the
//! table does not describe reads and writes everything.

pub mod command;
pub mod table;

/// A path pattern in the image: one path, or a whole tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathPat {
    /// This path only (a file, or a directory's own entry).
    Exact(String),
    /// This path and everything below it.
    Tree(String),
}

impl PathPat {
    pub fn path(&self) -> &str {
        match self {
            PathPat::Exact(p) | PathPat::Tree(p) => p,
        }
    }
}

/// Paths read or written by a step.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PathSet {
    pub pats: Vec<PathPat>,
}

impl PathSet {
    pub fn push(&mut self, p: PathPat) {
        if !self.pats.contains(&p) {
            self.pats.push(p);
        }
    }

    pub fn everything() -> PathSet {
        PathSet {
            pats: vec![PathPat::Tree("/".into())],
        }
    }

    pub fn extend(&mut self, other: PathSet) {
        for p in other.pats {
            self.push(p);
        }
    }
}

/// What one step does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Effect {
    pub reads: PathSet,
    pub writes: PathSet,
    /// Directories the step creates when missing (`mkdir -p`, WORKDIR): a
    /// no-op when the directory exists.
    pub ensures: Vec<String>,
    /// Directories that must exist for the step to work (the parents of what
    /// it writes, the target of a `cd`).
    pub needs_dirs: Vec<String>,
    /// Set when the step's effects are unknown (it reads and writes
    /// everything); the text says why.
    pub unknown: Option<String>,
    /// The step changes the shell's state (`cd`, `export`): the part of a
    /// split RUN after the source copy must repeat it.
    pub state: bool,
    /// Running the step again after the source copy restores its effect on
    /// the copied files (`chmod +x mvnw`).
    pub repeatable: bool,
}

impl Effect {
    pub fn unknown(why: impl Into<String>) -> Effect {
        Effect {
            reads: PathSet::everything(),
            writes: PathSet::everything(),
            unknown: Some(why.into()),
            ..Effect::default()
        }
    }

    /// Has no effect on files at all.
    pub fn is_pure(&self) -> bool {
        self.unknown.is_none()
            && self.reads.pats.is_empty()
            && self.writes.pats.is_empty()
            && self.ensures.is_empty()
    }

    pub fn merge(&mut self, other: Effect) {
        self.reads.extend(other.reads);
        self.writes.extend(other.writes);
        for d in other.ensures {
            if !self.ensures.contains(&d) {
                self.ensures.push(d);
            }
        }
        for d in other.needs_dirs {
            if !self.needs_dirs.contains(&d) {
                self.needs_dirs.push(d);
            }
        }
        if self.unknown.is_none() {
            self.unknown = other.unknown;
        }
        self.state |= other.state;
        self.repeatable &= other.repeatable;
    }
}
