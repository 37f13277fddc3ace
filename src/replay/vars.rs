//! ARG values taken as constant: a build arg's default is its value.
//!
//! The model leaves every ARG without a literal value (it can be overridden
//! with `--build-arg`, which the rewrite must respect). Replay assumes the
//! build arguments do not change between commits, so a COPY source that
//! names an ARG with a default resolves to that default. An ARG declared
//! without a default inside a stage takes the default of the global ARG of
//! the same name (declared before the first FROM).

use crate::model::{expand, key_values, unquote_simple, Model, Vars};
use crate::syntax::{Form, Keyword};

/// Defaults of the ARGs among `ins`, each expanded with `base` and the
/// defaults before it; `inherited` supplies the default of an ARG without one.
fn defaults(m: &Model, ins: &[usize], inherited: &Vars) -> Vars {
    let mut out = Vars::new();
    for &j in ins {
        if m.ins[j].kind != Keyword::Arg {
            continue;
        }
        for (k, v) in key_values(&m.ins[j].args_str(), false) {
            let value = match v {
                Some(v) => {
                    let mut scope = m.state[j].vars.clone();
                    fill(&mut scope, &out);
                    expand(&v, &scope)
                }
                None => inherited.get(&k).cloned().flatten(),
            };
            out.insert(k, value);
        }
    }
    out
}

/// Give the variables without a value the default of an ARG of that name.
fn fill(vars: &mut Vars, defaults: &Vars) {
    for (k, v) in vars.iter_mut() {
        if v.is_none() {
            if let Some(Some(d)) = defaults.get(k) {
                *v = Some(d.clone());
            }
        }
    }
}

/// The variables in scope before instruction `i` of stage `stage`, ARG
/// defaults taken as values.
pub fn at(m: &Model, i: usize, stage: usize) -> Vars {
    let first_from = m.stages.first().and_then(|s| s.from).unwrap_or(0);
    let global: Vec<usize> = (0..first_from).collect();
    let globals = defaults(m, &global, &Vars::new());
    let before: Vec<usize> = m.stages[stage]
        .body
        .iter()
        .copied()
        .filter(|&j| j < i)
        .collect();
    let mut vars = m.state[i].vars.clone();
    fill(&mut vars, &defaults(m, &before, &globals));
    vars
}

/// A COPY/ADD's sources (dest excluded) expanded with `vars`; `None` when one
/// still names a variable without a value.
pub fn copy_sources(m: &Model, i: usize, vars: &Vars) -> Option<Vec<String>> {
    let ins = m.ins[i];
    let words: Vec<String> = match ins.form {
        Form::Exec => ins.exec.clone(),
        Form::Shell => ins
            .words()
            .into_iter()
            .map(|w| unquote_simple(&w.text))
            .collect(),
    };
    let (_, sources) = words.split_last()?;
    sources.iter().map(|s| expand(s, vars)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arg_defaults_resolve_sources() {
        let src = "ARG APP=web\nFROM a\nARG APP\nARG LOCK=${APP}/package-lock.json\nARG NONE\n\
                   COPY $APP/package.json $LOCK ./\nCOPY $NONE/x ./\n";
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        let copy = m.ins.iter().position(|i| i.start_line == 6).unwrap();
        let vars = at(&m, copy, 0);
        assert_eq!(
            copy_sources(&m, copy, &vars),
            Some(vec![
                "web/package.json".to_string(),
                "web/package-lock.json".to_string()
            ])
        );
        let other = m.ins.iter().position(|i| i.start_line == 7).unwrap();
        assert_eq!(copy_sources(&m, other, &at(&m, other, 0)), None);
    }
}
