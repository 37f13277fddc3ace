//! Properties of the rewrite over generated Dockerfiles: no panic, a fixed
//! point after one fix, lines that are not COPY/ADD/RUN untouched and in
//! order, and every COPY/ADD line kept byte for byte (moved, not altered).

use dockopt::context::BuildContext;
use dockopt::engine::{self, Options};
use dockopt::preset::Presets;
use proptest::prelude::*;

fn context() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let w = |p: &str, s: &str| {
        let p = t.path().join(p);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    w("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}");
    w("package-lock.json", "{}");
    w("requirements.txt", "-r base.txt\nflask\n");
    w("base.txt", "requests\n");
    w(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    );
    w("Cargo.lock", "version = 3\n");
    w("src/main.rs", "fn main() {}\n");
    w("app/package.json", "{\"name\":\"y\"}");
    t
}

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("FROM node:20 AS build".to_string()),
        Just("FROM python:3.12".to_string()),
        Just("WORKDIR /app".to_string()),
        Just("WORKDIR sub".to_string()),
        Just("COPY . .".to_string()),
        Just("COPY . /app".to_string()),
        Just("copy --chown=1:1 . .".to_string()),
        Just("ADD . /srv".to_string()),
        Just("COPY ./app /app".to_string()),
        Just("COPY --from=build /app /app".to_string()),
        Just("RUN npm ci".to_string()),
        Just("RUN npm install && npm run build".to_string()),
        Just("run cd /app && npm ci && npm test".to_string()),
        Just("RUN pip install -r requirements.txt".to_string()),
        Just("RUN pip install -r /srv/requirements.txt && python -m compileall .".to_string()),
        Just("RUN cargo build --release".to_string()),
        Just("RUN make".to_string()),
        Just("RUN npm ci; npm run build".to_string()),
        Just("ENV NODE_ENV=production".to_string()),
        Just("ARG X".to_string()),
        Just("USER node".to_string()),
        Just("EXPOSE 3000".to_string()),
        Just("# a comment".to_string()),
        Just("".to_string()),
        Just("CMD [\"node\", \"server.js\"]".to_string()),
    ]
}

fn is_moving(l: &str) -> bool {
    let k = l
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    matches!(k.as_str(), "COPY" | "ADD" | "RUN")
}

/// Each line's COPY/ADD, if it is one: (the words before the destination, the
/// destination resolved against the WORKDIRs above it, whether it was written
/// absolutely).
fn copies_by_line(src: &str) -> Vec<Option<(Vec<String>, String, bool)>> {
    let mut wd = String::from("/");
    let mut out = Vec::new();
    for l in src.split_inclusive('\n') {
        let words: Vec<&str> = l.split_whitespace().collect();
        let k = words
            .first()
            .map(|w| w.to_ascii_uppercase())
            .unwrap_or_default();
        let resolve = |wd: &str, p: &str| {
            let joined = if p.starts_with('/') {
                p.to_string()
            } else {
                format!("{wd}/{p}")
            };
            let parts: Vec<&str> = joined
                .split('/')
                .filter(|s| !s.is_empty() && *s != ".")
                .collect();
            format!("/{}", parts.join("/"))
        };
        match k.as_str() {
            "FROM" => wd = String::from("/"),
            "WORKDIR" => wd = resolve(&wd, words[1]),
            "COPY" | "ADD" => {
                let (dest, head) = words.split_last().unwrap();
                let head = head.iter().map(|w| w.to_string()).collect();
                out.push(Some((head, resolve(&wd, dest), dest.starts_with('/'))));
                continue;
            }
            _ => {}
        }
        out.push(None);
    }
    out
}

fn copies(src: &str) -> Vec<(Vec<String>, String, bool)> {
    copies_by_line(src).into_iter().flatten().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn rewrite_properties(lines in proptest::collection::vec(line(), 1..14), crlf in any::<bool>()) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let src = format!("{}{nl}", lines.join(nl));
        let ctx_dir = context();
        let ctx = BuildContext::open(ctx_dir.path(), &ctx_dir.path().join("Dockerfile")).unwrap();
        let presets = Presets::builtin();
        let opts = Options { presets: &presets, unsafe_fixes: true, disabled_rules: &[] };
        let out = engine::process(&src, Some(&ctx), &opts).unwrap();
        if let Some(fixed) = &out.fixed {
            // Fixed point.
            let again = engine::process(fixed, Some(&ctx), &opts).unwrap();
            prop_assert!(again.fixed.is_none(), "second run changed:\n{fixed}");
            // Untouched lines identical and in order.
            let keep = |s: &str| -> Vec<String> {
                s.split_inclusive('\n').filter(|l| !is_moving(l)).map(str::to_string).collect()
            };
            prop_assert_eq!(keep(&src), keep(fixed));
            // Every original COPY/ADD line survives: byte for byte, or, when the
            // fix moved it past a WORKDIR, with the same keyword, flags and
            // sources and an absolute destination naming the same directory.
            let moved = copies(fixed);
            for (l, c) in src.split_inclusive('\n').zip(copies_by_line(&src)) {
                let Some(c) = c else { continue };
                prop_assert!(
                    fixed.contains(l) || moved.iter().any(|m| m.0 == c.0 && m.1 == c.1 && m.2),
                    "lost {l:?} in\n{fixed}"
                );
            }
            // Line endings stay as they were.
            if crlf {
                prop_assert!(!fixed.replace("\r\n", "").contains('\n'));
            }
        }
    }
}
