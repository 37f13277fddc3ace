//! dotnet: every file `dotnet restore` reads. SEMANTICS.md §B.18.
//!
//! Starting from the project or solution named on the command line (or the
//! single one in the install's directory, as the dotnet CLI picks it):
//! - solutions (`.sln` `Project(...) = "Name", "dir\x.csproj", ...` lines,
//!   `.slnx` `<Project Path=...>`, `.slnf` filters) name projects, with
//!   backslashes as separators, relative to the solution;
//! - projects and the MSBuild files they import name more projects
//!   (`<ProjectReference Include="..\Lib\Lib.csproj" />`, recursively) and
//!   imports (`<Import Project="..\build\common.props" />`);
//! - from every project and solution directory up to the context root:
//!   Directory.Build.props/.targets/.rsp, Directory.Packages.props,
//!   Directory.Solution.props/.targets, global.json and NuGet.config in any
//!   casing; next to each project its packages.lock.json (and
//!   packages.config).
//!
//! Refused: imports and references built from properties dockopt cannot
//! resolve, paths outside the context, wildcards, local package sources in
//! NuGet.config, and restore properties that change what restore reads or
//! where it writes (RestoreConfigFile, RestoreSources,
//! BaseIntermediateOutputPath, UseArtifactsOutput...).

use serde_json::Value;

use super::{escapes, join, parent, ReadInput, ReadOutput};
use crate::context::BuildContext;

/// Files MSBuild, NuGet and the dotnet host look for in a directory and its parents.
const UPWARD: &[&str] = &[
    "Directory.Build.props",
    "Directory.Build.targets",
    "Directory.Build.rsp",
    "Directory.Packages.props",
    "Directory.Solution.props",
    "Directory.Solution.targets",
    "global.json",
];

/// NuGet.config in any casing (NuGet looks for nuget.config, NuGet.config, NuGet.Config).
const NUGET_CONFIG: &str = "[Nn][Uu][Gg][Ee][Tt].[Cc][Oo][Nn][Ff][Ii][Gg]";

/// Properties that point outside the build context (the SDK, MSBuild, the
/// NuGet package folder): imports through them read the image, not the source.
const SDK_PROPERTIES: &[&str] = &[
    "MSBuildExtensionsPath",
    "MSBuildExtensionsPath32",
    "MSBuildExtensionsPath64",
    "MSBuildToolsPath",
    "MSBuildBinPath",
    "MSBuildSDKsPath",
    "MSBuildFrameworkToolsPath",
    "MSBuildUserExtensionsPath",
    "VSToolsPath",
    "NuGetPackageRoot",
    "RoslynTargetsPath",
    "NetCoreTargetingPackRoot",
];

/// Properties that change what restore reads or where it writes.
const RESTORE_PROPERTIES: &[&str] = &[
    "RestoreConfigFile",
    "RestoreSources",
    "RestoreAdditionalProjectSources",
    "RestoreAdditionalProjectFallbackFolders",
    "RestoreFallbackFolders",
    "RestorePackagesPath",
    "RestoreOutputPath",
    "NuGetLockFilePath",
    "BaseIntermediateOutputPath",
    "MSBuildProjectExtensionsPath",
    "UseArtifactsOutput",
    "ArtifactsPath",
];

/// `dotnet restore [PROJECT|SOLUTION]`.
pub(super) fn read(input: &ReadInput) -> ReadOutput {
    restore(input).unwrap_or_else(ReadOutput::refuse)
}

/// `dotnet build/publish/test [PROJECT|SOLUTION]`, whose deps-only step is a
/// `dotnet restore` of the same project in the same directory.
pub(super) fn read_build(input: &ReadInput) -> ReadOutput {
    restore(input).unwrap_or_else(ReadOutput::refuse)
}

struct Walk<'a> {
    ctx: &'a BuildContext,
    out: ReadOutput,
    /// MSBuild files and projects already read.
    seen: Vec<String>,
    /// Directories whose upward files apply.
    dirs: Vec<String>,
    /// Project directories (packages.lock.json).
    project_dirs: Vec<String>,
}

fn restore(input: &ReadInput) -> Result<ReadOutput, String> {
    let ctx = input.ctx;
    let dir = input.dir;
    let mut w = Walk {
        ctx,
        out: ReadOutput::default(),
        seen: Vec::new(),
        dirs: vec![dir.to_string()],
        project_dirs: Vec::new(),
    };
    let mut roots: Vec<String> = Vec::new();
    for a in input.manifest_args {
        if ctx.is_dir(a) {
            roots.push(in_directory(ctx, a)?);
        } else if is_solution(a) || is_project(a) {
            roots.push(a.clone());
        } else if is_nuget_config(a) {
            nuget_config(&mut w, a)?;
        } else {
            return Err(format!(
                "`{a}` is not a project or solution file dockopt reads"
            ));
        }
    }
    // The deps-only step of a build restores the project it names, or the
    // one in its directory, exactly as the build does.
    if roots.is_empty() {
        let shown = if dir.is_empty() {
            "the context root"
        } else {
            dir
        };
        match candidates(ctx, dir).as_slice() {
            [one] => roots.push(one.clone()),
            [] => {
                let below = candidates_below(ctx, dir);
                let needs = match below.as_slice() {
                    [] => "and the context holds none below it either".to_string(),
                    found => format!(
                        "so `dotnet` there fails (MSB1003); it needs the project or solution named, as in `dotnet restore {}` ({} found below)",
                        found[0],
                        found.join(", ")
                    ),
                };
                return Err(format!("{shown} holds no project or solution file for `dotnet restore`, {needs}"));
            }
            many => {
                return Err(format!(
                    "{shown} holds several project or solution files ({}); a `dotnet restore` there without one named fails",
                    many.join(", ")
                ))
            }
        }
    }
    for root in &roots {
        if is_solution(root) {
            solution(&mut w, root)?;
        } else {
            project(&mut w, root, "the command line")?;
        }
    }
    upward_files(&mut w)?;
    Ok(w.out)
}

/// The project or solution `dotnet` takes from a directory argument
/// (`dotnet restore src`): the only one there, as MSBuild requires (none:
/// MSB1003; several: MSB1011).
fn in_directory(ctx: &BuildContext, dir: &str) -> Result<String, String> {
    match candidates(ctx, dir).as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "{dir}/ holds no project or solution file for `dotnet restore {dir}` (MSB1003)"
        )),
        many => Err(format!(
            "{dir}/ holds several project or solution files ({}); `dotnet restore {dir}` fails (MSB1011)",
            many.join(", ")
        )),
    }
}

fn ext_lower(path: &str) -> String {
    path.rsplit('/')
        .next()
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default()
}

fn is_solution(path: &str) -> bool {
    matches!(ext_lower(path).as_str(), "sln" | "slnx" | "slnf")
}

fn is_project(path: &str) -> bool {
    let e = ext_lower(path);
    e.len() > 4 && e.ends_with("proj") || e == "proj"
}

fn is_nuget_config(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".config")
}

/// Project and solution files up to three directories below `dir` (for a
/// message naming what `dotnet` would need).
fn candidates_below(ctx: &BuildContext, dir: &str) -> Vec<String> {
    let mut out: Vec<String> = ["*", "*/*", "*/*/*"]
        .iter()
        .flat_map(|d| candidates(ctx, &join(dir, d)))
        .collect();
    out.sort();
    out.dedup();
    out.truncate(5);
    out
}

/// The project and solution files `dotnet` would pick in `dir`.
fn candidates(ctx: &BuildContext, dir: &str) -> Vec<String> {
    let mut out: Vec<String> = ["*.sln", "*.slnx", "*.*proj"]
        .iter()
        .flat_map(|p| ctx.glob(&join(dir, p)))
        .filter(|f| ctx.is_file(f) && (is_solution(f) || is_project(f)))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn solution(w: &mut Walk, sln: &str) -> Result<(), String> {
    if w.seen.iter().any(|s| s == sln) {
        return Ok(());
    }
    w.seen.push(sln.to_string());
    let text = w
        .ctx
        .read_to_string(sln)
        .ok_or_else(|| format!("{sln} is not in the build context"))?;
    w.out.required.push(sln.to_string());
    let here = parent(sln).to_string();
    w.dirs.push(here.clone());
    let mut projects: Vec<String> = Vec::new();
    match ext_lower(sln).as_str() {
        "slnf" => {
            let v: Value = serde_json::from_str(text.trim_start_matches('\u{feff}'))
                .map_err(|e| format!("{sln} is not valid JSON ({e})"))?;
            let Some(inner) = v["solution"]["path"].as_str() else {
                return Err(format!("{sln} names no solution"));
            };
            let inner = resolve_literal(&here, inner).ok_or_else(|| {
                format!("{sln}: the solution `{inner}` is outside the build context")
            })?;
            let inner_dir = parent(&inner).to_string();
            if !w.ctx.is_file(&inner) {
                return Err(format!(
                    "{sln}: the solution {inner} is not in the build context"
                ));
            }
            w.out.required.push(inner.clone());
            w.dirs.push(inner_dir.clone());
            for p in v["solution"]["projects"].as_array().into_iter().flatten() {
                let Some(p) = p.as_str() else { continue };
                projects.push(resolve_literal(&inner_dir, p).ok_or_else(|| {
                    format!("{sln}: the project `{p}` is outside the build context")
                })?);
            }
        }
        "slnx" => {
            for tag in tags(&text) {
                if tag.name.eq_ignore_ascii_case("Project") {
                    if let Some(p) = tag.attr("Path") {
                        projects.push(resolve_literal(&here, p).ok_or_else(|| {
                            format!("{sln}: the project `{p}` is outside the build context")
                        })?);
                    }
                }
            }
        }
        _ => {
            for line in text.lines() {
                let line = line.trim();
                if !line.starts_with("Project(") {
                    continue;
                }
                // Project("{TYPE}") = "Name", "dir\x.csproj", "{GUID}"
                let Some((_, rhs)) = line.split_once('=') else {
                    continue;
                };
                let Some(path) = rhs.split(',').nth(1).map(|s| s.trim().trim_matches('"')) else {
                    continue;
                };
                if !is_project(&path.replace('\\', "/")) {
                    continue; // solution folders, web sites
                }
                projects.push(resolve_literal(&here, path).ok_or_else(|| {
                    format!("{sln}: the project `{path}` is outside the build context")
                })?);
            }
        }
    }
    for p in projects {
        project(w, &p, sln)?;
    }
    Ok(())
}

/// A literal path (backslashes allowed) relative to `base`, cleaned; `None`
/// when it leaves the context or is absolute.
fn resolve_literal(base: &str, path: &str) -> Option<String> {
    let p = path.trim().replace('\\', "/");
    if p.starts_with('/') || escapes(base, &p) {
        return None;
    }
    Some(join(base, &p))
}

fn project(w: &mut Walk, path: &str, from: &str) -> Result<(), String> {
    if w.seen.iter().any(|s| s == path) {
        return Ok(());
    }
    if !w.ctx.is_file(path) {
        return Err(format!(
            "{path} (named in {from}) is not in the build context"
        ));
    }
    w.out.required.push(path.to_string());
    let dir = parent(path).to_string();
    w.dirs.push(dir.clone());
    w.project_dirs.push(dir);
    msbuild_file(w, path, true)
}

/// Read one MSBuild file: its imports, project references and restore properties.
fn msbuild_file(w: &mut Walk, path: &str, is_project_file: bool) -> Result<(), String> {
    let already = w.seen.iter().any(|s| s == path);
    if already && !is_project_file {
        return Ok(());
    }
    if !already {
        w.seen.push(path.to_string());
    }
    let text = w
        .ctx
        .read_to_string(path)
        .ok_or_else(|| format!("{path} cannot be read"))?;
    let here = parent(path).to_string();
    for tag in tags(&text) {
        if tag.closing {
            continue;
        }
        if let Some(p) = RESTORE_PROPERTIES
            .iter()
            .find(|p| tag.name.eq_ignore_ascii_case(p))
        {
            return Err(format!(
                "{path} sets <{p}>, which changes what restore reads or where it writes; dockopt does not follow it"
            ));
        }
        if tag.name == "Import" {
            if tag.attr("Sdk").is_some() {
                continue;
            }
            let Some(target) = tag.attr("Project") else {
                continue;
            };
            match resolve(&here, target, is_project_file) {
                Resolved::File(f) => {
                    if w.ctx.is_file(&f) {
                        w.out.required.push(f.clone());
                        msbuild_file(w, &f, false)?;
                    } else if tag.attr("Condition").is_none() {
                        return Err(format!(
                            "{path} imports {f}, which is not in the build context"
                        ));
                    }
                }
                Resolved::Outside | Resolved::Upward => {}
                Resolved::Unknown(why) => {
                    return Err(format!(
                        "{path} imports `{target}` ({why}); dockopt cannot tell which file that is"
                    ))
                }
            }
        } else if tag.name == "ProjectReference" {
            let Some(include) = tag.attr("Include") else {
                continue;
            };
            for item in include.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                if !is_project_file && !item.starts_with("$(MSBuildThisFileDirectory)") {
                    return Err(format!(
                        "{path} adds the ProjectReference `{item}`, relative to every importing project; dockopt does not follow it"
                    ));
                }
                match resolve(&here, item, is_project_file) {
                    Resolved::File(f) => project(w, &f, path)?,
                    Resolved::Outside => {
                        return Err(format!(
                            "{path} references `{item}`, outside the build context; the restore would not find it"
                        ))
                    }
                    Resolved::Upward | Resolved::Unknown(_) => {
                        return Err(format!("{path} references `{item}`, which dockopt cannot resolve"))
                    }
                }
            }
        }
    }
    Ok(())
}

enum Resolved {
    /// A context file.
    File(String),
    /// A file of the SDK or the image, outside the source.
    Outside,
    /// `GetPathOfFileAbove('Directory.Build.props', ...)`: one of the upward files, copied anyway.
    Upward,
    Unknown(String),
}

fn resolve(here: &str, raw: &str, is_project_file: bool) -> Resolved {
    let v = raw.trim().replace('\\', "/");
    if v.contains("GetPathOfFileAbove") || v.contains("GetDirectoryNameOfFileAbove") {
        let named = UPWARD.iter().any(|u| v.contains(&format!("'{u}'")));
        return if named {
            Resolved::Upward
        } else {
            Resolved::Unknown("a file searched upward".into())
        };
    }
    let mut rest = v.as_str();
    for prop in ["$(MSBuildThisFileDirectory)", "$(MSBuildProjectDirectory)"] {
        if let Some(r) = rest.strip_prefix(prop) {
            if prop == "$(MSBuildProjectDirectory)" && !is_project_file {
                return Resolved::Unknown("the importing project's directory".into());
            }
            rest = r.trim_start_matches('/');
        }
    }
    if let Some(r) = rest.strip_prefix("$(") {
        let name = r.split(')').next().unwrap_or("");
        if SDK_PROPERTIES.contains(&name) {
            return Resolved::Outside;
        }
        return Resolved::Unknown(format!("built from $({name})"));
    }
    if rest.contains("$(") || rest.contains("@(") || rest.contains("%(") {
        return Resolved::Unknown("built from a property".into());
    }
    if rest.contains(['*', '?']) {
        return Resolved::Unknown("a wildcard".into());
    }
    if rest.starts_with('/') {
        return Resolved::Unknown("an absolute path".into());
    }
    if escapes(here, rest) {
        return Resolved::Outside;
    }
    Resolved::File(join(here, rest))
}

/// From every directory in `w.dirs` up to the context root: the upward files.
fn upward_files(w: &mut Walk) -> Result<(), String> {
    let mut dirs: Vec<String> = Vec::new();
    for d in &w.dirs {
        let mut cur = d.clone();
        loop {
            if !dirs.contains(&cur) {
                dirs.push(cur.clone());
            }
            if cur.is_empty() {
                break;
            }
            cur = parent(&cur).to_string();
        }
    }
    for d in &dirs {
        for name in UPWARD {
            let f = join(d, name);
            if !w.ctx.is_file(&f) {
                continue;
            }
            w.out.optional.push(f.clone());
            if name.ends_with(".props") || name.ends_with(".targets") {
                msbuild_file(w, &f, false)?;
            }
        }
        for f in w.ctx.glob(&join(d, NUGET_CONFIG)) {
            if w.ctx.is_file(&f) {
                nuget_config(w, &f)?;
                w.out.optional.push(f);
            }
        }
    }
    let project_dirs = w.project_dirs.clone();
    for d in project_dirs {
        for name in ["packages.lock.json", "packages.config"] {
            let f = join(&d, name);
            if w.ctx.is_file(&f) {
                w.out.optional.push(f);
            }
        }
    }
    Ok(())
}

/// Refuse NuGet.config files that read local package folders or write into the project.
fn nuget_config(w: &mut Walk, path: &str) -> Result<(), String> {
    let Some(text) = w.ctx.read_to_string(path) else {
        return Ok(()); // a --configfile that is missing: the required-file check reports it
    };
    let mut section: Vec<String> = Vec::new();
    for tag in tags(&text) {
        let name = tag.name.to_ascii_lowercase();
        if tag.closing {
            if section.last() == Some(&name) {
                section.pop();
            }
            continue;
        }
        if name != "add" {
            if !tag.self_closing {
                section.push(name);
            }
            continue;
        }
        let key = tag.attr("key").unwrap_or("");
        let value = tag.attr("value").unwrap_or("");
        match section.last().map(String::as_str) {
            Some("packagesources") if !value.contains("://") => {
                return Err(format!(
                    "{path}: the package source `{key}` is the local folder `{value}`, which dockopt does not copy"
                ))
            }
            Some("fallbackpackagefolders") => {
                return Err(format!("{path}: the fallback package folder `{value}` may be a local folder dockopt does not copy"))
            }
            Some("config")
                if (key.eq_ignore_ascii_case("globalPackagesFolder") || key.eq_ignore_ascii_case("repositoryPath"))
                    && !value.starts_with('/')
                    && !value.starts_with('%')
                    && !value.starts_with('$')
                    && !value.starts_with('~') =>
            {
                return Err(format!(
                    "{path}: `{key}` installs packages into `{value}`, inside the project, which the source copy would overwrite"
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Minimal XML tag scanning (comments, CDATA and processing instructions skipped)
// ---------------------------------------------------------------------------

struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    closing: bool,
    self_closing: bool,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn tags(text: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if let Some(r) = rest.strip_prefix("<!--") {
            rest = r.find("-->").map_or("", |j| &r[j + 3..]);
            continue;
        }
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            rest = r.find("]]>").map_or("", |j| &r[j + 3..]);
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            rest = rest.find('>').map_or("", |j| &rest[j + 1..]);
            continue;
        }
        // The tag runs to the first `>` outside quotes.
        let bytes = rest.as_bytes();
        let mut j = 1;
        let mut quote = 0u8;
        while j < bytes.len() {
            let b = bytes[j];
            if quote != 0 {
                if b == quote {
                    quote = 0;
                }
            } else if b == b'"' || b == b'\'' {
                quote = b;
            } else if b == b'>' {
                break;
            }
            j += 1;
        }
        let inner = &rest[1..j.min(rest.len())];
        rest = if j < rest.len() { &rest[j + 1..] } else { "" };
        let closing = inner.starts_with('/');
        let inner = inner.trim_start_matches('/');
        let self_closing = inner.trim_end().ends_with('/');
        let inner = inner.trim_end().trim_end_matches('/');
        let name_end = inner
            .find(|c: char| c.is_whitespace())
            .unwrap_or(inner.len());
        let name = inner[..name_end].to_string();
        out.push(Tag {
            name,
            attrs: attributes(&inner[name_end..]),
            closing,
            self_closing,
        });
    }
    out
}

fn attributes(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start();
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_string();
        let after = rest[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(end) = after[1..].find(q) else { break };
        out.push((key, unescape(&after[1..1 + end])));
        rest = &after[end + 2..];
    }
    out
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_tags_and_attributes() {
        let t = tags("<!-- <Import Project=\"x\" /> -->\n<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n    <ProjectReference Include=\"..\\Lib\\Lib.csproj\" />\n  </ItemGroup>\n</Project>\n");
        let names: Vec<&str> = t.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "Project",
                "ItemGroup",
                "ProjectReference",
                "ItemGroup",
                "Project"
            ]
        );
        assert_eq!(t[2].attr("Include"), Some("..\\Lib\\Lib.csproj"));
        assert!(t[2].self_closing);
        assert!(t[3].closing);
    }

    #[test]
    fn resolves_msbuild_paths() {
        assert!(
            matches!(resolve("src/App", "..\\Lib\\Lib.csproj", true), Resolved::File(f) if f == "src/Lib/Lib.csproj")
        );
        assert!(
            matches!(resolve("src/App", "$(MSBuildThisFileDirectory)..\\x.props", false), Resolved::File(f) if f == "src/x.props")
        );
        assert!(matches!(
            resolve("", "$(MSBuildToolsPath)\\Microsoft.CSharp.targets", true),
            Resolved::Outside
        ));
        assert!(matches!(
            resolve("", "$(RepoRoot)build.props", true),
            Resolved::Unknown(_)
        ));
        assert!(matches!(
            resolve("a", "$([MSBuild]::GetPathOfFileAbove('Directory.Build.props', '$(MSBuildThisFileDirectory)../'))", false),
            Resolved::Upward
        ));
        assert!(matches!(
            resolve("", "../outside.props", true),
            Resolved::Outside
        ));
    }

    #[test]
    fn project_extensions() {
        assert!(is_project("a/B.csproj"));
        assert!(is_project("x.fsproj"));
        assert!(!is_project("x.sln"));
        assert!(is_solution("x.slnx"));
    }
}
