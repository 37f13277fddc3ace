//! How the manifests copy's paths are written: the words of a COPY that the
//! builder reads back as exactly these paths.
//!
//! Shell form (`COPY a b ./`) when every path is one bare word; JSON form
//! (`COPY ["a", "b", "/my app/"]`) when a path holds blanks, which shell form
//! would split (`COPY package.json /srv/my app/` copies `/srv/my` too). The
//! builder expands variables and reads quotes and escapes in both forms, so a
//! path with `$`, quotes, a backslash or a backtick cannot be written as is,
//! and a source with `*`, `?` or `[` would be matched as a pattern.

use super::refusal::Refusal;

/// The argument text of a COPY of `sources` to `dest`, or why it cannot
/// be written.
pub fn copy_args(sources: &[String], dest: &str) -> Result<String, Refusal> {
    let words = || sources.iter().map(String::as_str).chain([dest]);
    if let Some(bad) = words().find(|w| !literal(w)) {
        return Err(refusal(
            bad,
            "characters the builder would expand or unquote",
        ));
    }
    if let Some(bad) = sources.iter().find(|s| s.contains(['*', '?', '['])) {
        return Err(refusal(
            bad,
            "characters the builder would match as a pattern",
        ));
    }
    if words().all(|w| !w.contains(char::is_whitespace)) {
        return Ok(words().collect::<Vec<_>>().join(" "));
    }
    let quoted: Vec<String> = words().map(|w| format!("\"{w}\"")).collect();
    Ok(format!("[{}]", quoted.join(", ")))
}

/// A path the builder keeps as is inside a JSON-form word.
fn literal(w: &str) -> bool {
    !w.is_empty()
        && !w
            .chars()
            .any(|c| c.is_control() || matches!(c, '"' | '\'' | '$' | '\\' | '`'))
}

fn refusal(path: &str, what: &str) -> Refusal {
    Refusal::Layout(format!(
        "the manifests copy would have to write `{path}`, which has {what}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(sources: &[&str], dest: &str) -> Result<String, Refusal> {
        let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
        copy_args(&sources, dest)
    }

    #[test]
    fn bare_words_stay_shell_form() {
        assert_eq!(
            args(&["package.json", "package-lock.json"], "./").unwrap(),
            "package.json package-lock.json ./"
        );
    }

    /// adv2-jsondest: `COPY [".", "/srv/my app/"]` before `npm ci`.
    #[test]
    fn a_blank_in_the_destination_takes_json_form() {
        assert_eq!(
            args(&["package.json"], "/srv/my app/").unwrap(),
            r#"["package.json", "/srv/my app/"]"#
        );
    }

    #[test]
    fn a_blank_in_a_source_takes_json_form() {
        assert_eq!(
            args(&["my pkg/package.json"], "./").unwrap(),
            r#"["my pkg/package.json", "./"]"#
        );
    }

    #[test]
    fn expanded_quoted_or_pattern_paths_are_refused() {
        for (src, dest) in [
            ("package.json", "/a$b/"),
            ("it's/package.json", "./"),
            ("a\\b/package.json", "./"),
            ("a`b/package.json", "./"),
            ("pkg[1]/package.json", "./"),
            ("p*/package.json", "./"),
            ("p?/package.json", "./"),
            ("a\nb/package.json", "./"),
        ] {
            assert!(
                matches!(args(&[src], dest), Err(Refusal::Layout(_))),
                "{src} {dest}"
            );
        }
    }
}
