//! The only module that prints (and, for `--fix`, writes).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::cli::{Args, Format};
use crate::diff;
use crate::edit::Applicability;
use crate::input;
use crate::runner::{display_path, FileResult};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Diff,
    Fix,
    Check,
}

/// JSON output, one entry per file (schema in the README).
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonReport {
    pub files: Vec<JsonFile>,
    pub summary: JsonSummary,
}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonFile {
    pub path: String,
    pub context: Option<String>,
    pub context_source: crate::contexts::ContextSource,
    /// Which config key or compose service chose the context.
    pub context_detail: Option<String>,
    /// `changed`, `unchanged`, `left-alone` or `error`.
    pub status: String,
    /// The `dockopt.toml` that applied (nearest above the file, up to the
    /// repository root; else the one above the working directory), or null.
    #[serde(default)]
    pub config: Option<String>,
    /// Other paths (symlinks) of the same file, processed once under `path`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub findings: Vec<JsonFinding>,
    pub error: Option<String>,
    /// Unified diff of the proposed (or applied) change, if any.
    pub diff: Option<String>,
    /// Findings silenced by `# dockopt: ignore` comments.
    #[serde(default)]
    pub suppressed: usize,
    /// Suppression comments that did nothing (`--strict` fails on them).
    #[serde(default)]
    pub unused_suppressions: Vec<JsonUnusedSuppression>,
}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonUnusedSuppression {
    pub line: usize,
    pub comment: String,
    pub problem: crate::suppress::Problem,
}

fn unused_json(o: &crate::engine::Outcome) -> Vec<JsonUnusedSuppression> {
    o.suppressions
        .unused
        .iter()
        .map(|u| JsonUnusedSuppression {
            line: u.line,
            comment: u.text.clone(),
            problem: u.problem,
        })
        .collect()
}

/// Colour for stdout and stderr (`--color`, `NO_COLOR`, terminals).
fn painters(args: &Args) -> (crate::color::Painter, crate::color::Painter) {
    use std::io::IsTerminal;
    let for_stream = |tty: bool| crate::color::Painter::for_stream(args.color, tty);
    (
        for_stream(std::io::stdout().is_terminal()),
        for_stream(std::io::stderr().is_terminal()),
    )
}

fn policy(mode: Mode, args: &Args) -> crate::gate::Policy {
    crate::gate::Policy {
        mode,
        exit_non_zero_on_finding: args.exit_non_zero_on_finding,
        strict: args.strict,
    }
}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonFinding {
    pub line: usize,
    pub rule: String,
    pub message: String,
    /// `safe`, `unsafe`, or null when there is no fix.
    pub applicability: Option<String>,
    pub applied: bool,
    /// `change` when this run changes the file for it, `note` when it is left alone.
    pub level: crate::gate::Level,
    /// Why no rewrite was made: a stable kind and a sentence.
    pub reason: Option<JsonReason>,
    /// Why the fix is unsafe (null for a safe fix or none).
    #[serde(default)]
    pub unsafe_reason: Option<String>,
}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonReason {
    pub kind: String,
    pub text: String,
}

#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub struct JsonSummary {
    pub files: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub left_alone: usize,
    pub errors: usize,
    /// Reasons for files left alone, by kind.
    pub reasons: BTreeMap<String, usize>,
}

fn config_shown(r: &FileResult) -> Option<String> {
    r.target.config.as_ref().map(|c| display_path(&c.path))
}

fn applicability_name(a: Applicability) -> &'static str {
    match a {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
    }
}

/// The diff for one file (Dockerfile and ignore file), empty if unchanged.
pub fn file_diff(r: &FileResult) -> String {
    file_diff_in(r, &crate::patch::PatchRoot::default())
}

/// [`file_diff`] with header paths relative to `root`.
pub fn file_diff_in(r: &FileResult, root: &crate::patch::PatchRoot) -> String {
    let (Some(orig), Ok(o)) = (&r.original, &r.outcome) else {
        return String::new();
    };
    let mut out = String::new();
    if let Some(fixed) = &o.fixed {
        let header = root.header(&r.target.path, &r.target.display);
        out.push_str(&diff::unified(&header, Some(orig), fixed));
    }
    if let Some(ig) = &o.ignore {
        out.push_str(&diff::unified(
            &root.header(&ig.path, &display_path(&ig.path)),
            ig.old.as_deref(),
            &ig.new,
        ));
    }
    out
}

pub fn summarize(results: &[FileResult]) -> JsonSummary {
    let mut s = JsonSummary::default();
    for r in results {
        s.add(r);
    }
    s
}

impl JsonSummary {
    /// Count one file (a run streams its results through this).
    pub fn add(&mut self, r: &FileResult) {
        self.files += 1;
        match r.status() {
            "changed" => self.changed += 1,
            "unchanged" => self.unchanged += 1,
            "left-alone" => self.left_alone += 1,
            _ => self.errors += 1,
        }
        if r.status() == "left-alone" {
            if let Ok(o) = &r.outcome {
                if let Some(reason) = o.findings.iter().find_map(|f| f.reason.as_ref()) {
                    *self.reasons.entry(reason.kind.to_string()).or_default() += 1;
                }
            }
        }
    }
}

fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(crate) fn reason_label(kind: &str) -> &str {
    match kind {
        "needs-source" => "install needs the source",
        "lifecycle-script" => "lifecycle scripts",
        "environment" => "install configured through the environment",
        "writes-project" => "install writes into the source copy",
        "crossing" => "steps between copy and install",
        "missing-manifest" => "manifests missing",
        "shell" => "RUN not splittable",
        "prelude" => "commands before the install",
        "layout" => "layout not understood",
        "clobber" => "ignore entry would exclude copied files",
        "no-context" => "no build context",
        "flags" => "copy flags",
        "unresolved" => "unresolved variables",
        crate::left_alone::UNSAFE_KIND => "only an unsafe fix (--unsafe-fixes)",
        k => k,
    }
}

pub fn summary_line(s: &JsonSummary, mode: Mode) -> String {
    let verb = match mode {
        Mode::Fix => "changed",
        _ => "would change",
    };
    let mut line = format!(
        "{} Dockerfile{}: {} {verb}, {} already fine, {} left alone",
        thousands(s.files),
        if s.files == 1 { "" } else { "s" },
        thousands(s.changed),
        thousands(s.unchanged),
        thousands(s.left_alone)
    );
    if !s.reasons.is_empty() {
        let mut rs: Vec<(&String, &usize)> = s.reasons.iter().collect();
        rs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let parts: Vec<String> = rs
            .iter()
            .map(|(k, n)| format!("{} {}", thousands(**n), reason_label(k)))
            .collect();
        line.push_str(&format!(" ({})", parts.join(", ")));
    }
    line.push_str(&format!(
        ", {} error{}",
        thousands(s.errors),
        if s.errors == 1 { "" } else { "s" }
    ));
    line
}

/// Print (and for `--fix`, write) the results, in the order given, one at a
/// time: a result is dropped once printed, so a run over many files holds
/// only the summary (and, for JSON and SARIF, the records). Returns the exit
/// code.
pub fn emit(
    results: impl IntoIterator<Item = FileResult>,
    mode: Mode,
    args: &Args,
    bar: &indicatif::ProgressBar,
    patch_root: crate::patch::PatchRoot,
) -> Result<u8> {
    let mut stdout = crate::progress::AroundBar::new(bar, std::io::stdout().lock());
    let mut stderr = crate::progress::AroundBar::new(bar, std::io::stderr().lock());
    let (out_paint, err_paint) = painters(args);
    let mut code = 0u8;
    let mut json_files = Vec::new();
    let mut write_errors = 0;
    if mode == Mode::Diff && args.format == Format::Text && !args.quiet {
        if let Some(note) = patch_root.note() {
            writeln!(stderr, "{note}")?;
        }
    }
    let mut summary = JsonSummary::default();
    let mut groups = crate::left_alone::Grouper::default();
    let mut sarif_results = Vec::new();
    for r in results {
        let r = &r;
        summary.add(r);
        groups.add(r);
        if args.format == Format::Sarif {
            sarif_results.extend(crate::sarif::file_results(r));
        }
        let display = &r.target.display;
        let outcome = match &r.outcome {
            Err(e) => {
                code = 2;
                writeln!(stderr, "dockopt: error: {e}")?;
                json_files.push(JsonFile {
                    path: display.clone(),
                    context: None,
                    context_source: r.target.context_source,
                    context_detail: r.target.context_detail.clone(),
                    status: "error".into(),
                    config: config_shown(r),
                    aliases: r.target.aliases.clone(),
                    findings: vec![],
                    error: Some(e.clone()),
                    diff: None,
                    suppressed: 0,
                    unused_suppressions: vec![],
                });
                continue;
            }
            Ok(o) => o,
        };
        let changed = outcome.fixed.is_some() || outcome.ignore.is_some();
        code = code.max(crate::gate::file_code(outcome, &policy(mode, args)));
        // Diffs and JSON records only when they will be printed (memory in bulk runs).
        let want_diff =
            args.format == Format::Json || (args.format == Format::Text && mode == Mode::Diff);
        let diff_text = if want_diff {
            file_diff_in(r, &patch_root)
        } else {
            String::new()
        };
        // A failed write is an error, and keeps its JSON record saying why.
        let mut write_error = None;
        if mode == Mode::Fix && changed {
            match write_fix(r) {
                Err(e) => {
                    code = 2;
                    writeln!(stderr, "dockopt: error: {e:#}")?;
                    write_error = Some(format!("{e:#}"));
                }
                Ok(w) => {
                    for p in &w.removed_stale {
                        writeln!(
                            stderr,
                            "dockopt: removed {}, a temporary file left by an interrupted run",
                            display_path(p)
                        )?;
                    }
                }
            }
        }
        if write_error.is_some() {
            write_errors += 1;
        } else if mode == Mode::Fix && changed {
            if let Some(ig) = &outcome.ignore {
                if !args.quiet || r.target.path == Path::new("-") {
                    let verb = if ig.old.is_some() {
                        "updated"
                    } else {
                        "created"
                    };
                    writeln!(
                        stderr,
                        "{}: {verb} so that the rewritten {display} does not copy over what the install wrote",
                        display_path(&ig.path)
                    )?;
                }
            }
        }
        if args.format == Format::Text && write_error.is_none() {
            match mode {
                Mode::Diff => stdout.write_all(&input::restore(&out_paint.diff(&diff_text)))?,
                Mode::Fix if r.target.path == Path::new("-") => {
                    let text = outcome
                        .fixed
                        .as_deref()
                        .or(r.original.as_deref())
                        .unwrap_or("");
                    stdout.write_all(&input::restore(text))?;
                }
                _ => {}
            }
            for (f, applied) in outcome.findings.iter().zip(&outcome.applied) {
                let line = match (&f.reason, &f.fix, applied) {
                    (Some(reason), _, _) => {
                        format!("{display}:{}: {}; left as is", f.line, reason.text)
                    }
                    (None, Some(_), true) if mode == Mode::Fix => {
                        format!("{display}:{}: {} [fixed]", f.line, f.message)
                    }
                    (None, Some(_), true) => format!(
                        "{display}:{}: {} [fix: copy the manifests first]",
                        f.line, f.message
                    ),
                    (None, Some(fix), false) if fix.applicability == Applicability::Unsafe => {
                        format!(
                            "{display}:{}: {} [unsafe fix available: rerun with --unsafe-fixes; unsafe because {}]",
                            f.line,
                            f.message,
                            fix.unsafe_reason.as_deref().unwrap_or("the image may differ")
                        )
                    }
                    _ => format!("{display}:{}: {}", f.line, f.message),
                };
                // A note (left alone) goes to stderr in every mode.
                let line = input::lossy(&line);
                if mode == Mode::Check && *applied {
                    writeln!(stdout, "{}", out_paint.finding(&line, false))?;
                } else if !args.quiet {
                    writeln!(stderr, "{}", err_paint.finding(&line, !applied))?;
                }
            }
            if args.strict {
                for u in &outcome.suppressions.unused {
                    let line = format!("{display}:{}: {}", u.line, u.message());
                    if mode == Mode::Check {
                        writeln!(stdout, "{line}")?;
                    } else {
                        writeln!(stderr, "{line}")?;
                    }
                }
            }
        }
        if args.format != Format::Json {
            continue;
        }
        json_files.push(JsonFile {
            path: display.clone(),
            context: r.target.context.as_ref().map(|c| display_path(c)),
            context_source: r.target.context_source,
            context_detail: r.target.context_detail.clone(),
            status: if write_error.is_some() {
                "error".into()
            } else {
                r.status().into()
            },
            config: config_shown(r),
            aliases: r.target.aliases.clone(),
            findings: outcome
                .findings
                .iter()
                .zip(&outcome.applied)
                .map(|(f, applied)| JsonFinding {
                    line: f.line,
                    rule: f.rule.into(),
                    message: f.message.clone(),
                    applicability: f.applicability().map(|a| applicability_name(a).into()),
                    applied: *applied && mode == Mode::Fix && write_error.is_none(),
                    level: crate::gate::Level::of(*applied),
                    reason: f.reason.as_ref().map(|r| JsonReason {
                        kind: r.kind.into(),
                        text: r.text.clone(),
                    }),
                    unsafe_reason: f.fix.as_ref().and_then(|x| x.unsafe_reason.clone()),
                })
                .collect(),
            error: write_error,
            diff: (!diff_text.is_empty()).then(|| input::lossy(&diff_text).into_owned()),
            suppressed: outcome.suppressions.suppressed,
            unused_suppressions: unused_json(outcome),
        });
    }
    summary.changed = summary.changed.saturating_sub(write_errors);
    summary.errors += write_errors;
    match args.format {
        Format::Json => {
            let report = JsonReport {
                files: json_files,
                summary,
            };
            serde_json::to_writer_pretty(&mut stdout, &report)?;
            writeln!(stdout)?;
        }
        Format::Sarif => {
            serde_json::to_writer_pretty(&mut stdout, &crate::sarif::log(sarif_results))?;
            writeln!(stdout)?;
        }
        Format::Text => {
            if !args.quiet && mode == Mode::Check && summary.files > 1 {
                let groups = groups.finish();
                let text = crate::left_alone::render(&groups, |k| reason_label(k).to_string());
                write!(stderr, "{text}")?;
            }
            if !args.quiet && (mode == Mode::Check || summary.files > 1) {
                writeln!(stderr, "{}", summary_line(&summary, mode))?;
            }
        }
    }
    Ok(code)
}

/// Write the Dockerfile and its ignore file, both or neither.
fn write_fix(r: &FileResult) -> Result<crate::fsutil::Written> {
    use crate::fsutil::FileWrite;
    let Ok(o) = &r.outcome else {
        return Ok(Default::default());
    };
    let mut writes = Vec::new();
    let (old, new);
    if let (Some(fixed), Some(orig), false) =
        (&o.fixed, &r.original, r.target.path == Path::new("-"))
    {
        (old, new) = (input::restore(orig), input::restore(fixed));
        writes.push(FileWrite {
            path: &r.target.path,
            expected: Some(&old),
            contents: &new,
        });
    }
    if let Some(ig) = &o.ignore {
        writes.push(FileWrite {
            path: &ig.path,
            expected: ig.old.as_deref().map(str::as_bytes),
            contents: ig.new.as_bytes(),
        });
    }
    crate::fsutil::write_all_or_nothing(&writes)
}
