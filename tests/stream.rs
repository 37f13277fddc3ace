//! Streaming results (src/stream.rs): a run over more files than one batch
//! prints exactly what it printed when it held every result: sorted by path,
//! the same bytes whatever the parallelism; Dockerfiles that share a context
//! (processed first, for the ignore-file merge, and held) come out in place.

use crate::support::Scratch;

const NPM: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";

/// 700 repositories (batches hold at least 256 files), every fourth one left
/// alone; `aaa.Dockerfile` and `zzz.Dockerfile` build from one shared
/// context, batches apart.
fn big_tree() -> Scratch {
    let s = Scratch::empty();
    for i in 0..700 {
        let d = format!("r{i:04}");
        s.write(&format!("{d}/Dockerfile"), NPM);
        s.write(&format!("{d}/package.json"), "{\"name\": \"x\"}\n");
        if i % 4 != 0 {
            s.write(&format!("{d}/package-lock.json"), "{}\n");
        }
        s.write(&format!("{d}/.dockerignore"), "node_modules\n");
    }
    s.write("shared/package.json", "{\"name\": \"x\"}\n");
    s.write("shared/package-lock.json", "{}\n");
    s.write("aaa.Dockerfile", NPM);
    s.write("zzz.Dockerfile", NPM);
    s.write(
        "dockopt.toml",
        "[contexts]\n\"aaa.Dockerfile\" = \"shared\"\n\"zzz.Dockerfile\" = \"shared\"\n",
    );
    s
}

#[test]
fn many_files_stream_sorted_and_deterministic() {
    let s = big_tree();
    let a = s.run(&["--check", "."]);
    let b = s.run(&["--check", "-j", "1", "."]);
    assert_eq!(a.code, 1, "{}", a.stderr);
    assert_eq!(a.stdout, b.stdout);
    assert_eq!(a.stderr, b.stderr);
    let paths: Vec<&str> = a
        .stdout
        .lines()
        .map(|l| l.split(':').next().unwrap())
        .collect();
    let mut sorted = paths.clone();
    sorted.sort();
    assert_eq!(paths, sorted, "sorted by path");
    assert_eq!(paths.len(), 525 + 2, "{}", a.stderr);
    assert!(
        a.stderr
            .contains("702 Dockerfiles: 527 would change, 0 already fine, 175 left alone"),
        "{}",
        a.stderr
    );
}

#[test]
fn shared_context_files_come_out_in_place() {
    let s = big_tree();
    let diff = s.run(&["."]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    let heads: Vec<&str> = diff
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("+++ b/"))
        .collect();
    assert_eq!(heads.first(), Some(&"aaa.Dockerfile"));
    assert_eq!(heads.last(), Some(&"zzz.Dockerfile"));
    assert_eq!(heads.len(), 527);
    let fix = s.run(&["--fix", "."]);
    assert_eq!(fix.code, 0, "{}", fix.stderr);
    assert_eq!(s.run(&["--check", "."]).code, 0);
    assert_eq!(s.run(&["."]).stdout, "");
}
