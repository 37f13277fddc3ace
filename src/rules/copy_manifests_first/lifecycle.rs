//! Lifecycle scripts of the manifests (`"postinstall": "..."` in a
//! package.json the install reads). The installer runs them during the
//! install, so after the rewrite they run before the source copy: each
//! command of each script must commute with the copy, like a command before
//! the install in its RUN. A script that only touches the manifests, its
//! own output (`node_modules`) or paths outside the project passes; one
//! that reads or writes what the copy brings, or runs a command dockopt
//! does not know, is refused, naming the script and the command.

use crate::context::BuildContext;
use crate::effects::Effect;
use crate::readers;
use crate::shell;

use super::candidate::Candidate;
use super::commute::SourceCopy;
use super::paths::{CopyMap, CtxPath, ImagePath};
use super::refusal::Refusal;
use super::steps::{self, RunEnv};
use crate::rules::RuleContext;

/// A command of a lifecycle script, which runs inside the install.
pub struct ScriptCommand {
    /// `{file}'s `{name}` script, `{command}``, for messages.
    pub text: String,
    pub effect: Effect,
}

/// Vet every lifecycle script of the package.json files in `files`
/// (context paths; `project` maps them into the image). Returns the
/// scripts' commands: they are part of the install, which the steps moved
/// with C must commute with.
pub fn vet(
    rc: &RuleContext,
    cand: &Candidate,
    ctx: &BuildContext,
    files: &[CtxPath],
    project: CopyMap,
    source: &SourceCopy,
) -> Result<Vec<ScriptCommand>, Refusal> {
    let names = readers::lifecycle_names();
    let mut commands = Vec::new();
    for f in files
        .iter()
        .map(CtxPath::as_str)
        .filter(|f| is_package_json(f))
    {
        let json: serde_json::Value = ctx
            .read_to_string(f)
            .and_then(|t| serde_json::from_str(&t).ok())
            .ok_or_else(|| Refusal::LifecycleScript(format!("{f} could not be read")))?;
        let Some(scripts) = json.get("scripts").and_then(|s| s.as_object()) else {
            continue;
        };
        for name in &names {
            let Some(body) = scripts.get(*name) else {
                continue;
            };
            let body = body.as_str().unwrap_or("");
            let dir = project.to_image(&CtxPath::new(readers::parent(f)));
            let dir = dir.map(ImagePath::into_string).ok_or_else(|| {
                Refusal::LifecycleScript(format!("{f} is outside the source copy"))
            })?;
            match script_effects(rc, cand, &dir, body, source) {
                Err(why) => {
                    return Err(Refusal::LifecycleScript(format!(
                        "{f} has a `{name}` script (`{body}`), which `{}` runs: {why}",
                        cand.install.command_text
                    )))
                }
                Ok(effects) => {
                    commands.extend(effects.into_iter().map(|(cmd, effect)| ScriptCommand {
                        text: format!("`{cmd}` of {f}'s `{name}` script"),
                        effect,
                    }))
                }
            }
        }
    }
    Ok(commands)
}

fn is_package_json(f: &str) -> bool {
    f == "package.json" || f.ends_with("/package.json")
}

/// The commands of script `body`, run in image directory `dir`, with their
/// effects; or why one does not commute with C.
fn script_effects(
    rc: &RuleContext,
    cand: &Candidate,
    dir: &str,
    body: &str,
    source: &SourceCopy,
) -> Result<Vec<(String, Effect)>, String> {
    let script = shell::parse(body);
    if let Some(p) = script.problems.first() {
        return Err(format!("its shell text cannot be read reliably ({p})"));
    }
    let mut env = RunEnv::at(rc.model, cand.run);
    env.cwd = Some(dir.to_string());
    let effects = steps::script_effects(rc, cand.run, &script, &mut env, 0..script.commands.len());
    let mut out = Vec::new();
    for ce in effects {
        let cmd = body[script.commands[ce.index].span.clone()].to_string();
        if let Some(conflict) = source.conflict(&ce.effect) {
            return Err(format!(
                "run before the source copy, `{cmd}` {}",
                conflict.describe(source.map)
            ));
        }
        out.push((cmd, ce.effect));
    }
    Ok(out)
}
