//! Presets: what an ecosystem's install commands look like, what they read
//! and write. Data, not code: `presets/*.toml` are compiled in, and
//! `--preset-dir` adds presets or overrides one by name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::shell;

include!(concat!(env!("OUT_DIR"), "/presets.rs"));

/// One ecosystem.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Preset {
    /// Unique name; a user preset with the same name replaces the built-in one.
    pub name: String,
    pub description: String,
    /// Directories the install writes inside its working directory (`node_modules`).
    /// If the build context holds one that `.dockerignore` does not exclude,
    /// `COPY . .` after the install would overwrite it: the fix adds `**/<dir>`
    /// to `.dockerignore`.
    #[serde(default)]
    pub writes: Vec<String>,
    /// Files copied with the manifests when present (for every command).
    #[serde(default)]
    pub optional: Vec<String>,
    /// Built-in reader of manifest contents: `npm`, `pip-requirements`, `cargo`.
    #[serde(default)]
    pub reader: Option<String>,
    /// Commands that may precede the install in the same RUN and read no source
    /// (matched like `command.match`, by leading words).
    #[serde(default)]
    pub prelude: Vec<String>,
    /// Commands that warm the dependency cache without being an install dockopt
    /// rewrites (`go mod download`): one before the source copy means the stage is
    /// already optimized.
    #[serde(default)]
    pub warm_up: Vec<String>,
    /// Environment variables naming files or directories the install reads
    /// (`PIP_CONSTRAINT`, `NPM_CONFIG_USERCONFIG`; matched ignoring case). A
    /// file the source copy brings is copied with the manifests; a directory
    /// it brings, or a value dockopt cannot resolve, is refused.
    #[serde(default)]
    pub env_files: Vec<String>,
    /// Like `env-files`, and the files are manifests the reader follows
    /// (`PIP_REQUIREMENT`).
    #[serde(default)]
    pub env_manifests: Vec<String>,
    /// Configuration files the tool reads from the user's home, relative to
    /// it (`.npmrc`, `.config/pip/pip.conf`): copied with the manifests when
    /// `HOME` puts one inside the source copy.
    #[serde(default)]
    pub home_files: Vec<String>,
    /// Environment variables naming a directory the install writes
    /// (`PIP_TARGET`): refused when it is inside the source copy.
    #[serde(default)]
    pub env_writes: Vec<String>,
    /// Environment variables that make the install read other manifests
    /// than its reader follows (`COMPOSER=composer-dev.json`), and why: set
    /// at the install, the rewrite is refused.
    #[serde(default)]
    pub refuse_env: BTreeMap<String, String>,
    /// Files the install reads when they exist in its directory, besides
    /// those its commands name and its reader finds (bun's `.env`). When
    /// set (even empty), a step moved after the install may create any
    /// other file; when absent, any file new to the install's directories
    /// (or a dotfile in them) counts as one the install may look for.
    #[serde(default)]
    pub looks_for: Option<Vec<String>>,
    /// What the install (and the build scripts of what it installs) reads
    /// and writes outside its project. When absent, a step moved after the
    /// install may touch nothing outside the source copy's destination.
    #[serde(default)]
    pub outside: Option<Outside>,
    #[serde(rename = "command")]
    pub commands: Vec<CommandSpec>,
    /// Where the preset came from (not in the file).
    #[serde(skip)]
    pub origin: Origin,
}

/// An install's effect outside its project (`outside` in a preset).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Outside {
    /// Trees read (`~` is the user's home).
    #[serde(default)]
    pub reads: Vec<String>,
    /// Trees written.
    #[serde(default)]
    pub writes: Vec<String>,
    /// Programs run by name: each is read in every directory of `PATH`.
    #[serde(default)]
    pub programs: Vec<String>,
    /// Variables that move what it reads or writes (`NPM_CONFIG_CACHE`,
    /// `XDG_CACHE_HOME`; a trailing `*` matches a prefix, case ignored): set
    /// in the Dockerfile, the effect is unknown.
    #[serde(default)]
    pub env: Vec<String>,
    /// Install flags that move what it reads or writes (`--cache`): given,
    /// the effect is unknown.
    #[serde(default)]
    pub flags: Vec<String>,
    /// Configuration files (by name) the install reads among the manifests
    /// (`.npmrc`), and the keys that, set in one, move what it reads or
    /// writes (`cache`): the effect is then unknown.
    #[serde(default)]
    pub config_files: Vec<String>,
    #[serde(default)]
    pub config_keys: Vec<String>,
    /// Words that, found in a file the manifests copy brings, make the
    /// effect unknown (`composer-plugin`: a plugin package runs its own
    /// code inside the install).
    #[serde(default)]
    pub unknown_with: Vec<String>,
    /// Configuration files the install looks for in every directory above
    /// its own (`.yarnrc`, `.npmrc` for yarn classic): read there, outside
    /// the source copy's destination.
    #[serde(default)]
    pub reads_upward: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Origin {
    #[default]
    BuiltIn,
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::BuiltIn => write!(f, "built in"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// One install command form.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct CommandSpec {
    /// Leading words, e.g. `npm ci` or `python -m pip install`. Program names
    /// match without directory and version suffix (`/usr/bin/pip3.12` is `pip`).
    /// Flags between the words are skipped (`pip --no-cache-dir install`).
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// Manifests that must exist (relative to the install's working directory).
    #[serde(default)]
    pub required: Vec<String>,
    /// Groups of which at least one file must exist; all present ones are copied.
    #[serde(default)]
    pub required_any: Vec<Vec<String>>,
    /// Copied when present.
    #[serde(default)]
    pub optional: Vec<String>,
    /// Flags that take a separate value (`--omit dev`).
    #[serde(default)]
    pub value_flags: Vec<String>,
    /// Flags whose value names a manifest file (`-r requirements.txt`); they take a value.
    #[serde(default)]
    pub manifest_flags: Vec<String>,
    /// Flags whose value is the project directory (`cargo install --path DIR`); they take a value.
    #[serde(default)]
    pub dir_flags: Vec<String>,
    /// Flags whose value is the project's manifest by its path (`mvn -f
    /// sub/pom.xml`): the install runs in its directory. A value whose file
    /// name is not the first of `required` is refused. They take a value.
    #[serde(default)]
    pub project_file_flags: Vec<String>,
    /// Flags whose value names a file the install reads (`--cert`, `--userconfig`);
    /// they take a value. A file the source copy brings is copied with the
    /// manifests; a directory it brings is refused.
    #[serde(default)]
    pub file_flags: Vec<String>,
    /// Flags whose value is a directory the install writes (`--target`); they
    /// take a value. Refused when it is inside the source copy.
    #[serde(default)]
    pub write_flags: Vec<String>,
    /// Files the tool looks for in its directory and every directory above
    /// (`uv.toml`): copied when present, up to the source copy's destination.
    #[serde(default)]
    pub optional_up: Vec<String>,
    /// Files a flag makes required: `{ "--locked" = ["Cargo.lock"] }`.
    #[serde(default)]
    pub flag_requires: BTreeMap<String, Vec<String>>,
    /// When not empty, the command is an install only with one of these flags.
    #[serde(default)]
    pub require_flag: Vec<String>,
    /// Flags that make the install read the source: flag → reason. They take no value
    /// unless also listed in `value-flags`.
    #[serde(default)]
    pub refuse_flags: BTreeMap<String, String>,
    /// Positional arguments: `none` (any means this is not a project install, e.g.
    /// `npm install express`), `packages` (package names allowed; local paths
    /// refused), `manifests` (they name manifest files), `any` (allowed, read nothing).
    #[serde(default)]
    pub positional: Positional,
    /// The install empties the directories in `writes` before filling them
    /// (`npm ci` deletes node_modules): a host copy of them never reached the
    /// image, so excluding it with `.dockerignore` keeps the image the same.
    /// Otherwise the ignore entry changes the image and the fix is unsafe.
    #[serde(default)]
    pub clears_writes: bool,
    /// Lockfiles the install rewrites when they are stale against the manifest
    /// (`npm install`). The source copy would put the old one back after the
    /// install, so the reader refuses a lock it can prove stale.
    #[serde(default)]
    pub rewrites_stale: Vec<String>,
    /// With one of these flags the install never writes the lock
    /// (`--frozen-lockfile`, bare or `=true`; `--package-lock=false`
    /// matches that value): `rewrites-stale` does not apply.
    #[serde(default)]
    pub keeps_lock_with: Vec<String>,
    /// Variables that, set to a true value where the install runs, make it
    /// keep the lock (`CI`: pnpm and Yarn 2+ install frozen in CI; a Docker
    /// build sets none of them unless the Dockerfile does).
    #[serde(default)]
    pub keeps_lock_env: Vec<String>,
    /// What the refusal of a stale lock tells the user to do (`run `yarn
    /// install` and commit yarn.lock, or install with --frozen-lockfile`).
    #[serde(default)]
    pub stale_advice: Option<String>,
    /// Recognised only to report why it is left alone (`pip install .`): without a
    /// reason to report, the command is not treated as an install.
    #[serde(default)]
    pub report_only: bool,
    /// A deps-only form for when the install itself cannot run without the source.
    #[serde(default)]
    pub deps_only: Option<DepsOnly>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Positional {
    #[default]
    None,
    Packages,
    /// Positional arguments name manifest files (`dotnet restore App.sln`): they
    /// are required, like `manifest-flags` values, and handed to the reader.
    Manifests,
    /// Like `manifests`, and an argument may also name a directory of the
    /// context, which the command resolves to the one manifest in it
    /// (`dotnet restore src`): the reader is handed the directory.
    ManifestsOrDirs,
    /// Positional arguments are allowed and read nothing (`go build ./cmd/x`,
    /// `mvn package`, `mix release`).
    Any,
}

/// Run a different command before the source copy, and the original after it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DepsOnly {
    /// Replaces the install before the source copy. Placeholders: `{command}`
    /// (the install as written), `{args}` (its arguments after the matched
    /// words), `{stubs}`/`{unstub}` (create/remove stub targets, from the
    /// reader), `{touch}` (refresh the stubs' mtimes), `{flags}` (the
    /// install's `carry-flags`, each with a leading space), `{positional}`
    /// (its positional arguments, the project it names; none: nothing).
    pub before: String,
    /// Runs after the source copy; default `{command}`.
    #[serde(default)]
    pub after: Option<String>,
    /// The fix is unsafe in an exported stage (the image may differ).
    #[serde(default)]
    pub unsafe_when_exported: bool,
    /// ...except when the install carries one of these flags: measured to
    /// leave the same image (see the preset's comment).
    #[serde(default)]
    pub safe_exported_with: Vec<String>,
    /// ...or, measured under any flags, when the install reads these
    /// manifests (file names, found among the copied ones): composer's
    /// lock, which lists every package and so shows a plugin. Either this
    /// or `safe_exported_with` declares the measurement.
    #[serde(default)]
    pub safe_exported_needs: Vec<String>,
    /// ...and none of these words is in the Dockerfile or a manifest the
    /// install reads (ASCII case-insensitive): a setting that would undo
    /// what was measured (`incremental`).
    #[serde(default)]
    pub safe_exported_unless: Vec<String>,
    /// What real builds measured the step to change in an exported stage
    /// when no measurement above makes it safe: the unsafe reason says it
    /// (cargo's dev profile: the crate's own `.rlib`).
    #[serde(default)]
    pub exported_difference: Option<String>,
    /// The fix is always unsafe (a best-effort warm-up).
    #[serde(default, rename = "unsafe")]
    pub always_unsafe: bool,
    /// With one of these flags the install already skips the project: move it as is.
    #[serde(default)]
    pub unless_flag: Vec<String>,
    /// Flags of the install (with their values) that `{flags}` repeats in
    /// `before`: the ones that change what is resolved (`-s settings.xml`, `-P prod`).
    #[serde(default)]
    pub carry_flags: Vec<String>,
    /// Why a warm-up is unsafe: required with `unsafe = true`, whose
    /// unsafe reason shows it; read nowhere else.
    #[serde(default)]
    pub note: Option<String>,
}

/// The loaded presets.
#[derive(Clone, Debug)]
pub struct Presets {
    pub list: PresetList,
    /// What shell commands read and write: the built-in table, plus the
    /// `commands/*.toml` of each preset directory (tried first).
    pub commands: crate::effects::table::CommandTable,
}

/// The presets, in the order they are tried. A built-in one is decoded from
/// the JSON build.rs embedded when a run first meets a program it names,
/// once per process: a run that meets only `npm ci` decodes npm's alone
/// (decoding all twenty took a third of a one-file run).
#[derive(Clone, Debug, Default)]
pub struct PresetList {
    slots: Vec<Slot>,
}

#[derive(Clone, Debug)]
enum Slot {
    /// Index into `BUILTIN`.
    BuiltIn(usize),
    /// From a user's preset directory: the preset and [`Preset::programs`].
    User(std::sync::Arc<(Preset, Vec<String>)>),
}

/// The built-in presets decoded so far.
static DECODED: [std::sync::OnceLock<Preset>; BUILTIN.len()] =
    [const { std::sync::OnceLock::new() }; BUILTIN.len()];

/// Built-in preset `i`. Panics if it is invalid (a test decodes them all).
fn builtin_at(i: usize) -> &'static Preset {
    DECODED[i].get_or_init(|| {
        let (name, json) = BUILTIN[i];
        builtin_preset(json, Path::new(&format!("presets/{name}.toml")))
            .unwrap_or_else(|e| panic!("{e:#}"))
    })
}

impl PresetList {
    fn builtin() -> PresetList {
        PresetList {
            slots: (0..BUILTIN.len()).map(Slot::BuiltIn).collect(),
        }
    }

    fn get(slot: &Slot) -> &Preset {
        match slot {
            Slot::BuiltIn(i) => builtin_at(*i),
            Slot::User(p) => &p.0,
        }
    }

    /// Every preset, in order (decoding every built-in one).
    pub fn iter(&self) -> impl Iterator<Item = &Preset> {
        self.slots.iter().map(PresetList::get)
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The presets, in order, that may recognise a command whose first word
    /// is `word` (an install, prelude or warm-up): those with a pattern
    /// starting with its [`program_name`]. The others cannot match it.
    pub fn for_program<'a>(&'a self, word: &str) -> impl Iterator<Item = &'a Preset> + 'a {
        let program = program_name(word).to_string();
        self.slots
            .iter()
            .filter(move |s| match s {
                Slot::BuiltIn(i) => BUILTIN_INDEX[*i].1.contains(&program.as_str()),
                // An empty pattern matches any command.
                Slot::User(p) => p.1.iter().any(|x| x.is_empty() || *x == program),
            })
            .map(PresetList::get)
    }

    /// The presets that may recognise `cmd` (see [`PresetList::for_program`]).
    pub fn for_command<'a>(
        &'a self,
        cmd: &shell::Command,
    ) -> impl Iterator<Item = &'a Preset> + 'a {
        self.for_program(cmd.words.first().map_or("", |w| w.text.as_str()))
    }

    /// Add a user's preset, replacing the one of the same name.
    fn put(&mut self, preset: Preset) {
        let position = self.slots.iter().position(|s| match s {
            Slot::BuiltIn(i) => BUILTIN_INDEX[*i].0 == preset.name,
            Slot::User(p) => p.0.name == preset.name,
        });
        let programs = preset.programs();
        let slot = Slot::User(std::sync::Arc::new((preset, programs)));
        match position {
            Some(k) => self.slots[k] = slot,
            None => self.slots.push(slot),
        }
    }
}

impl<'a> IntoIterator for &'a PresetList {
    type Item = &'a Preset;
    type IntoIter = Box<dyn Iterator<Item = &'a Preset> + 'a>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

impl Presets {
    /// Built-in presets only.
    ///
    /// A built-in preset is checked when first used, and panics if invalid
    /// (a test decodes them all).
    pub fn builtin() -> Presets {
        Presets {
            list: PresetList::builtin(),
            commands: crate::effects::table::CommandTable::builtin(),
        }
    }

    /// Built-in presets plus every `*.toml` in `dir` (a file with an existing
    /// name replaces that preset).
    pub fn load(dirs: &[PathBuf]) -> Result<Presets> {
        let mut p = Presets::builtin();
        // User presets by name, to refuse two files defining one name.
        let mut user: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut seen_files = std::collections::BTreeSet::new();
        for dir in dirs {
            let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
                .with_context(|| format!("{}: cannot read preset directory", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for f in files {
                // The same directory given twice (config and command line) is one set.
                if !seen_files.insert(std::fs::canonicalize(&f).unwrap_or_else(|_| f.clone())) {
                    continue;
                }
                let text = crate::input::read_config_text(&f)
                    .with_context(|| format!("{}: cannot read preset", f.display()))?;
                let mut preset = parse_preset(&text, &f)?;
                if let Some(first) = user.insert(preset.name.clone(), f.clone()) {
                    bail!(
                        "two presets are named `{}`: {} and {}; rename one",
                        preset.name,
                        first.display(),
                        f.display()
                    );
                }
                preset.origin = Origin::File(f.clone());
                p.list.put(preset);
            }
        }
        // A preset directory may hold a `commands/` directory of command tables.
        let command_dirs: Vec<PathBuf> = dirs
            .iter()
            .map(|d| d.join("commands"))
            .filter(|d| d.is_dir())
            .collect();
        if !command_dirs.is_empty() {
            p.commands = crate::effects::table::CommandTable::load(&command_dirs)?;
        }
        Ok(p)
    }
}

/// A built-in preset: its TOML was parsed by build.rs and embedded as JSON;
/// the schema and the checks are the same as for a user's TOML preset.
fn builtin_preset(json: &str, path: &Path) -> Result<Preset> {
    let preset: Preset = serde_json::from_str(json)
        .map_err(|e| anyhow::anyhow!("{}: invalid preset: {e}", path.display()))?;
    validate(preset, path)
}

/// Parse and validate one preset; errors name the file, line and key.
pub fn parse_preset(text: &str, path: &Path) -> Result<Preset> {
    let preset: Preset = toml::from_str(text).map_err(|e| {
        let loc = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!(":{line}")
            })
            .unwrap_or_default();
        anyhow::anyhow!("{}{loc}: invalid preset: {}", path.display(), e.message())
    })?;
    validate(preset, path)
}

/// The checks serde cannot express.
fn validate(preset: Preset, path: &Path) -> Result<Preset> {
    if preset.commands.is_empty() {
        bail!("{}: invalid preset: no [[command]]", path.display());
    }
    for c in &preset.commands {
        if c.matches.is_empty()
            || c.matches
                .iter()
                .any(|m| m.split_whitespace().next().is_none())
        {
            bail!(
                "{}: invalid preset: empty `match` in a [[command]]",
                path.display()
            );
        }
        if let Some(d) = &c.deps_only {
            if d.always_unsafe && d.note.is_none() {
                bail!(
                    "{}: invalid preset: deps-only with `unsafe = true` needs a `note` saying why",
                    path.display()
                );
            }
            let measured = !d.safe_exported_with.is_empty() || !d.safe_exported_needs.is_empty();
            if !d.safe_exported_unless.is_empty() && !measured {
                bail!(
                    "{}: invalid preset: deps-only `safe-exported-unless` needs `safe-exported-with` or `safe-exported-needs`, the measurement it voids",
                    path.display()
                );
            }
            if d.exported_difference.is_some() && !d.unsafe_when_exported {
                bail!(
                    "{}: invalid preset: deps-only `exported-difference` needs `unsafe-when-exported`, the only case that shows it",
                    path.display()
                );
            }
            for t in std::iter::once(&d.before).chain(d.after.as_ref()) {
                check_template(t)
                    .with_context(|| format!("{}: invalid preset: deps-only", path.display()))?;
            }
        }
    }
    if let Some(r) = &preset.reader {
        if !crate::readers::KNOWN.contains(&r.as_str()) {
            bail!(
                "{}: invalid preset: unknown reader `{r}` (known: {})",
                path.display(),
                crate::readers::KNOWN.join(", ")
            );
        }
    }
    Ok(preset)
}

fn check_template(t: &str) -> Result<()> {
    let mut rest = t;
    while let Some(i) = rest.find('{') {
        let j = rest[i..].find('}').context("unclosed `{` in template")? + i;
        let name = &rest[i + 1..j];
        if !matches!(
            name,
            "command" | "args" | "stubs" | "unstub" | "touch" | "flags" | "positional"
        ) {
            bail!("unknown placeholder `{{{name}}}`");
        }
        rest = &rest[j + 1..];
    }
    Ok(())
}

/// An install command recognised in a RUN.
#[derive(Clone, Debug)]
pub struct InstallMatch<'p> {
    pub preset: &'p Preset,
    pub spec: &'p CommandSpec,
    /// Values of manifest flags (`-r file`), as written.
    pub manifest_args: Vec<String>,
    /// A reason the install needs the whole source, if any.
    pub needs_source: Option<String>,
    /// The project directory from a dir flag, as written.
    pub dir: Option<String>,
    /// Extra required files named by `flag-requires`.
    pub flag_required: Vec<String>,
    /// Span of the command within the RUN's shell text.
    pub span: std::ops::Range<usize>,
    /// Where the arguments after the matched words start, within the RUN's shell text.
    pub args_start: usize,
    /// Flags present on the command (names as written, before any `=`).
    pub flags: Vec<String>,
    /// The same flags with their values (inline `=` or taken from the next word).
    pub flag_values: Vec<(String, Option<String>)>,
    /// Positional arguments after the matched words.
    pub positional: Vec<String>,
}

/// Program name without directory and version suffix: `/usr/bin/pip3.12` → `pip`.
pub fn program_name(word: &str) -> &str {
    let base = word.rsplit('/').next().unwrap_or(word);
    let trimmed = base.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if trimmed.is_empty() {
        base
    } else {
        trimmed
    }
}

/// Does `words` start with `pattern`? Returns the index after the match and
/// the indices of the `--flags` skipped between the pattern's words (they are
/// read like the install's other flags: `poetry --directory=app install`).
fn match_words(words: &[&str], pattern: &str) -> Option<(usize, Vec<usize>)> {
    let mut i = 0;
    let mut skipped = Vec::new();
    for (k, p) in pattern.split_whitespace().enumerate() {
        if k == 0 {
            if program_name(words.first()?) != p {
                return None;
            }
            i = 1;
            continue;
        }
        if !p.starts_with('-') {
            // Skip global flags without values (`pip --no-cache-dir install`).
            while words.get(i).is_some_and(|w| w.starts_with("--")) {
                skipped.push(i);
                i += 1;
            }
        }
        let w = words.get(i)?;
        let w = if k == 2 && pattern.contains(" -m ") {
            program_name(w)
        } else {
            w
        };
        if w != p {
            return None;
        }
        i += 1;
    }
    Some((i, skipped))
}

impl CommandSpec {
    /// Does flag `name` take a value (the next word, unless written `--flag=value`)?
    fn takes_value(&self, name: &str) -> bool {
        [
            &self.value_flags,
            &self.file_flags,
            &self.write_flags,
            &self.project_file_flags,
        ]
        .iter()
        .any(|l| l.iter().any(|f| f == name))
    }

    /// Every flag that takes a value as its own word (`-s settings.xml`).
    pub fn value_flags_all(&self) -> Vec<String> {
        (self.value_flags.iter())
            .chain(&self.file_flags)
            .chain(&self.write_flags)
            .chain(&self.project_file_flags)
            .cloned()
            .collect()
    }

    /// A project-file flag's value: the install's directory is the file's
    /// (`-f /home/app/pom.xml` runs in /home/app), when the file is one of
    /// the manifest the command requires first.
    fn project_file(&self, name: &str, value: Option<&str>, m: &mut InstallMatch) {
        if !self.project_file_flags.iter().any(|f| f == name) {
            return;
        }
        let file = value.filter(|v| !v.contains('$') && !v.is_empty());
        let Some(v) = file else {
            m.needs_source
                .get_or_insert(format!("`{name}` has no usable value"));
            return;
        };
        let (dir, base) = match v.trim_end_matches('/').rsplit_once('/') {
            Some(("", base)) => ("/", base),
            Some((dir, base)) => (dir, base),
            None => (".", v),
        };
        match self.required.first() {
            Some(manifest) if manifest == base => m.dir = Some(dir.to_string()),
            _ => {
                m.needs_source.get_or_insert(format!(
                    "`{name} {v}` names another file than {}, which the dependency step cannot be given",
                    self.required.first().map_or("the manifest", String::as_str)
                ));
            }
        }
    }
}

impl Preset {
    /// The first words of its `match`, `prelude` and `warm-up` patterns, in
    /// order, each once; an empty pattern (which matches any command) gives
    /// "". build.rs lists the same for the built-in presets.
    pub fn programs(&self) -> Vec<String> {
        let patterns = self.commands.iter().flat_map(|c| &c.matches);
        let mut out: Vec<String> = Vec::new();
        for p in patterns.chain(&self.prelude).chain(&self.warm_up) {
            let first = p.split_whitespace().next().unwrap_or("");
            if !out.iter().any(|x| x == first) {
                out.push(first.to_string());
            }
        }
        out
    }

    /// Is `cmd` one of this preset's prelude commands?
    pub fn is_prelude(&self, words: &[&str]) -> bool {
        self.prelude.iter().any(|p| match_words(words, p).is_some())
    }

    /// Is `words` one of this preset's warm-up commands?
    pub fn is_warm_up(&self, words: &[&str]) -> bool {
        self.warm_up.iter().any(|p| match_words(words, p).is_some())
    }

    /// Recognise an install command.
    pub fn match_install(&self, cmd: &shell::Command) -> Option<InstallMatch<'_>> {
        let words: Vec<&str> = cmd.words.iter().map(|w| w.text.as_str()).collect();
        for spec in &self.commands {
            let Some((after, skipped)) = spec.matches.iter().find_map(|m| match_words(&words, m))
            else {
                continue;
            };
            let mut m = InstallMatch {
                preset: self,
                spec,
                manifest_args: Vec::new(),
                needs_source: None,
                dir: None,
                flag_required: Vec::new(),
                span: cmd.span.clone(),
                args_start: cmd.words.get(after).map_or(cmd.span.end, |w| w.span.start),
                flags: Vec::new(),
                flag_values: Vec::new(),
                positional: Vec::new(),
            };
            let mut positional = Vec::new();
            let mut seen_required_flag = spec.require_flag.is_empty();
            // Flags between the matched words: only `--name` or `--name=value`.
            for &k in &skipped {
                let (name, inline) = match words[k].split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (words[k], None),
                };
                m.flags.push(name.to_string());
                m.flag_values
                    .push((name.to_string(), inline.map(str::to_string)));
                seen_required_flag |= spec.require_flag.iter().any(|f| f == name);
                if let Some(files) = spec.flag_requires.get(name) {
                    m.flag_required.extend(files.iter().cloned());
                }
                if let Some(reason) = spec.refuse_flags.get(name) {
                    m.needs_source.get_or_insert(reason.clone());
                }
                if inline.is_some() {
                    spec.project_file(name, inline, &mut m);
                }
                let is_dir = spec.dir_flags.iter().any(|f| f == name);
                let is_manifest = spec.manifest_flags.iter().any(|f| f == name);
                if is_dir || is_manifest || spec.takes_value(name) {
                    match inline {
                        Some(v) if v.contains('$') => {
                            m.needs_source.get_or_insert(format!(
                                "`{name}` has a value dockopt cannot resolve"
                            ));
                        }
                        Some(v) if is_dir => m.dir = Some(v.to_string()),
                        Some(v) if is_manifest => m.manifest_args.push(v.to_string()),
                        Some(_) => {}
                        // `--flag value` before the subcommand: the value was taken for a word.
                        None => {
                            m.needs_source.get_or_insert(format!("`{name}` before the subcommand takes a value dockopt does not read"));
                        }
                    }
                }
            }
            let mut i = after;
            while i < words.len() {
                let w = words[i];
                let literal = cmd.words[i].literal;
                i += 1;
                if w == "--" {
                    positional.extend(words[i..].iter().map(|s| s.to_string()));
                    break;
                }
                if w.starts_with('-') && w.len() > 1 {
                    let (name, inline) = match w.split_once('=') {
                        Some((n, v)) if w.starts_with("--") => (n, Some(v.to_string())),
                        _ => (w, None),
                    };
                    // Short flag with attached value: `-rreq.txt`.
                    let (name, inline) = if inline.is_none() && !w.starts_with("--") && w.len() > 2
                    {
                        let short = &w[..2];
                        // (`-fsub/pom.xml` too: Maven's parser reads the value attached.)
                        let attached = [&spec.manifest_flags, &spec.project_file_flags];
                        if attached.iter().any(|l| l.iter().any(|f| f == short))
                            || spec.refuse_flags.contains_key(short)
                        {
                            (short, Some(w[2..].to_string()))
                        } else {
                            (name, inline)
                        }
                    } else {
                        (name, inline)
                    };
                    m.flags.push(name.to_string());
                    if spec.require_flag.iter().any(|f| f == name) {
                        seen_required_flag = true;
                    }
                    if let Some(files) = spec.flag_requires.get(name) {
                        m.flag_required.extend(files.iter().cloned());
                    }
                    let is_manifest = spec.manifest_flags.iter().any(|f| f == name);
                    let is_dir = spec.dir_flags.iter().any(|f| f == name);
                    let takes_value = is_manifest || is_dir || spec.takes_value(name);
                    let value = if takes_value && inline.is_none() {
                        let v = words.get(i).map(|s| s.to_string());
                        if v.is_some() && !cmd.words[i].literal && is_manifest {
                            m.needs_source.get_or_insert(format!(
                                "`{name} {}` names a file through a variable dockopt cannot resolve",
                                words[i]
                            ));
                        }
                        i += 1;
                        v
                    } else {
                        inline
                    };
                    m.flag_values.push((name.to_string(), value.clone()));
                    if let Some(reason) = spec.refuse_flags.get(name) {
                        m.needs_source.get_or_insert(reason.clone());
                    }
                    spec.project_file(name, value.as_deref(), &mut m);
                    if is_dir {
                        match &value {
                            Some(v) if !v.contains('$') => m.dir = Some(v.clone()),
                            _ => {
                                m.needs_source
                                    .get_or_insert(format!("`{name}` has no usable value"));
                            }
                        }
                    }
                    if is_manifest {
                        match value {
                            Some(v) if literal || !v.contains('$') => m.manifest_args.push(v),
                            _ => {
                                m.needs_source
                                    .get_or_insert(format!("`{name}` has no usable value"));
                            }
                        }
                    }
                    continue;
                }
                positional.push(w.to_string());
            }
            if !seen_required_flag {
                continue;
            }
            m.positional = positional.clone();
            if spec.report_only
                && m.needs_source.is_none()
                && positional.iter().all(|p| !is_local_path(p))
            {
                continue;
            }
            if !positional.is_empty() {
                match spec.positional {
                    Positional::None => continue, // not a project install (`npm install express`)
                    Positional::Packages => {
                        if let Some(p) = positional.iter().find(|p| is_local_path(p)) {
                            m.needs_source.get_or_insert(format!(
                                "`{}` installs from the local path `{p}`, which needs the whole source",
                                words[..after].join(" ")
                            ));
                        }
                    }
                    Positional::Manifests | Positional::ManifestsOrDirs => {
                        if positional.iter().any(|p| p.contains('$')) {
                            m.needs_source.get_or_insert(
                                "a positional argument names a file through a variable".into(),
                            );
                        }
                        m.manifest_args.extend(positional.iter().cloned());
                    }
                    Positional::Any => {}
                }
            }
            return Some(m);
        }
        None
    }
}

/// Archive and wheel extensions pip installs from a local file.
const ARCHIVES: &[&str] = &[
    ".whl",
    ".tar.gz",
    ".tgz",
    ".tar.bz2",
    ".tbz",
    ".tbz2",
    ".tar.xz",
    ".txz",
    ".tar.lz",
    ".tlz",
    ".tar.lzma",
    ".tar",
    ".zip",
];

/// Does a requirement name a local archive (`x-1.0.tar.bz2`)?
pub fn is_archive(p: &str) -> bool {
    let lower = p.to_ascii_lowercase();
    ARCHIVES.iter().any(|e| lower.ends_with(e))
}

/// Does a positional install argument name a local path (`.`, `./x`,
/// `x.whl`, `.[dev]`)? Extras (`[dev]`) are not part of the path.
fn is_local_path(p: &str) -> bool {
    let p = match p.find('[') {
        Some(i) if p.ends_with(']') && i > 0 => &p[..i],
        _ => p,
    };
    is_archive(p)
        || p == "."
        || p == ".."
        || p.starts_with("./")
        || p.starts_with("../")
        || p.starts_with('/')
        || p.starts_with("file:")
        || (p.contains('/') && !p.contains("://") && !p.contains('@'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_presets_parse() {
        let p = Presets::builtin();
        assert!(p.list.iter().any(|p| p.name == "npm"));
    }

    /// The JSON build.rs embeds reads back to exactly what the TOML file
    /// says, for every built-in preset.
    #[test]
    fn embedded_presets_equal_their_toml() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("presets");
        let builtin = Presets::builtin();
        assert_eq!(builtin.list.len(), BUILTIN.len());
        for (p, (name, _)) in builtin.list.iter().zip(BUILTIN) {
            let path = dir.join(format!("{name}.toml"));
            let text = std::fs::read_to_string(&path).unwrap();
            let from_toml = parse_preset(&text, &path).unwrap();
            assert_eq!(format!("{p:?}"), format!("{from_toml:?}"), "{name}");
        }
    }

    /// build.rs's index of the built-in presets (name, programs) is what
    /// the decoded presets say.
    #[test]
    fn the_builtin_index_is_what_the_presets_say() {
        let builtin = Presets::builtin();
        assert_eq!(BUILTIN_INDEX.len(), BUILTIN.len());
        for (p, (name, programs)) in builtin.list.iter().zip(BUILTIN_INDEX) {
            assert_eq!(p.name, *name);
            assert_eq!(p.programs(), *programs, "{name}");
        }
    }

    /// Only the presets with a pattern for the command's program are
    /// offered, in order; a user's preset replaces the built-in one of its
    /// name in place, and an empty pattern is offered for every program.
    #[test]
    fn presets_for_a_program() {
        let names = |l: &PresetList, w: &str| -> Vec<String> {
            l.for_program(w).map(|p| p.name.clone()).collect()
        };
        let mut list = PresetList::builtin();
        assert_eq!(names(&list, "/usr/bin/pip3.12")[0], "pip");
        assert!(names(&list, "pip").iter().all(|n| n != "npm"));
        assert!(names(&list, "ls").is_empty());
        let all: Vec<String> = list.iter().map(|p| p.name.clone()).collect();
        for w in ["npm", "pip", "python", "cargo", "go", "mvn", "bundle"] {
            let got = names(&list, w);
            let cmd = first(&format!("{w} x"));
            let expected: Vec<String> = list
                .iter()
                .filter(|p| p.programs().iter().any(|x| x == program_name(w)))
                .map(|p| p.name.clone())
                .collect();
            assert_eq!(got, expected, "{w}");
            assert_eq!(
                list.for_command(&cmd)
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>(),
                got
            );
        }
        let text =
            "name = \"npm\"\ndescription = \"d\"\n[[command]]\nmatch = [\"mytool install\"]\n";
        list.put(parse_preset(text, Path::new("u/npm.toml")).unwrap());
        let text =
            "name = \"any\"\ndescription = \"d\"\nprelude = [\"\"]\n[[command]]\nmatch = [\"x\"]\n";
        list.put(parse_preset(text, Path::new("u/any.toml")).unwrap());
        assert_eq!(names(&list, "mytool"), ["npm", "any"]);
        assert!(!names(&list, "npm").contains(&"npm".to_string()));
        assert_eq!(names(&list, "ls"), ["any"]);
        let now: Vec<String> = list.iter().map(|p| p.name.clone()).collect();
        assert_eq!(now[..all.len()], all[..]);
        assert_eq!(now.len(), all.len() + 1);
    }

    #[test]
    fn program_names() {
        assert_eq!(program_name("/usr/local/bin/pip3.12"), "pip");
        assert_eq!(program_name("python3"), "python");
        assert_eq!(program_name("npm"), "npm");
    }

    #[test]
    fn bad_preset_names_file_line_and_key() {
        let err = parse_preset(
            "name = \"x\"\ndescription = \"d\"\n[[command]]\nmatch = [\"x\"]\nbogus = 1\n",
            Path::new("p/x.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.starts_with("p/x.toml:5: invalid preset"), "{err}");
        assert!(err.contains("bogus"), "{err}");
    }

    #[test]
    fn an_unsafe_warm_up_needs_a_note_and_others_need_none() {
        let deps = |extra: &str| {
            let text = format!(
                "name = \"x\"\ndescription = \"d\"\n[[command]]\nmatch = [\"x\"]\n[command.deps-only]\nbefore = \"{{command}}\"\n{extra}"
            );
            parse_preset(&text, Path::new("p/x.toml"))
        };
        let err = deps("unsafe = true\n").unwrap_err().to_string();
        assert!(err.contains("needs a `note`"), "{err}");
        assert!(deps("unsafe = true\nnote = \"why\"\n").is_ok());
        assert!(deps("").is_ok());
    }

    #[test]
    fn what_voids_a_measurement_needs_the_measurement() {
        let deps = |extra: &str| {
            let text = format!(
                "name = \"x\"\ndescription = \"d\"\n[[command]]\nmatch = [\"x\"]\n[command.deps-only]\nbefore = \"{{command}}\"\nunsafe-when-exported = true\n{extra}"
            );
            parse_preset(&text, Path::new("p/x.toml"))
        };
        let err = deps("safe-exported-unless = [\"plugin\"]\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("safe-exported-needs"), "{err}");
        let needs = "safe-exported-needs = [\"x.lock\"]\nsafe-exported-unless = [\"plugin\"]\n";
        assert!(deps(needs).is_ok());
        assert!(deps("safe-exported-with = [\"-r\"]\nsafe-exported-unless = [\"i\"]\n").is_ok());
    }

    #[test]
    fn a_measured_difference_needs_an_exported_step() {
        let deps = |extra: &str| {
            let text = format!(
                "name = \"x\"\ndescription = \"d\"\n[[command]]\nmatch = [\"x\"]\n[command.deps-only]\nbefore = \"{{command}}\"\n{extra}"
            );
            parse_preset(&text, Path::new("p/x.toml"))
        };
        let err = deps("exported-difference = \"a file\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("unsafe-when-exported"), "{err}");
        assert!(deps("unsafe-when-exported = true\nexported-difference = \"a file\"\n").is_ok());
    }

    fn first(src: &str) -> shell::Command {
        shell::parse(src).commands.into_iter().next().unwrap()
    }

    /// `mvn -f`: the POM's directory is the project; another file, a
    /// variable or the wrapper's `-f` is refused.
    #[test]
    fn maven_file_flag_sets_the_project_directory() {
        let p = Presets::builtin();
        let mvn = p.list.iter().find(|p| p.name == "maven").unwrap();
        let dir = |src: &str| {
            let m = mvn.match_install(&first(src)).unwrap();
            (m.dir.clone(), m.needs_source.is_some())
        };
        assert_eq!(
            dir("mvn -f /home/app/pom.xml package"),
            (Some("/home/app".into()), false)
        );
        assert_eq!(
            dir("mvn --file=sub/pom.xml package"),
            (Some("sub".into()), false)
        );
        assert_eq!(
            dir("mvn -fsub/pom.xml package"),
            (Some("sub".into()), false)
        );
        assert_eq!(dir("mvn -f /pom.xml package"), (Some("/".into()), false));
        assert_eq!(dir("mvn -f pom.xml package"), (Some(".".into()), false));
        assert!(dir("mvn -f pom-prod.xml package").1);
        assert!(dir("mvn -f sub package").1);
        assert!(dir("mvn -f $POM package").1);
        assert!(dir("./mvnw -f sub/pom.xml package").1);
        assert!(dir("./mvnw -fsub/pom.xml package").1);
    }

    #[test]
    fn matches_npm_and_pip_forms() {
        let p = Presets::builtin();
        let npm = p.list.iter().find(|p| p.name == "npm").unwrap();
        assert!(npm.match_install(&first("npm ci --omit dev")).is_some());
        assert!(npm.match_install(&first("npm install express")).is_none());
        let pip = p.list.iter().find(|p| p.name == "pip").unwrap();
        let m = pip
            .match_install(&first(
                "python3 -m pip install --no-cache-dir -r /srv/req.txt",
            ))
            .unwrap();
        assert_eq!(m.manifest_args, vec!["/srv/req.txt"]);
        assert!(pip
            .match_install(&first("pip install --upgrade pip"))
            .is_none());
        let m = pip
            .match_install(&first("pip install -r req.txt -e ."))
            .unwrap();
        assert!(m.needs_source.is_some());
        let m = pip
            .match_install(&first("pip3 --no-cache-dir install -rreq.txt"))
            .unwrap();
        assert_eq!(m.manifest_args, vec!["req.txt"]);
    }
}
