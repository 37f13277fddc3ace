//! The build context of one Dockerfile: a directory plus its effective
//! ignore file.
//!
//! Why this exists: every safe rewrite depends on what `COPY` can see. A
//! manifest that is missing or `.dockerignore`d breaks the build; a host
//! `node_modules` that is *not* ignored clobbers the installed one when
//! `COPY . .` runs last (SEMANTICS.md §A.4, DESIGN.md "No clobbering"). Rules
//! do no I/O; they ask this object.
//!
//! The ignore matcher is a port of `moby/patternmatcher` (as used by BuildKit
//! and the classic builder), not gitignore: `ignorefile.ReadAll` line
//! handling, `filepath.Clean`ed patterns anchored at the context root, `**`
//! for any number of directories, last match wins, and
//! `MatchesOrParentMatches` (a pattern matching a directory excludes
//! everything below it). Patterns are turned into the same regular
//! expression patternmatcher builds and that regex is run by a small matcher
//! here, so odd inputs (`[^a]` matching `/`, `\d`, `a**b`) behave as in
//! Docker. A pattern Docker rejects (so the build fails) is listed by
//! [`DockerIgnore::invalid_patterns`] and never matches; the rare regex
//! escapes not implemented here (`\p{..}`, `\C`) are treated the same way.

use std::borrow::Cow;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context as _};

/// Largest file [`BuildContext::read_to_string`] reads.
const MAX_READ: u64 = 4 << 20;
/// Depth bound for directory searches (children of the start are depth 1).
const MAX_DEPTH: usize = 6;
/// Bound on directory entries looked at by one search.
const MAX_VISITED: usize = 20_000;
/// Bound on directory entries looked at by [`BuildContext::find_dirs_named`];
/// past it the search reports that it gave up (never a silent partial answer).
const MAX_FIND_VISITED: usize = 2_000_000;

// ---------------------------------------------------------------------------
// .dockerignore
// ---------------------------------------------------------------------------

/// Parsed `.dockerignore` patterns, in file order.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
    invalid: Vec<String>,
}

#[derive(Debug, Clone)]
struct Pattern {
    exclusion: bool,
    kind: Kind,
    /// Per-component matchers for [`DockerIgnore::may_reinclude_under`];
    /// `None` when the pattern can match across `/` (`**`, classes, escapes).
    comps: Option<Vec<Kind>>,
}

/// patternmatcher's match types.
#[derive(Debug, Clone)]
enum Kind {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Regex(Vec<Node>),
}

impl DockerIgnore {
    /// Parses an ignore file's text like `ignorefile.ReadAll` +
    /// `patternmatcher.New`.
    pub fn parse(text: &str) -> DockerIgnore {
        let mut out = DockerIgnore::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for line in text.lines() {
            out.push_line(line);
        }
        out
    }

    fn push_line(&mut self, line: &str) {
        // ignorefile.ReadAll
        if line.starts_with('#') {
            return;
        }
        let mut p = line.trim();
        if p.is_empty() {
            return;
        }
        let invert = p.starts_with('!');
        if invert {
            p = p[1..].trim();
        }
        let mut body = String::new();
        if !p.is_empty() {
            body = go_clean(p);
            if body.len() > 1 && body.starts_with('/') {
                body.remove(0);
            }
        }
        let full = if invert { format!("!{body}") } else { body };
        // patternmatcher.New
        let p = full.trim();
        if p.is_empty() {
            return;
        }
        let p = go_clean(p);
        let (exclusion, p) = match p.strip_prefix('!') {
            Some("") => {
                self.invalid.push(line.trim().to_string());
                return;
            }
            Some(rest) => (true, rest),
            None => (false, p.as_str()),
        };
        // "For historical reasons, the pattern `.` is ignored."
        if p == "." {
            return;
        }
        let kind = match go_match(p, ".").and_then(|_| compile(p)) {
            Some(kind) => kind,
            None => {
                self.invalid.push(line.trim().to_string());
                return;
            }
        };
        let comps = if exclusion && !p.contains("**") && !p.contains(['[', '\\']) {
            p.split('/').map(compile).collect()
        } else {
            None
        };
        self.patterns.push(Pattern {
            exclusion,
            kind,
            comps,
        });
    }

    /// Is the context-relative path (forward slashes, no leading "./" or "/")
    /// excluded? The context root itself never is.
    pub fn is_excluded(&self, rel: &str) -> bool {
        excluded(self.patterns.iter(), &clean_rel(rel))
    }

    /// True when some `!` pattern could re-include something strictly under
    /// `rel_dir`; conservative (may say true when nothing is re-included).
    pub fn may_reinclude_under(&self, rel_dir: &str) -> bool {
        let dir = clean_rel(rel_dir);
        let dirs: Vec<&str> = if dir.is_empty() {
            Vec::new()
        } else {
            dir.split('/').collect()
        };
        self.patterns
            .iter()
            .filter(|p| p.exclusion)
            .any(|p| match &p.comps {
                None => true,
                // Without `**`/classes/escapes a pattern of k components only
                // matches paths of k components, so it must be longer than
                // the directory and agree with it component by component.
                Some(comps) => {
                    comps.len() > dirs.len() && dirs.iter().zip(comps).all(|(d, k)| k.matches(d))
                }
            })
    }

    /// Lines Docker rejects (e.g. `!` alone, `[` unclosed): the build fails
    /// with this ignore file. They never match here.
    pub fn invalid_patterns(&self) -> &[String] {
        &self.invalid
    }

    /// No (valid) patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }
}

/// `MatchesOrParentMatches`: the last pattern matching the path or one of
/// its parent directories decides.
fn excluded<'a>(patterns: impl Iterator<Item = &'a Pattern>, rel: &str) -> bool {
    if rel.is_empty() {
        return false;
    }
    let mut matched = false;
    for p in patterns {
        if p.exclusion != matched {
            continue;
        }
        let hit = p.kind.matches(rel)
            || rel
                .match_indices('/')
                .any(|(i, _)| p.kind.matches(&rel[..i]));
        if hit {
            matched = !p.exclusion;
        }
    }
    matched
}

impl Kind {
    fn matches(&self, path: &str) -> bool {
        match self {
            Kind::Exact(s) => path == s,
            Kind::Prefix(s) => path.starts_with(s.as_str()),
            Kind::Suffix(s) => {
                path.ends_with(s.as_str()) || s.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Kind::Regex(nodes) => regex_match(nodes, path),
        }
    }
}

/// `Pattern.compile`: classify the pattern and build patternmatcher's regex.
fn compile(pat: &str) -> Option<Kind> {
    #[derive(PartialEq)]
    enum Ty {
        Exact,
        Prefix,
        Suffix,
        Regex,
    }
    let cs: Vec<char> = pat.chars().collect();
    let mut re = String::from("^");
    let mut ty = Ty::Exact;
    let mut k = 0;
    let mut i = 0;
    while k < cs.len() {
        let ch = cs[k];
        k += 1;
        match ch {
            '*' if cs.get(k) == Some(&'*') => {
                k += 1;
                if cs.get(k) == Some(&'/') {
                    k += 1;
                }
                if k >= cs.len() {
                    if ty == Ty::Exact {
                        ty = Ty::Prefix;
                    } else {
                        re.push_str(".*");
                        ty = Ty::Regex;
                    }
                } else {
                    re.push_str("(.*/)?");
                    ty = Ty::Regex;
                }
                if i == 0 {
                    ty = Ty::Suffix;
                }
            }
            '*' => {
                re.push_str("[^/]*");
                ty = Ty::Regex;
            }
            '?' => {
                re.push_str("[^/]");
                ty = Ty::Regex;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                re.push('\\');
                re.push(ch);
            }
            '\\' => {
                re.push('\\');
                if let Some(&next) = cs.get(k) {
                    re.push(next);
                    k += 1;
                    ty = Ty::Regex;
                }
            }
            '[' | ']' => {
                re.push(ch);
                ty = Ty::Regex;
            }
            _ => re.push(ch),
        }
        i += 1;
    }
    Some(match ty {
        Ty::Exact => Kind::Exact(pat.to_string()),
        Ty::Prefix => Kind::Prefix(pat.get(..pat.len() - 2)?.to_string()),
        Ty::Suffix => Kind::Suffix(pat.get(2..)?.to_string()),
        Ty::Regex => {
            re.push('$');
            Kind::Regex(parse_regex(&re)?)
        }
    })
}

// ---------------------------------------------------------------------------
// The regex subset patternmatcher generates (Go RE2 syntax, Perl flags)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Node {
    One(Set),
    Star(Set),
    /// `(.*/)?`
    Dirs,
    Assert(Assert),
}

#[derive(Debug, Clone, Copy)]
enum Assert {
    Begin,
    End,
    WordBoundary,
    NotWordBoundary,
}

#[derive(Debug, Clone)]
enum Set {
    Char(char),
    /// `.`: anything but `\n`.
    Any,
    Class {
        neg: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Set {
    fn contains(&self, c: char) -> bool {
        match self {
            Set::Char(x) => *x == c,
            Set::Any => c != '\n',
            Set::Class { neg, ranges } => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *neg,
        }
    }
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Assert {
    fn holds(self, s: &str, p: usize) -> bool {
        let boundary = || is_word(s[..p].chars().next_back()) != is_word(s[p..].chars().next());
        match self {
            Assert::Begin => p == 0,
            Assert::End => p == s.len(),
            Assert::WordBoundary => boundary(),
            Assert::NotWordBoundary => !boundary(),
        }
    }
}

/// Whole-string match by dynamic programming over (node, byte offset):
/// linear in pattern × path, no backtracking blow-up.
fn regex_match(nodes: &[Node], s: &str) -> bool {
    let w = s.len() + 1;
    let mut reach = vec![false; (nodes.len() + 1) * w];
    reach[0] = true;
    for p in 0..w {
        if !s.is_char_boundary(p) {
            continue;
        }
        let ch = s[p..].chars().next();
        for (i, node) in nodes.iter().enumerate() {
            if !reach[i * w + p] {
                continue;
            }
            let next = (i + 1) * w;
            match node {
                Node::One(set) => {
                    if let Some(c) = ch.filter(|&c| set.contains(c)) {
                        reach[next + p + c.len_utf8()] = true;
                    }
                }
                Node::Star(set) => {
                    reach[next + p] = true;
                    if let Some(c) = ch.filter(|&c| set.contains(c)) {
                        reach[i * w + p + c.len_utf8()] = true;
                    }
                }
                Node::Dirs => {
                    reach[next + p] = true;
                    for (off, c) in s[p..].char_indices() {
                        match c {
                            '\n' => break,
                            '/' => reach[next + p + off + 1] = true,
                            _ => {}
                        }
                    }
                }
                Node::Assert(a) => {
                    if a.holds(s, p) {
                        reach[next + p] = true;
                    }
                }
            }
        }
    }
    reach[nodes.len() * w + s.len()]
}

/// Parses the generated regex; `None` for what Go's `regexp.Compile`
/// rejects (and for the few escapes not implemented).
fn parse_regex(re: &str) -> Option<Vec<Node>> {
    let cs: Vec<char> = re.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < cs.len() {
        let c = cs[i];
        i += 1;
        match c {
            '^' => out.push(Node::Assert(Assert::Begin)),
            '$' => out.push(Node::Assert(Assert::End)),
            '.' => out.push(Node::One(Set::Any)),
            '[' => {
                let (set, ni) = parse_class(&cs, i)?;
                i = ni;
                out.push(Node::One(set));
            }
            '(' if cs[i..].starts_with(&['.', '*', '/', ')', '?']) => {
                i += 5;
                out.push(Node::Dirs);
            }
            // Repeating an assertion matches the empty string; repeating a
            // repetition is an error in Go.
            '*' => match out.pop() {
                Some(Node::One(set)) => out.push(Node::Star(set)),
                Some(Node::Assert(_)) => {}
                _ => return None,
            },
            '\\' => {
                let e = *cs.get(i)?;
                let assert = match e {
                    'A' => Some(Assert::Begin),
                    'z' => Some(Assert::End),
                    'b' => Some(Assert::WordBoundary),
                    'B' => Some(Assert::NotWordBoundary),
                    _ => None,
                };
                if let Some(a) = assert {
                    out.push(Node::Assert(a));
                    i += 1;
                } else if e == 'Q' {
                    i += 1;
                    while i < cs.len() && !(cs[i] == '\\' && cs.get(i + 1) == Some(&'E')) {
                        out.push(Node::One(Set::Char(cs[i])));
                        i += 1;
                    }
                    i += 2;
                } else if let Some(ranges) = perl_class(e) {
                    out.push(Node::One(Set::Class {
                        neg: e.is_ascii_uppercase(),
                        ranges: ranges.to_vec(),
                    }));
                    i += 1;
                } else {
                    let (r, ni) = parse_escape(&cs, i)?;
                    i = ni;
                    out.push(Node::One(Set::Char(r)));
                }
            }
            '?' | '+' | '{' | '|' | '(' | ')' => return None,
            _ => out.push(Node::One(Set::Char(c))),
        }
    }
    Some(out)
}

/// Go `parseClass`; `i` is just past the `[`.
fn parse_class(cs: &[char], mut i: usize) -> Option<(Set, usize)> {
    let neg = cs.get(i) == Some(&'^');
    if neg {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *cs.get(i)?;
        if c == ']' && !first {
            return Some((Set::Class { neg, ranges }, i + 1));
        }
        first = false;
        if c == '[' && cs.get(i + 1) == Some(&':') {
            let end =
                (i + 2..cs.len().saturating_sub(1)).find(|&j| cs[j] == ':' && cs[j + 1] == ']');
            if let Some(j) = end {
                let name: String = cs[i + 2..j].iter().collect();
                let (neg_group, name) = match name.strip_prefix('^') {
                    Some(n) => (true, n),
                    None => (false, name.as_str()),
                };
                add_group(&mut ranges, posix_class(name)?, neg_group);
                i = j + 2;
                continue;
            }
        }
        if c == '\\' {
            match cs.get(i + 1) {
                Some('p' | 'P') | None => return None,
                Some(&e) => {
                    if let Some(g) = perl_class(e) {
                        add_group(&mut ranges, g, e.is_ascii_uppercase());
                        i += 2;
                        continue;
                    }
                }
            }
        }
        let (lo, ni) = class_char(cs, i)?;
        i = ni;
        let mut hi = lo;
        if cs.get(i) == Some(&'-') && cs.get(i + 1).is_some_and(|&n| n != ']') {
            let (h, ni) = class_char(cs, i + 1)?;
            if h < lo {
                return None;
            }
            hi = h;
            i = ni;
        }
        ranges.push((lo, hi));
    }
}

fn class_char(cs: &[char], i: usize) -> Option<(char, usize)> {
    match *cs.get(i)? {
        '\\' => parse_escape(cs, i + 1),
        c => Some((c, i + 1)),
    }
}

/// Go `parseEscape`; `i` is just past the backslash.
fn parse_escape(cs: &[char], i: usize) -> Option<(char, usize)> {
    let c = *cs.get(i)?;
    let octal = |j: usize| cs.get(j).and_then(|d| d.to_digit(8));
    let simple = match c {
        'a' => Some('\u{7}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        _ if c.is_ascii() && !c.is_ascii_alphanumeric() => Some(c),
        _ => None,
    };
    if let Some(r) = simple {
        return Some((r, i + 1));
    }
    match c {
        // `\1`..`\7` alone would be a backreference: rejected.
        '0'..='7' if c == '0' || octal(i + 1).is_some() => {
            let mut r = c.to_digit(8)?;
            let mut j = i + 1;
            while j < i + 3 {
                match octal(j) {
                    Some(d) => r = r * 8 + d,
                    None => break,
                }
                j += 1;
            }
            Some((char::from_u32(r)?, j))
        }
        'x' => {
            if cs.get(i + 1) == Some(&'{') {
                let end = (i + 2..cs.len()).find(|&j| cs[j] == '}')?;
                let hex: String = cs[i + 2..end].iter().collect();
                let v = u32::from_str_radix(&hex, 16).ok()?;
                Some((char::from_u32(v)?, end + 1))
            } else {
                let hi = cs.get(i + 1)?.to_digit(16)?;
                let lo = cs.get(i + 2)?.to_digit(16)?;
                Some((char::from_u32(hi * 16 + lo)?, i + 3))
            }
        }
        _ => None,
    }
}

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

fn perl_class(c: char) -> Option<&'static [(char, char)]> {
    match c.to_ascii_lowercase() {
        'd' => Some(DIGIT),
        's' => Some(&[('\t', '\n'), ('\u{c}', '\r'), (' ', ' ')]),
        'w' => Some(WORD),
        _ => None,
    }
}

fn posix_class(name: &str) -> Option<&'static [(char, char)]> {
    Some(match name {
        "alnum" => &[('0', '9'), ('A', 'Z'), ('a', 'z')],
        "alpha" => &[('A', 'Z'), ('a', 'z')],
        "ascii" => &[('\0', '\u{7f}')],
        "blank" => &[('\t', '\t'), (' ', ' ')],
        "cntrl" => &[('\0', '\u{1f}'), ('\u{7f}', '\u{7f}')],
        "digit" => DIGIT,
        "graph" => &[('!', '~')],
        "lower" => &[('a', 'z')],
        "print" => &[(' ', '~')],
        "punct" => &[('!', '/'), (':', '@'), ('[', '`'), ('{', '~')],
        "space" => &[('\t', '\r'), (' ', ' ')],
        "upper" => &[('A', 'Z')],
        "word" => WORD,
        "xdigit" => &[('0', '9'), ('A', 'F'), ('a', 'f')],
        _ => return None,
    })
}

/// Adds a (sorted) group to a class, complemented when `neg`.
fn add_group(ranges: &mut Vec<(char, char)>, group: &[(char, char)], neg: bool) {
    if !neg {
        ranges.extend_from_slice(group);
        return;
    }
    let succ = |c: char| char::from_u32(c as u32 + 1).or((c == '\u{d7ff}').then_some('\u{e000}'));
    let pred = |c: char| {
        char::from_u32((c as u32).wrapping_sub(1)).or((c == '\u{e000}').then_some('\u{d7ff}'))
    };
    let mut next = Some('\0');
    for &(lo, hi) in group {
        if let Some(n) = next {
            if n < lo {
                if let Some(p) = pred(lo) {
                    ranges.push((n, p));
                }
            }
        }
        next = succ(hi);
    }
    if let Some(n) = next {
        ranges.push((n, char::MAX));
    }
}

// ---------------------------------------------------------------------------
// Go path/filepath helpers
// ---------------------------------------------------------------------------

/// Go `filepath.Clean` (Unix).
fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".to_string();
    }
    let rooted = p.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|l| *l != "..") {
                    out.pop();
                } else if !rooted {
                    out.push("..");
                }
            }
            _ => out.push(c),
        }
    }
    let s = out.join("/");
    if rooted {
        format!("/{s}")
    } else if s.is_empty() {
        ".".to_string()
    } else {
        s
    }
}

/// Context-relative form of `rel`: leading `/` and `./` dropped, cleaned, and
/// `..` clamped at the root (as Docker resolves COPY sources). Root is "".
fn clean_rel(rel: &str) -> Cow<'_, str> {
    if rel.split('/').all(|c| !matches!(c, "" | "." | "..")) {
        return Cow::Borrowed(rel);
    }
    let mut s = go_clean(&format!("/{rel}"));
    s.remove(0);
    Cow::Owned(s)
}

fn join_rel(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Go `filepath.Match` (Unix): `Some(matched)`, or `None` for a malformed
/// pattern (`ErrBadPattern`). Byte-for-byte port, including its validation
/// of the rest of the pattern after a mismatch.
pub fn go_match(pattern: &str, name: &str) -> Option<bool> {
    let mut pattern = pattern.as_bytes();
    let mut name = name.as_bytes();
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Some(!name.contains(&b'/'));
        }
        let (t, ok) = match_chunk(chunk, name)?;
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if star {
            let mut i = 0;
            while i < name.len() && name[i] != b'/' {
                let (t, ok) = match_chunk(chunk, &name[i + 1..])?;
                if ok && (t.is_empty() || !pattern.is_empty()) {
                    name = t;
                    continue 'outer;
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, b"")?;
        }
        return Some(false);
    }
    Some(name.is_empty())
}

fn scan_chunk(mut p: &[u8]) -> (bool, &[u8], &[u8]) {
    let mut star = false;
    while let [b'*', rest @ ..] = p {
        p = rest;
        star = true;
    }
    let mut inrange = false;
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            b'\\' if i + 1 < p.len() => i += 1,
            b'[' => inrange = true,
            b']' => inrange = false,
            b'*' if !inrange => break,
            _ => {}
        }
        i += 1;
    }
    (star, &p[..i], &p[i..])
}

/// Decodes one UTF-8 char; invalid bytes decode as U+FFFD of width 1.
fn decode(b: &[u8]) -> (char, usize) {
    let w = match b.first() {
        None => return ('\u{fffd}', 0),
        Some(0..=0x7f) => 1,
        Some(0xc0..=0xdf) => 2,
        Some(0xe0..=0xef) => 3,
        Some(0xf0..=0xf7) => 4,
        Some(_) => 1,
    };
    match b.get(..w).and_then(|s| std::str::from_utf8(s).ok()) {
        Some(s) => (s.chars().next().unwrap_or('\u{fffd}'), w),
        None => ('\u{fffd}', 1),
    }
}

fn match_chunk<'a>(mut chunk: &[u8], mut s: &'a [u8]) -> Option<(&'a [u8], bool)> {
    let mut failed = false;
    while let Some(&c) = chunk.first() {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let (ch, n) = decode(s);
                    r = ch;
                    s = &s[n..];
                }
                chunk = &chunk[1..];
                let negated = chunk.first() == Some(&b'^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.first() == Some(&b']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = get_esc(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.first() == Some(&b'-') {
                        let (h, rest) = get_esc(&chunk[1..])?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s[0] == b'/' {
                        failed = true;
                    }
                    s = &s[decode(s).1..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return None;
                    }
                }
                if !failed {
                    if chunk[0] != s[0] {
                        failed = true;
                    }
                    s = &s[1..];
                }
                chunk = &chunk[1..];
            }
        }
    }
    Some(if failed { (&[], false) } else { (s, true) })
}

fn get_esc(mut chunk: &[u8]) -> Option<(char, &[u8])> {
    match chunk.first() {
        None | Some(b'-') | Some(b']') => return None,
        Some(b'\\') => {
            chunk = &chunk[1..];
            if chunk.is_empty() {
                return None;
            }
        }
        Some(_) => {}
    }
    let (r, n) = decode(chunk);
    if (r == '\u{fffd}' && n == 1) || chunk.len() == n {
        return None;
    }
    Some((r, &chunk[n..]))
}

fn has_meta(s: &str) -> bool {
    s.contains(['*', '?', '[', '\\'])
}

// ---------------------------------------------------------------------------
// Build context
// ---------------------------------------------------------------------------

/// A context directory and the ignore file in effect for one Dockerfile.
///
/// Docker (BuildKit) reads `<Dockerfile>.dockerignore`, else
/// `<root>/.dockerignore`. Podman and Buildah read `<Dockerfile>.dockerignore`,
/// else `<Dockerfile>.containerignore`, else `<root>/.containerignore`, else
/// `<root>/.dockerignore` (containers/buildah `ContainerIgnoreFile`). When the
/// two pick different files, a path counts as excluded when either excludes
/// it, and no ignore entry is added (see [`BuildContext::ignore_edit_conflict`]).
#[derive(Debug, Clone)]
pub struct BuildContext {
    root: PathBuf,
    ignore_file: Option<PathBuf>,
    ignore_specific: bool,
    ignore_text: String,
    ignore: DockerIgnore,
    /// Podman/Buildah's ignore file when it is not Docker's.
    containers: Option<(Option<PathBuf>, DockerIgnore)>,
    /// The Dockerfile this context was opened for.
    dockerfile: PathBuf,
}

/// Read an ignore file: `None` when it does not exist.
fn read_ignore(path: &Path) -> anyhow::Result<Option<String>> {
    let read = fs::File::open(path).and_then(|f| crate::input::read_capped(f, MAX_READ));
    let bytes = match read {
        Ok(Some(b)) => b,
        Ok(None) => anyhow::bail!("{}: too large (limit {MAX_READ} bytes)", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| anyhow!("{}: not valid UTF-8", path.display()))
}

/// `<dockerfile><suffix>`.
fn beside(dockerfile: &Path, suffix: &str) -> Option<PathBuf> {
    dockerfile.file_name()?;
    let mut p = dockerfile.as_os_str().to_owned();
    p.push(suffix);
    Some(PathBuf::from(p))
}

/// The first existing file of `candidates` (path, text, is Dockerfile-specific).
fn first_ignore(
    candidates: &[(Option<PathBuf>, bool)],
) -> anyhow::Result<Option<(PathBuf, String, bool)>> {
    for (path, specific) in candidates {
        let Some(path) = path else { continue };
        if let Some(text) = read_ignore(path)? {
            return Ok(Some((path.clone(), text, *specific)));
        }
    }
    Ok(None)
}

impl BuildContext {
    /// `root`: the context directory. `dockerfile`: path of the Dockerfile
    /// (may be outside root). The effective ignore file is
    /// `<dockerfile path>.dockerignore` if it exists, else
    /// `<root>/.dockerignore`, else none. Errors (naming the path) when root
    /// is not a readable directory or the ignore file is unreadable or not
    /// UTF-8.
    pub fn open(root: &Path, dockerfile: &Path) -> anyhow::Result<BuildContext> {
        fs::read_dir(root).with_context(|| {
            format!("build context {}: not a readable directory", root.display())
        })?;
        let docker = first_ignore(&[
            (beside(dockerfile, ".dockerignore"), true),
            (Some(root.join(".dockerignore")), false),
        ])?;
        let containers = first_ignore(&[
            (beside(dockerfile, ".dockerignore"), true),
            (beside(dockerfile, ".containerignore"), true),
            (Some(root.join(".containerignore")), false),
            (Some(root.join(".dockerignore")), false),
        ])?;
        let same = docker.as_ref().map(|d| &d.0) == containers.as_ref().map(|c| &c.0);
        let containers = (!same).then(|| match containers {
            Some((p, text, _)) => (Some(p), DockerIgnore::parse(&text)),
            None => (None, DockerIgnore::default()),
        });
        let (ignore_file, ignore_text, ignore_specific) = match docker {
            Some((p, t, s)) => (Some(p), t, s),
            None => (None, String::new(), false),
        };
        Ok(BuildContext {
            root: root.to_path_buf(),
            ignore: DockerIgnore::parse(&ignore_text),
            ignore_text,
            ignore_file,
            ignore_specific,
            containers,
            dockerfile: dockerfile.to_path_buf(),
        })
    }

    /// Why no entry can be added to the ignore file: Docker and
    /// Podman/Buildah read different files here, and an entry in one would
    /// leave the other builder's image different (a new `.dockerignore` next
    /// to a `.containerignore` is read by Docker only).
    pub fn ignore_edit_conflict(&self) -> Option<String> {
        let (other, _) = self.containers.as_ref()?;
        let name = |p: Option<&Path>| match p {
            Some(p) => p.display().to_string(),
            None => "no ignore file".to_string(),
        };
        Some(format!(
            "Docker reads {} but Podman and Buildah read {}; an entry in one would leave the other builder's image different",
            name(self.ignore_file.as_deref()),
            name(other.as_deref())
        ))
    }

    /// The ignore file's name for messages (`.dockerignore`); both names
    /// when Docker and Podman/Buildah read different files.
    pub fn ignore_names(&self) -> String {
        let name = |p: Option<&Path>| {
            p.and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        };
        let docker = name(self.ignore_file.as_deref());
        match &self.containers {
            Some((other, _)) => match (docker, name(other.as_deref())) {
                (Some(d), Some(c)) => format!("{d} or {c}"),
                (None, Some(c)) => c,
                (Some(d), None) => d,
                (None, None) => ".dockerignore".into(),
            },
            None => docker.unwrap_or_else(|| ".dockerignore".into()),
        }
    }

    /// Excluded by Podman/Buildah's ignore file, when it is not Docker's.
    fn containers_exclude(&self, rel: &str) -> bool {
        self.containers
            .as_ref()
            .is_some_and(|(_, ig)| ig.is_excluded(rel))
    }

    /// The Dockerfile this context was opened for.
    pub fn dockerfile(&self) -> &Path {
        &self.dockerfile
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Path of the effective ignore file, if any.
    pub fn ignore_file(&self) -> Option<&Path> {
        self.ignore_file.as_deref()
    }

    /// The effective ignore file is `<Dockerfile>.dockerignore`.
    pub fn ignore_file_is_dockerfile_specific(&self) -> bool {
        self.ignore_specific
    }

    /// Text of the effective ignore file ("" if none).
    pub fn ignore_text(&self) -> &str {
        &self.ignore_text
    }

    /// The parsed effective ignore file.
    pub fn ignore(&self) -> &DockerIgnore {
        &self.ignore
    }

    /// Where a new ignore entry goes: the effective ignore file, else
    /// `<root>/.dockerignore`.
    pub fn ignore_file_for_edit(&self) -> PathBuf {
        self.ignore_file
            .clone()
            .unwrap_or_else(|| self.root.join(".dockerignore"))
    }

    /// Excluded by the ignore file (by either builder's, when they differ).
    pub fn is_excluded(&self, rel: &str) -> bool {
        self.ignore.is_excluded(rel) || self.containers_exclude(rel)
    }

    /// Same as [`Self::is_excluded`] with `extra_patterns` appended as lines
    /// of the ignore file.
    pub fn is_excluded_with(&self, rel: &str, extra_patterns: &[&str]) -> bool {
        let extra = DockerIgnore::parse(&extra_patterns.join("\n"));
        let rel = clean_rel(rel);
        let patterns = self.ignore.patterns.iter().chain(&extra.patterns);
        excluded(patterns, &rel)
            || self
                .containers
                .as_ref()
                .is_some_and(|(_, ig)| excluded(ig.patterns.iter().chain(&extra.patterns), &rel))
    }

    /// Absolute path of a non-excluded context path.
    fn visible(&self, rel: &str) -> Option<PathBuf> {
        let rel = clean_rel(rel);
        if self.is_excluded(&rel) {
            return None;
        }
        Some(self.root.join(&*rel))
    }

    /// Exists in the context (file, dir or symlink) and is not excluded.
    pub fn exists(&self, rel: &str) -> bool {
        self.visible(rel)
            .is_some_and(|p| fs::symlink_metadata(p).is_ok())
    }

    /// Regular file (following symlinks), not excluded.
    pub fn is_file(&self, rel: &str) -> bool {
        self.visible(rel)
            .is_some_and(|p| fs::metadata(p).is_ok_and(|m| m.is_file()))
    }

    /// Directory (following symlinks), not excluded.
    pub fn is_dir(&self, rel: &str) -> bool {
        self.visible(rel)
            .is_some_and(|p| fs::metadata(p).is_ok_and(|m| m.is_dir()))
    }

    /// A non-excluded regular file as UTF-8; `None` if missing, excluded,
    /// unreadable, not UTF-8 or larger than 4 MiB.
    pub fn read_to_string(&self, rel: &str) -> Option<String> {
        let file = fs::File::open(self.visible(rel)?).ok()?;
        let meta = file.metadata().ok()?;
        if !meta.is_file() || meta.len() > MAX_READ {
            return None;
        }
        let mut buf = Vec::with_capacity(meta.len() as usize);
        file.take(MAX_READ + 1).read_to_end(&mut buf).ok()?;
        if buf.len() as u64 > MAX_READ {
            return None;
        }
        String::from_utf8(buf).ok()
    }

    /// Can a search descend into `rel` (a directory)?
    fn may_enter(&self, rel: &str) -> bool {
        let enter = |ig: &DockerIgnore| !ig.is_excluded(rel) || ig.may_reinclude_under(rel);
        enter(&self.ignore) || self.containers.as_ref().is_some_and(|(_, ig)| enter(ig))
    }

    /// Expands a Go `filepath.Match` glob (`*`, `?`, `[...]`, `\`; `*` does
    /// not cross `/`) from the context root: sorted, non-excluded matches,
    /// files and directories. Leading `./` and `/` and a trailing `/` are
    /// ignored. Extension: a component that is exactly `**` matches any
    /// number of directories (zero included; as the last component,
    /// everything below), skipping `.git`, within the usual search bounds.
    /// A malformed pattern or one leaving the context matches nothing.
    pub fn glob(&self, pattern: &str) -> Vec<String> {
        let cleaned = clean_rel(pattern.trim()).into_owned();
        let pat = go_clean(pattern.trim());
        if cleaned.is_empty() || pat == ".." || pat.starts_with("../") {
            return Vec::new();
        }
        let comps: Vec<&str> = cleaned.split('/').collect();
        if comps
            .iter()
            .any(|c| *c != "**" && go_match(c, "").is_none())
        {
            return Vec::new();
        }
        let mut budget = MAX_VISITED;
        let mut cur = vec![String::new()];
        for (k, comp) in comps.iter().enumerate() {
            let last = k + 1 == comps.len();
            let mut next = Vec::new();
            for dir in &cur {
                if *comp == "**" {
                    if !last {
                        next.push(dir.clone());
                    }
                    self.descendants(dir, last, &mut budget, &mut next);
                } else if !has_meta(comp) {
                    let rel = join_rel(dir, comp);
                    if fs::symlink_metadata(self.root.join(&rel)).is_ok() {
                        next.push(rel);
                    }
                } else if let Ok(rd) = fs::read_dir(self.root.join(dir)) {
                    for entry in rd.flatten() {
                        if budget == 0 {
                            break;
                        }
                        budget -= 1;
                        let name = entry.file_name();
                        if let Some(name) = name.to_str() {
                            if go_match(comp, name) == Some(true) {
                                next.push(join_rel(dir, name));
                            }
                        }
                    }
                }
            }
            if !last {
                next.retain(|d| {
                    fs::metadata(self.root.join(d)).is_ok_and(|m| m.is_dir()) && self.may_enter(d)
                });
            }
            next.sort();
            next.dedup();
            cur = next;
        }
        cur.retain(|r| !r.is_empty() && !self.is_excluded(r));
        cur
    }

    /// Directories (and, with `files`, everything) strictly below `dir`,
    /// bounded, not following symlinks, not entering `.git` or excluded dirs.
    fn descendants(&self, dir: &str, files: bool, budget: &mut usize, out: &mut Vec<String>) {
        let mut stack = vec![(dir.to_string(), 0usize)];
        while let Some((d, depth)) = stack.pop() {
            let Ok(rd) = fs::read_dir(self.root.join(&d)) else {
                continue;
            };
            for entry in rd.flatten() {
                if *budget == 0 {
                    return;
                }
                *budget -= 1;
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
                let rel = join_rel(&d, name);
                if is_dir && name != ".git" && depth + 1 < MAX_DEPTH && self.may_enter(&rel) {
                    stack.push((rel.clone(), depth + 1));
                }
                if is_dir || files {
                    out.push(rel);
                }
            }
        }
    }

    /// Every directory named `name` under `under` ("" for the root) that is
    /// in the context: not excluded, or excluded but with a `!` pattern that
    /// may re-include something inside (Docker then still sends part of it).
    /// A symlink to a directory counts. Never descends into a match, `.git`,
    /// symlinks or excluded directories (unless
    /// [`DockerIgnore::may_reinclude_under`]), at any depth. Sorted. Errors
    /// (with the reason) when a directory cannot be read or the search passes
    /// 2,000,000 entries: the answer would be incomplete.
    pub fn find_dirs_named(&self, under: &str, name: &str) -> Result<Vec<String>, String> {
        let mut found = Vec::new();
        let start = clean_rel(under).into_owned();
        if name.is_empty() || name.contains('/') || !self.may_enter(&start) {
            return Ok(found);
        }
        let mut visited = 0;
        let mut stack = vec![start];
        while let Some(dir) = stack.pop() {
            let rd = fs::read_dir(self.root.join(&dir)).map_err(|e| {
                format!(
                    "cannot search {} for `{name}` directories ({e})",
                    shown_dir(&dir)
                )
            })?;
            for entry in rd {
                let entry = entry.map_err(|e| {
                    format!(
                        "cannot search {} for `{name}` directories ({e})",
                        shown_dir(&dir)
                    )
                })?;
                visited += 1;
                if visited > MAX_FIND_VISITED {
                    return Err(format!(
                        "the search for `{name}` directories in the build context stopped after {MAX_FIND_VISITED} entries"
                    ));
                }
                let fname = entry.file_name();
                let Some(fname) = fname.to_str() else {
                    continue;
                };
                let Ok(ft) = entry.file_type() else { continue };
                if fname == ".git" || !(ft.is_dir() || ft.is_symlink()) {
                    continue;
                }
                let rel = join_rel(&dir, fname);
                if fname == name {
                    let is_dir =
                        ft.is_dir() || fs::metadata(entry.path()).is_ok_and(|m| m.is_dir());
                    if is_dir && self.may_enter(&rel) {
                        found.push(rel);
                    }
                } else if ft.is_dir() && self.may_enter(&rel) {
                    stack.push(rel);
                }
            }
        }
        found.sort();
        Ok(found)
    }
}

/// A context directory for messages (`the context root` for "").
fn shown_dir(rel: &str) -> String {
    if rel.is_empty() {
        "the context root".into()
    } else {
        rel.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ig(text: &str) -> DockerIgnore {
        DockerIgnore::parse(text)
    }

    #[test]
    fn anchored_at_root() {
        let d = ig("node_modules\n");
        assert!(d.is_excluded("node_modules"));
        assert!(d.is_excluded("node_modules/x/y"));
        assert!(!d.is_excluded("a/node_modules"));
        assert!(!d.is_excluded("node_modules_x"));
        assert!(!d.is_excluded(""));
    }

    #[test]
    fn double_star() {
        let d = ig("**/node_modules");
        for p in ["node_modules", "a/node_modules", "a/b/node_modules/x"] {
            assert!(d.is_excluded(p), "{p}");
        }
        assert!(!d.is_excluded("a/xnode_modules"));
        let d = ig("x/**");
        assert!(d.is_excluded("x/a"));
        assert!(d.is_excluded("x/a/b"));
        assert!(!d.is_excluded("x"));
        assert!(!d.is_excluded("xy/a"));
        let d = ig("**/*.go");
        assert!(d.is_excluded("a.go"));
        assert!(d.is_excluded("a/b/c.go"));
        assert!(!d.is_excluded("a.gox"));
        let d = ig("a/**/b");
        assert!(d.is_excluded("a/b"));
        assert!(d.is_excluded("a/x/y/b"));
        assert!(!d.is_excluded("a/xb"));
        let d = ig("**");
        assert!(d.is_excluded("anything/at/all"));
        // patternmatcher quirk: "**foo" is a plain suffix match
        assert!(ig("**foo").is_excluded("barfoo"));
    }

    #[test]
    fn star_question_class() {
        let d = ig("*.md");
        assert!(d.is_excluded("README.md"));
        assert!(!d.is_excluded("docs/a.md"));
        let d = ig("a/*/c");
        assert!(d.is_excluded("a/b/c"));
        assert!(!d.is_excluded("a/b/x/c"));
        let d = ig("a?c");
        assert!(d.is_excluded("abc"));
        assert!(!d.is_excluded("a/c"));
        assert!(!d.is_excluded("abbc"));
        let d = ig("[a-c].txt");
        assert!(d.is_excluded("a.txt") && d.is_excluded("c.txt"));
        assert!(!d.is_excluded("d.txt"));
        let d = ig("[^a].txt");
        assert!(d.is_excluded("b.txt"));
        assert!(!d.is_excluded("a.txt"));
        // Go regexp negated classes match '/': Docker quirk kept.
        assert!(ig("x[^a]y").is_excluded("x/y"));
        // Regex metacharacters are literal, `\` escapes.
        assert!(ig("a.b").is_excluded("a.b"));
        assert!(!ig("a.b").is_excluded("axb"));
        assert!(ig("a+(b)").is_excluded("a+(b)"));
        assert!(ig("*.b$").is_excluded("x.b$"));
        assert!(ig("\\*").is_excluded("*"));
        assert!(!ig("\\*").is_excluded("x"));
        assert!(ig("[[:digit:]]x").is_excluded("1x"));
        assert!(ig("f\\d").is_excluded("f7"));
    }

    #[test]
    fn exceptions_last_match_wins() {
        let d = ig("*.md\n!README.md");
        assert!(!d.is_excluded("README.md"));
        assert!(d.is_excluded("CHANGES.md"));
        let d = ig("!README.md\n*.md");
        assert!(d.is_excluded("README.md"));
        let d = ig("docs\n!docs/keep.md");
        assert!(d.is_excluded("docs"));
        assert!(d.is_excluded("docs/other"));
        assert!(!d.is_excluded("docs/keep.md"));
        assert!(d.may_reinclude_under("docs"));
        assert!(!d.may_reinclude_under("src"));
        assert!(!d.may_reinclude_under("docs/keep.md"));
        let d = ig("**\n!src");
        assert!(!d.is_excluded("src/a/b.rs"));
        assert!(d.is_excluded("other"));
        assert!(ig("a\n!**/x").may_reinclude_under("a"));
        assert!(!ig("a").may_reinclude_under("a"));
        assert!(ig("a\n!*/b").may_reinclude_under("a"));
    }

    #[test]
    fn lines_comments_whitespace() {
        let d = ig("\u{feff}# comment\r\n#foo\r\n  bar  \r\n\r\n #baz\r\n! qux \r\n");
        assert!(!d.is_excluded("#foo"));
        assert!(!d.is_excluded("comment"));
        assert!(d.is_excluded("bar"));
        assert!(d.is_excluded("#baz"));
        assert!(!d.is_excluded("qux"));
        assert!(d.invalid_patterns().is_empty());
        let d = ig("a\r\nb\r\n");
        assert!(d.is_excluded("a") && d.is_excluded("b"));
    }

    #[test]
    fn cleaning() {
        for p in ["/x", "./x", "x/", "/./x//", "y/../x", "!!x\n/x"] {
            let d = ig(p);
            assert!(d.is_excluded("x"), "{p}");
            assert!(d.is_excluded("x/y"), "{p}");
        }
        // A pattern escaping the root never matches; `.` is ignored.
        let d = ig("../x\n.\n./\nx/..");
        assert!(!d.is_excluded("x"));
        assert!(!ig(".").is_excluded("a"));
        // Paths are cleaned and clamped too.
        let d = ig("x");
        assert!(d.is_excluded("./x/"));
        assert!(d.is_excluded("/x"));
        assert!(d.is_excluded("../x/y"));
        assert!(d.is_excluded("a/../x"));
    }

    #[test]
    fn invalid_patterns_never_match() {
        let d = ig("!\n[\nok\n\\");
        assert_eq!(d.invalid_patterns(), ["!", "[", "\\"]);
        assert!(d.is_excluded("ok"));
        assert!(!d.is_excluded("["));
    }

    #[test]
    fn go_helpers() {
        assert_eq!(go_clean("a//b/./c/.."), "a/b");
        assert_eq!(go_clean("../../a"), "../../a");
        assert_eq!(go_clean("/../a/"), "/a");
        assert_eq!(go_clean(""), ".");
        assert_eq!(clean_rel("../../a/./b/"), "a/b");
        assert_eq!(clean_rel("."), "");
        assert_eq!(go_match("*.json", "a.json"), Some(true));
        assert_eq!(go_match("*", "a/b"), Some(false));
        assert_eq!(go_match("[!a]", "b"), Some(false)); // Go has no `!` negation
        assert_eq!(go_match("[^a]", "b"), Some(true));
        assert_eq!(go_match("a[", "b"), None);
        assert_eq!(go_match("[]a]", "a"), None);
        assert_eq!(go_match("p?ck*", "package"), Some(true));
    }

    fn tree(files: &[&str], dirs: &[&str]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for d in dirs {
            fs::create_dir_all(t.path().join(d)).unwrap();
        }
        for f in files {
            let p = t.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        t
    }

    #[test]
    fn effective_ignore_file() {
        let t = tree(&["Dockerfile", "app/Dockerfile.dev", "a", "b"], &[]);
        let root = t.path();
        let none = BuildContext::open(root, &root.join("Dockerfile")).unwrap();
        assert!(none.ignore_file().is_none());
        assert_eq!(none.ignore_text(), "");
        assert_eq!(none.ignore_file_for_edit(), root.join(".dockerignore"));

        fs::write(root.join(".dockerignore"), "a\n").unwrap();
        fs::write(root.join("app/Dockerfile.dev.dockerignore"), "b\n").unwrap();
        let c = BuildContext::open(root, &root.join("Dockerfile")).unwrap();
        assert_eq!(c.ignore_file(), Some(root.join(".dockerignore").as_path()));
        assert!(!c.ignore_file_is_dockerfile_specific());
        assert!(c.is_excluded("a") && !c.is_excluded("b"));

        let c = BuildContext::open(root, &root.join("app/Dockerfile.dev")).unwrap();
        let specific = root.join("app/Dockerfile.dev.dockerignore");
        assert_eq!(c.ignore_file(), Some(specific.as_path()));
        assert!(c.ignore_file_is_dockerfile_specific());
        assert_eq!(c.ignore_file_for_edit(), specific);
        assert_eq!(c.ignore_text(), "b\n");
        assert!(!c.is_excluded("a") && c.is_excluded("b"));
    }

    #[test]
    fn open_errors() {
        let t = tree(&["f"], &[]);
        let missing = t.path().join("nope");
        let e = BuildContext::open(&missing, &missing.join("Dockerfile")).unwrap_err();
        assert!(format!("{e:#}").contains("nope"));
        assert!(BuildContext::open(&t.path().join("f"), Path::new("Dockerfile")).is_err());
        fs::write(t.path().join(".dockerignore"), b"\xff\xfe").unwrap();
        let e = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap_err();
        assert!(format!("{e:#}").contains(".dockerignore"));
    }

    #[test]
    fn exists_respects_ignore() {
        let t = tree(&["package.json", "secret.env", "src/main.js"], &["empty"]);
        fs::write(t.path().join(".dockerignore"), "*.env\nsrc\n").unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        assert!(c.exists("package.json") && c.is_file("./package.json"));
        assert!(!c.exists("secret.env") && !c.is_file("secret.env"));
        assert!(!c.exists("src/main.js") && !c.is_dir("src"));
        assert!(c.is_dir("empty") && !c.is_file("empty"));
        assert!(!c.exists("missing"));
        assert!(c.exists("../package.json"));
        assert!(c.exists("") && c.is_dir("/"));
        assert_eq!(c.read_to_string("package.json").as_deref(), Some("x"));
        assert_eq!(c.read_to_string("secret.env"), None);
        assert_eq!(c.read_to_string("empty"), None);
        fs::write(t.path().join("bin"), b"\xff").unwrap();
        assert_eq!(c.read_to_string("bin"), None);
    }

    #[test]
    fn find_dirs_named_walk() {
        let t = tree(
            &[],
            &[
                "node_modules/x/node_modules",
                "a/node_modules",
                "ignored/node_modules",
                ".git/node_modules",
                "b/c/d/e/f/node_modules",
                "b/c/d/e/f/g/node_modules",
                "kept/node_modules",
            ],
        );
        fs::write(t.path().join("file_node_modules"), "").unwrap();
        fs::write(
            t.path().join(".dockerignore"),
            "ignored\nkept\n!kept/node_modules/keep\n",
        )
        .unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        // Any depth: the search no longer stops at depth 6.
        assert_eq!(
            c.find_dirs_named("", "node_modules").unwrap(),
            [
                "a/node_modules",
                "b/c/d/e/f/g/node_modules",
                "b/c/d/e/f/node_modules",
                "kept/node_modules",
                "node_modules"
            ]
        );
        assert_eq!(
            c.find_dirs_named("a", "node_modules").unwrap(),
            ["a/node_modules"]
        );
        assert!(c
            .find_dirs_named("ignored", "node_modules")
            .unwrap()
            .is_empty());
        assert!(!c.is_excluded_with("a/node_modules", &[]));
        assert!(c.is_excluded_with("a/node_modules", &["**/node_modules"]));
        assert!(c.is_excluded_with("kept/node_modules/keep", &["**/node_modules"]));
        assert!(!c.is_excluded("kept/node_modules/keep"));
    }

    /// More than 20,000 entries before the host `node_modules`: still found.
    #[test]
    fn find_dirs_named_searches_past_twenty_thousand_entries() {
        let t = tempfile::tempdir().unwrap();
        for i in 0..21_000 {
            fs::write(t.path().join(format!("a{i:05}")), "").unwrap();
        }
        fs::create_dir_all(t.path().join("zz/node_modules")).unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        assert_eq!(
            c.find_dirs_named("", "node_modules").unwrap(),
            ["zz/node_modules"]
        );
    }

    /// An unreadable directory is reported, not skipped.
    #[test]
    fn find_dirs_named_reports_an_unreadable_directory() {
        let t = tempfile::tempdir().unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        fs::remove_dir(t.path()).unwrap();
        let e = c.find_dirs_named("", "node_modules").unwrap_err();
        assert!(e.contains("cannot search the context root"), "{e}");
    }

    /// Podman and Buildah: `<Containerfile>.dockerignore`, then
    /// `<Containerfile>.containerignore`, then `.containerignore`, then
    /// `.dockerignore`; Docker never reads `.containerignore`.
    #[test]
    fn containerignore_precedence() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let df = root.join("Containerfile");
        let open = || BuildContext::open(root, &df).unwrap();
        assert!(open().ignore_edit_conflict().is_none());
        fs::write(root.join(".dockerignore"), "a\n").unwrap();
        assert!(open().ignore_edit_conflict().is_none());
        fs::write(root.join(".containerignore"), "b\n").unwrap();
        let c = open();
        assert!(c.is_excluded("a") && c.is_excluded("b"));
        assert!(c
            .ignore_edit_conflict()
            .unwrap()
            .contains(".containerignore"));
        fs::write(root.join("Containerfile.containerignore"), "c\n").unwrap();
        let c = open();
        assert!(c.is_excluded("a") && c.is_excluded("c") && !c.is_excluded("b"));
        // `<Containerfile>.dockerignore` is read by both builders first.
        fs::write(root.join("Containerfile.dockerignore"), "d\n").unwrap();
        let c = open();
        assert!(c.is_excluded("d") && !c.is_excluded("a") && !c.is_excluded("c"));
        assert!(c.ignore_edit_conflict().is_none());
    }

    #[test]
    fn glob_expands() {
        let t = tree(
            &[
                "packages/a/package.json",
                "packages/b/package.json",
                "packages/c/package.json",
                "packages/file.txt",
                "apps/web/sub/package.json",
            ],
            &[],
        );
        fs::write(t.path().join(".dockerignore"), "packages/c\n").unwrap();
        let c = BuildContext::open(t.path(), &t.path().join("Dockerfile")).unwrap();
        assert_eq!(
            c.glob("packages/*"),
            ["packages/a", "packages/b", "packages/file.txt"]
        );
        assert_eq!(c.glob("./packages/*/"), c.glob("packages/*"));
        assert_eq!(c.glob("packages/[ab]"), ["packages/a", "packages/b"]);
        assert_eq!(
            c.glob("packages/*/package.json"),
            ["packages/a/package.json", "packages/b/package.json"]
        );
        assert_eq!(c.glob("packages/a"), ["packages/a"]);
        assert!(c.glob("packages/c").is_empty());
        assert!(c.glob("packages/[").is_empty());
        assert!(c.glob("../*").is_empty());
        assert_eq!(
            c.glob("**/package.json"),
            [
                "apps/web/sub/package.json",
                "packages/a/package.json",
                "packages/b/package.json"
            ]
        );
        assert_eq!(
            c.glob("apps/**"),
            ["apps/web", "apps/web/sub", "apps/web/sub/package.json"]
        );
    }
}
