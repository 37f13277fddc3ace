//! Helpers shared by the rewrite and CLI tests: copies of fixtures in temp
//! directories, running the `dockopt` binary, whole-tree comparisons and the
//! text shown in snapshots.

#![allow(dead_code)]

pub mod case;
pub mod engine;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `dockopt` binary Cargo built for these tests.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_dockopt")
}

/// `tests/fixtures/<group>/<name>`.
pub fn fixture(group: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(group)
        .join(name)
}

/// A fresh temp directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("dockopt-test-")
        .tempdir()
        .expect("create a temp dir")
}

/// Copy the directory `src` into `dst` (created), files byte for byte with
/// their permissions.
pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    let mut entries: Vec<_> = std::fs::read_dir(src)
        .unwrap_or_else(|e| panic!("{}: {e}", src.display()))
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let from = e.path();
        let to = dst.join(e.file_name());
        let ty = e.file_type().unwrap();
        if ty.is_dir() {
            copy_dir(&from, &to);
        } else if ty.is_file() {
            std::fs::copy(&from, &to).unwrap();
        } else if ty.is_symlink() {
            let target = std::fs::read_link(&from).unwrap();
            std::os::unix::fs::symlink(target, &to).unwrap();
        }
    }
}

/// A temp copy of `tests/fixtures/<group>/<name>`; the copy is the returned
/// directory's `ctx` subdirectory (so the temp root itself stays clean).
pub struct Scratch {
    _tmp: tempfile::TempDir,
    pub dir: PathBuf,
}

impl Scratch {
    /// A copy of a rule fixture, without its expectations (`case.toml` is
    /// not part of the build context).
    pub fn of_fixture(group: &str, name: &str) -> Scratch {
        let s = Scratch::of_dir(&fixture(group, name));
        match std::fs::remove_file(s.dir.join(case::CASE_FILE)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => panic!("{name}: {e}"),
            _ => s,
        }
    }

    pub fn of_dir(src: &Path) -> Scratch {
        let tmp = tempdir();
        let dir = tmp.path().join("ctx");
        copy_dir(src, &dir);
        Scratch { _tmp: tmp, dir }
    }

    pub fn empty() -> Scratch {
        let tmp = tempdir();
        let dir = tmp.path().join("ctx");
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { _tmp: tmp, dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, contents).unwrap();
        p
    }

    pub fn read(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    pub fn tree(&self) -> Tree {
        tree(&self.dir)
    }

    /// Run dockopt in this directory.
    pub fn run(&self, args: &[&str]) -> Output {
        run_in(&self.dir, args, None)
    }

    /// Run dockopt in this directory with `stdin`.
    pub fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Output {
        run_in(&self.dir, args, Some(stdin))
    }
}

/// What one run of the binary produced.
#[derive(Debug, Clone)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The usual snapshot text: exit code, stderr, stdout.
    pub fn render(&self, command: &str) -> String {
        let mut s = format!("$ {command}\nexit: {}\n", self.code);
        s.push_str("--- stderr\n");
        s.push_str(&self.stderr);
        if !self.stderr.is_empty() && !self.stderr.ends_with('\n') {
            s.push_str("\n[no newline at end of stderr]\n");
        }
        s.push_str("--- stdout\n");
        s.push_str(&self.stdout);
        if !self.stdout.is_empty() && !self.stdout.ends_with('\n') {
            s.push_str("\n[no newline at end of stdout]\n");
        }
        visible(&s)
    }
}

/// Run `dockopt ARGS` in `dir`.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(bin());
    cmd.args(args)
        .current_dir(dir)
        .env_remove("RUST_BACKTRACE")
        .env("NO_COLOR", "1")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn dockopt");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(input).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Output {
        code: out.status.code().expect("dockopt exited by a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// Every file under a directory: relative path → (contents, mode). Directories
/// appear with a trailing `/` and no contents, so empty ones count too.
pub type Tree = BTreeMap<String, (Vec<u8>, u32)>;

pub fn tree(root: &Path) -> Tree {
    use std::os::unix::fs::PermissionsExt;
    let mut out = Tree::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let e = e.unwrap();
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let mode = meta.permissions().mode() & 0o7777;
            if meta.is_dir() {
                out.insert(format!("{rel}/"), (Vec::new(), mode));
                stack.push(p);
            } else if meta.is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.insert(rel, (t.to_string_lossy().as_bytes().to_vec(), 0o120000));
            } else {
                out.insert(rel, (std::fs::read(&p).unwrap(), mode));
            }
        }
    }
    out
}

/// Describe how two trees differ (empty when equal), contents only.
pub fn tree_diff(a: &Tree, b: &Tree) -> String {
    let mut out = String::new();
    for (k, (va, _)) in a {
        match b.get(k) {
            None => out.push_str(&format!("only in first: {k}\n")),
            Some((vb, _)) if vb != va => out.push_str(&format!(
                "differs: {k}\n--- first\n{}\n--- second\n{}\n",
                String::from_utf8_lossy(va),
                String::from_utf8_lossy(vb)
            )),
            _ => {}
        }
    }
    for k in b.keys() {
        if !a.contains_key(k) {
            out.push_str(&format!("only in second: {k}\n"));
        }
    }
    out
}

/// Make invisible bytes visible in snapshot text: CR as `␍`, a BOM as `[BOM]`,
/// tabs as `→`.
pub fn visible(s: &str) -> String {
    s.replace('\r', "␍")
        .replace('\u{feff}', "[BOM]")
        .replace('\t', "→")
}

/// Is `cmd` available on PATH?
pub fn have(cmd: &str) -> bool {
    Command::new(cmd)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Apply a patch with `git apply` in `dir` (not inside any repository).
pub fn git_apply(dir: &Path, patch: &str) -> Result<(), String> {
    let ceiling = dir.parent().unwrap_or(dir);
    let mut child = Command::new("git")
        .args(["apply", "--whitespace=nowarn", "-"])
        .current_dir(dir)
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("git: {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(patch.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "git apply failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Apply a patch with `patch -p1` in `dir`.
pub fn patch_p1(dir: &Path, patch: &str) -> Result<(), String> {
    let mut child = Command::new("patch")
        .args(["-p1", "--batch", "--silent", "--no-backup-if-mismatch"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("patch: {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(patch.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "patch -p1 failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// Assert a snapshot stored in `snapshots/<group>/<name>.snap`.
#[macro_export]
macro_rules! snapshot {
    ($group:literal, $name:expr, $text:expr) => {
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots/", $group),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!($name, $text);
        })
    };
}

/// Lines (1-based) of C and R of every applied finding, and of the steps it
/// says it moves with C. Also checks that C is a COPY/ADD whose text appears
/// unchanged in the output, R a RUN, and each moved step unchanged.
pub fn touched_lines<'a>(
    fixture: &str,
    original: &str,
    fixed: &str,
    applied: impl Iterator<Item = &'a serde_json::Value>,
) -> std::collections::BTreeSet<usize> {
    use dockopt::syntax::Keyword;
    let df = dockopt::syntax::parse(original.as_bytes());
    let mut set = std::collections::BTreeSet::new();
    for f in applied {
        let c_line = f["line"].as_u64().expect("line") as usize;
        let r_line = *related_lines(f, "install")
            .first()
            .unwrap_or_else(|| panic!("{fixture}: the finding names no install: {f}"));
        let at = |line: usize| {
            df.instructions()
                .find(|i| i.start_line == line)
                .unwrap_or_else(|| panic!("{fixture}: no instruction starts at line {line}"))
        };
        let (c, r) = (at(c_line), at(r_line));
        assert!(
            matches!(c.kind, Keyword::Copy | Keyword::Add),
            "{fixture}: line {c_line} is not a COPY/ADD"
        );
        assert_eq!(
            r.kind,
            Keyword::Run,
            "{fixture}: line {r_line} is not a RUN"
        );
        let c_text = &original[c.span.range()];
        let c_text = c_text.strip_prefix('\u{feff}').unwrap_or(c_text);
        let c_text = c_text.trim_end_matches(['\r', '\n']);
        // The moved copy keeps its text; only its destination may be written
        // absolutely (when a WORKDIR it moves past changes where it resolves).
        let before_dest = c_text
            .trim_end()
            .rsplit_once([' ', '\t'])
            .map_or(c_text, |(a, _)| a);
        assert!(
            fixed.contains(c_text) || fixed.contains(&format!("{before_dest} /")),
            "{fixture}: the source copy `{c_text}` is not in the output unchanged"
        );
        set.extend(c.start_line..=c.end_line);
        set.extend(r.start_line..=r.end_line);
        for line in related_lines(f, "moved-step") {
            let x = at(line);
            let x_text = original[x.span.range()].trim_end_matches(['\r', '\n']);
            assert!(
                fixed.contains(x_text),
                "{fixture}: the moved step `{x_text}` is not in the output unchanged"
            );
            set.extend(x.start_line..=x.end_line);
            // The comment lines right above a moved step move with it.
            let lines: Vec<&str> = original.lines().collect();
            let mut above = x.start_line - 1;
            while above >= 1 && lines[above - 1].trim_start().starts_with('#') {
                set.insert(above);
                above -= 1;
            }
        }
    }
    set
}

/// The lines of a JSON finding's related instructions of `kind`
/// (`install`, `moved-step`, ...).
fn related_lines(finding: &serde_json::Value, kind: &str) -> Vec<usize> {
    finding["related"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|x| x["kind"] == kind)
        .filter_map(|x| x["line"].as_u64())
        .map(|l| l as usize)
        .collect()
}

/// Original lines outside `touched` appear in `fixed` byte for byte, in order.
pub fn assert_untouched(
    fixture: &str,
    original: &str,
    fixed: &str,
    touched: &std::collections::BTreeSet<usize>,
) {
    let kept: String = original
        .split_inclusive('\n')
        .enumerate()
        .filter(|(i, _)| !touched.contains(&(i + 1)))
        .map(|(_, l)| l)
        .collect();
    let diff = similar::TextDiff::from_lines(kept.as_str(), fixed);
    let lost: Vec<String> = diff
        .iter_all_changes()
        .filter(|c| c.tag() == similar::ChangeTag::Delete)
        .map(|c| format!("{:?}", c.value()))
        .collect();
    assert!(
        lost.is_empty(),
        "{fixture}: lines outside the moved COPY and the split RUN changed or vanished: {lost:?}\n--- output\n{fixed}"
    );
}
