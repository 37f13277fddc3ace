//! The syntax layer against BuildKit's own parser (differential), plus
//! round-trip and robustness properties.

use std::path::{Path, PathBuf};

use dockopt::syntax::{self, Form, Keyword};
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct BkAnswer {
    ok: bool,
    #[serde(default)]
    commands: Vec<BkCommand>,
}

#[derive(Deserialize)]
struct BkCommand {
    cmd: String,
    sub_cmd: Option<String>,
    json: bool,
    start_line: usize,
    end_line: usize,
    flags: Vec<String>,
    value: Vec<String>,
    heredocs: Vec<BkHeredoc>,
}

#[derive(Deserialize)]
struct BkHeredoc {
    name: String,
    content: String,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/syntax-cases")
}

fn cases() -> Vec<(String, Vec<u8>, BkAnswer)> {
    let dir = cases_dir();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("Dockerfile") {
            continue;
        }
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let answer = dir.join("buildkit").join(format!("{name}.json"));
        let answer: BkAnswer =
            serde_json::from_str(&std::fs::read_to_string(&answer).unwrap()).unwrap();
        out.push((name, std::fs::read(&path).unwrap(), answer));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn round_trip(src: &[u8]) -> Vec<u8> {
    let df = syntax::parse(src);
    let tokens = df.tokens(src);
    let mut out = Vec::with_capacity(src.len());
    let mut pos = 0;
    for t in tokens {
        assert_eq!(t.span.start, pos, "tokens must be contiguous");
        out.extend_from_slice(&src[t.span.range()]);
        pos = t.span.end;
    }
    out
}

#[test]
fn buildkit_suite_has_all_cases() {
    assert!(cases().len() >= 77);
}

/// Every case BuildKit accepts: same instructions, keywords, flags, lines,
/// form, heredoc names and bodies, and (where BuildKit keeps them as text)
/// the same argument values.
#[test]
fn agrees_with_buildkit() {
    let mut failures = Vec::new();
    for (name, src, answer) in cases() {
        let df = syntax::parse(&src);
        let ours: Vec<_> = df.instructions().collect();
        if !answer.ok {
            continue; // BuildKit rejects it; parsing without a crash is enough.
        }
        if ours.len() != answer.commands.len() {
            failures.push(format!(
                "{name}: {} instructions, BuildKit {}",
                ours.len(),
                answer.commands.len()
            ));
            continue;
        }
        for (i, (o, bk)) in ours.iter().zip(&answer.commands).enumerate() {
            let mut diff = Vec::new();
            if o.name != bk.cmd.to_uppercase() {
                diff.push(format!("keyword {} vs {}", o.name, bk.cmd));
            }
            let sub = o.sub.as_ref().map(|s| s.name.clone());
            if sub != bk.sub_cmd.as_ref().map(|s| s.to_uppercase()) {
                diff.push(format!("sub {:?} vs {:?}", sub, bk.sub_cmd));
            }
            let flags: Vec<String> = o.flags.iter().map(|f| f.normalized()).collect();
            if flags != bk.flags {
                diff.push(format!("flags {flags:?} vs {:?}", bk.flags));
            }
            if (o.start_line, o.end_line) != (bk.start_line, bk.end_line) {
                diff.push(format!(
                    "lines {}-{} vs {}-{}",
                    o.start_line, o.end_line, bk.start_line, bk.end_line
                ));
            }
            // BuildKit marks ONBUILD itself as non-JSON whatever it wraps.
            let exec = o.form == Form::Exec && o.kind != Keyword::Onbuild;
            if exec != bk.json {
                diff.push(format!("exec {exec} vs {}", bk.json));
            }
            let names: Vec<&str> = o.heredocs.iter().map(|h| h.name.as_str()).collect();
            let bk_names: Vec<&str> = bk.heredocs.iter().map(|h| h.name.as_str()).collect();
            if names != bk_names {
                diff.push(format!("heredocs {names:?} vs {bk_names:?}"));
            }
            for (h, bh) in o.heredocs.iter().zip(&bk.heredocs) {
                let body = String::from_utf8_lossy(&src[h.body.range()]).replace("\r\n", "\n");
                if body != bh.content {
                    diff.push(format!("heredoc body {body:?} vs {:?}", bh.content));
                }
            }
            let value: Option<Vec<String>> = match (o.kind, o.form) {
                (_, Form::Exec) if !matches!(o.kind, Keyword::Onbuild | Keyword::Healthcheck) => {
                    Some(o.exec.clone())
                }
                (Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Shell, _) => {
                    let a = o.args_str().into_owned();
                    Some(if a.is_empty() { vec![] } else { vec![a] })
                }
                (Keyword::Copy | Keyword::Add | Keyword::From | Keyword::Expose, _) => {
                    Some(o.words().into_iter().map(|w| w.text).collect())
                }
                _ => None,
            };
            if let Some(v) = value {
                if v != bk.value {
                    diff.push(format!("value {v:?} vs {:?}", bk.value));
                }
            }
            if !diff.is_empty() {
                failures.push(format!("{name} #{i}: {}", diff.join("; ")));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "disagreements:\n{}",
        failures.join("\n")
    );
}

#[test]
fn round_trip_is_exact_on_every_case() {
    for (name, src, _) in cases() {
        assert_eq!(round_trip(&src), src, "{name}");
    }
}

/// BuildKit accepts Latin-1 bytes in a comment (case 76); so does `inspect`,
/// with the same instructions.
#[test]
fn inspect_accepts_latin1_in_a_comment() {
    let path = cases_dir().join("76_latin1_bytes_in_comment.Dockerfile");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(["inspect", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "      1  FROM alpine\n      3  RUN echo hi\n"
    );
}

/// `inspect --format json` on every case BuildKit accepts: the same flags as
/// BuildKit reports them (quotes removed), and the same instruction lines.
#[test]
fn inspect_json_agrees_with_buildkit() {
    for (name, _, answer) in cases() {
        if !answer.ok {
            continue;
        }
        let path = cases_dir().join(format!("{name}.Dockerfile"));
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dockopt"))
            .args(["inspect", "--format", "json", path.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ins = v["instructions"].as_array().unwrap();
        assert_eq!(ins.len(), answer.commands.len(), "{name}");
        for (i, bk) in ins.iter().zip(&answer.commands) {
            let flags: Vec<&str> = i["flags"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            assert_eq!(flags, bk.flags, "{name} line {}", bk.start_line);
            assert_eq!(i["start_line"], bk.start_line, "{name}");
        }
    }
}

/// BuildKit unquotes flag values: `--chown="$UID:0"` is `--chown=$UID:0`.
#[test]
fn inspect_json_unquotes_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(
        &path,
        "FROM a\nCOPY --chown=\"$UID:0\" --chmod='755' --link a b\nRUN --mount=type=cache,target=\"/root/.npm\" npm ci\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(["inspect", "--format", "json", path.to_str().unwrap()])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["instructions"][1]["flags"],
        serde_json::json!(["--chown=$UID:0", "--chmod=755", "--link"])
    );
    assert_eq!(
        v["instructions"][2]["flags"],
        serde_json::json!(["--mount=type=cache,target=/root/.npm"])
    );
}

#[test]
fn deep_continuations_parse_in_bounded_stack() {
    let mut src = String::from("FROM alpine\nRUN true");
    for _ in 0..100_000 {
        src.push_str(" \\\n && true");
    }
    src.push('\n');
    // Run on a small stack to prove nothing recurses on the input.
    let handle = std::thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let df = syntax::parse(src.as_bytes());
            let run = df.instructions().nth(1).unwrap();
            (
                run.start_line,
                run.end_line,
                round_trip(src.as_bytes()) == src.as_bytes(),
            )
        })
        .unwrap();
    let (start, end, rt) = handle.join().unwrap();
    assert_eq!((start, end), (2, 100_002));
    assert!(rt);
}

mod units {
    use super::*;

    fn ins(src: &str) -> Vec<syntax::Instruction> {
        syntax::parse(src.as_bytes())
            .instructions()
            .cloned()
            .collect()
    }

    #[test]
    fn escape_directive_changes_continuation() {
        let src = "# escape=`\nFROM x\nRUN echo a `\n  b\nCOPY a c:\\\nRUN dir\n";
        let i = ins(src);
        assert_eq!(i.len(), 4);
        assert_eq!(i[1].args_str(), "echo a   b");
        assert_eq!((i[2].start_line, i[2].end_line), (5, 5));
    }

    #[test]
    fn escape_directive_after_other_line_is_a_comment() {
        let df = syntax::parse(b"FROM x\n# escape=`\nRUN a `\nRUN b\n");
        assert_eq!(df.escape, b'\\');
        assert_eq!(df.instructions().count(), 3);
    }

    #[test]
    fn heredoc_delimiters() {
        let i = ins("FROM x\nRUN <<-'E O' cat\n\tbody\n\tE O\nCOPY <<A <<\"B\" /x/\na\nA\nb\nB\n");
        assert_eq!(i[1].heredocs[0].name, "E O");
        assert!(i[1].heredocs[0].chomp && i[1].heredocs[0].quoted);
        assert_eq!(i[2].heredocs.len(), 2);
        assert_eq!(i[2].end_line, 9);
    }

    #[test]
    fn unterminated_heredoc_takes_rest_of_file() {
        let src = "FROM x\nRUN <<EOF\necho\nRUN y\n";
        let i = ins(src);
        assert_eq!(i.len(), 2);
        assert!(!i[1].heredocs[0].terminated);
        assert_eq!(round_trip(src.as_bytes()), src.as_bytes());
    }

    #[test]
    fn continuation_at_end_of_file() {
        for src in [
            "FROM x\nRUN a \\",
            "FROM x\nRUN a \\\n",
            "FROM x\nRUN a \\\n\n# c\n",
        ] {
            let i = ins(src);
            assert_eq!(i.len(), 2, "{src:?}");
            assert_eq!(i[1].args_str(), "a", "{src:?}");
            assert_eq!(round_trip(src.as_bytes()), src.as_bytes());
        }
    }

    #[test]
    fn crlf_is_kept_and_detected() {
        let src = "FROM x\r\nRUN a \\\r\n  && b\r\n";
        let df = syntax::parse(src.as_bytes());
        assert_eq!(df.newline, "\r\n");
        let i: Vec<_> = df.instructions().collect();
        assert_eq!(i[1].args_str(), "a   && b");
        assert_eq!(round_trip(src.as_bytes()), src.as_bytes());
    }

    #[test]
    fn flags_spans_and_values() {
        let src = "FROM x\nCOPY --from=build \\\n  --chown=\"1:1\" --link a b/\n";
        let i = ins(src);
        let f = &i[1].flags;
        assert_eq!(f.len(), 3);
        assert_eq!(&src[f[0].span.range()], "--from=build");
        assert_eq!(f[1].value.as_deref(), Some("1:1"));
        assert_eq!(f[1].text, "--chown=\"1:1\"");
        assert_eq!(f[2].value, None);
        let w = i[1].words();
        assert_eq!(
            w.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["a", "b/"]
        );
        assert_eq!(&src[w[1].span.range()], "b/");
    }

    #[test]
    fn exec_form_needs_a_json_string_array() {
        let i = ins("FROM x\nCMD [\"a\", \"b\"]\nCMD [a]\nCMD [\"a\",]\nRUN [1]\n");
        assert_eq!(i[1].form, Form::Exec);
        assert_eq!(i[2].form, Form::Shell);
        assert_eq!(i[3].form, Form::Shell);
        assert_eq!(i[4].form, Form::Shell);
        assert!(i[4].problem.is_some());
    }

    #[test]
    fn bom_is_kept_and_directive_read() {
        let src = "\u{feff}# syntax=docker/dockerfile:1\nFROM x\n";
        let df = syntax::parse(src.as_bytes());
        assert!(df.bom);
        assert_eq!(df.directive("syntax"), Some("docker/dockerfile:1"));
        assert_eq!(round_trip(src.as_bytes()), src.as_bytes());
    }
}

fn dockerfile_like() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        Just("FROM alpine AS build".to_string()),
        Just("RUN npm ci && npm run build".to_string()),
        Just("COPY --chown=1:1 . /app/".to_string()),
        Just("# a comment".to_string()),
        Just("".to_string()),
        Just("   ".to_string()),
        Just("RUN a \\".to_string()),
        Just("  && b \\".to_string()),
        Just("RUN <<EOF".to_string()),
        Just("echo hi".to_string()),
        Just("EOF".to_string()),
        Just("# escape=`".to_string()),
        Just("CMD [\"node\", \"x.js\"]".to_string()),
        Just("\tWORKDIR /app".to_string()),
        "[a-zA-Z \\\\`#<\"'-=]{0,20}",
    ];
    (
        proptest::collection::vec(line, 0..30),
        prop_oneof![Just("\n"), Just("\r\n")],
        any::<bool>(),
    )
        .prop_map(|(lines, nl, trailing)| {
            let mut s = lines.join(nl);
            if trailing {
                s.push_str(nl);
            }
            s
        })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_and_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        prop_assert_eq!(round_trip(&bytes), bytes);
    }

    #[test]
    fn arbitrary_text_round_trips(s in "\\PC{0,300}") {
        prop_assert_eq!(round_trip(s.as_bytes()), s.as_bytes());
    }

    #[test]
    fn dockerfile_like_text_round_trips_with_stable_boundaries(s in dockerfile_like()) {
        prop_assert_eq!(round_trip(s.as_bytes()), s.as_bytes());
        let df = syntax::parse(s.as_bytes());
        // Instructions are in order, do not overlap, and cover whole lines.
        let mut last_end = 0;
        for i in df.instructions() {
            prop_assert!(i.span.start >= last_end);
            prop_assert!(i.start_line <= i.end_line);
            prop_assert!(i.span.end == s.len() || s.as_bytes()[i.span.end - 1] == b'\n');
            last_end = i.span.end;
        }
        // Re-parsing the same text gives the same boundaries (determinism),
        // and appending a new instruction does not move earlier ones.
        let mut appended = s.clone();
        if !appended.is_empty() && !appended.ends_with('\n') { appended.push('\n'); }
        appended.push_str("LABEL end=1\n");
        let df2 = syntax::parse(appended.as_bytes());
        let a: Vec<_> = df.instructions().map(|i| (i.start_line, i.keyword)).collect();
        let b: Vec<_> = df2.instructions().map(|i| (i.start_line, i.keyword)).take(a.len()).collect();
        // Only when the original does not end inside a continuation or heredoc.
        // Open: the file ends inside a heredoc, or inside a continuation (its
        // last token that is not trivia is a continuation marker).
        use dockopt::syntax::TokenKind;
        let last_real = df
            .tokens(s.as_bytes())
            .into_iter()
            .rev()
            .find(|t| !matches!(t.kind, TokenKind::Newline | TokenKind::Comment | TokenKind::Whitespace));
        let open = df.instructions().last().is_some_and(|i| i.heredocs.iter().any(|h| !h.terminated))
            || last_real.is_some_and(|t| t.kind == TokenKind::Continuation);
        if !open {
            prop_assert_eq!(a, b);
        }
    }
}
