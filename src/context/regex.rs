//! The regex subset patternmatcher generates (Go RE2 syntax, Perl flags).

/// A compiled pattern; matches whole strings only.
#[derive(Debug, Clone)]
pub(super) struct Regex(Vec<Node>);

impl Regex {
    /// `None` for what Go's `regexp.Compile` rejects (and for the few
    /// escapes not implemented).
    pub(super) fn parse(re: &str) -> Option<Regex> {
        parse_regex(re).map(Regex)
    }

    pub(super) fn is_match(&self, s: &str) -> bool {
        regex_match(&self.0, s)
    }
}

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
