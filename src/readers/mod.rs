//! Readers of manifest contents: the part of ecosystem knowledge that must
//! read files (npm workspaces and lifecycle scripts, pip `-r` includes,
//! cargo workspace members and targets). A preset names its reader; rules
//! never read files themselves.

mod bun;
mod cargo;
mod jspm;
pub(crate) mod npm;
mod npm_layout;
mod npm_lock;
mod npm_lock_tree;
mod npm_semver;
mod pip;
mod pnpm;
mod pnpm_lock;
mod yarn;
// readers: javascript
mod conda;
mod pdm;
mod pipenv;
mod pipenv_lock;
mod poetry;
mod pyproject;
mod uv;
// readers: python
mod go;
mod gradle;
mod maven;
// readers: go-jvm
mod bundler;
mod composer;
mod dotnet;
mod mix;
// readers: ruby-php-dotnet-elixir
mod dep_scripts;
mod prisma;
mod site;
mod stale_lock;
mod yarn_lock;

pub use site::Site;

use crate::context::BuildContext;

/// Reader names a preset may use.
pub const KNOWN: &[&str] = &[
    "npm",
    "pip-requirements",
    "cargo",
    "yarn",
    "pnpm",
    "bun",
    // known: javascript
    "poetry",
    "pipenv",
    "uv",
    "pdm",
    "conda",
    // known: python
    "go",
    "maven",
    "gradle",
    // known: go-jvm
    "bundler",
    "composer",
    "dotnet",
    "dotnet-build",
    "mix",
    "mix-compile",
    // known: ruby-php-dotnet-elixir
];

/// What a reader gets.
pub struct ReadInput<'a> {
    pub ctx: &'a BuildContext,
    /// The project directory, context-relative (`""` for the root).
    pub dir: &'a str,
    /// Manifest files named on the command line (`-r x`), context-relative.
    pub manifest_args: &'a [String],
    /// Where and how the install runs: environment, flags, the source copy.
    pub site: &'a Site,
}

/// A stub file to create before a deps-only step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stub {
    /// Context-relative path.
    pub path: String,
    pub content: &'static str,
}

/// What a reader found.
#[derive(Clone, Debug, Default)]
pub struct ReadOutput {
    /// More files that must be copied (context-relative).
    pub required: Vec<String>,
    /// More files to copy when present (context-relative; the reader checked presence).
    pub optional: Vec<String>,
    /// More directories the install writes (names, like a preset's `writes`).
    pub writes: Vec<String>,
    /// Stub targets for a deps-only step.
    pub stubs: Vec<Stub>,
    /// Why the install needs the whole source, if it does.
    pub refuse: Option<Refusal>,
}

/// Why a reader refuses the rewrite: a stable kind and a sentence naming
/// the file, flag or variable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub kind: RefuseKind,
    pub text: String,
}

/// The kinds of reader refusals (the rule maps each to its own refusal kind).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefuseKind {
    /// The install reads source files that the manifests copy would not bring.
    NeedsSource,
    /// A lifecycle script runs on install and may read the source.
    LifecycleScript,
    /// The environment (ENV, ARG, `export`) points the install at files, or
    /// at values dockopt cannot resolve.
    Environment,
    /// The install writes into the directory the source copy fills, which the
    /// copy would then overwrite.
    WritesProject,
}

impl From<String> for Refusal {
    /// A reader's plain-text refusal: the install needs the source.
    fn from(text: String) -> Refusal {
        Refusal {
            kind: RefuseKind::NeedsSource,
            text,
        }
    }
}

impl ReadOutput {
    fn refuse(reason: impl Into<String>) -> ReadOutput {
        ReadOutput::refuse_as(RefuseKind::NeedsSource, reason)
    }

    fn refused(r: Refusal) -> ReadOutput {
        ReadOutput {
            refuse: Some(r),
            ..ReadOutput::default()
        }
    }

    fn refuse_as(kind: RefuseKind, reason: impl Into<String>) -> ReadOutput {
        ReadOutput {
            refuse: Some(Refusal {
                kind,
                text: reason.into(),
            }),
            ..ReadOutput::default()
        }
    }
}

/// Every root script an npm-like installer may run on install (npm's list,
/// which yarn, pnpm and bun follow or are a subset of, and pnpm's own
/// `pnpm:devPreinstall`): what a caller vetting scripts checks.
pub fn lifecycle_names() -> Vec<&'static str> {
    let mut names = jspm::NPM_LIFECYCLE.to_vec();
    names.push("pnpm:devPreinstall");
    names
}

/// Does reader `name` read files relative to the install's directory?
/// (`pip-requirements` only follows the files named on the command line.)
pub fn needs_dir(name: &str) -> bool {
    !matches!(name, "pip-requirements" | "conda")
}

/// What the install reads: the preset's environment and flag knowledge
/// (see [`site`]), then the reader `name`, if any.
pub fn read_install(reader: Option<&str>, input: &ReadInput) -> ReadOutput {
    let pre = site::check(input);
    if pre.out.refuse.is_some() {
        return pre.out;
    }
    let Some(name) = reader else { return pre.out };
    let mut args = input.manifest_args.to_vec();
    for f in &pre.manifests {
        if !args.contains(f) {
            args.push(f.clone());
        }
    }
    let mut out = read(
        name,
        &ReadInput {
            manifest_args: &args,
            ..*input
        },
    );
    if out.refuse.is_none() {
        out.required.extend(pre.out.required);
        out.optional.extend(pre.out.optional);
    }
    if matches!(name, "npm" | "yarn" | "pnpm" | "bun") {
        dep_scripts::apply(input, &mut out);
    }
    out
}

/// Run the reader `name`.
pub fn read(name: &str, input: &ReadInput) -> ReadOutput {
    match name {
        "npm" => npm::read(input),
        "pip-requirements" => pip::read(input),
        "cargo" => cargo::read(input),
        "yarn" => yarn::read(input),
        "pnpm" => pnpm::read(input),
        "bun" => bun::read(input),
        // dispatch: javascript
        "poetry" => poetry::read(input),
        "pipenv" => pipenv::read(input),
        "uv" => uv::read(input),
        "pdm" => pdm::read(input),
        "conda" => conda::read(input),
        // dispatch: python
        "go" => go::read(input),
        "maven" => maven::read(input),
        "gradle" => gradle::read(input),
        // dispatch: go-jvm
        "bundler" => bundler::read(input),
        "composer" => composer::read(input),
        "dotnet" => dotnet::read(input),
        "dotnet-build" => dotnet::read_build(input),
        "mix" => mix::read(input),
        "mix-compile" => mix::read_compile(input),
        // dispatch: ruby-php-dotnet-elixir
        _ => ReadOutput::refuse(format!("unknown reader `{name}`")),
    }
}

pub(crate) use crate::paths::{join, parent};

/// Does `rel` escape the context root (`../x` from the root)?
pub(crate) fn escapes(dir: &str, rel: &str) -> bool {
    let mut depth: i64 = dir.split('/').filter(|c| !c.is_empty()).count() as i64;
    for c in rel.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}
