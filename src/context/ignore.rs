//! `.dockerignore`: a port of `moby/patternmatcher` (see the module above).

use super::clean_rel;
use super::gomatch::{go_clean, go_match};
use super::regex::Regex;

/// Parsed `.dockerignore` patterns, in file order.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    pub(super) patterns: Vec<Pattern>,
    invalid: Vec<String>,
}

#[derive(Debug, Clone)]
pub(super) struct Pattern {
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
    Regex(Regex),
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
pub(super) fn excluded<'a>(patterns: impl Iterator<Item = &'a Pattern>, rel: &str) -> bool {
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
            Kind::Regex(re) => re.is_match(path),
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
            Kind::Regex(Regex::parse(&re)?)
        }
    })
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
}
