//! Compose files name a build context for a Dockerfile
//! (`services.<name>.build.context` + `build.dockerfile`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use yaml_rust2::{Yaml, YamlLoader};

pub const FILE_NAMES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];

/// A context mapping found in a compose file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposeContext {
    pub context: PathBuf,
    pub compose_file: PathBuf,
    pub service: String,
}

/// Read one compose file: absolute Dockerfile path → its context.
/// Unreadable or unparsable compose files yield nothing (they are not ours to judge).
pub fn read(path: &Path) -> BTreeMap<PathBuf, ComposeContext> {
    let mut out = BTreeMap::new();
    let Ok(text) = crate::input::read_config_text(path) else {
        return out;
    };
    let Ok(docs) = YamlLoader::load_from_str(&text) else {
        return out;
    };
    let base = crate::config::absolute(path.parent().unwrap_or(Path::new(".")));
    for doc in docs {
        let Yaml::Hash(services) = &doc["services"] else {
            continue;
        };
        for (name, svc) in services {
            let Some(name) = name.as_str() else { continue };
            let (ctx, dockerfile) = match &svc["build"] {
                Yaml::String(s) => (s.as_str(), "Dockerfile"),
                Yaml::Hash(_) => {
                    let b = &svc["build"];
                    (
                        b["context"].as_str().unwrap_or("."),
                        b["dockerfile"].as_str().unwrap_or("Dockerfile"),
                    )
                }
                _ => continue,
            };
            if ctx.contains("://") || ctx.contains('$') || dockerfile.contains('$') {
                continue; // remote or interpolated contexts: not resolvable here
            }
            let ctx_dir = clean(&base.join(ctx));
            let df = clean(&ctx_dir.join(dockerfile));
            out.insert(
                df,
                ComposeContext {
                    context: ctx_dir,
                    compose_file: path.to_path_buf(),
                    service: name.to_string(),
                },
            );
        }
    }
    out
}

/// Lexical clean: drop `.`, resolve `..`.
pub fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_build_forms() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("compose.yaml");
        std::fs::write(
            &f,
            "services:\n  api:\n    build:\n      context: .\n      dockerfile: services/api/Dockerfile\n  web:\n    build: ./web\n  db:\n    image: postgres\n",
        )
        .unwrap();
        let m = read(&f);
        let base = crate::config::absolute(dir.path());
        let api = &m[&base.join("services/api/Dockerfile")];
        assert_eq!(api.context, base);
        assert_eq!(api.service, "api");
        assert_eq!(m[&base.join("web/Dockerfile")].context, base.join("web"));
        assert_eq!(m.len(), 2);
    }
}
