//! Reading a Dockerfile: one place that turns "not a file, not UTF-8, too
//! big, unreadable" into a one-line error naming the file.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Dockerfiles larger than this are refused (the largest public ones are a few hundred KiB).
pub const MAX_SIZE: u64 = 16 * 1024 * 1024;

/// Read `path` (`-` for stdin) as UTF-8 text.
pub fn read_dockerfile(path: &Path) -> Result<String> {
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_SIZE + 1)
            .read_to_end(&mut buf)
            .context("<stdin>: cannot read")?;
        buf
    } else {
        let meta =
            std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if meta.is_dir() {
            bail!("{}: is a directory, not a Dockerfile", path.display());
        }
        if meta.len() > MAX_SIZE {
            bail!(
                "{}: too large for a Dockerfile ({} bytes, limit {})",
                path.display(),
                meta.len(),
                MAX_SIZE
            );
        }
        std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?
    };
    let name = if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    };
    if bytes.len() as u64 > MAX_SIZE {
        bail!("{name}: too large for a Dockerfile (limit {MAX_SIZE} bytes)");
    }
    if bytes.contains(&0) {
        bail!("{name}: binary file (contains NUL bytes), not a Dockerfile");
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        anyhow::anyhow!("{name}: not valid UTF-8 (first bad byte at offset {at})")
    })
}
