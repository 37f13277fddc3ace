//! Shell-style word splitting with raw quotes, as BuildKit uses to find
//! heredoc markers (`shell.Lex` with `RawQuotes` and `RawEscapes`).

use std::ops::Range;

/// Split `s` into words at unquoted blanks; quotes and backslashes are kept.
pub(crate) fn raw_words(s: &[u8]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    let n = s.len();
    while i < n {
        while i < n && s[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= n {
            break;
        }
        let start = i;
        let mut quote = 0u8;
        while i < n {
            let c = s[i];
            if quote == 0 && c.is_ascii_whitespace() {
                break;
            }
            if c == b'\\' && quote != b'\'' {
                i += 2;
                continue;
            }
            if quote == 0 && (c == b'\'' || c == b'"') {
                quote = c;
            } else if c == quote {
                quote = 0;
            }
            i += 1;
        }
        let end = i.min(n);
        out.push(start..end);
        i = end;
    }
    out
}

/// Remove quotes and backslash escapes from a word.
pub(crate) fn unquote(w: &[u8]) -> String {
    let mut out = Vec::with_capacity(w.len());
    let mut quote = 0u8;
    let mut i = 0;
    while i < w.len() {
        let c = w[i];
        if c == b'\\' && quote != b'\'' && i + 1 < w.len() {
            out.push(w[i + 1]);
            i += 2;
            continue;
        }
        if quote == 0 && (c == b'\'' || c == b'"') {
            quote = c;
        } else if c == quote {
            quote = 0;
        } else {
            out.push(c);
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_quotes() {
        let s = br#"cat <<'EOF' > "a b" x\ y"#;
        let w: Vec<&[u8]> = raw_words(s).into_iter().map(|r| &s[r]).collect();
        assert_eq!(w, vec![&b"cat"[..], b"<<'EOF'", b">", b"\"a b\"", b"x\\ y"]);
    }

    #[test]
    fn unquote_forms() {
        assert_eq!(unquote(b"'EOF'"), "EOF");
        assert_eq!(unquote(b"\"EOF\""), "EOF");
        assert_eq!(unquote(b"E\"O\"F"), "EOF");
        assert_eq!(unquote(b"a\\ b"), "a b");
    }
}
