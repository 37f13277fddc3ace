//! The command table: what shell commands read and write, loaded from
//! `commands/*.toml` (compiled in) and from user directories.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use anyhow::{Context, Result};
use serde::Deserialize;

// Built-in command tables: `commands/*.toml`, parsed by build.rs (a syntax
// error fails the build) and embedded as one JSON text per entry, decoded
// with the same schema when first needed, plus an index by program name.
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

/// All entries: a user's tables first (so they override built-in ones),
/// then the built-in ones. Shared: a run's rule sets clone it.
#[derive(Clone, Debug, Default)]
pub struct CommandTable {
    /// Entries of the user's tables, in the order they are tried.
    user: Arc<[Entry]>,
    /// Whether the built-in entries follow them.
    builtin: bool,
}

/// The built-in entries, each decoded from its JSON when a run first meets
/// a program it names: a one-file run meets a handful of the hundreds.
static DECODED: [OnceLock<Entry>; BUILTIN_ENTRIES.len()] =
    [const { OnceLock::new() }; BUILTIN_ENTRIES.len()];

/// Built-in entry `i`. Panics if it is invalid (a test decodes them all).
fn builtin_entry(i: usize) -> &'static Entry {
    DECODED[i].get_or_init(|| {
        let (file, json) = BUILTIN_ENTRIES[i];
        serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("{file}: invalid built-in command entry: {e}"))
    })
}

/// The built-in entries naming `program`, in table order.
fn builtin_named(program: &str) -> impl Iterator<Item = &'static Entry> {
    let ids = BUILTIN_BY_NAME
        .binary_search_by(|(name, _)| (*name).cmp(program))
        .map_or(&[][..], |k| BUILTIN_BY_NAME[k].1);
    ids.iter().map(|&i| builtin_entry(usize::from(i)))
}

impl CommandTable {
    /// The built-in table. Panics, when an entry is first used, if it is
    /// invalid (a test decodes them all).
    pub fn builtin() -> CommandTable {
        CommandTable {
            user: Arc::new([]),
            builtin: true,
        }
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
        Ok(CommandTable {
            user: user.into(),
            builtin: true,
        })
    }

    /// The first entry for `program` whose `sub` and `require-flags` match.
    pub fn find(
        &self,
        program: &str,
        first_positional: Option<&str>,
        words: &[&str],
    ) -> Option<&Entry> {
        let fits = |e: &&Entry| {
            e.names.iter().any(|n| n == program)
                && (e.sub.is_empty()
                    || first_positional.is_some_and(|s| e.sub.iter().any(|x| x == s)))
                && (e.require_flags.is_empty()
                    || words.iter().any(|w| {
                        e.require_flags
                            .iter()
                            .any(|f| w == f || w.starts_with(&format!("{f}=")))
                    }))
        };
        let builtin = self.builtin.then(|| builtin_named(program));
        self.user
            .iter()
            .find(fits)
            .or_else(|| builtin.into_iter().flatten().find(fits))
    }
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

    /// Every embedded entry reads back to exactly what its TOML file says,
    /// in the same order, and the index by name lists exactly the entries
    /// naming each program.
    #[test]
    fn embedded_entries_equal_their_toml_and_the_index_is_complete() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files: Vec<&str> = BUILTIN_ENTRIES.iter().map(|(f, _)| *f).collect();
        files.dedup();
        let mut from_toml = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(root.join(f)).unwrap();
            from_toml.extend(parse(&text, Path::new(f)).unwrap());
        }
        assert_eq!(from_toml.len(), BUILTIN_ENTRIES.len());
        let mut expected: std::collections::BTreeMap<&str, Vec<u16>> = Default::default();
        for (i, e) in from_toml.iter().enumerate() {
            assert_eq!(format!("{:?}", builtin_entry(i)), format!("{e:?}"), "{i}");
            for n in &e.names {
                expected.entry(n).or_default().push(i as u16);
            }
        }
        let index: Vec<(&str, Vec<u16>)> = BUILTIN_BY_NAME
            .iter()
            .map(|(n, ids)| (*n, ids.to_vec()))
            .collect();
        assert_eq!(index, expected.into_iter().collect::<Vec<_>>());
    }

    #[test]
    fn user_entries_come_first_and_an_empty_table_knows_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("mine.toml"),
            "[[command]]\nnames = [\"cp\"]\nargs = \"write\"\n",
        )
        .unwrap();
        let t = CommandTable::load(&[dir.path().to_path_buf()]).unwrap();
        let cp = t.find("cp", Some("a"), &["cp", "a", "b"]).unwrap();
        assert_eq!(cp.args, Role::Write);
        assert!(t
            .find("apt-get", Some("install"), &["apt-get", "install"])
            .is_some());
        assert!(CommandTable::default().find("cp", None, &["cp"]).is_none());
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
