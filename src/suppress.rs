//! Inline suppressions: `# dockopt: ignore[=RULE,...]` on the comment lines
//! directly above an instruction, `# dockopt: ignore-file[=RULE,...]` on any
//! top-level comment line (hadolint's `# hadolint ignore=` and ruff's
//! `# ruff: noqa` conventions).
//!
//! A line suppression silences the findings dockopt reports on the
//! instruction right below it (the line printed as `Dockerfile:N`). Only
//! comment lines may come between the suppression and that instruction; a
//! blank line ends it. Text after the rule list (` -- why`) is a free-form
//! reason. Comment lines inside an instruction's continuation are not read.

use crate::rules::Diagnostic;
use crate::syntax::{Dockerfile, Item};

/// The marker every suppression starts with (after `#` and blanks).
const MARKER: &str = "dockopt:";

/// Where a suppression applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The instruction starting on this 1-based line.
    Instruction(usize),
    /// The whole file.
    File,
    /// A line suppression with no instruction right below it.
    Nothing,
}

/// One suppression comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// 1-based line of the comment.
    pub line: usize,
    /// The comment text, trimmed.
    pub text: String,
    pub scope: Scope,
    /// The rules named; empty means every rule.
    pub rules: Vec<String>,
}

/// Why a suppression is reported under `--strict`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// It matched no finding.
    Unused,
    /// It names a rule dockopt does not have.
    UnknownRule,
    /// No instruction follows it directly (a blank line, or end of file).
    Misplaced,
}

/// A suppression reported under `--strict`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unused {
    pub line: usize,
    pub text: String,
    pub problem: Problem,
}

impl Unused {
    pub fn message(&self) -> String {
        let what = match self.problem {
            Problem::Unused => "unused suppression",
            Problem::UnknownRule => "suppression names an unknown rule",
            Problem::Misplaced => "suppression is not directly above an instruction",
        };
        format!("{what}: `{}`", self.text)
    }
}

/// What suppressions did in one file.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Findings silenced.
    pub suppressed: usize,
    pub unused: Vec<Unused>,
}

/// Parse `# dockopt: ignore...` from the text of one comment line.
/// `None` when the line is not a suppression.
fn parse_comment(line: &str) -> Option<(bool, Vec<String>)> {
    let rest = line.trim().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix(MARKER)?.trim_start();
    let (file, rest) = match rest.strip_prefix("ignore-file") {
        Some(r) => (true, r),
        None => (false, rest.strip_prefix("ignore")?),
    };
    let all = rest.is_empty()
        || (rest.starts_with(char::is_whitespace) && !rest.trim_start().starts_with('='));
    if all {
        // `ignore` alone, or followed by a blank and a reason.
        return Some((file, vec![]));
    }
    let list = rest.trim_start().strip_prefix('=')?;
    let list = list.trim_start();
    let end = list.find(char::is_whitespace).unwrap_or(list.len());
    let rules: Vec<String> = list[..end]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    Some((file, rules))
}

/// Every suppression in `df` (source `src`), with its scope.
pub fn find(src: &str, df: &Dockerfile) -> Vec<Suppression> {
    let mut out: Vec<Suppression> = Vec::new();
    // Fast path: most files have none.
    if memchr::memmem::find(src.as_bytes(), MARKER.as_bytes()).is_none() {
        return out;
    }
    let mut line = 1usize;
    let mut pending: Vec<usize> = Vec::new();
    for item in &df.items {
        let span = item.span();
        match item {
            Item::Comment(_) => {
                let text = &src[span.range()];
                if let Some((file, rules)) = parse_comment(text) {
                    out.push(Suppression {
                        line,
                        text: text.trim().to_string(),
                        scope: if file { Scope::File } else { Scope::Nothing },
                        rules,
                    });
                    if !file {
                        pending.push(out.len() - 1);
                    }
                }
            }
            Item::Instruction(ins) => {
                for i in pending.drain(..) {
                    out[i].scope = Scope::Instruction(ins.start_line);
                }
            }
            Item::Blank(_) | Item::Directive(_) => pending.clear(),
        }
        line += memchr::memchr_iter(b'\n', &src.as_bytes()[span.range()]).count();
    }
    out
}

fn covers(s: &Suppression, f: &Diagnostic, src: &str) -> bool {
    let place = match s.scope {
        Scope::File => true,
        Scope::Instruction(l) => l == f.line(src),
        Scope::Nothing => false,
    };
    place && (s.rules.is_empty() || s.rules.iter().any(|r| r == f.rule))
}

/// Drop the suppressed findings; say which suppressions did nothing.
/// Suppressions that only name rules disabled for this run are not reported.
pub fn apply(
    src: &str,
    df: &Dockerfile,
    findings: Vec<Diagnostic>,
    disabled: &[String],
) -> (Vec<Diagnostic>, Report) {
    let sups = find(src, df);
    let mut report = Report::default();
    if sups.is_empty() {
        return (findings, report);
    }
    let mut used = vec![false; sups.len()];
    let mut kept = Vec::with_capacity(findings.len());
    for f in findings {
        let mut hit = false;
        for (i, s) in sups.iter().enumerate() {
            if covers(s, &f, src) {
                used[i] = true;
                hit = true;
            }
        }
        if hit {
            report.suppressed += 1;
        } else {
            kept.push(f);
        }
    }
    for (s, used) in sups.iter().zip(used) {
        let unknown = s.rules.iter().any(|r| crate::rules::find(r).is_none());
        let all_disabled = !s.rules.is_empty() && s.rules.iter().all(|r| disabled.contains(r));
        let problem = if unknown {
            Problem::UnknownRule
        } else if s.scope == Scope::Nothing {
            Problem::Misplaced
        } else if !used && !all_disabled {
            Problem::Unused
        } else {
            continue;
        };
        report.unused.push(Unused {
            line: s.line,
            text: s.text.clone(),
            problem,
        });
    }
    (kept, report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_forms() {
        assert_eq!(parse_comment("# dockopt: ignore"), Some((false, vec![])));
        assert_eq!(parse_comment("#dockopt:ignore"), Some((false, vec![])));
        assert_eq!(
            parse_comment("  # dockopt: ignore=copy-manifests-first,other -- why\r"),
            Some((
                false,
                vec!["copy-manifests-first".to_string(), "other".to_string()]
            ))
        );
        assert_eq!(
            parse_comment("# dockopt: ignore = a"),
            Some((false, vec!["a".to_string()]))
        );
        assert_eq!(
            parse_comment("# dockopt: ignore -- pip install . needs the source"),
            Some((false, vec![]))
        );
        assert_eq!(
            parse_comment("# dockopt: ignore-file"),
            Some((true, vec![]))
        );
        assert_eq!(
            parse_comment("# dockopt: ignore-file=copy-manifests-first"),
            Some((true, vec!["copy-manifests-first".to_string()]))
        );
        assert_eq!(parse_comment("# dockopt: ignored"), None);
        assert_eq!(parse_comment("# dockopt: ignore-files"), None);
        assert_eq!(parse_comment("# hadolint ignore=DL3006"), None);
        assert_eq!(parse_comment("# see dockopt: ignore"), None);
    }

    #[test]
    fn scopes_follow_the_comment_block() {
        let src = "FROM a\n# dockopt: ignore\n# why\nCOPY . .\n# dockopt: ignore\n\nRUN x\n# dockopt: ignore-file=r\n";
        let df = crate::syntax::parse(src.as_bytes());
        let s = find(src, &df);
        let scopes: Vec<(usize, Scope)> = s.iter().map(|s| (s.line, s.scope)).collect();
        assert_eq!(
            scopes,
            vec![
                (2, Scope::Instruction(4)),
                (5, Scope::Nothing),
                (8, Scope::File)
            ]
        );
    }
}
