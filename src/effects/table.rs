//! The command table: what shell commands read and write, loaded from
//! `commands/*.toml` (compiled in) and from user directories.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};
use serde::Deserialize;

// Built-in command tables: `commands/*.toml`, parsed by build.rs (a syntax
// error fails the build) and embedded as JSON, which deserializes with the
// same schema in a fraction of the time TOML took at every start.
include!(concat!(env!("OUT_DIR"), "/commands.rs"));

/// The role of a positional argument.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    #[default]
    None,
    Read,
    Write,
    ReadWrite,
    EnsureDir,
    /// Package names; an argument that looks like a local path is read.
    Packages,
}

/// Which package arguments may name local files.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum PackagePaths {
    #[default]
    Any,
    Explicit,
}

/// Shell state a command changes.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum StateChange {
    #[default]
    None,
    Cd,
    Env,
}

/// One `[[command]]` entry (commands/README.md documents the keys).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Entry {
    pub names: Vec<String>,
    #[serde(default)]
    pub sub: Vec<String>,
    #[serde(default)]
    pub require_flags: Vec<String>,
    #[serde(default)]
    pub args: Role,
    pub first: Option<Role>,
    pub last: Option<Role>,
    #[serde(default)]
    pub write_if_flags: Vec<String>,
    #[serde(default)]
    pub trees: bool,
    #[serde(default)]
    pub recursive_flags: Vec<String>,
    #[serde(default)]
    pub value_flags: Vec<String>,
    #[serde(default)]
    pub read_flags: Vec<String>,
    #[serde(default)]
    pub write_flags: Vec<String>,
    #[serde(default)]
    pub reads: Vec<String>,
    #[serde(default)]
    pub writes: Vec<String>,
    #[serde(default)]
    pub reads_upward: Vec<String>,
    #[serde(default)]
    pub env_reads: Vec<String>,
    #[serde(default)]
    pub env_writes: Vec<String>,
    #[serde(default)]
    pub path_env_writes: bool,
    #[serde(default)]
    pub state: StateChange,
    /// With no path argument, this one (`ls` lists `.`).
    pub default_path: Option<String>,
    /// `explicit`: a package argument is a local path only when it looks like
    /// one (`./x`, `a/b`, `x.deb`); `any` (default): every argument may name one.
    #[serde(default)]
    pub package_paths: PackagePaths,
    /// A single-dash word made only of these letters is an argument, not a
    /// flag (`chmod -w file`).
    #[serde(default)]
    pub mode_flag_letters: String,
    /// With one of these flags, the command writes into the working directory.
    #[serde(default)]
    pub cwd_write_if: Vec<String>,
    /// Unless one of these flags is present, the command writes into the working directory.
    pub cwd_write_unless: Option<Vec<String>>,
    #[serde(default)]
    pub repeatable: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    command: Vec<Entry>,
}

/// All entries, user tables first (so they override built-in ones).
/// Shared: a run's rule sets clone it.
#[derive(Clone, Debug, Default)]
pub struct CommandTable {
    pub entries: Arc<[Entry]>,
}

impl CommandTable {
    /// The built-in table, read once per process. Panics if it is invalid
    /// (a test checks it parses).
    pub fn builtin() -> CommandTable {
        static TABLE: OnceLock<CommandTable> = OnceLock::new();
        TABLE
            .get_or_init(|| {
                let mut entries = Vec::new();
                for (name, json) in BUILTIN {
                    entries.extend(
                        parse_json(json, Path::new(&format!("commands/{name}.toml")))
                            .expect("valid built-in command table"),
                    );
                }
                CommandTable {
                    entries: entries.into(),
                }
            })
            .clone()
    }

    /// The built-in table plus every `*.toml` in `dirs`, whose entries are tried first.
    pub fn load(dirs: &[PathBuf]) -> Result<CommandTable> {
        let mut user = Vec::new();
        for dir in dirs {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .with_context(|| format!("{}: cannot read command directory", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for f in files {
                let text = std::fs::read_to_string(&f)
                    .with_context(|| format!("{}: cannot read command table", f.display()))?;
                user.extend(parse(&text, &f)?);
            }
        }
        user.extend(CommandTable::builtin().entries.iter().cloned());
        Ok(CommandTable {
            entries: user.into(),
        })
    }

    /// The first entry for `program` whose `sub` and `require-flags` match.
    pub fn find(
        &self,
        program: &str,
        first_positional: Option<&str>,
        words: &[&str],
    ) -> Option<&Entry> {
        self.entries.iter().find(|e| {
            e.names.iter().any(|n| n == program)
                && (e.sub.is_empty()
                    || first_positional.is_some_and(|s| e.sub.iter().any(|x| x == s)))
                && (e.require_flags.is_empty()
                    || words.iter().any(|w| {
                        e.require_flags
                            .iter()
                            .any(|f| w == f || w.starts_with(&format!("{f}=")))
                    }))
        })
    }
}

/// A built-in table, converted to JSON by build.rs (errors name the TOML file).
fn parse_json(json: &str, path: &Path) -> Result<Vec<Entry>> {
    let file: File =
        serde_json::from_str(json).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(file.command)
}

fn parse(text: &str, path: &Path) -> Result<Vec<Entry>> {
    let file: File = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start].matches('\n').count() + 1)
            .unwrap_or(0);
        anyhow::anyhow!("{}:{line}: {}", path.display(), e.message())
    })?;
    Ok(file.command)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_table_parses_and_finds_subcommands() {
        let t = CommandTable::builtin();
        assert!(t
            .find("apt-get", Some("install"), &["apt-get", "install"])
            .is_some());
        assert!(t
            .find("apt-get", Some("source"), &["apt-get", "source"])
            .is_none());
        assert!(t
            .find("npm", Some("install"), &["npm", "install", "x"])
            .is_none());
        assert!(t
            .find("npm", Some("install"), &["npm", "install", "-g", "x"])
            .is_some());
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let e = parse(
            "[[command]]\nnames = [\"x\"]\nbogus = 1\n",
            Path::new("c.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("c.toml:3:"), "{e}");
    }
}
