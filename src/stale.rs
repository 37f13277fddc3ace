//! Temp files left by a dockopt that was killed mid-write. Ours are named
//! `.dockopt-<pid>-XXXXXX.tmp` (older versions: `.dockopt-XXXXXX`); one is
//! stale when the process that made it is gone, or when it is older than
//! any write takes (its pid may have been reused). Nothing else is touched:
//! not a file of another name, not a directory or link, not a fresh file of
//! a live process.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

pub const PREFIX: &str = ".dockopt-";
pub const SUFFIX: &str = ".tmp";

/// No write takes this long: a temp file this old is stale whatever its pid.
const MAX_AGE: Duration = Duration::from_secs(60 * 60);

/// The length of tempfile's random part.
const RAND_LEN: usize = 6;

/// What a name says about a temp file.
#[derive(Debug, PartialEq, Eq)]
enum TempName {
    /// `.dockopt-<pid>-XXXXXX.tmp`.
    WithPid(u32),
    /// `.dockopt-XXXXXX`, as written before the pid was in the name.
    Legacy,
}

fn parse(name: &str) -> Option<TempName> {
    let rest = name.strip_prefix(PREFIX)?;
    let random = |s: &str| s.len() == RAND_LEN && s.bytes().all(|b| b.is_ascii_alphanumeric());
    if let Some(body) = rest.strip_suffix(SUFFIX) {
        let (pid, rand) = body.split_once('-')?;
        if random(rand) && !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) {
            return pid.parse().ok().map(TempName::WithPid);
        }
        return None;
    }
    random(rest).then_some(TempName::Legacy)
}

fn alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Is the file `name` in `dir`, last modified at `mtime`, a stale temp file?
fn is_stale(name: &str, mtime: SystemTime, now: SystemTime) -> bool {
    let old = now.duration_since(mtime).unwrap_or_default() > MAX_AGE;
    match parse(name) {
        Some(TempName::WithPid(pid)) => old || (pid != std::process::id() && !alive(pid)),
        Some(TempName::Legacy) => old,
        None => false,
    }
}

/// Remove the stale temp files of `dir`; returns the ones removed.
pub fn sweep(dir: &Path, now: SystemTime) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.starts_with(PREFIX) {
            continue;
        }
        // Regular files only (file_type does not follow links).
        let Ok(meta) = e.metadata() else { continue };
        if !e.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let mtime = meta.modified().unwrap_or(now);
        if is_stale(name, mtime, now) && std::fs::remove_file(e.path()).is_ok() {
            removed.push(e.path());
        }
    }
    removed.sort();
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            parse(".dockopt-123-aB3xYz.tmp"),
            Some(TempName::WithPid(123))
        );
        assert_eq!(parse(".dockopt-aB3xYz"), Some(TempName::Legacy));
        for n in [
            ".dockopt-notes.txt",
            ".dockopt-123-aB3.tmp",
            ".dockopt--aB3xYz.tmp",
            ".dockopt-12a-aB3xYz.tmp",
            "dockopt-123-aB3xYz.tmp",
            ".dockopt-aB3xYz.bak",
            ".dockopt-toml",
        ] {
            assert_eq!(parse(n), None, "{n}");
        }
    }

    #[test]
    fn staleness() {
        let now = SystemTime::now();
        let fresh = now;
        let old = now - Duration::from_secs(2 * 60 * 60);
        let me = std::process::id();
        // A pid above the kernel's maximum (2^22) is never alive.
        assert!(is_stale(".dockopt-99999999-abcdef.tmp", fresh, now));
        assert!(!is_stale(&format!(".dockopt-{me}-abcdef.tmp"), fresh, now));
        assert!(is_stale(&format!(".dockopt-{me}-abcdef.tmp"), old, now));
        assert!(!is_stale(".dockopt-abcdef", fresh, now));
        assert!(is_stale(".dockopt-abcdef", old, now));
        assert!(!is_stale(".dockopt-notes.txt", old, now));
    }
}
