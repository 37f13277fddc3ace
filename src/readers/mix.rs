//! mix: what `mix deps.get` and `mix deps.compile` read besides mix.exs and
//! mix.lock. SEMANTICS.md §B.19.
//!
//! mix.exs is Elixir, evaluated by Mix. The reader tokenizes it (no
//! evaluation) and refuses what would read other files (`File.*`,
//! `Code.require_file`, `Code.eval_file`, `Path.wildcard`, `System.cmd`...)
//! and `path:` dependencies. An umbrella (`apps_path: "apps"`) adds every
//! `apps/*/mix.exs`. For `mix deps.compile` (reader `mix-compile`) the
//! compile-time configuration comes too: config/config.exs and everything it
//! imports (`import_config "#{config_env()}.exs"` may pick any config/*.exs;
//! runtime.exs is not read at compile time), and a deps/ directory in the
//! build context is refused (the fetched dependencies are the step's input,
//! and they would come with the source copy, after it).

use super::{escapes, join, parent, ReadInput, ReadOutput};
use crate::context::BuildContext;

/// `mix deps.get`.
pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let mut out = ReadOutput::default();
    match project(input.ctx, input.dir, &mut out) {
        Ok(_) => out,
        Err(reason) => ReadOutput::refuse(reason),
    }
}

/// `mix deps.compile`.
pub(super) fn read_compile(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let dir = input.dir;
    let mut out = ReadOutput::default();
    let result = project(ctx, dir, &mut out).and_then(|custom_config| {
        let deps = join(dir, "deps");
        if ctx.exists(&deps) {
            return Err(format!(
                "the build context holds {deps}: `mix deps.compile` compiles the fetched dependencies, and with \
                 {deps} in the context they would come with the source copy, after the step (add it to .dockerignore)"
            ));
        }
        if custom_config {
            return Err(format!(
                "{}: `config_path` names a configuration dockopt does not follow",
                join(dir, "mix.exs")
            ));
        }
        config(ctx, &join(dir, "config/config.exs"), &mut out, &mut Vec::new())
    });
    match result {
        Ok(()) => out,
        Err(reason) => ReadOutput::refuse(reason),
    }
}

/// Check mix.exs and add umbrella members. Returns whether mix.exs sets a
/// custom `config_path`.
fn project(ctx: &BuildContext, dir: &str, out: &mut ReadOutput) -> Result<bool, String> {
    let manifest = join(dir, "mix.exs");
    let Some(text) = ctx.read_to_string(&manifest) else {
        return Ok(false); // reported by the required-file check
    };
    let toks = tokenize(&text);
    check(&manifest, &toks, Role::Root)?;
    let custom_config = keyword_value(&toks, "config_path").is_some();
    if let Some(apps) = keyword_value(&toks, "apps_path") {
        let Tok::Str {
            text: apps,
            interp: false,
            ..
        } = apps
        else {
            return Err(format!("{manifest}: `apps_path` is not a literal string"));
        };
        if apps.starts_with('/') || escapes(dir, &apps) {
            return Err(format!(
                "{manifest}: `apps_path: \"{apps}\"` is outside the build context"
            ));
        }
        let members = ctx.glob(&join(&join(dir, &apps), "*/mix.exs"));
        for m in members {
            let Some(t) = ctx.read_to_string(&m) else {
                continue;
            };
            check(&m, &tokenize(&t), Role::UmbrellaChild)?;
            out.required.push(m);
        }
    }
    Ok(custom_config)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Root,
    UmbrellaChild,
    Config,
}

/// Refuse file reads, commands and path dependencies.
fn check(file: &str, toks: &[Tok], role: Role) -> Result<(), String> {
    let what = match role {
        Role::Config => "the compile-time configuration would need files that are not copied",
        _ => "dependencies would be resolved from files that are not copied",
    };
    for (k, t) in toks.iter().enumerate() {
        let Tok::Ident(id) = t else {
            if let Tok::Keyword(key) = t {
                let dep_tuple = in_dep_tuple(toks, k);
                if key == "path" && dep_tuple {
                    return Err(format!(
                        "{file}: a `path:` dependency is built from a local directory, which needs the whole source"
                    ));
                }
                if key == "in_umbrella" && dep_tuple && role == Role::Root {
                    return Err(format!(
                        "{file}: an `in_umbrella: true` dependency is a sibling application outside the project directory"
                    ));
                }
            }
            continue;
        };
        let member = match (toks.get(k + 1), toks.get(k + 2)) {
            (Some(Tok::Punct('.')), Some(Tok::Ident(m))) => Some(m.as_str()),
            _ => None,
        };
        let after_dot = k > 0 && toks[k - 1] == Tok::Punct('.');
        if after_dot {
            continue;
        }
        let bad = match (id.as_str(), member) {
            ("File", Some(m)) => Some(format!("File.{m}")),
            (
                "Code",
                Some(
                    m @ ("require_file" | "eval_file" | "compile_file" | "eval_string"
                    | "eval_quoted"),
                ),
            ) => Some(format!("Code.{m}")),
            ("Path", Some(m @ "wildcard")) => Some(format!("Path.{m}")),
            ("System", Some(m @ ("cmd" | "shell"))) => Some(format!("System.{m}")),
            ("Mix", Some("Project")) => match toks.get(k + 4) {
                Some(Tok::Ident(m)) if m == "in_project" || m == "deps_paths" => {
                    Some(format!("Mix.Project.{m}"))
                }
                _ => None,
            },
            ("import_file" | "import_file_if_available", _) => Some(id.clone()),
            (":os", Some("cmd")) => Some(":os.cmd".to_string()),
            (":file", Some(m)) => Some(format!(":file.{m}")),
            _ => None,
        };
        if let Some(bad) = bad {
            return Err(format!("{file} uses `{bad}`; {what}"));
        }
    }
    Ok(())
}

/// Is token `k` directly inside a `{:name, ...}` tuple (a dependency)?
fn in_dep_tuple(toks: &[Tok], k: usize) -> bool {
    let mut depth = 0i32;
    for i in (0..k).rev() {
        match &toks[i] {
            Tok::Punct('}' | ']' | ')') => depth += 1,
            Tok::Punct('[' | '(') => {
                if depth == 0 {
                    // Keyword list inside the tuple: `{:x, [path: ..]}`
                    continue;
                }
                depth -= 1;
            }
            Tok::Punct('{') => {
                if depth == 0 {
                    return matches!(toks.get(i + 1), Some(Tok::Atom(_)));
                }
                depth -= 1;
            }
            _ => {}
        }
    }
    false
}

/// The token after the first `key:` keyword.
fn keyword_value(toks: &[Tok], key: &str) -> Option<Tok> {
    let k = toks
        .iter()
        .position(|t| matches!(t, Tok::Keyword(x) if x == key))?;
    toks.get(k + 1).cloned()
}

/// config/config.exs and what it imports, recursively.
fn config(
    ctx: &BuildContext,
    file: &str,
    out: &mut ReadOutput,
    seen: &mut Vec<String>,
) -> Result<(), String> {
    if seen.iter().any(|s| s == file) {
        return Ok(());
    }
    seen.push(file.to_string());
    let Some(text) = ctx.read_to_string(file) else {
        return Ok(()); // no configuration (or an import that is not there: mix fails either way)
    };
    out.optional.push(file.to_string());
    let toks = tokenize(&text);
    check(file, &toks, Role::Config)?;
    let here = parent(file).to_string();
    for (k, t) in toks.iter().enumerate() {
        if *t != Tok::Ident("import_config".into()) {
            continue;
        }
        let arg = match toks.get(k + 1) {
            Some(Tok::Punct('(')) => toks.get(k + 2),
            other => other,
        };
        let Some(Tok::Str { pattern, .. }) = arg else {
            return Err(format!(
                "{file}: `import_config` names a file dockopt cannot resolve"
            ));
        };
        if pattern.starts_with('/') || escapes(&here, pattern) {
            return Err(format!(
                "{file}: `import_config \"{pattern}\"` is outside the build context"
            ));
        }
        let target = join(&here, pattern);
        let files = if pattern.contains('*') {
            ctx.glob(&target)
        } else {
            vec![target]
        };
        for f in files {
            if f.rsplit('/').next() == Some("runtime.exs") {
                continue;
            }
            config(ctx, &f, out, seen)?;
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// A small Elixir tokenizer: identifiers and aliases, atoms, keywords,
// strings (with `#{}` interpolation turned into `*` in `pattern`), sigils,
// comments. Never panics.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Atom(String),
    /// `name:`
    Keyword(String),
    Str {
        text: String,
        interp: bool,
        /// The text with every interpolation replaced by `*`.
        pattern: String,
    },
    Punct(char),
}

fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        match ch {
            '#' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            c0 if c0.is_whitespace() => i += 1,
            '"' | '\'' => {
                let triple = c.get(i + 1) == Some(&ch) && c.get(i + 2) == Some(&ch);
                let (tok, next) = if triple {
                    string(&c, i + 3, ch, true, true)
                } else {
                    string(&c, i + 1, ch, true, false)
                };
                // `"key": value` is a keyword too.
                if c.get(next) == Some(&':') && c.get(next + 1).is_some_and(|n| n.is_whitespace()) {
                    if let Tok::Str { text, .. } = tok {
                        out.push(Tok::Keyword(text));
                    }
                    i = next + 1;
                } else {
                    out.push(tok);
                    i = next;
                }
            }
            '~' if c.get(i + 1).is_some_and(|n| n.is_ascii_alphabetic()) => {
                let interpolates = c[i + 1].is_ascii_lowercase();
                let mut j = i + 2;
                while j < c.len() && c[j].is_ascii_alphabetic() {
                    j += 1;
                }
                let Some(&open) = c.get(j) else { break };
                let close = match open {
                    '(' => ')',
                    '[' => ']',
                    '{' => '}',
                    '<' => '>',
                    o => o,
                };
                let (tok, mut next) = if (open == '"' || open == '\'')
                    && c.get(j + 1) == Some(&open)
                    && c.get(j + 2) == Some(&open)
                {
                    string(&c, j + 3, open, interpolates, true)
                } else {
                    string(&c, j + 1, close, interpolates, false)
                };
                while next < c.len() && c[next].is_ascii_alphabetic() {
                    next += 1; // modifiers
                }
                out.push(tok);
                i = next;
            }
            ':' if c.get(i + 1).is_some_and(|n| n.is_alphabetic() || *n == '_') => {
                let (name, next) = ident(&c, i + 1);
                if name.chars().next().is_some_and(|f| f.is_lowercase())
                    && matches!(c.get(next), Some('.'))
                    && c.get(next + 1).is_some_and(|n| n.is_alphabetic())
                {
                    out.push(Tok::Ident(format!(":{name}"))); // an Erlang module call
                } else {
                    out.push(Tok::Atom(name));
                }
                i = next;
            }
            ':' if matches!(c.get(i + 1), Some('"')) => {
                let (tok, next) = string(&c, i + 2, '"', true, false);
                if let Tok::Str { text, .. } = tok {
                    out.push(Tok::Atom(text));
                }
                i = next;
            }
            c0 if c0.is_alphabetic() || c0 == '_' || c0 == '@' => {
                let start = i;
                if c0 == '@' {
                    i += 1;
                }
                let (name, next) = ident(&c, i);
                let name = format!("{}{name}", c[start..i].iter().collect::<String>());
                i = next;
                if c.get(i) == Some(&':')
                    && c.get(i + 1) != Some(&':')
                    && c.get(i + 1).is_some_and(|n| n.is_whitespace())
                {
                    out.push(Tok::Keyword(name));
                    i += 1;
                } else {
                    out.push(Tok::Ident(name));
                }
            }
            c0 if c0.is_ascii_digit() => {
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_' || c[i] == '.') {
                    i += 1;
                }
                out.push(Tok::Punct('0'));
            }
            _ => {
                out.push(Tok::Punct(ch));
                i += 1;
            }
        }
    }
    out
}

fn ident(c: &[char], mut i: usize) -> (String, usize) {
    let start = i;
    while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
        i += 1;
    }
    if i < c.len() && (c[i] == '?' || c[i] == '!') {
        i += 1;
    }
    (c[start..i].iter().collect(), i)
}

/// A string body from `i` to `close` (or a triple `close` for heredocs).
fn string(c: &[char], mut i: usize, close: char, interpolates: bool, triple: bool) -> (Tok, usize) {
    let mut text = String::new();
    let mut pattern = String::new();
    let mut interp = false;
    while i < c.len() {
        let ch = c[i];
        if ch == '\\' {
            if let Some(&n) = c.get(i + 1) {
                text.push(n);
                pattern.push(n);
            }
            i += 2;
            continue;
        }
        if interpolates && ch == '#' && c.get(i + 1) == Some(&'{') {
            interp = true;
            pattern.push('*');
            let mut depth = 0usize;
            while i < c.len() {
                if c[i] == '{' {
                    depth += 1;
                } else if c[i] == '}' {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if ch == close
            && (!triple || (c.get(i + 1) == Some(&close) && c.get(i + 2) == Some(&close)))
        {
            let next = if triple { i + 3 } else { i + 1 };
            return (
                Tok::Str {
                    text,
                    interp,
                    pattern,
                },
                next,
            );
        }
        text.push(ch);
        pattern.push(ch);
        i += 1;
    }
    (
        Tok::Str {
            text,
            interp,
            pattern,
        },
        i,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_path_deps_only_in_dep_tuples() {
        let t =
            tokenize("defp deps do\n  [{:jason, \"~> 1.4\"}, {:local, path: \"../local\"}]\nend\n");
        assert!(check("mix.exs", &t, Role::Root).is_err());
        let t = tokenize("def project do\n  [app: :x, releases: [x: [path: \"/opt/x\"]]]\nend\n");
        assert!(check("mix.exs", &t, Role::Root).is_ok());
    }

    #[test]
    fn finds_file_reads() {
        let t = tokenize("@version File.read!(\"VERSION\") |> String.trim()\n");
        assert!(check("mix.exs", &t, Role::Root).is_err());
        let t = tokenize("# File.read!(\"VERSION\")\n@version \"1.0.0\"\n");
        assert!(check("mix.exs", &t, Role::Root).is_ok());
    }

    #[test]
    fn interpolated_import_is_a_pattern() {
        let t = tokenize("import_config \"#{config_env()}.exs\"\n");
        assert!(matches!(&t[1], Tok::Str { pattern, interp: true, .. } if pattern == "*.exs"));
    }
}
