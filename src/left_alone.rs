//! The left-alone files of a run, grouped by what blocks them, so a bulk
//! `--check` shows which reasons hold back the most files.
//!
//! A file blocked by reasons of several kinds (one per stage, say) is listed
//! under each; a file whose only fix is unsafe is listed under
//! [`UNSAFE_KIND`]. Groups come largest first, then by kind; files in the
//! order of the results (sorted by path).

use std::collections::BTreeMap;

use crate::runner::FileResult;

/// The group of files whose fix is marked unsafe and was not applied.
pub const UNSAFE_KIND: &str = "unsafe-fix";

/// One reason kind and the files it holds back.
#[derive(Debug, PartialEq, Eq)]
pub struct Group {
    pub kind: String,
    /// `path:line` of each file, once per file.
    pub files: Vec<String>,
}

/// Group the left-alone files of `results` by reason kind.
pub fn group(results: &[FileResult]) -> Vec<Group> {
    let mut g = Grouper::default();
    for r in results {
        g.add(r);
    }
    g.finish()
}

/// [`group`] one result at a time, for runs that stream their results.
#[derive(Debug, Default)]
pub struct Grouper {
    by_kind: BTreeMap<String, Vec<String>>,
}

impl Grouper {
    pub fn add(&mut self, r: &FileResult) {
        if r.status() != crate::runner::FileStatus::LeftAlone {
            return;
        }
        let Ok(o) = &r.outcome else { return };
        let src = r.original.as_deref().unwrap_or_default();
        let mut seen: Vec<String> = Vec::new();
        for f in &o.findings {
            let kind = match (&f.refusal, &f.fix) {
                (Some(reason), _) => reason.kind().to_string(),
                (None, Some(_)) => UNSAFE_KIND.to_string(),
                (None, None) => continue,
            };
            if seen.contains(&kind) {
                continue;
            }
            self.by_kind.entry(kind.clone()).or_default().push(format!(
                "{}:{}",
                r.target.display,
                f.line(src)
            ));
            seen.push(kind);
        }
    }

    pub fn finish(self) -> Vec<Group> {
        let mut groups: Vec<Group> = self
            .by_kind
            .into_iter()
            .map(|(kind, files)| Group { kind, files })
            .collect();
        groups.sort_by(|a, b| b.files.len().cmp(&a.files.len()).then(a.kind.cmp(&b.kind)));
        groups
    }
}

/// The groups as text: a heading, then per kind its label, count and files.
/// Empty when nothing was left alone.
pub fn render(groups: &[Group], label: impl Fn(&str) -> String) -> String {
    if groups.is_empty() {
        return String::new();
    }
    let mut out = String::from("Left alone, by reason:\n");
    for g in groups {
        let n = g.files.len();
        out.push_str(&format!(
            "  {} [{}]: {n} file{}\n",
            label(&g.kind),
            g.kind,
            if n == 1 { "" } else { "s" }
        ));
        for f in &g.files {
            out.push_str(&format!("    {f}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_lists_groups_in_order_given() {
        let groups = vec![
            Group {
                kind: "needs-source".into(),
                files: vec!["a/Dockerfile:3".into(), "b/Dockerfile:4".into()],
            },
            Group {
                kind: "crossing".into(),
                files: vec!["c/Dockerfile:2".into()],
            },
        ];
        let text = render(&groups, |k| k.to_uppercase());
        assert_eq!(
            text,
            "Left alone, by reason:\n  NEEDS-SOURCE [needs-source]: 2 files\n    a/Dockerfile:3\n    b/Dockerfile:4\n  CROSSING [crossing]: 1 file\n    c/Dockerfile:2\n"
        );
        assert_eq!(render(&[], |k| k.into()), "");
    }
}
