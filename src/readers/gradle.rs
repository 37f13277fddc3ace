//! gradle: the settings file and what it includes (every included project's
//! build script and gradle.properties, every `includeBuild` directory whole),
//! the root build script, gradle.properties, `gradle/` (wrapper, version
//! catalogs), all of `buildSrc/`, script files applied with `apply from:`,
//! and a wrapper that must stay executable. SEMANTICS.md §B.15.
//!
//! Scripts are Groovy or Kotlin; dockopt reads them with a small tokenizer
//! and refuses what it cannot resolve statically: includes computed at
//! configuration time (`include(*names)`, loops over directories), custom
//! project directories, `includeFlat`, applied scripts named by expressions.

use super::{escapes, join, parent, ReadInput, ReadOutput};

const SETTINGS: &[&str] = &["settings.gradle", "settings.gradle.kts"];
const BUILD: &[&str] = &["build.gradle", "build.gradle.kts"];

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    match collect(input) {
        Ok(out) => out,
        Err(reason) => ReadOutput::refuse(reason),
    }
}

fn collect(input: &ReadInput) -> Result<ReadOutput, String> {
    let ctx = input.ctx;
    let root = input.dir;
    let mut files: Vec<String> = Vec::new();
    let add = |f: String, files: &mut Vec<String>| {
        if !files.contains(&f) {
            files.push(f);
        }
    };
    let settings: Vec<String> = SETTINGS
        .iter()
        .map(|s| join(root, s))
        .filter(|p| ctx.is_file(p))
        .collect();
    if settings.is_empty() {
        // Gradle looks for the settings file in parent directories too.
        let mut d = root.to_string();
        while !d.is_empty() {
            d = parent(&d).to_string();
            if let Some(s) = SETTINGS
                .iter()
                .map(|s| join(&d, s))
                .find(|p| ctx.is_file(p))
            {
                return Err(format!(
                    "{s} in a parent directory makes the install part of that build, which dockopt does not resolve"
                ));
            }
        }
        if !BUILD.iter().any(|b| ctx.is_file(&join(root, b))) {
            // A build without settings or build script: reported by the required-file check.
            return Ok(ReadOutput {
                required: vec![join(root, "build.gradle")],
                ..ReadOutput::default()
            });
        }
    }
    let mut projects: Vec<String> = vec![root.to_string()];
    let mut builds: Vec<String> = Vec::new();
    let mut scripts: Vec<(String, String)> = settings
        .iter()
        .map(|s| (s.clone(), root.to_string()))
        .collect();
    // Settings files and the scripts they apply.
    let mut k = 0;
    while k < scripts.len() {
        let (path, base) = scripts[k].clone();
        k += 1;
        add(path.clone(), &mut files);
        let text = ctx
            .read_to_string(&path)
            .ok_or_else(|| format!("{path} cannot be read"))?;
        let s = scan(&text);
        if let Some(what) = s.unresolved {
            return Err(format!(
                "{path}: {what}, which dockopt cannot resolve without running Gradle"
            ));
        }
        if let Some(what) = s.unresolved_apply {
            return Err(format!("{path}: {what}"));
        }
        for p in &s.includes {
            let rel = p.trim_start_matches(':').replace(':', "/");
            if rel.is_empty()
                || rel
                    .split('/')
                    .any(|c| c.is_empty() || c == "." || c == "..")
            {
                return Err(format!(
                    "{path}: `include` of `{p}` is not a project path dockopt resolves"
                ));
            }
            // `include("a:b")` also makes `:a` a project.
            let mut d = String::new();
            for c in rel.split('/') {
                d = if d.is_empty() {
                    c.to_string()
                } else {
                    format!("{d}/{c}")
                };
                let dir = join(root, &d);
                if !projects.contains(&dir) {
                    projects.push(dir);
                }
            }
        }
        for b in &s.include_builds {
            let dir = resolve(&base, b).ok_or_else(|| {
                format!("{path}: `includeBuild` of `{b}` is outside the build context")
            })?;
            if !ctx.is_dir(&dir) {
                return Err(format!(
                    "{path}: the included build {b} is not in the build context"
                ));
            }
            if !builds.contains(&dir) {
                builds.push(dir);
            }
        }
        for a in &s.applies {
            if let Some(p) = applied(root, &base, a, &path)? {
                if !ctx.is_file(&p) {
                    return Err(format!(
                        "{path}: the file {p} that `apply from:` names is not in the build context"
                    ));
                }
                if !scripts.iter().any(|(q, _)| *q == p) {
                    scripts.push((p, base.clone()));
                }
            }
        }
        for f in &s.files {
            if let Some(p) = resolve(&base, f).filter(|p| ctx.is_file(p)) {
                add(p, &mut files);
            }
        }
    }
    // Build scripts of every project and the scripts they apply.
    let mut scripts: Vec<(String, String)> = Vec::new();
    for dir in &projects {
        for b in BUILD {
            let p = join(dir, b);
            if ctx.is_file(&p) {
                scripts.push((p, dir.clone()));
            }
        }
        let props = join(dir, "gradle.properties");
        if ctx.is_file(&props) {
            add(props, &mut files);
        }
    }
    let mut k = 0;
    while k < scripts.len() {
        let (path, base) = scripts[k].clone();
        k += 1;
        add(path.clone(), &mut files);
        let text = ctx
            .read_to_string(&path)
            .ok_or_else(|| format!("{path} cannot be read"))?;
        let s = scan(&text);
        if let Some(what) = s.unresolved_apply {
            return Err(format!("{path}: {what}"));
        }
        for a in &s.applies {
            if let Some(p) = applied(root, &base, a, &path)? {
                if !ctx.is_file(&p) {
                    return Err(format!(
                        "{path}: the file {p} that `apply from:` names is not in the build context"
                    ));
                }
                if !scripts.iter().any(|(q, _)| *q == p) {
                    scripts.push((p, base.clone()));
                }
            }
        }
    }
    // gradle/ (wrapper, version catalogs), buildSrc/ and included builds, whole.
    for f in ctx.glob(&join(root, "gradle/**")) {
        if ctx.is_file(&f) {
            add(f, &mut files);
        }
    }
    let build_src = join(root, "buildSrc");
    if ctx.is_dir(&build_src) {
        builds.insert(0, build_src);
    }
    for b in &builds {
        for f in ctx.glob(&join(b, "**")) {
            if ctx.is_file(&f) && !is_output(input, b, &f) {
                add(f, &mut files);
            }
        }
    }
    if let Some(reason) = super::maven::not_executable(input, "gradlew") {
        return Err(reason);
    }
    Ok(ReadOutput {
        required: files,
        ..ReadOutput::default()
    })
}

/// Is `file` inside the `build/` or `.gradle/` directory of a project of the
/// included build rooted at `build` (outputs, not inputs)?
fn is_output(input: &ReadInput, build: &str, file: &str) -> bool {
    let rest = &file[build.len()..].trim_start_matches('/');
    let mut dir = build.to_string();
    for c in rest.split('/') {
        if c == "build" || c == ".gradle" {
            let project = dir == build
                || BUILD
                    .iter()
                    .chain(SETTINGS)
                    .any(|b| input.ctx.is_file(&join(&dir, b)));
            if project {
                return true;
            }
        }
        dir = join(&dir, c);
    }
    false
}

/// A path from a script, relative to `base`, `$rootDir`-relative forms
/// resolved; `None` when absolute or outside the context.
fn resolve(base: &str, path: &str) -> Option<String> {
    if path.starts_with('/') || escapes(base, path) {
        return None;
    }
    Some(join(base, path))
}

/// The script an `apply from:` names, `None` for a URL.
fn applied(root: &str, base: &str, a: &Apply, script: &str) -> Result<Option<String>, String> {
    let unresolved = || {
        format!(
            "{script}: `apply from:` names a file dockopt cannot resolve ({})",
            a.text
        )
    };
    let path = a.path.as_str();
    if path.starts_with("http://") || path.starts_with("https://") {
        return Ok(None);
    }
    let (path, from) = match a.relative_to {
        Base::Root => (path, root),
        Base::Project => (path, base),
    };
    let mut path = path.to_string();
    let mut from = from.to_string();
    for (var, dir) in [
        ("${rootDir}", root),
        ("$rootDir", root),
        ("${rootProject.projectDir}", root),
        ("${projectDir}", base),
        ("$projectDir", base),
        ("${project.projectDir}", base),
    ] {
        if let Some(rest) = path.strip_prefix(var) {
            path = rest.trim_start_matches('/').to_string();
            from = dir.to_string();
            break;
        }
    }
    if path.contains('$') {
        return Err(unresolved());
    }
    resolve(&from, &path).map(Some).ok_or_else(unresolved)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Root,
    Project,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Apply {
    path: String,
    relative_to: Base,
    /// The expression as found, for messages.
    text: String,
}

/// What a script says that dockopt needs.
#[derive(Debug, Default)]
struct Scan {
    includes: Vec<String>,
    include_builds: Vec<String>,
    applies: Vec<Apply>,
    /// Literal arguments of `file(...)` / `files(...)` (version catalogs).
    files: Vec<String>,
    /// The first construct of a settings script that cannot be resolved statically.
    unresolved: Option<String>,
    /// The first `apply from:` that cannot be resolved statically.
    unresolved_apply: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Ident(String),
    /// A string literal; `interpolated` when it contains `$` in a form that expands.
    Str {
        value: String,
        interpolated: bool,
    },
    Punct(char),
    Newline,
}

/// Tokens of a Groovy or Kotlin script: identifiers, strings, punctuation and
/// newlines; comments dropped.
fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            out.push(Tok::Newline);
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                if chars[i] == '\n' {
                    out.push(Tok::Newline);
                }
                i += 1;
            }
            i += 2;
        } else if c == '"' || c == '\'' {
            let triple = chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
            let q = if triple { 3 } else { 1 };
            i += q;
            let mut value = String::new();
            let mut interpolated = false;
            while i < chars.len() {
                if chars[i] == c
                    && (!triple || (chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c)))
                {
                    i += q;
                    break;
                }
                if chars[i] == '\\' {
                    if let Some(&e) = chars.get(i + 1) {
                        value.push(e);
                    }
                    i += 2;
                    continue;
                }
                if chars[i] == '$' && c == '"' {
                    interpolated = true;
                }
                value.push(chars[i]);
                i += 1;
            }
            out.push(Tok::Str {
                value,
                interpolated,
            });
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

fn scan(text: &str) -> Scan {
    let toks = tokenize(text);
    let mut s = Scan::default();
    let unresolved = |s: &mut Scan, what: String| {
        s.unresolved.get_or_insert(what);
    };
    let mut i = 0;
    while i < toks.len() {
        let Tok::Ident(word) = &toks[i] else {
            i += 1;
            continue;
        };
        let after_dot = i > 0 && toks[i - 1] == Tok::Punct('.');
        match word.as_str() {
            "include" | "includeBuild" | "includeFlat"
                if !after_dot || prev_ident(&toks, i) == Some("settings") =>
            {
                let Some((args, next)) = call_args(&toks, i + 1) else {
                    i += 1;
                    continue;
                };
                i = next;
                if word == "includeFlat" {
                    unresolved(
                        &mut s,
                        "`includeFlat` puts projects beside the root, outside the build".into(),
                    );
                    continue;
                }
                if word == "includeBuild" {
                    // Only the first argument names the build; a configuration closure may follow.
                    match args.first().map(|a| literal(a)) {
                        Some(Some(v)) => s.include_builds.push(v),
                        _ => unresolved(&mut s, "`includeBuild` of a computed path".into()),
                    }
                    continue;
                }
                for a in &args {
                    match literal(a) {
                        Some(v) => s.includes.push(v),
                        None => unresolved(&mut s, "an `include` of computed project names".into()),
                    }
                }
            }
            "projectDir" | "buildFileName" if next_tok(&toks, i + 1) == Some(&Tok::Punct('=')) => {
                unresolved(&mut s, format!("a custom `{word}`"));
                i += 1;
            }
            "apply" => {
                // apply from: X | apply(from: X) | apply(from = X)
                let mut j = skip_newlines(&toks, i + 1);
                if toks.get(j) == Some(&Tok::Punct('(')) {
                    j = skip_newlines(&toks, j + 1);
                }
                if toks.get(j) == Some(&Tok::Ident("from".into()))
                    && matches!(toks.get(j + 1), Some(Tok::Punct(':' | '=')))
                {
                    let (apply, next) = apply_value(&toks, j + 2);
                    match apply {
                        Some(a) => s.applies.push(a),
                        None => {
                            s.unresolved_apply.get_or_insert(format!(
                                "`apply from:` names a file through an expression dockopt cannot resolve ({})",
                                toks_text(&toks[j + 2..next.min(toks.len())])
                            ));
                        }
                    }
                    i = next;
                } else {
                    i += 1;
                }
            }
            "file" | "files" if !after_dot => {
                if let Some((args, next)) = call_args(&toks, i + 1) {
                    if toks.get(i + 1) == Some(&Tok::Punct('(')) {
                        s.files.extend(args.iter().filter_map(|a| literal(a)));
                    }
                    i = next;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    s
}

/// Tokens back as text, for messages.
fn toks_text(toks: &[Tok]) -> String {
    toks.iter()
        .take_while(|t| **t != Tok::Newline)
        .map(|t| match t {
            Tok::Ident(w) => w.clone(),
            Tok::Str { value, .. } => format!("\"{value}\""),
            Tok::Punct(c) => c.to_string(),
            Tok::Newline => String::new(),
        })
        .collect()
}

fn prev_ident(toks: &[Tok], i: usize) -> Option<&str> {
    match toks.get(i.checked_sub(2)?) {
        Some(Tok::Ident(w)) => Some(w),
        _ => None,
    }
}

fn skip_newlines(toks: &[Tok], mut j: usize) -> usize {
    while toks.get(j) == Some(&Tok::Newline) {
        j += 1;
    }
    j
}

fn next_tok(toks: &[Tok], j: usize) -> Option<&Tok> {
    toks.get(skip_newlines(toks, j))
}

/// A single non-interpolated string literal.
fn literal(arg: &[Tok]) -> Option<String> {
    match arg {
        [Tok::Str {
            value,
            interpolated: false,
        }] => Some(value.clone()),
        _ => None,
    }
}

/// Arguments of a call starting at `j`: `( a, b )` or Groovy's `a, b` up to
/// the end of the line. Each argument is its tokens (newlines dropped).
/// `None` when `j` does not start arguments.
fn call_args(toks: &[Tok], j: usize) -> Option<(Vec<Vec<Tok>>, usize)> {
    let mut args: Vec<Vec<Tok>> = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    match toks.get(j)? {
        Tok::Punct('(') => {
            let mut depth = 0usize;
            let mut k = j;
            while k < toks.len() {
                let t = &toks[k];
                k += 1;
                match t {
                    Tok::Punct('(' | '[' | '{') => {
                        if depth > 0 {
                            cur.push(t.clone());
                        }
                        depth += 1;
                    }
                    Tok::Punct(')' | ']' | '}') => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                        cur.push(t.clone());
                    }
                    Tok::Punct(',') if depth == 1 => args.push(std::mem::take(&mut cur)),
                    Tok::Newline => {}
                    _ => cur.push(t.clone()),
                }
            }
            if !cur.is_empty() {
                args.push(cur);
            }
            Some((args, k))
        }
        Tok::Str { .. } | Tok::Ident(_) | Tok::Punct('*') => {
            // Groovy command syntax: arguments up to a newline not preceded by a comma.
            let mut k = j;
            let mut depth = 0usize;
            while k < toks.len() {
                let t = &toks[k];
                match t {
                    Tok::Newline if depth == 0 => {
                        if cur.is_empty() && !args.is_empty() {
                            k += 1; // continuation after a trailing comma
                            continue;
                        }
                        break;
                    }
                    Tok::Newline => {}
                    Tok::Punct(';') if depth == 0 => break,
                    Tok::Punct('{') if depth == 0 && !cur.is_empty() => break, // a trailing closure
                    Tok::Punct(',') if depth == 0 => args.push(std::mem::take(&mut cur)),
                    Tok::Punct('(' | '[' | '{') => {
                        depth += 1;
                        cur.push(t.clone());
                    }
                    Tok::Punct(')' | ']' | '}') => {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                        cur.push(t.clone());
                    }
                    _ => cur.push(t.clone()),
                }
                k += 1;
            }
            if !cur.is_empty() {
                args.push(cur);
            }
            Some((args, k))
        }
        _ => None,
    }
}

/// The value of `apply from:` starting at `j`: a string, `file("x")`,
/// `rootProject.file("x")`, `project.file("x")`.
fn apply_value(toks: &[Tok], j: usize) -> (Option<Apply>, usize) {
    let j = skip_newlines(toks, j);
    let text_of = |k: usize, n: usize| toks_text(&toks[k..(k + n).min(toks.len())]);
    let string_ok = |value: &str, interpolated: bool| -> bool {
        // `"$rootDir/x"` is resolved later; other interpolations are not.
        !interpolated
            || [
                "$rootDir",
                "${rootDir}",
                "${rootProject.projectDir}",
                "$projectDir",
                "${projectDir}",
                "${project.projectDir}",
            ]
            .iter()
            .any(|v| value.starts_with(v) && !value[v.len()..].contains('$'))
    };
    match toks.get(j) {
        Some(Tok::Str {
            value,
            interpolated,
        }) => {
            if string_ok(value, *interpolated) {
                let a = Apply {
                    path: value.clone(),
                    relative_to: Base::Project,
                    text: text_of(j, 1),
                };
                (Some(a), j + 1)
            } else {
                (None, j + 1)
            }
        }
        Some(Tok::Ident(w)) => {
            // [rootProject. | project.] file ( "x" )
            let (relative_to, k) = match w.as_str() {
                "rootProject" if toks.get(j + 1) == Some(&Tok::Punct('.')) => (Base::Root, j + 2),
                "project" if toks.get(j + 1) == Some(&Tok::Punct('.')) => (Base::Project, j + 2),
                _ => (Base::Project, j),
            };
            let is_file = toks.get(k) == Some(&Tok::Ident("file".into()));
            match (is_file, toks.get(k + 1), toks.get(k + 2), toks.get(k + 3)) {
                (
                    true,
                    Some(Tok::Punct('(')),
                    Some(Tok::Str {
                        value,
                        interpolated,
                    }),
                    Some(Tok::Punct(')')),
                ) if string_ok(value, *interpolated) => {
                    let a = Apply {
                        path: value.clone(),
                        relative_to,
                        text: text_of(j, k + 4 - j),
                    };
                    (Some(a), k + 4)
                }
                _ => (None, j + 1),
            }
        }
        _ => (None, j + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groovy_settings() {
        let s = scan(
            "// include 'commented'\nrootProject.name = 'x'\ninclude 'app', ':lib:core',\n        'tools'\ninclude(\"web\")\nincludeBuild('build-logic') {\n  dependencySubstitution {}\n}\napply from: \"$rootDir/gradle/extra.gradle\"\n",
        );
        assert_eq!(s.includes, vec!["app", ":lib:core", "tools", "web"]);
        assert_eq!(s.include_builds, vec!["build-logic"]);
        assert_eq!(s.applies.len(), 1);
        assert_eq!(s.applies[0].path, "$rootDir/gradle/extra.gradle");
        assert!(s.unresolved.is_none());
    }

    #[test]
    fn kotlin_settings() {
        let s = scan(
            "pluginManagement {\n    includeBuild(\"build-logic\")\n}\n/* include(\":nope\") */\ninclude(\n    \":app\",\n    \":lib\",\n)\ndependencyResolutionManagement { versionCatalogs { create(\"deps\") { from(files(\"catalogs/deps.toml\")) } } }\n",
        );
        assert_eq!(s.includes, vec![":app", ":lib"]);
        assert_eq!(s.include_builds, vec!["build-logic"]);
        assert_eq!(s.files, vec!["catalogs/deps.toml"]);
        assert!(s.unresolved.is_none());
    }

    #[test]
    fn dynamic_includes() {
        for text in [
            "file('modules').eachDir { include it.name }",
            "listOf(\"a\", \"b\").forEach { include(it) }",
            "def names = ['a']\ninclude(*names)",
            "include \"$prefix-app\"",
            "includeFlat 'sibling'",
            "project(':app').projectDir = file('apps/app')",
        ] {
            assert!(scan(text).unresolved.is_some(), "{text}");
        }
        assert!(scan("apply from: someScript").unresolved_apply.is_some());
    }

    #[test]
    fn apply_forms() {
        let s = scan("apply from: 'a.gradle'\napply(from = rootProject.file(\"b.gradle.kts\"))\napply from: file('c.gradle')\napply plugin: 'java'\n");
        let got: Vec<(String, Base)> = s
            .applies
            .iter()
            .map(|a| (a.path.clone(), a.relative_to))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a.gradle".to_string(), Base::Project),
                ("b.gradle.kts".to_string(), Base::Root),
                ("c.gradle".to_string(), Base::Project)
            ]
        );
    }
}
