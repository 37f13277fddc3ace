//! What the install reads: the project directory, the preset's files, and
//! what its reader finds. Every file must be in the build context.

use crate::context::BuildContext;
use crate::model::IMAGE_WORKDIR;
use crate::preset::InstallMatch;
use crate::readers::{self, ReadInput, Stub};

use super::candidate::Candidate;
use super::paths::{is_under_rel, resolve, shown, CopyMap, CtxPath, ImagePath};
use super::refusal::Refusal;
use super::split::Split;

/// The manifests copy M and what the install writes.
pub struct Manifests {
    /// Context paths M copies, in order.
    pub files: Vec<CtxPath>,
    /// Context directories the install (and its workspace members) runs in.
    pub install_dirs: Vec<CtxPath>,
    pub stubs: Vec<Stub>,
    /// Directories the reader says the install writes, besides the preset's.
    pub extra_writes: Vec<String>,
    /// The preset's `writes`.
    pub writes: Vec<String>,
    /// The manifests have lifecycle scripts the reader let through for the
    /// rule to vet (`lifecycle.rs`).
    pub vet_scripts: bool,
    /// Context paths the reader names as read when present, present or not
    /// (`.yarnrc` in every directory above the project).
    pub looked_for: Vec<String>,
}

/// The image directory the install runs in.
pub fn install_dir(cand: &Candidate, split: &Split) -> String {
    match &cand.install.m.dir {
        Some(d) => resolve(&split.cwd, d),
        None => split.cwd.clone(),
    }
}

/// The context directory the install runs in (`""`: the context root).
pub fn project_dir(cand: &Candidate, split: &Split, map: CopyMap) -> Result<String, Refusal> {
    let m = &cand.install.m;
    let project_abs = install_dir(cand, split);
    let spec = m.spec;
    let preset = m.preset;
    // Files named relative to the install's directory need that directory to
    // come from the source copy; files named by absolute paths (`-r /srv/x`) do not.
    let needs_dir = !spec.required.is_empty()
        || !spec.required_any.is_empty()
        || !spec.optional.is_empty()
        || !m.flag_required.is_empty()
        || !preset.optional.is_empty()
        || !preset.writes.is_empty()
        || preset.reader.as_deref().is_some_and(readers::needs_dir);
    let unknown_workdir = in_unknown_workdir(&project_abs, map);
    match map.to_context(&ImagePath::new(&project_abs)) {
        // The source copy fills a known directory (`/`), but the install runs in
        // the base image's working directory, which no WORKDIR names: where its
        // files come from is unknown.
        Some(_) if needs_dir && unknown_workdir => Err(unknown_workdir_refusal(map)),
        Some(p) => Ok(p.into_string()),
        None if !needs_dir => Ok(String::new()),
        None => Err(Refusal::Outside(format!(
            "the install runs in {}, outside the directory the source copy fills ({})",
            shown(&project_abs),
            shown(map.dest_abs)
        ))),
    }
}

/// `abs` is under the base image's working directory, which no WORKDIR of
/// the stage names, while the source copy fills a known directory (`/`): the
/// placeholder path maps to a context path no real install reads.
fn in_unknown_workdir(abs: &str, map: CopyMap) -> bool {
    abs.starts_with(IMAGE_WORKDIR) && !map.dest_abs.starts_with(IMAGE_WORKDIR)
}

fn unknown_workdir_refusal(map: CopyMap) -> Refusal {
    Refusal::Outside(format!(
        "the install runs in the base image's working directory, which this stage never sets \
         with WORKDIR, so whether the source copy to {} fills it is unknown",
        shown(map.dest_abs)
    ))
}

pub fn ignore_name(ctx: &BuildContext) -> String {
    ctx.ignore_names()
}

fn missing(ctx: &BuildContext, f: &str) -> Refusal {
    if ctx.is_excluded(f) && ctx.present(f) {
        Refusal::MissingManifest {
            file: Some(CtxPath::new(f)),
            why: format!("{f} is excluded by {}", ignore_name(ctx)),
        }
    } else {
        Refusal::MissingManifest {
            file: Some(CtxPath::new(f)),
            why: format!("{f} is not in the build context"),
        }
    }
}

fn need(ctx: &BuildContext, f: String, files: &mut Vec<String>) -> Result<(), Refusal> {
    if !ctx.is_file(&f) {
        return Err(missing(ctx, &f));
    }
    if !files.contains(&f) {
        files.push(f);
    }
    Ok(())
}

/// A file the install reads when it is there. Something else under its name
/// (a directory) is read too, and fails or changes the install where the
/// manifests copy would leave it out.
fn add_optional(ctx: &BuildContext, f: String, files: &mut Vec<String>) -> Result<(), Refusal> {
    if ctx.present(&f) && !ctx.is_excluded(&f) && !ctx.is_file(&f) {
        return Err(Refusal::MissingManifest {
            why: format!("{f} is in the build context but is not a file"),
            file: Some(CtxPath::new(&f)),
        });
    }
    if ctx.is_file(&f) && !files.contains(&f) {
        files.push(f);
    }
    Ok(())
}

/// What the install reads: its own manifests and, when it falls back to
/// another install with `||` (`npm ci || npm install`), those of each fallback.
pub fn collect(
    ctx: &BuildContext,
    cand: &Candidate,
    split: &Split,
    project: &str,
    map: CopyMap,
    vars: &crate::model::Vars,
) -> Result<Manifests, Refusal> {
    let install = &cand.install;
    let first = Alt {
        m: &install.m,
        k: install.k,
    };
    let mut out = collect_one(ctx, cand, first, split, project, map, vars)?;
    for (i, m) in install.fallbacks.iter().enumerate() {
        let alt = Alt {
            m,
            k: install.k + 1 + i,
        };
        out.merge(collect_one(ctx, cand, alt, split, project, map, vars)?);
    }
    Ok(out)
}

/// One install command of the RUN (the install or one of its fallbacks).
#[derive(Clone, Copy)]
struct Alt<'a, 'p> {
    m: &'a InstallMatch<'p>,
    /// Its index in the RUN's script.
    k: usize,
}

impl Manifests {
    /// Add what another install command of the same RUN reads and writes.
    fn merge(&mut self, other: Manifests) {
        fn union<T: PartialEq>(into: &mut Vec<T>, from: Vec<T>) {
            for x in from {
                if !into.contains(&x) {
                    into.push(x);
                }
            }
        }
        union(&mut self.files, other.files);
        union(&mut self.install_dirs, other.install_dirs);
        union(&mut self.extra_writes, other.extra_writes);
        union(&mut self.writes, other.writes);
        union(&mut self.looked_for, other.looked_for);
        self.stubs.extend(other.stubs);
        self.vet_scripts |= other.vet_scripts;
    }
}

/// The install's manifest arguments as context paths, each required as a
/// file, or handed to the reader as a directory where the command resolves
/// one itself (`dotnet restore src`).
fn manifest_args(
    ctx: &BuildContext,
    alt: Alt,
    split: &Split,
    map: CopyMap,
    files: &mut Vec<String>,
) -> Result<Vec<String>, Refusal> {
    let spec = alt.m.spec;
    let mut manifest_args = Vec::new();
    for a in &alt.m.manifest_args {
        let abs = ImagePath::new(&split.cwd).resolve(a);
        if in_unknown_workdir(abs.as_str(), map) {
            return Err(unknown_workdir_refusal(map));
        }
        let rel = map.to_context(&abs);
        let Some(rel) = rel.map(CtxPath::into_string) else {
            return Err(Refusal::Layout(format!(
                "`{a}` is not among the files the source copy brings"
            )));
        };
        // A directory the command resolves itself (`dotnet restore src`):
        // the reader names the manifest in it.
        let dir_arg = spec.positional == crate::preset::Positional::ManifestsOrDirs
            && ctx.is_dir(&rel)
            && !ctx.is_excluded(&rel);
        if !dir_arg {
            need(ctx, rel.clone(), files)?;
        }
        manifest_args.push(rel);
    }
    Ok(manifest_args)
}

fn collect_one(
    ctx: &BuildContext,
    cand: &Candidate,
    alt: Alt,
    split: &Split,
    project: &str,
    map: CopyMap,
    vars: &crate::model::Vars,
) -> Result<Manifests, Refusal> {
    let install = &cand.install;
    let spec = alt.m.spec;
    let preset = alt.m.preset;
    let mut files: Vec<String> = Vec::new();
    for f in spec.required.iter().chain(&alt.m.flag_required) {
        need(ctx, readers::join(project, f), &mut files)?;
    }
    for group in &spec.required_any {
        required_any(ctx, cand, project, group, &mut files)?;
    }
    let manifest_args = manifest_args(ctx, alt, split, map, &mut files)?;
    let mut out = Manifests {
        files: Vec::new(),
        install_dirs: vec![CtxPath::new(project)],
        stubs: Vec::new(),
        extra_writes: Vec::new(),
        writes: preset.writes.clone(),
        vet_scripts: false,
        looked_for: Vec::new(),
    };
    {
        // What the install reads: environment, flag values, the preset's reader.
        let script = &install.script;
        let mut site = readers::Site {
            env: readers::Site::env_at(vars, &script.commands[..alt.k], &script.commands[alt.k]),
            flags: alt.m.flag_values.clone(),
            positional: alt.m.positional.clone(),
            cwd: Some(ImagePath::new(&split.cwd)),
            copy_dest: Some(ImagePath::new(map.dest_abs)),
            copy_src: CtxPath::new(map.src_dir),
            copy_brings: (map.src_dir != cand.src_dir).then(|| CtxPath::new(&cand.src_dir)),
            preset: Some((preset.clone(), spec.clone())),
            scripts_vetted: false,
        };
        let read_with = |site: &readers::Site| {
            let input = ReadInput {
                ctx,
                dir: project,
                manifest_args: &manifest_args,
                site,
            };
            readers::read_install(preset.reader.as_deref(), &input)
        };
        let mut read = read_with(&site);
        // A lifecycle script: read again without refusing it, and vet its
        // commands once the source copy is known as a set of paths.
        if read
            .refuse
            .as_ref()
            .is_some_and(|r| r.kind == readers::RefuseKind::LifecycleScript)
        {
            site.scripts_vetted = true;
            read = read_with(&site);
            out.vet_scripts = true;
        }
        if let Some(r) = read.refuse {
            return Err(r.into());
        }
        for f in read.required {
            out.install_dirs.push(CtxPath::new(readers::parent(&f)));
            need(ctx, f, &mut files)?;
        }
        for f in read.optional {
            out.looked_for.push(f.clone());
            add_optional(ctx, f, &mut files)?;
        }
        out.extra_writes = read.writes;
        out.stubs = read.stubs;
    }
    for f in preset.optional.iter().chain(&spec.optional) {
        add_optional(ctx, readers::join(project, f), &mut files)?;
    }
    out.files = files.iter().map(|f| CtxPath::new(f)).collect();
    Ok(out)
}

/// One of `group` must exist; all that exist are copied.
fn required_any(
    ctx: &BuildContext,
    cand: &Candidate,
    project: &str,
    group: &[String],
    files: &mut Vec<String>,
) -> Result<(), Refusal> {
    let present: Vec<String> = group
        .iter()
        .map(|f| readers::join(project, f))
        .filter(|f| ctx.is_file(f))
        .collect();
    if present.is_empty() {
        let excluded = group
            .iter()
            .map(|f| readers::join(project, f))
            .find(|f| ctx.is_excluded(f) && ctx.present(f));
        return Err(match excluded {
            Some(f) => missing(ctx, &f),
            None => Refusal::MissingManifest {
                file: None,
                why: format!(
                    "`{}` needs one of {} and none is in the build context",
                    cand.install.command_text,
                    group.join(", ")
                ),
            },
        });
    }
    for f in present {
        need(ctx, f, files)?;
    }
    Ok(())
}

/// A `cd` into the copied tree needs the directory to exist before the copy
/// (some manifest must live there).
pub fn check_prelude_paths(split: &Split, files: &[CtxPath], map: CopyMap) -> Result<(), Refusal> {
    for p in &split.cd_dirs {
        if let Some(rel) = map.to_context(&ImagePath::new(p)) {
            if !files.iter().any(|f| f.is_under(&rel)) {
                return Err(Refusal::Prelude(format!(
                    "the RUN changes to {p} before the install, but only the source copy brings it"
                )));
            }
        }
    }
    Ok(())
}

/// Every manifest must lie in the copied directory and be writable into a COPY line.
pub fn check_layout(
    ctx: &BuildContext,
    files: &[CtxPath],
    src_dir: &str,
    excludes: &[String],
) -> Result<(), Refusal> {
    for f in files.iter().map(CtxPath::as_str) {
        // C's `--exclude` drops it from the source copy; named in M, it would be copied.
        let rel = f.strip_prefix(src_dir).unwrap_or(f).trim_start_matches('/');
        if let Some(x) = excludes.iter().find(|x| excluded_by(x, rel)) {
            return Err(Refusal::Layout(format!(
                "{f} is excluded from the source copy by --exclude={x}, so the install never read it there"
            )));
        }
        if let Some(link) = symlink_on_path(ctx, f) {
            return Err(Refusal::Layout(format!(
                "{link} is a symbolic link in the context: a manifests copy would follow it where the source copy keeps the link"
            )));
        }
        if !is_under_rel(f, src_dir) {
            return Err(Refusal::Layout(format!(
                "{f} is outside the directory the source copy brings ({src_dir})"
            )));
        }
        if f.contains(|ch: char| ch.is_whitespace() || "\"'$`\\*?[".contains(ch)) {
            return Err(Refusal::Layout(format!(
                "{f} has characters dockopt does not write into a COPY"
            )));
        }
    }
    Ok(())
}

/// The first component of context path `f` (or `f` itself) that is a
/// symbolic link. A COPY naming a file follows such links, while copying the
/// whole directory keeps them as links: the manifests copy would make a real
/// file or directory that the source copy then replaces with a link.
fn symlink_on_path(ctx: &BuildContext, f: &str) -> Option<String> {
    let mut prefix = String::new();
    for part in f.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        if ctx.is_symlink(&prefix) {
            return Some(prefix);
        }
    }
    None
}

/// Does an `--exclude` pattern (Go `filepath.Match`, matched against the path
/// and each of its parent directories) cover context path `rel`?
fn excluded_by(pattern: &str, rel: &str) -> bool {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    let mut prefix = String::new();
    for part in rel.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        // A malformed pattern is taken to match: refuse rather than guess.
        if crate::context::go_match(pattern, &prefix).unwrap_or(true) {
            return true;
        }
    }
    false
}

/// The phases run on in-memory build contexts ([`MemContext`]): no directory
/// is created, so each case shows the whole context it is about.
///
/// [`MemContext`]: crate::context::MemContext
#[cfg(test)]
pub(super) mod tests {
    use crate::context::{BuildContext, MemContext};
    use crate::edit::Fix;
    use crate::model::Model;
    use crate::preset::Presets;
    use crate::rules::copy_manifests_first::{candidate, plan};
    use crate::rules::RuleContext;

    use super::Refusal;
    use crate::rules::RefusalKind;

    pub const NPM: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";

    /// The plan of each candidate of `src` over `ctx`.
    pub fn plan_on(src: &str, ctx: &BuildContext) -> Vec<Result<Fix, Refusal>> {
        let df = crate::syntax::parse(src.as_bytes());
        let model = Model::new(src, &df);
        let presets = Presets::builtin();
        let rc = RuleContext {
            model: &model,
            presets: &presets,
            ctx: Some(ctx),
            origin: None,
        };
        let cands = candidate::candidates(&rc);
        cands
            .iter()
            .map(|c| plan::plan(&rc, c).map(|p| p.fix))
            .collect()
    }

    pub fn npm_project() -> MemContext {
        MemContext::new()
            .file("package.json", r#"{"name":"a"}"#)
            .file("package-lock.json", "{}")
            .file("index.js", "")
    }

    fn refusal(src: &str, ctx: MemContext) -> Refusal {
        match plan_on(src, &ctx.into_context()).pop() {
            Some(Err(r)) => r,
            Some(Ok(_)) => panic!("expected a refusal, got a fix"),
            None => panic!("no candidate"),
        }
    }

    #[test]
    fn a_complete_project_gets_a_fix() {
        let plans = plan_on(NPM, &npm_project().into_context());
        assert!(
            matches!(plans.as_slice(), [Ok(_)]),
            "{:?}",
            plans[0].as_ref().err()
        );
    }

    /// Each missing or unusable manifest is refused with its kind, and the
    /// text names what is wrong.
    #[test]
    fn missing_and_linked_manifests_are_refused_and_named() {
        let under_link = "FROM node:20\nWORKDIR /app\nCOPY . .\nWORKDIR /app/web\nRUN npm ci\n";
        let cases = [
            (
                NPM,
                MemContext::new().file("package.json", "{}"),
                RefusalKind::MissingManifest,
                "none is in the build context",
            ),
            (
                NPM,
                npm_project().file(".dockerignore", "package-lock.json\n"),
                RefusalKind::MissingManifest,
                "package-lock.json is excluded by .dockerignore",
            ),
            (
                NPM,
                npm_project()
                    .file("lock/package-lock.json", "{}")
                    .symlink("package-lock.json", "lock/package-lock.json"),
                RefusalKind::Layout,
                "package-lock.json is a symbolic link",
            ),
            (
                under_link,
                MemContext::new()
                    .file("real/package.json", "{}")
                    .file("real/package-lock.json", "{}")
                    .symlink("web", "real"),
                RefusalKind::Layout,
                "web is a symbolic link",
            ),
            // adv2-dirlock: `npm install` reads package-lock.json when it is
            // there; a directory under that name fails the original install.
            (
                "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\n",
                MemContext::new()
                    .file("package.json", "{}")
                    .file("package-lock.json/f", "x"),
                RefusalKind::MissingManifest,
                "package-lock.json is in the build context but is not a file",
            ),
        ];
        for (src, ctx, kind, text) in cases {
            let r = refusal(src, ctx);
            assert_eq!((r.kind(), r.text().contains(text)), (kind, true), "{r:?}");
        }
    }

    /// A refusal for a missing manifest names the file, so a wider context
    /// can be checked for it without reading the text.
    #[test]
    fn a_missing_manifest_names_the_file() {
        let ctx = npm_project().file(".dockerignore", "package-lock.json\n");
        let r = refusal(NPM, ctx);
        assert_eq!(
            r.missing_file().map(|f| f.as_str()),
            Some("package-lock.json")
        );
        let r = refusal(NPM, MemContext::new().file("package.json", "{}"));
        assert_eq!(
            r.missing_file(),
            None,
            "a group of alternatives names no one file"
        );
    }
}
