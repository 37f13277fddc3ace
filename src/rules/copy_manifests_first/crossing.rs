//! What lies between the source copy C and the install's RUN R: each step
//! must commute with C for C to move past it.

use crate::model::{key_values, referenced_vars};
use crate::syntax::Keyword;

use super::candidate::Candidate;
use super::paths::is_under;
use super::plan::Dest;
use super::refusal::Refusal;
use crate::rules::RuleContext;

/// Instructions that only change image config: the source copy may move past them.
fn config_only(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::Label
            | Keyword::Expose
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Healthcheck
            | Keyword::Stopsignal
            | Keyword::Maintainer
            | Keyword::Shell
            | Keyword::User
            | Keyword::Onbuild
    )
}

pub fn check(rc: &RuleContext, cand: &Candidate, dest: &Dest) -> Result<(), Refusal> {
    let m = rc.model;
    let c = m.ins[cand.copy];
    let mut c_vars = referenced_vars(&c.args_str());
    c_vars.extend(c.flags.iter().flat_map(|f| referenced_vars(&f.text)));
    for &xi in &cand.between {
        let x = m.ins[xi];
        let at = format!("{} at line {}", x.name, x.start_line);
        let why = match x.kind {
            Keyword::Run => Some(format!(
                "{at} runs between the source copy and the install and may read the source"
            )),
            Keyword::Copy | Keyword::Add => {
                let overlap = match m.copy_view(xi).and_then(|v| v.dest_abs) {
                    Some(d) => is_under(&d, &dest.abs) || is_under(&dest.abs, &d),
                    None => true,
                };
                overlap.then(|| format!("{at} writes where the source copy writes; their order matters"))
            }
            Keyword::Workdir => (!dest.written.starts_with('/')).then(|| {
                format!(
                    "{at} changes the directory the source copy's relative destination `{}` resolves in",
                    dest.written
                )
            }),
            Keyword::Env | Keyword::Arg => key_values(&x.args_str(), x.kind == Keyword::Env)
                .into_iter()
                .map(|(k, _)| k)
                .find(|d| c_vars.contains(d))
                .map(|v| format!("{at} sets `{v}`, which the source copy uses")),
            Keyword::Volume => Some(format!(
                "{at} declares a volume between the source copy and the install"
            )),
            k if config_only(k) => None,
            _ => Some(format!("{at} is not something dockopt moves a COPY past")),
        };
        if let Some(why) = why {
            return Err(Refusal::Crossing(why));
        }
    }
    Ok(())
}
