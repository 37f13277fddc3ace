//! The model: stages, and per instruction the state in effect (WORKDIR,
//! variables in scope), plus COPY/ADD and RUN views the rules read.

use std::collections::BTreeMap;
use std::sync::OnceLock;

pub use crate::paths::{clean_abs, clean_rel};
use crate::shell;
use crate::syntax::{Dockerfile, Form, Instruction, Keyword};

/// Stand-in for the base image's WORKDIR, which the Dockerfile does not show.
pub const IMAGE_WORKDIR: &str = "/.image-workdir";

/// Variables in scope: name → literal value when known.
pub type Vars = BTreeMap<String, Option<String>>;

/// The build state in effect when an instruction runs.
#[derive(Clone, Debug, Default)]
pub struct State {
    /// Resolved absolute WORKDIR; `None` when it depends on an unknown value.
    pub workdir: Option<String>,
    pub vars: Vars,
}

#[derive(Clone, Debug)]
pub struct Stage {
    /// Index of the FROM in [`Model::ins`] (None for instructions before the first FROM).
    pub from: Option<usize>,
    pub alias: Option<String>,
    /// Indices into [`Model::ins`] of the stage's instructions after FROM.
    pub body: Vec<usize>,
    /// True when no later stage builds FROM this one or copies from it:
    /// i.e. it is the exported (last) stage or an unused one.
    pub exported: bool,
}

pub struct Model<'a> {
    pub src: &'a str,
    pub df: &'a Dockerfile,
    pub ins: Vec<&'a Instruction>,
    /// State before each instruction runs.
    pub state: Vec<State>,
    pub stages: Vec<Stage>,
    /// Per instruction, its COPY/ADD view (built once, here).
    copies: Vec<Option<CopyView>>,
    /// Per instruction, its RUN view (parsed on first use, then kept).
    runs: Vec<OnceLock<Option<RunView>>>,
}

/// A COPY or ADD from the build context (or another stage).
#[derive(Clone, Debug)]
pub struct CopyView {
    /// Sources with quotes removed and variables expanded; `None` if any is unresolved.
    pub sources: Option<Vec<String>>,
    /// Destination as written after expansion.
    pub dest: Option<String>,
    /// Absolute destination (WORKDIR applied), when known.
    pub dest_abs: Option<String>,
    pub from: Option<String>,
    pub heredoc: bool,
}

/// Shell text and its parse.
#[derive(Debug)]
pub struct RunScript {
    pub text: String,
    pub script: shell::Script,
}

impl RunScript {
    fn parse(text: String) -> RunScript {
        let script = shell::parse(&text);
        RunScript { text, script }
    }
}

/// A RUN's shell text, parsed once for every rule and phase that reads it.
#[derive(Debug)]
pub struct RunView {
    /// The RUN's own text: its shell form, or an exec form whose arguments
    /// are all plain words (joined with spaces); `None` for another exec form.
    pub own: Option<RunScript>,
    /// The body of each heredoc, in order.
    pub heredocs: Vec<RunScript>,
}

impl<'a> Model<'a> {
    pub fn new(src: &'a str, df: &'a Dockerfile) -> Model<'a> {
        let ins: Vec<&Instruction> = df.instructions().collect();
        let mut state = Vec::with_capacity(ins.len());
        let mut stages: Vec<Stage> = Vec::new();
        let mut cur = State {
            workdir: Some("/".into()),
            vars: Vars::new(),
        };
        let mut current_stage: Option<usize> = None;
        let mut stage_end: Vec<State> = Vec::new();
        for (i, ins_i) in ins.iter().enumerate() {
            state.push(cur.clone());
            match ins_i.kind {
                Keyword::From => {
                    if current_stage.is_some() {
                        stage_end.push(cur.clone());
                    }
                    let words: Vec<String> = ins_i.words().into_iter().map(|w| w.text).collect();
                    let alias = match words.as_slice() {
                        [_, as_, name, ..] if as_.eq_ignore_ascii_case("as") => {
                            Some(name.to_ascii_lowercase())
                        }
                        _ => None,
                    };
                    stages.push(Stage {
                        from: Some(i),
                        alias,
                        body: Vec::new(),
                        exported: false,
                    });
                    current_stage = Some(stages.len() - 1);
                    // A stage built FROM an earlier one inherits its state; one built from
                    // an image starts in the image's WORKDIR, known for a few official
                    // images (`images/workdirs.toml`), else unseen: a symbolic root keeps
                    // relative paths comparable.
                    let base = words.first().map(|w| w.to_ascii_lowercase());
                    let image_workdir = words
                        .first()
                        .and_then(|w| crate::images::workdir(w))
                        .unwrap_or(IMAGE_WORKDIR);
                    cur = stages[..stages.len() - 1]
                        .iter()
                        .zip(&stage_end)
                        .rev()
                        .find(|(st, _)| st.alias.is_some() && st.alias == base)
                        .map(|(_, end)| end.clone())
                        .unwrap_or_else(|| State {
                            workdir: Some(image_workdir.into()),
                            vars: Vars::new(),
                        });
                }
                Keyword::Arg => {
                    // A build arg can be overridden with --build-arg: its value is never literal.
                    for (k, _) in key_values(&ins_i.args_str(), false) {
                        cur.vars.insert(k, None);
                    }
                }
                Keyword::Env => {
                    for (k, v) in key_values(&ins_i.args_str(), true) {
                        let v = v.and_then(|v| expand(&v, &cur.vars));
                        cur.vars.insert(k, v);
                    }
                }
                Keyword::Workdir => {
                    let raw = unquote_simple(ins_i.args_str().trim());
                    cur.workdir = match (expand(&raw, &cur.vars), &cur.workdir) {
                        (Some(w), _) if w.starts_with('/') => Some(clean_abs(&w)),
                        (Some(w), Some(base)) => Some(clean_abs(&format!("{base}/{w}"))),
                        _ => None,
                    };
                }
                _ => {}
            }
            if let Some(s) = current_stage {
                if ins_i.kind != Keyword::From {
                    stages[s].body.push(i);
                }
            }
        }
        mark_exported(&ins, &mut stages);
        let copies = ins
            .iter()
            .zip(&state)
            .map(|(ins, st)| copy_view_of(ins, st))
            .collect();
        let runs = ins.iter().map(|_| OnceLock::new()).collect();
        Model {
            src,
            df,
            ins,
            state,
            stages,
            copies,
            runs,
        }
    }

    /// The view of COPY/ADD `i`; `None` for other instructions.
    pub fn copy_view(&self, i: usize) -> Option<&CopyView> {
        self.copies[i].as_ref()
    }

    /// The view of RUN `i`; `None` for other instructions. Parsed on the
    /// first call, then kept.
    pub fn run_view(&self, i: usize) -> Option<&RunView> {
        self.runs[i]
            .get_or_init(|| run_view_of(self.src, self.ins[i]))
            .as_ref()
    }
}

/// Which stages are consumed by later ones (FROM <alias> or COPY --from)?
/// A stage another stage builds FROM is in that stage's image: exported
/// when that one is (`FROM build AS dev` exports build's files too).
fn mark_exported(ins: &[&Instruction], stages: &mut [Stage]) {
    let n = stages.len();
    let mut used = vec![false; n];
    let mut base_of: Vec<Option<usize>> = vec![None; n];
    for (k, st) in stages.iter().enumerate() {
        let mut refs: Vec<(String, bool)> = Vec::new();
        if let Some(f) = st.from {
            if let Some(w) = ins[f].words().first() {
                refs.push((w.text.to_ascii_lowercase(), true));
            }
        }
        for &b in &st.body {
            if let Some(v) = ins[b].flag("from") {
                refs.push((v.to_ascii_lowercase(), false));
            }
        }
        for (r, is_base) in refs {
            for (j, other) in stages.iter().enumerate().take(k) {
                let named = other.alias.as_deref() == Some(r.as_str());
                if named || (!is_base && r == j.to_string()) {
                    used[j] = true;
                    if is_base && named {
                        base_of[k] = Some(j);
                    }
                }
            }
        }
    }
    let mut exported: Vec<bool> = (0..n).map(|j| j + 1 == n || !used[j]).collect();
    for k in (0..n).rev() {
        if let (true, Some(j)) = (exported[k], base_of[k]) {
            exported[j] = true;
        }
    }
    for (st, e) in stages.iter_mut().zip(exported) {
        st.exported = e;
    }
}

fn copy_view_of(ins: &Instruction, st: &State) -> Option<CopyView> {
    if !matches!(ins.kind, Keyword::Copy | Keyword::Add) {
        return None;
    }
    let heredoc = !ins.heredocs.is_empty();
    let words: Vec<String> = match ins.form {
        Form::Exec => ins.exec.clone(),
        Form::Shell => ins.words().into_iter().map(|w| w.text).collect(),
    };
    let unq: Vec<Option<String>> = words
        .iter()
        .map(|w| {
            let w = if ins.form == Form::Shell {
                unquote_simple(w)
            } else {
                w.clone()
            };
            expand(&w, &st.vars)
        })
        .collect();
    let (dest, sources) = match unq.split_last() {
        Some((d, s)) if !s.is_empty() => (d.clone(), s.iter().cloned().collect::<Option<Vec<_>>>()),
        _ => (None, None),
    };
    let dest_abs = match (&dest, &st.workdir) {
        (Some(d), _) if d.starts_with('/') => Some(clean_abs(d)),
        (Some(d), Some(w)) => Some(clean_abs(&format!("{w}/{d}"))),
        _ => None,
    };
    Some(CopyView {
        sources,
        dest,
        dest_abs,
        from: ins.flag("from").map(str::to_string),
        heredoc,
    })
}

fn run_view_of(src: &str, ins: &Instruction) -> Option<RunView> {
    if ins.kind != Keyword::Run {
        return None;
    }
    let own = match ins.form {
        Form::Shell => Some(ins.args_str().into_owned()),
        // Exec form: a plain argv can be read as one command, and
        // `["sh", "-c", SCRIPT]` runs SCRIPT as the shell form would.
        Form::Exec => shell_c_script(&ins.exec).or_else(|| {
            ins.exec
                .iter()
                .all(|a| !a.is_empty() && a.chars().all(is_plain))
                .then(|| ins.exec.join(" "))
        }),
    };
    Some(RunView {
        own: own.map(RunScript::parse),
        heredocs: ins
            .heredocs
            .iter()
            .map(|h| RunScript::parse(src[h.body.range()].to_string()))
            .collect(),
    })
}

/// Shells whose `-c SCRIPT` runs SCRIPT as a shell-form RUN runs it (the
/// default `SHELL` is `["/bin/sh", "-c"]`).
const SHELLS: &[&str] = &[
    "sh",
    "/bin/sh",
    "/usr/bin/sh",
    "bash",
    "/bin/bash",
    "/usr/bin/bash",
    "ash",
    "/bin/ash",
    "dash",
    "/bin/dash",
];

/// The script of an exec form `["sh", "-c", SCRIPT]`: exactly a known shell,
/// `-c` and one script (a further argument would be the script's `$0`).
pub(crate) fn shell_c_script(exec: &[String]) -> Option<String> {
    match exec {
        [sh, c, script] if SHELLS.contains(&sh.as_str()) && c == "-c" => Some(script.clone()),
        _ => None,
    }
}

/// A character an exec-form argument may hold and still read the same as
/// a shell word.
fn is_plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./=:@,+%".contains(c)
}

/// Parse `k=v k2="v 2"` (or the legacy `ENV k v w` form when `legacy`).
pub fn key_values(args: &str, legacy: bool) -> Vec<(String, Option<String>)> {
    let words = split_words(args);
    if words.is_empty() {
        return Vec::new();
    }
    if legacy && !words[0].0.contains('=') {
        // ENV key value with spaces
        let key = words[0].0.clone();
        let rest = args.trim_start()[words[0].1..].trim();
        return vec![(key, Some(rest.to_string()))];
    }
    words
        .into_iter()
        .map(|(w, _)| match w.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(unquote_simple(v))),
            None => (w, None),
        })
        .collect()
}

/// Split on unquoted blanks; returns each raw word and the length consumed (first word only used).
fn split_words(s: &str) -> Vec<(String, usize)> {
    let s = s.trim_start();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote = None;
    let mut chars = s.char_indices().peekable();
    let mut end = 0;
    while let Some((i, c)) = chars.next() {
        end = i + c.len_utf8();
        match (quote, c) {
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push((std::mem::take(&mut cur), i));
                }
                continue;
            }
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (_, '\\') => {
                cur.push(c);
                if let Some((_, n)) = chars.next() {
                    cur.push(n);
                    end += n.len_utf8();
                }
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push((cur, end));
    }
    out
}

/// Remove one level of quotes and backslash escapes (Dockerfile word rules).
pub fn unquote_simple(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (Some('\''), c) => out.push(c),
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    out.push(n);
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Expand `$VAR` / `${VAR}` with known literal values; `None` when a
/// referenced variable is unknown or has no literal value, or the syntax is
/// beyond simple references (`${VAR:-x}` etc).
pub fn expand(s: &str, vars: &Vars) -> Option<String> {
    if !s.contains('$') {
        return Some(s.to_string());
    }
    let b = s.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let (name, next) = if b.get(i + 1) == Some(&b'{') {
                let close = s[i + 2..].find('}')? + i + 2;
                (&s[i + 2..close], close + 1)
            } else {
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                (&s[i + 1..j], j)
            };
            if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                return None;
            }
            out.push_str(vars.get(name)?.as_deref()?);
            i = next;
        } else {
            let c = s[i..].chars().next()?;
            out.push(c);
            i += c.len_utf8();
        }
    }
    Some(out)
}

/// Names of the variables `s` references.
pub fn referenced_vars(s: &str) -> Vec<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            let mut j = i + 1;
            if b.get(j) == Some(&b'{') {
                j += 1;
            }
            let st = j;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if j > st {
                out.push(s[st..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expand_known_and_unknown() {
        let mut v = Vars::new();
        v.insert("A".into(), Some("x".into()));
        v.insert("B".into(), None);
        assert_eq!(expand("/$A/${A}y", &v).as_deref(), Some("/x/xy"));
        assert_eq!(expand("$B", &v), None);
        assert_eq!(expand("$C", &v), None);
        assert_eq!(expand("${A:-z}", &v), None);
    }

    #[test]
    fn key_value_forms() {
        assert_eq!(
            key_values("A=1 B=\"two words\" C=three\\ words", true),
            vec![
                ("A".into(), Some("1".into())),
                ("B".into(), Some("two words".into())),
                ("C".into(), Some("three words".into()))
            ]
        );
        assert_eq!(
            key_values("LEGACY value with spaces", true),
            vec![("LEGACY".into(), Some("value with spaces".into()))]
        );
        assert_eq!(key_values("NAME", false), vec![("NAME".into(), None)]);
    }

    #[test]
    fn workdir_and_stages() {
        let src = "FROM a AS build\nWORKDIR /app\nWORKDIR sub\nENV D=/srv\nWORKDIR $D\nCOPY . .\nFROM b\nCOPY --from=build /app /app\n";
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        assert_eq!(m.state[3].workdir.as_deref(), Some("/app/sub"));
        assert_eq!(m.state[5].workdir.as_deref(), Some("/srv"));
        let c = m.copy_view(5).unwrap();
        assert_eq!(c.dest_abs.as_deref(), Some("/srv"));
        assert_eq!(m.stages.len(), 2);
        assert!(!m.stages[0].exported);
        assert!(m.stages[1].exported);
    }

    /// RUN views: the own text of a shell, plain or `sh -c` exec form and
    /// each heredoc body, parsed on first use and then the same object.
    #[test]
    fn run_views() {
        let src = "FROM a\nRUN apt-get update && apt-get install -y x\nRUN [\"npm\", \"ci\"]\nRUN [\"sh\", \"-c\", \"a \\\"b c\\\"\"]\nRUN <<EOF\nnpm ci\nEOF\nCOPY . .\n";
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        let shell = m.run_view(1).unwrap().own.as_ref().unwrap();
        assert_eq!(shell.text, "apt-get update && apt-get install -y x");
        assert_eq!(shell.script.commands.len(), 2);
        assert!(std::ptr::eq(m.run_view(1).unwrap(), m.run_view(1).unwrap()));
        assert_eq!(m.run_view(2).unwrap().own.as_ref().unwrap().text, "npm ci");
        let sh_c = m.run_view(3).unwrap().own.as_ref().unwrap();
        assert_eq!(sh_c.text, "a \"b c\"");
        assert_eq!(sh_c.script.commands[0].words.len(), 2);
        let heredoc = m.run_view(4).unwrap();
        assert_eq!(heredoc.heredocs.len(), 1);
        assert_eq!(heredoc.heredocs[0].script.commands[0].words[0].text, "npm");
        assert!(m.run_view(5).is_none() && m.run_view(0).is_none());
        assert!(m.copy_view(5).is_some() && m.copy_view(4).is_none());
    }

    /// Only a known shell with `-c` and exactly one script is read as that
    /// script: `python -c`, a `$0` after the script, or `sh script.sh` are not.
    #[test]
    fn shell_c_script_forms() {
        let v = |a: &[&str]| shell_c_script(&a.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(v(&["/bin/bash", "-c", "npm ci"]).as_deref(), Some("npm ci"));
        assert_eq!(v(&["sh", "-c", "a && b"]).as_deref(), Some("a && b"));
        assert_eq!(v(&["python", "-c", "x"]), None);
        assert_eq!(v(&["sh", "-c", "x", "zero"]), None);
        assert_eq!(v(&["sh", "-e", "x"]), None);
        assert_eq!(v(&["sh", "x.sh"]), None);
    }

    /// A stage built FROM by an exported stage is exported too; one only
    /// copied from is not.
    #[test]
    fn base_of_an_exported_stage_is_exported() {
        let src = "FROM a AS build\nRUN x\nFROM build AS dev\nRUN y\nFROM b AS runtime\nCOPY --from=build /app /app\n";
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        // `dev` is unused (a `--target dev` image), so `build` is in an exported image.
        assert!(m.stages[1].exported);
        assert!(m.stages[0].exported);
        let src =
            "FROM a AS build\nRUN x\nFROM build AS test\nRUN y\nFROM b\nCOPY --from=test /r /r\n";
        let df = crate::syntax::parse(src.as_bytes());
        let m = Model::new(src, &df);
        assert!(!m.stages[0].exported);
        assert!(!m.stages[1].exported);
        assert!(m.stages[2].exported);
    }
}
