//! One change per ignore file in a run. Several Dockerfiles built from one
//! context may each need entries in the same ignore file; processed
//! independently, each proposes its own change from the same original text,
//! so `--fix` would keep only the last one written and the printed patch
//! would hold two diffs of one file (two "new file" diffs that `patch -p1`
//! rejects). The changes are merged into the first result (in report
//! order) that touches the file; the others keep their Dockerfile edits.

use std::path::PathBuf;

use crate::engine::IgnoreChange;
use crate::runner::FileResult;

fn key(p: &std::path::Path) -> PathBuf {
    crate::config::absolute(p)
}

/// Merge the ignore changes of `results` that touch the same file.
pub fn merge(results: &mut [FileResult]) {
    let mut first_of: Vec<(PathBuf, usize, Vec<String>)> = Vec::new();
    for (i, r) in results.iter_mut().enumerate() {
        let Ok(o) = &mut r.outcome else {
            continue;
        };
        let Some(change) = o.ignore.take() else {
            continue;
        };
        let k = key(&change.path);
        let lines = change.added();
        match first_of.iter_mut().find(|(p, _, _)| *p == k) {
            Some((_, _, all)) => {
                for l in lines {
                    if !all.contains(&l) {
                        all.push(l);
                    }
                }
            }
            None => {
                first_of.push((k, i, lines));
                o.ignore = Some(change);
            }
        }
    }
    for (_, i, lines) in first_of {
        if let Ok(o) = &mut results[i].outcome {
            if let Some(change) = o.ignore.take() {
                o.ignore = IgnoreChange::appending(change.path, change.old, &lines);
            }
        }
    }
}
