//! `docker-bake.hcl` / `docker-bake.json`: each `target` block's `context`
//! (default `.`, relative to the bake file's directory) and `dockerfile`
//! (default `Dockerfile`, relative to the context), with `inherits` and
//! `${VAR}` from `variable` blocks' literal defaults.
//!
//! Only that subset of HCL is read, by a small tokenizer here (strings,
//! comments, heredocs and nesting are skipped correctly; other attributes are
//! skipped whole). A target whose paths use anything else (functions,
//! unknown variables, `dockerfile-inline`, remote contexts) is left out.

use std::collections::BTreeMap;
use std::path::Path;

use super::Call;
use crate::compose::clean;
use crate::runner::display_path;

/// The attributes of one target, as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub context: Option<Attr>,
    pub dockerfile: Option<Attr>,
    pub inherits: Vec<String>,
    pub inline: bool,
    /// Order of appearance.
    pub order: usize,
}

/// An attribute value: a string (possibly with `${..}`), or anything else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attr {
    Str(String),
    Other,
}

/// A bake file read into targets and variables.
#[derive(Debug, Default)]
pub struct Bake {
    pub targets: BTreeMap<String, Target>,
    pub vars: BTreeMap<String, String>,
}

/// Build calls declared by the bake file at `path` (absolute).
pub fn read(path: &Path, text: &str) -> Vec<Call> {
    let bake = if path.extension().is_some_and(|e| e == "json") {
        parse_json(text)
    } else {
        parse_hcl(text)
    };
    let Some(dir) = path.parent() else {
        return Vec::new();
    };
    let shown = display_path(path);
    let mut out = Vec::new();
    for name in bake.targets.keys() {
        let t = bake.merged(name, 0);
        if t.inline {
            continue;
        }
        let ctx = match &t.context {
            None => ".".to_string(),
            Some(a) => match bake.string(a) {
                Some(s) => s,
                None => continue,
            },
        };
        let ctx = ctx.strip_prefix("cwd://").unwrap_or(&ctx).to_string();
        if ctx.contains("://") || ctx.starts_with("target:") {
            continue;
        }
        let file = match &t.dockerfile {
            None => "Dockerfile".to_string(),
            Some(a) => match bake.string(a) {
                Some(s) => s,
                None => continue,
            },
        };
        let context = clean(&dir.join(&ctx));
        let dockerfile = clean(&context.join(&file));
        if dockerfile.is_file() {
            out.push(Call {
                dockerfile,
                context,
                order: t.order,
                detail: format!("{shown} target `{name}`"),
            });
        }
    }
    out
}

impl Bake {
    /// A target with its `inherits` applied (parents in order, then its own).
    fn merged(&self, name: &str, depth: usize) -> Target {
        let Some(t) = self.targets.get(name) else {
            return Target::default();
        };
        let mut out = Target {
            order: t.order,
            ..Target::default()
        };
        if depth < 16 {
            for parent in &t.inherits {
                let p = self.merged(parent, depth + 1);
                out.context = p.context.or(out.context);
                out.dockerfile = p.dockerfile.or(out.dockerfile);
                out.inline |= p.inline;
            }
        }
        out.context = t.context.clone().or(out.context);
        out.dockerfile = t.dockerfile.clone().or(out.dockerfile);
        out.inline |= t.inline;
        out
    }

    /// A string attribute with `${VAR}` replaced by literal defaults.
    fn string(&self, a: &Attr) -> Option<String> {
        let Attr::Str(s) = a else { return None };
        let mut out = String::new();
        let mut rest = s.as_str();
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find('}')? + i;
            out.push_str(self.vars.get(rest[i + 2..end].trim())?);
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Str(String),
    /// A string with something beyond `${..}` we read, or a heredoc.
    Complex,
    Punct(char),
    Newline,
}

/// Tokens of HCL text; comments dropped.
fn tokens(text: &str) -> Vec<Tok> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                out.push(Tok::Newline);
                i += 1;
            }
            b'#' => i = text[i..].find('\n').map_or(b.len(), |n| i + n),
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n)
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |n| i + 2 + n + 2)
            }
            b'"' => {
                let (tok, next) = string(text, i + 1);
                out.push(tok);
                i = next;
            }
            b'<' if text[i..].starts_with("<<") => {
                // heredoc: skip to the line holding only the marker
                let line_end = text[i..].find('\n').map_or(b.len(), |n| i + n);
                let marker = text[i + 2..line_end].trim_start_matches('-').trim();
                let mut j = line_end;
                while j < b.len() {
                    let e = text[j + 1..].find('\n').map_or(b.len(), |n| j + 1 + n);
                    if text[(j + 1).min(b.len())..e].trim() == marker {
                        j = e;
                        break;
                    }
                    j = e;
                }
                out.push(Tok::Complex);
                i = j;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b"_-".contains(&b[i])) {
                    i += 1;
                }
                out.push(Tok::Ident(text[s..i].to_string()));
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let ch = text[i..].chars().next().unwrap_or(' ');
                out.push(Tok::Punct(ch));
                i += ch.len_utf8();
            }
        }
    }
    out
}

/// A string starting after its opening quote: the token and the index after
/// the closing quote. `${..}` is kept; `%{..}` directives make it complex.
fn string(text: &str, start: usize) -> (Tok, usize) {
    let b = text.as_bytes();
    let mut s = String::new();
    let mut i = start;
    let mut complex = false;
    let mut depth = 0usize;
    while i < b.len() {
        let c = text[i..].chars().next().unwrap_or('"');
        match c {
            '\\' if depth == 0 => {
                let n = text[i + 1..].chars().next().unwrap_or('\\');
                s.push(match n {
                    'n' => '\n',
                    't' => '\t',
                    n => n,
                });
                i += 1 + n.len_utf8();
                continue;
            }
            '"' if depth == 0 => {
                let tok = if complex { Tok::Complex } else { Tok::Str(s) };
                return (tok, i + 1);
            }
            '$' | '%' if text[i + 1..].starts_with('{') => {
                complex |= c == '%';
                depth += 1;
                s.push(c);
                s.push('{');
                i += 2;
                continue;
            }
            '}' if depth > 0 => depth -= 1,
            '"' | '(' | '[' if depth > 0 => complex = true,
            _ => {}
        }
        s.push(c);
        i += c.len_utf8();
    }
    (Tok::Complex, b.len())
}

/// Skip one attribute value: up to a newline (or `}`) at nesting depth 0.
fn skip_value(toks: &[Tok], mut i: usize) -> usize {
    let mut depth = 0i32;
    while let Some(t) = toks.get(i) {
        match t {
            Tok::Punct('{' | '[' | '(') => depth += 1,
            Tok::Punct('}' | ']' | ')') if depth == 0 => return i,
            Tok::Punct('}' | ']' | ')') => depth -= 1,
            Tok::Newline | Tok::Punct(',') if depth == 0 => return i,
            _ => {}
        }
        i += 1;
    }
    i
}

/// A `["a", "b"]` list of strings.
fn string_list(toks: &[Tok], i: usize) -> Vec<String> {
    let end = skip_value(toks, i);
    toks[i..end]
        .iter()
        .filter_map(|t| match t {
            Tok::Str(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// Parse the body of a block from `i` (after `{`) to its `}`: its
/// attributes (name → index of the value) and nested blocks skipped.
fn block_attrs(toks: &[Tok], mut i: usize) -> (Vec<(String, usize)>, usize) {
    let mut attrs = Vec::new();
    while let Some(t) = toks.get(i) {
        match t {
            Tok::Punct('}') => return (attrs, i + 1),
            Tok::Ident(name) if toks.get(i + 1) == Some(&Tok::Punct('=')) => {
                attrs.push((name.clone(), i + 2));
                i = skip_value(toks, i + 2);
            }
            Tok::Punct('{') => i = block_attrs(toks, i + 1).1,
            _ => i += 1,
        }
    }
    (attrs, i)
}

fn attr(toks: &[Tok], i: usize) -> Attr {
    match (toks.get(i), toks.get(i + 1)) {
        (Some(Tok::Str(s)), Some(Tok::Newline | Tok::Punct('}' | ',')) | None) => {
            Attr::Str(s.clone())
        }
        _ => Attr::Other,
    }
}

/// The targets and variables of HCL text.
pub fn parse_hcl(text: &str) -> Bake {
    let toks = tokens(text);
    let mut bake = Bake::default();
    let mut i = 0;
    while i < toks.len() {
        let (Tok::Ident(kind), Some(Tok::Str(label)), Some(Tok::Punct('{'))) =
            (&toks[i], toks.get(i + 1), toks.get(i + 2))
        else {
            i = match &toks[i] {
                Tok::Punct('{') => block_attrs(&toks, i + 1).1,
                Tok::Ident(_) if toks.get(i + 1) == Some(&Tok::Punct('=')) => {
                    skip_value(&toks, i + 2)
                }
                _ => i + 1,
            };
            continue;
        };
        let (attrs, next) = block_attrs(&toks, i + 3);
        let get = |n: &str| attrs.iter().rev().find(|(a, _)| a == n).map(|(_, v)| *v);
        match kind.as_str() {
            "target" => {
                let order = bake.targets.len();
                bake.targets.insert(
                    label.clone(),
                    Target {
                        context: get("context").map(|v| attr(&toks, v)),
                        dockerfile: get("dockerfile").map(|v| attr(&toks, v)),
                        inherits: get("inherits")
                            .map(|v| string_list(&toks, v))
                            .unwrap_or_default(),
                        inline: get("dockerfile-inline").is_some(),
                        order,
                    },
                );
            }
            "variable" => {
                if let Some(Attr::Str(s)) = get("default").map(|v| attr(&toks, v)) {
                    if !s.contains("${") {
                        bake.vars.insert(label.clone(), s);
                    }
                }
            }
            _ => {}
        }
        i = next;
    }
    bake
}

/// The targets and variables of a JSON bake file.
pub fn parse_json(text: &str) -> Bake {
    let mut bake = Bake::default();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else {
        return bake;
    };
    if let Some(vars) = v["variable"].as_object() {
        for (k, val) in vars {
            if let Some(d) = val["default"].as_str().filter(|d| !d.contains("${")) {
                bake.vars.insert(k.clone(), d.to_string());
            }
        }
    }
    let as_attr = |x: &serde_json::Value| match x {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(Attr::Str(s.clone())),
        _ => Some(Attr::Other),
    };
    if let Some(targets) = v["target"].as_object() {
        for (order, (k, t)) in targets.iter().enumerate() {
            let inherits = t["inherits"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|s| s.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default();
            bake.targets.insert(
                k.clone(),
                Target {
                    context: as_attr(&t["context"]),
                    dockerfile: as_attr(&t["dockerfile"]),
                    inherits,
                    inline: !t["dockerfile-inline"].is_null(),
                    order,
                },
            );
        }
    }
    bake
}

#[cfg(test)]
mod tests {
    use super::*;

    const HCL: &str = r#"
# comment
variable "DIR" {
  default = "docker"
}
variable "TAG" { default = "latest" }
group "default" {
  targets = ["api", "web"]
}
target "_common" {
  context = "."
  args = {
    X = "1"   // nested braces
  }
}
target "api" {
  inherits = ["_common"]
  dockerfile = "${DIR}/api.Dockerfile"
  tags = ["x/api:${TAG}", "x/api:${upper(TAG)}"]
  /* context = "wrong" */
}
target "web" {
  context = "web"
}
target "fn" {
  dockerfile = "${lower("D")}"
}
target "inline" {
  dockerfile-inline = <<EOT
FROM alpine
EOT
}
"#;

    #[test]
    fn targets_inherit_and_expand_variables() {
        let b = parse_hcl(HCL);
        assert_eq!(b.vars.get("DIR").map(String::as_str), Some("docker"));
        assert_eq!(b.vars.get("TAG").map(String::as_str), Some("latest"));
        let api = b.merged("api", 0);
        assert_eq!(api.context, Some(Attr::Str(".".into())));
        assert_eq!(
            b.string(api.dockerfile.as_ref().unwrap()).as_deref(),
            Some("docker/api.Dockerfile")
        );
        assert_eq!(b.merged("web", 0).context, Some(Attr::Str("web".into())));
        assert_eq!(b.merged("web", 0).dockerfile, None);
        let f = b.merged("fn", 0).dockerfile.unwrap();
        assert_eq!(b.string(&f), None, "function calls are not evaluated");
        assert!(b.merged("inline", 0).inline);
        assert_eq!(b.targets.len(), 5);
    }

    #[test]
    fn json_form() {
        let b = parse_json(
            r#"{"variable":{"D":{"default":"docker"}},"target":{"api":{"context":".","dockerfile":"${D}/Dockerfile"}}}"#,
        );
        let api = b.merged("api", 0);
        assert_eq!(
            b.string(api.dockerfile.as_ref().unwrap()).as_deref(),
            Some("docker/Dockerfile")
        );
    }
}
