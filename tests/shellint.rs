//! Shell integration: completion scripts, the man page, the pre-commit
//! hooks and colour (`--color`, `NO_COLOR`).

use std::path::Path;
use std::process::Command;

use clap::CommandFactory;

use crate::support::{bin, have, Scratch};

const NPM_DOCKERFILE: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";

fn npm_project(s: &Scratch, dir: &str) {
    s.write(&format!("{dir}/Dockerfile"), NPM_DOCKERFILE);
    s.write(&format!("{dir}/package.json"), "{\"name\": \"app\"}\n");
    s.write(
        &format!("{dir}/package-lock.json"),
        "{\"lockfileVersion\": 3}\n",
    );
    s.write(&format!("{dir}/.dockerignore"), "node_modules\n");
}

/// Every long option of the clap definition.
fn long_flags() -> Vec<String> {
    dockopt::cli::Args::command()
        .get_arguments()
        .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
        .collect()
}

#[test]
fn completions_for_each_shell_name_every_option() {
    let s = Scratch::empty();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = s.run(&["completions", shell]);
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        for flag in long_flags() {
            // fish lists long options without the dashes (`-l fix`).
            let name = flag.trim_start_matches('-');
            assert!(out.stdout.contains(name), "{shell}: {flag} missing");
        }
        for sub in ["inspect", "completions", "man"] {
            assert!(
                out.stdout.contains(sub),
                "{shell}: subcommand {sub} missing"
            );
        }
        // The shell itself accepts the script, when it is installed.
        if have(shell) && shell != "powershell" {
            let path = s.write(&format!("dockopt.{shell}"), &out.stdout);
            let st = Command::new(shell).arg("-n").arg(&path).status().unwrap();
            assert!(st.success(), "{shell} -n rejects the script");
        }
    }
    let bad = s.run(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2);
}

/// The bash script completes: `dockopt --unsa<TAB>` offers `--unsafe-fixes`,
/// `dockopt --color <TAB>` the three choices.
#[test]
fn bash_completion_completes() {
    let s = Scratch::empty();
    let script = s.run(&["completions", "bash"]).stdout;
    let path = s.write("dockopt.bash", &script);
    // bash calls the function as `_dockopt COMMAND CUR PREV`.
    let complete = |words: &str, cword: usize| -> String {
        let prog = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; _dockopt dockopt \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = Command::new("bash").arg("-c").arg(prog).output().unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(complete("dockopt --unsa", 1).trim(), "--unsafe-fixes");
    let colors = complete("dockopt --color ''", 2);
    let mut got: Vec<&str> = colors.lines().collect();
    got.sort();
    assert_eq!(got, ["always", "auto", "never"]);
}

#[test]
fn man_page_is_roff_with_every_option_and_the_exit_table() {
    let s = Scratch::empty();
    let out = s.run(&["man"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(".TH dockopt 1"),
        "{}",
        &out.stdout[..200]
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(out.stdout.contains(section), "{section} missing");
    }
    for flag in long_flags() {
        // roff escapes dashes: `\-\-fix`.
        let roff = flag.replace('-', "\\-");
        assert!(
            out.stdout.contains(&roff),
            "{flag} missing from the man page"
        );
    }
    assert!(out.stdout.contains("Exit status:"));
    if have("man") {
        let page = s.write("dockopt.1", &out.stdout);
        let rendered = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .unwrap();
        assert!(rendered.status.success());
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(text.contains("--exit-non-zero-on-finding"), "{text}");
    }
}

/// One hook as declared in `.pre-commit-hooks.yaml`.
struct Hook {
    id: String,
    entry: String,
    language: String,
    files: String,
    exclude: String,
}

fn hooks() -> Vec<Hook> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
    let field = |h: &yaml_rust2::Yaml, k: &str| h[k].as_str().unwrap_or_default().to_string();
    docs[0]
        .as_vec()
        .expect("a list of hooks")
        .iter()
        .map(|h| Hook {
            id: field(h, "id"),
            entry: field(h, "entry"),
            language: field(h, "language"),
            files: field(h, "files"),
            exclude: field(h, "exclude"),
        })
        .collect()
}

/// Run each hook's entry the way pre-commit does (entry + file names) on a
/// tree with two rewritable Dockerfiles: `dockopt` fixes them and exits 0
/// (pre-commit fails the hook on the modification); `dockopt-check` exits 1
/// and writes nothing.
#[test]
fn pre_commit_hooks_fix_and_check() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["dockopt", "dockopt-check"]);
    for h in &hooks {
        assert_eq!(h.language, "rust", "{}", h.id);
        let mut words: Vec<&str> = h.entry.split_whitespace().collect();
        assert_eq!(words[0], "dockopt");
        let s = Scratch::empty();
        npm_project(&s, "a");
        npm_project(&s, "b");
        let before = s.tree();
        words.extend(["a/Dockerfile", "b/Dockerfile"]);
        let out = s.run(&words[1..]);
        if h.id == "dockopt" {
            assert!(words.contains(&"--fix"));
            assert_eq!(out.code, 0, "{}", out.stderr);
            assert_ne!(s.tree(), before, "the fix hook changed nothing");
            let again = s.run(&words[1..]);
            assert_eq!(again.code, 0);
        } else {
            assert!(words.contains(&"--check"));
            assert_eq!(out.code, 1, "{}", out.stderr);
            assert_eq!(s.tree(), before);
        }
    }
}

/// The hooks' `files`/`exclude` patterns (Python `re.search`, as pre-commit
/// uses them) take exactly the names a directory search takes.
#[test]
fn pre_commit_file_pattern_matches_the_directory_search() {
    if !have("python3") {
        eprintln!("python3 not installed; skipping the pattern check");
        return;
    }
    let names = [
        "Dockerfile",
        "sub/Dockerfile",
        "Containerfile",
        "Dockerfile.dev",
        "svc/api.Dockerfile",
        "x.dockerfile",
        "dockerfile",
        "Containerfile.dev",
        "api.containerfile",
        "Dockerfile.dockerignore",
        "dockerfile-notes.md",
        "dockerfile.go",
        "Dockerfile.",
        ".dockerfile",
        "Containerfile.containerignore",
        "containerfile",
        "Dockerfiles",
        "README",
        "Dockerfile-dev",
        "Dockerfile_prod",
        "Dockerfile-prod.alpine",
        "Dockerfile-",
        "Dockerfile-notes.md",
        "Dockerfile_gen.PY",
        "Dockerfile-dev.dockerignore",
    ];
    for h in hooks() {
        let prog = format!(
            "import re, sys\nfor n in sys.argv[1:]:\n    print(bool(re.search(r'''{}''', n)) and not re.search(r'''{}''', n))",
            h.files, h.exclude
        );
        let out = Command::new("python3")
            .arg("-c")
            .arg(prog)
            .args(names)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: Vec<bool> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l == "True")
            .collect();
        for (n, matched) in names.iter().zip(got) {
            let base = n.rsplit('/').next().unwrap();
            assert_eq!(
                matched,
                dockopt::walk::is_dockerfile_name(base),
                "{}: {n}",
                h.id
            );
        }
    }
}

fn raw(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> (String, String) {
    let mut cmd = Command::new(bin());
    cmd.args(args).current_dir(dir).env_remove("NO_COLOR");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const ESC: char = '\u{1b}';

#[test]
fn color_always_never_and_auto_off_a_terminal() {
    let s = Scratch::empty();
    npm_project(&s, "a");
    let (out, _) = raw(&s.dir, &["--color", "always", "a/Dockerfile"], &[]);
    assert!(
        out.contains(&format!("{ESC}[32m+COPY package.json")),
        "{out:?}"
    );
    // NO_COLOR does not override an explicit --color always.
    let (out2, _) = raw(
        &s.dir,
        &["--color", "always", "a/Dockerfile"],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(out2, out);
    let (never, _) = raw(&s.dir, &["--color", "never", "a/Dockerfile"], &[]);
    assert!(!never.contains(ESC));
    // auto: a pipe is not a terminal.
    let (auto, err) = raw(&s.dir, &["a/Dockerfile"], &[]);
    assert!(!auto.contains(ESC) && !err.contains(ESC));
    assert_eq!(auto, never);
    // --fix never writes colour into the file.
    let (_, _) = raw(&s.dir, &["--fix", "--color", "always", "a/Dockerfile"], &[]);
    assert!(!String::from_utf8(s.read("a/Dockerfile"))
        .unwrap()
        .contains(ESC));
    // JSON stays plain.
    let (json, _) = raw(&s.dir, &["--format", "json", "--color", "always", "."], &[]);
    assert!(!json.contains(ESC));
}

/// On a terminal (a pty from `script`), auto colours unless NO_COLOR is set
/// and not empty.
#[test]
fn color_auto_on_a_terminal_honours_no_color() {
    if !have("script") {
        eprintln!("`script` not installed; skipping the terminal check");
        return;
    }
    let s = Scratch::empty();
    npm_project(&s, "a");
    let on_tty = |no_color: Option<&str>| -> String {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("{} a/Dockerfile", bin()), "/dev/null"])
            .current_dir(&s.dir)
            .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    let coloured = on_tty(None);
    assert!(coloured.contains("+COPY package.json"), "{coloured:?}");
    assert!(coloured.contains(ESC), "{coloured:?}");
    assert!(!on_tty(Some("1")).contains(ESC));
    assert!(on_tty(Some("")).contains(ESC), "an empty NO_COLOR is unset");
}
