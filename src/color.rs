//! Colour for terminal output: `--color auto|always|never` and `NO_COLOR`
//! (https://no-color.org: set and not empty turns `auto` off). Colour is
//! only ever added to what is printed for people (the diff on stdout, the
//! finding lines); files written by `--fix`, JSON and SARIF never get any.

use std::borrow::Cow;

use anstyle::{AnsiColor, Style};
use clap::ColorChoice;

/// Whether to colour a stream.
pub fn enabled(choice: ColorChoice, is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && no_color.map_or(true, |v| v.is_empty()),
    }
}

/// Paints text for one stream, or passes it through.
#[derive(Clone, Copy, Debug)]
pub struct Painter {
    pub on: bool,
}

const HEADER: Style = Style::new().bold();
const HUNK: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Cyan)));
const DEL: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Red)));
const ADD: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Green)));
const NOTE: Style = Style::new().fg_color(Some(anstyle::Color::Ansi(AnsiColor::Yellow)));

fn paint(out: &mut String, style: Style, text: &str) {
    out.push_str(&format!("{style}{text}{style:#}"));
}

impl Painter {
    pub fn for_stream(choice: ColorChoice, is_terminal: bool) -> Painter {
        let no_color = std::env::var_os("NO_COLOR");
        Painter {
            on: enabled(choice, is_terminal, no_color.as_deref()),
        }
    }

    /// A unified diff: headers bold, hunk lines cyan, removals red, additions
    /// green. Line endings stay outside the colour codes.
    pub fn diff<'a>(&self, text: &'a str) -> Cow<'a, str> {
        if !self.on || text.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len() + text.len() / 4);
        for line in text.split_inclusive('\n') {
            let body = line.trim_end_matches(['\n', '\r']);
            let style = if body.starts_with("--- ") || body.starts_with("+++ ") {
                Some(HEADER)
            } else if body.starts_with("@@") {
                Some(HUNK)
            } else if body.starts_with('-') {
                Some(DEL)
            } else if body.starts_with('+') {
                Some(ADD)
            } else {
                None
            };
            match style {
                Some(s) if !body.is_empty() => {
                    paint(&mut out, s, body);
                    out.push_str(&line[body.len()..]);
                }
                _ => out.push_str(line),
            }
        }
        Cow::Owned(out)
    }

    /// A finding line `PATH:LINE: message`: the location bold; a note
    /// (`left as is`, an unsafe fix not enabled) yellow.
    pub fn finding<'a>(&self, line: &'a str, note: bool) -> Cow<'a, str> {
        if !self.on {
            return Cow::Borrowed(line);
        }
        // The location ends at the second `: ` (a path may hold `:`; the line number does not).
        let loc_end = line
            .match_indices(": ")
            .find(|(i, _)| {
                line[..*i]
                    .rsplit(':')
                    .next()
                    .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(|(i, _)| i + 1);
        let Some(end) = loc_end else {
            return Cow::Borrowed(line);
        };
        let mut out = String::with_capacity(line.len() + 24);
        paint(&mut out, HEADER, &line[..end]);
        if note {
            paint(&mut out, NOTE, &line[end..]);
        } else {
            out.push_str(&line[end..]);
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn choice_and_no_color() {
        assert!(enabled(ColorChoice::Always, false, Some(OsStr::new("1"))));
        assert!(!enabled(ColorChoice::Never, true, None));
        assert!(enabled(ColorChoice::Auto, true, None));
        assert!(enabled(ColorChoice::Auto, true, Some(OsStr::new(""))));
        assert!(!enabled(ColorChoice::Auto, true, Some(OsStr::new("1"))));
        assert!(!enabled(ColorChoice::Auto, false, None));
    }

    #[test]
    fn diff_colours_keep_the_text() {
        let p = Painter { on: true };
        let d = "--- a/D\n+++ b/D\n@@ -1 +1 @@\n-old\r\n+new\n same\n";
        let c = p.diff(d);
        assert!(c.contains("\u{1b}[31m-old\u{1b}[0m\r\n"), "{c:?}");
        assert!(c.contains("\u{1b}[32m+new\u{1b}[0m\n"), "{c:?}");
        let stripped: String = strip(&c);
        assert_eq!(stripped, d);
        assert_eq!(Painter { on: false }.diff(d), d);
    }

    #[test]
    fn finding_location_is_bold() {
        let p = Painter { on: true };
        let c = p.finding("a:b/Dockerfile:4: x: y; left as is", true);
        assert!(
            c.starts_with("\u{1b}[1ma:b/Dockerfile:4:\u{1b}[0m"),
            "{c:?}"
        );
        assert_eq!(strip(&c), "a:b/Dockerfile:4: x: y; left as is");
    }

    fn strip(s: &str) -> String {
        let mut out = String::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c == '\u{1b}' {
                for d in it.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
