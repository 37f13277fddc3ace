//! The CI-gate contract (README "Exit status"): exit 1 only when the run
//! would change a file; left-alone findings are notes (exit 0) unless
//! `--exit-non-zero-on-finding`; unused suppressions fail `--strict`;
//! errors exit 2. Every cell of mode × outcome × flag is in one snapshot
//! table (`snapshots/gate/exit-table.snap`). Inline suppressions
//! (`# dockopt: ignore`) are tested in every mode.

use serde_json::Value;

use crate::support::{Output, Scratch};

const NPM_DOCKERFILE: &str =
    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";

fn npm_project(dockerfile: &str) -> Scratch {
    let s = Scratch::empty();
    s.write("Dockerfile", dockerfile);
    s.write("package.json", "{\"name\": \"app\"}\n");
    s.write("package-lock.json", "{\"lockfileVersion\": 3}\n");
    s.write("server.js", "1;\n");
    s.write(".dockerignore", "node_modules\n");
    s
}

/// The outcomes of the table, each a fresh project.
const OUTCOMES: &[&str] = &[
    "unchanged",
    "safe-fix",
    "unsafe-fix",
    "left-alone",
    "suppressed",
    "unused-suppression",
    "error",
];

fn project(outcome: &str) -> Scratch {
    match outcome {
        "unchanged" => npm_project("FROM alpine:3.20\nRUN apk add curl\n"),
        "safe-fix" => npm_project(NPM_DOCKERFILE),
        // cargo's dev profile in the exported stage: the incremental rebuild
        // over the stub build leaves a different library, so unsafe.
        "unsafe-fix" => {
            let s = Scratch::of_fixture("rewrite", "cargo-single");
            s.write(
                "Dockerfile",
                "FROM rust:1.80\nWORKDIR /usr/src/hello\nCOPY . .\nRUN cargo build --locked\nCMD [\"./target/debug/hello\"]\n",
            );
            s
        }
        "left-alone" => Scratch::of_fixture("rewrite", "refuse-pip-install-dot"),
        "suppressed" => npm_project(&NPM_DOCKERFILE.replace(
            "COPY . .",
            "# dockopt: ignore=copy-manifests-first -- reviewed\nCOPY . .",
        )),
        "unused-suppression" => {
            npm_project("FROM alpine:3.20\n# dockopt: ignore\nRUN apk add curl\n")
        }
        "error" => {
            let s = npm_project(NPM_DOCKERFILE);
            s.write("Dockerfile", b"FROM alpine\n\0\x01\n");
            s
        }
        _ => unreachable!("{outcome}"),
    }
}

/// Columns: the mode and output format.
const MODES: &[(&str, &[&str])] = &[
    ("diff", &[]),
    ("--check", &["--check"]),
    ("--fix", &["--fix"]),
    ("json", &["--format", "json"]),
    ("sarif", &["--format", "sarif"]),
    ("--check json", &["--check", "--format", "json"]),
];

const FLAGS: &[&[&str]] = &[
    &[],
    &["--unsafe-fixes"],
    &["--exit-non-zero-on-finding"],
    &["--strict"],
    &["--exit-non-zero-on-finding", "--strict"],
];

fn run(outcome: &str, mode: &[&str], flags: &[&str]) -> Output {
    let s = project(outcome);
    let mut args: Vec<&str> = mode.to_vec();
    args.extend(flags);
    args.push("Dockerfile");
    s.run(&args)
}

/// The expected exit code, from the contract itself (so the snapshot and
/// the rule are checked against each other).
fn expected(outcome: &str, mode: &str, flags: &[&str]) -> i32 {
    let fix = mode == "--fix";
    let on_finding = flags.contains(&"--exit-non-zero-on-finding");
    let unsafe_ok = flags.contains(&"--unsafe-fixes");
    match outcome {
        "error" => 2,
        "safe-fix" => i32::from(!fix),
        "unsafe-fix" if unsafe_ok => i32::from(!fix),
        "unsafe-fix" | "left-alone" => i32::from(on_finding),
        "unused-suppression" => i32::from(flags.contains(&"--strict")),
        _ => 0,
    }
}

#[test]
fn exit_table_every_cell() {
    let mut table = String::from("outcome             flags                                    |");
    for (m, _) in MODES {
        table.push_str(&format!(" {m:>12}"));
    }
    table.push('\n');
    let mut wrong = Vec::new();
    for outcome in OUTCOMES {
        for flags in FLAGS {
            let shown = if flags.is_empty() {
                "-".to_string()
            } else {
                flags.join(" ")
            };
            table.push_str(&format!("{outcome:<19} {shown:<40} |"));
            for (m, mode) in MODES {
                let out = run(outcome, mode, flags);
                table.push_str(&format!(" {:>12}", out.code));
                if out.code != expected(outcome, m, flags) {
                    wrong.push(format!(
                        "{outcome} {m} {shown}: {}\n{}",
                        out.code, out.stderr
                    ));
                }
            }
            table.push('\n');
        }
    }
    assert!(
        wrong.is_empty(),
        "cells off the contract:\n{}",
        wrong.join("\n")
    );
    crate::snapshot!("gate", "exit-table", table);
}

/// A left-alone file: the reason is a note on stderr in every mode, stdout
/// stays empty in `--check`, nothing is written by `--fix`.
#[test]
fn left_alone_is_a_note_on_stderr() {
    for mode in [&[][..], &["--check"], &["--fix"]] {
        let s = project("left-alone");
        let before = s.tree();
        let mut args = mode.to_vec();
        args.push("Dockerfile");
        let out = s.run(&args);
        assert_eq!(out.code, 0, "{mode:?}: {}", out.stderr);
        assert_eq!(out.stdout, "", "{mode:?}");
        assert!(
            out.stderr.contains("left as is"),
            "{mode:?}: {}",
            out.stderr
        );
        assert_eq!(s.tree(), before);
    }
    let out = run("left-alone", &["--check"], &[]);
    crate::snapshot!(
        "gate",
        "left-alone-check",
        out.render("dockopt --check Dockerfile")
    );
}

/// JSON and SARIF mark a left-alone finding as a note and a fix this run
/// makes as a change (SARIF `warning`).
#[test]
fn json_and_sarif_levels() {
    let level = |outcome: &str, flags: &[&str]| {
        let out = run(outcome, &["--format", "json"], flags);
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        v["files"][0]["findings"][0]["level"].clone()
    };
    assert_eq!(level("left-alone", &[]), "note");
    assert_eq!(level("unsafe-fix", &[]), "note");
    assert_eq!(level("unsafe-fix", &["--unsafe-fixes"]), "change");
    assert_eq!(level("safe-fix", &[]), "change");
    let sarif = |outcome: &str| {
        let out = run(outcome, &["--format", "sarif"], &[]);
        let v: Value = serde_json::from_str(&out.stdout).unwrap();
        v["runs"][0]["results"][0]["level"].clone()
    };
    assert_eq!(sarif("left-alone"), "note");
    assert_eq!(sarif("unsafe-fix"), "note");
    assert_eq!(sarif("safe-fix"), "warning");
}

// ---------------------------------------------------------------------------
// Inline suppressions
// ---------------------------------------------------------------------------

/// `# dockopt: ignore` forms that silence the npm finding on `COPY . .`.
const SILENCING: &[&str] = &[
    "# dockopt: ignore\nCOPY . .",
    "# dockopt: ignore=copy-manifests-first\nCOPY . .",
    "#dockopt:ignore=copy-manifests-first -- the image needs it\nCOPY . .",
    "# dockopt: ignore\n# another comment\nCOPY . .",
    "COPY . .\n# dockopt: ignore-file",
    "# dockopt: ignore-file=copy-manifests-first\nCOPY . .",
];

/// Forms that do not silence it.
const NOT_SILENCING: &[&str] = &[
    "# dockopt: ignore\n\nCOPY . .",
    "# dockopt: ignore=some-other-rule\nCOPY . .",
    "# dockopt: ignored\nCOPY . .",
    "# hadolint ignore=DL3006\nCOPY . .",
];

/// Every mode honours a suppression: no diff, nothing written, no finding
/// in text, JSON or SARIF, exit 0; bulk runs too.
#[test]
fn suppressions_are_honoured_in_every_mode() {
    for form in SILENCING {
        let df = NPM_DOCKERFILE.replace("COPY . .", form);
        let s = npm_project(&df);
        let before = s.tree();
        for mode in [
            &[][..],
            &["--check"],
            &["--fix"],
            &["--fix", "--unsafe-fixes"],
            &["--format", "json"],
            &["--format", "sarif"],
            &["--check", "--strict"],
        ] {
            let mut args = mode.to_vec();
            args.push("Dockerfile");
            let out = s.run(&args);
            assert_eq!(out.code, 0, "{form:?} {mode:?}: {}", out.stderr);
            assert!(
                !out.stdout.contains("copies the whole source"),
                "{form:?} {mode:?}"
            );
            assert!(
                !out.stderr.contains("copies the whole source"),
                "{form:?} {mode:?}"
            );
            assert!(!out.stdout.contains("+++"), "{form:?} {mode:?}");
            assert_eq!(s.tree(), before, "{form:?} {mode:?} wrote");
        }
        let json = s.run(&["--format", "json", "Dockerfile"]);
        let v: Value = serde_json::from_str(&json.stdout).unwrap();
        assert_eq!(v["files"][0]["suppressed"], 1, "{form:?}");
        // Bulk: a directory run over the same tree.
        let bulk = s.run(&["--check", "."]);
        assert_eq!(bulk.code, 0, "{form:?} bulk: {}", bulk.stderr);
        assert_eq!(bulk.stdout, "", "{form:?} bulk");
    }
    for form in NOT_SILENCING {
        let s = npm_project(&NPM_DOCKERFILE.replace("COPY . .", form));
        let out = s.run(&["--check", "Dockerfile"]);
        assert_eq!(out.code, 1, "{form:?} must not silence: {}", out.stderr);
    }
}

/// A left-alone finding is silenced on the line dockopt reports (the RUN
/// for a reason about the install), so `--exit-non-zero-on-finding` passes.
#[test]
fn suppression_of_a_left_alone_finding_on_the_reported_line() {
    let s = project("left-alone");
    let df = String::from_utf8(s.read("Dockerfile")).unwrap();
    let out = s.run(&["--check", "--exit-non-zero-on-finding", "Dockerfile"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("Dockerfile:4:"), "{}", out.stderr);
    s.write(
        "Dockerfile",
        df.replace(
            "RUN pip",
            "# dockopt: ignore -- installs the app itself\nRUN pip",
        ),
    );
    let out = s.run(&[
        "--check",
        "--exit-non-zero-on-finding",
        "--strict",
        "Dockerfile",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr.matches("left as is").count(),
        0,
        "{}",
        out.stderr
    );
}

/// Only the suppressed stage is silenced; the other is still rewritten, and
/// the suppression comment stays above its instruction.
#[test]
fn suppression_applies_to_one_instruction_only() {
    let df = "FROM node:20 AS a\nWORKDIR /app\n# dockopt: ignore\nCOPY . .\nRUN npm ci\n\nFROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
    let s = npm_project(df);
    let out = s.run(&["--fix", "Dockerfile"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let fixed = String::from_utf8(s.read("Dockerfile")).unwrap();
    assert!(
        fixed.starts_with(
            "FROM node:20 AS a\nWORKDIR /app\n# dockopt: ignore\nCOPY . .\nRUN npm ci\n"
        ),
        "{fixed}"
    );
    assert!(fixed.contains("COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n"));
}

/// `--strict` reports suppressions that did nothing: unused, misplaced,
/// naming an unknown rule; in text and JSON.
#[test]
fn strict_reports_unused_suppressions() {
    let df = "FROM alpine:3.20\n# dockopt: ignore\nRUN apk add curl\n# dockopt: ignore=no-such-rule\nRUN true\n# dockopt: ignore\n\nCMD [\"sh\"]\n";
    let s = npm_project(df);
    let plain = s.run(&["--check", "Dockerfile"]);
    assert_eq!(plain.code, 0);
    assert_eq!(plain.stdout, "");
    let strict = s.run(&["--check", "--strict", "Dockerfile"]);
    assert_eq!(strict.code, 1);
    crate::snapshot!(
        "gate",
        "strict-unused",
        strict.render("dockopt --check --strict Dockerfile")
    );
    let json = s.run(&["--format", "json", "--strict", "Dockerfile"]);
    assert_eq!(json.code, 1);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    let problems: Vec<(u64, &str)> = v["files"][0]["unused_suppressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["line"].as_u64().unwrap(), u["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        vec![(2, "unused"), (4, "unknown-rule"), (6, "misplaced")]
    );
}

/// A rule disabled for the run (`--ignore`) does not make its suppressions
/// unused.
#[test]
fn strict_accepts_suppressions_of_disabled_rules() {
    let df = "FROM alpine:3.20\n# dockopt: ignore=copy-manifests-first\nRUN apk add curl\n";
    let s = npm_project(df);
    let out = s.run(&[
        "--check",
        "--strict",
        "--ignore",
        "copy-manifests-first",
        "Dockerfile",
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}
