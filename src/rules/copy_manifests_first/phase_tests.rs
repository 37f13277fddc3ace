//! In-process tests of the crossing and split phases, each run on its own
//! on the first candidate of a small Dockerfile and an in-memory context
//! (the other phases have their tests in their modules).

use super::candidate::{candidates, Candidate};
use super::crossing::check_kinds;
use super::plan::Dest;
use super::refusal::Refusal;
use super::split::split_run;
use crate::context::MemContext;
use crate::model::Model;
use crate::preset::Presets;
use crate::rules::RuleContext;
use crate::syntax;

fn npm() -> MemContext {
    MemContext::new()
        .file("package.json", r#"{"name":"a"}"#)
        .file("package-lock.json", "{}")
        .file("index.js", "")
}

/// `phase` on the first candidate of `dockerfile` over `ctx`.
fn on_first<T>(
    dockerfile: &str,
    ctx: MemContext,
    phase: impl Fn(&RuleContext, &Candidate) -> T,
) -> T {
    let df = syntax::parse(dockerfile.as_bytes());
    let model = Model::new(dockerfile, &df);
    let presets = Presets::builtin();
    let ctx = ctx.into_context();
    let rc = RuleContext {
        model: &model,
        presets: &presets,
        ctx: Some(&ctx),
        origin: None,
    };
    let cands = candidates(&rc);
    let first = cands.first().expect("a candidate");
    phase(&rc, first)
}

fn dest(written: &str, abs: &str) -> Dest {
    Dest {
        written: written.into(),
        abs: abs.into(),
    }
}

#[test]
fn split_a_cd_prelude_sets_where_the_install_runs() {
    let df = "FROM node:20\nCOPY . /app\nRUN cd /app && npm ci && npm run build\n";
    let split = on_first(df, npm(), |rc, c| {
        split_run(rc, c).map(|s| (s.cwd, s.cd_dirs))
    });
    assert_eq!(split, Ok(("/app".to_string(), vec!["/app".to_string()])));
}

#[test]
fn split_the_workdir_is_where_the_install_runs() {
    let df = "FROM node:20\nWORKDIR /srv\nCOPY . .\nRUN npm ci\n";
    let split = on_first(df, npm(), |rc, c| {
        split_run(rc, c).map(|s| (s.cwd, s.cd_dirs))
    });
    assert_eq!(split, Ok(("/srv".to_string(), Vec::new())));
}

#[test]
fn split_refuses_an_or_list() {
    // A `||` guarding the part that moves after the source copy.
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build || true\n";
    let split = on_first(df, npm(), |rc, c| split_run(rc, c).map(|s| s.cwd));
    assert!(matches!(split, Err(Refusal::Shell(_))), "{split:?}");
}

#[test]
fn split_keeps_an_install_and_its_fallback_together() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci || npm install && npm run build\n";
    let split = on_first(df, npm(), |rc, c| split_run(rc, c).map(|s| s.cwd));
    assert_eq!(split, Ok("/app".to_string()));
}

#[test]
fn crossing_nothing_between_moves_nothing() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
    let crossing = on_first(df, npm(), |rc, c| {
        check_kinds(rc, c, &dest(".", "/app")).map(|x| (x.steps.len(), x.absolute_dest))
    });
    assert_eq!(crossing, Ok((0, false)));
}

/// A WORKDIR between changes where `COPY . .` resolves once moved past it.
#[test]
fn crossing_a_workdir_between_makes_the_destination_absolute() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nWORKDIR /app/web\nRUN npm ci\n";
    let ctx = MemContext::new()
        .file("web/package.json", "{}")
        .file("web/package-lock.json", "{}");
    let crossing = on_first(df, ctx, |rc, c| {
        check_kinds(rc, c, &dest(".", "/app")).map(|x| (x.steps.len(), x.absolute_dest))
    });
    assert_eq!(crossing, Ok((1, true)));
}

/// The absolute destination must be one bare word: `/my app/web/` would be
/// two arguments of the moved COPY (issue: adv-wdspace).
#[test]
fn crossing_refuses_an_absolute_destination_that_needs_quoting() {
    let df = "FROM node:20\nWORKDIR \"/my app\"\nCOPY . web/\nWORKDIR web\nRUN npm ci\n";
    let crossing = on_first(df, npm(), |rc, c| {
        check_kinds(rc, c, &dest("web/", "/my app/web")).map(|x| x.absolute_dest)
    });
    assert!(
        matches!(&crossing, Err(Refusal::Crossing { why, .. }) if why.contains("needs quoting")),
        "{crossing:?}"
    );
}

/// An ENV between that changes a variable the copy's destination uses.
#[test]
fn crossing_refuses_an_env_the_copy_uses() {
    let df = "FROM node:20\nENV APP_HOME=/app\nCOPY . $APP_HOME\nENV APP_HOME=/srv/app\nWORKDIR /app\nRUN npm ci\n";
    let crossing = on_first(df, npm(), |rc, c| {
        check_kinds(rc, c, &dest("$APP_HOME", "/app")).map(|x| x.steps.len())
    });
    assert!(
        matches!(crossing, Err(Refusal::Crossing { .. })),
        "{crossing:?}"
    );
}

/// The programs an install runs by name are read in every `PATH`
/// directory, each path once, in order (Docker's default `PATH` first),
/// though the Dockerfile's `PATH` repeats some of them.
#[test]
fn outside_reads_each_program_path_once() {
    let df = "FROM node:20\nENV PATH=/opt/x/bin:/usr/bin:/opt/x/bin:$PATH\nCOPY . /app\nWORKDIR /app\nRUN npm ci\n";
    let (reads, programs) = on_first(df, npm(), |rc, c| {
        let eff = super::outside::effect(rc, c, rc.ctx.unwrap(), &[]).expect("npm's effect");
        let outside = c.install.m.preset.outside.as_ref().unwrap();
        (eff.reads.pats, outside.programs.clone())
    });
    let exact: Vec<&str> = reads
        .iter()
        .filter_map(|p| match p {
            crate::effects::PathPat::Exact(p) => Some(p.as_str()),
            _ => None,
        })
        .collect();
    let unique: std::collections::BTreeSet<&str> = exact.iter().copied().collect();
    assert_eq!(unique.len(), exact.len(), "{exact:?}");
    // Docker's six directories and /opt/x/bin.
    assert_eq!(exact.len(), 7 * programs.len());
    assert_eq!(exact[0], format!("/usr/local/sbin/{}", programs[0]));
    assert_eq!(
        exact[6 * programs.len()],
        format!("/opt/x/bin/{}", programs[0])
    );
}
