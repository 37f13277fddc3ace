//! Line scanner: directives, comments, continuations, heredoc bodies.
//!
//! Mirrors BuildKit's `parser.Parse` loop, iteratively, over bytes.

use super::instruction::{Instruction, Part, PartKind};
use super::{Directive, Dockerfile, Item, Span, Token, TokenKind};

/// One physical line: `start..content_end` is the text without its line
/// ending (one trailing `\r` dropped, as Go's `bufio.ScanLines` does);
/// `content_end..end` is the line ending (`\n`, `\r\n`, or nothing at EOF).
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

struct Lines<'a> {
    src: &'a [u8],
    pos: usize,
}

impl Iterator for Lines<'_> {
    type Item = Line;
    fn next(&mut self) -> Option<Line> {
        if self.pos >= self.src.len() {
            return None;
        }
        let start = self.pos;
        let (content_end, end) = match memchr(b'\n', &self.src[start..]) {
            Some(i) => {
                let nl = start + i;
                let ce = if nl > start && self.src[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (ce, nl + 1)
            }
            None => {
                let e = self.src.len();
                let ce = if e > start && self.src[e - 1] == b'\r' {
                    e - 1
                } else {
                    e
                };
                (ce, e)
            }
        };
        self.pos = end;
        Some(Line {
            start,
            content_end,
            end,
        })
    }
}

fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    memchr::memchr(needle, hay)
}

/// Length of the leading whitespace (Go's `unicode.IsSpace`) of `s`.
pub(crate) fn leading_space(s: &[u8]) -> usize {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b < 0x80 {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
                i += 1;
                continue;
            }
            break;
        }
        // Decode one multi-byte char.
        let w = utf8_width(b);
        match s.get(i..i + w).and_then(|c| std::str::from_utf8(c).ok()) {
            Some(c) if c.chars().next().is_some_and(char::is_whitespace) => i += w,
            _ => break,
        }
    }
    i
}

/// Length of `s` without its trailing whitespace (Go's `unicode.IsSpace`).
pub(crate) fn trim_end_len(s: &[u8]) -> usize {
    let mut end = s.len();
    while end > 0 {
        let b = s[end - 1];
        if b < 0x80 {
            if matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
                end -= 1;
                continue;
            }
            break;
        }
        // Find the start of the last char.
        let mut st = end - 1;
        while st > 0 && (s[st] & 0xC0) == 0x80 && end - st < 4 {
            st -= 1;
        }
        match std::str::from_utf8(&s[st..end]) {
            Ok(c) if c.chars().next().is_some_and(char::is_whitespace) => end = st,
            _ => break,
        }
    }
    end
}

fn utf8_width(b: u8) -> usize {
    match b {
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF7 => 4,
        _ => 1,
    }
}

/// If `content` ends with the escape character followed by blanks, the
/// position of the escape character (BuildKit: `\\[ \t]*$`).
fn continuation_at(content: &[u8], escape: u8) -> Option<usize> {
    let mut i = content.len();
    while i > 0 && matches!(content[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    (i > 0 && content[i - 1] == escape).then(|| i - 1)
}

/// `^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$` (RE2 `\s` = `[\t\n\f\r ]`).
fn match_directive(line: &[u8]) -> Option<(String, String)> {
    let is_s = |b: u8| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ');
    let mut i = 0;
    if line.first() != Some(&b'#') {
        return None;
    }
    i += 1;
    while i < line.len() && is_s(line[i]) {
        i += 1;
    }
    let ns = i;
    if i >= line.len() || !line[i].is_ascii_alphabetic() {
        return None;
    }
    while i < line.len() && line[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let name = &line[ns..i];
    while i < line.len() && is_s(line[i]) {
        i += 1;
    }
    if line.get(i) != Some(&b'=') {
        return None;
    }
    i += 1;
    while i < line.len() && is_s(line[i]) {
        i += 1;
    }
    let mut end = line.len();
    while end > i && is_s(line[end - 1]) {
        end -= 1;
    }
    if end <= i {
        return None;
    }
    Some((
        String::from_utf8_lossy(name).to_ascii_lowercase(),
        String::from_utf8_lossy(&line[i..end]).into_owned(),
    ))
}

/// Parse a Dockerfile. Never fails: what BuildKit would reject is kept as
/// opaque instructions or trivia.
pub fn parse(src: &[u8]) -> Dockerfile {
    let bom = src.starts_with(&[0xEF, 0xBB, 0xBF]);
    // One item per line at most: reserving it up front avoids regrowing
    // (and copying) the item list on large files.
    let lines_estimate = memchr::memchr_iter(b'\n', src).count() / 2 + 16;
    let mut df = Dockerfile {
        len: src.len(),
        bom,
        escape: b'\\',
        directives: Vec::new(),
        items: Vec::with_capacity(lines_estimate),
        newline: "\n",
    };
    let (mut crlf, mut lf) = (0usize, 0usize);
    let mut lines = Lines { src, pos: 0 }.peekable();
    let mut directives_done = false;
    let mut line_no = 0usize; // 1-based number of the last line taken
    while let Some(line) = lines.next() {
        line_no += 1;
        count_ending(src, line, &mut crlf, &mut lf);
        let start = if line_no == 1 && bom {
            3.min(line.content_end).max(line.start)
        } else {
            line.start
        };
        let content = &src[start..line.content_end];
        let lead = leading_space(content);
        let trimmed = &content[lead..];

        if !directives_done {
            match match_directive(trimmed) {
                Some((name, value))
                    if matches!(name.as_str(), "syntax" | "escape" | "check")
                        && !df.directives.iter().any(|d| d.name == name) =>
                {
                    let valid_escape = value == "\\" || value == "`";
                    if name == "escape" && valid_escape {
                        df.escape = value.as_bytes()[0];
                    }
                    if name != "escape" || valid_escape {
                        let span = Span::new(start, line.end);
                        df.directives.push(Directive { name, value, span });
                        df.items.push(Item::Directive(span));
                        continue;
                    }
                    directives_done = true;
                }
                _ => directives_done = true,
            }
        }

        if trimmed.first() == Some(&b'#') {
            df.items.push(Item::Comment(Span::new(start, line.end)));
            continue;
        }
        if trimmed.is_empty() {
            df.items.push(Item::Blank(Span::new(start, line.end)));
            continue;
        }

        // An instruction starts here.
        let first_line = line_no;
        let mut parts: Vec<Part> = Vec::with_capacity(4);
        let content_start = start + lead;
        if lead > 0 {
            push_part(&mut parts, PartKind::Whitespace, start, content_start);
        }
        let mut continuing =
            push_content(&mut parts, src, content_start, line.content_end, df.escape);
        push_part(&mut parts, PartKind::Newline, line.content_end, line.end);
        let mut end = line.end;
        while continuing {
            let Some(next) = lines.next() else { break };
            line_no += 1;
            count_ending(src, next, &mut crlf, &mut lf);
            let c = &src[next.start..next.content_end];
            let l = leading_space(c);
            if c.get(l) == Some(&b'#') {
                push_part(&mut parts, PartKind::Comment, next.start, next.content_end);
            } else if l == c.len() {
                if next.content_end > next.start {
                    push_part(
                        &mut parts,
                        PartKind::Whitespace,
                        next.start,
                        next.content_end,
                    );
                }
            } else {
                continuing = push_content(&mut parts, src, next.start, next.content_end, df.escape);
            }
            push_part(&mut parts, PartKind::Newline, next.content_end, next.end);
            end = next.end;
        }

        let mut ins = Instruction::build(src, parts, df.escape, first_line);

        // Heredoc bodies follow the instruction's last line.
        let markers = ins.heredoc_markers(src);
        for marker in markers {
            let body_start = end;
            let mut terminator = None;
            for next in lines.by_ref() {
                line_no += 1;
                count_ending(src, next, &mut crlf, &mut lf);
                let mut c = &src[next.start..next.content_end];
                if marker.chomp {
                    while c.first() == Some(&b'\t') {
                        c = &c[1..];
                    }
                }
                end = next.end;
                if c == marker.name.as_bytes() {
                    terminator = Some(next);
                    break;
                }
            }
            let body_end = terminator.map_or(end, |t| t.start);
            if body_end > body_start {
                push_part(&mut ins.parts, PartKind::HeredocBody, body_start, body_end);
            }
            if let Some(t) = terminator {
                push_part(&mut ins.parts, PartKind::HeredocEnd, t.start, t.content_end);
                push_part(&mut ins.parts, PartKind::Newline, t.content_end, t.end);
            }
            ins.heredocs.push(super::Heredoc {
                name: marker.name,
                chomp: marker.chomp,
                quoted: marker.quoted,
                marker: marker.span,
                body: Span::new(body_start, body_end),
                terminated: terminator.is_some(),
            });
        }
        ins.span = Span::new(start, end);
        ins.end_line = line_no;
        df.items.push(Item::Instruction(ins));
    }
    if crlf > lf {
        df.newline = "\r\n";
    }
    df
}

/// Record a part; empty ones (a newline at end of file) are left out.
fn push_part(parts: &mut Vec<Part>, kind: PartKind, start: usize, end: usize) {
    if end > start {
        parts.push(Part::new(kind, start, end));
    }
}

fn count_ending(src: &[u8], line: Line, crlf: &mut usize, lf: &mut usize) {
    if line.end > line.content_end {
        if src[line.content_end] == b'\r' {
            *crlf += 1;
        } else {
            *lf += 1;
        }
    }
}

/// Push the content of one line of an instruction: the text segment and, if
/// the line is continued, the continuation marker. Returns whether the
/// instruction continues on the next line.
fn push_content(parts: &mut Vec<Part>, src: &[u8], start: usize, end: usize, escape: u8) -> bool {
    match continuation_at(&src[start..end], escape) {
        Some(i) => {
            push_part(parts, PartKind::Segment, start, start + i);
            push_part(parts, PartKind::Continuation, start + i, end);
            true
        }
        None => {
            push_part(parts, PartKind::Segment, start, end);
            false
        }
    }
}

/// Tokens for a trivia item: the line's text as `kind`, then its newline.
pub(crate) fn line_tokens(
    src: &[u8],
    start: usize,
    end: usize,
    kind: TokenKind,
    out: &mut Vec<Token>,
) {
    let mut pos = start;
    while pos < end {
        let nl = memchr(b'\n', &src[pos..end]).map_or(end, |i| pos + i);
        let ce = if nl > pos && nl < end && src[nl - 1] == b'\r' {
            nl - 1
        } else {
            nl
        };
        if ce > pos {
            out.push(Token {
                kind,
                span: Span::new(pos, ce),
            });
        }
        let le = if nl < end { nl + 1 } else { end };
        if le > ce {
            out.push(Token {
                kind: TokenKind::Newline,
                span: Span::new(ce, le),
            });
        }
        pos = le;
    }
}
