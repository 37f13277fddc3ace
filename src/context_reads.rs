//! Which build-context paths a Dockerfile's instructions read: the sources
//! of `COPY`/`ADD` without `--from`, and the sources of
//! `RUN --mount=type=bind` without `from=` (a bind mount reads the context
//! too, `source` defaulting to its root). An entry added to the ignore file
//! changes what each of them sees.

use crate::model::{clean_rel, Model};
use crate::syntax::Keyword;

/// How an instruction reads the context.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadKind {
    /// A `COPY` or `ADD` source.
    Copy,
    /// A `RUN --mount=type=bind` source.
    Mount,
}

/// One context path an instruction reads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextRead {
    /// Index of the instruction in the model.
    pub index: usize,
    pub kind: ReadKind,
    /// The cleaned context path ("" for the root); `None` when it cannot
    /// be resolved (an unknown variable).
    pub source: Option<String>,
}

/// Every context read of `m`, in instruction order.
pub fn context_reads(m: &Model) -> Vec<ContextRead> {
    let mut out = Vec::new();
    for (i, ins) in m.ins.iter().enumerate() {
        match ins.kind {
            Keyword::Copy | Keyword::Add => {
                let Some(v) = m.copy_view(i) else { continue };
                if v.from.is_some() || v.heredoc {
                    continue;
                }
                match &v.sources {
                    None => out.push(ContextRead {
                        index: i,
                        kind: ReadKind::Copy,
                        source: None,
                    }),
                    Some(srcs) => out.extend(srcs.iter().map(|s| ContextRead {
                        index: i,
                        kind: ReadKind::Copy,
                        source: Some(clean_rel(s)),
                    })),
                }
            }
            Keyword::Run => {
                for f in ins.flags.iter().filter(|f| f.name == "mount") {
                    if let Some(source) = bind_source(f.value.as_deref().unwrap_or("")) {
                        out.push(ContextRead {
                            index: i,
                            kind: ReadKind::Mount,
                            source,
                        });
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The context source of a `--mount` value that binds from the context:
/// `Some(None)` when it names a variable, `None` when the mount does not
/// read the context (another type, or `from=` a stage or image).
fn bind_source(value: &str) -> Option<Option<String>> {
    let mut ty = "bind";
    let mut source = "";
    for kv in value.split(',') {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "type" => ty = v.trim(),
            "source" | "src" => source = v.trim(),
            "from" => return None,
            _ => {}
        }
    }
    if !ty.eq_ignore_ascii_case("bind") {
        return None;
    }
    Some((!source.contains('$')).then(|| clean_rel(source)))
}

/// A path with glob characters stands for its directory part (conservative).
pub fn glob_dir(rel: &str) -> String {
    match rel.find(['*', '?', '[']) {
        Some(k) => crate::readers::parent(&rel[..k]).to_string(),
        None => rel.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(src: &str) -> Vec<(usize, ReadKind, Option<String>)> {
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        context_reads(&m)
            .into_iter()
            .map(|r| (r.index, r.kind, r.source))
            .collect()
    }

    #[test]
    fn copies_and_bind_mounts_from_the_context() {
        let got = reads(
            "FROM node:20 AS b\nCOPY . /src\nCOPY --from=b /x /y\nCOPY <<EOF /z\nhi\nEOF\n\
             RUN --mount=type=bind,source=node_modules/x,target=/m --mount=type=cache,target=/c true\n\
             RUN --mount=target=/all true\nRUN --mount=type=bind,from=b,target=/b true\n\
             RUN --mount=type=bind,source=$D,target=/d true\n",
        );
        use ReadKind::*;
        assert_eq!(
            got,
            vec![
                (1, Copy, Some(String::new())),
                (4, Mount, Some("node_modules/x".into())),
                (5, Mount, Some(String::new())),
                (7, Mount, None),
            ]
        );
    }
}
