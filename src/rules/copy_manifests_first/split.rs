//! Where R splits: the commands before the install stay with it, the ones
//! after it move to a RUN after the source copy.

use crate::shell::{self, Separator};
use crate::syntax::Instruction;

use super::candidate::Candidate;
use super::paths::resolve;
use super::refusal::Refusal;
use crate::rules::RuleContext;

/// Commands that may run before the install in the same RUN: they read no source.
const SAFE_BEFORE: &[&str] = &[
    "cd",
    "export",
    "set",
    "umask",
    "true",
    ":",
    "mkdir",
    "apt-get",
    "apt",
    "apk",
    "yum",
    "dnf",
    "microdnf",
    "zypper",
    "echo",
    "corepack",
    "useradd",
    "adduser",
    "groupadd",
    "addgroup",
    "update-ca-certificates",
    "chmod",
    "chown",
    "rm",
];

/// Commands before the install whose effect on the shell must be repeated
/// in the RUN that continues after the source copy.
const CARRIED: &[&str] = &["cd", "export", "set", "umask", "chmod", "chown", "rm"];

/// What the part of R before the install does.
pub struct Split {
    /// The install's working directory (WORKDIR plus any `cd`).
    pub cwd: String,
    /// Prelude commands repeated at the start of the RUN after the source copy.
    pub carried: Vec<String>,
    /// Directories the prelude changes to.
    pub cd_dirs: Vec<String>,
    /// Paths whose mode or owner the prelude changes.
    pub touched_paths: Vec<String>,
}

pub fn split_run(rc: &RuleContext, cand: &Candidate) -> Result<Split, Refusal> {
    check_separators(cand)?;
    let Some(workdir) = rc.model.state[cand.run].workdir.clone() else {
        return Err(Refusal::Unresolved(
            "the WORKDIR of the RUN depends on a value dockopt cannot resolve".into(),
        ));
    };
    let r = rc.model.ins[cand.run];
    let mut split = Split {
        cwd: workdir,
        carried: Vec::new(),
        cd_dirs: Vec::new(),
        touched_paths: Vec::new(),
    };
    for cmd in &cand.install.script.commands[..cand.install.k] {
        prelude_command(rc, r, cmd, &mut split)?;
    }
    Ok(split)
}

/// R splits only at top-level `&&` after the install, and has no `||`, `|` or `&`.
fn check_separators(cand: &Candidate) -> Result<(), Refusal> {
    let script = &cand.install.script;
    let k = cand.install.k;
    let seps = &script.separators;
    if seps
        .iter()
        .any(|s| matches!(s, Separator::Or | Separator::Pipe | Separator::Background))
        || matches!(
            script.trailing,
            Some(Separator::Or | Separator::Pipe | Separator::Background | Separator::And)
        )
    {
        return Err(Refusal::Shell(
            "the RUN combines commands with `||`, `|` or `&`; splitting it would change what runs when a step fails".into(),
        ));
    }
    let after = &script.commands[k + 1..];
    if !after.is_empty() && seps[k..].iter().any(|s| *s != Separator::And) {
        return Err(Refusal::Shell(
            "the commands after the install are joined with `;` or newlines, not `&&`; splitting would change failure handling".into(),
        ));
    }
    Ok(())
}

/// One command before the install: allowed, carried, or a refusal.
fn prelude_command(
    rc: &RuleContext,
    r: &Instruction,
    cmd: &shell::Command,
    split: &mut Split,
) -> Result<(), Refusal> {
    let prog = cmd.program().unwrap_or("");
    let text = command_text(r, cmd);
    if cmd.compound || cmd.has_redirections {
        return Err(Refusal::Prelude(format!(
            "the RUN runs `{text}` before the install, which dockopt cannot vouch for"
        )));
    }
    if cmd.words.is_empty() {
        // Assignment only: shell state the later part needs too.
        split.carried.push(text);
        return Ok(());
    }
    let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
    let is_prelude = rc.presets.list.iter().any(|p| p.is_prelude(&words));
    let name = crate::preset::program_name(prog);
    let safe_prog = SAFE_BEFORE.contains(&name);
    // Tool commands of an ecosystem (npm, pip...) are allowed only as that preset's prelude.
    let tool = ["npm", "pip", "python", "cargo", "uv", "git"].contains(&name);
    if !(is_prelude || (safe_prog && !tool))
        || cmd.words.iter().any(|w| !w.literal) && prog != "export"
    {
        return Err(Refusal::Prelude(format!(
            "the RUN runs `{text}` before the install; it may need the source"
        )));
    }
    if prog == "cd" {
        let Some(dir) = cmd.cd_target() else {
            return Err(Refusal::Prelude(format!(
                "`{text}` changes to a directory dockopt cannot resolve"
            )));
        };
        split.cwd = resolve(&split.cwd, dir);
        split.cd_dirs.push(split.cwd.clone());
    }
    if prog == "chmod" || prog == "chown" {
        // `chmod +x mvnw`: the paths must be among the copied manifests (checked
        // later); the command runs again after the copy, which restores modes.
        let paths = cmd.words[1..]
            .iter()
            .filter(|w| !w.text.starts_with('-'))
            .skip(1);
        for p in paths {
            split.touched_paths.push(resolve(&split.cwd, &p.text));
        }
    }
    if prog == "rm"
        && !cmd.words[1..]
            .iter()
            .any(|w| w.text.starts_with('-') && w.text.contains('f'))
    {
        return Err(Refusal::Prelude(format!(
            "`{text}` fails before the source copy unless its files exist; dockopt needs `rm -f`"
        )));
    }
    if CARRIED.contains(&prog) {
        split.carried.push(text);
    }
    Ok(())
}

/// Source text of a command of the RUN (logical line).
pub fn command_text(r: &Instruction, cmd: &shell::Command) -> String {
    let a = r.args_str();
    a.get(cmd.span.clone()).unwrap_or("").to_string()
}
