//! What the install touches outside its project, from its preset's
//! `outside` table: the trees it reads (its configuration, the runtime, the
//! libraries and headers its dependencies' build scripts compile against),
//! the programs it runs by name (each read in every `PATH` directory), and
//! the trees it writes (caches, temporary files). A step moved after the
//! install with the source copy may touch a path outside the copy's
//! destination only when it commutes with this (`carry.rs`).

use crate::context::BuildContext;
use crate::effects::command::ShellEnv;
use crate::effects::{Effect, PathPat};
use crate::paths::CtxPath;
use crate::preset::Outside;
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
/// `files` are the context paths the manifests copy brings: a configuration
/// file among them (`.npmrc`) that sets a key moving what the install
/// touches (`cache=/var/cache/npm`) makes the effect unknown, as does such a
/// flag (`--cache`) on the install or a fallback.
pub fn effect(
    rc: &RuleContext,
    cand: &Candidate,
    ctx: &BuildContext,
    files: &[CtxPath],
) -> Option<Effect> {
    let install = &cand.install;
    let outside = install.m.preset.outside.as_ref()?;
    let matches = std::iter::once(&install.m).chain(&install.fallbacks);
    let flagged = matches
        .flat_map(|m| m.flag_values.iter())
        .any(|(f, _)| outside.flags.iter().any(|o| o == f));
    if flagged || files.iter().any(|f| config_moves(ctx, outside, f.as_str())) {
        return None;
    }
    let says = |f: &CtxPath| {
        ctx.read_to_string(f.as_str()).map_or(true, |t| {
            outside.unknown_with.iter().any(|w| t.contains(w.as_str()))
        })
    };
    if !outside.unknown_with.is_empty() && files.iter().any(says) {
        return None;
    }
    let script = &install.script;
    // A program named by its path (`/opt/venv/bin/pip`, `./node_modules/.bin/x`)
    // may belong to another installation, whose files the table does not name.
    let by_path =
        |k: usize| (script.commands[k].words.first()).is_some_and(|w| w.text.contains('/'));
    let fallbacks = (0..install.fallbacks.len()).map(|i| install.k + 1 + i);
    if std::iter::once(install.k).chain(fallbacks).any(by_path) {
        return None;
    }
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
    // Above C's destination, every directory on the way to `/`.
    let mut up = match outside.reads_upward.is_empty() {
        true => None,
        false => Some(super::paths::ImagePath::new(&cand_dest(cand)?)),
    };
    while let Some(dir) = up {
        for name in &outside.reads_upward {
            eff.reads
                .push(PathPat::Exact(dir.resolve(name).into_string()));
        }
        up = (!dir.is_root()).then(|| dir.parent());
    }
    let dirs = DEFAULT_PATH
        .iter()
        .copied()
        .chain(run_env.path_dirs.iter().map(String::as_str));
    let programs: Vec<String> = dirs
        .flat_map(|dir| {
            outside
                .programs
                .iter()
                .map(move |name| [dir, "/", name].concat())
        })
        .collect();
    // `PathSet::push` without its linear search for a duplicate (quadratic
    // over a preset's ~200 program paths): the reads so far are trees and
    // the `reads-upward` files (none a program's path, and a duplicate is
    // harmless), so only a program path met before is one.
    let mut seen = std::collections::HashSet::with_capacity(programs.len());
    let first: Vec<bool> = programs.iter().map(|p| seen.insert(p.as_str())).collect();
    let unique = programs.into_iter().zip(first).filter(|(_, f)| *f);
    eff.reads
        .pats
        .extend(unique.map(|(p, _)| PathPat::Exact(p)));
    Some(eff)
}

/// C's destination, resolved (`None` below the base image's unknown WORKDIR).
fn cand_dest(cand: &Candidate) -> Option<String> {
    (cand.view.dest_abs.clone()).filter(|d| !d.starts_with(crate::model::IMAGE_WORKDIR))
}

/// Is context file `f` one of the tool's configuration files, setting one
/// of the keys that move what the install touches (case ignored; `#`/`;`
/// comments)? A line's key is what comes before its first `=`, `:` or blank,
/// without quotes: `key=value` (ini, .npmrc), `key "value"` (.yarnrc),
/// `key: value` (YAML), `"key": value` (JSON) all name `key`.
fn config_moves(ctx: &BuildContext, outside: &Outside, f: &str) -> bool {
    let name = f.rsplit('/').next().unwrap_or(f);
    if !outside.config_files.iter().any(|c| c == name) {
        return false;
    }
    let Some(text) = ctx.read_to_string(f) else {
        return true; // unreadable: what it sets is unknown
    };
    text.lines().any(|line| {
        let line = line.trim();
        if line.starts_with(['#', ';']) {
            return false;
        }
        let key = line_key(line);
        outside
            .config_keys
            .iter()
            .any(|k| k.eq_ignore_ascii_case(key))
    })
}

/// The key a configuration line sets (see [`config_moves`]).
fn line_key(line: &str) -> &str {
    let line = line.trim_start_matches(['"', '\'']);
    let end = line
        .find(|c: char| c == '=' || c == ':' || c.is_whitespace() || c == '"' || c == '\'')
        .unwrap_or(line.len());
    &line[..end]
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
    fn configuration_lines_name_their_key_in_every_format() {
        for line in [
            "cache=/var/cache/npm",
            "cache = /x",
            "cache \"/x\"",
            "\"cache\" \"/x\"",
            "cache: /x",
            "\"cache\": \"/x\",",
        ] {
            assert_eq!(super::line_key(line), "cache", "{line}");
        }
        assert_eq!(super::line_key("cache-folder \"/x\""), "cache-folder");
    }

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
