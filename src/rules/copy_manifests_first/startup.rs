//! The files a RUN's shell reads when it starts, before the command: bash
//! sources `$BASH_ENV`; a login shell (`SHELL ["/bin/bash", "-lc"]`) reads
//! /etc/profile and the user's ~/.bash_profile, ~/.bash_login or ~/.profile;
//! zsh reads ~/.zshenv (and ~/.zprofile, ~/.zlogin as a login shell); an
//! interactive one (`-i`) its rc file. The install and every RUN the copies
//! move past read them, so when one lies in the source copy's destination
//! (`ENV BASH_ENV=/app/.bashenv`), it may be a file the source copy brings
//! and the manifests copy does not: refused. So is a shell dockopt does not
//! know (a program of the context, `pwsh`), and a startup file it cannot
//! resolve. The default shell (`/bin/sh -c`) reads none.
//!
//! Node reads files its `NODE_OPTIONS` name when it starts (`--require
//! ./hook.js`, `--import`, `--loader`, `--env-file`): a RUN that runs npm,
//! yarn, pnpm or node with such a file in (or relative to) the source
//! copy's destination is refused too. So is one that starts Python with a
//! `PYTHONPATH` directory in that destination where the context holds a
//! `sitecustomize.py` or `usercustomize.py`, which Python runs when it
//! starts.

use crate::model::Model;
use crate::syntax::{Form, Keyword};

use super::candidate::Candidate;
use super::paths::is_under;
use super::plan::Dest;
use super::refusal::Refusal;
use crate::rules::RuleContext;

/// Refuse when the shell of the install's RUN, or of a RUN between the
/// source copy and it, reads at startup a file in (or above) the source
/// copy's destination, or one dockopt cannot place.
pub fn check(rc: &RuleContext, cand: &Candidate, dest: &Dest) -> Result<(), Refusal> {
    let m = rc.model;
    let runs = (cand.between.iter().copied())
        .chain([cand.run])
        .filter(|&i| m.ins[i].kind == Keyword::Run && m.ins[i].form == Form::Shell);
    for i in runs {
        node_options(rc, i, dest)?;
        python_path(rc, i, cand, dest)?;
        let Some(shell) = shell_at(m, i) else {
            continue;
        };
        let line = rc.line(m.ins[i]);
        let at = format!(
            "the RUN at line {line} runs in `{}` (SHELL at line {})",
            shell.args.join(" "),
            rc.line(m.ins[shell.at])
        );
        let home = super::home::at(m, i).known();
        match startup_files(&shell.args, &m.state[i].vars, home.as_deref()) {
            Ok(files) => {
                if let Some(f) = files.iter().find(|f| is_under(f, &dest.abs)) {
                    return Err(Refusal::Environment(format!(
                        "{at}, which reads {f} when it starts: a file the source copy may bring"
                    )));
                }
            }
            Err(why) => return Err(Refusal::Environment(format!("{at}, {why}"))),
        }
    }
    Ok(())
}

/// Programs that start node, and so read `NODE_OPTIONS`.
const NODE_PROGRAMS: [&str; 6] = ["node", "npm", "npx", "yarn", "pnpm", "corepack"];

/// `NODE_OPTIONS` flags whose value is a file node loads when it starts.
const NODE_FILE_FLAGS: [&str; 7] = [
    "-r",
    "--require",
    "--import",
    "--loader",
    "--experimental-loader",
    "--env-file",
    "--env-file-if-exists",
];

/// Refuse when RUN `i` starts node with `NODE_OPTIONS` (from ENV, or set
/// in the RUN) loading a file that may be one the source copy brings: in
/// its destination, relative (to a working directory in it), a module
/// name, or not known.
fn node_options(rc: &RuleContext, i: usize, dest: &Dest) -> Result<(), Refusal> {
    let m = rc.model;
    let Ok(run) = super::steps::run_script(m, i) else {
        return Ok(());
    };
    let runs_node = (run.script.commands.iter())
        .filter_map(|c| c.program())
        .any(|p| NODE_PROGRAMS.contains(&crate::preset::program_name(p)));
    if !runs_node {
        return Ok(());
    }
    let mut values: Vec<Option<String>> = Vec::new();
    if let Some(v) = m.state[i].vars.get("NODE_OPTIONS") {
        values.push(v.clone());
    }
    for cmd in &run.script.commands {
        let exported = match cmd.program() {
            Some("export") => &cmd.words[1..],
            _ => &cmd.assignments[..],
        };
        for w in exported {
            if let Some(("NODE_OPTIONS", v)) = w.assignment().or_else(|| w.text.split_once('=')) {
                values.push(w.literal.then(|| v.to_string()));
            }
        }
    }
    let line = rc.line(m.ins[i]);
    for v in values {
        let loaded = match v {
            Some(v) => node_loaded_files(&v),
            None => Err("and dockopt cannot resolve its `NODE_OPTIONS`".to_string()),
        };
        let why = match loaded {
            Ok(files) => match files.iter().find(|f| !f.starts_with('/') || is_under(f, &dest.abs)) {
                Some(f) => format!("and its `NODE_OPTIONS` loads {f} when node starts: a file the source copy may bring"),
                None => continue,
            },
            Err(why) => why,
        };
        return Err(Refusal::Environment(format!(
            "the RUN at line {line} runs node, {why}"
        )));
    }
    Ok(())
}

/// The files `NODE_OPTIONS` makes node load (flag values, as written).
fn node_loaded_files(options: &str) -> Result<Vec<String>, String> {
    let words: Vec<&str> = options.split_whitespace().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = words[i].trim_matches(['"', '\'']);
        i += 1;
        if let Some((flag, value)) = w.split_once('=') {
            if NODE_FILE_FLAGS.contains(&flag) {
                out.push(value.to_string());
            }
        } else if NODE_FILE_FLAGS.contains(&w) {
            match words.get(i) {
                Some(v) => out.push(v.trim_matches(['"', '\'']).to_string()),
                None => {
                    return Err(format!(
                        "and its `NODE_OPTIONS` ends in `{w}`, which names no file"
                    ))
                }
            }
            i += 1;
        }
    }
    Ok(out)
}

/// Programs that start Python (a build backend, for uv).
const PYTHON_PROGRAMS: [&str; 9] = [
    "python",
    "pip",
    "poetry",
    "pipenv",
    "pdm",
    "uv",
    "conda",
    "mamba",
    "micromamba",
];

/// Modules Python imports from its path when it starts.
const PYTHON_STARTUP_MODULES: [&str; 2] = ["sitecustomize", "usercustomize"];

/// Refuse when RUN `i` starts Python with a `PYTHONPATH` directory in the
/// source copy's destination where the context holds a module Python runs
/// when it starts (or a `PYTHONPATH` dockopt cannot resolve).
fn python_path(rc: &RuleContext, i: usize, cand: &Candidate, dest: &Dest) -> Result<(), Refusal> {
    let m = rc.model;
    let Ok(run) = super::steps::run_script(m, i) else {
        return Ok(());
    };
    let runs_python = (run.script.commands.iter())
        .filter_map(|c| c.program())
        .any(|p| PYTHON_PROGRAMS.contains(&crate::preset::program_name(p)));
    let (Some(path), true) = (m.state[i].vars.get("PYTHONPATH"), runs_python) else {
        return Ok(());
    };
    let line = rc.line(m.ins[i]);
    let Some(path) = path else {
        return Err(Refusal::Environment(format!(
            "the RUN at line {line} starts Python, and dockopt cannot resolve its `PYTHONPATH`"
        )));
    };
    let (Some(ctx), Some(cwd)) = (rc.ctx, m.state[i].workdir.as_deref()) else {
        return Ok(());
    };
    for entry in path.split(':') {
        let dir = crate::paths::resolve(cwd, entry);
        let Some(rest) = dir.strip_prefix(dest.abs.trim_end_matches('/')) else {
            continue;
        };
        if !(rest.is_empty() || rest.starts_with('/')) {
            continue;
        }
        let ctx_dir = crate::paths::join(&cand.src_dir, rest.trim_start_matches('/'));
        // A module file or a package directory.
        let modules = PYTHON_STARTUP_MODULES
            .iter()
            .flat_map(|m| [format!("{m}.py"), m.to_string()]);
        for module in modules {
            let file = crate::paths::join(&ctx_dir, &module);
            if ctx.exists(&file) {
                return Err(Refusal::Environment(format!(
                    "the RUN at line {line} starts Python with {dir} on `PYTHONPATH`, where the source copy brings {file}, which Python runs when it starts"
                )));
            }
        }
    }
    Ok(())
}

/// The `SHELL` in effect at `i`: its instruction and arguments.
struct Shell {
    at: usize,
    args: Vec<String>,
}

/// The last `SHELL` before `i` in its stage, or in the stages it is built
/// FROM; `None`: the default shell.
fn shell_at(m: &Model, i: usize) -> Option<Shell> {
    let mut s = m.stages.iter().position(|st| st.body.contains(&i))?;
    let mut limit = i;
    loop {
        let stage = &m.stages[s];
        let found =
            (stage.body.iter().rev()).find(|&&j| j < limit && m.ins[j].kind == Keyword::Shell);
        if let Some(&j) = found {
            return Some(Shell {
                at: j,
                args: m.ins[j].exec.clone(),
            });
        }
        let parent = super::steps::parent_stage(m, s)?;
        s = parent;
        limit = usize::MAX;
    }
}

/// The files a shell started with `args` (`["/bin/bash", "-lc"]`, then
/// the command) reads before the command; `Err` says why they are unknown.
fn startup_files(
    args: &[String],
    vars: &crate::model::Vars,
    home: Option<&str>,
) -> Result<Vec<String>, String> {
    let Some(program) = args.first() else {
        return Err("which dockopt cannot read".into());
    };
    let name = crate::preset::program_name(program);
    let flags = shell_flags(&args[1..]);
    let (login, interactive) = (flags.contains(&'l'), flags.contains(&'i'));
    let home_file = |f: &str| match home {
        Some(h) => Ok(format!("{}/{f}", h.trim_end_matches('/'))),
        None => Err(format!(
            "which reads ~/{f}, and the home directory is unknown"
        )),
    };
    let mut files = Vec::new();
    match name {
        "sh" | "dash" | "ash" | "busybox" => {
            if login || interactive {
                files.push("/etc/profile".to_string());
                files.push(home_file(".profile")?);
            }
            if interactive {
                env_file(vars, "ENV", &mut files)?;
            }
        }
        "bash" => {
            if login {
                files.push("/etc/profile".to_string());
                for f in [".bash_profile", ".bash_login", ".profile"] {
                    files.push(home_file(f)?);
                }
            } else if interactive {
                files.push(home_file(".bashrc")?);
            } else {
                env_file(vars, "BASH_ENV", &mut files)?;
            }
        }
        "zsh" => {
            let dir = match vars.get("ZDOTDIR") {
                Some(Some(d)) if d.starts_with('/') => Ok(d.trim_end_matches('/').to_string()),
                Some(_) => Err("which reads $ZDOTDIR, which dockopt cannot resolve".to_string()),
                None => home_file("").map(|h| h.trim_end_matches('/').to_string()),
            }?;
            files.push(format!("{dir}/.zshenv"));
            if login || interactive {
                for f in [".zprofile", ".zshrc", ".zlogin"] {
                    files.push(format!("{dir}/{f}"));
                }
            }
        }
        _ => return Err("a shell dockopt does not know the startup files of".into()),
    }
    Ok(files)
}

/// A variable naming a file the shell sources (`BASH_ENV`, `ENV`).
fn env_file(vars: &crate::model::Vars, var: &str, files: &mut Vec<String>) -> Result<(), String> {
    match vars.get(var) {
        None => Ok(()),
        Some(Some(f)) if f.starts_with('/') => {
            files.push(crate::model::clean_abs(f));
            Ok(())
        }
        Some(_) => Err(format!(
            "which sources ${var}, a file dockopt cannot resolve"
        )),
    }
}

/// The single-letter options of a shell's arguments before the command
/// (`-lc`, `-o pipefail`, `--login`), as letters (`--login` is `l`).
fn shell_flags(args: &[String]) -> Vec<char> {
    let mut out = Vec::new();
    let mut takes_value = false;
    for a in args {
        if takes_value {
            takes_value = false;
            continue;
        }
        match a.as_str() {
            "--login" => out.push('l'),
            "--interactive" => out.push('i'),
            a if a.starts_with("--") => {}
            a if a.starts_with(['-', '+']) => {
                let letters: Vec<char> = a[1..].chars().collect();
                // `-o NAME`: the next argument is the option's name.
                takes_value = letters.last() == Some(&'o') || letters.last() == Some(&'O');
                if a.starts_with('-') {
                    out.extend(letters.iter().filter(|c| !matches!(c, 'o' | 'O')));
                }
                // `-c` ends the options: what follows is the command.
                if letters.contains(&'c') {
                    break;
                }
            }
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn node_options_name_the_files_node_loads() {
        assert_eq!(
            node_loaded_files("--require ./hook.js --max-old-space-size=4096"),
            Ok(vec!["./hook.js".to_string()])
        );
        assert_eq!(
            node_loaded_files("-r /opt/otel.js --import=/app/x.mjs"),
            Ok(vec!["/opt/otel.js".to_string(), "/app/x.mjs".to_string()])
        );
        assert_eq!(node_loaded_files("--max-old-space-size=4096"), Ok(vec![]));
        assert!(node_loaded_files("--require").is_err());
    }

    #[test]
    fn flags_are_read_up_to_the_command() {
        assert_eq!(shell_flags(&args(&["-lc"])), vec!['l', 'c']);
        assert_eq!(shell_flags(&args(&["-o", "pipefail", "-c"])), vec!['c']);
        assert_eq!(
            shell_flags(&args(&["-euxo", "pipefail", "-c"])),
            vec!['e', 'u', 'x', 'c']
        );
        assert_eq!(shell_flags(&args(&["--login", "-c"])), vec!['l', 'c']);
    }

    #[test]
    fn startup_files_of_the_common_shells() {
        let mut vars = crate::model::Vars::new();
        let root = Some("/root");
        assert_eq!(
            startup_files(&args(&["/bin/sh", "-c"]), &vars, root),
            Ok(vec![])
        );
        assert_eq!(
            startup_files(&args(&["/bin/bash", "-c"]), &vars, root),
            Ok(vec![])
        );
        vars.insert("BASH_ENV".into(), Some("/app/.bashenv".into()));
        assert_eq!(
            startup_files(&args(&["/bin/bash", "-o", "pipefail", "-c"]), &vars, root),
            Ok(vec!["/app/.bashenv".to_string()])
        );
        let login = startup_files(&args(&["/bin/bash", "-lc"]), &vars, root).unwrap();
        assert!(login.contains(&"/root/.profile".to_string()), "{login:?}");
        assert!(startup_files(&args(&["/bin/bash", "-lc"]), &vars, None).is_err());
        assert!(startup_files(&args(&["pwsh", "-Command"]), &vars, root).is_err());
        vars.insert("BASH_ENV".into(), None);
        assert!(startup_files(&args(&["bash", "-c"]), &vars, root).is_err());
    }
}
