//! maven: the reactor of the POM in the install's directory (every
//! `<module>`, recursively, and the modules of profiles when present), parent
//! POMs found through `<relativePath>` below that directory, the project's
//! `.mvn/` configuration, and a wrapper that must stay executable.
//! SEMANTICS.md §B.14.

use super::{escapes, join, parent, ReadInput, ReadOutput};

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let ctx = input.ctx;
    let dir = input.dir;
    let root = join(dir, "pom.xml");
    if !ctx.is_file(&root) {
        return ReadOutput::default(); // reported by the required-file check
    }
    let mut out = ReadOutput::default();
    // (POM, part of the reactor): reactor modules must exist, the rest is copied when present.
    let mut queue: Vec<(String, bool)> = vec![(root.clone(), true)];
    let mut seen: Vec<String> = Vec::new();
    while let Some((pom, reactor)) = queue.pop() {
        if seen.contains(&pom) {
            continue;
        }
        seen.push(pom.clone());
        let Some(text) = ctx.read_to_string(&pom) else {
            if reactor {
                out.required.push(pom); // "Child module ... does not exist": named by the rule
            }
            continue;
        };
        let model = match parse_pom(&text) {
            Ok(m) => m,
            Err(e) => return ReadOutput::refuse(format!("{pom} is not well-formed XML ({e})")),
        };
        if pom != root {
            if reactor {
                out.required.push(pom.clone());
            } else {
                out.optional.push(pom.clone());
            }
        }
        let pom_dir = parent(&pom).to_string();
        for (module, in_profile) in &model.modules {
            if module.contains("${") {
                return ReadOutput::refuse(format!(
                    "{pom}: module `{module}` is named through a property dockopt does not resolve"
                ));
            }
            if module.starts_with('/') || escapes(&pom_dir, module) {
                return ReadOutput::refuse(format!(
                    "{pom}: module `{module}` is outside the build context"
                ));
            }
            let path = join(&pom_dir, module);
            let target = if module.ends_with(".xml") && !ctx.is_dir(&path) {
                path
            } else {
                join(&path, "pom.xml")
            };
            queue.push((target, reactor && !in_profile));
        }
        // The parent POM Maven reads from disk: `<relativePath>`, default `../pom.xml`.
        // Only a parent inside the install's directory can come with the manifests; one
        // above it is left to the build after the source copy (the warm-up may then
        // resolve less, never more).
        if let Some(rel) = &model.parent {
            let rel = rel.as_deref().unwrap_or("../pom.xml").trim();
            if rel.is_empty()
                || rel.contains("${")
                || rel.starts_with('/')
                || escapes(&pom_dir, rel)
            {
                continue;
            }
            let path = join(&pom_dir, rel);
            let target = if ctx.is_dir(&path) {
                join(&path, "pom.xml")
            } else {
                path
            };
            let inside = dir.is_empty() || target.starts_with(&format!("{dir}/"));
            if inside && ctx.is_file(&target) {
                queue.push((target, false));
            }
        }
    }
    // Project-specific configuration: maven.config, jvm.config, extensions.xml, wrapper/.
    for f in ctx.glob(&join(dir, ".mvn/**")) {
        if ctx.is_file(&f) {
            out.optional.push(f);
        }
    }
    if let Some(reason) = not_executable(input, "mvnw") {
        return ReadOutput::refuse(reason);
    }
    out
}

/// A wrapper script in the install's directory that is not executable: the
/// `chmod +x` a RUN gives it would be undone by the source copy that follows
/// the warm-up, so the wrapper could not run after it. Only when the install
/// runs the wrapper: `mvn package` beside a non-executable `mvnw` (committed
/// from Windows) never runs it, and neither does its warm-up.
pub(super) fn not_executable(input: &ReadInput, name: &str) -> Option<String> {
    if !runs_wrapper(input, name) {
        return None;
    }
    let rel = join(input.dir, name);
    if !input.ctx.is_file(&rel) {
        return None;
    }
    let mode = input.ctx.mode(&rel)?;
    (mode & 0o111 == 0).then(|| format!(
        "{rel} is not executable in the build context: a `chmod +x` in the RUN would be undone by the source copy, which comes after it once the manifests are copied first"
    ))
}

/// Does the install run the wrapper `name` (its matched form starts with it,
/// as `./mvnw` matches `mvnw`)? Without a matched form, assume it does.
fn runs_wrapper(input: &ReadInput, name: &str) -> bool {
    input.site.preset.as_ref().map_or(true, |(_, spec)| {
        spec.matches
            .iter()
            .any(|m| m.split_whitespace().next() == Some(name))
    })
}

/// What dockopt reads of a POM.
#[derive(Debug, Default, PartialEq, Eq)]
struct Pom {
    /// `<modules><module>` (and Maven 4 `<subprojects><subproject>`) entries; true when
    /// declared in a profile.
    modules: Vec<(String, bool)>,
    /// `Some` when the POM has a `<parent>`: its `<relativePath>` if given.
    parent: Option<Option<String>>,
}

/// A small XML scanner: element nesting and text, comments, CDATA,
/// processing instructions and doctype skipped. Enough for POM structure.
fn parse_pom(text: &str) -> Result<Pom, String> {
    let mut pom = Pom::default();
    let mut stack: Vec<String> = Vec::new();
    let mut content = String::new();
    let mut rest = text;
    while let Some(lt) = rest.find('<') {
        content.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(r) = rest.strip_prefix("<!--") {
            let end = r.find("-->").ok_or("unterminated comment")?;
            rest = &r[end + 3..];
            continue;
        }
        if let Some(r) = rest.strip_prefix("<![CDATA[") {
            let end = r.find("]]>").ok_or("unterminated CDATA section")?;
            content.push_str(&r[..end]);
            rest = &r[end + 3..];
            continue;
        }
        if rest.starts_with("<?") || rest.starts_with("<!") {
            let end = rest.find('>').ok_or("unterminated declaration")?;
            rest = &rest[end + 1..];
            continue;
        }
        let end = tag_end(rest).ok_or("unterminated tag")?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = local(name.trim());
            match stack.pop() {
                Some(open) if open == name => {}
                Some(open) => return Err(format!("</{name}> closes <{open}>")),
                None => return Err(format!("</{name}> closes nothing")),
            }
            let value = decode(content.trim());
            record(&mut pom, &stack, &name, Some(value));
            content.clear();
            continue;
        }
        let self_closing = tag.ends_with('/');
        let name = local(
            tag.trim_end_matches('/')
                .split_whitespace()
                .next()
                .unwrap_or(""),
        );
        if name.is_empty() {
            return Err("empty tag".into());
        }
        content.clear();
        if self_closing {
            record(&mut pom, &stack, &name, None);
        } else {
            if stack.len() == 1 && stack[0] == "project" && name == "parent" {
                pom.parent.get_or_insert(None);
            }
            stack.push(name);
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{open}> is not closed"));
    }
    Ok(pom)
}

/// An element `name` closed with `value` (`None`: self-closing) under `stack`.
fn record(pom: &mut Pom, stack: &[String], name: &str, value: Option<String>) {
    let path: Vec<&str> = stack.iter().map(String::as_str).collect();
    match (path.as_slice(), name) {
        (["project", "parent"], "relativePath") => {
            pom.parent = Some(Some(value.unwrap_or_default()));
        }
        (["project"], "parent") if value.is_none() => {
            pom.parent.get_or_insert(None);
        }
        (["project", "modules"], "module") | (["project", "subprojects"], "subproject") => {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                pom.modules.push((v, false));
            }
        }
        (["project", "profiles", "profile", "modules"], "module")
        | (["project", "profiles", "profile", "subprojects"], "subproject") => {
            if let Some(v) = value.filter(|v| !v.is_empty()) {
                pom.modules.push((v, true));
            }
        }
        _ => {}
    }
}

/// End of a tag starting at `s[0] == '<'`, quotes in attributes respected.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices().skip(1) {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '>' => return Some(i),
            None => {}
        }
    }
    None
}

/// Element name without a namespace prefix.
fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_modules_and_parent() {
        let pom = parse_pom(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- a <module>commented</module> -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <parent>
    <groupId>g</groupId><artifactId>p</artifactId><version>1</version>
    <relativePath>../parent</relativePath>
  </parent>
  <modules>
    <module>core</module>
    <module> web </module>
  </modules>
  <profiles><profile><id>x</id><modules><module>extra</module></modules></profile></profiles>
  <build><plugins><plugin><configuration><modules><module>not-a-module</module></modules></configuration></plugin></plugins></build>
</project>"#,
        )
        .unwrap();
        assert_eq!(
            pom.modules,
            vec![
                ("core".to_string(), false),
                ("web".to_string(), false),
                ("extra".to_string(), true)
            ]
        );
        assert_eq!(pom.parent, Some(Some("../parent".to_string())));
    }

    #[test]
    fn parent_without_relative_path() {
        let pom =
            parse_pom("<project><parent><artifactId>p</artifactId></parent></project>").unwrap();
        assert_eq!(pom.parent, Some(None));
        let pom = parse_pom("<project><parent><relativePath/></parent></project>").unwrap();
        assert_eq!(pom.parent, Some(Some(String::new())));
        let pom = parse_pom("<project><artifactId>a</artifactId></project>").unwrap();
        assert_eq!(pom.parent, None);
    }

    #[test]
    fn malformed() {
        assert!(parse_pom("<project><modules></project>").is_err());
        assert!(parse_pom("<project><!-- x </project>").is_err());
    }
}
