//! What dockopt knows of official base images (`images/workdirs.toml`): the
//! WORKDIR a stage built FROM one starts in.

use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    image: Vec<Image>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Image {
    names: Vec<String>,
    workdir: String,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The TOML, converted to JSON by build.rs (same schema, faster to read).
        serde_json::from_str(include_str!(concat!(env!("OUT_DIR"), "/workdirs.json")))
            .expect("images/workdirs.toml is valid (checked by a test)")
    })
}

/// The repository of an official Docker Hub image (`python` for
/// `docker.io/library/python:3.12-slim@sha256:...`); `None` for another
/// registry or namespace, a name built from variables, or a Windows variant.
pub fn official(image: &str) -> Option<&str> {
    if image.contains('$') {
        return None;
    }
    let image = image.split('@').next().unwrap_or(image);
    let (name, tag) = match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name, tag),
        _ => (image, ""),
    };
    let tag = tag.to_ascii_lowercase();
    if tag.contains("windowsservercore") || tag.contains("nanoserver") {
        return None;
    }
    let name = ["docker.io/", "index.docker.io/", "registry-1.docker.io/"]
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// The WORKDIR of `image` when the table knows it.
pub fn workdir(image: &str) -> Option<&'static str> {
    let name = official(image)?.to_ascii_lowercase();
    table()
        .image
        .iter()
        .find(|i| i.names.contains(&name))
        .map(|i| i.workdir.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_table_equals_its_toml() {
        let from_toml: Table = toml::from_str(include_str!("../images/workdirs.toml")).unwrap();
        assert_eq!(format!("{:?}", table()), format!("{from_toml:?}"));
    }

    #[test]
    fn the_table_parses_and_holds_absolute_directories() {
        assert!(!table().image.is_empty());
        assert!(table().image.iter().all(|i| i.workdir.starts_with('/')));
    }

    #[test]
    fn only_official_linux_images_are_known() {
        for image in [
            "python",
            "python:3.10",
            "python:3.12-slim-bookworm",
            "docker.io/library/python:3.11",
            "library/python@sha256:abc",
        ] {
            assert_eq!(workdir(image), Some("/"), "{image}");
        }
        for image in [
            "myorg/python:3.10",
            "ghcr.io/x/python:3",
            "localhost:5000/python:3",
            "python:3.12-windowsservercore-ltsc2022",
            "${BASE}",
            "node:20",
        ] {
            assert_eq!(workdir(image), None, "{image}");
        }
    }
}
