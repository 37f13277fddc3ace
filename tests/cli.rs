//! The command line (DESIGN.md §3): exit codes, per-file errors that name the
//! file and write nothing, `--fix` writing atomically with permissions and
//! bytes kept, stdin, mode conflicts, `rule` and `presets`, `--preset-dir`
//! errors, JSON output and directory search. Stable outputs are snapshots in
//! `snapshots/cli/`; the rest is asserted in code.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use serde_json::Value;

use crate::support::{Output, Scratch};

/// `npm ci` after `COPY . .`: one safe rewrite.
const NPM_DOCKERFILE: &str =
    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";
const NPM_FIXED: &str = "FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"server.js\"]\n";
const PACKAGE_JSON: &str = "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\"\n}\n";
const LOCKFILE: &str = "{\n  \"name\": \"app\",\n  \"lockfileVersion\": 3\n}\n";
/// Nothing to do.
const PLAIN_DOCKERFILE: &str = "FROM alpine:3.20\nRUN apk add --no-cache curl\n";

/// An npm project with `Dockerfile` = `dockerfile`.
fn npm_project(dockerfile: &str) -> Scratch {
    let s = Scratch::empty();
    s.write("Dockerfile", dockerfile);
    s.write("package.json", PACKAGE_JSON);
    s.write("package-lock.json", LOCKFILE);
    s.write("server.js", "console.log(1);\n");
    s.write(".dockerignore", "node_modules\n");
    s
}

fn snap(name: &str, text: String) {
    crate::snapshot!("cli", name, text);
}

/// Names of files a `--fix` may have left behind (temp files of an atomic write).
fn leftovers(s: &Scratch) -> Vec<String> {
    s.tree()
        .into_keys()
        .filter(|k| k.contains(".dockopt") || k.contains(".tmp") || k.ends_with('~'))
        .collect()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("JSON: {e}\n{}", out.stdout))
}

// ---------------------------------------------------------------------------
// Exit codes
// ---------------------------------------------------------------------------

#[test]
fn exit_0_when_nothing_to_change() {
    let s = Scratch::empty();
    s.write("Dockerfile", PLAIN_DOCKERFILE);
    for args in [
        &["Dockerfile"][..],
        &["--check", "Dockerfile"],
        &["--fix", "Dockerfile"],
    ] {
        let out = s.run(args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{args:?}");
    }
    assert_eq!(s.read("Dockerfile"), PLAIN_DOCKERFILE.as_bytes());
}

#[test]
fn exit_1_when_a_change_is_proposed_and_0_once_fixed() {
    let s = npm_project(NPM_DOCKERFILE);
    assert_eq!(s.run(&["Dockerfile"]).code, 1);
    assert_eq!(s.run(&["--check", "Dockerfile"]).code, 1);
    let fix = s.run(&["--fix", "Dockerfile"]);
    assert_eq!(fix.code, 0, "everything fixed: {}", fix.stderr);
    assert_eq!(s.read("Dockerfile"), NPM_FIXED.as_bytes());
    assert_eq!(s.run(&["Dockerfile"]).code, 0);
}

/// A finding without a fix (left alone) is a note: exit 0 in every mode,
/// exit 1 with `--exit-non-zero-on-finding` (tests/gate.rs has the table).
#[test]
fn exit_0_when_a_finding_is_left_alone() {
    let s = npm_project(NPM_DOCKERFILE);
    std::fs::remove_file(s.path("package-lock.json")).unwrap();
    assert_eq!(s.run(&["Dockerfile"]).code, 0);
    assert_eq!(s.run(&["--check", "Dockerfile"]).code, 0);
    assert_eq!(s.run(&["--fix", "Dockerfile"]).code, 0);
    let strict = ["--exit-non-zero-on-finding", "Dockerfile"];
    assert_eq!(s.run(&strict).code, 1);
    assert_eq!(s.read("Dockerfile"), NPM_DOCKERFILE.as_bytes());
}

/// 2 wins over 1: a run with a rewritable file and a bad one exits 2, and
/// the bad file does not stop the good one from being processed.
#[test]
fn exit_2_wins_over_1_in_a_multi_file_run() {
    let s = npm_project(NPM_DOCKERFILE);
    s.write("bad.Dockerfile", b"FROM alpine\n\xff\n");
    for mode in [&[][..], &["--check"], &["--format", "json"]] {
        let mut args = mode.to_vec();
        args.extend(["Dockerfile", "bad.Dockerfile"]);
        let out = s.run(&args);
        assert_eq!(out.code, 2, "{args:?}");
        assert!(
            out.stderr.contains("bad.Dockerfile"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = s.run(&["Dockerfile", "bad.Dockerfile"]);
    assert!(
        out.stdout.contains("+++ b/Dockerfile"),
        "the good file's diff is printed"
    );
    // The error comes last in argument order too.
    let out = s.run(&["bad.Dockerfile", "Dockerfile"]);
    assert_eq!(out.code, 2);
    // --fix: the good file is fixed, the bad one is untouched.
    let fix = s.run(&["--fix", "bad.Dockerfile", "Dockerfile"]);
    assert_eq!(fix.code, 2);
    assert_eq!(s.read("Dockerfile"), NPM_FIXED.as_bytes());
    assert_eq!(s.read("bad.Dockerfile"), b"FROM alpine\n\xff\n");
    assert!(leftovers(&s).is_empty(), "{:?}", leftovers(&s));
}

#[test]
fn exit_2_for_fix_and_check_together() {
    let s = npm_project(NPM_DOCKERFILE);
    let before = s.tree();
    let out = s.run(&["--fix", "--check", "Dockerfile"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("'--fix' cannot be used with '--check'"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");
    assert_eq!(s.tree(), before, "nothing written on a usage error");
}

// ---------------------------------------------------------------------------
// Per-file errors: named, exit 2, nothing written
// ---------------------------------------------------------------------------

/// Run `dockopt --fix FILE` and `dockopt FILE` in `s`: both exit 2 naming
/// `file`, nothing written; returns the diff-mode output.
fn assert_file_error(s: &Scratch, file: &str) -> Output {
    let before = s.tree();
    let out = s.run(&[file]);
    assert_eq!(out.code, 2, "{file}: {}", out.stderr);
    assert_eq!(out.stdout, "", "{file}");
    assert!(
        out.stderr.starts_with(&format!("dockopt: error: {file}:")),
        "{file}: the error must name the file: {}",
        out.stderr
    );
    let fix = s.run(&["--fix", file]);
    assert_eq!(fix.code, 2, "{file}");
    assert_eq!(s.tree(), before, "{file}: --fix wrote something");
    let j = s.run(&["--format", "json", file]);
    assert_eq!(j.code, 2);
    let v = json(&j);
    assert_eq!(v["files"][0]["status"], "error");
    assert!(v["files"][0]["error"].as_str().unwrap().contains(file));
    out
}

#[test]
fn error_not_utf8() {
    let s = Scratch::empty();
    s.write("Dockerfile", b"FROM alpine\nRUN echo caf\xe9\n");
    let out = assert_file_error(&s, "Dockerfile");
    snap("error-not-utf8", out.render("dockopt Dockerfile"));
}

#[test]
fn error_binary_file() {
    let s = Scratch::empty();
    s.write("Dockerfile", b"FROM alpine\n\0\0\0\x01\x02");
    let out = assert_file_error(&s, "Dockerfile");
    snap("error-binary", out.render("dockopt Dockerfile"));
}

#[test]
fn error_missing_file() {
    let s = Scratch::empty();
    let out = assert_file_error(&s, "nope.Dockerfile");
    snap("error-missing-file", out.render("dockopt nope.Dockerfile"));
}

/// Over 16 MiB (a sparse file, so the test stays cheap).
#[test]
fn error_file_too_large() {
    let s = Scratch::empty();
    let f = std::fs::File::create(s.path("huge.Dockerfile")).unwrap();
    f.set_len(16 * 1024 * 1024 + 1).unwrap();
    drop(f);
    let out = assert_file_error(&s, "huge.Dockerfile");
    assert!(out.stderr.contains("too large"), "{}", out.stderr);
    snap("error-too-large", out.render("dockopt huge.Dockerfile"));
}

/// A directory where a file is expected: `--context` naming a file, and
/// `inspect` of a directory.
#[test]
fn error_directory_and_file_mixed_up() {
    let s = npm_project(NPM_DOCKERFILE);
    let before = s.tree();
    let out = s.run(&["--fix", "--context", "server.js", "Dockerfile"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("server.js"), "{}", out.stderr);
    assert_eq!(s.tree(), before);
    let ctx = s.run(&["--context", "server.js", "Dockerfile"]);
    std::fs::create_dir(s.path("adir")).unwrap();
    let inspect = s.run(&["inspect", "adir"]);
    assert_eq!(inspect.code, 2);
    assert!(inspect.stderr.contains("adir"), "{}", inspect.stderr);
    snap(
        "error-context-is-a-file",
        ctx.render("dockopt --context server.js Dockerfile"),
    );
    snap(
        "error-inspect-directory",
        inspect.render("dockopt inspect adir"),
    );
}

/// A directory with no Dockerfile: said on stderr, not an error.
#[test]
fn empty_directory_is_reported() {
    let s = Scratch::empty();
    std::fs::create_dir(s.path("empty")).unwrap();
    let out = s.run(&["empty"]);
    assert_eq!(out.code, 0);
    assert!(
        out.stderr.contains("empty: no Dockerfiles found"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------
// --fix writes
// ---------------------------------------------------------------------------

/// Permissions kept (0640), the file replaced by a rename (new inode), no
/// temp file left; a created `.dockerignore` is 0644.
#[test]
fn fix_keeps_permissions_and_writes_atomically() {
    let s = npm_project(NPM_DOCKERFILE);
    std::fs::remove_file(s.path(".dockerignore")).unwrap();
    s.write("node_modules/left-pad/index.js", "module.exports = 1;\n");
    let df = s.path("Dockerfile");
    std::fs::set_permissions(&df, std::fs::Permissions::from_mode(0o640)).unwrap();
    let ino = std::fs::metadata(&df).unwrap().ino();
    let out = s.run(&["--fix", "Dockerfile"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let meta = std::fs::metadata(&df).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o640);
    assert_ne!(
        meta.ino(),
        ino,
        "expected an atomic replace (rename), not an in-place write"
    );
    assert_eq!(s.read("Dockerfile"), NPM_FIXED.as_bytes());
    assert_eq!(s.read(".dockerignore"), b".dockerignore\n**/node_modules\n");
    let ig = std::fs::metadata(s.path(".dockerignore")).unwrap();
    assert_eq!(ig.permissions().mode() & 0o777, 0o644);
    assert!(leftovers(&s).is_empty(), "{:?}", leftovers(&s));
    let names: Vec<String> = std::fs::read_dir(&s.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut names = names;
    names.sort();
    assert_eq!(
        names,
        [
            ".dockerignore",
            "Dockerfile",
            "node_modules",
            "package-lock.json",
            "package.json",
            "server.js"
        ]
    );
}

/// An executable bit and an unusual mode survive too.
#[test]
fn fix_keeps_unusual_permissions() {
    let s = npm_project(NPM_DOCKERFILE);
    let df = s.path("Dockerfile");
    std::fs::set_permissions(&df, std::fs::Permissions::from_mode(0o751)).unwrap();
    assert_eq!(s.run(&["--fix", "Dockerfile"]).code, 0);
    assert_eq!(
        std::fs::metadata(&df).unwrap().permissions().mode() & 0o7777,
        0o751
    );
}

/// CRLF line endings and a BOM survive `--fix`, in the inserted lines too.
#[test]
fn fix_preserves_crlf_and_bom() {
    let original = format!("\u{feff}{}", NPM_DOCKERFILE.replace('\n', "\r\n"));
    let s = npm_project(&original);
    let out = s.run(&["--fix", "Dockerfile"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fixed = String::from_utf8(s.read("Dockerfile")).unwrap();
    assert_eq!(
        fixed,
        format!("\u{feff}{}", NPM_FIXED.replace('\n', "\r\n"))
    );
}

/// A symlinked Dockerfile: `--fix` rewrites the file the link points to and
/// keeps the link (an atomic rename over the link's path would turn it into a
/// regular file and leave the real Dockerfile unchanged).
#[test]

fn fix_through_a_symlink_keeps_the_link() {
    let s = npm_project(NPM_DOCKERFILE);
    std::fs::rename(s.path("Dockerfile"), s.path("real.Dockerfile")).unwrap();
    std::os::unix::fs::symlink("real.Dockerfile", s.path("Dockerfile")).unwrap();
    let out = s.run(&["--fix", "Dockerfile"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let meta = std::fs::symlink_metadata(s.path("Dockerfile")).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "--fix replaced the symlink with a regular file"
    );
    assert_eq!(s.read("real.Dockerfile"), NPM_FIXED.as_bytes());
}

// ---------------------------------------------------------------------------
// stdin
// ---------------------------------------------------------------------------

#[test]
fn stdin_with_context() {
    let s = npm_project(NPM_DOCKERFILE);
    let diff = s.run_stdin(&["--context", ".", "-"], NPM_DOCKERFILE.as_bytes());
    assert_eq!(diff.code, 1);
    assert!(diff
        .stdout
        .contains("+COPY package.json package-lock.json ./\n"));
    let fix = s.run_stdin(&["--fix", "--context", ".", "-"], NPM_DOCKERFILE.as_bytes());
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert_eq!(fix.stdout, NPM_FIXED, "--fix with - prints the result");
    assert_eq!(
        s.read("Dockerfile"),
        NPM_DOCKERFILE.as_bytes(),
        "stdin mode writes no file"
    );
    snap(
        "stdin-fix-with-context",
        fix.render("dockopt --fix --context . - < Dockerfile"),
    );
}

/// `--fix -` prints the Dockerfile; a `.dockerignore` entry the fix needs
/// (host `node_modules`) is written to the context without a word. The
/// printed Dockerfile is only safe with that entry, so the user must be told.
#[test]

fn stdin_fix_says_when_it_writes_the_ignore_file() {
    let s = npm_project(NPM_DOCKERFILE);
    std::fs::remove_file(s.path(".dockerignore")).unwrap();
    s.write("node_modules/left-pad/index.js", "module.exports = 1;\n");
    let fix = s.run_stdin(&["--fix", "--context", ".", "-"], NPM_DOCKERFILE.as_bytes());
    assert_eq!(fix.stdout, NPM_FIXED);
    assert!(
        fix.stderr.contains(".dockerignore"),
        "stderr does not mention the .dockerignore change: {}",
        fix.stderr
    );
}

#[test]
fn stdin_without_context_gives_a_reason() {
    let s = npm_project(NPM_DOCKERFILE);
    let out = s.run_stdin(&["-"], NPM_DOCKERFILE.as_bytes());
    assert_eq!(out.code, 0, "a note, not a failure");
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("--context"),
        "the reason says how: {}",
        out.stderr
    );
    let fix = s.run_stdin(&["--fix", "-"], NPM_DOCKERFILE.as_bytes());
    assert_eq!(
        fix.stdout, NPM_DOCKERFILE,
        "--fix - prints the input unchanged"
    );
    let j = s.run_stdin(&["--format", "json", "-"], NPM_DOCKERFILE.as_bytes());
    let v = json(&j);
    assert_eq!(v["files"][0]["path"], "-");
    assert_eq!(v["files"][0]["status"], "left-alone");
    assert_eq!(v["files"][0]["findings"][0]["reason"]["kind"], "no-context");
    snap(
        "stdin-without-context",
        out.render("dockopt - < Dockerfile"),
    );
}

#[test]
fn stdin_not_utf8_is_named() {
    let s = Scratch::empty();
    let out = s.run_stdin(&["-"], b"FROM alpine\n\xff\n");
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("<stdin>"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------
// rule, presets, --preset-dir
// ---------------------------------------------------------------------------

#[test]
fn rule_doc_has_the_sections() {
    let s = Scratch::empty();
    let out = s.run(&["rule", "copy-manifests-first"]);
    assert_eq!(out.code, 0);
    for section in ["What it does", "Why is this bad?", "Example", "Fix safety"] {
        assert!(
            out.stdout.lines().any(|l| l == format!("## {section}")),
            "missing section {section}:\n{}",
            out.stdout
        );
    }
    let headings: String = out
        .stdout
        .lines()
        .filter(|l| l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    snap("rule-doc-headings", headings);
    let list = s.run(&["rule"]);
    assert_eq!(list.code, 0);
    assert!(
        list.stdout.starts_with("copy-manifests-first "),
        "{}",
        list.stdout
    );
    let unknown = s.run(&["rule", "no-such-rule"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stderr.contains("no-such-rule"));
    assert!(
        unknown.stderr.contains("copy-manifests-first"),
        "lists the known rules"
    );
}

#[test]
fn presets_lists_the_builtin_ones() {
    let s = Scratch::empty();
    let out = s.run(&["presets"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for name in ["npm", "pip", "cargo"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.split_whitespace().next() == Some(name)
                    && l.trim_end().ends_with("built in")),
            "{name} is not listed as built in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn preset_dir_with_a_user_preset_is_listed_with_its_file() {
    let s = Scratch::empty();
    s.write(
        "presets/npm.toml",
        "name = \"npm\"\ndescription = \"my npm\"\n[[command]]\nmatch = [\"npm ci\"]\nrequired = [\"package.json\"]\n",
    );
    let out = s.run(&["presets", "--preset-dir", "presets"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let npm = out.stdout.lines().find(|l| l.starts_with("npm ")).unwrap();
    assert!(npm.contains("presets/npm.toml"), "{npm}");
    assert!(npm.contains("my npm"), "{npm}");
}

/// A broken preset: exit 2, the error names the file, the line and the key,
/// and nothing is processed or written.
#[test]
fn preset_dir_broken_preset_names_file_line_and_key() {
    let s = npm_project(NPM_DOCKERFILE);
    s.write(
        "presets/npm.toml",
        "name = \"npm\"\ndescription = \"typo\"\n\n[[command]]\nmatch = [\"npm ci\"]\nrequried = [\"package.json\"]\n",
    );
    let before = s.tree();
    for args in [
        &["--fix", "--preset-dir", "presets", "Dockerfile"][..],
        &["--preset-dir", "presets", "Dockerfile"],
        &["presets", "--preset-dir", "presets"],
    ] {
        let out = s.run(args);
        assert_eq!(out.code, 2, "{args:?}");
        assert_eq!(out.stdout, "", "{args:?}");
        assert!(
            out.stderr.contains("presets/npm.toml:6:"),
            "{args:?}: file and line: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("requried"),
            "{args:?}: key: {}",
            out.stderr
        );
    }
    assert_eq!(s.tree(), before);
}

#[test]
fn preset_dir_invalid_toml_names_file_and_line() {
    let s = npm_project(NPM_DOCKERFILE);
    s.write(
        "presets/x.toml",
        "name = \"x\"\ndescription = \"d\"\n[[command]\n",
    );
    let out = s.run(&["--preset-dir", "presets", "Dockerfile"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("presets/x.toml:3:"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

#[test]
fn json_output_has_the_fields() {
    let s = npm_project(NPM_DOCKERFILE);
    s.write("plain/Dockerfile", PLAIN_DOCKERFILE);
    let out = s.run(&["--format", "json", "Dockerfile", "plain/Dockerfile"]);
    assert_eq!(out.code, 1);
    let v = json(&out);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        for key in ["path", "context", "status", "findings", "diff"] {
            assert!(f.get(key).is_some(), "missing `{key}` in {f}");
        }
    }
    let f = &files[0];
    assert_eq!(f["path"], "Dockerfile");
    assert_eq!(f["context"], ".");
    assert_eq!(f["status"], "changed");
    let diff = f["diff"].as_str().unwrap();
    assert!(
        diff.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n"),
        "{diff}"
    );
    let finding = &f["findings"][0];
    assert_eq!(finding["line"], 3);
    assert_eq!(finding["rule"], "copy-manifests-first");
    assert_eq!(finding["applicability"], "safe");
    assert!(finding["reason"].is_null());
    assert!(finding["message"].as_str().unwrap().contains("npm ci"));
    let p = &files[1];
    assert_eq!(p["path"], "plain/Dockerfile");
    assert_eq!(p["context"], "plain");
    assert_eq!(p["status"], "unchanged");
    assert!(p["diff"].is_null());
    assert_eq!(p["findings"].as_array().unwrap().len(), 0);
    assert_eq!(v["summary"]["files"], 2);
    assert_eq!(v["summary"]["changed"], 1);
    // In --fix mode the finding is marked applied and the file written.
    let fix = s.run(&["--fix", "--format", "json", "Dockerfile"]);
    assert_eq!(fix.code, 0);
    let v = json(&fix);
    assert_eq!(v["files"][0]["findings"][0]["applied"], true);
    assert_eq!(s.read("Dockerfile"), NPM_FIXED.as_bytes());
}

/// `dockopt --format json | head -c 1` is not an error (STYLE.md: a broken pipe exits 0).
#[test]

fn json_into_a_closed_pipe_is_not_an_error() {
    let s = Scratch::empty();
    for i in 0..400 {
        s.write(&format!("p{i}/Dockerfile"), NPM_DOCKERFILE);
        s.write(&format!("p{i}/package.json"), PACKAGE_JSON);
        s.write(&format!("p{i}/package-lock.json"), LOCKFILE);
    }
    let out = closed_pipe_run(&s, &["--format", "json", "."]);
    assert!(!out.stderr.contains("Broken pipe"), "{}", out.stderr);
    assert_ne!(out.code, 2);
}

/// The text diff into a closed pipe is fine already.
#[test]
fn diff_into_a_closed_pipe_is_not_an_error() {
    let s = Scratch::empty();
    for i in 0..400 {
        s.write(&format!("p{i}/Dockerfile"), NPM_DOCKERFILE);
        s.write(&format!("p{i}/package.json"), PACKAGE_JSON);
        s.write(&format!("p{i}/package-lock.json"), LOCKFILE);
    }
    let out = closed_pipe_run(&s, &["-q", "."]);
    assert!(!out.stderr.contains("Broken pipe"), "{}", out.stderr);
    assert_ne!(out.code, 2);
}

/// Run with stdout read for one byte, then closed.
fn closed_pipe_run(s: &Scratch, args: &[&str]) -> Output {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(crate::support::bin())
        .args(args)
        .current_dir(&s.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut one = [0u8; 1];
    stdout.read_exact(&mut one).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

// ---------------------------------------------------------------------------
// Directory search
// ---------------------------------------------------------------------------

/// A tree with every Dockerfile name dockopt looks for, plus files it must skip.
fn search_tree() -> Scratch {
    let s = Scratch::empty();
    for f in [
        "Dockerfile",
        "Containerfile",
        "Dockerfile.dev",
        "svc/api.Dockerfile",
        "svc/deep/er/x.dockerfile",
        // skipped: ignored by .gitignore, inside .git, not a Dockerfile name
        "vendor/Dockerfile",
        "build/out/Dockerfile",
        ".git/Dockerfile",
        "notes/Dockerfile.md.txt/.keep",
    ] {
        s.write(f, PLAIN_DOCKERFILE);
    }
    s.write("web/Dockerfile", NPM_DOCKERFILE);
    s.write("web/package.json", PACKAGE_JSON);
    s.write("web/package-lock.json", LOCKFILE);
    s.write("web/.dockerignore", "node_modules\n");
    s.write("Dockerfile.dockerignore", "node_modules\n");
    s.write("README.md", "# not a Dockerfile\n");
    s.write("Makefile", "all:\n");
    s.write(".gitignore", "vendor/\n/build\n");
    s
}

#[test]
fn directory_search_finds_the_names_and_honours_gitignore() {
    let s = search_tree();
    let out = s.run(&["--format", "json", "."]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let v = json(&out);
    let paths: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "Containerfile",
            "Dockerfile",
            "Dockerfile.dev",
            "svc/api.Dockerfile",
            "svc/deep/er/x.dockerfile",
            "web/Dockerfile",
        ]
    );
    // The default PATH is `.`.
    let default = s.run(&["--format", "json"]);
    assert_eq!(default.stdout, out.stdout);
}

#[test]
fn directory_search_output_is_sorted_and_deterministic() {
    let s = search_tree();
    let first = s.run(&["--check", "-j", "4", "."]);
    let second = s.run(&["--check", "-j", "1", "."]);
    assert_eq!(first.code, 1);
    assert_eq!(
        (&first.stdout, &first.stderr),
        (&second.stdout, &second.stderr)
    );
    for _ in 0..3 {
        let again = s.run(&["--check", "."]);
        assert_eq!(again.stdout, first.stdout);
    }
    let diff1 = s.run(&["."]);
    let diff2 = s.run(&["-j", "1", "."]);
    assert_eq!(diff1.stdout, diff2.stdout);
    snap("directory-check", first.render("dockopt --check ."));
    snap("directory-diff", diff1.render("dockopt ."));
}

/// A directory given explicitly is searched the same way, with paths shown
/// relative to the working directory.
#[test]
fn directory_search_of_a_subdirectory() {
    let s = search_tree();
    let out = s.run(&["--check", "svc", "web"]);
    assert_eq!(out.code, 1);
    let shown: Vec<&str> = out
        .stdout
        .lines()
        .chain(out.stderr.lines())
        .filter_map(|l| l.split(':').next())
        .collect();
    assert!(shown.contains(&"web/Dockerfile"), "{out:?}");
    assert!(out.stderr.contains("3 Dockerfiles"), "{}", out.stderr);
}

/// `--context` with several Dockerfiles is a usage error (it names one context).
#[test]
fn context_with_several_dockerfiles_is_an_error() {
    let s = search_tree();
    let out = s.run(&["--context", "web", "."]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--context"), "{}", out.stderr);
}
