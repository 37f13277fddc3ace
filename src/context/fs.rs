//! Where a build context's files come from: the [`ContextFs`] trait, and
//! [`DiskFs`], the real filesystem under the context directory.
//!
//! The trait is the storage only: paths are context-relative and cleaned
//! (`""` is the root), and nothing here knows the ignore file. The queries
//! the rules ask ([`super::BuildContext::exists`], `glob`, ...) are written
//! once over it (`query.rs`), so a rule phase runs the same on a directory
//! and on an in-memory context ([`super::MemContext`]).

use std::ffi::OsStr;
use std::fmt::Debug;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// The type of a directory entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    /// A socket, device or FIFO.
    Other,
}

/// What [`ContextFs::stat`] says about a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    pub kind: EntryKind,
    /// Unix permission bits, where the storage has them.
    pub mode: Option<u32>,
}

/// One entry of a directory listing. `kind` is the entry's own type (a
/// symbolic link is `Symlink`); `None` when the storage could not tell.
#[derive(Clone, Copy, Debug)]
pub struct Entry<'a> {
    pub name: &'a OsStr,
    pub kind: Option<EntryKind>,
}

/// The files of a build context. Paths are context-relative and cleaned.
pub trait ContextFs: Debug + Send + Sync {
    /// Metadata of `rel`, following a final symbolic link when `follow`
    /// (links on the way are always followed); `None` when missing.
    fn stat(&self, rel: &str, follow: bool) -> Option<Meta>;
    /// The bytes of regular file `rel` (links followed); `None` when it is
    /// missing, not a regular file, unreadable or larger than `max` bytes.
    fn read(&self, rel: &str, max: u64) -> Option<Vec<u8>>;
    /// Calls `f` with each entry of directory `rel` (an entry that cannot
    /// be read as `Err`) until `f` returns false. Errors when `rel` cannot
    /// be listed.
    fn read_dir(
        &self,
        rel: &str,
        f: &mut dyn FnMut(io::Result<Entry<'_>>) -> bool,
    ) -> io::Result<()>;
    /// The directory holding the files, when they are on disk.
    fn disk_root(&self) -> Option<&Path> {
        None
    }
}

/// The real filesystem under a context directory.
#[derive(Debug, Clone)]
pub struct DiskFs {
    root: PathBuf,
}

impl DiskFs {
    pub fn new(root: PathBuf) -> DiskFs {
        DiskFs { root }
    }
}

fn kind_of(t: fs::FileType) -> EntryKind {
    if t.is_symlink() {
        EntryKind::Symlink
    } else if t.is_dir() {
        EntryKind::Dir
    } else if t.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    }
}

#[cfg(unix)]
fn mode_of(m: &fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    Some(m.permissions().mode())
}

#[cfg(not(unix))]
fn mode_of(_: &fs::Metadata) -> Option<u32> {
    None
}

impl ContextFs for DiskFs {
    fn stat(&self, rel: &str, follow: bool) -> Option<Meta> {
        let p = self.root.join(rel);
        let m = if follow {
            fs::metadata(p)
        } else {
            fs::symlink_metadata(p)
        }
        .ok()?;
        Some(Meta {
            kind: kind_of(m.file_type()),
            mode: mode_of(&m),
        })
    }

    fn read(&self, rel: &str, max: u64) -> Option<Vec<u8>> {
        let file = fs::File::open(self.root.join(rel)).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() > max {
            return None;
        }
        let mut buf = Vec::with_capacity(meta.len() as usize);
        file.take(max + 1).read_to_end(&mut buf).ok()?;
        if buf.len() as u64 > max {
            return None;
        }
        Some(buf)
    }

    fn read_dir(
        &self,
        rel: &str,
        f: &mut dyn FnMut(io::Result<Entry<'_>>) -> bool,
    ) -> io::Result<()> {
        for entry in fs::read_dir(self.root.join(rel))? {
            let go_on = match entry {
                Ok(e) => {
                    let name = e.file_name();
                    let kind = e.file_type().ok().map(kind_of);
                    f(Ok(Entry { name: &name, kind }))
                }
                Err(e) => f(Err(e)),
            };
            if !go_on {
                break;
            }
        }
        Ok(())
    }

    fn disk_root(&self) -> Option<&Path> {
        Some(&self.root)
    }
}
