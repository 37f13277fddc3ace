//! Writing a fix: all of its files or none. Every file gets a temp file in
//! its own directory (permissions copied) before any is renamed over its
//! target, so a crash never leaves a half-written file; a file changed on
//! disk since it was read, or marked read-only, is refused before anything
//! is renamed; a rename that fails rolls back the renames before it.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use tempfile::NamedTempFile;

/// One file of a fix.
pub struct FileWrite<'a> {
    pub path: &'a Path,
    /// What the file held when it was read; `None`: it did not exist.
    pub expected: Option<&'a [u8]>,
    pub contents: &'a [u8],
}

/// What a successful write also did.
#[derive(Debug, Default)]
pub struct Written {
    /// Temp files of interrupted runs found next to the written files and removed.
    pub removed_stale: Vec<PathBuf>,
}

/// A temp file ready to be renamed over `target`.
struct Prepared {
    /// The path as given (messages name it).
    shown: PathBuf,
    /// Where the rename goes: a symlink's target, so the link is kept.
    target: PathBuf,
    tmp: NamedTempFile,
}

/// Write one file atomically (no check of what it held).
pub fn write_atomic(path: &Path, contents: impl AsRef<[u8]>) -> Result<()> {
    let p = prepare(path, contents.as_ref())?;
    rename(p.tmp, &p.target).with_context(|| format!("{}: cannot replace", path.display()))
}

/// Write every file of `writes`, or none of them.
pub fn write_all_or_nothing(writes: &[FileWrite]) -> Result<Written> {
    let mut written = Written::default();
    let mut swept = Vec::new();
    let mut prepared = Vec::with_capacity(writes.len());
    for w in writes {
        let dir = parent_dir(&resolve_link(w.path)?);
        if !swept.contains(&dir) {
            written
                .removed_stale
                .extend(crate::stale::sweep(&dir, std::time::SystemTime::now()));
            swept.push(dir);
        }
        prepared.push(prepare(w.path, w.contents).map_err(|e| nothing_changed(e, writes))?);
    }
    for (p, w) in prepared.iter().zip(writes) {
        check_unchanged(&p.target, w).map_err(|e| nothing_changed(e, writes))?;
    }
    commit(prepared, writes, rename)?;
    Ok(written)
}

fn nothing_changed(e: anyhow::Error, writes: &[FileWrite]) -> anyhow::Error {
    if writes.len() > 1 {
        e.context(format!("nothing written ({})", shown_list(writes)))
    } else {
        e
    }
}

fn shown_list(writes: &[FileWrite]) -> String {
    writes
        .iter()
        .map(|w| w.path.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn rename(tmp: NamedTempFile, target: &Path) -> std::io::Result<()> {
    tmp.persist(target).map(drop).map_err(|e| e.error)
}

/// Rename every prepared file; if one fails, put back the ones before it.
fn commit(
    prepared: Vec<Prepared>,
    writes: &[FileWrite],
    mut rename: impl FnMut(NamedTempFile, &Path) -> std::io::Result<()>,
) -> Result<()> {
    let mut done: Vec<(PathBuf, PathBuf, Option<&[u8]>)> = Vec::new();
    for (p, w) in prepared.into_iter().zip(writes) {
        if let Err(e) = rename(p.tmp, &p.target) {
            let undone = roll_back(&done);
            bail!("{}: cannot replace: {e}; {undone}", p.shown.display());
        }
        done.push((p.shown, p.target, w.expected));
    }
    Ok(())
}

/// Put back what the renamed files held; says what happened.
fn roll_back(done: &[(PathBuf, PathBuf, Option<&[u8]>)]) -> String {
    if done.is_empty() {
        return "nothing was written".into();
    }
    let mut restored = Vec::new();
    let mut failed = Vec::new();
    for (shown, target, old) in done.iter().rev() {
        let r = match old {
            Some(bytes) => prepare(target, bytes)
                .and_then(|p| rename(p.tmp, target).map_err(anyhow::Error::from)),
            None => std::fs::remove_file(target).map_err(anyhow::Error::from),
        };
        match r {
            Ok(()) => restored.push(shown.display().to_string()),
            Err(e) => failed.push(format!("{} ({e:#})", shown.display())),
        }
    }
    let mut msg = String::new();
    if !restored.is_empty() {
        msg = format!("rolled back {}", restored.join(", "));
    }
    if !failed.is_empty() {
        if !msg.is_empty() {
            msg.push_str("; ");
        }
        msg.push_str(&format!(
            "COULD NOT ROLL BACK {}: it holds the new text",
            failed.join(", ")
        ));
    }
    msg
}

/// A symlink's final target (the write goes there and keeps the link).
fn resolve_link(path: &Path) -> Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path)
            .with_context(|| format!("{}: cannot resolve symlink", path.display())),
        _ => Ok(path.to_path_buf()),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// No write bit for anyone: the owner asked for the file (or directory) to
/// be left alone. Checked from the mode bits, so root is refused too.
fn read_only(meta: &std::fs::Metadata) -> bool {
    meta.permissions().mode() & 0o222 == 0
}

/// The name of temp files of this process: `.dockopt-<pid>-XXXXXX.tmp`
/// (see [`crate::stale`]).
fn temp_prefix() -> String {
    format!("{}{}-", crate::stale::PREFIX, std::process::id())
}

/// A temp file next to `path`'s target holding `contents`, with the
/// target's permissions (0644 for a new file).
fn prepare(path: &Path, contents: &[u8]) -> Result<Prepared> {
    let target = resolve_link(path)?;
    let dir = parent_dir(&target);
    let existing = std::fs::metadata(&target).ok();
    if let Some(meta) = &existing {
        if read_only(meta) {
            bail!(
                "{}: read-only (mode {:04o}), not rewritten; make it writable (chmod u+w) to let --fix change it",
                path.display(),
                meta.permissions().mode() & 0o7777
            );
        }
    }
    if std::fs::metadata(&dir).is_ok_and(|m| read_only(&m)) {
        bail!(
            "{}: its directory {} is read-only, not written",
            path.display(),
            dir.display()
        );
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(&temp_prefix())
        .suffix(crate::stale::SUFFIX)
        .tempfile_in(&dir)
        .with_context(|| {
            format!(
                "{}: cannot create a temporary file next to it",
                path.display()
            )
        })?;
    tmp.write_all(contents)
        .and_then(|_| tmp.as_file().sync_all())
        .with_context(|| format!("{}: cannot write", path.display()))?;
    let perms = match existing {
        Some(meta) => meta.permissions(),
        // A new file: the usual 0644 rather than the temp file's 0600.
        None => std::fs::Permissions::from_mode(0o644),
    };
    std::fs::set_permissions(tmp.path(), perms)
        .with_context(|| format!("{}: cannot set permissions", path.display()))?;
    Ok(Prepared {
        shown: path.to_path_buf(),
        target,
        tmp,
    })
}

/// Refuse when the file no longer holds what was read (another process
/// wrote it meanwhile): writing would drop that change.
fn check_unchanged(target: &Path, w: &FileWrite) -> Result<()> {
    let now = match std::fs::File::open(target) {
        Ok(f) => {
            let limit = w.expected.map_or(0, |e| e.len() as u64);
            crate::input::read_capped(f, limit)
                .with_context(|| format!("{}: cannot read", w.path.display()))?
                .map_or(Now::Other, Now::Bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Now::Missing,
        Err(e) => return Err(e).with_context(|| format!("{}: cannot read", w.path.display())),
    };
    let same = match (&now, w.expected) {
        (Now::Missing, None) => true,
        (Now::Bytes(b), Some(e)) => b == e,
        _ => false,
    };
    if !same {
        bail!(
            "{}: changed on disk since dockopt read it, not rewritten (the other change is kept); run dockopt again",
            w.path.display()
        );
    }
    Ok(())
}

/// What a file holds at the last check.
enum Now {
    Missing,
    Bytes(Vec<u8>),
    /// More bytes than expected.
    Other,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fw<'a>(path: &'a Path, expected: Option<&'a [u8]>, contents: &'a [u8]) -> FileWrite<'a> {
        FileWrite {
            path,
            expected,
            contents,
        }
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_written() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("Dockerfile");
        let b = t.path().join(".dockerignore");
        std::fs::write(&a, "FROM a\nRUN x\n").unwrap();
        // Read as "FROM a\n"; another process appended a line since.
        let err = write_all_or_nothing(&[
            fw(&b, None, b"node_modules\n"),
            fw(&a, Some(b"FROM a\n"), b"FROM b\n"),
        ])
        .unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("changed on disk since dockopt read it"),
            "{msg}"
        );
        assert_eq!(std::fs::read(&a).unwrap(), b"FROM a\nRUN x\n");
        assert!(!b.exists(), "the other file of the fix was written");
        // A file that appeared since it was found missing.
        std::fs::write(&b, "x\n").unwrap();
        assert!(write_all_or_nothing(&[fw(&b, None, b"y\n")]).is_err());
        assert_eq!(std::fs::read(&b).unwrap(), b"x\n");
        let names: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "temp files left");
    }

    #[test]
    fn a_failed_rename_rolls_back_the_earlier_ones() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("Dockerfile");
        let b = t.path().join(".dockerignore");
        std::fs::write(&a, "old\n").unwrap();
        let writes = [fw(&a, Some(b"old\n"), b"new\n"), fw(&b, None, b"ig\n")];
        let prepared: Vec<Prepared> = writes
            .iter()
            .map(|w| prepare(w.path, w.contents).unwrap())
            .collect();
        let mut calls = 0;
        let err = commit(prepared, &writes, |tmp, target| {
            calls += 1;
            if calls == 2 {
                return Err(std::io::Error::other("disk on fire"));
            }
            rename(tmp, target)
        })
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(".dockerignore: cannot replace: disk on fire"),
            "{err}"
        );
        assert!(err.contains("rolled back"), "{err}");
        assert_eq!(std::fs::read(&a).unwrap(), b"old\n");
        assert!(!b.exists());
        let names: Vec<_> = std::fs::read_dir(t.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "temp files left");
    }

    #[test]
    fn read_only_files_and_directories_are_refused_even_for_root() {
        let t = tempfile::tempdir().unwrap();
        let a = t.path().join("Dockerfile");
        std::fs::write(&a, "old\n").unwrap();
        std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_all_or_nothing(&[fw(&a, Some(b"old\n"), b"new\n")]).unwrap_err();
        assert!(
            format!("{err:#}").contains("read-only (mode 0444)"),
            "{err:#}"
        );
        assert_eq!(std::fs::read(&a).unwrap(), b"old\n");
        let d = t.path().join("ro");
        std::fs::create_dir(&d).unwrap();
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).unwrap();
        let f = d.join(".dockerignore");
        let err = write_all_or_nothing(&[fw(&f, None, b"x\n")]).unwrap_err();
        assert!(format!("{err:#}").contains("is read-only"), "{err:#}");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}
