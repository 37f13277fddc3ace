//! Reading a Dockerfile: one place that turns "not a file, not UTF-8, too
//! big, unreadable" into a one-line error naming the file.
//!
//! BuildKit reads bytes, so a file with Latin-1 bytes in a comment builds.
//! dockopt works on `str`, so each byte of an invalid UTF-8 sequence is
//! mapped to one private-use character, U+10FF80 + (byte - 0x80), and
//! [`restore`] maps it back on every output path (the file `--fix` writes,
//! the diff, `inspect`): a rewrite that does not touch those bytes keeps
//! them exactly. Where text must be UTF-8 (JSON, SARIF, messages), [`lossy`]
//! shows U+FFFD, as Go's JSON encoder does. For rewriting, invalid bytes are
//! accepted only in comment lines (they cannot change what an instruction
//! means); elsewhere the file is refused with the line and column.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Dockerfiles larger than this are refused (the largest public ones are a few hundred KiB).
pub const MAX_SIZE: u64 = 16 * 1024 * 1024;

/// Largest configuration file (dockopt.toml, presets, compose files, file lists).
pub const MAX_CONFIG_SIZE: u64 = 4 * 1024 * 1024;

/// Everything `r` holds, or `None` when it holds more than `limit` bytes:
/// never reads more than `limit + 1`, whatever length a file reports
/// (a pipe, `/dev/zero` and stdin report none).
pub fn read_capped(r: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    Ok((buf.len() as u64 <= limit).then_some(buf))
}

/// The bytes of `path` (`-` for stdin), at most `limit`; errors name the path.
pub fn read_file_capped(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let name = shown_name(path);
    let read = if path == Path::new("-") {
        read_capped(std::io::stdin().lock(), limit)
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("{name}: cannot read"))?;
        if f.metadata().is_ok_and(|m| m.is_dir()) {
            bail!("{name}: is a directory, not a file");
        }
        read_capped(f, limit)
    };
    match read.with_context(|| format!("{name}: cannot read"))? {
        Some(bytes) => Ok(bytes),
        None => bail!("{name}: too large (limit {limit} bytes)"),
    }
}

/// A configuration file as UTF-8 text, at most [`MAX_CONFIG_SIZE`] bytes.
pub fn read_config_text(path: &Path) -> Result<String> {
    let bytes = read_file_capped(path, MAX_CONFIG_SIZE)?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = memchr::memchr_iter(b'\n', valid).count() + 1;
        anyhow::anyhow!("{}:{line}: not valid UTF-8", shown_name(path))
    })
}

/// Read `path` (`-` for stdin) for rewriting: UTF-8, or invalid bytes only
/// inside comment lines (mapped, see the module doc).
pub fn read_dockerfile(path: &Path) -> Result<String> {
    let text = read_lossless(path)?;
    if has_mapped(&text) {
        refuse_outside_comments(&text, &shown_name(path))?;
    }
    Ok(text)
}

fn shown_name(path: &Path) -> String {
    if path == Path::new("-") {
        "<stdin>".to_string()
    } else {
        path.display().to_string()
    }
}

/// Read `path` (`-` for stdin) with invalid UTF-8 bytes mapped anywhere
/// (for `inspect`, which only shows the file).
pub fn read_lossless(path: &Path) -> Result<String> {
    let name = shown_name(path);
    let bytes = if path == Path::new("-") {
        read_capped(std::io::stdin().lock(), MAX_SIZE).context("<stdin>: cannot read")?
    } else {
        let f = std::fs::File::open(path).with_context(|| format!("{name}: cannot read"))?;
        let meta = f
            .metadata()
            .with_context(|| format!("{name}: cannot read"))?;
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
        // The reported length is no bound: /dev/zero and pipes report 0.
        read_capped(f, MAX_SIZE).with_context(|| format!("{name}: cannot read"))?
    };
    let Some(bytes) = bytes else {
        bail!("{name}: too large for a Dockerfile (limit {MAX_SIZE} bytes)");
    };
    if bytes.contains(&0) {
        bail!("{name}: binary file (contains NUL bytes), not a Dockerfile");
    }
    decode(bytes).map_err(|at| {
        anyhow::anyhow!(
            "{name}: contains U+10FF80..U+10FFFF at offset {at}, characters dockopt reserves for non-UTF-8 bytes"
        )
    })
}

/// The first of the private-use characters bytes are mapped to.
const BASE: u32 = 0x10FF80;

/// UTF-8 of U+10FF80..=U+10FFFF: F4 8F BE|BF xx.
fn mapped_at(b: &[u8], i: usize) -> bool {
    b[i] == 0xF4 && b.get(i + 1) == Some(&0x8F) && matches!(b.get(i + 2), Some(0xBE | 0xBF))
}

/// Does `text` hold mapped bytes?
pub fn has_mapped(text: &str) -> bool {
    let b = text.as_bytes();
    memchr::memchr_iter(0xF4, b).any(|i| mapped_at(b, i))
}

/// Bytes to text, invalid sequences mapped byte by byte. `Err(offset)` when
/// the valid text already holds a character of the mapped range.
pub fn decode(bytes: Vec<u8>) -> std::result::Result<String, usize> {
    let clash = memchr::memchr_iter(0xF4, &bytes).find(|&i| mapped_at(&bytes, i));
    if let Some(at) = clash {
        return Err(at);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
        Err(e) => {
            let bytes = e.into_bytes();
            let mut out = String::with_capacity(bytes.len() + 16);
            for chunk in bytes.utf8_chunks() {
                out.push_str(chunk.valid());
                for &b in chunk.invalid() {
                    // Invalid bytes are never ASCII, so b >= 0x80.
                    out.push(char::from_u32(BASE + u32::from(b - 0x80)).expect("a scalar value"));
                }
            }
            Ok(out)
        }
    }
}

fn unmap(c: char) -> Option<u8> {
    let v = u32::from(c);
    (BASE..=BASE + 0x7F)
        .contains(&v)
        .then(|| (v - BASE + 0x80) as u8)
}

/// The bytes `text` stands for: mapped characters back to their bytes.
pub fn restore(text: &str) -> Cow<'_, [u8]> {
    if !has_mapped(text) {
        return Cow::Borrowed(text.as_bytes());
    }
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        match unmap(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// `text` for UTF-8-only outputs (JSON, SARIF, messages): mapped bytes as U+FFFD.
pub fn lossy(text: &str) -> Cow<'_, str> {
    if !has_mapped(text) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if unmap(c).is_some() { '\u{FFFD}' } else { c })
            .collect(),
    )
}

/// The 1-based number of the first line of an ignore file (`.dockerignore`)
/// that holds mapped bytes and is not a comment: BuildKit skips a line whose
/// first byte is `#` (after a BOM on the first line), whatever bytes follow,
/// so only such lines may hold bytes dockopt cannot match paths against.
pub fn ignore_line_not_utf8(text: &str) -> Option<usize> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .position(|l| !l.starts_with('#') && l.chars().any(|c| unmap(c).is_some()))
        .map(|i| i + 1)
}

/// Refuse mapped bytes outside comment lines, naming the first one's line
/// and column (columns count characters, a mapped byte as one).
fn refuse_outside_comments(text: &str, name: &str) -> Result<()> {
    let df = crate::syntax::parse(text.as_bytes());
    for t in df.tokens(text.as_bytes()) {
        if t.kind == crate::syntax::TokenKind::Comment {
            continue;
        }
        let piece = &text[t.span.range()];
        let Some((off, c)) = piece.char_indices().find(|(_, c)| unmap(*c).is_some()) else {
            continue;
        };
        let at = t.span.start + off;
        let line = text[..at].matches('\n').count() + 1;
        let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..at].chars().count() + 1;
        bail!(
            "{name}:{line}:{col}: not valid UTF-8 (byte 0x{:02X}) outside a comment; dockopt rewrites only files whose instructions are UTF-8",
            unmap(c).unwrap_or(0)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reads_stop_after_the_limit() {
        assert_eq!(read_capped(&b"abc"[..], 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_capped(&b"abcd"[..], 3).unwrap(), None);
        // An endless reader: only limit + 1 bytes are ever taken.
        assert_eq!(read_capped(std::io::repeat(b'x'), 10).unwrap(), None);
    }

    #[test]
    fn mapping_round_trips_every_byte() {
        let mut bytes = b"# caf\xe9 \xff\xc3(\xe2\x82 ok \xc3\xa9\n".to_vec();
        bytes.extend(0x80..=0xFFu8);
        let text = decode(bytes.clone()).unwrap();
        assert!(has_mapped(&text));
        assert_eq!(&*restore(&text), &bytes[..]);
        assert!(lossy(&text).starts_with("# caf\u{FFFD} \u{FFFD}\u{FFFD}(\u{FFFD}\u{FFFD} ok é"));
        let plain = decode(b"FROM a\n".to_vec()).unwrap();
        assert!(!has_mapped(&plain));
        assert!(matches!(restore(&plain), Cow::Borrowed(_)));
    }

    #[test]
    fn the_reserved_range_in_valid_text_is_refused() {
        let clash = "# \u{10FF80}\n".as_bytes().to_vec();
        assert_eq!(decode(clash), Err(2));
        // Just below the range is fine.
        assert!(decode("# \u{10FF7F}\n".as_bytes().to_vec()).is_ok());
    }

    #[test]
    fn invalid_bytes_outside_comments_name_line_and_column() {
        let text = decode(b"FROM a\n# \xe9\nRUN echo caf\xe9\n".to_vec()).unwrap();
        let err = refuse_outside_comments(&text, "D").unwrap_err().to_string();
        assert!(
            err.starts_with("D:3:13: not valid UTF-8 (byte 0xE9)"),
            "{err}"
        );
        let ok = decode(b"FROM a\n# \xe9\nRUN a \\\n  # \xff\n  b\n".to_vec()).unwrap();
        refuse_outside_comments(&ok, "D").unwrap();
    }
}
