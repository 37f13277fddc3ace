//! The only module that prints. Writing `--fix` files is a separate step
//! ([`crate::fixwrite`]); this module reports what it did.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::diff;
use crate::edit::Applicability;
use crate::input;
use crate::runner::{display_path, FileResult, FileStatus};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Diff,
    Fix,
    Check,
}

/// The output format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Sarif,
}

/// What the report needs from the command line (the CLI fills it in).
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub mode: Mode,
    pub format: Format,
    pub color: clap::ColorChoice,
    pub quiet: bool,
    pub strict: bool,
    pub exit_non_zero_on_finding: bool,
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
    pub status: FileStatus,
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
fn painters(opts: &Options) -> (crate::color::Painter, crate::color::Painter) {
    use std::io::IsTerminal;
    let for_stream = |tty: bool| crate::color::Painter::for_stream(opts.color, tty);
    (
        for_stream(std::io::stdout().is_terminal()),
        for_stream(std::io::stderr().is_terminal()),
    )
}

fn policy(opts: &Options) -> crate::gate::Policy {
    crate::gate::Policy {
        mode: opts.mode,
        exit_non_zero_on_finding: opts.exit_non_zero_on_finding,
        strict: opts.strict,
    }
}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonFinding {
    pub line: usize,
    pub rule: String,
    pub message: String,
    /// `safe`, `unsafe`, or null when there is no fix.
    pub applicability: Option<Applicability>,
    pub applied: bool,
    /// `change` when this run changes the file for it, `note` when it is left alone.
    pub level: crate::gate::Level,
    /// Why no rewrite was made: a stable kind and a sentence.
    pub reason: Option<JsonReason>,
    /// Why the fix is unsafe (null for a safe fix or none).
    #[serde(default)]
    pub unsafe_reason: Option<String>,
    /// The other instructions the finding is about: the install's RUN (or
    /// the source copy, when the finding points at the install), and a step
    /// that blocks the move.
    #[serde(default)]
    pub related: Vec<JsonRelated>,
}

/// Another instruction a finding is about.
#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonRelated {
    pub line: usize,
    /// `install`, `source-copy`, `blocking-step` or `moved-step`.
    pub kind: crate::rules::RelatedKind,
}

#[derive(Debug, Serialize, serde::Deserialize)]
pub struct JsonReason {
    pub kind: crate::rules::RefusalKind,
    pub text: String,
}

#[derive(Debug, Default, Clone, Serialize, serde::Deserialize)]
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
            &ig.new_text(),
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
            FileStatus::Changed => self.changed += 1,
            FileStatus::Unchanged => self.unchanged += 1,
            FileStatus::LeftAlone => self.left_alone += 1,
            FileStatus::Error => self.errors += 1,
        }
        if r.status() == FileStatus::LeftAlone {
            if let Ok(o) = &r.outcome {
                if let Some(reason) = o.findings.iter().find_map(|f| f.refusal.as_ref()) {
                    *self.reasons.entry(reason.kind().to_string()).or_default() += 1;
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

/// The summary's label for a kind of files left alone (a refusal kind, or
/// [`crate::left_alone::UNSAFE_KIND`]).
pub(crate) fn reason_label(kind: &str) -> &str {
    match crate::rules::RefusalKind::from_name(kind) {
        Some(k) => k.label(),
        None if kind == crate::left_alone::UNSAFE_KIND => "only an unsafe fix (--unsafe-fixes)",
        None => kind,
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

/// Where a run prints, and how.
struct Printer<'b> {
    stdout: crate::progress::AroundBar<'b, std::io::StdoutLock<'static>>,
    stderr: crate::progress::AroundBar<'b, std::io::StderrLock<'static>>,
    out_paint: crate::color::Painter,
    err_paint: crate::color::Painter,
    opts: Options,
}

/// Print the results, in the order given, one at a time: a result is
/// dropped once printed, so a run over many files holds only the summary
/// (and the left-alone groups of a text `--check`): JSON records and SARIF
/// results are written as they come ([`crate::json_stream`]). With `--fix`
/// the caller has written each result first ([`crate::fixwrite`]); this
/// reports what that did. Returns the exit code.
pub fn emit(
    results: impl IntoIterator<Item = FileResult>,
    opts: &Options,
    bar: &indicatif::ProgressBar,
    patch_root: crate::patch::PatchRoot,
) -> Result<u8> {
    let (out_paint, err_paint) = painters(opts);
    let mut p = Printer {
        stdout: crate::progress::AroundBar::new(bar, std::io::stdout().lock()),
        stderr: crate::progress::AroundBar::new(bar, std::io::stderr().lock()),
        out_paint,
        err_paint,
        opts: *opts,
    };
    if opts.mode == Mode::Diff && opts.format == Format::Text && !opts.quiet {
        if let Some(note) = patch_root.note() {
            writeln!(p.stderr, "{note}")?;
        }
    }
    let run = std::cell::RefCell::new(Emit {
        p,
        patch_root,
        code: 0,
        summary: JsonSummary::default(),
        groups: crate::left_alone::Grouper::default(),
        failed: None,
    });
    // Each result is counted and printed when pulled; pulling stops at the
    // first failure to print, which is then returned.
    let mut results = results.into_iter();
    let mut next = || {
        let mut run = run.borrow_mut();
        if run.failed.is_some() {
            return None;
        }
        let r = results.next()?;
        Some(run.one(r))
    };
    let written = match opts.format {
        Format::Json => {
            let files = std::iter::from_fn(&mut next).map_while(|(_, json)| json);
            let report = JsonReportOut {
                files: crate::json_stream::SeqFrom::new(files),
                summary: crate::json_stream::Later(|| run.borrow().summary.clone()),
            };
            crate::json_stream::write_pretty(StdoutOf(&run), &report)
        }
        Format::Sarif => {
            let results = std::iter::from_fn(&mut next).flat_map(|(sarif, _)| sarif);
            let log = crate::sarif::log(crate::json_stream::SeqFrom::new(results));
            crate::json_stream::write_pretty(StdoutOf(&run), &log)
        }
        Format::Text => {
            while next().is_some() {}
            Ok(())
        }
    };
    let mut run = run.into_inner();
    if let Some(e) = run.failed.take() {
        return Err(e);
    }
    written?;
    let code = run.code;
    if opts.format == Format::Text {
        run.text_end()?;
    }
    Ok(code)
}

/// The JSON document as written: [`JsonReport`]'s fields, in its order,
/// the files written as they come.
#[derive(Serialize)]
struct JsonReportOut<F, S> {
    files: F,
    summary: S,
}

/// A run's printing, one result at a time.
struct Emit<'b> {
    p: Printer<'b>,
    patch_root: crate::patch::PatchRoot,
    code: u8,
    summary: JsonSummary,
    groups: crate::left_alone::Grouper,
    /// The first failure to print.
    failed: Option<anyhow::Error>,
}

impl Emit<'_> {
    /// Count and print one result: its SARIF results and JSON record, in
    /// those formats.
    fn one(&mut self, r: FileResult) -> (Vec<crate::sarif::SarifResult>, Option<JsonFile>) {
        self.summary.add(&r);
        self.groups.add(&r);
        let sarif = if self.p.opts.format == Format::Sarif {
            crate::sarif::file_results(&r)
        } else {
            Vec::new()
        };
        let mut json = Vec::new();
        match self.p.file(&r, &self.patch_root, &mut json) {
            Ok(code) => self.code = self.code.max(code),
            Err(e) => self.failed = Some(e),
        }
        (sarif, json.pop())
    }

    /// The end of a text run: the left-alone groups and the summary line.
    fn text_end(self) -> Result<()> {
        let (opts, mut p) = (self.p.opts, self.p);
        if !opts.quiet && opts.mode == Mode::Check && self.summary.files > 1 {
            let groups = self.groups.finish();
            let text = crate::left_alone::render(&groups, |k| reason_label(k).to_string());
            write!(p.stderr, "{text}")?;
        }
        if !opts.quiet && (opts.mode == Mode::Check || self.summary.files > 1) {
            writeln!(p.stderr, "{}", summary_line(&self.summary, opts.mode))?;
        }
        Ok(())
    }
}

/// The run's stdout as a writer, borrowed for each write (between results).
struct StdoutOf<'r, 'b>(&'r std::cell::RefCell<Emit<'b>>);

impl Write for StdoutOf<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().p.stdout.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.borrow_mut().p.stdout.flush()
    }
}

impl Printer<'_> {
    /// Print one result (and keep its JSON record); returns its exit code.
    fn file(
        &mut self,
        r: &FileResult,
        patch_root: &crate::patch::PatchRoot,
        json_files: &mut Vec<JsonFile>,
    ) -> Result<u8> {
        let opts = self.opts;
        let outcome = match &r.outcome {
            Err(e) => {
                writeln!(self.stderr, "dockopt: error: {e}")?;
                json_files.push(JsonFile {
                    path: r.target.display.clone(),
                    context: None,
                    context_source: r.target.context_source,
                    context_detail: r.target.context_detail.clone(),
                    status: FileStatus::Error,
                    config: config_shown(r),
                    aliases: r.target.aliases.clone(),
                    findings: vec![],
                    error: Some(e.clone()),
                    diff: None,
                    suppressed: 0,
                    unused_suppressions: vec![],
                });
                return Ok(2);
            }
            Ok(o) => o,
        };
        let mut code = crate::gate::file_code(outcome, &policy(&opts));
        // Diffs and JSON records only when they will be printed (memory in bulk runs).
        let want_diff =
            opts.format == Format::Json || (opts.format == Format::Text && opts.mode == Mode::Diff);
        let diff_text = if want_diff {
            file_diff_in(r, patch_root)
        } else {
            String::new()
        };
        // A failed write is an error, and keeps its JSON record saying why.
        let write_error = r.written.as_ref().and_then(|w| w.error.clone());
        self.write_notes(r)?;
        if write_error.is_some() {
            code = 2;
        }
        if opts.format == Format::Text && write_error.is_none() {
            self.text(r, outcome, &diff_text)?;
        }
        if opts.format == Format::Json {
            json_files.push(json_record(r, outcome, opts.mode, write_error, &diff_text));
        }
        Ok(code)
    }

    /// What writing did: an error, stale temp files removed, the ignore file.
    fn write_notes(&mut self, r: &FileResult) -> Result<()> {
        let Some(w) = &r.written else {
            return Ok(());
        };
        if let Some(e) = &w.error {
            writeln!(self.stderr, "dockopt: error: {e}")?;
            return Ok(());
        }
        for p in &w.removed_stale {
            writeln!(
                self.stderr,
                "dockopt: removed {}, a temporary file left by an interrupted run",
                display_path(p)
            )?;
        }
        let ig = r.outcome.as_ref().ok().and_then(|o| o.ignore.as_ref());
        if let Some(ig) = ig {
            if !self.opts.quiet || r.target.path == Path::new("-") {
                let verb = if ig.old.is_some() {
                    "updated"
                } else {
                    "created"
                };
                writeln!(
                    self.stderr,
                    "{}: {verb} so that the rewritten {} does not copy over what the install wrote",
                    display_path(&ig.path),
                    r.target.display
                )?;
            }
        }
        Ok(())
    }

    /// The text output of one file: the diff (or the fixed stdin), the findings.
    fn text(
        &mut self,
        r: &FileResult,
        outcome: &crate::engine::Outcome,
        diff_text: &str,
    ) -> Result<()> {
        let (mode, display) = (self.opts.mode, &r.target.display);
        match mode {
            Mode::Diff => self
                .stdout
                .write_all(&input::restore(&self.out_paint.diff(diff_text)))?,
            Mode::Fix if r.target.path == Path::new("-") => {
                let text = outcome
                    .fixed
                    .as_deref()
                    .or(r.original.as_deref())
                    .unwrap_or("");
                self.stdout.write_all(&input::restore(text))?;
            }
            _ => {}
        }
        let src = r.original.as_deref().unwrap_or_default();
        for (f, applied) in outcome.findings.iter().zip(&outcome.applied) {
            let line = finding_line(display, f, f.line(src), *applied, mode);
            // A note (left alone) goes to stderr in every mode.
            let line = input::lossy(&line);
            if mode == Mode::Check && *applied {
                writeln!(self.stdout, "{}", self.out_paint.finding(&line, false))?;
            } else if !self.opts.quiet {
                writeln!(self.stderr, "{}", self.err_paint.finding(&line, !applied))?;
            }
        }
        if self.opts.strict {
            for u in &outcome.suppressions.unused {
                let line = format!("{display}:{}: {}", u.line, u.message());
                if mode == Mode::Check {
                    writeln!(self.stdout, "{line}")?;
                } else {
                    writeln!(self.stderr, "{line}")?;
                }
            }
        }
        Ok(())
    }
}

/// One finding as a line of text.
fn finding_line(
    display: &str,
    f: &crate::rules::Diagnostic,
    line: usize,
    applied: bool,
    mode: Mode,
) -> String {
    match (&f.refusal, &f.fix, applied) {
        (Some(reason), _, _) => format!("{display}:{line}: {}; left as is", reason.text()),
        (None, Some(_), true) if mode == Mode::Fix => {
            format!("{display}:{line}: {} [fixed]", f.message)
        }
        (None, Some(_), true) => format!(
            "{display}:{line}: {} [fix: copy the manifests first]",
            f.message
        ),
        (None, Some(fix), false) if fix.applicability == Applicability::Unsafe => format!(
            "{display}:{line}: {} [unsafe fix available: rerun with --unsafe-fixes; unsafe because {}]",
            f.message,
            fix.unsafe_reason.as_deref().unwrap_or("the image may differ")
        ),
        _ => format!("{display}:{line}: {}", f.message),
    }
}

/// The JSON record of one processed file.
fn json_record(
    r: &FileResult,
    outcome: &crate::engine::Outcome,
    mode: Mode,
    write_error: Option<String>,
    diff_text: &str,
) -> JsonFile {
    let src = r.original.as_deref().unwrap_or_default();
    JsonFile {
        path: r.target.display.clone(),
        context: r.target.context.as_ref().map(|c| display_path(c)),
        context_source: r.target.context_source,
        context_detail: r.target.context_detail.clone(),
        status: r.status(),
        config: config_shown(r),
        aliases: r.target.aliases.clone(),
        findings: outcome
            .findings
            .iter()
            .zip(&outcome.applied)
            .map(|(f, applied)| JsonFinding {
                line: f.line(src),
                related: f
                    .related
                    .iter()
                    .map(|x| JsonRelated {
                        line: crate::rules::line_of(src, x.span.start),
                        kind: x.kind,
                    })
                    .collect(),
                rule: f.rule.into(),
                message: f.message.clone(),
                applicability: f.applicability(),
                applied: *applied && mode == Mode::Fix && write_error.is_none(),
                level: crate::gate::Level::of(*applied),
                reason: f.refusal.as_ref().map(|r| JsonReason {
                    kind: r.kind(),
                    text: r.text().to_string(),
                }),
                unsafe_reason: f.fix.as_ref().and_then(|x| x.unsafe_reason.clone()),
            })
            .collect(),
        error: write_error,
        diff: (!diff_text.is_empty()).then(|| input::lossy(diff_text).into_owned()),
        suppressed: outcome.suppressions.suppressed,
        unused_suppressions: unused_json(outcome),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The JSON names of the typed status and applicability (README, "JSON output").
    #[test]
    fn json_names_stay_as_documented() {
        let names = |v: serde_json::Value| v.as_str().unwrap().to_string();
        let status = [
            (FileStatus::Changed, "changed"),
            (FileStatus::Unchanged, "unchanged"),
            (FileStatus::LeftAlone, "left-alone"),
            (FileStatus::Error, "error"),
        ];
        for (s, name) in status {
            assert_eq!(names(serde_json::to_value(s).unwrap()), name);
        }
        for (a, name) in [
            (Applicability::Safe, "safe"),
            (Applicability::Unsafe, "unsafe"),
        ] {
            assert_eq!(names(serde_json::to_value(a).unwrap()), name);
        }
    }
}
