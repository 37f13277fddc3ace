//! The effect of one simple command of a RUN, from the command table.

use crate::model::{clean_abs, expand, Vars};
use crate::paths::resolve;
use crate::preset::program_name;
use crate::shell;

use super::table::{CommandTable, Entry, PackagePaths, Role, StateChange};
use super::{Effect, PathPat};

/// The shell's state where a command runs.
pub struct ShellEnv<'a> {
    /// Working directory; `None` when unknown (relative paths are then anywhere).
    pub cwd: Option<String>,
    pub vars: &'a Vars,
    /// The user's home directory; `None` when unknown.
    pub home: Option<String>,
    /// Literal directories put on `PATH` by the Dockerfile (a virtualenv's `bin`).
    pub path_dirs: &'a [String],
}

impl ShellEnv<'_> {
    /// `p` as an absolute image path; `None` when it cannot be known.
    pub fn resolve(&self, p: &str) -> Option<String> {
        let p = if p.contains('$') {
            expand(p, self.vars)?
        } else {
            p.to_string()
        };
        if let Some(rest) = p.strip_prefix('~') {
            if rest.is_empty() || rest.starts_with('/') {
                return Some(clean_abs(&format!("{}{rest}", self.home()?)));
            }
            return None;
        }
        if p.starts_with('/') {
            return Some(clean_abs(&p));
        }
        Some(resolve(self.cwd.as_ref()?, &p))
    }

    /// The home `~` names: `HOME` as the shell has it (`HOME=/app cmd`,
    /// `export HOME=...`, `ENV HOME`), else the user's.
    fn home(&self) -> Option<&str> {
        match self.vars.get("HOME") {
            Some(Some(h)) if h.starts_with('/') => Some(h),
            Some(_) => None,
            None => self.home.as_deref(),
        }
    }

    /// A word used as a path: exact, a tree when `tree`, and the tree above
    /// the first glob character when the word is a pattern. Everything when unknown.
    fn pattern(&self, text: &str, literal: bool, tree: bool) -> PathPat {
        // Brace expansion (bash, zsh) is read like a glob: the tree above it.
        let glob_at = match (!literal).then(|| text.find(['*', '?', '['])).flatten() {
            Some(i) => Some(text.find('{').map_or(i, |b| b.min(i))),
            None => text.find('{'),
        };
        let (text, tree) = match glob_at {
            Some(i) => (parent_of(&text[..i]), true),
            None => (text, tree),
        };
        match self.resolve(text) {
            Some(p) if tree => PathPat::Tree(p),
            Some(p) => PathPat::Exact(p),
            None => PathPat::Tree("/".into()),
        }
    }
}

fn parent_of(prefix: &str) -> &str {
    match prefix.rfind('/') {
        Some(0) => "/",
        Some(i) => &prefix[..i],
        None => ".",
    }
}

/// Targets of redirections that are not files.
fn is_device(p: &str) -> bool {
    matches!(p, "/dev/null" | "/dev/stdout" | "/dev/stderr" | "/dev/tty")
}

/// The effect of `cmd` where it runs. `preset_prelude` says a preset vouches
/// for the command as a harmless prelude (it reads no project file).
pub fn effect(
    table: &CommandTable,
    cmd: &shell::Command,
    env: &ShellEnv,
    preset_prelude: bool,
) -> Effect {
    if cmd.compound {
        return Effect::unknown("a compound command (subshell, group, if, for, while, case)");
    }
    let mut eff = redirect_effect(cmd, env);
    if let Some(w) = substitution(cmd) {
        match substitutions_effect(table, cmd, env) {
            Some(inner) => eff.merge(inner),
            None => {
                return Effect::unknown(format!(
                    "`{w}` runs a command substitution, whose effects dockopt does not follow"
                ))
            }
        }
    }
    if cmd.words.is_empty() {
        eff.state = true;
        return eff;
    }
    let mut words: &[shell::Word] = &cmd.words;
    if !words[0].literal {
        return Effect::unknown(format!(
            "the program `{}` is only known at run time",
            words[0].text
        ));
    }
    // `python -m pip ...` is pip.
    if matches!(program_name(&words[0].text), "python" | "py")
        && words.len() > 2
        && words[1].text == "-m"
    {
        words = &words[2..];
    }
    let program = program_name(&words[0].text);
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    let first_positional = texts[1..]
        .iter()
        .enumerate()
        .find(|(i, w)| !w.starts_with('-') || (*i == 0 && **w == "--"))
        .map(|(_, w)| *w);
    let Some(entry) = table.find(program, first_positional, &texts) else {
        if preset_prelude {
            // A preset vouches for it: tool configuration that reads no project file.
            let home = env.home.clone().unwrap_or_else(|| "/".into());
            eff.writes.push(PathPat::Tree(home));
            return eff;
        }
        return Effect::unknown(format!(
            "dockopt does not know what `{}` reads and writes",
            texts[..texts.len().min(2)].join(" ")
        ));
    };
    if let Some(w) = words[1..].iter().find(|w| w.text.contains("$(")) {
        if !argument_blind(entry) {
            return Effect::unknown(format!(
                "`{}` may expand to flags or several arguments of `{}`, whose effects depend on them",
                w.text, texts[0]
            ));
        }
    }
    eff.merge(entry_effect(entry, words, env));
    eff.reads.pats.extend(glob_reads(&words[1..], env));
    if let Some(dir) = cmd.cd_target() {
        match env.resolve(dir) {
            Some(d) => eff.needs_dirs.push(d),
            None => eff.needs_dirs.push("/".into()),
        }
    }
    eff
}

/// The directories the shell lists to expand the glob words among `words`,
/// whatever role the command gives them: `echo * > list` reads the working
/// directory's entries. A variable's known value may hold the glob.
fn glob_reads(words: &[shell::Word], env: &ShellEnv) -> Vec<PathPat> {
    let globs = |t: &str| t.contains(['*', '?', '[']);
    words
        .iter()
        .filter(|w| !w.literal)
        .filter_map(|w| {
            let value = match expand(&w.text, env.vars) {
                Some(v) if globs(&v) => v,
                _ if globs(&w.text) => w.text.clone(),
                _ => return None,
            };
            Some(env.pattern(&value, false, false))
        })
        .collect()
}

/// A word of `cmd` (argument, assignment or redirection target) that runs a
/// command substitution (`$(...)` or backquotes) when expanded.
fn substitution(cmd: &shell::Command) -> Option<&str> {
    cmd.words
        .iter()
        .chain(&cmd.assignments)
        .chain(cmd.redirects.iter().map(|r| &r.target))
        .find(|w| !w.literal && (w.text.contains("$(") || w.text.contains('`')))
        .map(|w| w.text.as_str())
}

/// An entry whose effect no argument changes: no path role and no flag that
/// reads, writes, recurses or selects it. A substitution's value may be any
/// number of words, flags among them (`chmod $(echo -R) 700 /app` is
/// recursive), so only such a command is followed with one in its arguments.
fn argument_blind(entry: &Entry) -> bool {
    let no_role = |r: Option<Role>| matches!(r, None | Some(Role::None));
    entry.args == Role::None
        && no_role(entry.first)
        && no_role(entry.last)
        && entry.default_path.is_none()
        && [
            &entry.require_flags,
            &entry.write_if_flags,
            &entry.recursive_flags,
            &entry.read_flags,
            &entry.write_flags,
            &entry.cwd_write_if,
        ]
        .iter()
        .all(|l| l.is_empty())
        && entry.cwd_write_unless.is_none()
}

/// What the `$(...)` substitutions of `cmd`'s words run, when every command
/// in them is in the table. Their output is a value dockopt does not know: the
/// words holding them are not literal, so used as paths they are anything.
/// Backquotes are not followed (a backquoted word would read as a literal path).
fn substitutions_effect(
    table: &CommandTable,
    cmd: &shell::Command,
    env: &ShellEnv,
) -> Option<Effect> {
    let mut eff = Effect {
        repeatable: true,
        ..Effect::default()
    };
    let words = cmd
        .words
        .iter()
        .chain(&cmd.assignments)
        .chain(cmd.redirects.iter().map(|r| &r.target))
        .filter(|w| !w.literal);
    for w in words {
        if w.text.contains('`') {
            return None;
        }
        for inner in inner_scripts(&w.text)? {
            let script = shell::parse(inner);
            if !script.problems.is_empty() {
                return None;
            }
            for c in &script.commands {
                let e = effect(table, c, env, false);
                if e.unknown.is_some() || e.state {
                    return None;
                }
                eff.merge(e);
            }
        }
    }
    Some(eff)
}

/// The texts inside each top-level `$(...)` of `word`; `None` when one is
/// unbalanced, or holds quotes or `$((` arithmetic (not followed).
fn inner_scripts(word: &str) -> Option<Vec<&str>> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(at) = rest.find("$(") {
        let body = &rest[at + 2..];
        if body.starts_with('(') {
            return None;
        }
        let mut depth = 1usize;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match c {
                '\'' | '"' | '\\' | '`' => return None,
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let end = end?;
        out.push(&body[..end]);
        rest = &body[end + 1..];
    }
    Some(out)
}

fn redirect_effect(cmd: &shell::Command, env: &ShellEnv) -> Effect {
    let mut eff = Effect {
        repeatable: true,
        ..Effect::default()
    };
    for r in &cmd.redirects {
        let t = &r.target;
        if is_device(&t.text) {
            continue;
        }
        if r.writes() {
            let pat = env.pattern(&t.text, t.literal, false);
            push_parent(&mut eff, &pat);
            eff.writes.push(pat);
            eff.repeatable = false;
        }
        if r.reads() {
            eff.reads.push(env.pattern(&t.text, t.literal, false));
        }
    }
    eff
}

/// Flags and positional arguments of a command, read with its entry.
struct Args<'w> {
    /// Flags as written, for presence checks.
    flags: Vec<&'w str>,
    positionals: Vec<&'w shell::Word>,
    recursive: bool,
    write_mode: bool,
    flag_reads: Vec<&'w str>,
    flag_writes: Vec<&'w str>,
}

fn parse_args<'w>(entry: &Entry, words: &'w [shell::Word]) -> Args<'w> {
    let mut a = Args {
        flags: Vec::new(),
        positionals: Vec::new(),
        recursive: entry.trees,
        write_mode: false,
        flag_reads: Vec::new(),
        flag_writes: Vec::new(),
    };
    let script_args = entry.sub.iter().any(|s| s == "--");
    let mut end_of_flags = false;
    let mut i = 1;
    while i < words.len() {
        let w = words[i].text.as_str();
        i += 1;
        if w == "--" && !end_of_flags {
            end_of_flags = !script_args;
            continue;
        }
        let mode_like = !entry.mode_flag_letters.is_empty()
            && !w.starts_with("--")
            && w.len() > 1
            && w[1..].chars().all(|c| entry.mode_flag_letters.contains(c));
        if end_of_flags || !w.starts_with('-') || w == "-" || mode_like {
            a.positionals.push(&words[i - 1]);
            continue;
        }
        a.flags.push(w);
        let (flag, inline) = match w.split_once('=') {
            Some((f, v)) if w.starts_with("--") => (f, Some(v)),
            _ => (w, None),
        };
        // Letters of a short-flag group count one by one (`-rf`, `sed -Ei`).
        let in_group = |list: &[String]| {
            list.iter().any(|f| f == flag)
                || (!flag.starts_with("--")
                    && list.iter().any(|f| {
                        f.len() == 2 && !f.starts_with("--") && flag[1..].contains(&f[1..])
                    }))
        };
        if in_group(&entry.recursive_flags) {
            a.recursive = true;
        }
        if in_group(&entry.write_if_flags) {
            a.write_mode = true;
        }
        // A group of short flags (getopt): the first letter that takes a
        // value takes the rest of the word (`pip install -cconstraints.txt`)
        // or, when it is the last letter, the next word (`curl -fsSLo FILE`).
        let short = short_value_flag(entry, flag);
        let (flag, inline) = match &short {
            Some((f, rest)) => (f.as_str(), rest.or(inline)),
            None => (flag, inline),
        };
        let has = |list: &[String]| list.iter().any(|f| f == flag);
        let mut value = || -> Option<&'w str> {
            inline.or_else(|| {
                let v = words.get(i).map(|w| w.text.as_str());
                i += 1;
                v
            })
        };
        if has(&entry.read_flags) {
            a.flag_reads.extend(value());
        } else if has(&entry.write_flags) {
            a.flag_writes.extend(value());
        } else if has(&entry.value_flags) && inline.is_none() {
            i += 1;
        }
    }
    if !entry.sub.is_empty() && !script_args && !a.positionals.is_empty() {
        a.positionals.remove(0);
    }
    a
}

/// In a short-flag group (`-fsSLo`, `-cFILE`), the first letter whose flag
/// takes a value, and the value attached after it, if any.
fn short_value_flag<'w>(entry: &Entry, word: &'w str) -> Option<(String, Option<&'w str>)> {
    if word.starts_with("--") || word.len() <= 2 {
        return None;
    }
    let lists = [&entry.read_flags, &entry.write_flags, &entry.value_flags];
    word.char_indices().skip(1).find_map(|(k, c)| {
        let f = lists
            .iter()
            .flat_map(|l| l.iter())
            .find(|f| f.len() == 2 && f.starts_with('-') && f[1..].starts_with(c))?;
        let rest = &word[k + c.len_utf8()..];
        Some((f.clone(), (!rest.is_empty()).then_some(rest)))
    })
}

fn entry_effect(entry: &Entry, words: &[shell::Word], env: &ShellEnv) -> Effect {
    let a = parse_args(entry, words);
    let mut eff = Effect {
        state: entry.state != StateChange::None,
        repeatable: entry.repeatable && !a.recursive,
        ..Effect::default()
    };
    let default_word = entry.default_path.as_ref().map(|p| shell::Word {
        text: p.clone(),
        literal: true,
        ..shell::Word::default()
    });
    let mut positionals = a.positionals.clone();
    // With no path argument (beyond a leading non-path one), the default path.
    let paths_given = positionals.len() > usize::from(entry.first == Some(Role::None));
    if let (Some(d), false) = (&default_word, paths_given) {
        positionals.push(d);
    }
    let n = positionals.len();
    // `cp -t DIR a b`: the destination is the flag's value, not the last argument.
    let last = if a.flag_writes.is_empty() {
        entry.last
    } else {
        None
    };
    for (idx, w) in positionals.iter().enumerate() {
        let mut role = match (idx, entry.first, last) {
            (0, Some(r), _) => r,
            (i, _, Some(r)) if i + 1 == n && n > 1 => r,
            _ => entry.args,
        };
        if a.write_mode && role == Role::Read {
            role = Role::ReadWrite;
        }
        if !w.literal && role != Role::None {
            eff.repeatable = false;
        }
        apply_role(&mut eff, role, w, a.recursive, entry, env);
        // `ln -s TARGET` makes ./basename(TARGET).
        if let (Some(r), 1) = (last, n) {
            let base = w
                .text
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .unwrap_or("");
            if !base.is_empty() {
                let linked = shell::Word {
                    text: base.to_string(),
                    literal: w.literal,
                    ..shell::Word::default()
                };
                apply_role(&mut eff, r, &linked, a.recursive, entry, env);
            }
        }
    }
    for v in a.flag_reads {
        eff.reads.push(env.pattern(v, true, true));
    }
    for v in a.flag_writes {
        let pat = env.pattern(v, true, true);
        push_parent(&mut eff, &pat);
        eff.writes.push(pat);
    }
    let flag_present = |list: &[String]| {
        a.flags.iter().any(|w| {
            list.iter().any(|f| {
                *w == f
                    || w.starts_with(&format!("{f}="))
                    || (f.len() == 2 && !w.starts_with("--") && w[1..].contains(&f[1..]))
            })
        })
    };
    let cwd_write = flag_present(&entry.cwd_write_if)
        || entry
            .cwd_write_unless
            .as_ref()
            .is_some_and(|l| !flag_present(l));
    if cwd_write {
        eff.writes.push(env.pattern(".", true, true));
    }
    fixed_paths(entry, env, &mut eff);
    eff
}

/// A write needs its parent directory to exist.
fn push_parent(eff: &mut Effect, pat: &PathPat) {
    let p = pat.path();
    if let Some((parent, _)) = p.rsplit_once('/') {
        let parent = if parent.is_empty() { "/" } else { parent };
        if p != "/" && !eff.needs_dirs.iter().any(|d| d == parent) {
            eff.needs_dirs.push(parent.to_string());
        }
    }
}

fn apply_role(
    eff: &mut Effect,
    role: Role,
    w: &shell::Word,
    recursive: bool,
    entry: &Entry,
    env: &ShellEnv,
) {
    match role {
        Role::None => {}
        Role::Read => eff.reads.push(env.pattern(&w.text, w.literal, recursive)),
        Role::Write => {
            let pat = env.pattern(&w.text, w.literal, recursive);
            push_parent(eff, &pat);
            eff.writes.push(pat);
        }
        Role::ReadWrite => {
            let pat = env.pattern(&w.text, w.literal, recursive);
            push_parent(eff, &pat);
            eff.reads.push(pat.clone());
            eff.writes.push(pat);
        }
        Role::EnsureDir => match env.pattern(&w.text, w.literal, false) {
            PathPat::Exact(p) => eff.ensures.push(p),
            tree => eff.writes.push(tree),
        },
        Role::Packages => {
            let explicit = entry.package_paths == PackagePaths::Explicit;
            if let Some(p) = package_path(&w.text) {
                if !explicit || !w.literal || looks_like_path(p) {
                    eff.reads.push(env.pattern(p, w.literal, true));
                }
            }
        }
    }
}

/// A package argument written as a path: `./x`, `../x`, `/x`, `~/x`, `a/b`
/// (not an npm `@scope/name`), `.`, or a package file name.
fn looks_like_path(p: &str) -> bool {
    const FILES: &[&str] = &[
        ".deb", ".rpm", ".apk", ".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip",
        ".gem", ".crate", ".egg", ".nupkg",
    ];
    p == "."
        || p.starts_with(['.', '/', '~'])
        || (p.contains('/') && !p.starts_with('@'))
        || FILES.iter().any(|x| p.ends_with(x))
}

/// The local path a package argument may name (`./tools/cli`, `libs/x`,
/// `.[dev]`, `file:x.tgz`); `None` for a URL.
fn package_path(arg: &str) -> Option<&str> {
    if arg.contains("://") || arg.starts_with("git+") {
        return None;
    }
    let arg = arg.strip_prefix("file:").unwrap_or(arg);
    let arg = match arg.find('[') {
        Some(i) if arg.ends_with(']') => &arg[..i],
        _ => arg,
    };
    (!arg.is_empty()).then_some(arg)
}

/// The XDG base directories a home path stands for when their variable is
/// set: `~/.config/pip` is `$XDG_CONFIG_HOME/pip` then (pip, uv, poetry,
/// pnpm, go... follow the XDG spec); both are kept, the table's path too.
const XDG_DIRS: [(&str, &str); 4] = [
    ("~/.config", "XDG_CONFIG_HOME"),
    ("~/.cache", "XDG_CACHE_HOME"),
    ("~/.local/share", "XDG_DATA_HOME"),
    ("~/.local/state", "XDG_STATE_HOME"),
];

/// `path` under the XDG directory its variable names, when it is set (a
/// value not known literally: everything).
fn xdg_instead(path: &str, env: &ShellEnv) -> Option<PathPat> {
    XDG_DIRS.iter().find_map(|(home_dir, var)| {
        let rest = path.strip_prefix(home_dir)?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        match env.vars.get(*var)? {
            Some(dir) if dir.starts_with('/') => {
                Some(PathPat::Tree(clean_abs(&format!("{dir}{rest}"))))
            }
            _ => Some(PathPat::Tree("/".into())),
        }
    })
}

/// The entry's fixed paths, upward reads and variables naming paths.
fn fixed_paths(entry: &Entry, env: &ShellEnv, eff: &mut Effect) {
    for r in &entry.reads {
        eff.reads.push(env.pattern(r, true, true));
        if let Some(x) = xdg_instead(r, env) {
            eff.reads.push(x);
        }
    }
    for w in &entry.writes {
        eff.writes.push(env.pattern(w, true, true));
        if let Some(x) = xdg_instead(w, env) {
            eff.writes.push(x);
        }
    }
    if let Some(cwd) = &env.cwd {
        let mut dir = cwd.as_str();
        loop {
            for f in &entry.reads_upward {
                eff.reads
                    .push(PathPat::Exact(clean_abs(&format!("{dir}/{f}"))));
            }
            if dir == "/" {
                break;
            }
            dir = match dir.rfind('/') {
                Some(0) | None => "/",
                Some(i) => &dir[..i],
            };
        }
    } else if !entry.reads_upward.is_empty() {
        eff.reads.push(PathPat::Tree("/".into()));
    }
    for (vars, set) in [
        (&entry.env_reads, &mut eff.reads),
        (&entry.env_writes, &mut eff.writes),
    ] {
        for v in vars {
            match env.vars.get(v) {
                None => {}
                Some(Some(val)) => set.push(env.pattern(val, true, true)),
                Some(None) => set.push(PathPat::Tree("/".into())),
            }
        }
    }
    if entry.path_env_writes {
        for d in env.path_dirs {
            if let Some(prefix) = d.strip_suffix("/bin") {
                if !prefix.is_empty() && !matches!(prefix, "/usr" | "/usr/local" | "") {
                    eff.writes.push(PathPat::Tree(prefix.to_string()));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eff_of(src: &str, cwd: &str) -> Effect {
        let vars = Vars::new();
        let env = ShellEnv {
            cwd: Some(cwd.into()),
            vars: &vars,
            home: Some("/root".into()),
            path_dirs: &[],
        };
        let s = shell::parse(src);
        let t = CommandTable::builtin();
        let mut e = Effect {
            repeatable: true,
            ..Effect::default()
        };
        for c in &s.commands {
            e.merge(effect(&t, c, &env, false));
        }
        e
    }

    #[test]
    fn rm_writes_its_arguments_and_recursion_makes_trees() {
        let e = eff_of("rm -f package-lock.json", "/app");
        assert_eq!(
            e.writes.pats,
            [PathPat::Exact("/app/package-lock.json".into())]
        );
        let e = eff_of("rm -rf node_modules /var/lib/apt/lists/*", "/app");
        assert_eq!(
            e.writes.pats,
            [
                PathPat::Tree("/app/node_modules".into()),
                PathPat::Tree("/var/lib/apt/lists".into())
            ]
        );
    }

    #[test]
    fn chmod_skips_the_mode_and_is_repeatable_only_without_recursion() {
        let e = eff_of("chmod +x mvnw", "/app");
        assert_eq!(e.writes.pats, [PathPat::Exact("/app/mvnw".into())]);
        assert!(e.repeatable);
        let e = eff_of("chown -R node:node /app", "/");
        assert_eq!(e.writes.pats[0], PathPat::Tree("/app".into()));
        assert!(!e.repeatable);
    }

    #[test]
    fn apt_install_reads_local_package_files_only() {
        let e = eff_of("apt-get install -y --no-install-recommends ffmpeg", "/app");
        assert!(e.unknown.is_none());
        assert!(e.writes.pats.contains(&PathPat::Tree("/usr/lib".into())));
        // A package name is not read as a path (only `./x`, `a/b`, `x.deb` are).
        assert!(e.reads.pats.is_empty(), "{:?}", e.reads);
        let e = eff_of("apt-get install -y ./vendor/x.deb", "/app");
        assert_eq!(e.reads.pats, [PathPat::Tree("/app/vendor/x.deb".into())]);
    }

    #[test]
    fn pip_and_npm_global_installs_read_path_arguments() {
        let e = eff_of("pip install --no-cache-dir poetry==1.8", "/app");
        assert!(e.unknown.is_none());
        let e = eff_of("pip install -c constraints.txt '.[dev]'", "/app");
        assert!(e
            .reads
            .pats
            .contains(&PathPat::Tree("/app/constraints.txt".into())));
        assert!(e.reads.pats.contains(&PathPat::Tree("/app".into())));
        let e = eff_of("npm install -g ./tools/cli", "/app");
        assert!(e
            .reads
            .pats
            .contains(&PathPat::Tree("/app/tools/cli".into())));
        let e = eff_of("python3 -m pip install --target . x", "/app");
        assert!(e.writes.pats.contains(&PathPat::Tree("/app".into())));
    }

    #[test]
    fn unknown_commands_block_and_cd_changes_state() {
        assert!(eff_of("gradle wrapper", "/app").unknown.is_some());
        assert!(eff_of("npm run build", "/app").unknown.is_some());
        assert!(eff_of("if true; then :; fi", "/app").unknown.is_some());
        let e = eff_of("cd sub", "/app");
        assert!(e.state && e.is_pure());
    }

    #[test]
    fn redirections_write_their_targets() {
        let e = eff_of("echo x > /etc/motd 2>&1", "/app");
        assert_eq!(e.writes.pats, [PathPat::Exact("/etc/motd".into())]);
        let e = eff_of("echo x >/dev/null", "/app");
        assert!(e.is_pure());
    }

    #[test]
    fn the_composer_installer_writes_its_install_dir() {
        let e = eff_of(
            "curl -sS https://getcomposer.org/installer | php -- --install-dir=/usr/local/bin --filename=composer",
            "/app",
        );
        assert!(e.unknown.is_none(), "{e:?}");
        assert!(e
            .writes
            .pats
            .contains(&PathPat::Tree("/usr/local/bin".into())));
        assert!(!e.reads.pats.iter().any(|p| p.path().starts_with("/app")));
    }

    #[test]
    fn apt_repository_setup_touches_only_system_paths() {
        let e = eff_of(
            "install -d /etc/apt/keyrings && curl -fsSL https://x/k.asc | gpg --dearmor -o /etc/apt/keyrings/k.gpg && echo deb | tee /etc/apt/sources.list.d/k.list",
            "/app",
        );
        assert!(e.unknown.is_none(), "{e:?}");
        assert_eq!(e.ensures, ["/etc/apt/keyrings"]);
        assert!(e
            .writes
            .pats
            .contains(&PathPat::Tree("/etc/apt/keyrings/k.gpg".into())));
        assert!(e
            .writes
            .pats
            .contains(&PathPat::Exact("/etc/apt/sources.list.d/k.list".into())));
        assert!(!e
            .writes
            .pats
            .iter()
            .chain(&e.reads.pats)
            .any(|p| p.path().starts_with("/app")));
    }

    #[test]
    fn flag_groups_and_value_flags_are_read_like_the_tools() {
        // `sed -Ei` edits in place; `-fsSLo FILE` names curl's output.
        let e = eff_of("sed -Ei s/a/b/ package.json", "/app");
        assert!(e
            .writes
            .pats
            .contains(&PathPat::Exact("/app/package.json".into())));
        let e = eff_of("curl -fsSLo w.sh https://x/w.sh", "/app");
        assert!(e.writes.pats.contains(&PathPat::Tree("/app/w.sh".into())));
        // `cat -n FILE` reads FILE (no value flag); `cp -t DIR a` writes DIR.
        let e = eff_of("cat -n VERSION", "/app");
        assert_eq!(e.reads.pats, [PathPat::Exact("/app/VERSION".into())]);
        let e = eff_of("cp -t /app/conf /etc/group", "/");
        assert!(e.writes.pats.contains(&PathPat::Tree("/app/conf".into())));
        // System package managers read their configuration and local repositories.
        let e = eff_of("apt-get install -y -c ./apt.conf curl", "/app");
        assert!(e.reads.pats.iter().any(|p| p.path() == "/app/apt.conf"));
        let e = eff_of("apk add -X ./packages --allow-untrusted tool", "/app");
        assert!(e.reads.pats.iter().any(|p| p.path() == "/app/packages"));
        // A value attached to a short flag (`-cFILE`, `-tDIR`) is that flag's value.
        let e = eff_of("pip install black -cconstraints.txt", "/app");
        assert!(e
            .reads
            .pats
            .iter()
            .any(|p| p.path() == "/app/constraints.txt"));
        let e = eff_of("cp -t/app/conf /etc/group", "/");
        assert!(e.writes.pats.contains(&PathPat::Tree("/app/conf".into())));
        // A command substitution runs its commands: their effects count, and
        // its value is unknown; one dockopt cannot follow makes all unknown.
        let e = eff_of("echo \"$(cat VERSION)\" > /etc/v", "/app");
        assert!(e.unknown.is_none(), "{:?}", e.unknown);
        assert!(e.reads.pats.iter().any(|p| p.path() == "/app/VERSION"));
        assert!(e.writes.pats.iter().any(|p| p.path() == "/etc/v"));
        let e = eff_of("echo -j$(nproc) $(uname -m)", "/app");
        assert!(e.unknown.is_none() && e.reads.pats.is_empty() && e.writes.pats.is_empty());
        assert!(eff_of("echo $(curl -s x | sh)", "/app").unknown.is_some());
        assert!(eff_of("echo `nproc`", "/app").unknown.is_some());
        assert!(eff_of("echo $(cd /x && pwd)", "/app").unknown.is_some());
        assert!(eff_of("echo $((1 + 2))", "/app").unknown.is_some());
        // A substitution may be any words, flags among them: it is followed
        // only in the arguments of a command no argument changes.
        assert!(eff_of("rm -rf $(nproc)", "/app").unknown.is_some());
        assert!(eff_of("chmod $(echo -R) 700 /app", "/app")
            .unknown
            .is_some());
        assert!(eff_of("grep $(echo -r) foo", "/app").unknown.is_some());
        assert!(eff_of("useradd $(echo -d /app/x) bob", "/")
            .unknown
            .is_some());
        // The shell lists a glob's directory, whatever the command makes of
        // the words; du walks the whole tree.
        let e = eff_of("echo * > /listing", "/app");
        assert!(e.reads.pats.contains(&PathPat::Tree("/app".into())));
        let e = eff_of("printf %s src/*.js", "/app");
        assert!(e.reads.pats.contains(&PathPat::Tree("/app/src".into())));
        assert!(eff_of("echo 'a*b' > /x", "/app").reads.pats.is_empty());
        let e = eff_of("du -s .", "/app");
        assert!(e.reads.pats.contains(&PathPat::Tree("/app".into())));
        let e = eff_of("docker-php-ext-install -j$(nproc) gd", "/app");
        assert!(e.unknown.is_none(), "{:?}", e.unknown);
    }

    #[test]
    fn mkdir_ensures_directories() {
        let e = eff_of("mkdir -p logs /data", "/app");
        assert_eq!(e.ensures, ["/app/logs", "/data"]);
        assert!(e.writes.pats.is_empty());
    }
}
