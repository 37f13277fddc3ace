//! The build steps of one Dockerfile and what each step's cache key depends
//! on: files of the build context, other stages, or nothing that changes
//! between commits (the instruction text, ARG/ENV values, remote sources).

use crate::model::{clean_rel, Model};
use crate::syntax::Keyword;

/// Which context paths a COPY/ADD source or bind mount brings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The whole context (`.`, or a source we cannot resolve: conservative).
    All,
    /// A path and everything below it.
    Path(String),
    /// A Go `filepath.Match` pattern; a match brings everything below it.
    Glob(String),
}

/// What a step's cache key depends on besides its own text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Context(Selector),
    /// The result of another stage (index into [`Steps::stages`]).
    Stage(usize),
}

#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based line of the instruction.
    pub line: usize,
    pub keyword: Keyword,
    /// The instruction on one line, blanks collapsed.
    pub text: String,
    /// Stage index.
    pub stage: usize,
    pub inputs: Vec<Input>,
    /// Index of the instruction in [`Model::ins`].
    pub ins: usize,
}

/// Every step of a file, grouped by stage; instructions before the first
/// FROM (global ARGs) are not steps.
#[derive(Debug, Clone, Default)]
pub struct Steps {
    pub steps: Vec<Step>,
    /// Per stage, the indices into `steps` in order (the FROM first).
    pub stages: Vec<Vec<usize>>,
}

impl Steps {
    pub fn new(m: &Model) -> Steps {
        let mut out = Steps::default();
        for (s, stage) in m.stages.iter().enumerate() {
            let mut ids = Vec::new();
            for i in stage.from.into_iter().chain(stage.body.iter().copied()) {
                let ins = m.ins[i];
                ids.push(out.steps.len());
                out.steps.push(Step {
                    line: ins.start_line,
                    keyword: ins.kind,
                    text: one_line(&ins.logical_str()),
                    stage: s,
                    inputs: inputs(m, i, s),
                    ins: i,
                });
            }
            out.stages.push(ids);
        }
        out
    }
}

/// Blanks collapsed to single spaces.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The stage `name` refers to (alias, case-insensitive, or index), among
/// the stages other than `current`. BuildKit resolves `--from` names over
/// all stages, later ones included; anything else is an image.
fn stage_ref(m: &Model, name: &str, current: usize) -> Option<usize> {
    let lower = name.to_ascii_lowercase();
    let by_alias = m
        .stages
        .iter()
        .enumerate()
        .rposition(|(j, st)| j != current && st.alias.as_deref() == Some(lower.as_str()));
    by_alias.or_else(|| {
        let n: usize = name.parse().ok()?;
        (n != current && n < m.stages.len()).then_some(n)
    })
}

fn inputs(m: &Model, i: usize, stage: usize) -> Vec<Input> {
    let ins = m.ins[i];
    match ins.kind {
        Keyword::From => {
            let words = ins.words();
            let base = words.first().map(|w| w.text.as_str()).unwrap_or("");
            // A FROM can only name an earlier stage.
            let lower = base.to_ascii_lowercase();
            m.stages[..stage]
                .iter()
                .rposition(|st| st.alias.as_deref() == Some(lower.as_str()))
                .map(Input::Stage)
                .into_iter()
                .collect()
        }
        Keyword::Copy | Keyword::Add => copy_inputs(m, i, stage),
        Keyword::Run => ins
            .flags
            .iter()
            .filter(|f| f.name == "mount")
            .filter_map(|f| mount_input(m, f.value.as_deref().unwrap_or(""), stage))
            .collect(),
        _ => Vec::new(),
    }
}

fn copy_inputs(m: &Model, i: usize, stage: usize) -> Vec<Input> {
    let Some(cv) = m.copy_view(i) else {
        return Vec::new();
    };
    if let Some(from) = &cv.from {
        // Another stage, or an image (remote: unchanged).
        return stage_ref(m, from, stage)
            .map(Input::Stage)
            .into_iter()
            .collect();
    }
    if cv.heredoc && cv.sources.as_ref().is_some_and(|s| s.len() <= 1) {
        return Vec::new();
    }
    // ARG values are constant: a source naming one resolves to its default.
    let sources = cv
        .sources
        .clone()
        .or_else(|| super::vars::copy_sources(m, i, &super::vars::at(m, i, stage)));
    let Some(sources) = sources else {
        return vec![Input::Context(Selector::All)];
    };
    let add = m.ins[i].kind == Keyword::Add;
    sources
        .iter()
        .filter(|s| !(add && is_remote(s)))
        .filter(|s| !(cv.heredoc && s.starts_with("<<")))
        .map(|s| Input::Context(selector(s)))
        .collect()
}

/// `ADD https://...`, `ADD git@host:repo.git`: not from the context.
fn is_remote(s: &str) -> bool {
    s.contains("://") || s.starts_with("git@")
}

fn selector(source: &str) -> Selector {
    let rel = clean_rel(source);
    if rel.is_empty() {
        Selector::All
    } else if rel.contains(['*', '?', '[', '\\']) {
        Selector::Glob(rel)
    } else {
        Selector::Path(rel)
    }
}

/// `RUN --mount=type=bind,source=x,target=/y[,from=stage]`; bind is the default type.
fn mount_input(m: &Model, value: &str, stage: usize) -> Option<Input> {
    let mut ty = "bind";
    let mut source = "";
    let mut from = None;
    for kv in value.split(',') {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "type" => ty = v,
            "source" | "src" => source = v,
            "from" => from = Some(v),
            _ => {}
        }
    }
    if let Some(from) = from {
        return stage_ref(m, from, stage).map(Input::Stage);
    }
    if ty != "bind" {
        return None;
    }
    if source.contains('$') {
        return Some(Input::Context(Selector::All));
    }
    Some(Input::Context(selector(source)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn steps(src: &str) -> Steps {
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        Steps::new(&m)
    }

    #[test]
    fn copy_sources_stage_refs_and_mounts() {
        let s = steps(
            "ARG V=1\nFROM node:20 AS build\nCOPY package.json src/*.js ./\nADD https://x/y.tgz /\nCOPY . .\n\
             FROM build AS test\nRUN --mount=type=bind,source=tests,target=/t --mount=type=cache,target=/c true\n\
             FROM alpine\nCOPY --from=build /app /app\nCOPY --from=nginx:1 /etc/nginx /etc/nginx\nCOPY $UNSET /x\n\
             ARG CONF=etc\nCOPY $CONF/app.conf /etc/\n",
        );
        let inputs: Vec<(usize, Vec<Input>)> =
            s.steps.iter().map(|s| (s.line, s.inputs.clone())).collect();
        use Input::*;
        use Selector::*;
        assert_eq!(
            inputs,
            vec![
                (2, vec![]),
                (
                    3,
                    vec![
                        Context(Path("package.json".into())),
                        Context(Glob("src/*.js".into()))
                    ]
                ),
                (4, vec![]),
                (5, vec![Context(All)]),
                (6, vec![Stage(0)]),
                (7, vec![Context(Path("tests".into()))]),
                (8, vec![]),
                (9, vec![Stage(0)]),
                (10, vec![]),
                (11, vec![Context(All)]),
                (12, vec![]),
                (13, vec![Context(Path("etc/app.conf".into()))]),
            ]
        );
        assert_eq!(
            s.stages,
            vec![vec![0, 1, 2, 3], vec![4, 5], vec![6, 7, 8, 9, 10, 11]]
        );
    }
}
