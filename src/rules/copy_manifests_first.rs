//! copy-manifests-first: copy the dependency manifests and install before
//! copying the whole source (DESIGN.md §2).

use crate::edit::{Applicability, Edit, Fix};
use crate::model::{clean_abs, clean_rel, referenced_vars, CopyView, Model, IMAGE_WORKDIR};
use crate::preset::{InstallMatch, Preset};
use crate::readers::{self, ReadInput, Stub};
use crate::shell::{self, Separator};
use crate::syntax::{Form, Instruction, Keyword, Span};

use super::{Finding, Reason, RuleContext, RuleInfo};

pub const NAME: &str = "copy-manifests-first";

pub const INFO: RuleInfo = RuleInfo {
    name: NAME,
    summary: "Copy dependency manifests and install before copying the whole source",
    doc: DOC,
    check,
};

const DOC: &str = "\
# copy-manifests-first

## What it does
Finds a stage that copies the whole build context (`COPY . .`, `COPY . /app`,
`ADD . /code`, `COPY ./app /app`) and then runs a dependency install that a
preset recognises (`npm ci`, `pip install -r requirements.txt`, `cargo build`,
...). It rewrites the stage to copy only the manifests the install reads,
run the install, and then copy the rest:

    COPY . .                      COPY package.json package-lock.json ./
    RUN npm ci && npm run build   RUN npm ci
                                  COPY . .
                                  RUN npm run build

## Why is this bad?
Docker reuses a cached layer only while the step and every step before it
are unchanged. With the whole source copied first, any source edit
invalidates the copy and re-runs the install. Copying the manifests first
keeps the install cached until a manifest changes.

## Example
    FROM node:20
    WORKDIR /app
    COPY . .
    RUN npm install
    CMD [\"node\", \"server.js\"]

becomes

    FROM node:20
    WORKDIR /app
    COPY package.json package-lock.json ./
    RUN npm install
    COPY . .
    CMD [\"node\", \"server.js\"]

## When the file is left alone
The rewrite is made only when all of these hold; otherwise the reason is
reported and nothing changes:
- the install reads only the copied manifests (no lifecycle scripts, no
  `pip install .` or `-e`, no local path dependencies, every workspace member
  and `-r` include found);
- nothing between the copy and the install reads the source or changes how
  the copy resolves (a RUN, an overlapping COPY, a WORKDIR when the
  destination is relative, an ENV/ARG the copy uses, VOLUME);
- every manifest exists in the build context and is not excluded by the
  effective `.dockerignore`;
- the RUN splits cleanly at top-level `&&` (no `;`, `||`, pipes or
  background jobs around the install, no heredoc), and what runs before the
  install in the same RUN reads no source;
- a directory the install writes (`node_modules`, `target`) is not in the
  context, or the fix adds `**/<dir>` to `.dockerignore` (in the same diff).

## Fix safety
Safe: the rewritten file builds whenever the original did, to the same
files. One known difference: `npm install` with a lockfile out of sync with
package.json updates the lockfile in the install layer, and the source copy
then restores the context's copy. Unsafe (applied with `--unsafe-fixes`):
deps-only steps that leave extra files in an exported stage, such as
cargo's stub build (target/ keeps the dependency artifacts either way, but
the stub build's intermediate files differ) or warm-ups that fill package
caches; and `.dockerignore` entries for a directory the install does not
empty first (the original image kept host files merged with the installed
ones).
";

/// Internal reason kind: the install runs outside the copy's destination.
const OUTSIDE: &str = "outside";

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
// `chmod`, `chown` and `rm` change files the source copy brings back, so they
// are repeated after it (see CARRIED); `ln`, `cp`, `mv` are not allowed. Tools of
// an ecosystem (`npm`, `pip`, `cargo`...) are allowed only as a preset's prelude.
// Not here on purpose: `chmod`, `chown`, `rm`, `ln`, `cp`, `mv` change files that
// the source copy, once it runs after them, would bring back or overwrite; tools
// of an ecosystem (`npm`, `pip`, `cargo`...) are allowed only as a preset's prelude.

/// Commands before the install whose effect on the shell must be repeated
/// in the RUN that continues after the source copy.
const CARRIED: &[&str] = &["cd", "export", "set", "umask", "chmod", "chown", "rm"];

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

pub fn check(rc: &RuleContext) -> Vec<Finding> {
    let m = rc.model;
    let mut out = Vec::new();
    for stage in &m.stages {
        let body = &stage.body;
        for (pos, &ci) in body.iter().enumerate() {
            let Some(cv) = m.copy_view(ci) else { continue };
            let Some(src_dir) = broad_source(rc, &cv) else {
                continue;
            };
            // R: the first RUN after C with an install, unless another broad copy comes first.
            let mut r = None;
            for (xpos, &xi) in body.iter().enumerate().skip(pos + 1) {
                if m.copy_view(xi).is_some_and(|x| {
                    x.from.is_none() && !x.heredoc && broad_source(rc, &x).is_some()
                }) {
                    break;
                }
                if let Some(found) = find_install(rc, xi) {
                    r = Some((xpos, xi, found));
                    break;
                }
            }
            let Some((rpos, ri, install)) = r else {
                continue;
            };
            // Already optimized: an earlier RUN in this stage runs this ecosystem's install.
            let warm = body[..pos].iter().any(|&e| warms(rc, e, install.m.preset));
            if warm {
                continue;
            }
            let c = m.ins[ci];
            let rins = m.ins[ri];
            let message = format!(
                "{} copies the whole source before `{}` (line {}), so every source edit re-runs the install",
                one_line(c, m.src),
                install.command_text,
                rins.start_line
            );
            let planned = plan(
                rc,
                stage.exported,
                &body[pos + 1..rpos],
                ci,
                ri,
                &cv,
                &src_dir,
                &install,
            );
            let (fix, reason) = match planned {
                Ok(fix) => (Some(fix), None),
                // A subdirectory copy (`COPY patches ./patches`) that the install does
                // not run in is not this pattern: no finding.
                Err(r) if r.kind == OUTSIDE && !src_dir.is_empty() => continue,
                Err(mut r) => {
                    if r.kind == OUTSIDE {
                        r.kind = "layout";
                    }
                    (None, Some(r))
                }
            };
            let line = match &reason {
                Some(r) if r.kind == "crossing" || r.kind == "flags" => c.start_line,
                Some(_) => rins.start_line,
                None => c.start_line,
            };
            out.push(Finding {
                rule: NAME,
                line,
                message,
                fix,
                reason,
            });
        }
    }
    out
}

/// The instruction as one line, continuations removed (for messages).
fn one_line(ins: &Instruction, _src: &str) -> String {
    let logical = ins.logical_str();
    logical.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// If `cv` copies a whole directory of the context, its context-relative path.
fn broad_source(rc: &RuleContext, cv: &CopyView) -> Option<String> {
    if cv.from.is_some() || cv.heredoc {
        return None;
    }
    let sources = cv.sources.as_ref()?;
    let [s] = sources.as_slice() else { return None };
    if s.contains(['*', '?', '[']) || s.contains("://") {
        return None;
    }
    let rel = clean_rel(s);
    if rel.is_empty() {
        return Some(rel);
    }
    rc.ctx.filter(|ctx| ctx.is_dir(&rel)).map(|_| rel)
}

/// An install found in a RUN.
struct Install<'p> {
    preset_name: String,
    /// Index of the install command in the script.
    k: usize,
    m: InstallMatch<'p>,
    script: shell::Script,
    /// The RUN's shell text the script was parsed from.
    text: String,
    /// Logical text of the install command.
    command_text: String,
}

fn find_install<'p>(rc: &'p RuleContext, i: usize) -> Option<Install<'p>> {
    let ins = rc.model.ins[i];
    if ins.kind != Keyword::Run {
        return None;
    }
    let text = match ins.form {
        Form::Shell => ins.args_str().into_owned(),
        Form::Exec => {
            // Exec form: only a plain argv can be read as one command.
            if ins
                .exec
                .iter()
                .any(|a| a.is_empty() || a.contains(|c: char| !is_plain(c)))
            {
                return None;
            }
            ins.exec.join(" ")
        }
    };
    // The RUN's own text, then any heredoc bodies (a script there is found so
    // that the finding can say why it is left alone).
    let bodies = ins
        .heredocs
        .iter()
        .map(|h| rc.model.src[h.body.range()].to_string());
    for text in std::iter::once(text).chain(bodies) {
        let script = shell::parse(&text);
        for (k, cmd) in script.commands.iter().enumerate() {
            if cmd.compound {
                continue;
            }
            for p in &rc.presets.list {
                if let Some(m) = p.match_install(cmd) {
                    let command_text = text[cmd.span.clone()].to_string();
                    return Some(Install {
                        preset_name: p.name.clone(),
                        k,
                        m,
                        script,
                        text,
                        command_text,
                    });
                }
            }
        }
    }
    None
}

/// Does RUN `i` run an install or warm-up of `preset`?
fn warms(rc: &RuleContext, i: usize, preset: &Preset) -> bool {
    if find_install(rc, i).is_some_and(|f| f.preset_name == preset.name) {
        return true;
    }
    let ins = rc.model.ins[i];
    if ins.kind != Keyword::Run || ins.form != Form::Shell {
        return false;
    }
    shell::parse(&ins.args_str()).commands.iter().any(|c| {
        let words: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
        !words.is_empty() && preset.is_warm_up(&words)
    })
}

fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c)
}

fn refuse(kind: &'static str, text: impl Into<String>) -> Reason {
    Reason {
        kind,
        text: text.into(),
    }
}

/// Check every condition and build the fix, or say why not.
#[allow(clippy::too_many_arguments)]
fn plan(
    rc: &RuleContext,
    exported: bool,
    between: &[usize],
    ci: usize,
    ri: usize,
    cv: &CopyView,
    src_dir: &str,
    install: &Install,
) -> Result<Fix, Reason> {
    let m: &Model = rc.model;
    let src = m.src;
    let c = m.ins[ci];
    let r = m.ins[ri];
    let preset: &Preset = install.m.preset;

    // The install itself.
    if let Some(reason) = &install.m.needs_source {
        return Err(refuse(
            "needs-source",
            format!("RUN {}: {reason}", install.command_text),
        ));
    }
    if !r.heredocs.is_empty() {
        return Err(refuse(
            "shell",
            "the RUN uses a heredoc, which dockopt does not split",
        ));
    }
    let script = &install.script;
    if !script.problems.is_empty() {
        return Err(refuse(
            "shell",
            format!(
                "the RUN's shell command could not be split reliably ({})",
                script.problems[0]
            ),
        ));
    }

    // C's flags: carried to the manifest copy when they mean the same there.
    for f in &c.flags {
        match f.name.as_str() {
            "chown" | "chmod" | "link" | "exclude" => {}
            other => {
                return Err(refuse(
                    "flags",
                    format!(
                        "{} uses `--{other}`, which dockopt does not carry to a manifest copy",
                        c.name
                    ),
                ))
            }
        }
    }
    let (Some(dest), Some(dest_abs)) = (&cv.dest, &cv.dest_abs) else {
        return Err(refuse(
            "unresolved",
            format!("the destination of {} cannot be resolved", c.name),
        ));
    };

    // Crossing: what lies between C and R.
    let c_vars = referenced_vars(&c.args_str());
    let c_flag_vars: Vec<String> = c
        .flags
        .iter()
        .flat_map(|f| referenced_vars(&f.text))
        .collect();
    for &xi in between {
        let x = m.ins[xi];
        let at = format!("{} at line {}", x.name, x.start_line);
        match x.kind {
            Keyword::Run => {
                return Err(refuse(
                    "crossing",
                    format!(
                        "{at} runs between the source copy and the install and may read the source"
                    ),
                ))
            }
            Keyword::Copy | Keyword::Add => {
                let xv = m.copy_view(xi);
                let overlap = match xv.as_ref().and_then(|v| v.dest_abs.clone()) {
                    Some(d) => is_under(&d, dest_abs) || is_under(dest_abs, &d),
                    None => true,
                };
                if overlap {
                    return Err(refuse(
                        "crossing",
                        format!("{at} writes where the source copy writes; their order matters"),
                    ));
                }
            }
            Keyword::Workdir => {
                if !dest.starts_with('/') {
                    return Err(refuse(
                        "crossing",
                        format!("{at} changes the directory the source copy's relative destination `{dest}` resolves in"),
                    ));
                }
            }
            Keyword::Env | Keyword::Arg => {
                let defined: Vec<String> =
                    crate::model::key_values(&x.args_str(), x.kind == Keyword::Env)
                        .into_iter()
                        .map(|(k, _)| k)
                        .collect();
                if let Some(v) = defined
                    .iter()
                    .find(|d| c_vars.contains(d) || c_flag_vars.contains(d))
                {
                    return Err(refuse(
                        "crossing",
                        format!("{at} sets `{v}`, which the source copy uses"),
                    ));
                }
            }
            Keyword::Volume => {
                return Err(refuse(
                    "crossing",
                    format!("{at} declares a volume between the source copy and the install"),
                ))
            }
            k if config_only(k) => {}
            _ => {
                return Err(refuse(
                    "crossing",
                    format!("{at} is not something dockopt moves a COPY past"),
                ))
            }
        }
    }

    // The RUN's structure: where it splits, what runs before the install.
    let k = install.k;
    let seps = &script.separators;
    if seps
        .iter()
        .any(|s| matches!(s, Separator::Or | Separator::Pipe | Separator::Background))
        || matches!(
            script.trailing,
            Some(Separator::Or | Separator::Pipe | Separator::Background | Separator::And)
        )
    {
        return Err(refuse(
            "shell",
            "the RUN combines commands with `||`, `|` or `&`; splitting it would change what runs when a step fails",
        ));
    }
    let after_cmds = &script.commands[k + 1..];
    if !after_cmds.is_empty() && seps[k..].iter().any(|s| *s != Separator::And) {
        return Err(refuse(
            "shell",
            "the commands after the install are joined with `;` or newlines, not `&&`; splitting would change failure handling",
        ));
    }
    // Working directory of the install.
    let Some(workdir) = m.state[ri].workdir.clone() else {
        return Err(refuse(
            "unresolved",
            "the WORKDIR of the RUN depends on a value dockopt cannot resolve",
        ));
    };
    let mut cwd = workdir;
    let mut carried: Vec<String> = Vec::new();
    let mut cd_dirs: Vec<String> = Vec::new();
    let mut touched_paths: Vec<String> = Vec::new();
    for cmd in &script.commands[..k] {
        let prog = cmd.program().unwrap_or("");
        let text = install_text(r, cmd);
        if cmd.compound || cmd.has_redirections {
            return Err(refuse(
                "prelude",
                format!("the RUN runs `{text}` before the install, which dockopt cannot vouch for"),
            ));
        }
        if cmd.words.is_empty() {
            // Assignment only: shell state the later part needs too.
            carried.push(text);
            continue;
        }
        let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
        let is_prelude = rc.presets.list.iter().any(|p| p.is_prelude(&words));
        let safe_prog = SAFE_BEFORE.contains(&crate::preset::program_name(prog));
        // Tool commands of an ecosystem (npm, pip...) are allowed only as that preset's prelude.
        let tool = ["npm", "pip", "python", "cargo", "uv", "git"]
            .contains(&crate::preset::program_name(prog));
        if !(is_prelude || (safe_prog && !tool))
            || cmd.words.iter().any(|w| !w.literal) && prog != "export"
        {
            return Err(refuse(
                "prelude",
                format!("the RUN runs `{text}` before the install; it may need the source"),
            ));
        }
        if prog == "cd" {
            let Some(dir) = cmd.cd_target() else {
                return Err(refuse(
                    "prelude",
                    format!("`{text}` changes to a directory dockopt cannot resolve"),
                ));
            };
            cwd = if dir.starts_with('/') {
                clean_abs(dir)
            } else {
                clean_abs(&format!("{cwd}/{dir}"))
            };
            cd_dirs.push(cwd.clone());
        }
        if prog == "chmod" || prog == "chown" {
            // `chmod +x mvnw`: the paths must be among the copied manifests (checked
            // below); the command runs again after the copy, which restores modes.
            let paths = cmd.words[1..]
                .iter()
                .filter(|w| !w.text.starts_with('-'))
                .skip(1);
            for p in paths {
                let abs = if p.text.starts_with('/') {
                    clean_abs(&p.text)
                } else {
                    clean_abs(&format!("{cwd}/{}", p.text))
                };
                touched_paths.push(abs);
            }
        }
        if prog == "rm"
            && !cmd.words[1..]
                .iter()
                .any(|w| w.text.starts_with('-') && w.text.contains('f'))
        {
            return Err(refuse("prelude", format!("`{text}` fails before the source copy unless its files exist; dockopt needs `rm -f`")));
        }
        if CARRIED.contains(&prog) {
            carried.push(text);
        }
    }
    let project_abs = match &install.m.dir {
        Some(d) if d.starts_with('/') => clean_abs(d),
        Some(d) => clean_abs(&format!("{cwd}/{d}")),
        None => cwd.clone(),
    };
    let spec = install.m.spec;
    // Files named relative to the install's directory need that directory to
    // come from the source copy; files named by absolute paths (`-r /srv/x`) do not.
    let needs_dir = !spec.required.is_empty()
        || !spec.required_any.is_empty()
        || !spec.optional.is_empty()
        || !install.m.flag_required.is_empty()
        || !preset.optional.is_empty()
        || !preset.writes.is_empty()
        || preset.reader.as_deref().is_some_and(readers::needs_dir);
    let project = match image_to_context(&project_abs, dest_abs, src_dir) {
        Some(p) => p,
        None if !needs_dir => String::new(),
        None => {
            return Err(refuse(
                OUTSIDE,
                format!(
                    "the install runs in {}, outside the directory the source copy fills ({})",
                    shown(&project_abs),
                    shown(dest_abs)
                ),
            ))
        }
    };

    // Manifests.
    let Some(ctx) = rc.ctx else {
        return Err(refuse(
            "no-context",
            "there is no build context to check the manifests against (stdin: pass --context DIR)",
        ));
    };
    let mut files: Vec<String> = Vec::new();
    let missing = |f: &str| -> Reason {
        if ctx.is_excluded(f) && ctx.root().join(f).exists() {
            refuse(
                "missing-manifest",
                format!("{f} is excluded by {}", ignore_name(ctx)),
            )
        } else {
            refuse(
                "missing-manifest",
                format!("{f} is not in the build context"),
            )
        }
    };
    let need = |f: String, files: &mut Vec<String>| -> Result<(), Reason> {
        if !ctx.is_file(&f) {
            return Err(missing(&f));
        }
        if !files.contains(&f) {
            files.push(f);
        }
        Ok(())
    };
    for f in spec.required.iter().chain(&install.m.flag_required) {
        need(readers::join(&project, f), &mut files)?;
    }
    for group in &spec.required_any {
        let present: Vec<String> = group
            .iter()
            .map(|f| readers::join(&project, f))
            .filter(|f| ctx.is_file(f))
            .collect();
        if present.is_empty() {
            let excluded = group
                .iter()
                .map(|f| readers::join(&project, f))
                .find(|f| ctx.is_excluded(f) && ctx.root().join(f).exists());
            return Err(match excluded {
                Some(f) => missing(&f),
                None => refuse(
                    "missing-manifest",
                    format!(
                        "`{}` needs one of {} and none is in the build context",
                        install.command_text,
                        group.join(", ")
                    ),
                ),
            });
        }
        for f in present {
            need(f, &mut files)?;
        }
    }
    let mut manifest_args = Vec::new();
    for a in &install.m.manifest_args {
        let abs = if a.starts_with('/') {
            clean_abs(a)
        } else {
            clean_abs(&format!("{cwd}/{a}"))
        };
        let Some(rel) = image_to_context(&abs, dest_abs, src_dir) else {
            return Err(refuse(
                "layout",
                format!("`{a}` is not among the files the source copy brings"),
            ));
        };
        need(rel.clone(), &mut files)?;
        manifest_args.push(rel);
    }
    let mut install_dirs: Vec<String> = vec![project.clone()];
    let mut stubs: Vec<Stub> = Vec::new();
    let mut extra_writes: Vec<String> = Vec::new();
    if let Some(reader) = &preset.reader {
        let out = readers::read(
            reader,
            &ReadInput {
                ctx,
                dir: &project,
                manifest_args: &manifest_args,
            },
        );
        if let Some(reason) = out.refuse {
            let kind = if reason.contains("script") {
                "lifecycle-script"
            } else {
                "needs-source"
            };
            return Err(refuse(kind, reason));
        }
        for f in out.required {
            install_dirs.push(readers::parent(&f).to_string());
            need(f, &mut files)?;
        }
        for f in out.optional {
            if ctx.is_file(&f) && !files.contains(&f) {
                files.push(f);
            }
        }
        extra_writes = out.writes;
        stubs = out.stubs;
    }
    for f in preset.optional.iter().chain(&spec.optional) {
        let f = readers::join(&project, f);
        if ctx.is_file(&f) && !files.contains(&f) {
            files.push(f);
        }
    }
    // A `cd` into the copied tree needs the directory to exist before the copy
    // (some manifest must live there); `chmod`/`chown` need their files copied.
    for (paths, what) in [
        (&cd_dirs, "changes to"),
        (&touched_paths, "changes the mode or owner of"),
    ] {
        for p in paths {
            if let Some(rel) = image_to_context(p, dest_abs, src_dir) {
                if !files.iter().any(|f| is_under_rel(f, &rel)) {
                    return Err(refuse(
                        "prelude",
                        format!("the RUN {what} {p} before the install, but only the source copy brings it"),
                    ));
                }
            }
        }
    }
    for f in &files {
        if !is_under_rel(f, src_dir) {
            return Err(refuse(
                "layout",
                format!("{f} is outside the directory the source copy brings ({src_dir})"),
            ));
        }
        if f.contains(|ch: char| ch.is_whitespace() || "\"'$`\\*?[".contains(ch)) {
            return Err(refuse(
                "layout",
                format!("{f} has characters dockopt does not write into a COPY"),
            ));
        }
    }

    // Clobbering: directories the install writes that the source copy would bring back.
    let copies: Vec<(usize, Vec<String>)> = (0..m.ins.len())
        .filter_map(|i| {
            let v = m.copy_view(i)?;
            (v.from.is_none() && !v.heredoc).then(|| {
                (
                    i,
                    v.sources
                        .unwrap_or_default()
                        .iter()
                        .map(|s| clean_rel(s))
                        .collect(),
                )
            })
        })
        .collect();
    let mut ignore_additions: Vec<String> = Vec::new();
    for w in preset.writes.iter().chain(&extra_writes) {
        let found = ctx.find_dirs_named("", w);
        let (written, others): (Vec<&String>, Vec<&String>) = found
            .iter()
            .partition(|d| install_dirs.iter().any(|dir| readers::join(dir, w) == **d));
        if written.is_empty() {
            continue;
        }
        // `**/<w>` must not drop a directory of that name the install does not write.
        for other in others {
            if let Some((i, _)) = copies
                .iter()
                .find(|(_, srcs)| srcs.iter().any(|s| is_under_rel(other, s)))
            {
                let ins = m.ins[*i];
                return Err(refuse(
                    "clobber",
                    format!(
                        "the context holds {} (the install writes it), but `**/{w}` would also drop {other}, which {} at line {} copies",
                        written[0], ins.name, ins.start_line
                    ),
                ));
            }
        }
        ignore_additions.push(format!("**/{w}"));
    }
    if !ignore_additions.is_empty() {
        let extra: Vec<&str> = ignore_additions.iter().map(String::as_str).collect();
        for f in &files {
            if ctx.is_excluded_with(f, &extra) {
                return Err(refuse(
                    "clobber",
                    format!(
                        "adding {} to {} would exclude {f}",
                        extra.join(", "),
                        ignore_name(ctx)
                    ),
                ));
            }
        }
        // Other COPY/ADD sources of the file must not become excluded.
        for (i, ins) in m.ins.iter().enumerate() {
            let Some(v) = m.copy_view(i) else { continue };
            if v.from.is_some() || v.heredoc || !matches!(ins.kind, Keyword::Copy | Keyword::Add) {
                continue;
            }
            for s in v.sources.iter().flatten() {
                let rel = clean_rel(s);
                if !rel.is_empty() && !ctx.is_excluded(&rel) && ctx.is_excluded_with(&rel, &extra) {
                    return Err(refuse(
                        "clobber",
                        format!(
                            "{} at line {} copies {rel}, which {} would exclude",
                            ins.name,
                            ins.start_line,
                            extra.join(", ")
                        ),
                    ));
                }
            }
        }
    }

    // Build the text.
    let nl = line_ending(c, src, m.df.newline);
    let c_indent = &src[c.span.start..c.keyword.start];
    let r_indent = &src[r.span.start..r.keyword.start];
    let copy_kw = match c.kind {
        Keyword::Copy => src[c.keyword.range()].to_string(),
        _ => keyword_like(&src[c.keyword.range()], "COPY"),
    };
    let run_kw = &src[r.keyword.range()];
    let c_flags: String = c.flags.iter().map(|f| format!(" {}", f.text)).collect();
    let r_flags: String = r.flags.iter().map(|f| format!(" {}", f.text)).collect();
    let mut m_text = String::new();
    for (dir, group) in group_by_dir(&files, src_dir) {
        let mut d = if dest == "." || dest == "./" {
            "./".to_string()
        } else if dest.ends_with('/') {
            dest.clone()
        } else {
            format!("{dest}/")
        };
        if !dir.is_empty() {
            d = if d == "./" {
                format!("./{dir}/")
            } else {
                format!("{d}{dir}/")
            };
        }
        m_text.push_str(&format!(
            "{c_indent}{copy_kw}{c_flags} {} {d}{nl}",
            group.join(" ")
        ));
    }

    // R' (in place) and the RUN after the source copy.
    let to_cwd = |p: &str| -> Option<String> {
        let abs = context_to_image(p, dest_abs, src_dir)?;
        match abs.strip_prefix(&format!("{cwd}/")) {
            Some(rel) => Some(rel.to_string()),
            None if !abs.starts_with(IMAGE_WORKDIR) => Some(abs),
            None => None,
        }
    };
    let mut stub_paths = Vec::new();
    for s in &stubs {
        let Some(p) = to_cwd(&s.path) else {
            return Err(refuse(
                "layout",
                format!("cannot place the stub {} relative to the install", s.path),
            ));
        };
        stub_paths.push((p, s.content));
    }
    let stubs_cmd = stubs_command(&stub_paths);
    let unstub_cmd = format!(
        "rm -f {}",
        stub_paths
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let touch_cmd = format!(
        "touch {}",
        stub_paths
            .iter()
            .map(|(p, _)| p.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    let args_text = install
        .text
        .get(install.m.args_start..install.m.span.end)
        .unwrap_or("")
        .trim()
        .to_string();
    let fill = |t: &str| {
        t.replace("{command}", &install.command_text)
            .replace(
                " {args}",
                &if args_text.is_empty() {
                    String::new()
                } else {
                    format!(" {args_text}")
                },
            )
            .replace("{args}", &args_text)
            .replace("{stubs}", &stubs_cmd)
            .replace("{unstub}", &unstub_cmd)
            .replace("{touch}", &touch_cmd)
    };
    let mut edits = Vec::new();
    // An ignore entry for a directory the install does not empty first drops
    // host files the original image kept (merged under the installed ones).
    let mut applicability = if ignore_additions.is_empty() || spec.clears_writes {
        Applicability::Safe
    } else {
        Applicability::Unsafe
    };
    let cmd_span = &script.commands[k].span;
    let args_end = r.to_source(r.args.end - 1) + 1;
    let mut after_parts: Vec<String> = Vec::new();
    // Where the text re-emitted after the source copy starts; comment lines
    // between the removed part and it move above the new RUN.
    let after_start = after_cmds
        .first()
        .map_or(args_end, |f| r.to_source(r.args.start + f.span.start));
    let mut removed_from = None;
    let deps_only = spec
        .deps_only
        .as_ref()
        .filter(|d| !d.unless_flag.iter().any(|f| install.m.flags.contains(f)));
    if let Some(d) = deps_only {
        if d.before.contains("{stubs}") && stub_paths.is_empty() {
            return Err(refuse(
                "needs-source",
                "no stub targets could be found for the deps-only step",
            ));
        }
        if r.form == Form::Exec {
            return Err(refuse(
                "shell",
                "an exec-form RUN cannot take the deps-only step",
            ));
        }
        let start = r.to_source(r.args.start + cmd_span.start);
        removed_from = Some(start);
        edits.push(Edit::replace(Span::new(start, args_end), fill(&d.before)));
        after_parts.push(fill(d.after.as_deref().unwrap_or("{command}")));
        if d.always_unsafe || (d.unsafe_when_exported && exported) {
            applicability = Applicability::Unsafe;
        }
    } else if !after_cmds.is_empty() {
        let end = r.to_source(r.args.start + cmd_span.end - 1) + 1;
        removed_from = Some(end);
        edits.push(Edit::replace(Span::new(end, args_end), ""));
    }
    if !after_cmds.is_empty() {
        after_parts.push(src[after_start..args_end].to_string());
    }
    let moved_comments: Vec<Span> = removed_from.map_or_else(Vec::new, |from| {
        r.comment_lines_in(Span::new(from, after_start))
    });
    edits.push(Edit::replace(c.span, m_text));
    let mut insert = String::new();
    if !src[..r.span.end].ends_with('\n') {
        insert.push_str(nl);
    }
    let c_text = &src[c.span.range()];
    insert.push_str(c_text);
    if !c_text.ends_with('\n') {
        insert.push_str(nl);
    }
    for cm in &moved_comments {
        insert.push_str(&src[cm.range()]);
        insert.push_str(nl);
    }
    if !after_parts.is_empty() {
        let mut body = carried;
        body.extend(after_parts);
        insert.push_str(&format!(
            "{r_indent}{run_kw}{r_flags} {}{nl}",
            body.join(" && ")
        ));
    }
    edits.push(Edit::insert(r.span.end, insert));
    Ok(Fix {
        applicability,
        edits,
        ignore_additions,
    })
}

/// Source text of a command of the RUN (logical line).
fn install_text(r: &Instruction, cmd: &shell::Command) -> String {
    let a = r.args_str();
    a.get(cmd.span.clone()).unwrap_or("").to_string()
}

fn shown(p: &str) -> String {
    if p == IMAGE_WORKDIR {
        return "the image's working directory".into();
    }
    p.strip_prefix(IMAGE_WORKDIR)
        .map(|rest| format!("<image workdir>{rest}"))
        .unwrap_or_else(|| p.to_string())
}

fn ignore_name(ctx: &crate::context::BuildContext) -> String {
    ctx.ignore_file()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| ".dockerignore".into())
}

/// Is absolute path `p` equal to or below `dir`?
fn is_under(p: &str, dir: &str) -> bool {
    p == dir || dir == "/" || p.starts_with(&format!("{dir}/"))
}

fn is_under_rel(p: &str, dir: &str) -> bool {
    dir.is_empty() || p == dir || p.starts_with(&format!("{dir}/"))
}

/// Image path → context path, through C (context `src_dir` → image `dest_abs`).
fn image_to_context(abs: &str, dest_abs: &str, src_dir: &str) -> Option<String> {
    if !is_under(abs, dest_abs) {
        return None;
    }
    let rest = abs[dest_abs.len()..].trim_start_matches('/');
    Some(readers::join(src_dir, rest))
}

fn context_to_image(rel: &str, dest_abs: &str, src_dir: &str) -> Option<String> {
    let rest = if src_dir.is_empty() {
        rel
    } else {
        rel.strip_prefix(&format!("{src_dir}/"))?
    };
    Some(clean_abs(&format!("{dest_abs}/{rest}")))
}

/// Group files by directory (relative to `src_dir`): root first, then sorted.
fn group_by_dir(files: &[String], src_dir: &str) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for f in files {
        let rel = if src_dir.is_empty() {
            f.as_str()
        } else {
            &f[src_dir.len() + 1..]
        };
        let dir = readers::parent(rel).to_string();
        match groups.iter_mut().find(|(d, _)| *d == dir) {
            Some((_, g)) => g.push(f.clone()),
            None => groups.push((dir, vec![f.clone()])),
        }
    }
    groups.sort_by(|a, b| (!a.0.is_empty(), &a.0).cmp(&(!b.0.is_empty(), &b.0)));
    groups
}

/// `mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs`
fn stubs_command(stubs: &[(String, &str)]) -> String {
    let mut dirs: Vec<&str> = stubs
        .iter()
        .map(|(p, _)| readers::parent(p))
        .filter(|d| !d.is_empty())
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut parts = Vec::new();
    if !dirs.is_empty() {
        parts.push(format!("mkdir -p {}", dirs.join(" ")));
    }
    for (p, content) in stubs {
        if content.is_empty() {
            parts.push(format!("touch {p}"));
        } else {
            parts.push(format!("echo '{content}' > {p}"));
        }
    }
    parts.join(" && ")
}

/// `word` in the letter case of `like` (`copy` for `add`, `COPY` for `ADD`).
fn keyword_like(like: &str, word: &str) -> String {
    if like.chars().all(|c| !c.is_ascii_uppercase()) {
        word.to_ascii_lowercase()
    } else if like.chars().skip(1).all(|c| !c.is_ascii_uppercase()) {
        let mut s = word.to_ascii_lowercase();
        s[..1].make_ascii_uppercase();
        s
    } else {
        word.to_string()
    }
}

/// The line ending the instruction's first line uses.
fn line_ending(ins: &Instruction, src: &str, default: &'static str) -> &'static str {
    let text = &src[ins.span.range()];
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        Some(_) => "\n",
        None => default,
    }
}
