//! The Dockerfile syntax layer: a lossless lexer/parser of our own.
//!
//! Why our own: the `dockerfile-parser` crate fails whole files on syntax
//! BuildKit accepts (heredocs, BOM, `# escape`, empty continuation lines),
//! misreads `COPY --link` and RUN flags, and overflows the stack on long
//! continuations. A bulk migration tool cannot afford any of that.
//!
//! The parser follows BuildKit's `frontend/dockerfile/parser` line by line:
//! physical lines are split on `\n` (one trailing `\r` dropped), parser
//! directives are read until the first line that is not one, comment and
//! empty lines inside a continuation are skipped, and heredoc bodies are read
//! after the instruction's last line. Nothing recurses on the input.
//!
//! Lossless: [`Dockerfile::tokens`] returns tokens that cover every byte of the
//! input exactly once; joining them gives the input back.

mod instruction;
mod lex;
mod words;

pub use instruction::{Flag, Form, Heredoc, Instruction, Keyword, Word};
pub use lex::parse;

/// A byte range into the source.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span { start, end }
    }
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
    pub fn range(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// A parser directive (`# syntax=...`, `# escape=...`, `# check=...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// Lower-cased name.
    pub name: String,
    pub value: String,
    /// The whole line, newline included.
    pub span: Span,
}

/// One top-level item. Every physical line of the file belongs to exactly one item.
// Not boxed: instructions are most of a file's items, and boxing would cost
// an allocation each for the few small blank and comment items it saves.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Item {
    /// Whitespace-only line(s).
    Blank(Span),
    /// A comment line (`#` after optional whitespace), not a directive.
    Comment(Span),
    Directive(Span),
    Instruction(Instruction),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Blank(s) | Item::Comment(s) | Item::Directive(s) => *s,
            Item::Instruction(i) => i.span,
        }
    }
}

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    Bom,
    Directive,
    Comment,
    Whitespace,
    Newline,
    Keyword,
    Flag,
    /// Argument text of an instruction.
    Text,
    /// Escape character plus trailing blanks that continue a line.
    Continuation,
    HeredocBody,
    HeredocEnd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

/// A parsed Dockerfile. Holds no copy of the source; spans index into it.
#[derive(Clone, Debug)]
pub struct Dockerfile {
    /// Length of the source in bytes.
    pub len: usize,
    /// A UTF-8 byte-order mark at the start (kept as is).
    pub bom: bool,
    /// The escape character: `\` or `` ` ``.
    pub escape: u8,
    pub directives: Vec<Directive>,
    pub items: Vec<Item>,
    /// The line ending most used in the file (`"\n"` or `"\r\n"`).
    pub newline: &'static str,
}

impl Dockerfile {
    pub fn instructions(&self) -> impl Iterator<Item = &Instruction> {
        self.items.iter().filter_map(|i| match i {
            Item::Instruction(ins) => Some(ins),
            _ => None,
        })
    }

    pub fn directive(&self, name: &str) -> Option<&str> {
        self.directives
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.value.as_str())
    }

    /// Tokens covering every byte of `src` exactly once, in order.
    pub fn tokens(&self, src: &[u8]) -> Vec<Token> {
        let mut out = Vec::new();
        let mut pos = 0;
        if self.bom {
            out.push(Token {
                kind: TokenKind::Bom,
                span: Span::new(0, 3),
            });
            pos = 3;
        }
        for item in &self.items {
            let span = item.span();
            let start = span.start.max(pos);
            match item {
                Item::Blank(_) => {
                    lex::line_tokens(src, start, span.end, TokenKind::Whitespace, &mut out)
                }
                Item::Comment(_) => {
                    lex::line_tokens(src, start, span.end, TokenKind::Comment, &mut out)
                }
                Item::Directive(_) => {
                    lex::line_tokens(src, start, span.end, TokenKind::Directive, &mut out)
                }
                Item::Instruction(ins) => ins.tokens(src, start, &mut out),
            }
            pos = span.end;
        }
        debug_assert_eq!(pos, self.len);
        out
    }
}
