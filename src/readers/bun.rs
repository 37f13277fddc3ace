//! bun: `bun install` reads package.json, `bun.lock` or `bun.lockb`,
//! `bunfig.toml` and `.npmrc` (the preset copies those), workspace
//! members' package.json, and `patchedDependencies` files. Without a bun
//! lockfile it migrates `package-lock.json`, `yarn.lock` or
//! `pnpm-lock.yaml`, so those are copied too. SEMANTICS.md §B.5.

use serde_json::Value;

use super::jspm::{self, NPM_LIFECYCLE};
use super::{escapes, join, ReadInput, ReadOutput, Refusal};

const TOOL: &str = "bun";

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let mut out = ReadOutput::default();
    match read_into(input, &mut out) {
        Ok(()) => out,
        Err(reason) => ReadOutput::refused(reason),
    }
}

fn read_into(input: &ReadInput, out: &mut ReadOutput) -> Result<(), Refusal> {
    let ctx = input.ctx;
    let dir = input.dir;
    let root = join(dir, "package.json");
    let Some(json) = jspm::load_json(ctx, &root)? else {
        return Ok(()); // missing: reported by the required-file check
    };
    out.required.extend(jspm::check_package(
        &root,
        &json,
        TOOL,
        input.site.lifecycle(NPM_LIFECYCLE),
        dir,
    )?);
    jspm::check_workspace_ancestors(ctx, dir, "bun install")?;
    if let Some(Value::Object(p)) = json.get("patchedDependencies") {
        for (name, v) in p {
            let Some(p) = v.as_str() else { continue };
            if p.starts_with('/') || escapes(dir, p) || p.contains('$') {
                return Err(
                    format!("{root}: the patch `{p}` of `{name}` is outside the project").into(),
                );
            }
            out.required.push(join(dir, p));
        }
    }
    let patterns = jspm::npm_workspace_patterns(&json);
    let ws = jspm::Workspace {
        ctx,
        project: dir,
        tool: TOOL,
        lifecycle: input.site.lifecycle(NPM_LIFECYCLE),
    };
    let members = jspm::add_members(&ws, dir, &patterns, &root, out)?;

    let text_lock = join(dir, "bun.lock");
    if !ctx.exists(&text_lock) && !ctx.exists(&join(dir, "bun.lockb")) {
        // bun migrates the first lockfile of another package manager it finds.
        for f in ["package-lock.json", "yarn.lock", "pnpm-lock.yaml"] {
            out.optional.push(join(dir, f));
        }
    }
    if let Some(text) = ctx.read_to_string(&text_lock) {
        let lock: Value = serde_json::from_str(&strip_trailing_commas(&text))
            .map_err(|e| format!("{text_lock} is not valid JSON ({e})"))?;
        let listed: Vec<String> = lock
            .get("workspaces")
            .and_then(|w| w.as_object())
            .map(|w| w.keys().cloned().collect())
            .unwrap_or_default();
        jspm::check_listed(&text_lock, dir, &listed, &members)?;
    }
    Ok(())
}

/// bun.lock is JSON with trailing commas: drop a `,` followed (after
/// whitespace) by `}` or `]`, outside strings.
fn strip_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == ',' {
            let next = chars[i + 1..].iter().find(|n| !n.is_whitespace());
            if matches!(next, Some('}' | ']')) {
                continue;
            }
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_commas() {
        let t = "{\n  \"a\": [1, 2,],\n  \"b\": \"x,]\",\n}\n";
        let v: Value = serde_json::from_str(&strip_trailing_commas(t)).unwrap();
        assert_eq!(v["b"], "x,]");
        assert_eq!(v["a"][1], 2);
    }
}
