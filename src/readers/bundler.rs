//! bundler: what `bundle install` reads besides the Gemfile. SEMANTICS.md
//! §B.16.
//!
//! The Gemfile is Ruby, evaluated by Bundler. The reader tokenizes it (no
//! evaluation) and accepts only what it can follow: `eval_gemfile "file"`,
//! `ruby file: ".ruby-version"`, `File.read(".ruby-version")` (also with
//! `File.join(__dir__, ...)` / `File.expand_path(..., __dir__)`), `gemspec`
//! with self-contained gemspecs. It refuses `path:` gems and `path` blocks,
//! local `git:` sources, shell commands and any other file access. It also
//! copies vendor/cache when every gem there is locked, and refuses a
//! `.bundle/config` or installed gems in the project (the source copy after
//! the install would overwrite what the install wrote there).

use super::{escapes, join, parent, ReadInput, ReadOutput};
use crate::context::BuildContext;

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    read_project(input).unwrap_or_else(ReadOutput::refuse)
}

fn read_project(input: &ReadInput) -> Result<ReadOutput, String> {
    let ctx = input.ctx;
    let dir = input.dir;
    let mut out = ReadOutput {
        writes: gem_dirs(input),
        ..ReadOutput::default()
    };

    let config = join(dir, ".bundle/config");
    if ctx.is_file(&config) {
        return Err(format!(
            "the build context holds {config}: `bundle config --local` and remembered `bundle install` \
             flags write that file in the image, and the source copy after the install would overwrite it \
             (add `.bundle` to .dockerignore)"
        ));
    }
    let bundle_dir = join(dir, "vendor/bundle");
    let installed = ["*/ruby/*/gems", "*/*/ruby/*/gems"]
        .iter()
        .flat_map(|p| ctx.glob(&join(dir, p)))
        .next()
        .or_else(|| ctx.is_dir(&bundle_dir).then(|| bundle_dir.clone()));
    if let Some(found) = installed {
        return Err(format!(
            "the build context holds installed gems ({found}); bundle install may install there, and the \
             source copy after the install would overwrite them (add the directory to .dockerignore)"
        ));
    }

    let gemfile = join(dir, "Gemfile");
    let mut queue = vec![gemfile.clone()];
    let mut seen: Vec<String> = Vec::new();
    while let Some(file) = queue.pop() {
        if seen.contains(&file) {
            continue;
        }
        seen.push(file.clone());
        let Some(text) = ctx.read_to_string(&file) else {
            if file == gemfile {
                return Ok(out); // reported by the required-file check
            }
            return Err(format!(
                "{file} (from `eval_gemfile`) is not in the build context"
            ));
        };
        if file != gemfile {
            out.required.push(file.clone());
        }
        scan_gemfile(ctx, dir, &file, &text, &mut out, &mut queue)?;
    }

    vendor_cache(ctx, dir, &mut out)?;
    Ok(out)
}

/// Where `bundle install` may put the gems inside the project (relative to
/// it): vendor/bundle (`--deployment`, `BUNDLE_DEPLOYMENT`), and the
/// directory `--path` or `BUNDLE_PATH` names. Counted whatever the flags
/// say (a remembered setting may apply), so a step moved with the source
/// copy does not touch the installed gems (`chmod -R g=u vendor`).
fn gem_dirs(input: &ReadInput) -> Vec<String> {
    let site = input.site;
    let named = (site.flags.iter())
        .filter(|(f, _)| f == "--path")
        .filter_map(|(_, v)| v.clone())
        .chain(
            (site.env.iter())
                .filter(|(k, _)| k == "BUNDLE_PATH")
                .filter_map(|(_, v)| v.clone()),
        );
    let mut out = vec!["vendor/bundle".to_string()];
    for v in named {
        let v = v.trim_start_matches("./").trim_end_matches('/');
        if !v.is_empty() && !v.starts_with('/') && !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

/// vendor/cache: bundle install installs from it and, unless frozen, prunes
/// the gems the lock does not name. Those would come back with the source
/// copy, so every entry must be a locked `.gem`.
fn vendor_cache(ctx: &BuildContext, dir: &str, out: &mut ReadOutput) -> Result<(), String> {
    let cache = join(dir, "vendor/cache");
    if !ctx.is_dir(&cache) {
        return Ok(());
    }
    let entries = ctx.glob(&join(&cache, "*"));
    if entries.is_empty() {
        return Ok(());
    }
    let lock = join(dir, "Gemfile.lock");
    let Some(lock_text) = ctx.read_to_string(&lock) else {
        return Err(format!(
            "{cache} is used without a Gemfile.lock; bundle install may prune it, and the source copy would bring the pruned gems back"
        ));
    };
    let locked = locked_gems(&lock_text);
    for e in entries {
        let name = e.rsplit('/').next().unwrap_or(&e);
        let ok = ctx.is_file(&e)
            && name
                .strip_suffix(".gem")
                .is_some_and(|stem| locked.iter().any(|l| l == stem));
        if !ok {
            return Err(format!(
                "{e} is not a gem Gemfile.lock names; bundle install may prune it, and the source copy would bring it back"
            ));
        }
        out.optional.push(e);
    }
    Ok(())
}

/// `name-version[-platform]` of every gem in the GEM sections of a lockfile.
fn locked_gems(lock: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_gem = false;
    for line in lock.lines() {
        if !line.starts_with(' ') {
            in_gem = line.trim_end() == "GEM";
            continue;
        }
        if !in_gem {
            continue;
        }
        // `    name (version)`: exactly four spaces (deeper lines are dependencies).
        let Some(rest) = line.strip_prefix("    ") else {
            continue;
        };
        if rest.starts_with(' ') {
            continue;
        }
        if let Some((name, v)) = rest.split_once(" (") {
            if let Some(v) = v.strip_suffix(')') {
                out.push(format!("{name}-{v}"));
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Gemfile and gemspec checks
// ---------------------------------------------------------------------------

fn scan_gemfile(
    ctx: &BuildContext,
    root: &str,
    file: &str,
    text: &str,
    out: &mut ReadOutput,
    queue: &mut Vec<String>,
) -> Result<(), String> {
    let here = parent(file);
    let toks = tokenize(text);
    for stmt in statements(&toks) {
        let method = match stmt.first() {
            Some(Tok::Ident(m)) => m.as_str(),
            _ => "",
        };
        match method {
            "path" => {
                return Err(format!("{file}: a `path` block installs gems from local directories, which need the whole source"))
            }
            "gemspec" => {
                gemspec(ctx, file, here, &stmt, out)?;
                continue;
            }
            "eval_gemfile" => match first_string(&stmt[1..]) {
                Some(s) if !escapes(here, &s) => queue.push(join(here, &s)),
                Some(s) => return Err(format!("{file}: `eval_gemfile \"{s}\"` reads a file outside the build context")),
                None => return Err(format!("{file}: `eval_gemfile` names a file dockopt cannot resolve")),
            },
            _ => {}
        }
        check_tokens(file, &stmt, Kind::Gemfile)?;
        // Option values that name local things.
        for (k, t) in stmt.iter().enumerate() {
            let Some(key) = option_key(&stmt, k) else {
                continue;
            };
            let value = stmt.get(k + if matches!(t, Tok::Label(_)) { 1 } else { 2 });
            match key {
                "path" => {
                    return Err(format!("{file}: a `path:` gem installs from a local directory, which needs the whole source"))
                }
                "git" => {
                    if let Some(Tok::Str { text: url, .. }) = value {
                        if is_local_url(url) {
                            return Err(format!("{file}: `git: \"{url}\"` installs from a local repository dockopt does not copy"));
                        }
                    }
                }
                "file" if method == "ruby" => match value {
                    Some(Tok::Str { text: f, interp: false }) if !escapes(root, f) => {
                        out.required.push(join(root, f));
                    }
                    _ => return Err(format!("{file}: `ruby file:` names a file dockopt cannot resolve")),
                },
                _ => {}
            }
        }
        if method == "git" || method == "source" {
            if let Some(url) = first_string(&stmt[1..]) {
                if is_local_url(&url) {
                    return Err(format!("{file}: `{method} \"{url}\"` reads a local repository dockopt does not copy"));
                }
            }
        }
        // File.read(".ruby-version") and friends.
        for read in file_reads(&stmt) {
            match read {
                Read::Cwd(f) if !escapes(root, &f) => out.required.push(join(root, &f)),
                Read::Here(f) if !escapes(here, &f) => out.required.push(join(here, &f)),
                _ => {
                    return Err(format!(
                        "{file}: reads a file dockopt cannot resolve (`File.read`)"
                    ))
                }
            }
        }
    }
    Ok(())
}

/// `gemspec [path: "dir"] [name: "x"]`: the gemspecs of that directory.
fn gemspec(
    ctx: &BuildContext,
    file: &str,
    here: &str,
    stmt: &[Tok],
    out: &mut ReadOutput,
) -> Result<(), String> {
    let mut path = ".".to_string();
    let mut name = None;
    for k in 0..stmt.len() {
        let Some(key) = option_key(stmt, k) else {
            continue;
        };
        let value = stmt.get(
            k + if matches!(stmt[k], Tok::Label(_)) {
                1
            } else {
                2
            },
        );
        let lit = match value {
            Some(Tok::Str {
                text,
                interp: false,
            }) => Some(text.clone()),
            _ => None,
        };
        match (key, lit) {
            ("path", Some(p)) => path = p,
            ("name", Some(n)) => name = Some(n),
            ("path" | "name", None) => {
                return Err(format!(
                    "{file}: `gemspec` has an option dockopt cannot resolve"
                ))
            }
            _ => {}
        }
    }
    check_tokens(file, stmt, Kind::Gemfile)?;
    if escapes(here, &path) {
        return Err(format!(
            "{file}: `gemspec path: \"{path}\"` is outside the build context"
        ));
    }
    let gdir = join(here, &path);
    let specs: Vec<String> = ctx
        .glob(&join(&gdir, "*.gemspec"))
        .into_iter()
        .filter(|s| {
            name.as_ref().map_or(true, |n| {
                s.rsplit('/').next() == Some(format!("{n}.gemspec").as_str())
            })
        })
        .collect();
    if specs.is_empty() {
        return Err(format!(
            "{file}: `gemspec` finds no gemspec in the build context"
        ));
    }
    for spec in specs {
        let text = ctx
            .read_to_string(&spec)
            .ok_or_else(|| format!("{spec} cannot be read"))?;
        check_gemspec(&spec, &text)?;
        out.required.push(spec);
    }
    Ok(())
}

fn check_gemspec(spec: &str, text: &str) -> Result<(), String> {
    let toks = tokenize(text);
    for stmt in statements(&toks) {
        check_tokens(spec, &stmt, Kind::Gemspec)?;
        if !file_reads(&stmt).is_empty() {
            return Err(format!(
                "{spec} reads other files, which are not copied with the manifests"
            ));
        }
        // `spec.executables = [...]`: bundle install writes wrappers only for
        // executables whose files exist, so they would be missing.
        for (k, t) in stmt.iter().enumerate() {
            if *t == Tok::Ident("executables".into()) {
                let empty = stmt.get(k + 1) == Some(&Tok::Punct("=".into()))
                    && stmt.get(k + 2) == Some(&Tok::Punct("[".into()))
                    && stmt.get(k + 3) == Some(&Tok::Punct("]".into()));
                if !empty {
                    return Err(format!(
                        "{spec} names executables; bundle install writes their wrappers only when the files exist, which needs the whole source"
                    ));
                }
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gemfile,
    Gemspec,
}

/// Refuse shell commands, code loading and file access other than the
/// `File.read` forms [`file_reads`] resolves.
fn check_tokens(file: &str, stmt: &[Tok], kind: Kind) -> Result<(), String> {
    for (k, t) in stmt.iter().enumerate() {
        let why = match t {
            Tok::Shell => Some("runs a shell command".to_string()),
            Tok::Heredoc => Some("uses a heredoc dockopt does not read".to_string()),
            Tok::Ident(id) => {
                let next_is_dot = matches!(stmt.get(k + 1), Some(Tok::Punct(p)) if p == ".");
                let member = match (next_is_dot, stmt.get(k + 2)) {
                    (true, Some(Tok::Ident(m))) => Some(m.as_str()),
                    _ => None,
                };
                let after_dot =
                    k > 0 && matches!(&stmt[k - 1], Tok::Punct(p) if p == "." || p == "::");
                match id.as_str() {
                    _ if after_dot => None,
                    "File" | "IO" => match member {
                        Some("read" | "readlines" | "join" | "expand_path") => None,
                        Some(m) => Some(format!("uses `{id}.{m}`")),
                        None => None,
                    },
                    "Dir" | "Pathname" | "Open3" | "Kernel" | "FileUtils" => {
                        Some(format!("uses `{id}`"))
                    }
                    "require_relative" | "load" | "instance_eval" | "eval" | "system" | "exec"
                    | "spawn" | "open" | "__FILE__" | "$LOAD_PATH" | "$:" => {
                        Some(format!("uses `{id}`"))
                    }
                    "require" => match first_string(&stmt[k + 1..]) {
                        Some(s) if !s.starts_with('.') && !s.starts_with('/') => None,
                        _ => Some("requires a local file".to_string()),
                    },
                    "__dir__" if kind == Kind::Gemspec => Some("uses `__dir__`".to_string()),
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(why) = why {
            let what = match kind {
                Kind::Gemfile => "the install would need files that are not copied",
                Kind::Gemspec => "a gemspec must be self-contained to be copied without the source",
            };
            return Err(format!("{file} {why}; {what}"));
        }
    }
    Ok(())
}

/// A file `File.read` opens: relative to the working directory, or to the
/// Gemfile's directory (`__dir__`).
#[derive(Debug, PartialEq, Eq)]
enum Read {
    Cwd(String),
    Here(String),
    Unknown,
}

fn file_reads(stmt: &[Tok]) -> Vec<Read> {
    let mut out = Vec::new();
    for k in 0..stmt.len() {
        let is_read = matches!(&stmt[k], Tok::Ident(c) if c == "File" || c == "IO")
            && matches!(stmt.get(k + 1), Some(Tok::Punct(p)) if p == ".")
            && matches!(stmt.get(k + 2), Some(Tok::Ident(m)) if m == "read" || m == "readlines");
        if !is_read || (k > 0 && matches!(&stmt[k - 1], Tok::Punct(p) if p == "." || p == "::")) {
            continue;
        }
        let args = call_args(&stmt[k + 3..]);
        out.push(resolve_read(args));
    }
    out
}

/// The argument tokens of a call: inside `( ... )`, or up to the end of the
/// statement / a `.` at depth 0 without parentheses.
fn call_args(rest: &[Tok]) -> &[Tok] {
    if rest.first() == Some(&Tok::Punct("(".into())) {
        let mut depth = 0;
        for (i, t) in rest.iter().enumerate() {
            match t {
                Tok::Punct(p) if p == "(" => depth += 1,
                Tok::Punct(p) if p == ")" => {
                    depth -= 1;
                    if depth == 0 {
                        return &rest[1..i];
                    }
                }
                _ => {}
            }
        }
        return &rest[1..];
    }
    let end = rest
        .iter()
        .position(|t| matches!(t, Tok::Punct(p) if p == "." || p == ")"))
        .unwrap_or(rest.len());
    &rest[..end]
}

fn resolve_read(args: &[Tok]) -> Read {
    let lit = |t: &Tok| match t {
        Tok::Str {
            text,
            interp: false,
        } => Some(text.clone()),
        _ => None,
    };
    let p = |s: &str| Tok::Punct(s.into());
    let id = |s: &str| Tok::Ident(s.into());
    match args {
        [s] => lit(s).map_or(Read::Unknown, Read::Cwd),
        // File.join(__dir__, "x")
        [f, dot, join, open, dir, comma, s, close]
            if *f == id("File")
                && *dot == p(".")
                && *join == id("join")
                && *open == p("(")
                && *dir == id("__dir__")
                && *comma == p(",")
                && *close == p(")") =>
        {
            lit(s).map_or(Read::Unknown, Read::Here)
        }
        // File.expand_path("x", __dir__)
        [f, dot, expand, open, s, comma, dir, close]
            if *f == id("File")
                && *dot == p(".")
                && *expand == id("expand_path")
                && *open == p("(")
                && *dir == id("__dir__")
                && *comma == p(",")
                && *close == p(")") =>
        {
            lit(s).map_or(Read::Unknown, Read::Here)
        }
        _ => Read::Unknown,
    }
}

/// If token `k` starts an option `key:` (a label) or `:key =>`, the key.
fn option_key(stmt: &[Tok], k: usize) -> Option<&str> {
    match &stmt[k] {
        Tok::Label(l) => Some(l),
        Tok::Sym(s) if stmt.get(k + 1) == Some(&Tok::Punct("=>".into())) => Some(s),
        _ => None,
    }
}

fn first_string(toks: &[Tok]) -> Option<String> {
    let t = toks
        .iter()
        .find(|t| !matches!(t, Tok::Punct(p) if p == "("))?;
    match t {
        Tok::Str {
            text,
            interp: false,
        } => Some(text.clone()),
        _ => None,
    }
}

/// A git URL that names the local filesystem.
fn is_local_url(url: &str) -> bool {
    url.starts_with("file:") || !(url.contains("://") || url.contains('@'))
}

// ---------------------------------------------------------------------------
// A small Ruby tokenizer: enough to find method calls, options, strings and
// the constructs that read files or run commands. Never panics.
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// `name:` (a keyword argument or hash key).
    Label(String),
    /// `:name`.
    Sym(String),
    Str {
        text: String,
        interp: bool,
    },
    Punct(String),
    Newline,
    /// A backtick or `%x` command.
    Shell,
    Heredoc,
}

fn tokenize(src: &str) -> Vec<Tok> {
    let c: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < c.len() {
        let ch = c[i];
        if line_start && src_at(&c, i, "=begin") {
            // Block comment: every line up to and including one starting with =end.
            loop {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
                i += 1;
                if i >= c.len() || src_at(&c, i, "=end") {
                    break;
                }
            }
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        line_start = false;
        match ch {
            '\n' => {
                out.push(Tok::Newline);
                line_start = true;
                i += 1;
            }
            '#' => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            '\\' if c.get(i + 1) == Some(&'\n') => i += 2,
            c0 if c0.is_whitespace() => i += 1,
            '"' | '\'' => {
                let (text, interp, next) = string(&c, i + 1, ch, ch == '"');
                out.push(Tok::Str { text, interp });
                i = next;
            }
            '`' => {
                let (_, _, next) = string(&c, i + 1, '`', true);
                out.push(Tok::Shell);
                i = next;
            }
            '%' if percent_literal(&c, i).is_some() => {
                let (kind, open) = percent_literal(&c, i).unwrap_or(('Q', i + 1));
                let close = closing(c[open]);
                let (text, interp, next) = string_nested(
                    &c,
                    open + 1,
                    c[open],
                    close,
                    matches!(kind, 'Q' | 'W' | 'I' | 'x' | 'r'),
                );
                match kind {
                    'x' => out.push(Tok::Shell),
                    'w' | 'W' | 'i' | 'I' => {
                        out.push(Tok::Punct("[".into()));
                        for w in text.split_whitespace() {
                            out.push(Tok::Str {
                                text: w.to_string(),
                                interp,
                            });
                        }
                        out.push(Tok::Punct("]".into()));
                    }
                    's' => out.push(Tok::Sym(text)),
                    _ => out.push(Tok::Str { text, interp }),
                }
                i = next;
            }
            '<' if src_at(&c, i, "<<~") || src_at(&c, i, "<<-") => {
                let n = c.get(i + 3).copied().unwrap_or(' ');
                if n.is_ascii_alphabetic() || n == '_' || n == '"' || n == '\'' {
                    out.push(Tok::Heredoc);
                } else {
                    out.push(Tok::Punct("<<".into()));
                }
                i += 3;
            }
            ':' => {
                if c.get(i + 1) == Some(&':') {
                    out.push(Tok::Punct("::".into()));
                    i += 2;
                } else if c.get(i + 1).is_some_and(|n| n.is_alphabetic() || *n == '_') {
                    let (name, next) = ident(&c, i + 1);
                    out.push(Tok::Sym(name));
                    i = next;
                } else if matches!(c.get(i + 1), Some('"' | '\'')) {
                    let q = c[i + 1];
                    let (text, _, next) = string(&c, i + 2, q, q == '"');
                    out.push(Tok::Sym(text));
                    i = next;
                } else {
                    out.push(Tok::Punct(":".into()));
                    i += 1;
                }
            }
            '$' => {
                if c.get(i + 1).is_some_and(|n| n.is_alphabetic() || *n == '_') {
                    let (name, next) = ident(&c, i + 1);
                    out.push(Tok::Ident(format!("${name}")));
                    i = next;
                } else {
                    let n = c.get(i + 1).copied().unwrap_or(' ');
                    out.push(Tok::Ident(format!("${n}")));
                    i += 2;
                }
            }
            c0 if c0.is_alphabetic() || c0 == '_' || c0 == '@' => {
                let start = i;
                while i < c.len() && c[i] == '@' {
                    i += 1;
                }
                let (name, next) = ident(&c, i);
                let name = format!("{}{name}", c[start..i].iter().collect::<String>());
                i = next;
                if c.get(i) == Some(&':') && c.get(i + 1) != Some(&':') {
                    out.push(Tok::Label(name));
                    i += 1;
                } else {
                    out.push(Tok::Ident(name));
                }
            }
            c0 if c0.is_ascii_digit() => {
                while i < c.len() && (c[i].is_ascii_alphanumeric() || c[i] == '_' || c[i] == '.') {
                    i += 1;
                }
                out.push(Tok::Punct("0".into()));
            }
            _ => {
                let two: String = c[i..(i + 2).min(c.len())].iter().collect();
                if ["=>", "->", "||", "&&", "==", "<<", "**", "!=", "+=", "||="]
                    .contains(&two.as_str())
                {
                    out.push(Tok::Punct(two));
                    i += 2;
                } else {
                    out.push(Tok::Punct(ch.to_string()));
                    i += 1;
                }
            }
        }
    }
    out
}

fn src_at(c: &[char], i: usize, s: &str) -> bool {
    s.chars()
        .enumerate()
        .all(|(k, ch)| c.get(i + k) == Some(&ch))
}

/// An identifier (with a trailing `?` or `!`) starting at `i`.
fn ident(c: &[char], mut i: usize) -> (String, usize) {
    let start = i;
    while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
        i += 1;
    }
    if i < c.len() && (c[i] == '?' || c[i] == '!') && c.get(i + 1) != Some(&'=') {
        i += 1;
    }
    (c[start..i].iter().collect(), i)
}

/// A quoted string from `i` (after the opening quote) to `close`: its text,
/// whether it interpolates, and the index after it.
fn string(c: &[char], i: usize, close: char, interpolates: bool) -> (String, bool, usize) {
    string_nested(c, i, close, close, interpolates)
}

fn string_nested(
    c: &[char],
    mut i: usize,
    open: char,
    close: char,
    interpolates: bool,
) -> (String, bool, usize) {
    let mut text = String::new();
    let mut interp = false;
    let mut depth = 0usize;
    while i < c.len() {
        let ch = c[i];
        if ch == '\\' {
            if let Some(&n) = c.get(i + 1) {
                text.push(n);
            }
            i += 2;
            continue;
        }
        if interpolates && ch == '#' && c.get(i + 1) == Some(&'{') {
            interp = true;
            let mut d = 0usize;
            while i < c.len() {
                if c[i] == '{' {
                    d += 1;
                } else if c[i] == '}' {
                    d -= 1;
                    if d == 0 {
                        break;
                    }
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        if open != close && ch == open {
            depth += 1;
        } else if ch == close {
            if depth == 0 {
                return (text, interp, i + 1);
            }
            depth -= 1;
        }
        text.push(ch);
        i += 1;
    }
    (text, interp, i)
}

/// `%q(..)`, `%w[..]`, `%x{..}`, `%(..)`: the kind letter and the index of
/// the opening delimiter.
fn percent_literal(c: &[char], i: usize) -> Option<(char, usize)> {
    let n = *c.get(i + 1)?;
    if "([{<".contains(n) {
        return Some(('Q', i + 1));
    }
    if "qQwWiIxrs".contains(n) {
        let d = *c.get(i + 2)?;
        if !d.is_alphanumeric() && !d.is_whitespace() {
            return Some((n, i + 2));
        }
    }
    None
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        '{' => '}',
        '<' => '>',
        other => other,
    }
}

/// Statements: token runs split at newlines and `;` outside brackets, a line
/// ending in `,`, an operator or `\` continuing the statement.
fn statements(toks: &[Tok]) -> Vec<Vec<Tok>> {
    let mut out = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut depth: i32 = 0;
    for t in toks {
        match t {
            Tok::Punct(p) if p == "(" || p == "[" || p == "{" => depth += 1,
            Tok::Punct(p) if p == ")" || p == "]" || p == "}" => depth = (depth - 1).max(0),
            _ => {}
        }
        let ends = match t {
            Tok::Newline => {
                depth == 0
                    && !matches!(cur.last(), Some(Tok::Punct(p)) if [",", "=>", "||", "&&", ".", "+", "\\", "=", "->"].contains(&p.as_str()))
            }
            Tok::Punct(p) if p == ";" => depth == 0,
            _ => false,
        };
        if ends {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
        } else if *t != Tok::Newline {
            cur.push(t.clone());
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizes_options_and_strings() {
        let t = tokenize(
            "gem 'rails', '~> 7.1', require: false # comment\ngem \"x\", :path => \"../x\"\n",
        );
        let s = statements(&t);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0][0], Tok::Ident("gem".into()));
        assert!(s[0].contains(&Tok::Label("require".into())));
        assert_eq!(option_key(&s[1], 3), Some("path"));
    }

    #[test]
    fn resolves_ruby_version_reads() {
        let t = tokenize("ruby File.read(File.join(__dir__, \".ruby-version\")).strip\n");
        let s = statements(&t);
        assert_eq!(file_reads(&s[0]), vec![Read::Here(".ruby-version".into())]);
        let t = tokenize("ruby File.read('.ruby-version').chomp\n");
        assert_eq!(
            file_reads(&statements(&t)[0]),
            vec![Read::Cwd(".ruby-version".into())]
        );
    }

    #[test]
    fn finds_shell_commands() {
        let t = tokenize("spec.files = `git ls-files -z`.split(\"\\x0\")\n");
        assert!(check_tokens("x.gemspec", &statements(&t)[0], Kind::Gemspec).is_err());
        let t = tokenize("spec.files = %x(git ls-files)\n");
        assert!(check_tokens("x.gemspec", &statements(&t)[0], Kind::Gemspec).is_err());
    }

    #[test]
    fn rails_gemfile_is_accepted() {
        let gemfile = r#"source "https://rubygems.org"

ruby "3.3.0"

# Bundle edge Rails instead: gem "rails", github: "rails/rails", branch: "main"
gem "rails", "~> 7.1.3", ">= 7.1.3.2"
gem "pg", "~> 1.1"
gem "tzinfo-data", platforms: %i[ windows jruby ]
gem "bootsnap", require: false
git_source(:github) { |repo| "https://github.com/#{repo}.git" }

group :development, :test do
  gem "debug", platforms: %i[ mri windows ]
end
"#;
        for stmt in statements(&tokenize(gemfile)) {
            check_tokens("Gemfile", &stmt, Kind::Gemfile).unwrap();
            assert!(file_reads(&stmt).is_empty());
            for k in 0..stmt.len() {
                assert_ne!(option_key(&stmt, k), Some("path"));
            }
        }
    }

    #[test]
    fn executables_need_their_files() {
        assert!(check_gemspec("g.gemspec", "spec.executables = []\n").is_ok());
        assert!(check_gemspec("g.gemspec", "spec.executables << \"g\"\n").is_err());
        assert!(check_gemspec("g.gemspec", "spec.executables = [\"g\"]\n").is_err());
    }

    #[test]
    fn reads_locked_gems() {
        let lock = "GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.0.8)\n    nokogiri (1.16.0-x86_64-linux)\n      racc (~> 1.4)\n\nPLATFORMS\n  ruby\n";
        assert_eq!(
            locked_gems(lock),
            vec!["rack-3.0.8", "nokogiri-1.16.0-x86_64-linux"]
        );
    }
}
