//! What an install reads besides its manifests: the environment in scope
//! (`ENV PIP_CONSTRAINT=...`, `export NPM_CONFIG_USERCONFIG=...`), the
//! values of its flags (`--cert=ca.pem`, `--userconfig .npmrc.ci`), its
//! positional arguments, and where it writes (`--target .`). Which
//! variables and flags name files is preset data (`env-files`,
//! `env-writes`, `file-flags`, `write-flags`, `optional-up`); this module
//! holds the mechanism: resolve each path in the image, and when the source
//! copy brings it, copy the file with the manifests or refuse.

use super::{join, ReadInput, ReadOutput, RefuseKind};
use crate::model::Vars;
use crate::paths::{CopyMap, CtxPath, ImagePath};
use crate::preset::{CommandSpec, Positional, Preset};
use crate::shell;

/// Where and how the install runs. `Site::default()` knows nothing: no
/// environment, no flags, and no path is brought by the source copy.
#[derive(Clone, Debug, Default)]
pub struct Site {
    /// Variables in scope at the install (ENV, ARG, `export`, `A=b cmd`);
    /// `None` when the value is unknown (a build arg, an expansion).
    pub env: Vec<(String, Option<String>)>,
    /// The install's flags with their values as written (`--cert=ca.pem`
    /// gives `("--cert", Some("ca.pem"))`).
    pub flags: Vec<(String, Option<String>)>,
    /// Positional arguments after the matched words.
    pub positional: Vec<String>,
    /// The image directory the install runs in (`None` when unknown).
    pub cwd: Option<ImagePath>,
    /// The image directory the source copy fills (`None` when none).
    pub copy_dest: Option<ImagePath>,
    /// The context directory the source copy copies (the root by default).
    pub copy_src: CtxPath,
    /// When the install runs above the directory the source copy fills
    /// (`COPY pom.xml .` + `COPY src src` + the install; `copy_src` is then
    /// the directory above): the context directory the copy itself brings.
    /// What lies outside it is already in the image, and the copy does not
    /// bring it back after the install. `None`: the copy brings `copy_src`.
    pub copy_brings: Option<CtxPath>,
    /// The matched preset and command form, when known.
    pub preset: Option<(Preset, CommandSpec)>,
    /// The caller checks the lifecycle scripts itself (what each command of
    /// a script reads and writes): readers do not refuse them.
    pub scripts_vetted: bool,
}

impl Site {
    /// The environment at an install: the stage's variables, then `export`s
    /// and bare assignments of the commands before it in the RUN, then the
    /// install's own `A=b` prefixes.
    pub fn env_at(
        vars: &Vars,
        before: &[shell::Command],
        install: &shell::Command,
    ) -> Vec<(String, Option<String>)> {
        let mut env: Vec<(String, Option<String>)> =
            vars.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let mut set = |w: &shell::Word| {
            let Some((k, v)) = w.text.split_once('=') else {
                return;
            };
            let v = (w.literal && !v.contains('$')).then(|| v.to_string());
            env.retain(|(e, _)| e != k);
            env.push((k.to_string(), v));
        };
        for c in before {
            c.assignments.iter().for_each(&mut set);
            if c.program() == Some("export") {
                c.args().iter().for_each(&mut set);
            }
        }
        install.assignments.iter().for_each(&mut set);
        env
    }

    /// The value of variable `name` (ASCII case-insensitive, as npm reads
    /// `npm_config_*`): `None` when unset, `Some(None)` when unknown.
    pub fn var(&self, name: &str) -> Option<Option<&str>> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_deref())
    }

    /// Is one of `names` among the install's flags?
    pub fn has_flag(&self, names: &[&str]) -> bool {
        self.flags.iter().any(|(f, _)| names.contains(&f.as_str()))
    }

    /// Do lifecycle scripts run? Not with `--ignore-scripts` or
    /// `npm_config_ignore_scripts=true`.
    pub fn scripts_run(&self) -> bool {
        !self.has_flag(&["--ignore-scripts"])
            && !matches!(
                self.var("npm_config_ignore_scripts"),
                Some(Some("true" | "1"))
            )
    }

    /// The lifecycle scripts a reader refuses: `all`, or none with
    /// `--ignore-scripts` or when the caller vets them.
    pub fn lifecycle<'a>(&self, all: &'a [&'a str]) -> &'a [&'a str] {
        if self.scripts_run() && !self.scripts_vetted {
            all
        } else {
            &[]
        }
    }

    /// The image path of `path` (relative to the install's directory).
    pub fn image_path(&self, path: &str) -> Option<ImagePath> {
        if path.starts_with('/') {
            return Some(ImagePath::new(path));
        }
        let cwd = self.cwd.as_ref().filter(|_| !path.starts_with('~'))?;
        Some(cwd.resolve(path))
    }

    /// The map the source copy defines, when there is one.
    pub fn copy_map(&self) -> Option<CopyMap<'_>> {
        self.copy_dest.as_ref().map(|dest| CopyMap {
            src_dir: self.copy_src.as_str(),
            dest_abs: dest.as_str(),
        })
    }

    /// The context path of image path `abs` when the source copy brings it.
    pub fn brought_abs(&self, abs: &ImagePath) -> Option<String> {
        let rel = self.copy_map()?.to_context(abs)?;
        Some(rel.into_string())
    }

    /// The context path of `path` (as the install would read it) when the
    /// source copy brings it.
    pub fn brought(&self, path: &str) -> Option<String> {
        self.brought_abs(&self.image_path(path)?)
    }
}

/// What the site check found.
#[derive(Debug, Default)]
pub struct SiteOut {
    /// Files to copy, refusal.
    pub out: ReadOutput,
    /// Manifests named through the environment (`PIP_REQUIREMENT`), for the reader.
    pub manifests: Vec<String>,
}

/// A path-like value: a URL other than `file:` is not.
fn local_value(v: &str) -> Option<&str> {
    if let Some(rest) = v.strip_prefix("file://") {
        return Some(rest);
    }
    if let Some(rest) = v.strip_prefix("file:") {
        return Some(rest);
    }
    (!v.contains("://") && !v.is_empty()).then_some(v)
}

/// One value naming an input file: copy it when the source copy brings it,
/// refuse when it is a directory or cannot be resolved.
fn input_file(input: &ReadInput, what: &str, value: Option<&str>, out: &mut SiteOut) -> bool {
    let site = input.site;
    let Some(v) = value else {
        out.out = ReadOutput::refuse_as(
            RefuseKind::Environment,
            format!("{what} has a value dockopt cannot resolve, and the install reads the file it names"),
        );
        return false;
    };
    // pip and uv take several paths separated by spaces in one variable.
    for part in v.split_whitespace() {
        let Some(path) = local_value(part) else {
            continue;
        };
        if path.contains('$') || path.starts_with('~') {
            out.out = ReadOutput::refuse_as(
                RefuseKind::Environment,
                format!("{what} names `{path}`, which dockopt cannot resolve"),
            );
            return false;
        }
        let Some(rel) = site.brought(path) else {
            continue; // outside the source copy: already in the image either way
        };
        if input.ctx.is_file(&rel) {
            out.out.required.push(rel);
        } else if input.ctx.present(&rel) {
            out.out = ReadOutput::refuse_as(
                RefuseKind::NeedsSource,
                format!("{what} names {rel}, which only the source copy brings"),
            );
            return false;
        }
    }
    true
}

/// One value naming a directory the install writes: refuse when it is in
/// the directory the source copy fills.
fn output_dir(input: &ReadInput, what: &str, value: Option<&str>, out: &mut SiteOut) -> bool {
    let site = input.site;
    let Some(v) = value.filter(|v| !v.contains('$')) else {
        out.out = ReadOutput::refuse_as(
            RefuseKind::Environment,
            format!("{what} has a value dockopt cannot resolve, and the install writes there"),
        );
        return false;
    };
    if let Some(abs) = site.image_path(v) {
        let inside = site.brought_abs(&abs).is_some()
            || (site.copy_dest.as_ref())
                .is_some_and(|d| d.as_str().starts_with(&format!("{abs}/")));
        if inside {
            out.out = ReadOutput::refuse_as(
                RefuseKind::WritesProject,
                format!(
                    "{what} makes the install write into {abs}, where the source copy then copies over what it wrote"
                ),
            );
            return false;
        }
    }
    true
}

/// The environment, flags and positional arguments of the install.
pub(super) fn check(input: &ReadInput) -> SiteOut {
    let mut out = SiteOut::default();
    let site = input.site;
    let Some((preset, spec)) = &site.preset else {
        return out;
    };
    for (name, value) in &site.env {
        let is = |list: &[String]| list.iter().any(|n| n.eq_ignore_ascii_case(name));
        let what = format!("`{name}` (set at the install)");
        let refused = preset.refuse_env.iter();
        if let Some((_, why)) = refused.clone().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            out.out = ReadOutput::refuse_as(RefuseKind::Environment, format!("{what} {why}"));
            return out;
        }
        if is(&preset.env_writes) {
            if !output_dir(input, &what, value.as_deref(), &mut out) {
                return out;
            }
        } else if is(&preset.env_manifests) {
            let before = out.out.required.len();
            if !input_file(input, &what, value.as_deref(), &mut out) {
                return out;
            }
            out.manifests
                .extend(out.out.required[before..].iter().cloned());
        } else if is(&preset.env_files) && !input_file(input, &what, value.as_deref(), &mut out) {
            return out;
        }
    }
    for (flag, value) in &site.flags {
        let listed = |list: &[String]| list.iter().any(|f| f == flag);
        let what = match value {
            Some(v) => format!("`{flag} {v}`"),
            None => format!("`{flag}`"),
        };
        if listed(&spec.write_flags) {
            if !output_dir(input, &what, value.as_deref(), &mut out) {
                return out;
            }
        } else if listed(&spec.file_flags) {
            if !input_file(input, &what, value.as_deref(), &mut out) {
                return out;
            }
        } else if !listed(&spec.value_flags)
            && !listed(&spec.manifest_flags)
            && !listed(&spec.dir_flags)
            && !listed(&spec.project_file_flags)
        {
            // A flag dockopt does not know, written `--flag=value`: if the value
            // names something the source copy brings, the install may read it.
            if let Some(rel) = value
                .as_deref()
                .and_then(local_value)
                .and_then(|v| site.brought(v))
            {
                if input.ctx.present(&rel) {
                    out.out = ReadOutput::refuse_as(
                        RefuseKind::NeedsSource,
                        format!("{what} names {rel}, which only the source copy brings"),
                    );
                    return out;
                }
            }
        }
    }
    if spec.positional == Positional::Packages {
        for p in &site.positional {
            let name = p.split('[').next().unwrap_or(p);
            if let Some(rel) = local_value(name).and_then(|v| site.brought(v)) {
                if !name.is_empty() && input.ctx.present(&rel) {
                    out.out = ReadOutput::refuse_as(
                        RefuseKind::NeedsSource,
                        format!("the install argument `{p}` names {rel}, which only the source copy brings"),
                    );
                    return out;
                }
            }
        }
    }
    // Configuration files the tool looks for upwards from its directory.
    for f in &spec.optional_up {
        let mut dir = site.cwd.clone();
        while let Some(rel) = dir.as_ref().and_then(|d| site.brought_abs(d)) {
            let file = join(&rel, f);
            if input.ctx.is_file(&file) {
                out.out.optional.push(file);
            }
            dir = dir
                .filter(|d| !d.is_root() && Some(d) != site.copy_dest.as_ref())
                .map(|d| d.parent());
        }
    }
    home_files(input, preset, &mut out);
    out.out.required.sort();
    out.out.required.dedup();
    out
}

/// Configuration files the tool reads from the user's home (`~/.npmrc`,
/// `~/.config/pip/pip.conf`; `.config/` follows `XDG_CONFIG_HOME`), when
/// `HOME` puts them inside the source copy (`ENV HOME=/app`): the install
/// read them there, so the manifests copy brings them too.
fn home_files(input: &ReadInput, preset: &Preset, out: &mut SiteOut) {
    let site = input.site;
    let literal = |name: &str| {
        site.var(name)
            .flatten()
            .filter(|v| v.starts_with('/'))
            .map(ImagePath::new)
    };
    let Some(home) = literal("HOME") else {
        return;
    };
    let xdg = literal("XDG_CONFIG_HOME");
    for f in &preset.home_files {
        let abs = match (f.strip_prefix(".config/"), &xdg) {
            (Some(rest), Some(x)) => x.resolve(rest),
            _ => home.resolve(f),
        };
        if let Some(rel) = site.brought_abs(&abs) {
            if input.ctx.is_file(&rel) {
                out.out.optional.push(rel);
            }
        }
    }
}
