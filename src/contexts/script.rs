//! `docker build -f FILE CTX` (and `docker buildx build`, `podman build`,
//! `buildah bud`, ... as listed in `build_commands.toml`) in Makefiles, shell
//! scripts and workflow `run:` steps.
//!
//! A line counts when its Dockerfile and context resolve ([`shellpath`]):
//! literal paths, or paths starting with an expansion that is clearly the
//! working directory (`$(pwd)`, `$PWD`, make's `$(CURDIR)`), the repository
//! (`$GITHUB_WORKSPACE`), the script's directory (`$(dirname "$0")`) or a
//! variable the script assigned such a value. Any other variable, an unknown
//! flag that leaves more than one positional argument, a URL or stdin
//! context: skipped. A script may be run from its directory or the
//! repository root, so both are tried (in that order), following its
//! top-level `cd`; a Makefile's recipes each run in its directory. A
//! `cd DIR &&` before the command on the same line is followed.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;

use super::shellpath::{self, Env};
use super::Call;
use crate::runner::display_path;
use crate::shell::{self, Word};

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Table {
    wrappers: Vec<String>,
    file_flags: Vec<String>,
    skip_flags: Vec<String>,
    program: Vec<Program>,
    build: Build,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Program {
    name: String,
    subcommands: Vec<Vec<String>>,
    default_files: Vec<String>,
    global_value_flags: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Build {
    value_flags: Vec<String>,
}

fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(|| {
        // The TOML, converted to JSON by build.rs (same schema, faster to read).
        serde_json::from_str(include_str!(concat!(
            env!("OUT_DIR"),
            "/build_commands.json"
        )))
        .expect("build_commands.toml is valid (checked by a test)")
    })
}

/// What paths in a line are relative to, and what the known variables mean.
#[derive(Clone, Debug)]
pub struct Bases {
    /// Working directories the line may run in, most likely first.
    pub cwds: Vec<PathBuf>,
    pub env: Env,
}

/// A build command's Dockerfile (`None`: the default in the context) and
/// context, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Written {
    pub program: &'static str,
    pub file: Option<Word>,
    pub context: Word,
    /// Other non-literal positional words (`$(BUILD_ARGS)`): fine when
    /// they stand for flags, see [`resolve`].
    pub opaque: Vec<Word>,
}

/// Read a build command from its words (wrappers and program first).
pub fn parse_build(words: &[Word]) -> Option<Written> {
    let t = table();
    let mut i = 0;
    while words.get(i).is_some_and(|w| t.wrappers.contains(&w.text)) {
        i += 1;
    }
    let prog_word = words.get(i)?;
    let base = prog_word.text.rsplit('/').next().unwrap_or("");
    let prog = t
        .program
        .iter()
        .find(|p| p.name == base && prog_word.literal)?;
    i += 1;
    while let Some(w) = words.get(i).filter(|w| w.text.starts_with('-')) {
        let takes_value = prog.global_value_flags.contains(&w.text);
        i += if takes_value { 2 } else { 1 };
    }
    let rest = &words[i.min(words.len())..];
    let sub = prog.subcommands.iter().find(|s| {
        s.len() <= rest.len() && s.iter().zip(rest).all(|(a, w)| w.literal && *a == w.text)
    })?;
    let (file, positionals) = build_args(&rest[sub.len()..])?;
    let (literal, mut opaque): (Vec<Word>, Vec<Word>) =
        positionals.into_iter().partition(|w| w.literal);
    let context = match literal.as_slice() {
        [c] => c.clone(),
        [] if opaque.len() == 1 => opaque.remove(0),
        _ => return None,
    };
    let ctx = &context.text;
    if ctx == "-" || ctx.contains("://") || ctx.starts_with("git@") {
        return None;
    }
    if file
        .as_ref()
        .is_some_and(|f| f.text == "-" || f.text.is_empty())
    {
        return None;
    }
    Some(Written {
        program: prog.name.as_str(),
        file,
        context,
        opaque,
    })
}

/// The `-f` value and the positional arguments of a build subcommand;
/// `None` when a flag makes the line unusable.
fn build_args(args: &[Word]) -> Option<(Option<Word>, Vec<Word>)> {
    let t = table();
    let mut file = None;
    let mut positionals = Vec::new();
    let mut i = 0;
    while let Some(w) = args.get(i) {
        i += 1;
        let text = w.text.as_str();
        if text == "--" {
            positionals.extend(args[i..].iter().cloned());
            break;
        }
        if !text.starts_with('-') || text == "-" {
            positionals.push(w.clone());
            continue;
        }
        let (name, inline) = if text.starts_with("--") {
            match text.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (text.to_string(), None),
            }
        } else {
            // `-X` then the value; `X` may be any character.
            let cut = text.char_indices().nth(2).map_or(text.len(), |(i, _)| i);
            let (n, v) = text.split_at(cut);
            let v = v.strip_prefix('=').unwrap_or(v);
            (n.to_string(), (!v.is_empty()).then(|| v.to_string()))
        };
        if t.skip_flags.contains(&name) {
            return None;
        }
        let is_file = t.file_flags.contains(&name);
        let takes_value = is_file || t.build.value_flags.contains(&name);
        let value = match inline {
            Some(v) if takes_value => Some(Word {
                span: w.span.clone(),
                text: v,
                literal: w.literal,
            }),
            Some(_) => None, // a switch cluster (`-qt`) or `--flag=value` we don't know
            None if takes_value => {
                i += 1;
                Some(args.get(i - 1)?.clone())
            }
            None => None,
        };
        if is_file {
            file = value;
        }
    }
    Some((file, positionals))
}

/// Resolve a path word against `cwd` (and the known variables).
fn resolve_word(w: &Word, cwd: &Path, b: &Bases) -> Option<PathBuf> {
    shellpath::resolve(&w.text, w.literal, cwd, &b.env)
}

/// The Dockerfile and context of a build command run in `cwd`, when both exist.
fn resolve(w: &Written, cwd: &Path, b: &Bases) -> Option<(PathBuf, PathBuf)> {
    // A bare unknown `$(BUILD_ARGS)` may hold flags: with an explicit `-f`,
    // the literal positional is the context; without, it may hold `-f`
    // itself. One that is a path is a second context: ambiguous.
    let flags_only =
        |o: &Word| shellpath::is_whole_expansion(&o.text) && resolve_word(o, cwd, b).is_none();
    if !w.opaque.is_empty() && (w.file.is_none() || !w.opaque.iter().all(flags_only)) {
        return None;
    }
    let ctx = resolve_word(&w.context, cwd, b)?;
    if !ctx.is_dir() {
        return None;
    }
    let file = match &w.file {
        Some(f) => {
            let p = resolve_word(f, cwd, b)?;
            if p.is_file() {
                p
            } else {
                // podman and buildah also look for a relative -f in the context
                let in_ctx = resolve_word(f, &ctx, b)?;
                in_ctx.is_file().then_some(in_ctx)?
            }
        }
        None => {
            let prog = table().program.iter().find(|p| p.name == w.program)?;
            prog.default_files
                .iter()
                .map(|n| ctx.join(n))
                .find(|p| p.is_file())?
        }
    };
    Some((file, ctx))
}

/// Does `text` name a build program at all? (A cheap test before parsing.)
pub fn may_build(text: &str) -> bool {
    BUILD_PROGRAMS.iter().any(|p| text.contains(p))
}

// The program names, listed by build.rs: most files name none, and are
// passed over without decoding the table.
include!(concat!(env!("OUT_DIR"), "/build_programs.rs"));

/// Byte offsets in `line` where a known build program's name starts a word
/// outside quotes.
fn program_starts(line: &str) -> Vec<usize> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let (mut single, mut double, mut escaped) = (false, false, false);
    for (i, &c) in b.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            b'\\' if !single => escaped = true,
            b'\'' if !double => single = !single,
            b'"' if !single => double = !double,
            _ if single || double => {}
            _ => {
                let boundary = i == 0 || b" \t;&|(`{/".contains(&b[i - 1]);
                let hit = table().program.iter().any(|p| {
                    b[i..].starts_with(p.name.as_bytes())
                        && b.get(i + p.name.len())
                            .is_some_and(|c| c.is_ascii_whitespace())
                });
                if boundary && hit {
                    out.push(i);
                }
            }
        }
    }
    out
}

/// The build calls in one logical line, each resolved in the first of the
/// working directories where its Dockerfile and context exist.
pub fn calls_in_line(line: &str, b: &Bases) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for p in program_starts(line) {
        // A path-qualified program (`/usr/bin/docker`): start at the path.
        let start = line[..p]
            .rfind(|c: char| c.is_whitespace() || ";&|(`{".contains(c))
            .map_or(0, |s| s + 1);
        let before = shell::parse(&line[..start]);
        let cds: Vec<&Word> = before
            .commands
            .iter()
            .filter_map(|c| match c.words.as_slice() {
                [cd, dir] if cd.text == "cd" && !c.compound => Some(dir),
                _ => None,
            })
            .collect();
        let script = shell::parse(&line[start..]);
        let Some(cmd) = script.commands.first() else {
            continue;
        };
        let Some(w) = parse_build(&cmd.words) else {
            continue;
        };
        for cwd in &b.cwds {
            let cwd = cds
                .iter()
                .try_fold(cwd.clone(), |d, cd| resolve_word(cd, &d, b));
            if let Some(found) = cwd.and_then(|cwd| resolve(&w, &cwd, b)) {
                out.push(found);
                break;
            }
        }
    }
    out
}

/// Lines joined at a trailing backslash, with the 1-based number of the
/// first; comment lines dropped.
pub fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let (num, mut acc) = cur.take().unwrap_or((n + 1, String::new()));
        match raw.strip_suffix('\\') {
            Some(head) => {
                acc.push_str(head);
                acc.push(' ');
                cur = Some((num, acc));
            }
            None => {
                acc.push_str(raw);
                if !acc.trim_start().starts_with('#') {
                    out.push((num, acc));
                }
            }
        }
    }
    if let Some(last) = cur {
        out.push(last);
    }
    out
}

fn calls_from_lines(
    lines: Vec<(usize, String)>,
    b: &Bases,
    detail: impl Fn(usize) -> String,
) -> Vec<Call> {
    let mut out = Vec::new();
    for (num, line) in lines {
        for (dockerfile, context) in calls_in_line(&line, b) {
            out.push(Call {
                dockerfile,
                context,
                order: num,
                detail: detail(num),
            });
        }
    }
    out
}

/// Build calls in a shell script (run from its directory or the repository root).
pub fn read_shell(path: &Path, text: &str, root: &Path) -> Vec<Call> {
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let mut cwds = vec![dir.clone()];
    if root != dir {
        cwds.push(root.to_path_buf());
    }
    let b = Bases {
        cwds,
        env: Env {
            root: root.to_path_buf(),
            script: Some(path.to_path_buf()),
            vars: Vec::new(),
        },
    };
    let shown = display_path(path);
    scan_script(text, b)
        .into_iter()
        .map(|(n, dockerfile, context, _)| Call {
            dockerfile,
            context,
            order: n,
            detail: format!("{shown}:{n}"),
        })
        .collect()
}

/// Build calls in a script read top to bottom, following its top-level
/// `cd`/`pushd`/`popd` and variable assignments: line number, Dockerfile,
/// context and the line. A `cd` to a directory that does not resolve stops
/// later lines from resolving.
pub fn scan_script(text: &str, mut b: Bases) -> Vec<(usize, PathBuf, PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<Vec<PathBuf>> = Vec::new();
    for (n, line) in logical_lines(text) {
        for (df, ctx) in calls_in_line(&line, &b) {
            out.push((n, df, ctx, line.trim().to_string()));
        }
        for cmd in shell::parse(&line).commands.iter().filter(|c| !c.compound) {
            let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
            match words.as_slice() {
                [] => {
                    let set = cmd.assignments.iter().filter_map(|a| a.assignment());
                    b.env
                        .vars
                        .extend(set.map(|(k, v)| (k.to_string(), v.to_string())));
                }
                ["export" | "readonly" | "local" | "declare", ..] => {
                    let set = cmd.words[1..].iter().filter_map(|w| w.assignment());
                    b.env
                        .vars
                        .extend(set.map(|(k, v)| (k.to_string(), v.to_string())));
                }
                ["cd" | "pushd", _] => {
                    let w = &cmd.words[1];
                    if words[0] == "pushd" {
                        stack.push(b.cwds.clone());
                    }
                    let moved = b.cwds.iter().filter_map(|c| {
                        shellpath::resolve(&w.text, w.literal, c, &b.env).filter(|p| p.is_dir())
                    });
                    let mut moved: Vec<PathBuf> = moved.collect();
                    moved.dedup();
                    b.cwds = moved;
                }
                ["popd"] => b.cwds = stack.pop().unwrap_or_default(),
                _ => {}
            }
        }
    }
    out
}

/// Build calls in the `scripts` of a `package.json` (npm runs them in its directory).
pub fn read_package_json(path: &Path, text: &str, root: &Path) -> Vec<Call> {
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_str(text) else {
        return Vec::new();
    };
    let Some(serde_json::Value::Object(scripts)) = doc.get("scripts") else {
        return Vec::new();
    };
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let shown = display_path(path);
    let mut out = Vec::new();
    for (order, (name, cmd)) in scripts.iter().enumerate() {
        let Some(cmd) = cmd.as_str() else { continue };
        let b = Bases {
            cwds: vec![dir.clone()],
            env: Env {
                root: root.to_path_buf(),
                ..Env::default()
            },
        };
        out.extend(
            scan_script(cmd, b)
                .into_iter()
                .map(|(_, dockerfile, context, _)| Call {
                    dockerfile,
                    context,
                    order,
                    detail: format!("{shown} scripts.{name}"),
                }),
        );
    }
    out
}

/// Build calls in the recipes of a Makefile (run in its directory), after
/// expanding the variables it assigns literally.
pub fn read_makefile(path: &Path, text: &str, root: &Path) -> Vec<Call> {
    let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
    let b = Bases {
        cwds: vec![dir],
        env: Env {
            root: root.to_path_buf(),
            ..Env::default()
        },
    };
    let lines = logical_lines(text);
    let vars = make_vars(&lines);
    let recipes: Vec<(usize, String)> = lines
        .into_iter()
        .filter_map(|(n, l)| {
            let body = l.strip_prefix('\t')?;
            let body = body.trim_start_matches(['@', '-', '+', ' ']);
            Some((n, expand_make(body, &vars)))
        })
        .collect();
    let shown = display_path(path);
    calls_from_lines(recipes, &b, |n| format!("{shown}:{n}"))
}

/// `NAME = value` (also `:=`, `::=`, `?=`; `export`/`override` prefixes)
/// outside recipes; a `+=` or a value with `$` makes the name unknown.
fn make_vars(lines: &[(usize, String)]) -> Vec<(String, Option<String>)> {
    let mut vars: Vec<(String, Option<String>)> = Vec::new();
    for (_, l) in lines {
        if l.starts_with('\t') {
            continue;
        }
        let l = l.trim_start();
        let l = l
            .strip_prefix("export ")
            .or_else(|| l.strip_prefix("override "))
            .unwrap_or(l);
        let Some(eq) = l.find('=') else { continue };
        let (lhs, value) = (&l[..eq], l[eq + 1..].trim());
        let (name, op) = match lhs.trim_end() {
            n if n.ends_with("::") => (&n[..n.len() - 2], "::"),
            n if n.ends_with([':', '?', '+', '!']) => (&n[..n.len() - 1], &n[n.len() - 1..]),
            n => (n, ""),
        };
        let name = name.trim();
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
        {
            continue;
        }
        let value = value.split(" #").next().unwrap_or("").trim().to_string();
        let known = (op != "+" && op != "!" && !value.contains('$')).then_some(value);
        if op == "?" && vars.iter().any(|(n, _)| n == name) {
            continue;
        }
        vars.retain(|(n, _)| n != name);
        vars.push((name.to_string(), known));
    }
    vars
}

/// Expand make references in a recipe line: literal variables, `$(CURDIR)`
/// and `$(shell pwd)` (the working directory), `$$` (a shell `$`). Unknown
/// references stay, so the shell sees an expansion.
fn expand_make(line: &str, vars: &[(String, Option<String>)]) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let close = match after.chars().next() {
            Some('(') => after.find(')'),
            Some('{') => after.find('}'),
            _ => None,
        };
        let Some(close) = close else {
            out.push('$');
            rest = after;
            continue;
        };
        let name = after[1..close].trim();
        let value = match name {
            "CURDIR" | "shell pwd" | "PWD" => Some("$PWD".to_string()),
            n => vars
                .iter()
                .find(|(v, _)| v == n)
                .and_then(|(_, val)| val.clone()),
        };
        match value {
            Some(v) => out.push_str(&v),
            None => out.push_str(&rest[i..i + 1 + close + 1]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_ascii_text_is_scanned_without_panicking() {
        assert!(
            program_starts("echo \u{a7}5 goals (DESIGN.md \u{a7}5): docker build .").len() == 1
        );
        assert!(program_starts("\u{e9}\u{e9} docker build -f x .").len() == 1);
    }

    fn words(s: &str) -> Vec<Word> {
        shell::parse(s).commands.remove(0).words
    }

    fn parsed(s: &str) -> Option<(Option<String>, String)> {
        parse_build(&words(s)).map(|w| (w.file.map(|f| f.text), w.context.text))
    }

    #[test]
    fn table_is_valid() {
        assert!(!table().program.is_empty());
        let names: Vec<&str> = table().program.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, BUILD_PROGRAMS);
    }

    #[test]
    fn build_command_forms() {
        let some = |f: Option<&str>, c: &str| Some((f.map(str::to_string), c.to_string()));
        assert_eq!(
            parsed("docker build -f docker/Dockerfile ."),
            some(Some("docker/Dockerfile"), ".")
        );
        assert_eq!(
            parsed("docker build --file=a/D -t x:$TAG ."),
            some(Some("a/D"), ".")
        );
        assert_eq!(
            parsed("docker build --file a/D --build-arg X=1 .."),
            some(Some("a/D"), "..")
        );
        assert_eq!(parsed("docker build -fa/D ."), some(Some("a/D"), "."));
        assert_eq!(
            parsed("sudo docker buildx build --push --platform linux/amd64 -f D ctx"),
            some(Some("D"), "ctx")
        );
        assert_eq!(parsed("podman build -t x app"), some(None, "app"));
        assert_eq!(
            parsed("buildah bud -f Containerfile ."),
            some(Some("Containerfile"), ".")
        );
        assert_eq!(
            parsed("buildah --storage-driver vfs build ."),
            some(None, ".")
        );
        assert_eq!(parsed("/usr/bin/docker image build ."), some(None, "."));
        assert_eq!(
            parsed("docker build -f D \"$(pwd)\""),
            some(Some("D"), "$(pwd)")
        );
        // Not usable.
        assert_eq!(parsed("docker build -f D - < x"), None, "stdin context");
        assert_eq!(parsed("docker build https://github.com/a/b.git"), None);
        assert_eq!(
            parsed("docker build --unknown value ."),
            None,
            "two positionals"
        );
        assert_eq!(parsed("docker build $(ARGS) -f D ."), some(Some("D"), "."));
        assert_eq!(parsed("docker build -f D $CTX"), some(Some("D"), "$CTX"));
        assert_eq!(parsed("docker run -f D ."), None);
        assert_eq!(parsed("docker compose build"), None);
        assert_eq!(parsed("podman build --ignorefile x ."), None);
    }

    #[test]
    fn lines_find_calls_after_cd_and_in_compound_commands() {
        let t = tempfile::tempdir().unwrap();
        let r = crate::config::absolute(t.path());
        std::fs::create_dir_all(r.join("app/docker")).unwrap();
        std::fs::write(r.join("app/docker/Dockerfile"), "FROM x\n").unwrap();
        std::fs::write(r.join("app/Dockerfile"), "FROM x\n").unwrap();
        let b = Bases {
            cwds: vec![r.clone()],
            env: Env {
                root: r.clone(),
                ..Env::default()
            },
        };
        let df = r.join("app/docker/Dockerfile");
        let ctx = r.join("app");
        assert_eq!(
            calls_in_line("cd app && docker build -f docker/Dockerfile .", &b),
            [(df.clone(), ctx.clone())]
        );
        assert_eq!(
            calls_in_line(
                "if true; then docker build -f app/docker/Dockerfile app; fi",
                &b
            ),
            [(df.clone(), ctx.clone())]
        );
        assert_eq!(
            calls_in_line("docker build app", &b),
            [(r.join("app/Dockerfile"), ctx.clone())]
        );
        assert_eq!(
            calls_in_line("echo \"docker build -f app/docker/Dockerfile app\"", &b),
            []
        );
        assert_eq!(
            calls_in_line("docker build -f app/docker/Dockerfile $CTX", &b),
            [],
            "an unknown variable"
        );
        assert_eq!(
            calls_in_line("docker build $(ARGS) -f app/docker/Dockerfile app", &b),
            [(df.clone(), ctx.clone())],
            "a bare unknown expansion beside -f stands for flags"
        );
        assert_eq!(
            calls_in_line("docker build $ARGS app", &b),
            [],
            "without -f it may hold -f"
        );
        assert_eq!(
            calls_in_line("docker build -f app/docker/Dockerfile $(pwd) app", &b),
            [],
            "two contexts"
        );
        assert_eq!(
            calls_in_line("docker build -f missing/Dockerfile app", &b),
            [],
            "the Dockerfile must exist"
        );
    }

    #[test]
    fn scripts_follow_top_level_cd_and_assignments() {
        let t = tempfile::tempdir().unwrap();
        let r = crate::config::absolute(t.path());
        std::fs::create_dir_all(r.join("scripts")).unwrap();
        std::fs::create_dir_all(r.join("app/docker")).unwrap();
        std::fs::write(r.join("app/docker/Dockerfile"), "FROM x\n").unwrap();
        let b = |script: &str| Bases {
            cwds: vec![r.join("scripts"), r.clone()],
            env: Env {
                root: r.clone(),
                script: Some(r.join(script)),
                vars: Vec::new(),
            },
        };
        let found = |text: &str| -> Vec<(usize, PathBuf, PathBuf)> {
            scan_script(text, b("scripts/build.sh"))
                .into_iter()
                .map(|(n, d, c, _)| (n, d, c))
                .collect()
        };
        let df = r.join("app/docker/Dockerfile");
        // cd to the root, then into app
        assert_eq!(
            found("set -e\ncd \"$(dirname \"$0\")/..\"\ncd app\ndocker build -f docker/Dockerfile .\n"),
            [(4, df.clone(), r.join("app"))]
        );
        // variables
        assert_eq!(
            found("ROOT=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")/..\" && pwd)\"\nexport APP=$ROOT/app\ndocker build -f \"$APP/docker/Dockerfile\" \"$APP\"\n"),
            [(3, df.clone(), r.join("app"))]
        );
        // a cd that does not resolve stops later lines; a subshell's cd does not persist
        assert_eq!(
            found("cd \"$WORK\"\ndocker build -f app/docker/Dockerfile app\n"),
            []
        );
        assert_eq!(
            found("(cd /tmp)\ndocker build -f app/docker/Dockerfile app\n"),
            [(2, df.clone(), r.join("app"))]
        );
        // pushd/popd
        assert_eq!(
            found("pushd app\npopd\ndocker build -f app/docker/Dockerfile app\n"),
            [(3, df, r.join("app"))]
        );
    }

    #[test]
    fn make_variables_expand() {
        let lines = logical_lines(
            "DOCKERFILE ?= docker/Dockerfile\nCTX := .\nTAG = $(shell git rev-parse HEAD)\nX = 1\nX += 2\nbuild:\n\t@docker build \\\n\t  -f $(DOCKERFILE) -t img:$(TAG) $(CTX)\n",
        );
        let vars = make_vars(&lines);
        assert_eq!(
            expand_make(
                "docker build -f $(DOCKERFILE) -t img:$(TAG) ${CTX} $$HOME $(CURDIR) $(X)",
                &vars
            ),
            "docker build -f docker/Dockerfile -t img:$(TAG) . $HOME $PWD $(X)"
        );
        assert_eq!(
            lines.last().unwrap().0,
            7,
            "the line of the first physical line"
        );
    }
}
