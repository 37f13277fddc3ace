//! Writing what `--fix` changes: a Dockerfile and its ignore file, both or
//! neither. A separate step from printing: the runner writes each result
//! before the report prints it, and the report reads what happened here.

use std::path::{Path, PathBuf};

use crate::runner::FileResult;

/// What writing one result did.
#[derive(Debug, Default)]
pub struct WriteReport {
    /// Why nothing was written (the message names the file).
    pub error: Option<String>,
    /// Temp files of interrupted runs found next to the written files and removed.
    pub removed_stale: Vec<PathBuf>,
}

/// Write `r`'s changes, when there are any; `None` when there is nothing to write.
pub fn write(r: &FileResult) -> Option<WriteReport> {
    let o = r.outcome.as_ref().ok()?;
    if o.fixed.is_none() && o.ignore.is_none() {
        return None;
    }
    Some(match write_all(r) {
        Ok(w) => WriteReport {
            error: None,
            removed_stale: w.removed_stale,
        },
        Err(e) => WriteReport {
            error: Some(format!("{e:#}")),
            removed_stale: Vec::new(),
        },
    })
}

/// Write the Dockerfile and its ignore file, both or neither.
fn write_all(r: &FileResult) -> anyhow::Result<crate::fsutil::Written> {
    use crate::fsutil::FileWrite;
    let Ok(o) = &r.outcome else {
        return Ok(Default::default());
    };
    let mut writes = Vec::new();
    let (old, new, ignore_old, ignore_new);
    if let (Some(fixed), Some(orig), false) =
        (&o.fixed, &r.original, r.target.path == Path::new("-"))
    {
        (old, new) = (crate::input::restore(orig), crate::input::restore(fixed));
        writes.push(FileWrite {
            path: &r.target.path,
            expected: Some(&old),
            contents: &new,
        });
    }
    if let Some(ig) = &o.ignore {
        // Bytes a comment line held that are not UTF-8 are written back as they were.
        ignore_new = crate::input::restore(&ig.new_text()).into_owned();
        ignore_old = ig.old.as_deref().map(crate::input::restore);
        writes.push(FileWrite {
            path: &ig.path,
            expected: ignore_old.as_deref(),
            contents: &ignore_new,
        });
    }
    crate::fsutil::write_all_or_nothing(&writes)
}
