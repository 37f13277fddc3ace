//! `dockopt inspect`: show how dockopt reads a Dockerfile.

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use serde::Serialize;

use crate::cli::InspectFormat;
use crate::syntax::{self, Dockerfile, Form, Instruction};

#[derive(Debug, Serialize)]
pub struct InspectOutput {
    pub instructions: Vec<InspectInstruction>,
    pub directives: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct InspectInstruction {
    pub keyword: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_keyword: Option<String>,
    pub flags: Vec<String>,
    pub arguments: Vec<String>,
    pub form: Form,
    pub start_line: usize,
    pub end_line: usize,
    pub heredocs: Vec<String>,
}

/// Build the inspect view of a parsed file.
pub fn view(df: &Dockerfile) -> InspectOutput {
    InspectOutput {
        instructions: df.instructions().map(instruction_view).collect(),
        directives: df
            .directives
            .iter()
            .map(|d| (d.name.clone(), d.value.clone()))
            .collect(),
    }
}

fn instruction_view(ins: &Instruction) -> InspectInstruction {
    let arguments = match ins.form {
        Form::Exec => ins.exec.clone(),
        Form::Shell => {
            let a = ins.args_str();
            if a.is_empty() {
                vec![]
            } else {
                vec![a.into_owned()]
            }
        }
    };
    InspectInstruction {
        keyword: ins.name.clone(),
        sub_keyword: ins.sub.as_ref().map(|s| s.name.clone()),
        // As BuildKit reports them: quotes removed (`--chown="$UID:0"` is `--chown=$UID:0`).
        flags: ins.flags.iter().map(|f| f.normalized()).collect(),
        arguments,
        form: ins.form,
        start_line: ins.start_line,
        end_line: ins.end_line,
        heredocs: ins.heredocs.iter().map(|h| h.name.clone()).collect(),
    }
}

pub fn run(file: &Path, format: InspectFormat) -> Result<u8> {
    // Shown, not rewritten: non-UTF-8 bytes are accepted anywhere.
    let text = crate::input::read_lossless(file)?;
    let df = syntax::parse(text.as_bytes());
    let out = view(&df);
    let mut stdout = std::io::stdout().lock();
    match format {
        InspectFormat::Json => {
            // JSON is UTF-8: non-UTF-8 bytes show as U+FFFD (as in BuildKit's JSON).
            let json = serde_json::to_string_pretty(&out)?;
            writeln!(stdout, "{}", crate::input::lossy(&json))?;
        }
        InspectFormat::Text => {
            for (k, v) in &out.directives {
                writeln!(stdout, "# {k}={v}")?;
            }
            for i in &out.instructions {
                let lines = if i.start_line == i.end_line {
                    format!("{}", i.start_line)
                } else {
                    format!("{}-{}", i.start_line, i.end_line)
                };
                let mut line = format!("{lines:>7}  {}", i.keyword);
                if let Some(s) = &i.sub_keyword {
                    line.push(' ');
                    line.push_str(s);
                }
                for f in &i.flags {
                    line.push(' ');
                    line.push_str(f);
                }
                match i.form {
                    Form::Exec => line.push_str(&format!(" {:?}", i.arguments)),
                    Form::Shell => {
                        for a in &i.arguments {
                            line.push(' ');
                            line.push_str(a);
                        }
                    }
                }
                for h in &i.heredocs {
                    line.push_str(&format!("  [heredoc {h}]"));
                }
                line.push('\n');
                // Text shows the file's own bytes.
                stdout.write_all(&crate::input::restore(&line))?;
            }
        }
    }
    Ok(0)
}
