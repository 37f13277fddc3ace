//! The change a fix makes to the build context's ignore file: patterns
//! appended as one edit at its end (or the file created), never a rewrite.

use std::path::PathBuf;

use crate::context::BuildContext;
use crate::edit::{Edit, Edits};

/// A change to the ignore file that goes with the fix.
#[derive(Clone, Debug)]
pub struct IgnoreChange {
    pub path: PathBuf,
    /// The file as read; `None` when the change creates it.
    pub old: Option<String>,
    /// Edits of `old` (of the empty text, for a created file).
    pub edits: Edits,
}

impl IgnoreChange {
    /// Append to `old` the `patterns` it does not hold yet, each on its own
    /// line, in its line-ending style; `None` when it holds them all.
    pub fn appending(
        path: PathBuf,
        old: Option<String>,
        patterns: &[String],
    ) -> Option<IgnoreChange> {
        let base = old.as_deref().unwrap_or_default();
        let nl = if base.contains("\r\n") { "\r\n" } else { "\n" };
        let existing: Vec<&str> = base.lines().map(str::trim).collect();
        let mut added: Vec<&str> = Vec::new();
        for p in patterns {
            if !existing.contains(&p.as_str()) && !added.contains(&p.as_str()) {
                added.push(p);
            }
        }
        if added.is_empty() {
            return None;
        }
        // A created ignore file is part of the context itself, and a
        // `COPY . .` would bring it into the image, which the original never
        // had: it excludes itself.
        let own = path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_string);
        if let Some(own) = own.as_deref().filter(|_| old.is_none()) {
            if !added.contains(&own) {
                added.insert(0, own);
            }
        }
        let mut content = String::new();
        if !base.is_empty() && !base.ends_with('\n') {
            content.push_str(nl);
        }
        for p in added {
            content.push_str(p);
            content.push_str(nl);
        }
        let edits = Edits::new(vec![Edit::insert(base.len(), content)]).expect("one edit");
        Some(IgnoreChange { path, old, edits })
    }

    /// Append `patterns` to `ctx`'s effective ignore file (created when there
    /// is none); `None` when it holds them all.
    pub fn for_context(ctx: &BuildContext, patterns: &[String]) -> Option<IgnoreChange> {
        if patterns.is_empty() {
            return None;
        }
        let old = ctx.ignore_file().map(|_| ctx.ignore_text().to_string());
        IgnoreChange::appending(ctx.ignore_file_for_edit(), old, patterns)
    }

    /// The patterns this change adds.
    pub fn added(&self) -> Vec<String> {
        self.edits
            .iter()
            .flat_map(|e| e.content.lines())
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The file's text after the change.
    pub fn new_text(&self) -> String {
        self.edits
            .apply(self.old.as_deref().unwrap_or_default())
            .expect("an insertion at the end of the text it was made for")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_missing_patterns_in_the_files_style() {
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = IgnoreChange::appending(
            ".dockerignore".into(),
            Some(".git\r\nnode_modules".into()),
            &p(&["node_modules", "**/node_modules", "**/node_modules"]),
        )
        .unwrap();
        assert_eq!(c.new_text(), ".git\r\nnode_modules\r\n**/node_modules\r\n");
        assert_eq!(c.added(), ["**/node_modules"]);
        // A created file excludes itself: `COPY . .` would bring it (adv-igncreate).
        let created =
            IgnoreChange::appending("ctx/.dockerignore".into(), None, &p(&["x"])).unwrap();
        assert_eq!(created.new_text(), ".dockerignore\nx\n");
        assert!(IgnoreChange::appending("i".into(), Some("x\n".into()), &p(&["x"])).is_none());
    }
}
