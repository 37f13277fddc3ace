//! Replaying a history against one version of a Dockerfile: for each commit,
//! which steps re-run, and how often each step re-ran in all.

use crate::context::{go_match, DockerIgnore};

use super::git::{Change, Commit};
use super::steps::{Input, Selector, Steps};

/// The build context as seen in the repository: where it is and what it
/// ignores.
pub struct ContextView<'a> {
    /// Repository-relative directory of the context, `""` for the top level.
    pub prefix: &'a str,
    pub ignore: &'a DockerIgnore,
}

/// A change as a path inside the context, or `None` when it is outside or
/// excluded by the ignore file.
fn in_context(ctx: &ContextView, c: &Change) -> Option<(String, bool)> {
    let rel = if ctx.prefix.is_empty() {
        c.path.as_str()
    } else if c.path == ctx.prefix {
        // A submodule that is the context itself.
        return c.gitlink.then(|| (String::new(), true));
    } else {
        c.path.strip_prefix(ctx.prefix)?.strip_prefix('/')?
    };
    (!ctx.ignore.is_excluded(rel)).then(|| (rel.to_string(), c.gitlink))
}

/// Does the selector bring the context path `rel` (or, for a submodule,
/// anything inside it)?
fn selects(sel: &Selector, rel: &str, gitlink: bool) -> bool {
    let inside_changed_dir = |s: &str| gitlink && (rel.is_empty() || is_under(s, rel));
    match sel {
        Selector::All => true,
        Selector::Path(s) => rel == s || is_under(rel, s) || inside_changed_dir(s),
        Selector::Glob(g) => {
            // `*` does not cross `/`: try the path and each of its parents.
            let mut cut = Some(rel.len());
            while let Some(end) = cut {
                if go_match(g, &rel[..end]) == Some(true) {
                    return true;
                }
                cut = rel[..end].rfind('/');
            }
            // A submodule: a pattern may match something inside it.
            gitlink
        }
    }
}

fn is_under(path: &str, dir: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// Which steps re-run when building `changes` after the parent.
pub fn reruns(steps: &Steps, ctx: &ContextView, changes: &[Change]) -> Vec<bool> {
    let paths: Vec<(String, bool)> = changes.iter().filter_map(|c| in_context(ctx, c)).collect();
    let own: Vec<bool> = steps
        .steps
        .iter()
        .map(|st| {
            st.inputs.iter().any(|i| match i {
                Input::Context(sel) => paths.iter().any(|(p, g)| selects(sel, p, *g)),
                Input::Stage(_) => false,
            })
        })
        .collect();
    let mut rerun = vec![false; steps.steps.len()];
    let mut state = vec![StageState::Todo; steps.stages.len()];
    for s in 0..steps.stages.len() {
        eval_stage(steps, s, &own, &mut rerun, &mut state);
    }
    rerun
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum StageState {
    Todo,
    Running,
    /// Done; did any step re-run?
    Done(bool),
}

/// Evaluate stage `s` (and the stages it uses first); returns whether any of
/// its steps re-ran. A reference cycle counts as a re-run (conservative).
fn eval_stage(
    steps: &Steps,
    s: usize,
    own: &[bool],
    rerun: &mut [bool],
    state: &mut [StageState],
) -> bool {
    match state[s] {
        StageState::Done(r) => return r,
        StageState::Running => return true,
        StageState::Todo => {}
    }
    state[s] = StageState::Running;
    let mut before = false;
    for &id in &steps.stages[s] {
        let mut changed = own[id];
        for input in &steps.steps[id].inputs {
            if let Input::Stage(dep) = input {
                changed |= eval_stage(steps, *dep, own, rerun, state);
            }
        }
        before |= changed;
        rerun[id] = before;
    }
    state[s] = StageState::Done(before);
    before
}

/// How many of `commits` re-ran each step.
pub fn count(steps: &Steps, ctx: &ContextView, commits: &[Commit]) -> Vec<usize> {
    let mut counts = vec![0; steps.steps.len()];
    for c in commits {
        for (n, r) in counts.iter_mut().zip(reruns(steps, ctx, &c.changes)) {
            *n += usize::from(r);
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn change(p: &str) -> Change {
        Change {
            path: p.into(),
            gitlink: false,
        }
    }

    fn run(src: &str, prefix: &str, ignore: &str, changed: &[&str]) -> Vec<bool> {
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        let steps = Steps::new(&m);
        let ignore = DockerIgnore::parse(ignore);
        let ctx = ContextView {
            prefix,
            ignore: &ignore,
        };
        let changes: Vec<Change> = changed.iter().map(|p| change(p)).collect();
        reruns(&steps, &ctx, &changes)
    }

    const NPM: &str = "FROM node\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN build\n";

    #[test]
    fn a_source_edit_reruns_from_the_broad_copy() {
        assert_eq!(
            run(NPM, "", "", &["src/a.js"]),
            [false, false, false, true, true]
        );
        assert_eq!(
            run(NPM, "", "", &["package.json"]),
            [false, true, true, true, true]
        );
    }

    #[test]
    fn ignored_and_outside_paths_change_nothing() {
        assert_eq!(run(NPM, "", "docs\n", &["docs/x.md"]), [false; 5]);
        assert_eq!(run(NPM, "app", "", &["other/package.json"]), [false; 5]);
        assert_eq!(
            run(NPM, "app", "", &["app"]),
            [false; 5],
            "a file named like the context"
        );
        assert_eq!(
            run(NPM, "app", "", &["app/package.json"]),
            [false, true, true, true, true]
        );
    }

    #[test]
    fn globs_match_a_path_or_a_parent() {
        let src = "FROM a\nCOPY src/*/ ./\nCOPY *.lock ./\n";
        assert_eq!(run(src, "", "", &["src/x/deep/f"]), [false, true, true]);
        assert_eq!(run(src, "", "", &["yarn.lock"]), [false, false, true]);
        assert_eq!(run(src, "", "", &["src/f"]), [false, true, true]);
        assert_eq!(run(src, "", "", &["x/yarn.lock"]), [false; 3]);
    }

    #[test]
    fn stages_propagate_through_from_and_copy_from() {
        let src = "FROM a AS deps\nCOPY package.json ./\nFROM a AS src\nCOPY src src\n\
                   FROM deps AS test\nRUN test\nFROM b\nCOPY --from=src /src /src\n";
        assert_eq!(
            run(src, "", "", &["src/a"]),
            [false, false, false, true, false, false, false, true]
        );
        assert_eq!(
            run(src, "", "", &["package.json"]),
            [false, true, false, false, true, true, false, false]
        );
    }

    #[test]
    fn copy_from_a_later_stage_and_a_cycle() {
        let src = "FROM a\nCOPY --from=late /x /x\nFROM b AS late\nCOPY src src\n";
        assert_eq!(run(src, "", "", &["src/a"]), [false, true, false, true]);
        assert_eq!(run(src, "", "", &["other"]), [false; 4]);
        // A cycle cannot build; counted as re-running (conservative).
        let cyc = "FROM a AS x\nCOPY --from=y / /\nFROM b AS y\nCOPY --from=x / /\n";
        assert_eq!(run(cyc, "", "", &[]), [false, true, false, true]);
    }

    #[test]
    fn a_changed_submodule_reaches_copies_inside_it() {
        let df = crate::syntax::parse(b"FROM a\nCOPY vendor/lib/x ./\n");
        let src = "FROM a\nCOPY vendor/lib/x ./\n";
        let m = Model::new(src, &df);
        let steps = Steps::new(&m);
        let ignore = DockerIgnore::default();
        let ctx = ContextView {
            prefix: "",
            ignore: &ignore,
        };
        let sub = Change {
            path: "vendor/lib".into(),
            gitlink: true,
        };
        assert_eq!(reruns(&steps, &ctx, &[sub]), [false, true]);
    }
}
