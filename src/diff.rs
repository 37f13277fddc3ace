//! Unified diffs that are valid patches (`git apply`, `patch -p1`).

use similar::TextDiff;

/// A unified diff from `old` to `new` for `path` (relative, `/`-separated).
/// `old == None` means the file is created.
pub fn unified(path: &str, old: Option<&str>, new: &str) -> String {
    let before = old.unwrap_or("");
    let diff = TextDiff::from_lines(before, new);
    let a = if old.is_some() {
        format!("a/{path}")
    } else {
        "/dev/null".to_string()
    };
    let b = format!("b/{path}");
    let mut out = String::new();
    if old.is_none() {
        out.push_str(&format!(
            "diff --git a/{path} b/{path}\nnew file mode 100644\n"
        ));
    }
    out.push_str(
        &diff
            .unified_diff()
            .context_radius(3)
            .missing_newline_hint(true)
            .header(&a, &b)
            .to_string(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_hunks() {
        let d = unified("Dockerfile", Some("a\nb\n"), "a\nc\n");
        assert!(
            d.starts_with("--- a/Dockerfile\n+++ b/Dockerfile\n@@"),
            "{d}"
        );
        assert!(d.contains("-b\n+c\n"));
        let n = unified(".dockerignore", None, "**/node_modules\n");
        assert!(n.contains("--- /dev/null\n+++ b/.dockerignore\n"), "{n}");
    }
}
