//! Splitting the shell text of a `RUN` into top-level simple commands.
//!
//! [`parse`] reads POSIX `sh` text (as Docker hands it to `/bin/sh -c`, after
//! the Dockerfile line continuations are gone) and splits it at the top-level
//! separators `&&`, `||`, `;`, `|`, `&` and newline. Every command and word
//! carries a byte span into the input, so rules can cut a `RUN` at a top-level
//! `&&` and splice the pieces back without re-quoting anything.
//!
//! This is not a full shell parser. It knows enough to never split inside
//! quotes, `$(...)`, `` `...` ``, `${...}`, subshells, groups and the compound
//! commands (`if`/`for`/`while`/`until`/`case`/`[[`/functions), and it says so
//! in [`Script::problems`] whenever the text could not be split reliably
//! (unterminated quotes, heredocs, unbalanced parentheses, backgrounding,
//! syntax errors). A caller that rewrites commands should refuse when
//! `problems` is non-empty.
//!
//! The parser is iterative: nesting is tracked with explicit stacks, so
//! arbitrarily deep input cannot overflow the call stack, and it never panics.
//! All spans start and end on ASCII bytes (or the ends of the input), so they
//! always lie on `char` boundaries.

use std::ops::Range;

/// The shell text split into top-level commands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// The non-empty top-level commands, in order.
    pub commands: Vec<Command>,
    /// `separators[i]` stands between `commands[i]` and `commands[i + 1]`, so
    /// `separators.len() == commands.len().saturating_sub(1)` always holds.
    ///
    /// Where several separators follow each other without a command in
    /// between (`a;\n\nb`, `a &&\n b`), the first one is kept: newlines after
    /// a separator and blank lines are only whitespace. Separators with no
    /// command before them (`; a`, `a && ; b`) are reported in `problems`.
    pub separators: Vec<Separator>,
    /// A separator after the last command with no command following it
    /// (`a;`, `a &`, a final newline). A trailing `&&`, `||` or `|` is also
    /// recorded here, and reported in `problems` (it is a syntax error).
    pub trailing: Option<Separator>,
    /// Why the text could not be split reliably. Empty when it could.
    pub problems: Vec<String>,
}

impl Script {
    /// True when the text was split without any problem.
    pub fn is_reliable(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What stands between two top-level commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Separator {
    /// `&&`
    And,
    /// `||`
    Or,
    /// `;`
    Semi,
    /// `|` (also bash's `|&`)
    Pipe,
    /// `&` (always reported in [`Script::problems`] too)
    Background,
    /// An unescaped newline at top level.
    Newline,
}

impl Separator {
    /// The separator as written in shell text.
    pub fn as_str(self) -> &'static str {
        match self {
            Separator::And => "&&",
            Separator::Or => "||",
            Separator::Semi => ";",
            Separator::Pipe => "|",
            Separator::Background => "&",
            Separator::Newline => "\n",
        }
    }
}

/// One top-level command: a simple command, or a whole compound command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    /// From the first byte of the first token to the end of the last one
    /// (redirections included; surrounding blanks and comments excluded).
    pub span: Range<usize>,
    /// Leading `NAME=value` words (before the program name).
    pub assignments: Vec<Word>,
    /// The argument words after the assignments; redirection operators and
    /// their targets are not included. Empty for compound commands.
    pub words: Vec<Word>,
    /// A redirection (`>`, `>>`, `<`, `2>&1`, `<<EOF`, ...) appears anywhere
    /// in the command.
    pub has_redirections: bool,
    /// The command is a subshell `( ... )`, a group `{ ...; }`, starts with a
    /// reserved word (`if`, `for`, `while`, `until`, `case`, `[[`, `!`,
    /// `function`) or is a function definition `name() ...`.
    pub compound: bool,
    /// For a command that is a subshell or a group, the bytes between its
    /// opening and closing delimiter (untrimmed), so it can be parsed again.
    pub body: Option<Range<usize>>,
    /// The command's redirections, in order (heredoc bodies excluded).
    pub redirects: Vec<Redirect>,
}

/// One redirection: its operator as written (`>`, `2>>`, `<`, `>&`...) and its target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Redirect {
    pub op: String,
    pub target: Word,
}

impl Redirect {
    /// The operator writes to its target (`>`, `>>`, `>|`, `<>`, `&>`), as
    /// opposed to reading it or duplicating a descriptor (`>&2`, `2>&1`).
    pub fn writes(&self) -> bool {
        let op = self.op.trim_start_matches(|c: char| c.is_ascii_digit());
        matches!(op, ">" | ">>" | ">|" | "<>" | "&>" | "&>>")
            || (op == ">&" && !is_fd_target(&self.target.text))
    }

    /// The operator reads its target (`<`, `<>`).
    pub fn reads(&self) -> bool {
        let op = self.op.trim_start_matches(|c: char| c.is_ascii_digit());
        matches!(op, "<" | "<>") || (op == "<&" && !is_fd_target(&self.target.text))
    }
}

fn is_fd_target(t: &str) -> bool {
    t == "-" || (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

impl Command {
    /// The program name (first word's text), if any.
    pub fn program(&self) -> Option<&str> {
        self.words.first().map(|w| w.text.as_str())
    }

    /// The arguments after the program name.
    pub fn args(&self) -> &[Word] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// If this command is exactly `cd <literal word>` (no assignments, no
    /// redirections, not `cd -`), the directory.
    pub fn cd_target(&self) -> Option<&str> {
        if self.compound || self.has_redirections || !self.assignments.is_empty() {
            return None;
        }
        match self.words.as_slice() {
            [cd, dir] if cd.literal && cd.text == "cd" && dir.literal => {
                let dir = dir.text.as_str();
                (!dir.is_empty() && !dir.starts_with('-')).then_some(dir)
            }
            _ => None,
        }
    }
}

/// One word of a command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    /// The word's bytes in the input (a trailing line continuation excluded).
    pub span: Range<usize>,
    /// The value with quotes removed and backslash escapes resolved (POSIX
    /// rules: inside double quotes only `\$`, `` \` ``, `\"`, `\\` and
    /// `\newline` are escapes). Expansions (`$VAR`, `${..}`, `$(..)`,
    /// `` `..` ``, `$'..'`) are kept as their source text.
    pub text: String,
    /// False when the word contains an unquoted or double-quoted expansion,
    /// an unquoted glob character (`*`, `?`, `[` with a later `]`), or starts
    /// with an unquoted `~`: its value is then only known at run time.
    pub literal: bool,
}

impl Word {
    /// For an assignment word (as found in [`Command::assignments`]), the
    /// name and the value.
    pub fn assignment(&self) -> Option<(&str, &str)> {
        let (name, value) = self.text.split_once('=')?;
        is_name(name).then_some((name, value))
    }
}

/// Splits `src` into top-level commands and separators. Never panics.
pub fn parse(src: &str) -> Script {
    Parser::new(src).run()
}

fn is_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b) if b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric())
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Bytes that end an unquoted word.
fn is_word_end(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')'
    )
}

/// Length in bytes of the UTF-8 sequence starting with `b`.
fn utf8_len(b: u8) -> usize {
    match b {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

// ---------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Redir {
    /// `<`, `>`, `>>`, `<&`, `>&`, `<>`, `>|`, `<<<`
    Plain,
    /// `<<` or `<<-`
    Heredoc { strip_tabs: bool },
    /// bash's `&>` / `&>>`
    AmpGt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    AndIf,
    OrIf,
    Semi,
    /// `;;`, `;&`, `;;&`
    CaseEnd,
    Pipe,
    Amp,
    LParen,
    RParen,
    Redir(Redir),
}

#[derive(Debug)]
struct WordTok {
    word: Word,
    /// Some part of the word was quoted or escaped (no reserved word then).
    quoted: bool,
    /// The word looks like `NAME=...` with an unquoted name.
    assign: bool,
}

#[derive(Debug)]
enum Tok {
    Word(WordTok),
    Op(Op, Range<usize>),
    Newline(Range<usize>),
}

/// The nesting frames of [`Lexer::skip_nested`].
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Shell code: inside `$(` or a `(` within it.
    Code {
        case_depth: u32,
    },
    /// Arithmetic: inside `$((` or a `(` within it (`<<` is a shift there).
    Arith,
    /// `${`; `in_dq` when the expansion sits in double quotes, where single
    /// quotes are not quotes.
    Param {
        in_dq: bool,
    },
    DQuote,
    Backtick,
}

struct Lexer<'a> {
    b: &'a [u8],
    pos: usize,
    /// Heredoc delimiters whose bodies start after the next newline.
    heredocs: Vec<(Vec<u8>, bool)>,
    problems: Vec<String>,
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str) -> Self {
        Lexer {
            b: src.as_bytes(),
            pos: 0,
            heredocs: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.b.get(i).copied()
    }

    /// Length of a line continuation (`\` newline, or `\` CR LF) at `i`.
    fn continuation_at(&self, i: usize) -> usize {
        match (self.at(i), self.at(i + 1), self.at(i + 2)) {
            (Some(b'\\'), Some(b'\n'), _) => 2,
            (Some(b'\\'), Some(b'\r'), Some(b'\n')) => 3,
            _ => 0,
        }
    }

    /// Skips blanks, line continuations and a comment.
    fn skip_trivia(&mut self) {
        loop {
            match self.at(self.pos) {
                Some(b) if is_blank(b) => self.pos += 1,
                Some(b'\\') if self.continuation_at(self.pos) > 0 => {
                    self.pos += self.continuation_at(self.pos);
                }
                Some(b'#') => {
                    while !matches!(self.at(self.pos), None | Some(b'\n')) {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    /// If the next non-blank byte is `)`, the position after it.
    fn peek_close_paren(&self) -> Option<usize> {
        let mut i = self.pos;
        while matches!(self.at(i), Some(b) if is_blank(b)) {
            i += 1;
        }
        (self.at(i) == Some(b')')).then_some(i + 1)
    }

    fn next_token(&mut self) -> Option<Tok> {
        self.skip_trivia();
        let start = self.pos;
        let c = self.at(start)?;
        let op = |len: usize, op: Op| (len, op);
        let (len, op) = match (c, self.at(start + 1), self.at(start + 2)) {
            (b'\n', ..) => return Some(self.newline(start, 1)),
            (b'\r', Some(b'\n'), _) => return Some(self.newline(start, 2)),
            (b'&', Some(b'&'), _) => op(2, Op::AndIf),
            (b'&', Some(b'>'), Some(b'>')) => op(3, Op::Redir(Redir::AmpGt)),
            (b'&', Some(b'>'), _) => op(2, Op::Redir(Redir::AmpGt)),
            (b'&', ..) => op(1, Op::Amp),
            (b'|', Some(b'|'), _) => op(2, Op::OrIf),
            (b'|', Some(b'&'), _) => op(2, Op::Pipe),
            (b'|', ..) => op(1, Op::Pipe),
            (b';', Some(b';'), Some(b'&')) => op(3, Op::CaseEnd),
            (b';', Some(b';' | b'&'), _) => op(2, Op::CaseEnd),
            (b';', ..) => op(1, Op::Semi),
            (b'(', ..) => op(1, Op::LParen),
            (b')', ..) => op(1, Op::RParen),
            (b'<' | b'>', ..) => return Some(self.redirection(start, start)),
            (b'0'..=b'9', ..) => {
                // An IO number (`2>&1`) belongs to the redirection.
                let mut i = start;
                while matches!(self.at(i), Some(b'0'..=b'9')) {
                    i += 1;
                }
                if matches!(self.at(i), Some(b'<' | b'>')) {
                    return Some(self.redirection(start, i));
                }
                return Some(Tok::Word(self.word()));
            }
            _ => return Some(Tok::Word(self.word())),
        };
        self.pos = start + len;
        Some(Tok::Op(op, start..self.pos))
    }

    fn newline(&mut self, start: usize, len: usize) -> Tok {
        self.pos = start + len;
        if !self.heredocs.is_empty() {
            self.skip_heredoc_bodies();
        }
        Tok::Newline(start..start + len)
    }

    /// A redirection operator at `op` (an IO number may start at `start`).
    fn redirection(&mut self, start: usize, op: usize) -> Tok {
        let next = (self.at(op + 1), self.at(op + 2));
        let (len, kind) = match (self.b[op], next) {
            (b'<', (Some(b'<'), Some(b'<'))) => (3, Redir::Plain),
            (b'<', (Some(b'<'), Some(b'-'))) => (3, Redir::Heredoc { strip_tabs: true }),
            (b'<', (Some(b'<'), _)) => (2, Redir::Heredoc { strip_tabs: false }),
            (b'<', (Some(b'&' | b'>'), _)) => (2, Redir::Plain),
            (b'>', (Some(b'>' | b'&' | b'|'), _)) => (2, Redir::Plain),
            _ => (1, Redir::Plain),
        };
        self.pos = op + len;
        Tok::Op(Op::Redir(kind), start..self.pos)
    }

    /// Skips the bodies of the pending heredocs, starting at `self.pos`.
    fn skip_heredoc_bodies(&mut self) {
        for (delim, strip_tabs) in std::mem::take(&mut self.heredocs) {
            loop {
                if self.pos >= self.b.len() {
                    self.problems.push(format!(
                        "heredoc delimited by `{}` is not terminated",
                        String::from_utf8_lossy(&delim)
                    ));
                    break;
                }
                let rest = &self.b[self.pos..];
                let line_len = rest.iter().position(|&b| b == b'\n');
                let mut line = &rest[..line_len.unwrap_or(rest.len())];
                self.pos += line_len.map_or(rest.len(), |n| n + 1);
                if let [head @ .., b'\r'] = line {
                    line = head;
                }
                if strip_tabs {
                    while let [b'\t', tail @ ..] = line {
                        line = tail;
                    }
                }
                if line == delim.as_slice() {
                    break;
                }
            }
        }
    }

    /// Lexes one word starting at `self.pos`.
    fn word(&mut self) -> WordTok {
        let start = self.pos;
        let mut text = Vec::new();
        let mut literal = true;
        let mut quoted = false;
        // The text so far is made only of unquoted name characters.
        let mut name_prefix = true;
        let mut assign = false;
        // Unquoted `[` before this position have no `]` after them in the
        // word: remembered so a run of `[` is scanned once, not once per `[`.
        let mut no_close_until = start;
        let mut i = start;
        let mut end = start;
        while let Some(c) = self.at(i) {
            if is_word_end(c) || (c == b'\r' && self.at(i + 1) == Some(b'\n')) {
                break;
            }
            match c {
                b'\\' => {
                    let cont = self.continuation_at(i);
                    if cont > 0 {
                        i += cont;
                        continue;
                    }
                    name_prefix = false;
                    match self.at(i + 1) {
                        Some(next) => {
                            let n = utf8_len(next).min(self.b.len() - (i + 1));
                            text.extend_from_slice(&self.b[i + 1..i + 1 + n]);
                            quoted = true;
                            i += 1 + n;
                        }
                        None => {
                            text.push(b'\\');
                            i += 1;
                        }
                    }
                }
                b'\'' => {
                    name_prefix = false;
                    quoted = true;
                    i = self.single_quoted(i, &mut text);
                }
                b'"' => {
                    name_prefix = false;
                    quoted = true;
                    i = self.double_quoted(i, &mut text, &mut literal);
                }
                b'$' => {
                    name_prefix = false;
                    i = self.dollar(i, false, &mut text, &mut literal);
                }
                b'`' => {
                    name_prefix = false;
                    literal = false;
                    let j = self.skip_nested(i, false);
                    text.extend_from_slice(&self.b[i..j]);
                    i = j;
                }
                _ => {
                    match c {
                        b'*' | b'?' => literal = false,
                        b'[' if literal && i >= no_close_until => match self.bracket_close(i) {
                            Ok(()) => literal = false,
                            Err(stop) => no_close_until = stop,
                        },
                        b'~' if i == start => literal = false,
                        b'=' if name_prefix && !text.is_empty() => assign = true,
                        _ => {}
                    }
                    let first_digit = text.is_empty() && c.is_ascii_digit();
                    if !(c == b'_' || c.is_ascii_alphanumeric()) || first_digit {
                        name_prefix = false;
                    }
                    text.push(c);
                    i += 1;
                }
            }
            end = i;
        }
        self.pos = i.max(start + 1).min(self.b.len());
        let text = match String::from_utf8(text) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        WordTok {
            word: Word {
                span: start..end.max(start),
                text,
                literal,
            },
            quoted,
            assign,
        }
    }

    /// An unquoted `[` at `i` is a glob when a `]` follows in the same word:
    /// `Ok` if one does, else `Err` with the end of the bytes scanned.
    fn bracket_close(&self, i: usize) -> Result<(), usize> {
        let rest = &self.b[i + 1..];
        let word_len = rest
            .iter()
            .position(|&b| is_word_end(b))
            .unwrap_or(rest.len());
        match memchr::memchr(b']', &rest[..word_len]) {
            Some(_) => Ok(()),
            None => Err(i + 1 + word_len),
        }
    }

    /// `'...'` at `i`; returns the position after it.
    fn single_quoted(&mut self, i: usize, text: &mut Vec<u8>) -> usize {
        let body = i + 1;
        match self.b[body..].iter().position(|&b| b == b'\'') {
            Some(n) => {
                text.extend_from_slice(&self.b[body..body + n]);
                body + n + 1
            }
            None => {
                self.problems
                    .push(format!("unterminated single quote at byte {i}"));
                text.extend_from_slice(&self.b[body..]);
                self.b.len()
            }
        }
    }

    /// `"..."` at `i`; returns the position after it.
    fn double_quoted(&mut self, i: usize, text: &mut Vec<u8>, literal: &mut bool) -> usize {
        let mut j = i + 1;
        loop {
            let Some(c) = self.at(j) else {
                self.problems
                    .push(format!("unterminated double quote at byte {i}"));
                return j;
            };
            match c {
                b'"' => return j + 1,
                b'\\' => {
                    let cont = self.continuation_at(j);
                    if cont > 0 {
                        j += cont;
                    } else if let Some(e @ (b'$' | b'`' | b'"' | b'\\')) = self.at(j + 1) {
                        text.push(e);
                        j += 2;
                    } else {
                        text.push(b'\\');
                        j += 1;
                    }
                }
                b'$' => j = self.dollar(j, true, text, literal),
                b'`' => {
                    *literal = false;
                    let end = self.skip_nested(j, true);
                    text.extend_from_slice(&self.b[j..end]);
                    j = end;
                }
                _ => {
                    text.push(c);
                    j += 1;
                }
            }
        }
    }

    /// A `$` at `i`; returns the position after the expansion.
    fn dollar(&mut self, i: usize, in_dq: bool, text: &mut Vec<u8>, literal: &mut bool) -> usize {
        let end = match self.at(i + 1) {
            Some(b'(' | b'{') => self.skip_nested(i, in_dq),
            Some(b'\'') if !in_dq => self.ansi_c_quoted(i),
            Some(b) if b == b'_' || b.is_ascii_alphabetic() => {
                let mut j = i + 2;
                while matches!(self.at(j), Some(b) if b == b'_' || b.is_ascii_alphanumeric()) {
                    j += 1;
                }
                j
            }
            Some(b'0'..=b'9' | b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => i + 2,
            _ => {
                text.push(b'$');
                return i + 1;
            }
        };
        *literal = false;
        text.extend_from_slice(&self.b[i..end]);
        end
    }

    /// bash's `$'...'` at `i`; returns the position after it.
    fn ansi_c_quoted(&mut self, i: usize) -> usize {
        let mut j = i + 2;
        loop {
            match self.at(j) {
                None => {
                    self.problems
                        .push(format!("unterminated $'...' quote at byte {i}"));
                    return j;
                }
                Some(b'\\') => j = (j + 2).min(self.b.len()),
                Some(b'\'') => return j + 1,
                Some(_) => j += 1,
            }
        }
    }

    /// Skips a `$(...)`, `$((...))`, `${...}` or `` `...` `` starting at `start`,
    /// with an explicit stack; returns the position after it.
    fn skip_nested(&mut self, start: usize, in_dq: bool) -> usize {
        let (first, mut i, what) = match (self.b[start], self.at(start + 1)) {
            (b'`', _) => (Frame::Backtick, start + 1, "backquote"),
            (_, Some(b'{')) => (Frame::Param { in_dq }, start + 2, "${"),
            _ if self.at(start + 2) == Some(b'(') => (Frame::Arith, start + 2, "$(("),
            _ => (Frame::Code { case_depth: 0 }, start + 2, "$("),
        };
        let mut stack = vec![first];
        let mut heredoc_reported = false;
        while let Some(&top) = stack.last() {
            let Some(c) = self.at(i) else {
                self.problems
                    .push(format!("unterminated {what} at byte {start}"));
                return self.b.len();
            };
            // Escapes and nested openings shared by several frames.
            match (top, c) {
                (Frame::Backtick, b'`') | (Frame::DQuote, b'"') | (Frame::Param { .. }, b'}') => {
                    stack.pop();
                    i += 1;
                    continue;
                }
                (_, b'\\') => {
                    i = (i + 2).min(self.b.len());
                    continue;
                }
                (Frame::Backtick, _) => {
                    i += 1;
                    continue;
                }
                (_, b'`') => {
                    stack.push(Frame::Backtick);
                    i += 1;
                    continue;
                }
                (_, b'$') => {
                    match self.at(i + 1) {
                        Some(b'(') if self.at(i + 2) == Some(b'(') => stack.push(Frame::Arith),
                        Some(b'(') => stack.push(Frame::Code { case_depth: 0 }),
                        Some(b'{') => stack.push(Frame::Param {
                            in_dq: matches!(top, Frame::DQuote)
                                || matches!(top, Frame::Param { in_dq: true }),
                        }),
                        Some(b'\'') if !matches!(top, Frame::DQuote) => {
                            i = self.ansi_c_quoted(i);
                            continue;
                        }
                        _ => {
                            i += 1;
                            continue;
                        }
                    }
                    i += 2;
                    continue;
                }
                (Frame::DQuote, _) => {
                    i += 1;
                    continue;
                }
                (Frame::Param { in_dq: false } | Frame::Code { .. } | Frame::Arith, b'\'') => {
                    match self.b[i + 1..].iter().position(|&b| b == b'\'') {
                        Some(n) => i += n + 2,
                        None => {
                            self.problems
                                .push(format!("unterminated single quote at byte {i}"));
                            return self.b.len();
                        }
                    }
                    continue;
                }
                (_, b'"') => {
                    stack.push(Frame::DQuote);
                    i += 1;
                    continue;
                }
                (Frame::Arith, b'(') => {
                    stack.push(Frame::Arith);
                    i += 1;
                    continue;
                }
                (Frame::Arith, b')') => {
                    stack.pop();
                    i += 1;
                    continue;
                }
                (Frame::Param { .. } | Frame::Arith, _) => {
                    i += 1;
                    continue;
                }
                (Frame::Code { .. }, _) => {}
            }
            // Shell code inside `$( )`.
            let word_start = i == 0 || is_word_end(self.b[i - 1]);
            match c {
                b'(' => {
                    stack.push(Frame::Code { case_depth: 0 });
                    i += 1;
                }
                b')' => {
                    if let Some(Frame::Code { case_depth: 0 }) = stack.last() {
                        stack.pop();
                    }
                    i += 1;
                }
                b'#' if word_start => {
                    while !matches!(self.at(i), None | Some(b'\n')) {
                        i += 1;
                    }
                }
                b'<' if self.at(i + 1) == Some(b'<') => {
                    if self.at(i + 2) == Some(b'<') {
                        i += 3;
                    } else {
                        if !heredoc_reported {
                            heredoc_reported = true;
                            self.problems
                                .push(format!("heredoc in command substitution at byte {i}"));
                        }
                        i += 2;
                    }
                }
                b'a'..=b'z' if word_start => {
                    let mut j = i;
                    while matches!(self.at(j), Some(b'a'..=b'z')) {
                        j += 1;
                    }
                    let delimited = !matches!(self.at(j), Some(b) if !is_word_end(b));
                    if let Some(Frame::Code { case_depth }) = stack.last_mut() {
                        match &self.b[i..j] {
                            b"case" if delimited => *case_depth += 1,
                            b"esac" if delimited && *case_depth > 0 => *case_depth -= 1,
                            _ => {}
                        }
                    }
                    i = j;
                }
                _ => i += 1,
            }
        }
        i
    }
}

// ---------------------------------------------------------------------------
// Parser

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaseState {
    /// After `case`, expecting the subject word.
    Subject,
    /// Expecting `in`.
    In,
    /// Expecting a pattern (or `esac`).
    Pattern,
    /// In the commands of an arm.
    Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    Paren,
    Brace,
    If,
    Loop,
    Case(CaseState),
    DBracket,
}

impl Block {
    fn opener(self) -> &'static str {
        match self {
            Block::Paren => "(",
            Block::Brace => "{",
            Block::If => "if",
            Block::Loop => "for/while/until",
            Block::Case(_) => "case",
            Block::DBracket => "[[",
        }
    }
}

#[derive(Debug, Default)]
struct Builder {
    cmd: Command,
    /// A subshell or group opened as the first token: (stack depth, body start).
    body_open: Option<usize>,
    /// A compound command at top level has been closed.
    closed: bool,
    /// After a function name: the body may still follow a newline.
    awaiting_body: bool,
}

impl Builder {
    /// Compound commands keep no words: their text is only in the span.
    fn set_compound(&mut self) {
        self.cmd.compound = true;
        self.cmd.words.clear();
        self.cmd.assignments.clear();
    }
}

struct Parser<'a> {
    lx: Lexer<'a>,
    script: Script,
    cur: Option<Builder>,
    pending: Option<Separator>,
    stack: Vec<Block>,
    /// How many `[[` blocks the stack holds (a scan of the stack at every `(`
    /// made a long run of them quadratic).
    dbrackets: usize,
    /// The next word is in command position (reserved words are recognised).
    cmd_pos: bool,
    /// A redirection operator is waiting for its target word.
    redir: Option<(Redir, Range<usize>)>,
    /// After `function`, the next word is the function's name.
    func_name_next: bool,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Self {
        Parser {
            lx: Lexer::new(src),
            script: Script::default(),
            cur: None,
            pending: None,
            stack: Vec::new(),
            dbrackets: 0,
            cmd_pos: true,
            redir: None,
            func_name_next: false,
        }
    }

    fn problem(&mut self, msg: String) {
        self.script.problems.push(msg);
    }

    fn run(mut self) -> Script {
        while let Some(tok) = self.lx.next_token() {
            if let Some((kind, op)) = self.redir.take() {
                let at = op.start;
                if let Tok::Word(w) = &tok {
                    self.extend(w.word.span.end);
                    if let Some(b) = &mut self.cur {
                        b.cmd.redirects.push(Redirect {
                            op: String::from_utf8_lossy(&self.lx.b[op]).into_owned(),
                            target: w.word.clone(),
                        });
                    }
                    if let Redir::Heredoc { strip_tabs } = kind {
                        let delim = w.word.text.as_bytes().to_vec();
                        self.lx.heredocs.push((delim, strip_tabs));
                    }
                    continue;
                }
                self.problem(format!("redirection without a target at byte {at}"));
            }
            match tok {
                Tok::Newline(span) => self.separator(Separator::Newline, span),
                Tok::Word(w) => self.word(w),
                Tok::Op(op, span) => self.op(op, span),
            }
        }
        if let Some((_, op)) = &self.redir {
            let at = op.start;
            self.problem(format!("redirection without a target at byte {at}"));
        }
        if let Some(outer) = self.stack.first() {
            let msg = match self.stack.len() {
                1 => format!("unterminated `{}`", outer.opener()),
                n => format!("unterminated `{}` ({n} blocks open)", outer.opener()),
            };
            self.problem(msg);
        }
        if let Some(b) = self.cur.take() {
            self.finish(b);
        } else if let Some(sep) = self.pending.take() {
            if matches!(sep, Separator::And | Separator::Or | Separator::Pipe) {
                self.problem(format!("the text ends with `{}`", sep.as_str()));
            }
            self.script.trailing = Some(sep);
        }
        let mut problems = std::mem::take(&mut self.lx.problems);
        problems.append(&mut self.script.problems);
        self.script.problems = problems;
        self.script
    }

    fn builder(&mut self, start: usize) -> &mut Builder {
        self.cur.get_or_insert_with(|| Builder {
            cmd: Command {
                span: start..start,
                ..Command::default()
            },
            ..Builder::default()
        })
    }

    fn extend(&mut self, end: usize) {
        if let Some(b) = &mut self.cur {
            b.cmd.span.end = b.cmd.span.end.max(end);
        }
    }

    fn finish(&mut self, b: Builder) {
        if !self.script.commands.is_empty() {
            let sep = self.pending.take().unwrap_or(Separator::Newline);
            self.script.separators.push(sep);
        }
        self.pending = None;
        self.script.commands.push(b.cmd);
    }

    fn separator(&mut self, sep: Separator, span: Range<usize>) {
        if sep == Separator::Background {
            self.problem(format!("backgrounding `&` at byte {}", span.start));
        }
        self.cmd_pos = true;
        if !self.stack.is_empty() {
            return;
        }
        if let Some(b) = &self.cur {
            if b.awaiting_body && sep == Separator::Newline {
                return;
            }
        }
        self.func_name_next = false;
        match self.cur.take() {
            Some(b) => {
                self.finish(b);
                self.pending = Some(sep);
            }
            None if sep == Separator::Newline => {}
            None => self.problem(format!(
                "`{}` without a command before it at byte {}",
                sep.as_str(),
                span.start
            )),
        }
    }

    fn top(&self) -> Option<Block> {
        self.stack.last().copied()
    }

    fn set_top(&mut self, block: Block) {
        if let Some(top) = self.stack.last_mut() {
            let old = std::mem::replace(top, block);
            self.dbrackets = self.dbrackets + usize::from(block == Block::DBracket)
                - usize::from(old == Block::DBracket);
        }
    }

    fn push_block(&mut self, block: Block) {
        self.dbrackets += usize::from(block == Block::DBracket);
        self.stack.push(block);
    }

    fn in_dbracket(&self) -> bool {
        self.dbrackets > 0
    }

    /// Pops the top block if it is `want`; reports a problem otherwise.
    fn close(&mut self, want: fn(Block) -> bool, what: &str, span: &Range<usize>) {
        match self.top() {
            Some(top) if want(top) => {
                self.stack.pop();
                self.dbrackets -= usize::from(top == Block::DBracket);
                if self.stack.is_empty() {
                    if let Some(b) = &mut self.cur {
                        b.closed = true;
                        if let Some(open) = b.body_open.take() {
                            b.cmd.body = Some(open..span.start);
                        }
                    }
                }
            }
            _ => self.problem(format!("unexpected `{what}` at byte {}", span.start)),
        }
        self.cmd_pos = false;
    }

    fn word(&mut self, w: WordTok) {
        let span = w.word.span.clone();
        let reserved = if w.quoted { "" } else { w.word.text.as_str() };
        if let Some(Block::DBracket) = self.top() {
            self.extend(span.end);
            if reserved == "]]" {
                self.close(|b| b == Block::DBracket, "]]", &span);
            }
            return;
        }
        if let Some(Block::Case(state)) = self.top() {
            let next = match state {
                CaseState::Subject => Some(CaseState::In),
                CaseState::In => {
                    if reserved != "in" {
                        self.problem(format!("expected `in` at byte {}", span.start));
                    }
                    Some(CaseState::Pattern)
                }
                CaseState::Pattern => None,
                CaseState::Body => Some(CaseState::Body),
            };
            if state != CaseState::Body {
                self.extend(span.end);
                match next {
                    Some(next) => self.set_top(Block::Case(next)),
                    None if reserved == "esac" => {
                        self.close(|b| matches!(b, Block::Case(_)), "esac", &span)
                    }
                    None => {}
                }
                return;
            }
        }
        let first = self.cur.is_none();
        self.builder(span.start);
        self.extend(span.end);
        if self.func_name_next {
            self.func_name_next = false;
            self.cmd_pos = true;
            if let Some(b) = &mut self.cur {
                b.awaiting_body = true;
            }
            return;
        }
        if let Some(b) = &mut self.cur {
            b.awaiting_body = false;
        }
        if self.cmd_pos && !reserved.is_empty() && self.reserved_word(reserved, first, &span) {
            return;
        }
        self.cmd_pos = false;
        let top_level = self.stack.is_empty();
        let closed = self.cur.as_ref().is_some_and(|b| b.closed);
        if top_level && closed {
            self.problem(format!(
                "unexpected word after a compound command at byte {}",
                span.start
            ));
        }
        if let Some(b) = &mut self.cur {
            if top_level && !b.cmd.compound {
                if w.assign && b.cmd.words.is_empty() {
                    b.cmd.assignments.push(w.word);
                } else {
                    b.cmd.words.push(w.word);
                }
            }
        }
    }

    /// Handles a reserved word in command position; false if `word` is not one.
    fn reserved_word(&mut self, word: &str, first: bool, span: &Range<usize>) -> bool {
        let open = |p: &mut Self, block: Block, cmd_pos: bool| {
            p.push_block(block);
            p.cmd_pos = cmd_pos;
        };
        match word {
            "if" => open(self, Block::If, true),
            "while" | "until" => open(self, Block::Loop, true),
            "for" | "select" => open(self, Block::Loop, false),
            "case" => open(self, Block::Case(CaseState::Subject), false),
            "[[" => open(self, Block::DBracket, false),
            "{" => {
                if first {
                    if let Some(b) = &mut self.cur {
                        b.body_open = Some(span.end);
                    }
                }
                open(self, Block::Brace, true);
            }
            "then" | "else" | "elif" => {
                if self.top() != Some(Block::If) {
                    self.problem(format!("unexpected `{word}` at byte {}", span.start));
                }
                self.cmd_pos = true;
            }
            "do" => {
                if self.top() != Some(Block::Loop) {
                    self.problem(format!("unexpected `do` at byte {}", span.start));
                }
                self.cmd_pos = true;
            }
            "fi" => self.close(|b| b == Block::If, word, span),
            "done" => self.close(|b| b == Block::Loop, word, span),
            "}" => self.close(|b| b == Block::Brace, word, span),
            "esac" => self.close(|b| b == Block::Case(CaseState::Body), word, span),
            "!" => self.cmd_pos = true,
            "function" => {
                self.func_name_next = true;
                self.cmd_pos = false;
            }
            _ => return false,
        }
        if let Some(b) = &mut self.cur {
            b.set_compound();
        }
        true
    }

    fn op(&mut self, op: Op, span: Range<usize>) {
        match op {
            Op::AndIf => self.separator(Separator::And, span),
            Op::OrIf => self.separator(Separator::Or, span),
            Op::Semi => self.separator(Separator::Semi, span),
            Op::Pipe => self.separator(Separator::Pipe, span),
            Op::Amp => self.separator(Separator::Background, span),
            Op::CaseEnd => {
                if self.top() == Some(Block::Case(CaseState::Body)) {
                    self.extend(span.end);
                    self.set_top(Block::Case(CaseState::Pattern));
                } else {
                    self.problem(format!("unexpected `;;` at byte {}", span.start));
                    self.separator(Separator::Semi, span);
                }
            }
            Op::Redir(kind) => {
                if self.in_dbracket() {
                    // A comparison inside `[[ ]]`.
                    self.extend(span.end);
                    return;
                }
                match kind {
                    Redir::Heredoc { .. } => {
                        self.problem(format!("heredoc at byte {}", span.start));
                    }
                    Redir::AmpGt => self.problem(format!(
                        "`&>` at byte {} is a bash redirection; POSIX sh runs the command \
                         in the background",
                        span.start
                    )),
                    Redir::Plain => {}
                }
                self.builder(span.start).cmd.has_redirections = true;
                self.extend(span.end);
                self.redir = Some((kind, span.clone()));
            }
            Op::LParen => self.lparen(span),
            Op::RParen => match self.top() {
                Some(Block::Case(CaseState::Pattern)) => {
                    self.extend(span.end);
                    self.set_top(Block::Case(CaseState::Body));
                    self.cmd_pos = true;
                }
                Some(Block::Paren) => {
                    self.extend(span.end);
                    self.close(|b| b == Block::Paren, ")", &span);
                }
                _ => self.problem(format!("unbalanced `)` at byte {}", span.start)),
            },
        }
    }

    fn lparen(&mut self, span: Range<usize>) {
        if self.top() == Some(Block::Case(CaseState::Pattern)) {
            self.extend(span.end);
            return;
        }
        // A function definition: `name()` or `function name()`.
        let is_func_name = self.cur.as_ref().is_some_and(|b| {
            b.awaiting_body
                || (!b.cmd.compound && b.cmd.assignments.is_empty() && b.cmd.words.len() == 1)
        });
        if self.stack.is_empty() && is_func_name {
            if let Some(after) = self.lx.peek_close_paren() {
                self.lx.pos = after;
                self.extend(after);
                if let Some(b) = &mut self.cur {
                    b.set_compound();
                    b.awaiting_body = true;
                }
                self.cmd_pos = true;
                return;
            }
        }
        if !self.cmd_pos && !self.in_dbracket() {
            self.problem(format!("unexpected `(` at byte {}", span.start));
        }
        let first = self.cur.is_none();
        let b = self.builder(span.start);
        b.set_compound();
        b.awaiting_body = false;
        if first {
            b.body_open = Some(span.end);
        }
        self.extend(span.end);
        self.push_block(Block::Paren);
        self.cmd_pos = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(s: &Script) -> Vec<Option<&str>> {
        s.commands.iter().map(|c| c.program()).collect()
    }

    fn texts(c: &Command) -> Vec<&str> {
        c.words.iter().map(|w| w.text.as_str()).collect()
    }

    fn cmd_src<'a>(src: &'a str, c: &Command) -> &'a str {
        &src[c.span.clone()]
    }

    fn reliable(src: &str) -> Script {
        let s = parse(src);
        assert!(s.problems.is_empty(), "{src:?}: {:?}", s.problems);
        check_invariants(src, &s);
        s
    }

    /// Structural invariants that hold for every input.
    fn check_invariants(src: &str, s: &Script) {
        assert_eq!(
            s.separators.len(),
            s.commands.len().saturating_sub(1),
            "{src:?}"
        );
        let mut prev_end = 0;
        for c in &s.commands {
            assert!(c.span.start <= c.span.end && c.span.end <= src.len());
            assert!(prev_end <= c.span.start, "{src:?}: overlapping commands");
            assert!(src.is_char_boundary(c.span.start) && src.is_char_boundary(c.span.end));
            prev_end = c.span.end;
            for w in c.assignments.iter().chain(&c.words) {
                assert!(c.span.start <= w.span.start && w.span.end <= c.span.end);
                assert!(src.is_char_boundary(w.span.start) && src.is_char_boundary(w.span.end));
            }
            if let Some(body) = &c.body {
                assert!(c.span.start < body.start && body.end < c.span.end);
                assert!(src.is_char_boundary(body.start) && src.is_char_boundary(body.end));
            }
            if c.compound {
                assert!(c.words.is_empty() && c.assignments.is_empty());
            }
        }
    }

    #[test]
    fn and_chain() {
        let src = "npm ci && npm run build";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        assert_eq!(s.separators, vec![Separator::And]);
        assert_eq!(texts(&s.commands[0]), ["npm", "ci"]);
        assert_eq!(texts(&s.commands[1]), ["npm", "run", "build"]);
        assert_eq!(cmd_src(src, &s.commands[0]), "npm ci");
        assert_eq!(cmd_src(src, &s.commands[1]), "npm run build");
        assert_eq!(s.trailing, None);
    }

    #[test]
    fn cd_then_pip() {
        let src = "cd /app && pip install -r requirements.txt";
        let s = reliable(src);
        assert_eq!(s.commands[0].cd_target(), Some("/app"));
        assert_eq!(s.commands[1].cd_target(), None);
        assert_eq!(s.commands[1].program(), Some("pip"));
        let args: Vec<&str> = s.commands[1].args().iter().map(|w| &*w.text).collect();
        assert_eq!(args, ["install", "-r", "requirements.txt"]);
    }

    #[test]
    fn cd_target_edge_cases() {
        for (src, want) in [
            ("cd app", Some("app")),
            ("cd 'my dir'", Some("my dir")),
            ("cd $HOME", None),
            ("cd ~/x", None),
            ("cd -", None),
            ("cd", None),
            ("cd a b", None),
            ("cd a > /dev/null", None),
            ("X=1 cd a", None),
            ("(cd a)", None),
        ] {
            let s = parse(src);
            assert_eq!(s.commands[0].cd_target(), want, "{src}");
        }
    }

    #[test]
    fn assignments() {
        let src = r#"FOO=1 BAR="a b" npm ci"#;
        let s = reliable(src);
        let c = &s.commands[0];
        assert_eq!(c.assignments.len(), 2);
        assert_eq!(c.assignments[0].assignment(), Some(("FOO", "1")));
        assert_eq!(c.assignments[1].assignment(), Some(("BAR", "a b")));
        assert_eq!(&src[c.assignments[1].span.clone()], r#"BAR="a b""#);
        assert_eq!(texts(c), ["npm", "ci"]);
        assert_eq!(c.program(), Some("npm"));
        // Not assignments: after the program, quoted name, no name.
        let s = reliable(r#"env A=1 && "B"=2 x && =3 y && 1A=2 z"#);
        assert!(s.commands.iter().all(|c| c.assignments.is_empty()));
        assert_eq!(s.commands[0].words[1].text, "A=1");
        // Only assignments.
        let s = reliable("A=1 B=$x");
        assert_eq!(s.commands[0].assignments.len(), 2);
        assert_eq!(s.commands[0].program(), None);
        assert!(!s.commands[0].assignments[1].literal);
    }

    #[test]
    fn quoted_operators_do_not_split() {
        let s = reliable(r#"echo "a && b" && x"#);
        assert_eq!(s.commands.len(), 2);
        assert_eq!(texts(&s.commands[0]), ["echo", "a && b"]);
        let s = reliable("echo 'a; b | c' ; x");
        assert_eq!(texts(&s.commands[0]), ["echo", "a; b | c"]);
        assert_eq!(s.separators, [Separator::Semi]);
    }

    #[test]
    fn command_substitution() {
        let src = "$(cd x && y) && z";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        let w = &s.commands[0].words[0];
        assert_eq!(w.text, "$(cd x && y)");
        assert!(!w.literal);
        assert_eq!(s.commands[1].program(), Some("z"));

        let s = reliable(r#"echo "$(echo ")" && (x))" ; y"#);
        assert_eq!(s.commands.len(), 2);
        let s = reliable("echo $(( 1 + (2 * 3) )) && y");
        assert_eq!(s.commands.len(), 2);
        assert_eq!(s.commands[0].words[1].text, "$(( 1 + (2 * 3) ))");
        let s = reliable("echo $((1 << 2)) $(( (1) )) \"$((2))\" $(echo $((3<<1))) && y");
        assert_eq!(s.commands.len(), 2);
        let s = reliable("x=$(case $a in b) echo;; esac) && y");
        assert_eq!(s.commands.len(), 2);
        let s = reliable("echo $(echo a # comment )\n) && y");
        assert_eq!(s.commands.len(), 2);
        let s = reliable("echo ${A:-'}'} ${B:-\"}\"} && y");
        assert_eq!(s.commands.len(), 2);
        assert_eq!(s.commands[0].words[1].text, "${A:-'}'}");
    }

    #[test]
    fn backticks() {
        let src = "echo `cd a && pwd` && b";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        let w = &s.commands[0].words[1];
        assert_eq!(w.text, "`cd a && pwd`");
        assert!(!w.literal);
        assert_eq!(&src[w.span.clone()], "`cd a && pwd`");
        let s = reliable(r"echo `echo \` ; x` ; y");
        assert_eq!(s.commands.len(), 2);
    }

    #[test]
    fn subshell() {
        let src = "(cd a && make) && b";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        let c = &s.commands[0];
        assert!(c.compound);
        assert!(c.words.is_empty());
        assert_eq!(cmd_src(src, c), "(cd a && make)");
        assert_eq!(&src[c.body.clone().unwrap()], "cd a && make");
        assert_eq!(s.separators, [Separator::And]);
        assert!(!s.commands[1].compound);

        let src = "{ a; b; } > log; c";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        assert!(s.commands[0].compound && s.commands[0].has_redirections);
        assert_eq!(cmd_src(src, &s.commands[0]), "{ a; b; } > log");
        assert_eq!(&src[s.commands[0].body.clone().unwrap()], " a; b; ");
    }

    #[test]
    fn compound_commands() {
        let src = "if [ -f x ]; then a; fi && b";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        assert!(s.commands[0].compound);
        assert_eq!(cmd_src(src, &s.commands[0]), "if [ -f x ]; then a; fi");
        assert_eq!(s.commands[1].program(), Some("b"));

        let src = "for f in a b; do echo $f; done\nwhile true; do break; done | cat";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 3);
        assert_eq!(s.separators, [Separator::Newline, Separator::Pipe]);

        let src = "case $x in a|b) echo a;; (c) if x; then y; fi ;; *) z; esac && w";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        assert!(s.commands[0].compound);
        assert!(cmd_src(src, &s.commands[0]).ends_with("esac"));

        let s = reliable("[[ -f a && ( b || c ) ]] && d");
        assert_eq!(s.commands.len(), 2);
        assert!(s.commands[0].compound);

        let s = reliable("! grep x y && z");
        assert_eq!(s.commands.len(), 2);
        assert!(s.commands[0].compound);

        let s = reliable("f() { a && b; }; f && g");
        assert_eq!(programs(&s), [None, Some("f"), Some("g")]);
        let s = reliable("function f { a; }\nf");
        assert_eq!(programs(&s), [None, Some("f")]);
        let s = reliable("f()\n{\na\n}\nf");
        assert_eq!(programs(&s), [None, Some("f")]);

        // Reserved words are only reserved in command position, unquoted.
        let s = reliable("echo if then fi && 'if' x");
        assert_eq!(s.commands.len(), 2);
        assert_eq!(programs(&s), [Some("echo"), Some("if")]);
        let s = reliable("if a\nthen\n  b\nelif c; then d\nelse e\nfi");
        assert_eq!(s.commands.len(), 1);
    }

    #[test]
    fn or_pipe_semi() {
        let s = reliable("a || b");
        assert_eq!(s.separators, [Separator::Or]);
        let s = reliable("a | b");
        assert_eq!(s.separators, [Separator::Pipe]);
        let s = reliable("a; b");
        assert_eq!(s.separators, [Separator::Semi]);
        assert_eq!(programs(&s), [Some("a"), Some("b")]);
        let s = reliable("a |& b");
        assert_eq!(s.separators, [Separator::Pipe]);
        let s = reliable("a;b&&c||d|e");
        assert_eq!(
            programs(&s),
            [Some("a"), Some("b"), Some("c"), Some("d"), Some("e")]
        );
    }

    #[test]
    fn separators_and_empty_commands() {
        let s = reliable("a;");
        assert_eq!(s.commands.len(), 1);
        assert_eq!(s.trailing, Some(Separator::Semi));
        let s = reliable("\n\na;\n\n b &&\n c\n");
        assert_eq!(programs(&s), [Some("a"), Some("b"), Some("c")]);
        assert_eq!(s.separators, [Separator::Semi, Separator::And]);
        assert_eq!(s.trailing, Some(Separator::Newline));
        let s = reliable("");
        assert!(s.commands.is_empty() && s.trailing.is_none());
        let s = reliable("  # only a comment\n");
        assert!(s.commands.is_empty());

        for bad in ["; a", "a && ; b", "a ;; b", "a &&", "a |"] {
            let s = parse(bad);
            assert!(!s.problems.is_empty(), "{bad}");
            check_invariants(bad, &s);
        }
        let s = parse("a &&");
        assert_eq!(s.trailing, Some(Separator::And));
    }

    #[test]
    fn background_is_a_problem() {
        let s = parse("a & b");
        assert_eq!(s.separators, [Separator::Background]);
        assert!(s.problems[0].contains("background"));
        let s = parse("npm ci &>/dev/null");
        assert!(!s.problems.is_empty());
        assert!(s.commands[0].has_redirections);
    }

    #[test]
    fn redirections() {
        let src = "npm ci > /dev/null 2>&1 && echo ok >>log";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        let c = &s.commands[0];
        assert!(c.has_redirections);
        assert_eq!(texts(c), ["npm", "ci"]);
        assert_eq!(cmd_src(src, c), "npm ci > /dev/null 2>&1");
        assert_eq!(texts(&s.commands[1]), ["echo", "ok"]);
        assert_eq!(cmd_src(src, &s.commands[1]), "echo ok >>log");
        assert!(!reliable("npm ci").commands[0].has_redirections);
        let r = &c.redirects;
        assert_eq!(
            (r[0].op.as_str(), r[0].target.text.as_str()),
            (">", "/dev/null")
        );
        assert!(r[0].writes() && !r[1].writes() && !r[1].reads());
        assert_eq!(s.commands[1].redirects[0].target.text, "log");
        assert!(s.commands[1].redirects[0].writes());
        let r = &reliable("cat <in.txt 3>&- >&out").commands[0].redirects;
        assert!(r[0].reads() && !r[1].writes() && r[2].writes());
        // A number not touching the operator is an argument.
        let s = reliable("echo 2 >x <y");
        assert_eq!(texts(&s.commands[0]), ["echo", "2"]);
        let s = reliable("<in cmd a");
        assert_eq!(texts(&s.commands[0]), ["cmd", "a"]);
        assert_eq!(s.commands[0].span.start, 0);
        let s = parse("a >");
        assert!(!s.problems.is_empty());
    }

    #[test]
    fn heredoc() {
        let src = "cat <<EOF > f\nnpm ci && x\nEOF\nnpm run build";
        let s = parse(src);
        assert!(s.problems.iter().any(|p| p.contains("heredoc")));
        check_invariants(src, &s);
        assert_eq!(programs(&s), [Some("cat"), Some("npm")]);
        assert_eq!(texts(&s.commands[1]), ["npm", "run", "build"]);
        let s = parse("cat <<-'E'\n\tbody\n\tE\nb");
        assert_eq!(programs(&s), [Some("cat"), Some("b")]);
        let s = parse("cat <<<word && b");
        assert!(s.problems.is_empty());
        assert_eq!(s.commands.len(), 2);
        let s = parse("x=$(cat <<EOF\na\nEOF\n)");
        assert!(s.problems.iter().any(|p| p.contains("heredoc")));
    }

    #[test]
    fn line_continuation() {
        let src = "pip install -r req.txt \\\n --no-cache-dir && b";
        let s = reliable(src);
        assert_eq!(s.commands.len(), 2);
        let c = &s.commands[0];
        assert_eq!(
            texts(c),
            ["pip", "install", "-r", "req.txt", "--no-cache-dir"]
        );
        assert_eq!(&src[c.words[3].span.clone()], "req.txt");
        assert_eq!(
            cmd_src(src, c),
            "pip install -r req.txt \\\n --no-cache-dir"
        );
        // Inside a word it joins the halves; inside single quotes it stays.
        let s = reliable("ec\\\nho a\\\nb 'c\\\nd' \"e\\\nf\"");
        assert_eq!(texts(&s.commands[0]), ["echo", "ab", "c\\\nd", "ef"]);
        let s = reliable("a \\\n&& b");
        assert_eq!(s.commands.len(), 2);
    }

    #[test]
    fn quotes_and_escapes() {
        let s = reliable(r"echo 'a\b' 'it'\''s' a\ b a\\b");
        assert_eq!(
            texts(&s.commands[0]),
            ["echo", r"a\b", "it's", "a b", r"a\b"]
        );
        let s = reliable(r#"echo "a\"b\$c\\d\e\`" "" ''"#);
        assert_eq!(texts(&s.commands[0]), ["echo", r#"a"b$c\d\e`"#, "", ""]);
        assert!(s.commands[0].words.iter().all(|w| w.literal));
        let s = reliable("echo a\\;b a\\&\\&b");
        assert_eq!(s.commands.len(), 1);
        assert_eq!(texts(&s.commands[0]), ["echo", "a;b", "a&&b"]);
        let s = reliable("echo 'é' \"ü\" \\ñ x");
        assert_eq!(texts(&s.commands[0]), ["echo", "é", "ü", "ñ", "x"]);
    }

    #[test]
    fn comments() {
        let s = reliable("a # b && c\nd#e && f");
        assert_eq!(programs(&s), [Some("a"), Some("d#e"), Some("f")]);
        assert_eq!(s.separators, [Separator::Newline, Separator::And]);
        let s = reliable("a '#' \"#\" \\# && b");
        assert_eq!(texts(&s.commands[0]), ["a", "#", "#", "#"]);
        assert_eq!(s.commands.len(), 2);
        let src = "npm ci # install";
        assert_eq!(cmd_src(src, &reliable(src).commands[0]), "npm ci");
    }

    #[test]
    fn literal_flag() {
        let s = reliable(
            "x plain 'q*' \"d*\" \"$v\" '$v' $v ${v} a* b? [ab] [ ~/x a~ \\$v \\* $ `x` $'a' $(x)",
        );
        let flags: Vec<(&str, bool)> = s.commands[0]
            .words
            .iter()
            .map(|w| (w.text.as_str(), w.literal))
            .collect();
        assert_eq!(
            flags,
            [
                ("x", true),
                ("plain", true),
                ("q*", true),
                ("d*", true),
                ("$v", false),
                ("$v", true),
                ("$v", false),
                ("${v}", false),
                ("a*", false),
                ("b?", false),
                ("[ab]", false),
                ("[", true),
                ("~/x", false),
                ("a~", true),
                ("$v", true),
                ("*", true),
                ("$", true),
                ("`x`", false),
                ("$'a'", false),
                ("$(x)", false),
            ]
        );
    }

    #[test]
    fn spans_slice_back() {
        let src = "A=1  npm   ci --omit=dev\t&&  ./x.sh  a.b  /p/q ; echo  é-ü  ";
        let s = reliable(src);
        for c in &s.commands {
            for w in c.assignments.iter().chain(&c.words) {
                assert_eq!(&src[w.span.clone()], w.text, "{w:?}");
            }
        }
        assert_eq!(cmd_src(src, &s.commands[0]), "A=1  npm   ci --omit=dev");
        assert_eq!(cmd_src(src, &s.commands[2]), "echo  é-ü");
        // Quoted words span their source, quotes included.
        let src = r#"a "b c" 'd'e"#;
        let s = reliable(src);
        let spans: Vec<&str> = s.commands[0]
            .words
            .iter()
            .map(|w| &src[w.span.clone()])
            .collect();
        assert_eq!(spans, ["a", r#""b c""#, "'d'e"]);
    }

    #[test]
    fn unterminated_and_unbalanced() {
        for src in [
            "echo 'abc && d",
            "echo \"abc && d",
            "echo $(a && b",
            "echo ${a",
            "echo `a",
            "(a && b",
            "a && b)",
            "if a; then b",
            "{ a; b",
            "a }",
            "for x in a; do b",
            "case x in a) b;;",
            "echo $'abc",
            "x\\",
            "fi",
            "a (b)",
            "(a) b",
        ] {
            let s = parse(src);
            check_invariants(src, &s);
            if src == "a }" || src == "x\\" {
                continue;
            }
            assert!(!s.problems.is_empty(), "{src}");
        }
        let s = parse("echo 'abc && d");
        assert_eq!(s.commands.len(), 1);
        assert_eq!(s.commands[0].words[1].text, "abc && d");
    }

    #[test]
    fn crlf() {
        let s = reliable("a\r\nb \\\r\n c");
        assert_eq!(programs(&s), [Some("a"), Some("b")]);
        assert_eq!(texts(&s.commands[1]), ["b", "c"]);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let n = 100_000;
        for (open, close) in [
            ("$(", ")"),
            ("(", ")"),
            ("{ ", "; }"),
            ("\"$(", ")\""),
            ("${", "}"),
            ("if a; then ", "; fi"),
        ] {
            let src = format!("x; {}{}", open.repeat(n), close.repeat(n));
            let s = parse(&src);
            check_invariants(&src, &s);
            assert!(s.problems.is_empty(), "{open}: {:?}", s.problems);
            assert_eq!(s.commands.len(), 2);
            let unbalanced = format!("x; {}", open.repeat(n));
            let s = parse(&unbalanced);
            check_invariants(&unbalanced, &s);
            assert!(!s.problems.is_empty());
        }
    }

    #[test]
    fn never_panics_on_pseudo_random_input() {
        const ALPHABET: &[&str] = &[
            "a", "b", " ", "\t", "\n", "\r", "\\", "'", "\"", "`", "$", "(", ")", "{", "}", "[",
            "]", ";", "&", "|", "<", ">", "#", "=", "*", "~", "-", "0", "2", "é", "€", "if",
            "then", "fi", "case", "in", "esac", "do", "done", "for", "[[", "]]", "!", "<<", "EOF",
            "function",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let src: String = (0..len)
                .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                .collect();
            let s = parse(&src);
            check_invariants(&src, &s);
        }
    }

    mod prop {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig {
                failure_persistence: None,
                ..ProptestConfig::default()
            })]

            #[test]
            fn any_string(src in "\\PC*") {
                let s = parse(&src);
                check_invariants(&src, &s);
            }

            #[test]
            fn shellish(src in "[a-c \\t\\n\\\\'\"`$(){};&|<>#=*~0-9é\\r-]{0,60}") {
                let s = parse(&src);
                check_invariants(&src, &s);
            }

            #[test]
            fn plain_and_chains(words in proptest::collection::vec("x[a-z./-]{0,7}", 1..8)) {
                let src = words.join(" && ");
                let s = parse(&src);
                prop_assert!(s.problems.is_empty());
                prop_assert_eq!(s.commands.len(), words.len());
                for (c, w) in s.commands.iter().zip(&words) {
                    prop_assert_eq!(&src[c.span.clone()], w.as_str());
                }
            }
        }
    }
}
