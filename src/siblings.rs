//! Shared ignore files: an entry added to a context's ignore file applies to
//! every Dockerfile built from that context, so the fix must not change what
//! a sibling (`Dockerfile.runtime` doing `COPY node_modules ...` or
//! `COPY . .`) copies. Siblings are the Dockerfiles that read the same
//! ignore file and are in the context root or the Dockerfile's own
//! directory, or anywhere in the repository with the same declared or
//! inferred context, or undeclared with all their sources in this context
//! ([`crate::sharing`]; known when run through the runner).

use std::path::{Path, PathBuf};

use crate::context::BuildContext;
use crate::context_reads::ReadKind;
use crate::model::Model;
use crate::paths::is_under_rel;
use crate::syntax;

/// Is `p` under `dir` or `dir` under `p` (context-relative, "" is the root)?
fn overlaps(p: &str, dir: &str) -> bool {
    is_under_rel(p, dir) || is_under_rel(dir, p)
}

impl BuildContext {
    /// Other Dockerfiles that read this context's ignore file.
    pub fn sibling_dockerfiles(&self) -> Vec<PathBuf> {
        if !self.is_on_disk() {
            return Vec::new(); // an in-memory context has no Dockerfiles beside it
        }
        let me = self.dockerfile().canonicalize().ok();
        let mut dirs: Vec<PathBuf> = vec![self.root().to_path_buf()];
        if let Some(d) = self.dockerfile().parent() {
            let d = if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            };
            dirs.push(d.to_path_buf());
        }
        let mut candidates: Vec<PathBuf> = Vec::new();
        for dir in dirs {
            let Ok(rd) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in rd.flatten() {
                let name = e.file_name();
                let Some(name) = name.to_str() else { continue };
                if crate::walk::is_dockerfile_name(name) && e.path().is_file() {
                    candidates.push(e.path());
                }
            }
        }
        if let Some(sharing) = self.sharing() {
            candidates.extend(sharing.users_of(self.root(), self.dockerfile()));
        }
        let mut out: Vec<PathBuf> = Vec::new();
        let mut seen: Vec<PathBuf> = Vec::new();
        for path in candidates {
            let Some(canon) = path.canonicalize().ok() else {
                continue;
            };
            if Some(&canon) == me.as_ref() || seen.contains(&canon) {
                continue;
            }
            seen.push(canon);
            let shares = BuildContext::open(self.root(), &path)
                .is_ok_and(|c| c.ignore_file() == self.ignore_file());
            if shares {
                out.push(path);
            }
        }
        out.sort();
        out
    }

    /// Is `sib` a sibling only through the repository census (neither in the
    /// context root nor beside this Dockerfile) whose context nothing declares?
    fn far_and_undeclared(&self, sib: &Path) -> bool {
        let canon = |p: &Path| p.canonicalize().ok();
        let dir = sib.parent().and_then(canon);
        let near = [Some(self.root()), self.dockerfile().parent()]
            .into_iter()
            .flatten()
            .map(|d| {
                canon(if d.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    d
                })
            })
            .any(|d| d.is_some() && d == dir);
        !near
            && self
                .sharing()
                .is_some_and(|s| s.undeclared(self.root(), sib))
    }

    /// Why the Dockerfiles sharing this context cannot all be known: the
    /// repository's census was cut short ([`crate::sharing::CENSUS_ENTRIES`]).
    pub fn census_cut_short(&self) -> Option<String> {
        if !self.is_on_disk() {
            return None;
        }
        self.sharing().and_then(|s| s.cut_short(self.root()))
    }

    /// Why appending `additions` to the ignore file would change what a
    /// sibling Dockerfile copies, if it would. `excluded_dirs` are the
    /// existing directories the additions newly exclude.
    pub fn sibling_breakage(
        &self,
        additions: &[String],
        excluded_dirs: &[String],
    ) -> Option<String> {
        for sib in self.sibling_dockerfiles() {
            let shown = crate::runner::display_path(&sib);
            let how = if self.far_and_undeclared(&sib) {
                "may be built from this context (no declared context)"
            } else {
                "shares the ignore file"
            };
            let Ok(text) = crate::input::read_dockerfile(&sib) else {
                return Some(format!("{shown} {how} and cannot be read"));
            };
            let df = syntax::parse(text.as_bytes());
            let model = Model::new(&text, &df);
            for r in crate::context_reads::context_reads(&model) {
                let ins = model.ins[r.index];
                let how_read = match r.kind {
                    ReadKind::Copy => "copies",
                    ReadKind::Mount => "mounts",
                };
                let Some(src) = &r.source else {
                    return Some(format!(
                        "{shown}:{} {how} and {how_read} a path dockopt cannot resolve; {} would apply to it too",
                        ins.start_line,
                        additions.join(", ")
                    ));
                };
                // A glob: compare its directory part (conservative).
                let rel = crate::context_reads::glob_dir(src);
                if let Some(d) = excluded_dirs.iter().find(|d| overlaps(d, &rel)) {
                    return Some(format!(
                        "{shown}:{} {how} and {how_read} {}, which {} would drop ({d})",
                        ins.start_line,
                        if rel.is_empty() {
                            "the whole context".to_string()
                        } else {
                            rel
                        },
                        additions.join(", ")
                    ));
                }
            }
        }
        None
    }
}
