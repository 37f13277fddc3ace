//! SARIF 2.1.0 output: findings are results with locations; fixes are
//! `fixes` with `artifactChanges`, so code-scanning tools can show them.

use serde::{Deserialize, Serialize};

use crate::edit::{Applicability, FileEdits, Fix, Joint};
use crate::runner::{display_path, FileResult};

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// A SARIF log; `R` is the results (a bulk run writes them as they come:
/// [`crate::json_stream::SeqFrom`]).
#[derive(Debug, Serialize, Deserialize)]
pub struct Log<R = Vec<SarifResult>> {
    #[serde(rename = "$schema")]
    pub schema: String,
    pub version: String,
    pub runs: Vec<Run<R>>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Run<R = Vec<SarifResult>> {
    pub tool: Tool,
    pub results: R,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: String,
    pub version: String,
    pub information_uri: String,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rule {
    pub id: String,
    pub short_description: Text,
    pub full_description: Text,
    pub help: Text,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Text {
    pub text: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub level: String,
    pub message: Text,
    pub locations: Vec<Location>,
    /// The install's RUN, a step that blocks the move.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_locations: Vec<RelatedLocation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixes: Vec<SarifFix>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedLocation {
    pub id: usize,
    pub physical_location: PhysicalLocation,
    pub message: Text,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    pub physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Region>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ArtifactLocation {
    pub uri: String,
}

/// 1-based lines; columns in UTF-16 code units (SARIF's default column kind).
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_column: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_column: Option<usize>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifFix {
    pub description: Text,
    pub artifact_changes: Vec<ArtifactChange>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactChange {
    pub artifact_location: ArtifactLocation,
    pub replacements: Vec<Replacement>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Replacement {
    pub deleted_region: Region,
    pub inserted_content: Text,
}

/// Line and UTF-16 column (both 1-based) of byte offset `at` in `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].encode_utf16().count() + 1;
    (line, col)
}

fn region(text: &str, start: usize, end: usize) -> Region {
    let (sl, sc) = line_col(text, start);
    let (el, ec) = line_col(text, end);
    Region {
        start_line: sl,
        start_column: Some(sc),
        end_line: Some(el),
        end_column: Some(ec),
    }
}

pub fn build(results: &[FileResult]) -> Log {
    log(results.iter().flat_map(file_results).collect())
}

/// The SARIF results of one file (so a run can stream its files).
pub fn file_results(r: &FileResult) -> Vec<SarifResult> {
    let mut out = Vec::new();
    let (Some(orig), Ok(o)) = (&r.original, &r.outcome) else {
        return out;
    };
    let uri = r.target.display.clone();
    for (f, applied) in o.findings.iter().zip(&o.applied) {
        let rule_index = crate::rules::RULES
            .iter()
            .position(|x| x.name == f.rule)
            .unwrap_or(0);
        let mut message = f.message.clone();
        if let Some(reason) = &f.refusal {
            message.push_str(&format!(". Left as is: {}", reason.text()));
        }
        if let Some(Joint::MadeBy(by)) = f.fix.as_ref().map(|x| &x.joint) {
            let line = crate::rules::line_of(orig, by.start);
            message.push_str(&format!(
                ". Its edits overlap an earlier fix's; the fix for the install at line {line} makes them"
            ));
        }
        let fixes = f
            .fix
            .as_ref()
            .and_then(|fix| sarif_fix(fix, &uri, orig))
            .into_iter()
            .collect();
        out.push(SarifResult {
            rule_id: f.rule.into(),
            rule_index,
            level: crate::gate::Level::of(*applied).sarif().into(),
            message: Text { text: message },
            locations: vec![Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
                    region: Some(region(orig, f.range.start, f.range.end)),
                },
            }],
            related_locations: f
                .related
                .iter()
                .enumerate()
                .map(|(id, x)| RelatedLocation {
                    id,
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: uri.clone() },
                        region: Some(region(orig, x.span.start, x.span.end)),
                    },
                    message: Text {
                        text: x.kind.describe().into(),
                    },
                })
                .collect(),
            fixes,
        });
    }
    out
}

/// A finding's fix, rendered from its change set per file; `None` when it
/// has no Dockerfile edits of its own (another finding's fix makes them).
fn sarif_fix(fix: &Fix, uri: &str, orig: &str) -> Option<SarifFix> {
    fix.dockerfile().filter(|e| !e.is_empty())?;
    let changes = fix
        .files
        .iter()
        .map(|file| match file {
            FileEdits::Dockerfile(edits) => artifact_change(uri.to_string(), orig, edits),
            FileEdits::Ignore(ig) => {
                let old = ig.old.as_deref().unwrap_or("");
                artifact_change(display_path(&ig.path), old, &ig.edits)
            }
        })
        .collect();
    let mut also = String::new();
    if let Joint::Carries(others) = &fix.joint {
        let lines: Vec<String> = others
            .iter()
            .map(|s| crate::rules::line_of(orig, s.start).to_string())
            .collect();
        also = format!(
            "; it also makes the fix for the install at line {}",
            lines.join(", ")
        );
    }
    let safety = match fix.applicability {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
    };
    Some(SarifFix {
        description: Text {
            text: format!("Copy the manifests first ({safety} fix{also})"),
        },
        artifact_changes: changes,
    })
}

/// The replacements `edits` make in `text`, the artifact at `uri`.
fn artifact_change(uri: String, text: &str, edits: &crate::edit::Edits) -> ArtifactChange {
    ArtifactChange {
        artifact_location: ArtifactLocation { uri },
        replacements: edits
            .iter()
            .map(|e| Replacement {
                deleted_region: region(text, e.range.start, e.range.end),
                inserted_content: Text {
                    text: crate::input::lossy(&e.content).into_owned(),
                },
            })
            .collect(),
    }
}

/// The SARIF log holding `out`.
pub fn log<R>(out: R) -> Log<R> {
    let rules: Vec<Rule> = crate::rules::RULES
        .iter()
        .map(|r| Rule {
            id: r.name.into(),
            short_description: Text {
                text: r.summary.into(),
            },
            full_description: Text {
                text: r.summary.into(),
            },
            help: Text { text: r.doc.into() },
        })
        .collect();
    Log {
        schema: SCHEMA.into(),
        version: "2.1.0".into(),
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "dockopt".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                    information_uri: "https://crates.io/crates/dockopt".into(),
                    rules,
                },
            },
            results: out,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_utf16() {
        assert_eq!(line_col("ab\ncé𝄞x", 10), (2, 5));
        assert_eq!(line_col("ab\n", 3), (2, 1));
    }
}
