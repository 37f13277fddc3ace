//! npm writes package-lock.json in its own byte layout and rewrites a lock
//! in sync by content but not by layout (checked with npm 11.19: a lock
//! indented otherwise, with other line endings, without the final line
//! break, or with keys in another order is rewritten). The layout
//! (@npmcli/arborist `Shrinkwrap.toString`): `json-stringify-nice` with the
//! indentation and line break of package.json (json-parse-even-better-errors
//! reads them after its opening brace; none: two spaces and `\n`), a final
//! line break; in every object scalars before objects, then the keys of
//! `swKeyOrder` in that order, then the rest by `localeCompare(_, 'en')`.

use std::cmp::Ordering;

/// The keys npm puts first, in this order, in every object of the lock.
const KEY_ORDER: &[&str] = &[
    "name",
    "version",
    "lockfileVersion",
    "resolved",
    "integrity",
    "requires",
    "packages",
    "dependencies",
];

/// Printable ASCII by ICU root collation at the primary level (what
/// `localeCompare(_, 'en')` orders by first; from node 20 with full ICU):
/// each string is one rank, its letters equal at that level.
const COLLATION: &[&str] = &[
    " ", "_", "-", ",", ";", ":", "!", "?", ".", "'", "\"", "(", ")", "[", "]", "{", "}", "@", "*",
    "/", "\\", "&", "#", "%", "`", "^", "+", "<", "=", ">", "|", "~", "$", "0", "1", "2", "3", "4",
    "5", "6", "7", "8", "9", "aA", "bB", "cC", "dD", "eE", "fF", "gG", "hH", "iI", "jJ", "kK",
    "lL", "mM", "nN", "oO", "pP", "qQ", "rR", "sS", "tT", "uU", "vV", "wW", "xX", "yY", "zZ",
];

/// Why the lock `text` is not in npm's layout for package.json `manifest`
/// (its text), `None` when it is.
pub(super) fn stale(manifest: &str, text: &str) -> Option<String> {
    let (eol, indent) = format_of(manifest);
    if !text.ends_with(eol.as_str()) {
        return Some("it does not end with the line break npm writes".into());
    }
    let mut s = Scanner {
        text: text.as_bytes(),
        pos: 0,
        eol: eol.as_bytes(),
        indent: indent.as_bytes(),
    };
    let r = s.value(0);
    match r {
        Ok(_) if &text.as_bytes()[s.pos..] == eol.as_bytes() => None,
        Ok(_) => Some("it has more after its JSON than the line break npm writes".into()),
        Err(e) => {
            let end = (s.pos + 1).min(s.text.len());
            let line = 1 + s.text[..end].iter().filter(|b| **b == b'\n').count();
            let e = if e == BAD {
                format!(
                    "{BAD}: {} and {} line breaks, as in package.json",
                    describe(&indent),
                    describe(&eol)
                )
            } else {
                e
            };
            Some(format!("{e}; line {line}"))
        }
    }
}

/// An indentation or line break in words.
fn describe(ws: &str) -> String {
    match ws {
        "\n" => "LF".into(),
        "\r\n" => "CRLF".into(),
        "\t" => "a tab".into(),
        _ if ws.bytes().all(|b| b == b' ') => format!("{} spaces", ws.len()),
        _ => format!("{ws:?}"),
    }
}

/// package.json's line break and indentation as npm reads them: what
/// follows its opening brace (`^\s*[{\[]((?:\r?\n)+)([\s\t]*)`); without a
/// match npm falls back to `\n` and two spaces.
fn format_of(manifest: &str) -> (String, String) {
    let t = manifest.trim_start();
    let rest = t.strip_prefix(['{', '[']).unwrap_or("");
    let nl_len = rest
        .as_bytes()
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .count();
    let nl = &rest[..nl_len];
    let well_formed = !nl.is_empty() && nl.replace("\r\n", "\n").chars().all(|c| c == '\n');
    if !well_formed {
        return ("\n".into(), "  ".into());
    }
    let ws: String = rest[nl_len..]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let indent = if ws.is_empty() { "  ".into() } else { ws };
    (nl.to_string(), indent)
}

/// Checks the JSON text against `JSON.stringify(_, _, indent)` with `eol`.
struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
    eol: &'a [u8],
    indent: &'a [u8],
}

const BAD: &str = "its indentation or line breaks are not those npm writes";

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> Result<(), String> {
        (self.peek() == Some(b))
            .then(|| self.pos += 1)
            .ok_or_else(|| BAD.to_string())
    }

    /// A line break and the indentation of `depth`.
    fn newline(&mut self, depth: usize) -> Result<(), String> {
        let mut want = self.eol.to_vec();
        (0..depth).for_each(|_| want.extend_from_slice(self.indent));
        if self.text[self.pos..].starts_with(&want) && !self.indent_follows(want.len()) {
            self.pos += want.len();
            Ok(())
        } else {
            Err(BAD.into())
        }
    }

    fn indent_follows(&self, skip: usize) -> bool {
        matches!(self.text.get(self.pos + skip), Some(b' ' | b'\t'))
    }

    /// A value at `depth`; `Ok(true)` when it is an object.
    fn value(&mut self, depth: usize) -> Result<bool, String> {
        match self.peek() {
            Some(b'{') => self.object(depth).map(|_| true),
            Some(b'[') => self.array(depth).map(|_| false),
            Some(b'"') => self.string().map(|_| false),
            _ => self.scalar().map(|_| false),
        }
    }

    fn object(&mut self, depth: usize) -> Result<(), String> {
        self.eat(b'{')?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        let mut keys: Vec<(String, bool)> = Vec::new();
        loop {
            self.newline(depth + 1)?;
            let key = self.string()?;
            self.eat(b':')?;
            self.eat(b' ')?;
            let is_obj = self.value(depth + 1)?;
            if let Some((prev, prev_obj)) = keys.last() {
                if key_order((prev, *prev_obj), (&key, is_obj)) == Some(Ordering::Greater) {
                    return Err(format!(
                        "its key `{key}` comes after `{prev}`, not before as npm orders them"
                    ));
                }
            }
            keys.push((key, is_obj));
            if self.peek() == Some(b',') {
                self.pos += 1;
                continue;
            }
            self.newline(depth)?;
            return self.eat(b'}');
        }
    }

    fn array(&mut self, depth: usize) -> Result<(), String> {
        self.eat(b'[')?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.newline(depth + 1)?;
            self.value(depth + 1)?;
            if self.peek() == Some(b',') {
                self.pos += 1;
                continue;
            }
            self.newline(depth)?;
            return self.eat(b']');
        }
    }

    /// A string, with only the escapes `JSON.stringify` writes.
    fn string(&mut self) -> Result<String, String> {
        let start = self.pos;
        self.eat(b'"')?;
        loop {
            match self.peek() {
                None => return Err(BAD.into()),
                Some(b'"') => break,
                Some(b'\\') => {
                    let esc = self.text.get(self.pos + 1).copied();
                    let len = match esc {
                        Some(b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't') => 2,
                        Some(b'u') => self.control_escape()?,
                        _ => return Err("it escapes a character npm writes as is".into()),
                    };
                    self.pos += len;
                }
                Some(_) => self.pos += 1,
            }
        }
        self.pos += 1;
        let raw = std::str::from_utf8(&self.text[start..self.pos]).map_err(|_| BAD.to_string())?;
        serde_json::from_str(raw).map_err(|_| BAD.to_string())
    }

    /// `\u00XX` for a control character other than `\b\f\n\r\t`: 6 bytes.
    fn control_escape(&self) -> Result<usize, String> {
        let hex = self.text.get(self.pos + 2..self.pos + 6).unwrap_or(b"");
        let lower = hex
            .iter()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b));
        let code = std::str::from_utf8(hex)
            .ok()
            .and_then(|h| u32::from_str_radix(h, 16).ok());
        match code {
            Some(c) if lower && c < 0x20 && ![8, 9, 10, 12, 13].contains(&c) => Ok(6),
            _ => Err("it escapes a character npm writes as is".into()),
        }
    }

    /// `true`, `false`, `null` or an integer as JavaScript prints it.
    fn scalar(&mut self) -> Result<(), String> {
        let rest = &self.text[self.pos..];
        let end = rest
            .iter()
            .position(|b| matches!(b, b',' | b'}' | b']' | b'\r' | b'\n'))
            .unwrap_or(rest.len());
        let word = &rest[..end];
        let integer = match word {
            [b'-', d @ ..] | d => {
                !d.is_empty() && d.iter().all(u8::is_ascii_digit) && (d.len() == 1 || d[0] != b'0')
            }
        };
        if integer || matches!(word, b"true" | b"false" | b"null") {
            self.pos += end;
            Ok(())
        } else {
            Err("it holds a value npm would write otherwise".into())
        }
    }
}

/// npm's order of two keys of one object (with whether each value is an
/// object); `None` when dockopt cannot tell (collation beyond ASCII, keys
/// equal at the primary level).
fn key_order(a: (&str, bool), b: (&str, bool)) -> Option<Ordering> {
    if a.1 != b.1 {
        return Some(a.1.cmp(&b.1));
    }
    let pa = KEY_ORDER.iter().position(|k| *k == a.0);
    let pb = KEY_ORDER.iter().position(|k| *k == b.0);
    match (pa, pb) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(_), None) => Some(Ordering::Less),
        (None, Some(_)) => Some(Ordering::Greater),
        (None, None) => collate(a.0, b.0),
    }
}

/// `localeCompare(_, 'en')` for printable ASCII at the primary level.
fn collate(a: &str, b: &str) -> Option<Ordering> {
    let rank = |c: char| COLLATION.iter().position(|g| g.contains(c));
    let ra: Option<Vec<usize>> = a.chars().map(rank).collect();
    let rb: Option<Vec<usize>> = b.chars().map(rank).collect();
    match ra?.cmp(&rb?) {
        Ordering::Equal => None,
        o => Some(o),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"requires\": true,\n  \"packages\": {\n    \"\": {\n      \"name\": \"app\",\n      \"version\": \"1.0.0\",\n      \"dependencies\": {\n        \"left-pad\": \"^1.3.0\"\n      }\n    },\n    \"node_modules/left-pad\": {\n      \"version\": \"1.3.0\",\n      \"integrity\": \"sha512-x==\",\n      \"license\": \"WTFPL\"\n    }\n  }\n}\n";

    #[test]
    fn npm_layout_is_accepted() {
        assert_eq!(stale("{\"name\":\"app\"}", LOCK), None);
        assert_eq!(stale("{\n  \"name\": \"app\"\n}\n", LOCK), None);
        let tabs = LOCK.replace("  ", "\t");
        assert_eq!(stale("{\n\t\"name\": \"app\"\n}\n", &tabs), None);
        let crlf = LOCK.replace('\n', "\r\n");
        assert_eq!(stale("{\r\n  \"name\": \"app\"\r\n}\r\n", &crlf), None);
    }

    #[test]
    fn other_layouts_are_stale() {
        let pkg = "{\n  \"name\": \"app\"\n}\n";
        assert!(stale(pkg, LOCK.trim_end()).unwrap().contains("line break"));
        assert!(stale(pkg, &LOCK.replace("  ", "    ")).is_some());
        assert!(stale(pkg, &LOCK.replace('\n', "\r\n")).is_some());
        assert!(stale("{\n    \"name\": \"app\"\n}\n", LOCK).is_some());
        let swapped = LOCK.replace(
            "\"name\": \"app\",\n  \"version\": \"1.0.0\"",
            "\"version\": \"1.0.0\",\n  \"name\": \"app\"",
        );
        assert!(stale(pkg, &swapped).unwrap().contains("`name`"));
        let late = LOCK.replace(
            "\"integrity\": \"sha512-x==\",\n      \"license\": \"WTFPL\"",
            "\"license\": \"WTFPL\",\n      \"integrity\": \"sha512-x==\"",
        );
        assert!(stale(pkg, &late).unwrap().contains("`integrity`"));
        assert!(stale(pkg, &LOCK.replace("3,", "3.0,")).is_some());
        assert!(stale(
            pkg,
            &LOCK.replace("left-pad\": \"^", "left-pad\": \"\\u005e")
        )
        .is_some());
    }

    #[test]
    fn collation_follows_icu() {
        assert_eq!(collate("a_b", "a-b"), Some(Ordering::Less));
        assert_eq!(collate("a/b", "a1"), Some(Ordering::Less));
        assert_eq!(
            collate("node_modules/@a/b", "node_modules/a"),
            Some(Ordering::Less)
        );
        assert_eq!(collate("ab", "aB"), None);
        assert_eq!(
            key_order(("dependencies", true), ("license", false)),
            Some(Ordering::Greater)
        );
    }
}
