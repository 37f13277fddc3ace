//! The user's home directory where a RUN starts, and the install's files
//! there (its preset's `home-files`: `~/.npmrc`).
//!
//! `HOME` set in the Dockerfile wins; otherwise the home follows the user
//! of the last `USER` (in the stage, or the stages it is built FROM): root
//! (`root`, `0`, no `USER`) is /root; another user's home is in the base
//! image's user database, which dockopt cannot see, unless the table of
//! known images says (`images/users.toml`: the node images' `node`, uid
//! 1000, is /home/node). Otherwise it is unknown, and a file the install
//! reads from it may be one the source copy brings: [`check_unknown`]
//! refuses when the source copy brings a file where some home would have it
//! that the manifests copy does not bring too.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::context::BuildContext;
use crate::model::{unquote_simple, Model};
use crate::readers::Site;
use crate::syntax::Keyword;

use super::candidate::Candidate;
use super::paths::CtxPath;
use super::refusal::Refusal;
use crate::rules::RuleContext;

/// The user's home directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Home {
    Known(String),
    /// Why it is unknown (a sentence part: "the home directory {why}").
    Unknown(String),
}

impl Home {
    pub fn known(self) -> Option<String> {
        match self {
            Home::Known(h) => Some(h),
            Home::Unknown(_) => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    image: Vec<Image>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Image {
    names: Vec<String>,
    users: std::collections::BTreeMap<String, String>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The TOML, converted to JSON by build.rs (same schema, faster to read).
        serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/users.json")))
            .expect("images/users.toml is valid (checked by a test)")
    })
}

/// The home directory where instruction `i` runs (`HOME`, else the user's).
pub fn at(m: &Model, i: usize) -> Home {
    match m.state[i].vars.get("HOME") {
        Some(Some(h)) if h.starts_with('/') => return Home::Known(h.clone()),
        Some(_) => return Home::Unknown("set by HOME to a value dockopt cannot resolve".into()),
        None => {}
    }
    if let Some(line) = passwd_changed(m, i) {
        return Home::Unknown(format!(
            "may have been changed by the RUN at line {line}, which edits the user database"
        ));
    }
    let (user, image) = user_and_image(m, i);
    let Some(user) = user else {
        return Home::Known("/root".into());
    };
    let name = user.split(':').next().unwrap_or("");
    if matches!(name, "" | "root" | "0") {
        return Home::Known("/root".into());
    }
    // Only Docker Hub's official images are the ones the table describes
    // (`registry.example.com/node` may hold another `node` user).
    let listed = image.as_deref().and_then(|img| {
        let official = crate::images::official(img)?.to_ascii_lowercase();
        let entry = table().image.iter().find(|e| e.names.contains(&official))?;
        entry.users.get(name).cloned()
    });
    match (listed, name.contains('$')) {
        (Some(h), false) => Home::Known(h),
        _ => Home::Unknown(format!(
            "of `USER {user}` is in the base image{}'s user database, which dockopt cannot see",
            image
                .as_deref()
                .map(|i| format!(" ({})", shown_image(i)))
                .unwrap_or_default()
        )),
    }
}

/// The line of a RUN before `i` (in its stage or the stages it is built
/// FROM) that may change a user's home: `usermod -d`, an edit of
/// /etc/passwd. The homes the table and root's /root stand for are then
/// unknown.
fn passwd_changed(m: &Model, i: usize) -> Option<usize> {
    super::steps::chain_before(m, i).into_iter().find_map(|j| {
        let x = m.ins[j];
        let text = x.logical_str();
        let changes = x.kind == Keyword::Run
            && (text.contains("/etc/passwd")
                || match super::steps::run_script(m, j) {
                    Ok(run) => run
                        .script
                        .commands
                        .iter()
                        .any(|c| usermod_moves_home(&c.words)),
                    Err(_) => text.contains("usermod"),
                });
        changes.then_some(x.start_line)
    })
}

/// `usermod` with `-d`/`--home` (a new home) or `-l`/`--login` (a new
/// name: the one the table lists is gone).
fn usermod_moves_home(words: &[crate::shell::Word]) -> bool {
    let Some(program) = words.first() else {
        return false;
    };
    crate::preset::program_name(&program.text) == "usermod"
        && words[1..].iter().any(|w| {
            let t = w.text.as_str();
            t.starts_with("--home")
                || t.starts_with("--login")
                || (t.starts_with('-') && !t.starts_with("--") && t.contains(['d', 'l']))
                || !w.literal
        })
}

/// The user of the last `USER` before `i` (in its stage or the stages it
/// is built FROM), and the image at the root of the stage chain.
fn user_and_image(m: &Model, i: usize) -> (Option<String>, Option<String>) {
    let Some(mut s) = m.stages.iter().position(|st| st.body.contains(&i)) else {
        return (None, None);
    };
    let mut limit = i;
    let mut user = None;
    loop {
        let stage = &m.stages[s];
        if user.is_none() {
            user = (stage.body.iter())
                .rev()
                .find(|&&j| j < limit && m.ins[j].kind == Keyword::User)
                .map(|&j| unquote_simple(m.ins[j].args_str().trim()));
        }
        let base = stage.from.and_then(|f| {
            m.ins[f]
                .words()
                .first()
                .map(|w| w.text.to_ascii_lowercase())
        });
        let parent = base.as_ref().and_then(|b| {
            m.stages[..s]
                .iter()
                .rposition(|st| st.alias.as_deref() == Some(b.as_str()))
        });
        match parent {
            Some(p) => {
                s = p;
                limit = usize::MAX;
            }
            None => return (user, base.filter(|b| !b.contains('$'))),
        }
    }
}

/// An image for messages: its repository (`node`) when it is a Docker Hub
/// one, else the name as written (`registry.example.com/node:20`).
fn shown_image(image: &str) -> String {
    match crate::images::official(image) {
        Some(r) => r.to_string(),
        None => image.to_string(),
    }
}

/// With the home unknown at the install, refuse when the source copy
/// brings a file that is one of the install's `home-files` for some home
/// (a context file whose path ends like `.npmrc`, `pip/pip.conf`) and the
/// manifests copy `files` does not bring it too.
pub fn check_unknown(
    rc: &RuleContext,
    cand: &Candidate,
    ctx: &BuildContext,
    files: &[CtxPath],
) -> Result<(), Refusal> {
    let install = &cand.install;
    let home_files = &install.m.preset.home_files;
    if home_files.is_empty() {
        return Ok(());
    }
    let script = &install.script;
    let vars = &rc.model.state[cand.run].vars;
    let env = Site::env_at(
        vars,
        &script.commands[..install.k],
        &script.commands[install.k],
    );
    let var = |n: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
    };
    let why = match var("HOME") {
        Some(Some(h)) if h.starts_with('/') => return Ok(()),
        Some(_) => "set by HOME to a value dockopt cannot resolve".to_string(),
        None => match at(rc.model, cand.run) {
            Home::Known(_) => return Ok(()),
            Home::Unknown(why) => why,
        },
    };
    let xdg_known = matches!(var("XDG_CONFIG_HOME"), Some(Some(x)) if x.starts_with('/'));
    for f in home_files {
        // `.config/` files follow XDG_CONFIG_HOME when it is set: known then.
        let suffix = match f.strip_prefix(".config/") {
            Some(_) if xdg_known => continue,
            Some(rest) => rest,
            None => f.as_str(),
        };
        let found = brought_with_suffix(ctx, &cand.src_dir, suffix).map_err(|e| {
            Refusal::Environment(format!(
                "the home directory {why}, and {e} for a ~/{f} that `{}` would read",
                install.command_text
            ))
        })?;
        if let Some(rel) = found
            .iter()
            .find(|r| !files.iter().any(|m| m.as_str() == *r))
        {
            return Err(Refusal::Environment(format!(
                "the home directory {why}, and the source copy brings {rel}, which `{}` reads as ~/{f} when that is its home",
                install.command_text
            )));
        }
    }
    Ok(())
}

/// The files under context directory `under` (that the context sends)
/// whose path ends with `/suffix` (or is it).
fn brought_with_suffix(
    ctx: &BuildContext,
    under: &str,
    suffix: &str,
) -> Result<Vec<String>, String> {
    let name = suffix.rsplit('/').next().unwrap_or(suffix);
    let found = ctx.find_files_named(under, name)?;
    Ok(found
        .into_iter()
        .filter(|r| r == suffix || r.ends_with(&format!("/{suffix}")))
        .filter(|r| ctx.is_file(r))
        .collect())
}

/// The variables in scope at RUN `i`, with `HOME` the user's home when the
/// Dockerfile does not set it and the home is known (as the RUN sees it):
/// the readers find the install's `home-files` there.
pub fn vars_with_home<'m>(m: &'m Model, i: usize) -> std::borrow::Cow<'m, crate::model::Vars> {
    let vars = &m.state[i].vars;
    match at(m, i) {
        Home::Known(h) if !vars.contains_key("HOME") => {
            let mut with = vars.clone();
            with.insert("HOME".into(), Some(h));
            std::borrow::Cow::Owned(with)
        }
        _ => std::borrow::Cow::Borrowed(vars),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON build.rs embeds reads back to exactly what the TOML says.
    #[test]
    fn the_embedded_table_equals_its_toml() {
        let from_toml: Table = toml::from_str(include_str!("../../../images/users.toml")).unwrap();
        assert_eq!(format!("{:?}", table()), format!("{from_toml:?}"));
    }

    #[test]
    fn the_table_parses() {
        assert!(table()
            .image
            .iter()
            .any(|i| i.names.contains(&"node".into())));
    }

    /// Only Docker Hub's official images are named by their repository
    /// (and looked up in the table); another registry's is shown as written.
    #[test]
    fn only_docker_hub_official_images_are_shown_as_repositories() {
        for (image, shown) in [
            ("node:20-alpine", "node"),
            ("docker.io/library/node:20", "node"),
            ("node@sha256:abc", "node"),
            ("localhost:5000/node:20", "localhost:5000/node:20"),
            (
                "registry.example.com/node:20",
                "registry.example.com/node:20",
            ),
            ("bitnami/node:20", "bitnami/node:20"),
        ] {
            assert_eq!(shown_image(image), shown, "{image}");
        }
    }
}
