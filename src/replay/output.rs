//! Printing replay results: text (one paragraph per file, then a summary and
//! a table sorted by commits saved) or JSON.

use std::fmt::Write as _;

use serde::Serialize;

use super::analyze::{FileReplay, Hot, Rewrite, StepCount};

#[derive(Debug, Serialize)]
pub struct JsonReport<'a> {
    pub files: Vec<JsonFile<'a>>,
    pub summary: Summary,
}

#[derive(Debug, Serialize)]
pub struct JsonFile<'a> {
    pub path: &'a str,
    pub commits: usize,
    pub install: Option<&'a StepCount>,
    pub steps: &'a [StepCount],
    /// Why the file is left alone (then `rewritten` equals `original`); null when rewritten.
    pub reason: Option<&'a str>,
    /// With `--weights`: estimated minutes of re-runs saved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_saved: Option<f64>,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub commits: usize,
    pub install_reruns_original: usize,
    pub install_reruns_rewritten: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minutes_saved: Option<f64>,
}

impl Serialize for StepCount {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("StepCount", 4)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("instruction", &self.instruction)?;
        st.serialize_field("original", &self.original)?;
        st.serialize_field("rewritten", &self.rewritten)?;
        st.end()
    }
}

fn minutes_saved(f: &FileReplay) -> Option<f64> {
    f.seconds.map(|(a, b)| round1((a - b) / 60.0))
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn reason(f: &FileReplay) -> Option<&str> {
    match &f.rewrite {
        Rewrite::Rewritten => None,
        Rewrite::LeftAlone(r) => Some(r),
    }
}

pub fn summary(files: &[FileReplay]) -> Summary {
    let mut s = Summary {
        files: files.len(),
        ..Summary::default()
    };
    for f in files {
        s.commits += f.commits;
        if let Some(i) = &f.install {
            s.install_reruns_original += i.original;
            s.install_reruns_rewritten += i.rewritten;
        }
        if let Some(m) = minutes_saved(f) {
            s.minutes_saved = Some(round1(s.minutes_saved.unwrap_or(0.0) + m));
        }
    }
    s
}

pub fn json(files: &[FileReplay]) -> String {
    let report = JsonReport {
        files: files
            .iter()
            .map(|f| JsonFile {
                path: &f.path,
                commits: f.commits,
                install: f.install.as_ref(),
                steps: &f.steps,
                reason: reason(f),
                minutes_saved: minutes_saved(f),
            })
            .collect(),
        summary: summary(files),
    };
    let mut out = serde_json::to_string_pretty(&report).expect("plain data serializes");
    out.push('\n');
    out
}

fn hot_text(h: &Option<Hot>, commits: usize) -> String {
    match h {
        Some(h) => format!(
            "line {}, {} ({} of {commits})",
            h.line,
            short(&h.instruction),
            h.count
        ),
        None => "none".into(),
    }
}

/// An instruction for a one-line message: at most 60 characters.
fn short(s: &str) -> String {
    if s.chars().count() <= 60 {
        return s.to_string();
    }
    let cut: String = s.chars().take(59).collect();
    format!("{cut}…")
}

fn file_text(f: &FileReplay, out: &mut String) {
    let n = f.commits;
    match &f.install {
        Some(i) => {
            let _ = write!(
                out,
                "{}: install step (line {}, {}) re-ran in {} of {n} commits; {} of {n} after the rewrite",
                f.path,
                i.line,
                short(&i.instruction),
                i.original,
                i.rewritten
            );
        }
        None => {
            let _ = write!(
                out,
                "{}: no install step recognised; {n} commits replayed",
                f.path
            );
        }
    }
    if let Some(r) = reason(f) {
        let _ = write!(out, " (left alone: {r})");
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "  first step to re-run most often: {}; after the rewrite: {}",
        hot_text(&f.hot_original, n),
        hot_text(&f.hot_rewritten, n)
    );
    if let Some((a, b)) = f.seconds {
        let _ = writeln!(
            out,
            "  estimated re-run time: {:.1} min, {:.1} min after the rewrite ({:.1} min saved)",
            a / 60.0,
            b / 60.0,
            (a - b) / 60.0
        );
    }
}

fn saved(f: &FileReplay) -> usize {
    f.install
        .as_ref()
        .map_or(0, |i| i.original.saturating_sub(i.rewritten))
}

fn table(files: &[FileReplay], out: &mut String) {
    let mut rows: Vec<&FileReplay> = files.iter().collect();
    rows.sort_by(|a, b| saved(b).cmp(&saved(a)).then_with(|| a.path.cmp(&b.path)));
    let _ = writeln!(
        out,
        "{:>6} {:>8} {:>10} {:>8}  file",
        "saved", "install", "rewritten", "commits"
    );
    for f in rows {
        let (o, r) = f
            .install
            .as_ref()
            .map_or(("-".to_string(), "-".to_string()), |i| {
                (i.original.to_string(), i.rewritten.to_string())
            });
        let _ = writeln!(
            out,
            "{:>6} {:>8} {:>10} {:>8}  {}",
            saved(f),
            o,
            r,
            f.commits,
            f.path
        );
    }
}

pub fn text(files: &[FileReplay]) -> String {
    let mut out = String::new();
    for f in files {
        file_text(f, &mut out);
    }
    if files.len() > 1 {
        let s = summary(files);
        let _ = write!(
            out,
            "\n{} Dockerfiles, {} commits: install steps re-ran {} times, {} after the rewrite ({} saved)",
            s.files,
            s.commits,
            s.install_reruns_original,
            s.install_reruns_rewritten,
            s.install_reruns_original
                .saturating_sub(s.install_reruns_rewritten)
        );
        if let Some(m) = s.minutes_saved {
            let _ = write!(out, "; about {m:.1} min saved");
        }
        out.push_str("\n\n");
        table(files, &mut out);
    }
    out
}
