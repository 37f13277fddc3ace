//! Byte faithfulness on files BuildKit accepts but that are not UTF-8:
//! Latin-1 bytes in comments survive a rewrite exactly (`--fix`, the diff as
//! a patch, stdin), JSON shows them as U+FFFD, and invalid bytes outside a
//! comment are refused with the line and column.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{bin, Scratch};

/// Latin-1 in a top-level comment, in a comment inside the RUN's continuation
/// (which the rewrite splits) and a lone 0xFF.
const ORIGINAL: &[u8] = b"# Image f\xfcr die Anwendung \xff\nFROM node:20\nWORKDIR /app\n# caf\xe9\nCOPY . .\nRUN npm ci \\\n  # d\xe9pendances\n  && npm run build\nCMD [\"node\", \"server.js\"]\n";

/// What `--fix` must write: the same bytes, the manifests copied first (the
/// comment inside the split RUN stays above the rest of it).
const FIXED: &[u8] = b"# Image f\xfcr die Anwendung \xff\nFROM node:20\nWORKDIR /app\n# caf\xe9\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n  # d\xe9pendances\nRUN npm run build\nCMD [\"node\", \"server.js\"]\n";

fn project() -> Scratch {
    let s = Scratch::empty();
    s.write("Dockerfile", ORIGINAL);
    s.write("package.json", "{\"name\": \"app\"}\n");
    s.write("package-lock.json", "{\"lockfileVersion\": 3}\n");
    s.write(".dockerignore", "node_modules\n");
    s
}

/// Run dockopt in `dir`, raw output bytes.
fn raw(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> (i32, Vec<u8>, String) {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap(),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn fix_keeps_latin1_comment_bytes_exactly() {
    let s = project();
    let (code, out, err) = raw(&s.dir, &["--fix", "Dockerfile"], None);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&s.read("Dockerfile")),
        String::from_utf8_lossy(FIXED)
    );
    assert_eq!(s.read("Dockerfile"), FIXED, "byte for byte");
    // A second run changes nothing.
    let (code, _, _) = raw(&s.dir, &["--fix", "Dockerfile"], None);
    assert_eq!(code, 0);
    assert_eq!(s.read("Dockerfile"), FIXED);
}

/// The diff carries the raw bytes, so `git apply` reproduces `--fix`.
#[test]
fn diff_of_a_latin1_file_is_a_patch() {
    let s = project();
    let (code, diff, err) = raw(&s.dir, &["Dockerfile"], None);
    assert_eq!(code, 1, "{err}");
    assert!(
        diff.windows(8).any(|w| w == b"# d\xe9pend"),
        "raw byte in the diff"
    );
    let patch = s.write("../fix.patch", &diff);
    let st = Command::new("git")
        .args(["apply", "--whitespace=nowarn"])
        .arg(&patch)
        .current_dir(&s.dir)
        .env("GIT_CEILING_DIRECTORIES", s.dir.parent().unwrap())
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(s.read("Dockerfile"), FIXED);
}

#[test]
fn stdin_fix_prints_the_bytes() {
    let s = project();
    let (code, out, err) = raw(&s.dir, &["--fix", "--context", ".", "-"], Some(ORIGINAL));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, FIXED);
}

/// JSON is UTF-8: the diff shows U+FFFD where the bytes were.
#[test]
fn json_shows_replacement_characters() {
    let s = project();
    let (code, out, _) = raw(&s.dir, &["--format", "json", "Dockerfile"], None);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_slice(&out).expect("valid UTF-8 JSON");
    let diff = v["files"][0]["diff"].as_str().unwrap();
    assert!(diff.contains("# d\u{FFFD}pendances"), "{diff}");
    let (_, sarif, _) = raw(&s.dir, &["--format", "sarif", "Dockerfile"], None);
    serde_json::from_slice::<Value>(&sarif).expect("valid UTF-8 SARIF");
}

/// Invalid bytes in an instruction: refused with file:line:col, exit 2,
/// nothing written; the other files of the run are still processed.
#[test]
fn invalid_bytes_outside_comments_are_refused_with_line_and_column() {
    let s = project();
    s.write("sub/Dockerfile", b"FROM alpine\nRUN echo caf\xe9\n");
    let before = s.tree();
    let (code, _, err) = raw(&s.dir, &["--fix", "sub/Dockerfile"], None);
    assert_eq!(code, 2);
    assert!(
        err.starts_with(
            "dockopt: error: sub/Dockerfile:2:13: not valid UTF-8 (byte 0xE9) outside a comment"
        ),
        "{err}"
    );
    assert_eq!(s.tree(), before);
    let (code, _, err) = raw(&s.dir, &["--check", "."], None);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("sub/Dockerfile:2:13"), "{err}");
    assert!(
        err.contains("1 would change"),
        "the Latin-1 comment file is processed: {err}"
    );
}

/// BuildKit skips a `.dockerignore` line whose first byte is `#`, whatever
/// bytes follow: a Latin-1 comment there is read, and the entry the fix
/// appends leaves the file's bytes before it exactly as they were.
#[test]
fn latin1_comment_in_dockerignore_is_kept_when_an_entry_is_appended() {
    let s = Scratch::empty();
    s.write(
        "Dockerfile",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
    );
    s.write("package.json", "{\"name\": \"app\"}\n");
    s.write("package-lock.json", "{\"lockfileVersion\": 3}\n");
    s.write("node_modules/x/index.js", "");
    let ignore: &[u8] = b"# caf\xe9 \xff\n.git\n.dockerignore\n";
    s.write(".dockerignore", ignore);
    let (code, _, err) = raw(&s.dir, &["--fix", "Dockerfile"], None);
    assert_eq!(code, 0, "{err}");
    let written = s.read(".dockerignore");
    assert!(
        written.starts_with(ignore),
        "{:?}",
        String::from_utf8_lossy(&written)
    );
    let added = String::from_utf8(written[ignore.len()..].to_vec()).unwrap();
    assert!(added.contains("node_modules"), "{added:?}");
    assert!(String::from_utf8_lossy(&s.read("Dockerfile")).contains("COPY package.json"));
}

/// A pattern (not a comment) with bytes that are not UTF-8 would have to
/// match names byte for byte: an error naming the file and line, nothing written.
#[test]
fn latin1_pattern_in_dockerignore_is_an_error_naming_the_line() {
    let s = project();
    s.write(".dockerignore", b"node_modules\ncaf\xe9\n");
    let (code, out, err) = raw(&s.dir, &["--fix", "Dockerfile"], None);
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains(".dockerignore:2: not valid UTF-8 outside a comment"),
        "{err}"
    );
    assert_eq!(s.read("Dockerfile"), ORIGINAL);
}
