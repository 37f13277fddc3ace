//! In-process tests of the rule: every kind of [`Refusal`], each built from
//! a small Dockerfile and an in-memory build context ([`MemContext`]) and
//! read as the typed variant the phases return (the JSON only shows
//! `kind()`, which folds `Outside` into "layout").

use super::candidate::candidates;
use super::plan::plan;
use super::refusal::Refusal;
use crate::context::MemContext;
use crate::model::Model;
use crate::preset::Presets;
use crate::rules::RuleContext;
use crate::syntax;

/// A `package.json` with no scripts and its lockfile.
const NPM: &[(&str, &str)] = &[
    (
        "package.json",
        r#"{"name":"app","version":"1.0.0","dependencies":{"express":"4.19.2"}}"#,
    ),
    (
        "package-lock.json",
        // In sync and in npm's layout: `npm install` keeps it.
        "{\n  \"name\": \"app\",\n  \"version\": \"1.0.0\",\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"\": {\n      \"name\": \"app\",\n      \"version\": \"1.0.0\",\n      \"dependencies\": {\n        \"express\": \"4.19.2\"\n      }\n    },\n    \"node_modules/express\": {\n      \"version\": \"4.19.2\"\n    }\n  }\n}\n",
    ),
    ("src/server.js", "console.log('hi')\n"),
];

/// What the plan of each candidate gives, in order: `Ok(())` for a fix.
/// `files` make the context; `None`: no context at all (stdin without
/// `--context`).
fn plans(dockerfile: &str, files: Option<&[(&str, &str)]>) -> Vec<Result<(), Refusal>> {
    let ctx = files.map(|files| {
        let mut mem = MemContext::new().file("Dockerfile", dockerfile);
        for (rel, text) in files {
            mem = if rel.ends_with(".sh") {
                mem.executable(rel, *text)
            } else {
                mem.file(rel, *text)
            };
        }
        mem.into_context()
    });
    let df = syntax::parse(dockerfile.as_bytes());
    let model = Model::new(dockerfile, &df);
    let presets = Presets::builtin();
    let rc = RuleContext {
        model: &model,
        presets: &presets,
        ctx: ctx.as_ref(),
        origin: None,
    };
    candidates(&rc)
        .iter()
        .map(|c| plan(&rc, c).map(|_| ()))
        .collect()
}

/// The one candidate's refusal.
fn refusal(dockerfile: &str, files: Option<&[(&str, &str)]>) -> Refusal {
    match plans(dockerfile, files).as_slice() {
        [Err(r)] => r.clone(),
        other => panic!("want one refused candidate, got {other:?}\n{dockerfile}"),
    }
}

/// `files` plus the npm project.
fn with_npm(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    NPM.iter().chain(extra).copied().collect()
}

const NPM_CI: &str = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";

#[test]
fn the_plain_case_is_rewritten() {
    assert_eq!(plans(NPM_CI, Some(NPM)), [Ok(())]);
}

#[test]
fn needs_source() {
    let df =
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt .\n";
    let files = [
        ("requirements.txt", "flask==3.0.0\n"),
        ("pyproject.toml", "[project]\nname = \"app\"\n"),
    ];
    let r = refusal(df, Some(&files));
    assert!(matches!(r, Refusal::NeedsSource(_)), "{r:?}");
}

#[test]
fn lifecycle_script() {
    let pkg = r#"{"name":"app","scripts":{"postinstall":"node scripts/setup.js"}}"#;
    let files = [
        ("package.json", pkg),
        ("package-lock.json", "{}"),
        ("scripts/setup.js", "\n"),
    ];
    let r = refusal(NPM_CI, Some(&files));
    assert!(matches!(r, Refusal::LifecycleScript(_)), "{r:?}");
}

#[test]
fn environment() {
    let df = "FROM node:20\nWORKDIR /app\nARG NPM_CONFIG_USERCONFIG\nCOPY . .\nRUN npm ci\n";
    let r = refusal(df, Some(NPM));
    assert!(matches!(r, Refusal::Environment(_)), "{r:?}");
}

#[test]
fn writes_project() {
    let df = "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install --target . -r requirements.txt\n";
    let r = refusal(df, Some(&[("requirements.txt", "flask==3.0.0\n")]));
    assert!(matches!(r, Refusal::WritesProject(_)), "{r:?}");
}

#[test]
fn crossing() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN ./scripts/generate-config.sh\nRUN npm ci\n";
    let files = with_npm(&[("scripts/generate-config.sh", "#!/bin/sh\n")]);
    let r = refusal(df, Some(&files));
    assert!(matches!(r, Refusal::Crossing { at: Some(_), .. }), "{r:?}");
}

#[test]
fn missing_manifest() {
    let r = refusal(NPM_CI, Some(&[("package.json", r#"{"name":"app"}"#)]));
    assert!(matches!(r, Refusal::MissingManifest { .. }), "{r:?}");
}

#[test]
fn shell() {
    // `npm ci || npm install` is one unit now; a `||` guarding what moves is not.
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build || true\n";
    let r = refusal(df, Some(NPM));
    assert!(matches!(r, Refusal::Shell(_)), "{r:?}");
}

#[test]
fn prelude() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN ./setup.sh && npm ci\n";
    let r = refusal(df, Some(&with_npm(&[("setup.sh", "#!/bin/sh\n")])));
    assert!(matches!(r, Refusal::Prelude(_)), "{r:?}");
}

#[test]
fn layout() {
    let df = "# syntax=docker/dockerfile:1.7-labs\nFROM node:20\nWORKDIR /app\nCOPY --exclude=package-lock.json . .\nRUN npm ci\n";
    let r = refusal(df, Some(NPM));
    assert!(matches!(r, Refusal::Layout(_)), "{r:?}");
}

/// The install runs outside what the source copy fills: reported as
/// "layout", but its own variant.
#[test]
fn outside() {
    let df = "FROM node:20\nCOPY . /app\nRUN cd /opt/tools && npm ci\n";
    let r = refusal(df, Some(NPM));
    assert!(matches!(r, Refusal::Outside(_)), "{r:?}");
    assert_eq!(r.kind(), super::refusal::RefusalKind::Layout);
}

#[test]
fn clobber() {
    let df = "FROM node:20\nCOPY node_modules/.bin/tool /usr/local/bin/tool\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
    let r = refusal(
        df,
        Some(&with_npm(&[("node_modules/.bin/tool", "#!/bin/sh\n")])),
    );
    assert!(matches!(r, Refusal::Clobber(_)), "{r:?}");
}

#[test]
fn no_context() {
    let r = refusal(NPM_CI, None);
    assert!(matches!(r, Refusal::NoContext(_)), "{r:?}");
}

#[test]
fn flags() {
    let df = "# syntax=docker/dockerfile:1.7-labs\nFROM node:20\nWORKDIR /app\nCOPY --parents . .\nRUN npm ci\n";
    let r = refusal(df, Some(NPM));
    assert!(matches!(r, Refusal::Flags(_)), "{r:?}");
}

#[test]
fn unresolved() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nWORKDIR $DIR\nRUN npm ci\n";
    let r = refusal(df, Some(NPM));
    assert!(matches!(r, Refusal::Unresolved(_)), "{r:?}");
}

/// ONBUILD triggers are not candidates: the rule reports them apart
/// (`onbuild::findings`), with the kind of `Refusal::Onbuild`.
#[test]
fn onbuild() {
    let df = "FROM node:20\nWORKDIR /app\nONBUILD COPY . .\nONBUILD RUN npm ci\n";
    assert_eq!(plans(df, Some(NPM)), []);
    let model_df = syntax::parse(df.as_bytes());
    let model = Model::new(df, &model_df);
    let presets = Presets::builtin();
    let ctx = MemContext::new().file("package.json", "{}").into_context();
    let rc = RuleContext {
        model: &model,
        presets: &presets,
        ctx: Some(&ctx),
        origin: None,
    };
    let found = super::onbuild::findings(&rc);
    let kinds: Vec<_> = found
        .iter()
        .map(|f| f.refusal.as_ref().map(|r| r.kind()))
        .collect();
    assert_eq!(kinds, [Some(Refusal::Onbuild(String::new()).kind())]);
}

/// The variants the tests above cover, matched without a wildcard: a new
/// variant does not compile until it is listed here, next to its test.
#[test]
fn the_list_of_kinds_is_exhaustive() {
    let all = [
        Refusal::NeedsSource(String::new()),
        Refusal::LifecycleScript(String::new()),
        Refusal::Environment(String::new()),
        Refusal::WritesProject(String::new()),
        Refusal::Crossing {
            at: None,
            why: String::new(),
        },
        Refusal::MissingManifest {
            file: None,
            why: String::new(),
        },
        Refusal::Shell(String::new()),
        Refusal::Prelude(String::new()),
        Refusal::Layout(String::new()),
        Refusal::Outside(String::new()),
        Refusal::Clobber(String::new()),
        Refusal::NoContext(String::new()),
        Refusal::Flags(String::new()),
        Refusal::Unresolved(String::new()),
        Refusal::Onbuild(String::new()),
        Refusal::ContextTooLarge(String::new()),
    ];
    for r in &all {
        // No wildcard arm: a new variant does not compile until it is listed.
        match r {
            Refusal::NeedsSource(_)
            | Refusal::LifecycleScript(_)
            | Refusal::Environment(_)
            | Refusal::WritesProject(_)
            | Refusal::Crossing { .. }
            | Refusal::MissingManifest { .. }
            | Refusal::Shell(_)
            | Refusal::Prelude(_)
            | Refusal::Layout(_)
            | Refusal::Outside(_)
            | Refusal::Clobber(_)
            | Refusal::NoContext(_)
            | Refusal::Flags(_)
            | Refusal::Unresolved(_)
            | Refusal::Onbuild(_)
            | Refusal::ContextTooLarge(_) => {}
        }
    }
}

/// The plans of [`NPM_CI`] over an npm workspace whose members' directory
/// holds `entries` directories, the first the one member (the pattern asks
/// for a `lib` in each, so the reader has nothing to do per other entry).
fn workspace_plans(entries: usize) -> Vec<Result<(), Refusal>> {
    let mut mem = MemContext::new()
        .file("Dockerfile", NPM_CI)
        .file(
            "package.json",
            r#"{"name":"app","private":true,"workspaces":["packages/*/lib"]}"#,
        )
        .file("package-lock.json", NPM[1].1)
        .file("packages/p00000/lib/package.json", r#"{"name":"lib"}"#);
    for i in 1..entries {
        mem = mem.dir(&format!("packages/p{i:05}"));
    }
    let ctx = mem.into_context();
    let df = syntax::parse(NPM_CI.as_bytes());
    let model = Model::new(NPM_CI, &df);
    let presets = Presets::builtin();
    let rc = RuleContext {
        model: &model,
        presets: &presets,
        ctx: Some(&ctx),
        origin: None,
    };
    candidates(&rc)
        .iter()
        .map(|c| plan(&rc, c).map(|_| ()))
        .collect()
}

/// A glob that stops at its bound of entries answers from part of the
/// context (which part depends on the order directories are read in): the
/// plan is refused, never made from that partial answer. At the bound
/// exactly, the answer is whole and the plan is made.
#[test]
fn context_too_large() {
    assert_eq!(workspace_plans(crate::context::MAX_VISITED), [Ok(())]);
    match workspace_plans(crate::context::MAX_VISITED + 1).as_slice() {
        [Err(r @ Refusal::ContextTooLarge(_))] => {
            assert!(r.text().contains("too large to check"), "{r:?}")
        }
        other => panic!("want a context-too-large refusal, got {other:?}"),
    }
}
