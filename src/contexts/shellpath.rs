//! Resolving a shell word that names a path (a build command's `-f` or
//! context, a `cd` target, a variable's value) to an absolute path, without
//! running anything.
//!
//! Literal words are joined to the working directory. A word may start with
//! one expansion that is clearly a known directory, followed by nothing or a
//! literal `/path`:
//! - the working directory: `$PWD`, `${PWD}`, `$(pwd)`, `` `pwd` ``;
//! - the repository root: `$GITHUB_WORKSPACE`, GitLab's `$CI_PROJECT_DIR`,
//!   `$(git rev-parse --show-toplevel)`;
//! - the script: `$0`, `${BASH_SOURCE[0]}` (its path), `${0%/*}` (its directory);
//! - `$(dirname X)`, `$(realpath X)`, `$(readlink -f X)`, `$(cd X && pwd)`
//!   of a word X that resolves;
//! - a variable the script assigned before (`ROOT="$(cd "$(dirname "$0")/.." && pwd)"`).
//!
//! Anything else (an unknown variable, a glob, `~`) does not resolve.

use std::path::{Path, PathBuf};

use crate::compose::clean;
use crate::shell;

/// What the known names mean where a word is resolved.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// The repository root.
    pub root: PathBuf,
    /// The script's own path, for shell scripts.
    pub script: Option<PathBuf>,
    /// Assignments seen so far, in order: name and value (quotes removed).
    pub vars: Vec<(String, String)>,
}

/// Bound on nested resolutions (variables referring to variables).
const MAX_DEPTH: usize = 8;

fn plain(s: &str) -> bool {
    !s.contains(['$', '`', '*', '?', '[', '~', '"', '\''])
}

/// Resolve `text` (a word's value: quotes removed, expansions as written;
/// `literal` when it has none) in `cwd`.
pub fn resolve(text: &str, literal: bool, cwd: &Path, env: &Env) -> Option<PathBuf> {
    if literal {
        return Some(clean(&cwd.join(text)));
    }
    resolve_text(text, cwd, env, 0)
}

fn resolve_text(text: &str, cwd: &Path, env: &Env, depth: usize) -> Option<PathBuf> {
    if depth > MAX_DEPTH {
        return None;
    }
    let text = unquote(text);
    if plain(text) {
        return Some(clean(&cwd.join(text)));
    }
    let (head, rest) = split_expansion(text)?;
    if !(rest.is_empty() || (rest.starts_with('/') && plain(rest))) {
        return None;
    }
    let base = expansion(head, cwd, env, depth)?;
    Some(clean(&base.join(rest.trim_start_matches('/'))))
}

/// Remove one pair of surrounding double quotes.
fn unquote(s: &str) -> &str {
    s.strip_prefix('"')
        .and_then(|r| r.strip_suffix('"'))
        .unwrap_or(s)
}

/// Is `text` exactly one expansion (`$VAR`, `${..}`, `$(..)`)? Unquoted
/// as a build argument, it may stand for flags or for nothing.
pub fn is_whole_expansion(text: &str) -> bool {
    split_expansion(text).is_some_and(|(_, rest)| rest.is_empty())
}

/// Split off the expansion at the start of `text`: `$(..)`, `${..}`,
/// `` `..` `` or `$NAME`.
fn split_expansion(text: &str) -> Option<(&str, &str)> {
    let b = text.as_bytes();
    let end = match (b.first(), b.get(1)) {
        (Some(b'$'), Some(b'(')) => matching(text, 1, b'(', b')')?,
        (Some(b'$'), Some(b'{')) => matching(text, 1, b'{', b'}')?,
        (Some(b'`'), _) => text[1..].find('`')? + 1,
        (Some(b'$'), Some(c)) if c.is_ascii_digit() => 1,
        (Some(b'$'), _) => {
            let n = text[1..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(text.len() - 1);
            (n > 0).then_some(n)?
        }
        _ => return None,
    };
    Some((&text[..end + 1], &text[end + 1..]))
}

/// Index of the bracket closing the one at `open_at`, skipping quotes.
fn matching(text: &str, open_at: usize, open: u8, close: u8) -> Option<usize> {
    let b = text.as_bytes();
    let (mut depth, mut quote) = (0usize, None::<u8>);
    let mut i = open_at;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'\'' => quote = Some(c),
            None if c == open => depth += 1,
            None if c == close => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            None => {}
        }
        i += 1;
    }
    None
}

/// The directory (or file) one expansion stands for.
fn expansion(head: &str, cwd: &Path, env: &Env, depth: usize) -> Option<PathBuf> {
    let script_dir = || {
        env.script
            .as_ref()
            .and_then(|s| s.parent())
            .map(Path::to_path_buf)
    };
    if let Some(inner) = head
        .strip_prefix("$(")
        .and_then(|r| r.strip_suffix(')'))
        .or_else(|| head.strip_prefix('`').and_then(|r| r.strip_suffix('`')))
    {
        return substitution(inner, cwd, env, depth);
    }
    let name = head
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| head.strip_prefix('$'))?;
    match name {
        "PWD" => Some(cwd.to_path_buf()),
        "GITHUB_WORKSPACE" | "CI_PROJECT_DIR" => Some(env.root.clone()),
        "0" | "BASH_SOURCE" | "BASH_SOURCE[0]" => env.script.clone(),
        "0%/*" | "BASH_SOURCE%/*" => script_dir(),
        n => {
            let (_, value) = env.vars.iter().rev().find(|(v, _)| v == n)?;
            resolve_text(value, cwd, env, depth + 1)
        }
    }
}

/// A command substitution that names a path.
fn substitution(inner: &str, cwd: &Path, env: &Env, depth: usize) -> Option<PathBuf> {
    let script = shell::parse(inner);
    if !script.is_reliable() {
        return None;
    }
    let words = |i: usize| -> Vec<&str> {
        script.commands[i]
            .words
            .iter()
            .map(|w| w.text.as_str())
            .collect()
    };
    let arg = |w: &shell::Word| resolve_text(&w.text, cwd, env, depth + 1);
    match script.commands.len() {
        1 => {
            let cmd = &script.commands[0];
            match (words(0).as_slice(), cmd.words.last()) {
                (["pwd"] | ["pwd", "-P"], _) => Some(cwd.to_path_buf()),
                (["git", "rev-parse", "--show-toplevel"], _) => Some(env.root.clone()),
                (["dirname", _], Some(w)) => arg(w)?.parent().map(Path::to_path_buf),
                (["realpath", _] | ["readlink", "-f" | "-e", _], Some(w)) => arg(w),
                _ => None,
            }
        }
        2 => {
            let cd = &script.commands[0];
            let ok = matches!(words(0).as_slice(), ["cd", _])
                && matches!(words(1).as_slice(), ["pwd"] | ["pwd", "-P"]);
            ok.then(|| arg(&cd.words[1])).flatten()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            root: "/r".into(),
            script: Some("/r/scripts/build.sh".into()),
            vars: vec![
                (
                    "ROOT".into(),
                    "$(cd \"$(dirname \"$0\")/..\" && pwd)".into(),
                ),
                ("DF".into(), "$ROOT/docker/Dockerfile".into()),
                ("LOOP".into(), "$LOOP".into()),
                ("TAG".into(), "v1".into()),
            ],
        }
    }

    fn r(text: &str) -> Option<String> {
        resolve(text, false, Path::new("/r/x"), &env()).map(|p| p.display().to_string())
    }

    #[test]
    fn known_expansions() {
        assert_eq!(r("$(pwd)").as_deref(), Some("/r/x"));
        assert_eq!(r("${PWD}/a").as_deref(), Some("/r/x/a"));
        assert_eq!(r("`pwd`").as_deref(), Some("/r/x"));
        assert_eq!(r("$GITHUB_WORKSPACE/docker").as_deref(), Some("/r/docker"));
        assert_eq!(r("$(git rev-parse --show-toplevel)").as_deref(), Some("/r"));
        assert_eq!(r("$(dirname \"$0\")").as_deref(), Some("/r/scripts"));
        assert_eq!(r("$(dirname ${BASH_SOURCE[0]})/..").as_deref(), Some("/r"));
        assert_eq!(r("${0%/*}").as_deref(), Some("/r/scripts"));
        assert_eq!(
            r("$(cd \"$(dirname \"$0\")/..\" && pwd)").as_deref(),
            Some("/r")
        );
        assert_eq!(r("$(realpath ..)").as_deref(), Some("/r"));
        assert_eq!(r("$ROOT").as_deref(), Some("/r"));
        assert_eq!(r("${ROOT}/docker").as_deref(), Some("/r/docker"));
        assert_eq!(r("$DF").as_deref(), Some("/r/docker/Dockerfile"));
        assert_eq!(
            r("$TAG").as_deref(),
            Some("/r/x/v1"),
            "a literal value is a relative path"
        );
    }

    #[test]
    fn unknown_expansions() {
        for t in [
            "$CTX",
            "$LOOP",
            "$(make ctx)",
            "$ROOT$TAG",
            "${ROOT:-.}",
            "~/x",
            "$(pwd)/*",
            "$(pwd)x",
        ] {
            assert_eq!(r(t), None, "{t}");
        }
    }
}
