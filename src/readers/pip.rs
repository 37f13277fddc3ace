//! pip requirements files: `-r`/`-c` includes (relative to the including
//! file), and refusals for editables, local paths and `--find-links`.
//! SEMANTICS.md §B.6.

use super::{escapes, join, parent, ReadInput, ReadOutput};

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let mut out = ReadOutput::default();
    let mut queue: Vec<String> = input.manifest_args.to_vec();
    let mut seen: Vec<String> = Vec::new();
    while let Some(file) = queue.pop() {
        if seen.contains(&file) {
            continue;
        }
        seen.push(file.clone());
        let Some(text) = ctx.read_to_string(&file) else {
            continue; // missing or excluded: reported by the required-file check
        };
        for line in logical_lines(&text) {
            let words: Vec<&str> = line.split_whitespace().collect();
            for (opt, val) in options(&words) {
                match opt {
                    "-r" | "--requirement" | "-c" | "--constraint" => {
                        let Some(v) = val else {
                            return ReadOutput::refuse(format!("{file}: `{opt}` without a file"));
                        };
                        if v.contains('$') {
                            return ReadOutput::refuse(format!(
                                "{file}: `{opt} {v}` names a file through a variable"
                            ));
                        }
                        if v.contains("://") {
                            continue; // a URL: read from the network
                        }
                        let dir = parent(&file);
                        if escapes(dir, &v) {
                            return ReadOutput::refuse(format!(
                                "{file}: `{opt} {v}` points outside the build context"
                            ));
                        }
                        let inc = join(dir, &v);
                        out.required.push(inc.clone());
                        queue.push(inc);
                    }
                    "-e" | "--editable" => {
                        return ReadOutput::refuse(format!(
                            "{file} installs `{}` in editable mode, which needs the source",
                            val.unwrap_or_default()
                        ))
                    }
                    "-f" | "--find-links" | "-i" | "--index-url" | "--extra-index-url" => {
                        let v = val.unwrap_or_default();
                        if !v.contains("://") || v.starts_with("file:") {
                            return ReadOutput::refuse(format!(
                                "{file}: `{opt} {v}` reads local files dockopt does not copy"
                            ));
                        }
                    }
                    o if o.starts_with('-') => {} // other options: hashes, binary choices...
                    req => {
                        if let Some(path) = local_requirement(req, &line) {
                            return ReadOutput::refuse(format!(
                                "{file} installs the local path `{path}`, which needs the whole source"
                            ));
                        }
                    }
                }
            }
        }
    }
    out.required.sort();
    out.required.dedup();
    out
}

/// A line's options and their values. pip parses every option of an option
/// line (`--no-index --find-links=/app/wheels`), so each is returned; a
/// value is attached (`--opt=v`, `-fv`) or the next word when that is not an
/// option. A requirement line gives its first word (and the next).
fn options<'a>(words: &[&'a str]) -> Vec<(&'a str, Option<String>)> {
    let Some(first) = words.first() else {
        return Vec::new();
    };
    if !first.starts_with('-') {
        return vec![(*first, words.get(1).map(|s| s.to_string()))];
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        i += 1;
        if !w.starts_with('-') {
            continue;
        }
        let short = ["-r", "-c", "-e", "-f", "-i"]
            .into_iter()
            .find(|s| w.starts_with(s) && w.len() > 2 && !w.starts_with("--"));
        out.push(match w.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
            _ if short.is_some() => (short.unwrap_or(""), Some(w[2..].to_string())),
            _ => {
                let next = words.get(i).filter(|n| !n.starts_with('-'));
                i += usize::from(next.is_some());
                (w, next.map(|s| s.to_string()))
            }
        });
    }
    out
}

/// Requirement lines with comments removed and `\` continuations joined.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for raw in text.lines() {
        let line = strip_comment(raw);
        if let Some(stripped) = line.strip_suffix('\\') {
            cur.push_str(stripped);
            cur.push(' ');
            continue;
        }
        cur.push_str(line);
        let l = cur.trim().to_string();
        if !l.is_empty() {
            out.push(l);
        }
        cur.clear();
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_string());
    }
    out
}

/// pip: a `#` at line start or preceded by whitespace starts a comment.
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || b[i - 1].is_ascii_whitespace()) {
            return line[..i].trim_end();
        }
    }
    line.trim_end()
}

/// A requirement that is a local path or file URL. pip takes a line as a
/// path when it has a `/`, starts with `.`, or names an archive or wheel;
/// extras (`.[dev]`, `libs/common[test]`) are not part of the path. A bare
/// name is a package name even when a directory of that name exists (pip's
/// `_looks_like_path`: an `alembic` line next to an `alembic/` migrations
/// directory installs the `alembic` package).
fn local_requirement<'a>(first: &'a str, line: &'a str) -> Option<&'a str> {
    let path = match first.find('[') {
        Some(i) => &first[..i],
        None => first,
    };
    let path = path.split(';').next().unwrap_or(path);
    if path.starts_with('.')
        || path.starts_with('/')
        || path.starts_with('~')
        || path.starts_with("file:")
        || crate::preset::is_archive(path)
        || (path.contains('/') && !path.contains("://") && !line.contains('@'))
    {
        return Some(first);
    }
    // `name @ file:///path`
    if let Some((_, url)) = line.split_once('@') {
        let url = url.trim();
        if url.starts_with("file:") {
            return Some(url);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_continuations() {
        let l = logical_lines("a==1 # pin\n# c\n-r base.txt\nb \\\n  ==2\nurl#frag\n");
        assert_eq!(l, vec!["a==1", "-r base.txt", "b    ==2", "url#frag"]);
    }
}
