//! Does a step commute with the source copy C? The rewrite runs the
//! manifests copy M where C was and C after the install, so every step in
//! between now runs before C instead of after it. That keeps the file's
//! meaning only when the step reads nothing that C brings and M does not,
//! writes nothing that C brings back, and C does not read what it writes.

use crate::context::BuildContext;
use crate::effects::{Effect, PathPat};
use crate::readers;

use super::paths::{is_under, CopyMap, CtxPath, ImagePath};

/// The source copy C, seen as the set of image paths it brings.
pub struct SourceCopy<'a> {
    pub map: CopyMap<'a>,
    pub ctx: Option<&'a BuildContext>,
    /// Context paths M copies.
    pub m_files: &'a [CtxPath],
    /// C resolves `--chown` names from the image's user database.
    pub chown_names: bool,
}

/// Why a step does not commute with C.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// The step's effects are unknown.
    Unknown(String),
    /// The step reads a path that only C brings.
    Reads(String),
    /// The step writes a path that C brings back after the install.
    Writes(String),
    /// The step creates a directory that C brings with its own metadata.
    Creates(String),
    /// The step changes the user database C reads for `--chown` names.
    UserDatabase(String),
    /// The step needs a directory that only C brings (it would not exist yet).
    NeedsDir(String),
}

impl Conflict {
    /// A sentence part: "`cmd` {why}".
    pub fn describe(&self, map: CopyMap) -> String {
        let shown = |p: &str| match map.to_context(&ImagePath::new(p)) {
            Some(rel) if !rel.is_root() => format!("{p} ({rel} in the context)"),
            _ => p.to_string(),
        };
        match self {
            Conflict::Unknown(why) => format!("may read or write anything: {why}"),
            Conflict::Reads(p) => format!(
                "reads {}, which only the source copy brings, so it must run after it",
                shown(p)
            ),
            Conflict::Writes(p) => format!(
                "writes {}, which the source copy would bring back after the install",
                shown(p)
            ),
            Conflict::Creates(p) => format!(
                "creates the directory {}, which the source copy brings with its own owner and mode",
                shown(p)
            ),
            Conflict::UserDatabase(p) => format!(
                "changes {p}, from which the source copy resolves its --chown names"
            ),
            Conflict::NeedsDir(p) => format!(
                "needs the directory {}, which only the source copy brings",
                shown(p)
            ),
        }
    }
}

impl SourceCopy<'_> {
    /// Does C bring a path that `pat` matches?
    pub fn brings(&self, pat: &PathPat) -> bool {
        let dest = self.map.dest_abs;
        let p = pat.path();
        // C fills its destination: the directory itself and its parents are touched.
        if is_under(dest, p) {
            return true;
        }
        if !is_under(p, dest) {
            return false;
        }
        let Some(ctx) = self.ctx else { return true };
        let Some(rel) = self.map.to_context(&ImagePath::new(p)) else {
            return true;
        };
        ctx.exists(rel.as_str())
    }

    /// Does M bring exactly this image path (a manifest file)?
    fn m_brings(&self, abs: &str) -> bool {
        self.map
            .to_context(&ImagePath::new(abs))
            .is_some_and(|rel| self.m_files.contains(&rel))
    }

    /// Does M create this directory (C's destination, or a parent of a manifest)?
    fn m_creates_dir(&self, abs: &str) -> bool {
        if is_under(self.map.dest_abs, abs) {
            return true;
        }
        self.map
            .to_context(&ImagePath::new(abs))
            .is_some_and(|rel| {
                let rel = rel.as_str();
                self.m_files
                    .iter()
                    .map(CtxPath::as_str)
                    .any(|f| readers::parent(f) == rel || f.starts_with(&format!("{rel}/")))
            })
    }

    /// The first reason `eff` does not commute with C, if any.
    pub fn conflict(&self, eff: &Effect) -> Option<Conflict> {
        if let Some(why) = &eff.unknown {
            return Some(Conflict::Unknown(why.clone()));
        }
        for r in &eff.reads.pats {
            let in_m = matches!(r, PathPat::Exact(p) if self.m_brings(p));
            if !in_m && self.brings(r) {
                return Some(Conflict::Reads(r.path().to_string()));
            }
        }
        self.write_conflict(eff)
    }

    /// Write conflicts only (for steps that may be repeated after C).
    fn write_conflict(&self, eff: &Effect) -> Option<Conflict> {
        for w in &eff.writes.pats {
            if self.brings(w) {
                return Some(Conflict::Writes(w.path().to_string()));
            }
            if self.chown_names {
                for db in ["/etc/passwd", "/etc/group"] {
                    let hit = match w {
                        PathPat::Exact(p) => p == db,
                        PathPat::Tree(p) => is_under(db, p),
                    };
                    if hit {
                        return Some(Conflict::UserDatabase(db.to_string()));
                    }
                }
            }
        }
        for d in &eff.ensures {
            if !self.m_creates_dir(d) && self.brings(&PathPat::Exact(d.clone())) {
                return Some(Conflict::Creates(d.clone()));
            }
        }
        for d in &eff.needs_dirs {
            if !self.m_creates_dir(d) && self.brings(&PathPat::Exact(d.clone())) {
                return Some(Conflict::NeedsDir(d.clone()));
            }
        }
        None
    }

    /// Every path `eff` writes is a manifest M brings (so repeating the step
    /// after C restores its effect on exactly those files).
    pub fn writes_only_manifests(&self, eff: &Effect) -> bool {
        eff.writes
            .pats
            .iter()
            .all(|w| matches!(w, PathPat::Exact(p) if self.m_brings(p)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::PathSet;

    fn copy<'a>(m_files: &'a [CtxPath]) -> SourceCopy<'a> {
        SourceCopy {
            map: CopyMap {
                src_dir: "",
                dest_abs: "/app",
            },
            ctx: None,
            m_files,
            chown_names: true,
        }
    }

    fn writes(p: PathPat) -> Effect {
        Effect {
            writes: PathSet { pats: vec![p] },
            ..Effect::default()
        }
    }

    /// C brings what the context holds after the ignore file, and nothing else.
    #[test]
    fn with_a_context_only_what_it_holds_is_brought() {
        let ctx = crate::context::MemContext::new()
            .file("package.json", "{}")
            .file("src/a.js", "")
            .dir("node_modules/x")
            .file(".dockerignore", "node_modules\n")
            .into_context();
        let files = [CtxPath::new("package.json")];
        let c = SourceCopy {
            ctx: Some(&ctx),
            ..copy(&files)
        };
        assert!(c.brings(&PathPat::Exact("/app/src/a.js".into())));
        assert!(c.brings(&PathPat::Tree("/app/src".into())));
        assert!(!c.brings(&PathPat::Tree("/app/node_modules".into())));
        assert!(!c.brings(&PathPat::Exact("/app/missing".into())));
        assert!(!c.brings(&PathPat::Exact("/srv/src/a.js".into())));
        let w = writes(PathPat::Exact("/app/src/a.js".into()));
        assert!(matches!(c.conflict(&w), Some(Conflict::Writes(_))));
        assert_eq!(
            c.conflict(&writes(PathPat::Tree("/app/node_modules".into()))),
            None
        );
    }

    #[test]
    fn without_a_context_everything_under_the_destination_is_brought() {
        let files = [CtxPath::new("package.json")];
        let c = copy(&files);
        assert!(c.brings(&PathPat::Exact("/app/x".into())));
        assert!(c.brings(&PathPat::Tree("/".into())));
        assert!(!c.brings(&PathPat::Tree("/usr/lib".into())));
    }

    #[test]
    fn reads_of_manifests_commute_and_writes_to_them_do_not() {
        let files = [CtxPath::new("package.json")];
        let c = copy(&files);
        let read = Effect {
            reads: PathSet {
                pats: vec![PathPat::Exact("/app/package.json".into())],
            },
            ..Effect::default()
        };
        assert_eq!(c.conflict(&read), None);
        let w = writes(PathPat::Exact("/app/package.json".into()));
        assert_eq!(
            c.conflict(&w),
            Some(Conflict::Writes("/app/package.json".into()))
        );
        assert!(c.writes_only_manifests(&w));
        assert_eq!(
            c.conflict(&writes(PathPat::Tree("/etc".into()))),
            Some(Conflict::UserDatabase("/etc/passwd".into()))
        );
    }

    #[test]
    fn creating_the_destination_is_what_m_does_anyway() {
        let files = [CtxPath::new("sub/package.json")];
        let c = copy(&files);
        let e = Effect {
            ensures: vec!["/app/sub".into(), "/app".into()],
            ..Effect::default()
        };
        assert_eq!(c.conflict(&e), None);
        let e = Effect {
            ensures: vec!["/app/logs".into()],
            ..Effect::default()
        };
        assert_eq!(c.conflict(&e), Some(Conflict::Creates("/app/logs".into())));
    }
}
