//! The house rule for the rules: no function over 100 lines (the phases
//! stay small enough to read and test one by one).

use std::path::Path;

const LIMIT: usize = 100;

/// The text with comments, strings and character literals blanked (line
/// breaks kept), so that braces count only as code.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let blank = |out: &mut String, s: &[u8]| {
        out.extend(s.iter().map(|&c| if c == b'\n' { '\n' } else { ' ' }));
    };
    while i < b.len() {
        let rest = &b[i..];
        let end = if rest.starts_with(b"//") {
            i + rest.iter().position(|&c| c == b'\n').unwrap_or(rest.len())
        } else if rest.starts_with(b"r#\"") || rest.starts_with(b"r\"") {
            let hashes = rest[1..].iter().take_while(|&&c| c == b'#').count();
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat(b'#').take(hashes))
                .collect();
            let body = 2 + hashes;
            i + body
                + rest[body..]
                    .windows(close.len())
                    .position(|w| w == close.as_slice())
                    .map_or(rest.len() - body, |p| p + close.len())
        } else if rest[0] == b'"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != b'"' {
                j += if rest[j] == b'\\' { 2 } else { 1 };
            }
            i + j + 1
        } else if rest[0] == b'\'' && rest.len() > 2 && (rest[1] == b'\\' || rest[2] == b'\'') {
            // A character literal (a lifetime has no closing quote).
            let j = if rest[1] == b'\\' {
                2 + rest[2..].iter().position(|&c| c == b'\'').unwrap_or(0)
            } else {
                2
            };
            i + j + 1
        } else {
            out.push(rest[0] as char);
            i += 1;
            continue;
        };
        let end = end.min(b.len());
        blank(&mut out, &b[i..end]);
        i = end;
    }
    out
}

/// Each function of `src` longer than the limit: its name, first line and length.
fn long_functions(src: &str) -> Vec<(String, usize, usize)> {
    let code = code_only(src);
    let lines: Vec<&str> = code.lines().collect();
    let mut out = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(at) = line.find("fn ") else { continue };
        let before = &line[..at];
        if !before
            .split_whitespace()
            .all(|w| matches!(w, "pub" | "const" | "async" | "unsafe") || w.starts_with("pub("))
        {
            continue;
        }
        let name: String = line[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let mut depth = 0i32;
        let mut opened = false;
        for (k, l) in lines[start..].iter().enumerate() {
            for ch in l.chars() {
                match ch {
                    '{' => (depth, opened) = (depth + 1, true),
                    '}' => depth -= 1,
                    ';' if !opened && depth == 0 => break,
                    _ => {}
                }
            }
            if opened && depth == 0 {
                if k + 1 > LIMIT {
                    out.push((name.clone(), start + 1, k + 1));
                }
                break;
            }
            if !opened && l.trim_end().ends_with(';') {
                break;
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_function_in_the_rules_is_over_100_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/rules");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 10, "the rules' sources: {files:?}");
    let mut long = Vec::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        for (name, line, len) in long_functions(&src) {
            long.push(format!("{}:{line} {name}: {len} lines", f.display()));
        }
    }
    assert!(long.is_empty(), "over {LIMIT} lines:\n{}", long.join("\n"));
}

#[test]
fn the_count_sees_through_strings_and_comments() {
    let body = "    x();\n".repeat(LIMIT);
    let long = format!("pub fn long() {{\n{body}}}\n");
    assert_eq!(long_functions(&long), [("long".to_string(), 1, LIMIT + 2)]);
    let short = format!(
        "fn short() {{\n    let s = \"}}\"; // }}\n    let c = '}}';\n}}\n{}",
        "\n".repeat(LIMIT)
    );
    assert_eq!(long_functions(&short), []);
    let raw = format!(
        "fn raw<'a>() {{\n    let s = r#\"{{\"#;\n}}\n{}",
        "x\n".repeat(LIMIT)
    );
    assert_eq!(long_functions(&raw), []);
}
