//! One instruction: keyword, flags, arguments, exec/shell form, heredocs.
//!
//! The instruction's text is first joined into BuildKit's "logical line"
//! (continuations, comment lines and empty lines removed); everything is
//! parsed on that line, and every span is mapped back to the source.

use super::lex::{leading_space, trim_end_len};
use super::words::{raw_words, unquote};
use super::{Span, Token, TokenKind};

/// Instruction keywords known to BuildKit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keyword {
    Add,
    Arg,
    Cmd,
    Copy,
    Entrypoint,
    Env,
    Expose,
    From,
    Healthcheck,
    Label,
    Maintainer,
    Onbuild,
    Run,
    Shell,
    Stopsignal,
    User,
    Volume,
    Workdir,
    /// Anything else: kept as an opaque instruction.
    Unknown,
}

impl Keyword {
    pub fn from_name(name: &str) -> Keyword {
        const NAMES: &[(&str, Keyword)] = &[
            ("run", Keyword::Run),
            ("copy", Keyword::Copy),
            ("from", Keyword::From),
            ("env", Keyword::Env),
            ("workdir", Keyword::Workdir),
            ("add", Keyword::Add),
            ("arg", Keyword::Arg),
            ("cmd", Keyword::Cmd),
            ("entrypoint", Keyword::Entrypoint),
            ("expose", Keyword::Expose),
            ("healthcheck", Keyword::Healthcheck),
            ("label", Keyword::Label),
            ("maintainer", Keyword::Maintainer),
            ("onbuild", Keyword::Onbuild),
            ("shell", Keyword::Shell),
            ("stopsignal", Keyword::Stopsignal),
            ("user", Keyword::User),
            ("volume", Keyword::Volume),
        ];
        NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(Keyword::Unknown, |(_, k)| *k)
    }

    fn can_have_heredoc(self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// Exec form (a strict JSON array of strings) or shell form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    Exec,
    Shell,
}

/// A `--name` or `--name=value` flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    /// Source span of the flag as written (may cross a continuation).
    pub span: Span,
    /// The flag as written on the logical line, e.g. `--mount=type=cache,target=/x`.
    pub text: String,
    /// Name without dashes, e.g. `mount`.
    pub name: String,
    /// Value with quotes removed, if any.
    pub value: Option<String>,
}

impl Flag {
    /// The flag as BuildKit reports it: quotes and escapes removed.
    pub fn normalized(&self) -> String {
        match &self.value {
            Some(v) => format!("--{}={}", self.name, v),
            None => format!("--{}", self.name),
        }
    }
}

/// A whitespace-delimited argument word (BuildKit's `parseStringsWhitespaceDelimited`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub span: Span,
    /// Text as written (quotes and variables not processed).
    pub text: String,
}

/// A heredoc attached to a RUN/COPY/ADD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    /// Delimiter with quotes removed.
    pub name: String,
    /// `<<-`: leading tabs stripped.
    pub chomp: bool,
    /// The delimiter was quoted (no expansion in the body).
    pub quoted: bool,
    /// The `<<EOF` word.
    pub marker: Span,
    /// The body lines (newlines included), terminator excluded.
    pub body: Span,
    /// False when the file ended before the terminator line.
    pub terminated: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PartKind {
    Whitespace,
    Segment,
    Continuation,
    Comment,
    Newline,
    HeredocBody,
    HeredocEnd,
}

/// A piece of an instruction's source, in order; together they cover it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Part {
    pub kind: PartKind,
    pub span: Span,
}

impl Part {
    pub fn new(kind: PartKind, start: usize, end: usize) -> Part {
        Part {
            kind,
            span: Span::new(start, end),
        }
    }
}

pub(crate) struct HeredocMarker {
    pub name: String,
    pub chomp: bool,
    pub quoted: bool,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Instruction {
    /// Whole lines of the instruction, heredoc bodies and final newline included.
    pub span: Span,
    /// 1-based line of the keyword.
    pub start_line: usize,
    /// 1-based last line (continuations and heredoc terminators included).
    pub end_line: usize,
    pub keyword: Span,
    /// Upper-cased keyword as written (`RUN`, `FOOBAR`).
    pub name: String,
    pub kind: Keyword,
    pub flags: Vec<Flag>,
    /// Arguments after the flags, on the logical line (see [`Instruction::logical`]).
    pub args: std::ops::Range<usize>,
    pub form: Form,
    /// Exec-form arguments, when `form == Exec`.
    pub exec: Vec<String>,
    pub heredocs: Vec<Heredoc>,
    /// For `ONBUILD X ...`: the wrapped instruction.
    pub sub: Option<Box<Instruction>>,
    /// A problem BuildKit would report (kept, never fatal here).
    pub problem: Option<&'static str>,
    /// The logical line: the instruction's text with continuations,
    /// comment lines and empty lines removed.
    pub logical: Vec<u8>,
    /// (logical offset, source offset) where each source segment starts.
    seg_map: Vec<(usize, usize)>,
    pub(crate) parts: Vec<Part>,
}

/// Go's `[\t\v\f\r ]`.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0b' | b'\x0c' | b'\r')
}

impl Instruction {
    pub(crate) fn build(
        src: &[u8],
        parts: Vec<Part>,
        escape: u8,
        start_line: usize,
    ) -> Instruction {
        let segments = parts.iter().filter(|p| p.kind == PartKind::Segment);
        let len: usize = segments.clone().map(|p| p.span.len()).sum();
        let mut logical = Vec::with_capacity(len);
        let mut seg_map = Vec::with_capacity(segments.clone().count());
        for p in segments {
            seg_map.push((logical.len(), p.span.start));
            logical.extend_from_slice(&src[p.span.range()]);
        }
        let span = Span::new(
            parts.first().map_or(0, |p| p.span.start),
            parts.last().map_or(0, |p| p.span.end),
        );
        let mut ins = Instruction {
            span,
            start_line,
            end_line: start_line,
            keyword: Span::default(),
            name: String::new(),
            kind: Keyword::Unknown,
            flags: Vec::new(),
            args: 0..0,
            form: Form::Shell,
            exec: Vec::new(),
            heredocs: Vec::new(),
            sub: None,
            problem: None,
            logical,
            seg_map,
            parts,
        };
        let _ = escape;
        ins.parse_head(0, true);
        ins
    }

    /// Parse `KEYWORD [--flags] args` starting at logical offset `from`.
    fn parse_head(&mut self, from: usize, allow_sub: bool) {
        let line = &self.logical;
        let ts = from + leading_space(&line[from..]);
        let te = ts + trim_end_len(&line[ts..]);
        let mut ke = ts;
        while ke < te && !is_ws(line[ke]) {
            ke += 1;
        }
        self.keyword = self.source_span(ts..ke);
        self.name = String::from_utf8_lossy(&line[ts..ke]).to_ascii_uppercase();
        self.kind = Keyword::from_name(&self.name);
        let mut rest = ke;
        while rest < te && is_ws(line[rest]) {
            rest += 1;
        }
        let (flags, args_start) = extract_flags(line, rest, te);
        self.flags = flags
            .into_iter()
            .map(|(r, value_text)| {
                let text = String::from_utf8_lossy(&line[r.clone()]).into_owned();
                let (name, value) = match value_text.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (value_text.clone(), None),
                };
                Flag {
                    span: self.source_span(r),
                    text,
                    name: name.trim_start_matches("--").to_string(),
                    value,
                }
            })
            .collect();
        self.args = args_start..te;
        // Borrow the logical line out of `self` while parsing its arguments.
        let logical = std::mem::take(&mut self.logical);
        let args = &logical[args_start..te];
        match self.kind {
            Keyword::Run
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Shell
            | Keyword::Copy
            | Keyword::Add
            | Keyword::Volume => self.parse_json(args),
            Keyword::Healthcheck => {
                // HEALTHCHECK [flags] CMD <json or shell> | NONE
                let mut i = 0;
                while i < args.len() && !is_ws(args[i]) {
                    i += 1;
                }
                if args[..i].eq_ignore_ascii_case(b"CMD") {
                    while i < args.len() && is_ws(args[i]) {
                        i += 1;
                    }
                    self.parse_json(&args[i..]);
                }
            }
            Keyword::Onbuild if allow_sub => {
                let mut sub = Instruction {
                    span: self.span,
                    start_line: self.start_line,
                    end_line: self.end_line,
                    keyword: Span::default(),
                    name: String::new(),
                    kind: Keyword::Unknown,
                    flags: Vec::new(),
                    args: 0..0,
                    form: Form::Shell,
                    exec: Vec::new(),
                    heredocs: Vec::new(),
                    sub: None,
                    problem: None,
                    logical: logical.clone(),
                    seg_map: self.seg_map.clone(),
                    parts: Vec::new(),
                };
                sub.parse_head(args_start, false);
                self.sub = Some(Box::new(sub));
            }
            _ => {}
        }
        self.logical = logical;
    }

    fn parse_json(&mut self, args: &[u8]) {
        let s = &args[leading_space(args)..];
        if s.first() != Some(&b'[') {
            return;
        }
        let mut stream = serde_json::Deserializer::from_slice(s).into_iter::<serde_json::Value>();
        if let Some(Ok(serde_json::Value::Array(items))) = stream.next() {
            let mut out = Vec::with_capacity(items.len());
            for it in items {
                match it {
                    serde_json::Value::String(s) => out.push(s),
                    _ => {
                        self.problem = Some("JSON array with a non-string element");
                        return;
                    }
                }
            }
            self.form = Form::Exec;
            self.exec = out;
        }
    }

    /// Map a logical offset to a source offset.
    pub fn to_source(&self, l: usize) -> usize {
        if self.seg_map.is_empty() {
            return self.span.start;
        }
        let i = match self.seg_map.binary_search_by(|&(ls, _)| ls.cmp(&l)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        };
        let (ls, ss) = self.seg_map[i];
        ss + (l - ls)
    }

    /// Map a logical range to a source span (its end mapped from the last byte).
    pub fn source_span(&self, r: std::ops::Range<usize>) -> Span {
        let start = self.to_source(r.start);
        if r.end <= r.start {
            return Span::new(start, start);
        }
        Span::new(start, self.to_source(r.end - 1) + 1)
    }

    /// The logical line as text (lossy for non-UTF-8 input).
    pub fn logical_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.logical)
    }

    /// The arguments after the flags, as text.
    pub fn args_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.logical[self.args.clone()])
    }

    /// Whitespace-delimited argument words, as written.
    pub fn words(&self) -> Vec<Word> {
        let mut out = Vec::new();
        let a = &self.logical[self.args.clone()];
        let mut i = 0;
        while i < a.len() {
            while i < a.len() && is_ws(a[i]) {
                i += 1;
            }
            let s = i;
            while i < a.len() && !is_ws(a[i]) {
                i += 1;
            }
            if i > s {
                let r = self.args.start + s..self.args.start + i;
                out.push(Word {
                    span: self.source_span(r.clone()),
                    text: String::from_utf8_lossy(&self.logical[r]).into_owned(),
                });
            }
        }
        out
    }

    /// The value of flag `name` (last one wins), `Some("")` for a bare flag.
    pub fn flag(&self, name: &str) -> Option<&str> {
        self.flags
            .iter()
            .rev()
            .find(|f| f.name == name)
            .map(|f| f.value.as_deref().unwrap_or(""))
    }

    /// Comment lines inside the instruction's continuation that lie within `range`.
    pub fn comment_lines_in(&self, range: Span) -> Vec<Span> {
        self.parts
            .iter()
            .filter(|p| {
                p.kind == PartKind::Comment
                    && p.span.start >= range.start
                    && p.span.end <= range.end
            })
            .map(|p| p.span)
            .collect()
    }

    /// The heredoc markers of this instruction, in order.
    pub(crate) fn heredoc_markers(&self, _src: &[u8]) -> Vec<HeredocMarker> {
        let kind_ok = self.kind.can_have_heredoc()
            || self.sub.as_ref().is_some_and(|s| s.kind.can_have_heredoc());
        if !kind_ok || memmem(&self.logical, b"<<").is_none() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for r in raw_words(&self.logical) {
            let w = &self.logical[r.clone()];
            // ^(\d*)<<(-?)([^<]*)$
            let mut i = 0;
            while i < w.len() && w[i].is_ascii_digit() {
                i += 1;
            }
            if !w[i..].starts_with(b"<<") {
                continue;
            }
            i += 2;
            let chomp = w.get(i) == Some(&b'-');
            if chomp {
                i += 1;
            }
            let rest = &w[i..];
            if rest.is_empty() || rest.contains(&b'<') {
                continue;
            }
            let quoted = rest.iter().any(|&b| b == b'"' || b == b'\'');
            out.push(HeredocMarker {
                name: unquote(rest),
                chomp,
                quoted,
                span: self.source_span(r),
            });
        }
        out
    }

    /// Push this instruction's tokens, from `start` (after a BOM) on.
    pub(crate) fn tokens(&self, src: &[u8], start: usize, out: &mut Vec<Token>) {
        // Labelled spans inside segments: keyword and flags (sub-instruction's too).
        let mut labels: Vec<(Span, TokenKind)> = vec![(self.keyword, TokenKind::Keyword)];
        labels.extend(self.flags.iter().map(|f| (f.span, TokenKind::Flag)));
        if let Some(sub) = &self.sub {
            labels.push((sub.keyword, TokenKind::Keyword));
            labels.extend(sub.flags.iter().map(|f| (f.span, TokenKind::Flag)));
        }
        labels.retain(|(s, _)| !s.is_empty());
        labels.sort_by_key(|(s, _)| s.start);
        let mut push = |kind, a: usize, b: usize| {
            if b > a {
                out.push(Token {
                    kind,
                    span: Span::new(a, b),
                });
            }
        };
        for p in &self.parts {
            let (a, b) = (p.span.start.max(start), p.span.end);
            let kind = match p.kind {
                PartKind::Whitespace => TokenKind::Whitespace,
                PartKind::Continuation => TokenKind::Continuation,
                PartKind::Comment => TokenKind::Comment,
                PartKind::Newline => TokenKind::Newline,
                PartKind::HeredocBody => TokenKind::HeredocBody,
                PartKind::HeredocEnd => TokenKind::HeredocEnd,
                PartKind::Segment => {
                    // Split the segment at label boundaries; the rest is text or blanks.
                    let mut pos = a;
                    for (s, k) in &labels {
                        let (ls, le) = (s.start.max(pos), s.end.min(b));
                        if ls >= le {
                            continue;
                        }
                        push_text(src, pos, ls, &mut push);
                        push(*k, ls, le);
                        pos = le;
                    }
                    push_text(src, pos, b, &mut push);
                    continue;
                }
            };
            push(kind, a, b);
        }
    }
}

/// Push `a..b` as alternating whitespace and text tokens.
fn push_text(src: &[u8], a: usize, b: usize, push: &mut impl FnMut(TokenKind, usize, usize)) {
    let mut i = a;
    while i < b {
        let ws = is_ws(src[i]);
        let s = i;
        while i < b && is_ws(src[i]) == ws {
            i += 1;
        }
        push(
            if ws {
                TokenKind::Whitespace
            } else {
                TokenKind::Text
            },
            s,
            i,
        );
    }
}

fn memmem(hay: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(hay, needle)
}

/// BuildKit's `extractBuilderFlags`: leading `--words` until the first word
/// that does not start with `--` (or a bare `--`). Returns each flag's
/// logical range with its processed text, and where the arguments start.
fn extract_flags(
    line: &[u8],
    from: usize,
    to: usize,
) -> (Vec<(std::ops::Range<usize>, String)>, usize) {
    let mut out = Vec::new();
    let mut pos = from;
    loop {
        while pos < to && is_ws(line[pos]) {
            pos += 1;
        }
        if pos >= to {
            return (out, to);
        }
        if !(line[pos] == b'-' && pos + 1 < to && line[pos + 1] == b'-') {
            return (out, pos);
        }
        // Read one word, processing quotes and backslashes.
        let start = pos;
        let mut word = Vec::new();
        let mut quote = 0u8;
        let mut blank_ok = false;
        while pos < to {
            let c = line[pos];
            if quote == 0 {
                if is_ws(c) {
                    break;
                }
                if c == b'\'' || c == b'"' {
                    quote = c;
                    blank_ok = true;
                    pos += 1;
                    continue;
                }
                if c == b'\\' {
                    pos += 1;
                    if pos < to {
                        word.push(line[pos]);
                        pos += 1;
                    }
                    continue;
                }
                word.push(c);
                pos += 1;
            } else {
                if c == quote {
                    quote = 0;
                    pos += 1;
                    continue;
                }
                if c == b'\\' {
                    pos += 1;
                    if pos < to {
                        word.push(line[pos]);
                        pos += 1;
                    }
                    continue;
                }
                word.push(c);
                pos += 1;
            }
        }
        if word == b"--" {
            // `--` ends the flags; BuildKit returns the rest after it.
            while pos < to && is_ws(line[pos]) {
                pos += 1;
            }
            return (out, pos);
        }
        if blank_ok || !word.is_empty() {
            out.push((start..pos, String::from_utf8_lossy(&word).into_owned()));
        }
    }
}
