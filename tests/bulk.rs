//! Bulk runs: directory search, contexts from dockopt.toml and compose
//! files, --files-from, deterministic output, JSON and SARIF.

use std::path::Path;
use std::process::{Command, Output};

use dockopt::contexts::ContextSource;
use dockopt::report::JsonReport;
use dockopt::runner::FileStatus;
use dockopt::sarif;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn dockopt(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

const NPM: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const PKG: &str = "{\"name\":\"x\",\"version\":\"1.0.0\"}";

/// A tree of repos: plain, compose-mapped, config-mapped, broken, ignored.
fn tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    // repo a: classic npm
    write(r, "a/Dockerfile", NPM);
    write(r, "a/package.json", PKG);
    write(r, "a/package-lock.json", "{}");
    // repo b: Dockerfile in a subdirectory, context named by compose
    write(r, "b/compose.yaml", "services:\n  api:\n    build:\n      context: .\n      dockerfile: docker/api.Dockerfile\n");
    write(
        r,
        "b/docker/api.Dockerfile",
        "FROM python:3.12\nWORKDIR /srv\nCOPY . .\nRUN pip install -r requirements.txt\n",
    );
    write(r, "b/requirements.txt", "flask\n");
    // repo c: context set by dockopt.toml at the root
    write(r, "c/build/Dockerfile.prod", NPM);
    write(r, "c/package.json", PKG);
    write(r, "c/package-lock.json", "{}");
    write(
        r,
        "dockopt.toml",
        "[contexts]\n\"c/build/Dockerfile.prod\" = \"c\"\n",
    );
    // repo d: not UTF-8 in an instruction (in a comment it would be accepted)
    std::fs::create_dir_all(r.join("d")).unwrap();
    std::fs::write(r.join("d/Dockerfile"), b"FROM x\nRUN echo \xff\n").unwrap();
    // ignored by .gitignore and inside .git
    write(r, ".gitignore", "vendor/\n");
    write(r, "vendor/Dockerfile", NPM);
    write(r, ".git/Dockerfile", NPM);
    t
}

fn json(out: &Output) -> JsonReport {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn tree_contexts_errors_and_summary() {
    let t = tree();
    let out = dockopt(t.path(), &["--format", "json", "."]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a per-file error makes the exit code 2"
    );
    let report = json(&out);
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "a/Dockerfile",
            "b/docker/api.Dockerfile",
            "c/build/Dockerfile.prod",
            "d/Dockerfile"
        ]
    );
    let b = &report.files[1];
    assert_eq!(b.context_source, ContextSource::Compose);
    assert_eq!(b.context.as_deref(), Some("b"));
    assert!(b
        .context_detail
        .as_deref()
        .unwrap()
        .contains("service `api`"));
    assert_eq!(b.status, FileStatus::Changed);
    let c = &report.files[2];
    assert_eq!(c.context_source, ContextSource::Config);
    assert_eq!(c.context.as_deref(), Some("c"));
    assert_eq!(
        c.status,
        FileStatus::Changed,
        "{:?}",
        c.findings.iter().map(|f| &f.reason).collect::<Vec<_>>()
    );
    assert_eq!(report.files[0].context_source, ContextSource::DockerfileDir);
    let d = &report.files[3];
    assert_eq!(d.status, FileStatus::Error);
    assert!(d.error.as_deref().unwrap().contains("d/Dockerfile"));
    assert_eq!(report.summary.files, 4);
    assert_eq!(report.summary.changed, 3);
    assert_eq!(report.summary.errors, 1);
}

#[test]
fn summary_line_and_sorted_deterministic_output() {
    let t = tree();
    let a = dockopt(t.path(), &["--check", "."]);
    let b = dockopt(t.path(), &["--check", "-j", "1", "."]);
    assert_eq!(a.stdout, b.stdout, "same bytes whatever the parallelism");
    let err = String::from_utf8_lossy(&a.stderr);
    assert!(
        err.contains("4 Dockerfiles: 3 would change, 0 already fine, 0 left alone, 1 error"),
        "{err}"
    );
    let lines: Vec<&str> = std::str::from_utf8(&a.stdout).unwrap().lines().collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
}

#[test]
fn files_from_reads_a_list() {
    let t = tree();
    write(
        t.path(),
        "list.txt",
        "a/Dockerfile\n\nb/docker/api.Dockerfile\n",
    );
    let out = dockopt(t.path(), &["--format", "json", "--files-from", "list.txt"]);
    let report = json(&out);
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a/Dockerfile", "b/docker/api.Dockerfile"]);
    assert_eq!(
        report.files[1].context_source,
        ContextSource::Compose,
        "compose files above a listed file are found"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .current_dir(t.path())
        .args(["--check", "--files-from", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a/Dockerfile\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("a/Dockerfile:3:"));
}

#[test]
fn config_unknown_key_is_an_error_naming_file_and_line() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "dockopt.toml", "ignore = []\nbogus = true\n");
    write(t.path(), "Dockerfile", "FROM x\n");
    let out = dockopt(t.path(), &["Dockerfile"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("dockopt.toml:2") && err.contains("bogus"),
        "{err}"
    );
    // --isolated skips discovery.
    assert_eq!(
        dockopt(t.path(), &["--isolated", "Dockerfile"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn config_disables_rules() {
    let t = tree();
    write(
        t.path(),
        "dockopt.toml",
        "ignore = [\"copy-manifests-first\"]\n",
    );
    let out = dockopt(&t.path().join("a"), &["Dockerfile"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn sarif_has_required_properties_and_round_trips() {
    let t = tree();
    let out = dockopt(t.path(), &["--format", "sarif", "a", "b"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "dockopt");
    assert_eq!(
        run["tool"]["driver"]["rules"][0]["id"],
        "copy-manifests-first"
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        assert_eq!(r["ruleId"], "copy-manifests-first");
        assert!(r["message"]["text"]
            .as_str()
            .unwrap()
            .contains("copies the whole source"));
        let loc = &r["locations"][0]["physicalLocation"];
        assert!(loc["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .ends_with("ockerfile"));
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        let change = &r["fixes"][0]["artifactChanges"][0];
        assert!(!change["replacements"].as_array().unwrap().is_empty());
        assert!(change["replacements"][0]["deletedRegion"]["startLine"].is_u64());
        assert!(change["replacements"][0]["insertedContent"]["text"].is_string());
    }
    // Round trip through the serde types.
    let log: sarif::Log = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&log).unwrap(), v);
}

/// SARIF regions span the whole instruction (line and column at both ends);
/// the install and a step that blocks the move are related locations, and
/// JSON names the same lines under `related`.
#[test]
fn sarif_regions_and_related_locations_name_copy_install_and_blocker() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "a/Dockerfile",
        "FROM node:20\nWORKDIR /app\n  COPY . \\\n    .\nRUN npm ci\n",
    );
    write(r, "a/package.json", PKG);
    write(r, "a/package-lock.json", "{}");
    write(
        r,
        "b/Dockerfile",
        "FROM node:20\nCOPY . .\nVOLUME /data\nRUN npm ci\n",
    );
    write(r, "b/package.json", PKG);
    write(r, "b/package-lock.json", "{}");
    let out = dockopt(r, &["--format", "sarif", "a/Dockerfile", "b/Dockerfile"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    let region = |loc: &serde_json::Value| {
        let g = &loc["physicalLocation"]["region"];
        [
            &g["startLine"],
            &g["startColumn"],
            &g["endLine"],
            &g["endColumn"],
        ]
        .map(|n| n.as_u64().unwrap())
    };
    // a: `COPY . \` on line 3 (indented two), `.` ends line 4 at column 6.
    assert_eq!(region(&results[0]["locations"][0]), [3, 3, 4, 6]);
    let rel = results[0]["relatedLocations"].as_array().unwrap();
    assert_eq!(rel.len(), 1);
    assert_eq!(region(&rel[0]), [5, 1, 5, 11]);
    assert_eq!(rel[0]["message"]["text"], "the install");
    // b: left alone, the VOLUME blocks the move.
    assert_eq!(region(&results[1]["locations"][0]), [2, 1, 2, 9]);
    let rel = results[1]["relatedLocations"].as_array().unwrap();
    assert_eq!(
        rel.iter().map(region).collect::<Vec<_>>(),
        [[4, 1, 4, 11], [3, 1, 3, 13]]
    );
    assert_eq!(
        rel[1]["message"]["text"],
        "the step the source copy cannot move past"
    );
    let log: sarif::Log = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&log).unwrap(), v);
    let report = json(&dockopt(
        r,
        &["--format", "json", "a/Dockerfile", "b/Dockerfile"],
    ));
    let related = |i: usize| {
        report.files[i].findings[0]
            .related
            .iter()
            .map(|x| (x.line, serde_json::to_value(x.kind).unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(related(0), [(5, "install".into())]);
    assert_eq!(
        related(1),
        [(4, "install".into()), (3, "blocking-step".into())]
    );
}

/// The ignore file's change is an insertion at its end (here after a last
/// line without a line break), rendered from the same edit `--fix` writes.
#[test]
fn sarif_ignore_change_is_the_insertion_fix_writes() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "a/Dockerfile", NPM);
    write(r, "a/package.json", PKG);
    write(r, "a/package-lock.json", "{}");
    write(r, "a/node_modules/x/index.js", "x\n");
    // It lists itself: an ignore file that `COPY . .` brings into the image
    // is not edited (adv2-ignincopy).
    write(r, "a/.dockerignore", ".dockerignore\n.git");
    let out = dockopt(r, &["--format", "sarif", "a/Dockerfile"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let change = &v["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][1];
    assert_eq!(change["artifactLocation"]["uri"], "a/.dockerignore");
    let rep = &change["replacements"][0];
    let g = &rep["deletedRegion"];
    assert_eq!(
        [
            &g["startLine"],
            &g["startColumn"],
            &g["endLine"],
            &g["endColumn"]
        ]
        .map(|n| n.as_u64().unwrap()),
        [2, 5, 2, 5]
    );
    let inserted = rep["insertedContent"]["text"].as_str().unwrap().to_string();
    assert_eq!(
        dockopt(r, &["--fix", "a/Dockerfile"]).status.code(),
        Some(0)
    );
    assert_eq!(
        std::fs::read_to_string(r.join("a/.dockerignore")).unwrap(),
        format!(".dockerignore\n.git{inserted}")
    );
}

/// Every replacement of the log's fixes, made in the files it names as they
/// are under `root` (a file that is not there is empty): the texts by uri.
/// Lines and columns are 1-based; the texts here are ASCII, so a UTF-16
/// column is a byte column.
fn apply_sarif(root: &Path, log: &sarif::Log) -> std::collections::BTreeMap<String, String> {
    let mut by_uri: std::collections::BTreeMap<String, Vec<(usize, usize, String)>> =
        Default::default();
    let mut originals = std::collections::BTreeMap::new();
    for change in log.runs[0]
        .results
        .iter()
        .flat_map(|r| &r.fixes)
        .flat_map(|f| &f.artifact_changes)
    {
        let uri = change.artifact_location.uri.clone();
        let orig: &String = originals
            .entry(uri.clone())
            .or_insert_with(|| std::fs::read_to_string(root.join(&uri)).unwrap_or_default());
        let offset = |line: usize, col: usize| -> usize {
            let start: usize = orig
                .split_inclusive('\n')
                .take(line - 1)
                .map(str::len)
                .sum();
            start + col - 1
        };
        for r in &change.replacements {
            let d = &r.deleted_region;
            by_uri.entry(uri.clone()).or_default().push((
                offset(d.start_line, d.start_column.unwrap()),
                offset(d.end_line.unwrap(), d.end_column.unwrap()),
                r.inserted_content.text.clone(),
            ));
        }
    }
    by_uri
        .into_iter()
        .map(|(uri, mut reps)| {
            // In position order; replacements at one place keep the log's order.
            reps.sort_by_key(|(s, e, _)| (*s, *e));
            let orig = &originals[&uri];
            let (mut out, mut pos) = (String::new(), 0);
            for (s, e, text) in reps {
                assert!(s >= pos, "{uri}: replacements overlap at {s}");
                out.push_str(&orig[pos..s]);
                out.push_str(&text);
                pos = e;
            }
            out.push_str(&orig[pos..]);
            (uri, out)
        })
        .collect()
}

#[test]
fn sarif_replacements_reproduce_the_fix() {
    let t = tree();
    let out = dockopt(t.path(), &["--format", "sarif", "a/Dockerfile"]);
    let log: sarif::Log = serde_json::from_slice(&out.stdout).unwrap();
    let fixed = apply_sarif(t.path(), &log);
    assert!(
        dockopt(t.path(), &["--fix", "a/Dockerfile"])
            .status
            .code()
            .unwrap()
            <= 1
    );
    assert_eq!(
        fixed["a/Dockerfile"],
        std::fs::read_to_string(t.path().join("a/Dockerfile")).unwrap()
    );
}

/// Two installs fixed in two rounds: the second round's edits rewrite the
/// copy the first moved, so the first result's fix carries both rounds'
/// edits of the file as read (and both ignore entries), and the second
/// result says so instead of carrying a fix. Made in the original files,
/// the fixes give what `--fix` writes.
#[test]
fn sarif_fixes_of_later_rounds_reproduce_the_fix() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(
        r,
        "Dockerfile",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN pip install -r requirements.txt\n",
    );
    write(r, "package.json", PKG);
    write(r, "package-lock.json", "{}");
    write(r, "requirements.txt", "flask\n");
    write(r, "node_modules/x/index.js", "x\n");
    write(r, ".dockerignore", ".dockerignore\n.git\n");
    let out = dockopt(r, &["--format", "sarif", "Dockerfile"]);
    let log: sarif::Log = serde_json::from_slice(&out.stdout).unwrap();
    let results = &log.runs[0].results;
    assert_eq!(results.len(), 2, "{}", String::from_utf8_lossy(&out.stdout));
    assert!(
        results[0].fixes[0]
            .description
            .text
            .ends_with("it also makes the fix for the install at line 5)"),
        "{}",
        results[0].fixes[0].description.text
    );
    assert!(results[1].fixes.is_empty());
    assert!(
        results[1]
            .message
            .text
            .ends_with("the fix for the install at line 4 makes them"),
        "{}",
        results[1].message.text
    );
    let fixed = apply_sarif(r, &log);
    assert_eq!(dockopt(r, &["--fix", "Dockerfile"]).status.code(), Some(0));
    for file in ["Dockerfile", ".dockerignore"] {
        assert_eq!(
            fixed[file],
            std::fs::read_to_string(r.join(file)).unwrap(),
            "{file}"
        );
    }
    assert!(fixed["Dockerfile"].contains("COPY requirements.txt ./\n"));
}

#[test]
fn json_report_round_trips() {
    let t = tree();
    let out = dockopt(t.path(), &["--format", "json", "a"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let report: JsonReport = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&report).unwrap(), v);
    let f = &report.files[0];
    assert_eq!(f.findings[0].rule, "copy-manifests-first");
    assert_eq!(
        f.findings[0].applicability,
        Some(dockopt::edit::Applicability::Safe)
    );
    assert!(!f.findings[0].applied);
    assert!(f.diff.as_deref().unwrap().starts_with("--- a/a/Dockerfile"));
}

#[test]
fn directory_search_finds_every_dockerfile_name_and_nothing_else() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    for f in [
        "lower/dockerfile",
        "cf/Containerfile.dev",
        "cf/api.containerfile",
        "cf/web.Containerfile",
        "plain/Dockerfile",
        "variants/Dockerfile-dev",
        "variants/Dockerfile_prod",
    ] {
        write(r, f, NPM);
        let dir = Path::new(f).parent().unwrap();
        write(r, &dir.join("package.json").to_string_lossy(), PKG);
        write(r, &dir.join("package-lock.json").to_string_lossy(), "{}");
    }
    // Not Dockerfiles: Go source, a directory named `dockerfile`, a link to it.
    write(r, "src/dockerfile.go", "package dockerfile\n");
    write(r, "tools/dockerfile/README", "not a Dockerfile\n");
    std::os::unix::fs::symlink("tools/dockerfile", r.join("tools/link")).unwrap();
    std::fs::rename(r.join("tools/link"), r.join("dockerfile")).unwrap();
    write(r, "cf/Containerfile.dev.containerignore", "x\n");
    write(
        r,
        "variants/Dockerfile-notes.md",
        "# how the images are built\n",
    );
    let out = dockopt(r, &["--format", "json", "."]);
    let report = json(&out);
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "cf/Containerfile.dev",
            "cf/api.containerfile",
            "cf/web.Containerfile",
            "lower/dockerfile",
            "plain/Dockerfile",
            "variants/Dockerfile-dev",
            "variants/Dockerfile_prod"
        ],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(report.files.iter().all(|f| f.status == FileStatus::Changed));
}

/// A Dockerfile a compose file names under a name the search does not take
/// (`build.dockerfile: .dockerfiles/web/.Dockerfile`) is processed too; a
/// declared file that is missing, or outside the searched directory, is not.
#[test]
fn directory_search_adds_the_dockerfiles_compose_declares() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    write(r, "svc/.dockerfiles/web/.Dockerfile", NPM);
    write(r, "svc/package.json", PKG);
    write(r, "svc/package-lock.json", "{}");
    write(r, "svc/server.js", "console.log(1)\n");
    write(r, "other/build/api", NPM);
    write(
        r,
        "svc/compose.yaml",
        "services:\n  web:\n    build:\n      context: .\n      dockerfile: .dockerfiles/web/.Dockerfile\n  \
         gone:\n    build:\n      context: .\n      dockerfile: docker/missing\n  \
         api:\n    build:\n      context: ../other\n      dockerfile: build/api\n",
    );
    let out = dockopt(r, &["--format", "json", "svc"]);
    let report = json(&out);
    let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        ["svc/.dockerfiles/web/.Dockerfile"],
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(report.files[0].status, FileStatus::Changed);
    assert_eq!(report.files[0].context.as_deref(), Some("svc"));
}

/// `--check` over a tree groups the left-alone files by reason kind, largest
/// group first, so a user sees what blocks the rest.
#[test]
fn check_groups_left_alone_files_by_reason() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    // missing manifest, twice
    write(r, "a/Dockerfile", NPM);
    write(r, "a/Dockerfile.two", NPM);
    // rewritten: not listed
    write(r, "b/Dockerfile", NPM);
    // a RUN between the copy and the install
    write(
        r,
        "c/Dockerfile",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN ./gen.sh\nRUN npm ci\n",
    );
    // the install needs the source
    write(
        r,
        "d/Dockerfile",
        "FROM python:3\nCOPY . .\nRUN pip install .\n",
    );
    // only an unsafe fix: npm install over a host node_modules
    write(
        r,
        "e/Dockerfile",
        "FROM node:20\nCOPY . .\nRUN npm install\n",
    );
    std::fs::create_dir_all(r.join("e/node_modules")).unwrap();
    for d in ["b", "c", "e"] {
        write(r, &format!("{d}/package.json"), PKG);
    }
    // (e has no lock: `npm install` would rewrite the `{}` one, a refusal of its own)
    for d in ["b", "c"] {
        write(r, &format!("{d}/package-lock.json"), "{}");
    }
    // `npm install` keeps only a lock that is what npm writes.
    write(
        r,
        "e/package-lock.json",
        "{\n  \"name\": \"x\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"name\": \"x\",\n      \"version\": \"1.0.0\"\n    }\n  }\n}\n",
    );
    let out = dockopt(r, &["--check", "."]);
    let err = String::from_utf8_lossy(&out.stderr);
    let expected = "Left alone, by reason:
  manifests missing [missing-manifest]: 2 files
    a/Dockerfile:4
    a/Dockerfile.two:4
  steps between copy and install [crossing]: 1 file
    c/Dockerfile:3
  install needs the source [needs-source]: 1 file
    d/Dockerfile:3
  only an unsafe fix (--unsafe-fixes) [unsafe-fix]: 1 file
    e/Dockerfile:2
6 Dockerfiles: 1 would change";
    assert!(err.contains(expected), "{err}");
    // Not in diff mode, not with -q, not for one file.
    for args in [
        &["."][..],
        &["--check", "-q", "."],
        &["--check", "a/Dockerfile"],
    ] {
        let out = dockopt(r, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("Left alone, by reason"), "{args:?}: {err}");
    }
}

/// More Dockerfiles than a run makes targets for at once (1,024), with
/// files sharing a context on both sides of that bound (two a compose file
/// builds from the root, 100 files apart, processed together): the output
/// is in path order and the same bytes with one worker or two, in every
/// format.
#[test]
fn streamed_output_is_sorted_and_the_same_whatever_the_parallelism() {
    let t = tempfile::tempdir().unwrap();
    let r = t.path();
    for i in 0..1100 {
        let repo = format!("r{i:04}");
        write(r, &format!("{repo}/Dockerfile"), NPM);
        write(r, &format!("{repo}/package.json"), PKG);
        write(r, &format!("{repo}/package-lock.json"), "{}");
        if i % 97 == 0 {
            // Two Dockerfiles, one context, a node_modules to ignore.
            write(r, &format!("{repo}/Dockerfile.dev"), NPM);
            write(r, &format!("{repo}/node_modules/x/index.js"), "x");
        }
    }
    write(r, "package.json", PKG);
    write(r, "package-lock.json", "{}");
    write(r, "node_modules/y/index.js", "y");
    for i in [1000, 1100] {
        write(r, &format!("r{i:04}/Dockerfile.root"), NPM);
    }
    write(
        r,
        "compose.yaml",
        "services:\n  a:\n    build:\n      context: .\n      dockerfile: r1000/Dockerfile.root\n  b:\n    build:\n      context: .\n      dockerfile: r1100/Dockerfile.root\n",
    );
    for format in ["text", "json", "sarif"] {
        let one = dockopt(r, &["--format", format, "-j", "1", "."]);
        let two = dockopt(r, &["--format", format, "-j", "2", "."]);
        assert_eq!(one.status.code(), Some(1), "{format}");
        assert!(
            one.stdout == two.stdout,
            "{format}: stdout differs between -j 1 and -j 2"
        );
        assert!(
            one.stderr == two.stderr,
            "{format}: stderr differs between -j 1 and -j 2"
        );
        if format == "json" {
            let report = json(&one);
            let paths: Vec<&str> = report.files.iter().map(|f| f.path.as_str()).collect();
            let mut sorted = paths.clone();
            sorted.sort();
            assert_eq!(paths, sorted);
            assert_eq!(paths.len(), 1100 + 12 + 2);
            assert_eq!(report.summary.files, paths.len());
        }
        if format == "text" {
            let err = String::from_utf8(one.stderr).unwrap();
            assert!(
                err.contains("1,114 Dockerfiles: 1,088 would change"),
                "{err}"
            );
            // Each of the pair is left alone naming the other as a user of the root.
            let pair = err
                .lines()
                .filter(|l| l.contains("Dockerfile.root:4: the context holds node_modules"));
            assert_eq!(pair.count(), 2, "{err}");
        }
    }
}
