//! What `prisma generate` (run by `@prisma/client`'s postinstall) writes,
//! read from the schema: only the default client, in node_modules/.prisma,
//! unless a generator says otherwise. A generator with an `output`, or one
//! other than `prisma-client-js` (third-party generators and Prisma's newer
//! `prisma-client` write into the project), may write files the source copy
//! also brings, in the other order.

use crate::context::BuildContext;

/// Why the schema files among `files` make generation write into the
/// project, if they do.
pub(super) fn custom_output(ctx: &BuildContext, files: &[String]) -> Option<String> {
    files
        .iter()
        .filter(|f| f.ends_with(".prisma"))
        .find_map(|f| generator_writes(&ctx.read_to_string(f)?).map(|g| format!("{f}: {g}")))
}

/// The first generator block that does not write only the default client.
fn generator_writes(schema: &str) -> Option<String> {
    let mut in_generator: Option<&str> = None;
    for raw in schema.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if let Some(name) = in_generator {
            if line.starts_with('}') {
                in_generator = None;
            } else if let Some(v) = assignment(line, "output") {
                return Some(format!(
                    "generator `{name}` writes its client to {v}, in the project"
                ));
            } else if let Some(v) = assignment(line, "provider") {
                if v.trim_matches('"') != "prisma-client-js" {
                    return Some(format!(
                        "generator `{name}` (provider {v}) writes its own files"
                    ));
                }
            }
            continue;
        }
        let mut words = line.split_whitespace();
        if words.next() == Some("generator") {
            in_generator = Some(words.next().unwrap_or("?"));
            if line.ends_with('}') {
                in_generator = None;
            }
        }
    }
    None
}

/// The value of `key = value` on `line`.
fn assignment<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?.trim_start();
    Some(rest.strip_prefix('=')?.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_client_writes_nothing_in_the_project() {
        let s = "datasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n\
                 generator client {\n  provider = \"prisma-client-js\" // default\n}\n\
                 model User {\n  id Int @id\n  output String\n}\n";
        assert_eq!(generator_writes(s), None);
    }

    #[test]
    fn an_output_or_another_generator_is_named() {
        let out = "generator client {\n  provider = \"prisma-client-js\"\n  output   = \"../src/generated\"\n}\n";
        assert!(generator_writes(out).unwrap().contains("../src/generated"));
        let other = "generator zod {\n  provider = \"zod-prisma-types\"\n}\n";
        assert!(generator_writes(other)
            .unwrap()
            .contains("zod-prisma-types"));
    }
}
