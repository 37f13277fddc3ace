//! Shared ignore files (issue 11): an entry the fix adds to a context's
//! ignore file applies to every Dockerfile built from that context, also to
//! one far from the context root whose context is declared (compose,
//! dockopt.toml, a Makefile) or inferred. Each case runs for a single file
//! and in bulk; each refusal has a neighbour where the entry is still added.

use serde_json::Value;

use crate::support::{Output, Scratch};

/// A Node project at the root whose install needs `**/node_modules` (the
/// host has a `node_modules`).
fn project() -> Scratch {
    let s = Scratch::empty();
    s.write(
        "Dockerfile",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
    );
    s.write("package.json", "{\"name\":\"app\"}\n");
    s.write("package-lock.json", "{}\n");
    s.write("server.js", "console.log(1)\n");
    s.write("node_modules/left-pad/index.js", "host\n");
    s
}

/// A runtime Dockerfile that copies `what` from its context.
fn runtime(copies: &str) -> String {
    format!("FROM node:20-slim\nWORKDIR /srv\nCOPY {copies} /srv/{copies}\nCMD [\"node\"]\n")
}

const COMPOSE: &str = "services:\n  runtime:\n    build:\n      context: ..\n      dockerfile: deploy/Dockerfile.runtime\n";

/// The root Dockerfile's finding, in a run with `args` (JSON output).
fn root_finding(s: &Scratch, args: &[&str]) -> (Output, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = s.run(&all);
    assert!(matches!(out.code, 0 | 1), "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let file = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "Dockerfile")
        .unwrap_or_else(|| panic!("no Dockerfile in {v}"))
        .clone();
    (out, file)
}

/// How a refusal names a far sibling whose context nothing declares.
const UNDECLARED: &str = "may be built from this context (no declared context)";

/// The root Dockerfile is left alone because `sibling` copies node_modules.
fn assert_blocked_by(s: &Scratch, args: &[&str], sibling: &str) {
    assert_refused(
        s,
        args,
        &format!("{sibling}:3 shares the ignore file and copies node_modules"),
    );
}

/// The root Dockerfile is left alone, the refusal saying `why`.
fn assert_refused(s: &Scratch, args: &[&str], why: &str) {
    let (out, file) = root_finding(s, args);
    let reason = &file["findings"][0]["reason"];
    assert_eq!(reason["kind"], "clobber", "{args:?}: {file}");
    let text = reason["text"].as_str().unwrap_or_default();
    assert!(text.contains(why), "{args:?}: {text}");
    assert_eq!(file["diff"].as_str().unwrap_or(""), "", "{args:?}");
    assert!(!out.stdout.contains("+**/node_modules"), "{args:?}");
}

/// The root Dockerfile is rewritten and `**/node_modules` added.
fn assert_entry_added(s: &Scratch, args: &[&str]) {
    let (_, file) = root_finding(s, args);
    let diff = file["diff"].as_str().unwrap_or("");
    assert!(diff.contains("+**/node_modules\n"), "{args:?}: {file}");
    assert!(
        diff.contains("+COPY package.json package-lock.json ./\n"),
        "{args:?}: {diff}"
    );
}

/// compose in `deploy/` builds `deploy/Dockerfile.runtime` with the root as
/// its context; it copies node_modules: the entry would drop it.
#[test]
fn far_sibling_declared_by_compose_blocks_the_entry() {
    let s = project();
    s.write("deploy/Dockerfile.runtime", runtime("node_modules"));
    s.write("deploy/compose.yaml", COMPOSE);
    assert_blocked_by(&s, &["Dockerfile"], "deploy/Dockerfile.runtime");
    assert_blocked_by(&s, &["."], "deploy/Dockerfile.runtime");
    let fix = s.run(&["--fix", "."]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert!(!s.path(".dockerignore").exists());
}

/// The same far sibling copying only server.js: the entry is still added.
#[test]
fn far_sibling_declared_by_compose_not_copying_modules_keeps_the_entry() {
    let s = project();
    s.write("deploy/Dockerfile.runtime", runtime("server.js"));
    s.write("deploy/compose.yaml", COMPOSE);
    assert_entry_added(&s, &["Dockerfile"]);
    assert_entry_added(&s, &["."]);
}

/// dockopt.toml maps `ops/Dockerfile.runtime` to the root context.
#[test]
fn far_sibling_declared_by_dockopt_toml_blocks_the_entry() {
    let s = project();
    s.write("ops/Dockerfile.runtime", runtime("node_modules"));
    s.write(
        "dockopt.toml",
        "[contexts]\n\"ops/Dockerfile.runtime\" = \".\"\n",
    );
    assert_blocked_by(&s, &["Dockerfile"], "ops/Dockerfile.runtime");
    assert_blocked_by(&s, &["."], "ops/Dockerfile.runtime");
}

/// A Makefile builds `build/Dockerfile.runtime` from the root.
#[test]
fn far_sibling_declared_by_a_makefile_blocks_the_entry() {
    let s = project();
    s.write("build/Dockerfile.runtime", runtime("node_modules"));
    s.write(
        "Makefile",
        "image:\n\tdocker build -f build/Dockerfile.runtime -t rt .\n",
    );
    assert_blocked_by(&s, &["Dockerfile"], "build/Dockerfile.runtime");
    assert_blocked_by(&s, &["."], "build/Dockerfile.runtime");
}

/// Nothing declares `docker/Dockerfile.runtime`, but its sources exist only
/// at the root: its context is inferred to be the root.
#[test]
fn far_sibling_with_an_inferred_context_blocks_the_entry() {
    let s = project();
    s.write("docker/Dockerfile.runtime", runtime("node_modules"));
    let why = format!("docker/Dockerfile.runtime:3 {UNDECLARED} and copies node_modules");
    assert_refused(&s, &["Dockerfile"], &why);
    assert_refused(&s, &["."], &why);
}

/// The far Dockerfile copies its whole context and nothing declares one: its
/// own directory holds every source, but so does the root, and `docker build
/// -f docker/Dockerfile.runtime .` is a common way to build it; the root's
/// entry would drop its node_modules.
#[test]
fn far_undeclared_dockerfile_whose_sources_are_at_the_root_blocks() {
    let s = project();
    s.write(
        "docker/Dockerfile.runtime",
        "FROM node:20-slim\nCOPY . /srv/\n",
    );
    s.write("docker/index.js", "its own\n");
    let why = format!("docker/Dockerfile.runtime:2 {UNDECLARED} and copies the whole context");
    assert_refused(&s, &["Dockerfile"], &why);
    assert_refused(&s, &["."], &why);
}

/// The adversarial case, built with buildah: `deploy/Dockerfile` only does
/// `COPY . .` and nothing declares its context; a plain `--fix` at the root
/// must not write `**/node_modules` to the root's ignore file.
#[test]
fn undeclared_deploy_dockerfile_copying_everything_keeps_the_root_ignore_file() {
    let s = project();
    s.write("deploy/Dockerfile", "FROM node:20-slim\nCOPY . .\n");
    let why = format!("deploy/Dockerfile:2 {UNDECLARED} and copies the whole context");
    assert_refused(&s, &["Dockerfile"], &why);
    assert_refused(&s, &["."], &why);
    let before = std::fs::read_to_string(s.path("Dockerfile")).unwrap();
    let fix = s.run(&["--fix"]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert!(!s.path(".dockerignore").exists());
    assert!(!s.path("deploy/.dockerignore").exists());
    assert_eq!(
        std::fs::read_to_string(s.path("Dockerfile")).unwrap(),
        before
    );
}

/// The far Dockerfile copies its whole context and `deploy-only.txt`, which
/// only its own directory holds: it cannot be built from the root, whose
/// entry is still added.
#[test]
fn far_dockerfile_whose_sources_are_not_at_the_root_does_not_block() {
    let s = project();
    s.write(
        "deploy/Dockerfile",
        "FROM node:20-slim\nCOPY deploy-only.txt /srv/\nCOPY . /srv/\n",
    );
    s.write("deploy/deploy-only.txt", "its own\n");
    assert_entry_added(&s, &["Dockerfile"]);
    assert_entry_added(&s, &["."]);
}

/// A far sibling declared with another context (compose `context: .` in
/// its own directory) does not share the root's ignore file.
#[test]
fn far_dockerfile_declared_elsewhere_does_not_block() {
    let s = project();
    s.write(
        "deploy/Dockerfile.runtime",
        "FROM node:20-slim\nCOPY . /srv/\n",
    );
    s.write(
        "deploy/compose.yaml",
        "services:\n  runtime:\n    build:\n      context: .\n      dockerfile: Dockerfile.runtime\n",
    );
    assert_entry_added(&s, &["Dockerfile"]);
    assert_entry_added(&s, &["."]);
}

/// Nothing declares `docker/Dockerfile.app`; its only source (`.`) is in
/// its own directory, but its install's manifests are not: dockopt widens
/// its context to the root, where they are, so it shares the root's
/// ignore file and its `COPY . .` would lose node_modules.
#[test]
fn far_sibling_with_a_widened_context_blocks_the_entry() {
    let s = project();
    s.write(
        "docker/Dockerfile.app",
        "FROM node:20\nWORKDIR /srv\nCOPY . .\nRUN npm ci\n",
    );
    let (_, file) = root_finding(&s, &["Dockerfile"]);
    let text = file["findings"][0]["reason"]["text"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains(
            "docker/Dockerfile.app:3 may be built from this context (no declared context) and copies the whole context"
        ),
        "{file}"
    );
    let (_, file) = root_finding(&s, &["."]);
    assert_eq!(file["diff"].as_str().unwrap_or(""), "", "{file}");
}
