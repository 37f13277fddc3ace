//! go: the module (or workspace) the install runs in, found upward from its
//! directory like the go command does; `use` members of a go.work; local
//! `replace` targets; a committed vendor/ directory. SEMANTICS.md §B.13.
//!
//! `go mod download` reads go.mod and go.sum of every main module (each
//! `use` directory of a go.work, with go.work.sum) and the go.mod of every
//! module replaced by a local directory; with go ≥ 1.14 and a vendor/
//! directory, builds use it and download nothing.

use super::{escapes, join, parent, ReadInput, ReadOutput};

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let mut out = ReadOutput::default();
    // The go command looks for go.work, then go.mod, from the working directory up; in
    // workspace mode the working directory need not be inside a module.
    let workspace = find_up(input, "go.work");
    let module_dir = find_up(input, "go.mod");
    let mut main_modules: Vec<String> = Vec::new();
    match (&workspace, module_dir) {
        (None, None) => {
            // Reported by the required-file check ("go.mod is not in the build context").
            out.required.push(join(input.dir, "go.mod"));
            return out;
        }
        (_, Some(d)) => main_modules.push(d),
        (Some(_), None) => {}
    }
    // Found above the install's directory: the dependency step would run in a directory that
    // only the source copy creates (`cd cmd/app && go build` fails there).
    let root = workspace
        .iter()
        .chain(&main_modules)
        .find(|d| *d == input.dir);
    if root.is_none() {
        let found = main_modules
            .first()
            .or(workspace.as_ref())
            .cloned()
            .unwrap_or_default();
        let (file, at) = match &workspace {
            Some(w) if main_modules.is_empty() => ("go.work", w.clone()),
            _ => ("go.mod", found),
        };
        return ReadOutput::refuse(format!(
            "{} is in {}, above the directory the install runs in ({}): the dependency step would run in a directory only the source copy creates",
            join(&at, file),
            if at.is_empty() { "the context root" } else { at.as_str() },
            input.dir
        ));
    }
    if let Some(work_dir) = &workspace {
        let work_dir = work_dir.as_str();
        let work = join(work_dir, "go.work");
        let Some(text) = ctx.read_to_string(&work) else {
            return ReadOutput::refuse(format!("{work} cannot be read"));
        };
        let file = parse(&text);
        if let Some(reason) = file.problem {
            return ReadOutput::refuse(format!("{work}: {reason}"));
        }
        out.required.push(work.clone());
        out.optional.push(join(work_dir, "go.work.sum"));
        if ctx.is_dir(&join(work_dir, "vendor")) && at_least(file.go.as_deref(), (1, 22)) {
            return ReadOutput::refuse(vendor_reason(&join(work_dir, "vendor"), &work, &file));
        }
        for u in &file.uses {
            let Some(dir) = local_dir(work_dir, u) else {
                return ReadOutput::refuse(format!(
                    "{work}: `use {u}` is outside the build context or an absolute path"
                ));
            };
            if !main_modules.contains(&dir) {
                main_modules.push(dir);
            }
        }
        if let Err(reason) = replaces(input, work_dir, &work, &file.replaces, &mut out) {
            return ReadOutput::refuse(reason);
        }
    }
    for dir in &main_modules {
        let gomod = join(dir, "go.mod");
        let Some(text) = ctx.read_to_string(&gomod) else {
            // A workspace member without go.mod: the required-file check names it.
            out.required.push(gomod);
            continue;
        };
        let file = parse(&text);
        if let Some(reason) = file.problem {
            return ReadOutput::refuse(format!("{gomod}: {reason}"));
        }
        out.required.push(gomod.clone());
        out.optional.push(join(dir, "go.sum"));
        let vendor = join(dir, "vendor");
        // In workspace mode a module's own vendor/ is not used.
        if workspace.is_none() && ctx.is_dir(&vendor) && at_least(file.go.as_deref(), (1, 14)) {
            return ReadOutput::refuse(vendor_reason(&vendor, &gomod, &file));
        }
        if let Err(reason) = replaces(input, dir, &gomod, &file.replaces, &mut out) {
            return ReadOutput::refuse(reason);
        }
    }
    let mut seen = Vec::new();
    out.required.retain(|f| {
        let new = !seen.contains(f);
        seen.push(f.clone());
        new
    });
    out
}

fn vendor_reason(vendor: &str, file: &str, parsed: &GoFile) -> String {
    format!(
        "{vendor}/ is committed and {file} says `go {}` (≥ {}): the go command builds from vendor/ and downloads nothing, so there is no dependency step to move",
        parsed.go.as_deref().unwrap_or("?"),
        if file.ends_with("go.work") { "1.22" } else { "1.14" }
    )
}

/// The nearest directory at or above the install's directory holding `name`.
fn find_up(input: &ReadInput, name: &str) -> Option<String> {
    let mut dir = input.dir.to_string();
    loop {
        if input.ctx.is_file(&join(&dir, name)) {
            return Some(dir);
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent(&dir).to_string();
    }
}

/// A local path of a go.mod/go.work (`./x`, `../x`, `.`), context-relative;
/// `None` for absolute paths and paths leaving the context.
fn local_dir(base: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || escapes(base, path) {
        return None;
    }
    Some(join(base, path))
}

/// Local `replace` targets: their go.mod must be copied.
fn replaces(
    input: &ReadInput,
    base: &str,
    file: &str,
    list: &[(String, String)],
    out: &mut ReadOutput,
) -> Result<(), String> {
    for (old, new) in list {
        if !is_local(new) {
            continue;
        }
        let Some(dir) = local_dir(base, new) else {
            return Err(format!(
                "{file}: `replace {old} => {new}` points outside the build context (or at an absolute path)"
            ));
        };
        let gomod = join(&dir, "go.mod");
        if !input.ctx.is_file(&gomod) {
            return Err(format!(
                "{file}: `replace {old} => {new}` needs {gomod}, which is not in the build context"
            ));
        }
        out.required.push(gomod);
    }
    Ok(())
}

/// Go's rule for a replacement that is a directory (modfile.IsDirectoryPath).
fn is_local(p: &str) -> bool {
    p == "." || p == ".." || p.starts_with("./") || p.starts_with("../") || p.starts_with('/')
}

/// `go` version at least `min` (`1.21.3`, `1.22rc1`, `1.14`).
fn at_least(v: Option<&str>, min: (u32, u32)) -> bool {
    let Some(v) = v else { return false };
    let mut parts = v.split('.');
    let major = parts.next().and_then(|p| p.parse::<u32>().ok());
    let minor = parts.next().map(|p| {
        let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
        digits.parse::<u32>().unwrap_or(0)
    });
    match (major, minor) {
        (Some(a), Some(b)) => (a, b) >= min,
        (Some(a), None) => (a, 0) >= min,
        _ => false,
    }
}

/// What dockopt reads of a go.mod or go.work.
#[derive(Debug, Default)]
struct GoFile {
    go: Option<String>,
    uses: Vec<String>,
    /// (old, new) paths of `replace` directives, versions dropped.
    replaces: Vec<(String, String)>,
    problem: Option<String>,
}

/// Parse the directives dockopt needs (`go`, `use`, `replace`), single-line
/// and block forms, `//` comments, quoted paths.
fn parse(text: &str) -> GoFile {
    let mut f = GoFile::default();
    let mut block: Option<String> = None;
    for raw in text.lines() {
        let line = strip_comment(raw).trim().to_string();
        if line.is_empty() {
            continue;
        }
        let (verb, rest) = match &block {
            Some(b) => {
                if line == ")" {
                    block = None;
                    continue;
                }
                (b.clone(), line.clone())
            }
            None => {
                let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((&line, ""));
                let rest = rest.trim();
                if rest == "(" {
                    block = Some(verb.to_string());
                    continue;
                }
                (verb.to_string(), rest.to_string())
            }
        };
        let words = match words(&rest) {
            Ok(w) => w,
            Err(e) => {
                f.problem = Some(e);
                return f;
            }
        };
        match verb.as_str() {
            "go" => f.go = words.first().cloned(),
            "use" => f.uses.extend(words.first().cloned()),
            "replace" => {
                let Some(arrow) = words.iter().position(|w| w == "=>") else {
                    f.problem = Some(format!("cannot read `replace {rest}`"));
                    return f;
                };
                match (words.first(), words.get(arrow + 1)) {
                    (Some(old), Some(new)) if arrow > 0 => {
                        f.replaces.push((old.clone(), new.clone()))
                    }
                    _ => {
                        f.problem = Some(format!("cannot read `replace {rest}`"));
                        return f;
                    }
                }
            }
            _ => {}
        }
    }
    f
}

/// A line without its `//` comment (outside quotes).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let bytes: Vec<char> = line.chars().collect();
    let mut offset = 0;
    for (i, &c) in bytes.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '`' => quote = Some(c),
            None if c == '/' && bytes.get(i + 1) == Some(&'/') => return &line[..offset],
            None => {}
        }
        offset += c.len_utf8();
    }
    line
}

/// Split into words, unquoting `"..."` and `` `...` ``.
fn words(s: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut w = String::new();
        if c == '"' || c == '`' {
            chars.next();
            let mut closed = false;
            while let Some(d) = chars.next() {
                if d == c {
                    closed = true;
                    break;
                }
                if d == '\\' && c == '"' {
                    if let Some(e) = chars.next() {
                        w.push(e);
                    }
                    continue;
                }
                w.push(d);
            }
            if !closed {
                return Err(format!("unterminated quote in `{s}`"));
            }
        } else {
            while let Some(&d) = chars.peek() {
                if d.is_whitespace() {
                    break;
                }
                w.push(d);
                chars.next();
            }
        }
        out.push(w);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        let f = parse(
            "module example.com/app // the app\n\ngo 1.22.1\n\nrequire (\n\tgithub.com/a/b v1.0.0 // indirect\n)\n\nreplace example.com/lib => ./lib\nreplace (\n\texample.com/x v1.0.0 => \"../x\"\n\texample.com/y => example.com/z v1.2.0\n)\n",
        );
        assert_eq!(f.go.as_deref(), Some("1.22.1"));
        assert_eq!(
            f.replaces,
            vec![
                ("example.com/lib".to_string(), "./lib".to_string()),
                ("example.com/x".to_string(), "../x".to_string()),
                ("example.com/y".to_string(), "example.com/z".to_string()),
            ]
        );
        let w = parse("go 1.22\n\nuse (\n\t./api\n\t\"./svc\" // comment\n)\nuse ./tools\n");
        assert_eq!(w.uses, vec!["./api", "./svc", "./tools"]);
    }

    #[test]
    fn versions() {
        assert!(at_least(Some("1.14"), (1, 14)));
        assert!(at_least(Some("1.22rc1"), (1, 22)));
        assert!(at_least(Some("1.21.3"), (1, 14)));
        assert!(!at_least(Some("1.13"), (1, 14)));
        assert!(!at_least(None, (1, 14)));
    }
}
