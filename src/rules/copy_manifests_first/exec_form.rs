//! An install in an exec-form RUN `["sh", "-c", SCRIPT]`, which the model
//! reads as SCRIPT (`model.rs`). The spans of SCRIPT's commands are not the
//! file's bytes (JSON escapes, quotes), so the rule never edits inside it. The
//! one edit it makes is a deps-only step for a RUN whose SCRIPT is the install
//! alone: that RUN becomes the step by replacing SCRIPT's string literal (same
//! shell, same form, same spacing), and the original RUN, byte for byte, runs
//! after the source copy.

use std::ops::Range;

use crate::syntax::{Form, Instruction};

use super::candidate::Candidate;
use super::refusal::Refusal;

/// Why the install's exec-form RUN cannot take a deps-only step whose part
/// after the source copy is `after`; `None` when it can (or the RUN is a
/// shell form).
pub fn deps_only_refusal(
    r: &Instruction,
    src: &str,
    cand: &Candidate,
    carried: bool,
    after: &str,
) -> Option<Refusal> {
    if r.form != Form::Exec {
        return None;
    }
    if crate::model::shell_c_script(&r.exec).is_none() {
        return Some(Refusal::Shell(
            "an exec-form RUN cannot take the deps-only step".into(),
        ));
    }
    let install = &cand.install;
    let alone = install.script.commands.len() == 1 && !carried;
    let whole = alone && after.trim() == install.text.trim();
    let why = if !whole {
        "an exec-form RUN takes a deps-only step only when its script is the install alone, run again unchanged after the source copy"
    } else if script_literal(&src[args_span(r)]).is_none() {
        "an exec-form RUN takes a deps-only step only as `[\"sh\", \"-c\", \"...\"]` on one line"
    } else {
        return None;
    };
    Some(Refusal::Shell(why.into()))
}

/// The RUN's arguments (the JSON array) as a byte range of the file.
pub fn args_span(r: &Instruction) -> Range<usize> {
    r.to_source(r.args.start)..r.to_source(r.args.end - 1) + 1
}

/// The JSON array `args` with its script (third) string replaced by `script`.
pub fn with_script(args: &str, script: &str) -> Option<String> {
    let lit = script_literal(args)?;
    let quoted = serde_json::to_string(script).ok()?;
    Some(format!(
        "{}{quoted}{}",
        &args[..lit.start],
        &args[lit.end..]
    ))
}

/// The byte range of the third string literal (quotes included) of a
/// one-line JSON array of three strings: `[ "sh", "-c", "npm ci" ]`.
fn script_literal(args: &str) -> Option<Range<usize>> {
    if args.contains('\n') || !args.trim_start().starts_with('[') {
        return None;
    }
    let mut literals = Vec::new();
    let mut start = None;
    let mut escaped = false;
    for (i, c) in args.char_indices() {
        match (start, c) {
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(s), '"') => {
                literals.push(s..i + 1);
                start = None;
            }
            (None, '"') => start = Some(i),
            _ => {}
        }
    }
    (literals.len() == 3 && start.is_none()).then(|| literals[2].clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_literal_is_the_third_string() {
        let a = r#"[ "sh", "-c", "npm ci \"x\"" ]"#;
        assert_eq!(&a[script_literal(a).unwrap()], r#""npm ci \"x\"""#);
        assert_eq!(script_literal(r#"["sh", "-c"]"#), None);
        assert_eq!(script_literal("[\"sh\",\n \"-c\", \"x\"]"), None);
        assert_eq!(script_literal(r#"["sh", "-c", "a", "b"]"#), None);
    }

    #[test]
    fn the_script_is_replaced_in_place_and_escaped() {
        assert_eq!(
            with_script(
                r#"[ "sh", "-c", "composer install" ]"#,
                r#"composer install --no-scripts "a""#
            )
            .as_deref(),
            Some(r#"[ "sh", "-c", "composer install --no-scripts \"a\"" ]"#)
        );
    }
}
