//! What the install touches outside its project, from its preset's
//! `outside` table: the trees it reads (its configuration, the runtime, the
//! libraries and headers its dependencies' build scripts compile against),
//! the programs it runs by name (each read in every `PATH` directory), and
//! the trees it writes (caches, temporary files). A step moved after the
//! install with the source copy may touch a path outside the copy's
//! destination only when it commutes with this (`carry.rs`).

use crate::effects::command::ShellEnv;
use crate::effects::{Effect, PathPat};
use crate::readers::Site;

use super::candidate::Candidate;
use super::steps::RunEnv;
use crate::rules::RuleContext;

/// Docker's default `PATH`, where the programs are looked up besides the
/// directories the Dockerfile puts on it.
const DEFAULT_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// The install's effect outside its project; `None` when unknown: the
/// preset does not say, a variable that moves what it touches is set, or
/// the user's home is unknown.
pub fn effect(rc: &RuleContext, cand: &Candidate) -> Option<Effect> {
    let install = &cand.install;
    let outside = install.m.preset.outside.as_ref()?;
    let script = &install.script;
    let vars = &rc.model.state[cand.run].vars;
    let env = Site::env_at(
        vars,
        &script.commands[..install.k],
        &script.commands[install.k],
    );
    if env.iter().any(|(name, _)| moves(&outside.env, name)) {
        return None;
    }
    let run_env = RunEnv::at(rc.model, cand.run);
    let shell = ShellEnv {
        cwd: Some("/".into()),
        vars,
        home: Some(run_env.home.clone()?),
        path_dirs: &run_env.path_dirs,
    };
    let tree = |p: &String| shell.resolve(p).map(PathPat::Tree);
    let mut eff = Effect::default();
    for p in &outside.reads {
        eff.reads.push(tree(p)?);
    }
    for p in &outside.writes {
        eff.writes.push(tree(p)?);
    }
    let dirs = DEFAULT_PATH
        .iter()
        .map(|d| d.to_string())
        .chain(run_env.path_dirs.iter().cloned());
    for dir in dirs {
        for name in &outside.programs {
            eff.reads.push(PathPat::Exact(format!("{dir}/{name}")));
        }
    }
    Some(eff)
}

/// Does variable `name` match one of `patterns` (a trailing `*` matches a
/// prefix; ASCII case ignored)?
fn moves(patterns: &[String], name: &str) -> bool {
    patterns.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => name
            .get(..prefix.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(prefix)),
        None => name.eq_ignore_ascii_case(p),
    })
}

#[cfg(test)]
mod tests {
    use super::moves;

    #[test]
    fn variables_match_by_name_or_prefix_ignoring_case() {
        let pats = ["npm_config_*".to_string(), "TMPDIR".to_string()];
        assert!(moves(&pats, "NPM_CONFIG_CACHE"));
        assert!(moves(&pats, "npm_config_prefix"));
        assert!(moves(&pats, "tmpdir"));
        assert!(!moves(&pats, "NODE_ENV"));
        assert!(!moves(&pats, "npm"));
    }
}
