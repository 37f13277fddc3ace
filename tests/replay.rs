//! `dockopt replay`: small git repositories with known histories, built in
//! temp directories, and the exact re-run counts for the file as it is and
//! as rewritten; a snapshot of the text output; each bad input.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::support::{bin, tempdir, Output};

const NPM: &str =
    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"src/index.js\"]\n";

/// A git repository in a temp directory (`GIT_CEILING_DIRECTORIES` keeps
/// git from finding any repository above it).
struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    ceiling: PathBuf,
}

impl Repo {
    /// An empty directory, not yet a repository.
    fn bare_dir() -> Repo {
        let tmp = tempdir();
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(&dir).unwrap();
        Repo {
            ceiling: tmp.path().to_path_buf(),
            _tmp: tmp,
            dir,
        }
    }

    fn new() -> Repo {
        let r = Repo::bare_dir();
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=T", "-c", "user.email=t@example.com"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&self.dir)
            .env("GIT_CEILING_DIRECTORIES", &self.ceiling)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Write the files and commit them.
    fn commit(&self, msg: &str, files: &[(&str, &str)]) {
        for (rel, text) in files {
            self.write(rel, text);
        }
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", msg]);
    }

    fn run(&self, args: &[&str]) -> Output {
        run_in(&self.dir, &self.ceiling, args)
    }
}

fn run_in(dir: &Path, ceiling: &Path, args: &[&str]) -> Output {
    let out = Command::new(bin())
        .arg("replay")
        .args(args)
        .current_dir(dir)
        .env("GIT_CEILING_DIRECTORIES", ceiling)
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Output {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn json(out: &Output) -> Value {
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

/// (line, original, rewritten) of every step of the first file.
fn step_counts(v: &Value) -> Vec<(u64, u64, u64)> {
    v["files"][0]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["line"].as_u64().unwrap(),
                s["original"].as_u64().unwrap(),
                s["rewritten"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// An npm project, then 12 commits: the ones in `manifest_at` (1-based)
/// change package.json, the others only a file under src/.
fn npm_history(manifest_at: &[usize]) -> Repo {
    let r = Repo::new();
    r.commit(
        "initial",
        &[
            ("Dockerfile", NPM),
            ("package.json", "{\"name\": \"app\"}\n"),
            ("package-lock.json", "{\"lockfileVersion\": 3}\n"),
            ("src/index.js", "0\n"),
            (".dockerignore", "node_modules\n"),
        ],
    );
    for n in 1..=12 {
        if manifest_at.contains(&n) {
            let pkg = format!("{{\"name\": \"app\", \"version\": \"1.0.{n}\"}}\n");
            r.commit(&format!("deps {n}"), &[("package.json", &pkg)]);
        } else {
            let src = format!("{n}\n");
            let file = format!("src/m{}.js", n % 3);
            r.commit(&format!("src {n}"), &[(&file, &src)]);
        }
    }
    r
}

#[test]
fn twelve_commits_ten_source_edits_two_manifest_changes() {
    let r = npm_history(&[4, 9]);
    let v = json(&r.run(&["--format", "json"]));
    let f = &v["files"][0];
    assert_eq!(f["path"], "Dockerfile");
    assert_eq!(f["commits"], 12, "the initial commit has no parent");
    assert_eq!(f["install"]["line"], 4);
    assert_eq!(f["install"]["original"], 12);
    assert_eq!(f["install"]["rewritten"], 2);
    assert_eq!(f["reason"], Value::Null);
    // FROM, WORKDIR, COPY . . (moved after the install), RUN npm ci, CMD.
    assert_eq!(
        step_counts(&v),
        vec![(1, 0, 0), (2, 0, 0), (3, 12, 12), (4, 12, 2), (5, 12, 12)]
    );
    assert_eq!(
        v["summary"],
        serde_json::json!({"files": 1, "commits": 12, "install_reruns_original": 12, "install_reruns_rewritten": 2})
    );
}

#[test]
fn commits_limits_the_replay_to_the_last_n() {
    let r = npm_history(&[4, 9]);
    let v = json(&r.run(&["--format", "json", "--commits", "5"]));
    assert_eq!(v["files"][0]["commits"], 5);
    assert_eq!(v["files"][0]["install"]["original"], 5);
    assert_eq!(
        v["files"][0]["install"]["rewritten"], 1,
        "commit 9 of 8..12"
    );
    let v = json(&r.run(&["--format", "json", "--commits", "3"]));
    assert_eq!(v["files"][0]["install"]["rewritten"], 0);
}

#[test]
fn text_output_snapshot() {
    let r = npm_history(&[4, 9]);
    // A second service, already optimized: nothing to save.
    r.commit(
        "api",
        &[
            (
                "api/Dockerfile",
                "FROM node:20\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
            ),
            ("api/package.json", "{\"name\": \"api\"}\n"),
            ("api/package-lock.json", "{}\n"),
            ("api/index.js", "1\n"),
        ],
    );
    r.commit("api src", &[("api/index.js", "2\n")]);
    let out = r.run(&["--commits", "6"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    crate::snapshot!(
        "cli",
        "replay_text",
        out.render("dockopt replay --commits 6")
    );
}

#[test]
fn ignored_paths_and_paths_outside_the_context_change_nothing() {
    let r = Repo::new();
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
    r.commit(
        "initial",
        &[
            ("svc/Dockerfile", df),
            ("svc/requirements.txt", "flask\n"),
            ("svc/app.py", "0\n"),
            ("svc/.dockerignore", "docs\n"),
            ("README.md", "0\n"),
        ],
    );
    r.commit("readme", &[("README.md", "1\n")]);
    r.commit("docs", &[("svc/docs/x.md", "1\n")]);
    r.commit("app", &[("svc/app.py", "1\n")]);
    r.commit("reqs", &[("svc/requirements.txt", "flask\nrequests\n")]);
    let v = json(&r.run(&["--format", "json", "svc/Dockerfile"]));
    assert_eq!(v["files"][0]["commits"], 4);
    assert_eq!(
        step_counts(&v),
        vec![(1, 0, 0), (2, 0, 0), (3, 2, 2), (4, 2, 1)]
    );
}

#[test]
fn the_rewrites_dockerignore_entry_counts() {
    // node_modules is committed and not ignored: the fix adds `**/node_modules`.
    let r = Repo::new();
    r.commit(
        "initial",
        &[
            ("Dockerfile", NPM),
            ("package.json", "{\"name\": \"app\"}\n"),
            ("package-lock.json", "{}\n"),
            ("node_modules/x/index.js", "0\n"),
        ],
    );
    r.commit("vendored", &[("node_modules/x/index.js", "1\n")]);
    r.commit("vendored again", &[("node_modules/x/index.js", "2\n")]);
    let v = json(&r.run(&["--format", "json"]));
    assert_eq!(v["files"][0]["reason"], Value::Null);
    // COPY . . re-runs for node_modules only in the original.
    assert_eq!(
        step_counts(&v),
        vec![(1, 0, 0), (2, 0, 0), (3, 2, 0), (4, 2, 0), (5, 2, 0)]
    );
}

#[test]
fn a_file_left_alone_has_equal_counts_and_a_reason() {
    let r = Repo::new();
    r.commit(
        "initial",
        &[
            ("Dockerfile", NPM),
            (
                "package.json",
                "{\"name\": \"app\", \"scripts\": {\"postinstall\": \"node src/gen.js\"}}\n",
            ),
            ("package-lock.json", "{}\n"),
            ("src/gen.js", "0\n"),
        ],
    );
    r.commit("src", &[("src/gen.js", "1\n")]);
    let v = json(&r.run(&["--format", "json"]));
    let f = &v["files"][0];
    assert!(f["reason"].as_str().is_some_and(|s| !s.is_empty()), "{f}");
    assert_eq!(f["install"]["original"], 1);
    assert_eq!(f["install"]["rewritten"], 1);
    for (_, o, rw) in step_counts(&v) {
        assert_eq!(o, rw);
    }
}

#[test]
fn multi_stage_follows_from_and_copy_from() {
    let r = Repo::new();
    let df = "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci\n\
              FROM nginx:1\nCOPY nginx.conf /etc/nginx/\nCOPY --from=build /app/dist /usr/share/nginx/html\n";
    r.commit(
        "initial",
        &[
            ("Dockerfile", df),
            ("package.json", "{\"name\": \"app\"}\n"),
            ("package-lock.json", "{}\n"),
            ("src/a.js", "0\n"),
            ("nginx.conf", "0\n"),
        ],
    );
    r.commit("src", &[("src/a.js", "1\n")]);
    r.commit("conf", &[("nginx.conf", "1\n")]);
    r.commit(
        "deps",
        &[("package.json", "{\"name\": \"app\", \"v\": 2}\n")],
    );
    let v = json(&r.run(&["--format", "json"]));
    // The conf commit rebuilds the build stage too (nginx.conf is in its `COPY . .`).
    assert_eq!(
        step_counts(&v),
        vec![
            (1, 0, 0),
            (2, 0, 0),
            (3, 3, 3),
            (4, 3, 1),
            (5, 0, 0),
            (6, 1, 1),
            (7, 3, 3)
        ]
    );
}

#[test]
fn weights_turn_counts_into_minutes() {
    let r = npm_history(&[4, 9]);
    r.write(
        "weights.toml",
        "default = 0\ninstall = 60\n[steps]\n\"COPY . .\" = 6\n",
    );
    let v = json(&r.run(&["--format", "json", "--weights", "weights.toml"]));
    // (12 - 2) installs x 60 s = 10 min; COPY . . runs 12 times in both.
    assert_eq!(v["files"][0]["minutes_saved"], 10.0);
    assert_eq!(v["summary"]["minutes_saved"], 10.0);
    let text = r.run(&["--weights", "weights.toml"]);
    assert!(
        text.stdout.contains(
            "estimated re-run time: 13.2 min, 3.2 min after the rewrite (10.0 min saved)"
        ),
        "{}",
        text.stdout
    );
    r.write("bad.toml", "install = -5\n");
    let bad = r.run(&["--weights", "bad.toml"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("bad.toml: bad weights file"),
        "{}",
        bad.stderr
    );
}

// ---------------------------------------------------------------------------
// Bad input: a clear message naming the file, exit 2, no panic
// ---------------------------------------------------------------------------

fn assert_error(out: &Output, needle: &str) {
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains(needle),
        "expected {needle:?} in {}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn no_repository() {
    let r = Repo::bare_dir();
    r.write("Dockerfile", NPM);
    assert_error(
        &r.run(&["Dockerfile"]),
        "dockopt: error: Dockerfile: not in a git repository",
    );
}

#[test]
fn untracked_dockerfile() {
    let r = npm_history(&[4]);
    r.write("Dockerfile.dev", NPM);
    let out = r.run(&["Dockerfile.dev", "Dockerfile"]);
    assert_error(&out, "dockopt: error: Dockerfile.dev: not tracked by git");
    // The other file is still reported.
    assert!(
        out.stdout.starts_with("Dockerfile: install step"),
        "{}",
        out.stdout
    );
}

#[test]
fn context_outside_the_repository() {
    let r = npm_history(&[4]);
    let outside = tempdir();
    assert_error(
        &r.run(&["--context", outside.path().to_str().unwrap(), "Dockerfile"]),
        "is outside the repository",
    );
}

#[test]
fn shallow_clone_with_fewer_commits_than_asked() {
    let r = npm_history(&[4, 9]);
    let url = format!("file://{}", r.dir.display());
    for (depth, commits) in [("5", 4), ("1", 0)] {
        let clone = r.ceiling.join(format!("shallow{depth}"));
        let st = Command::new("git")
            .args(["clone", "-q", "--depth", depth, &url])
            .arg(&clone)
            .status()
            .unwrap();
        assert!(st.success());
        let out = run_in(&clone, &r.ceiling, &["--format", "json", "--commits", "10"]);
        if commits == 0 {
            assert_error(
                &out,
                "Dockerfile: no commit with a parent among the last 10",
            );
            assert!(out.stderr.contains("shallow clone"), "{}", out.stderr);
        } else {
            assert_eq!(out.code, 0, "{}", out.stderr);
            assert!(
                out.stderr
                    .contains("a shallow clone: only 4 of the 10 commits asked"),
                "{}",
                out.stderr
            );
            let v: Value = serde_json::from_str(&out.stdout).unwrap();
            assert_eq!(v["files"][0]["commits"], commits);
            assert_eq!(v["files"][0]["install"]["rewritten"], 1, "commit 9");
        }
    }
}

#[test]
fn stdin_is_refused() {
    let r = npm_history(&[4]);
    assert_error(&r.run(&["-"]), "give a path, not `-`");
}

#[test]
fn help_states_the_assumptions_and_exit_codes() {
    let r = Repo::bare_dir();
    let out = r.run(&["--help"]);
    assert_eq!(out.code, 0);
    let help = out.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "ARG and ENV values are constant",
        "remote sources (base images, `ADD URL`, `RUN curl`, `COPY --from=image`) are unchanged",
        "Multi-stage: FROM <stage> and COPY --from=<stage> re-run whenever any step of that stage re-ran",
        "Exit codes: 0 every file was replayed; 2",
    ] {
        assert!(help.contains(needle), "{needle:?} not in {help}");
    }
}
