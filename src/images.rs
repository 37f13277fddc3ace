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
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Image {
    names: Vec<String>,
    workdir: String,
    /// The entry holds only for tags with one of these word sequences
    /// (`fpm`, `eclipse-temurin`); empty: for every tag.
    #[serde(default)]
    tags_with: Vec<String>,
    /// With `tags-with`: it also holds for a plain tag (none, `latest`, a
    /// version such as `3.9.6`), the image's default variant.
    #[serde(default)]
    plain_tags: bool,
    /// Tags with one of these word sequences are not known (a base image
    /// whose Dockerfile was not checked): no WORKDIR is assumed.
    #[serde(default)]
    unknown_with: Vec<String>,
}

impl Image {
    fn holds_for(&self, tag: &Tag) -> bool {
        self.tags_with.is_empty()
            || self.tags_with.iter().any(|p| tag.has(p))
            || (self.plain_tags && tag.is_plain())
    }
}

/// An image reference's tag, split into its `-`-separated words.
struct Tag {
    words: Vec<String>,
    /// Pinned by a digest only (`php@sha256:...`): the variant is unknown.
    digest_only: bool,
}

impl Tag {
    /// Does the tag hold `pattern`'s words in a row? A pattern word ending
    /// in `*` matches any word it begins (`ubi*` matches `ubi9`).
    fn has(&self, pattern: &str) -> bool {
        let want: Vec<&str> = pattern.split('-').collect();
        self.words.windows(want.len()).any(|w| {
            w.iter()
                .zip(&want)
                .all(|(word, p)| match p.strip_suffix('*') {
                    Some(prefix) => word.starts_with(prefix),
                    None => word == p,
                })
        })
    }

    /// No tag, `latest`, or a version (`3`, `3.9.6`): the default variant.
    fn is_plain(&self) -> bool {
        !self.digest_only
            && self.words.iter().all(|w| {
                w.is_empty() || w == "latest" || w.chars().all(|c| c.is_ascii_digit() || c == '.')
            })
    }
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

/// The repository of an image dockopt may know, and its tag: an official
/// Docker Hub image by its short name (`python` for
/// `docker.io/library/python:3.12-slim@sha256:...`), another by its full
/// name (`mcr.microsoft.com/dotnet/sdk`); `None` for a name built from
/// variables or a Windows variant. Only names the table lists are known.
fn repository(image: &str) -> Option<(String, Tag)> {
    if image.contains('$') {
        return None;
    }
    let (image, digest) = match image.split_once('@') {
        Some((name, _)) => (name, true),
        None => (image, false),
    };
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
    let tag = Tag {
        digest_only: digest && tag.is_empty(),
        words: tag.split('-').map(str::to_string).collect(),
    };
    (!name.is_empty()).then(|| (name.to_ascii_lowercase(), tag))
}

/// The WORKDIR of `image` when the table knows it: the first entry naming
/// the image that holds for its tag. An image whose entries depend on the
/// tag is unknown when pinned by a digest alone.
pub fn workdir(image: &str) -> Option<&'static str> {
    let (name, tag) = repository(image)?;
    let mut entries = table().image.iter().filter(|i| i.names.contains(&name));
    if tag.digest_only && entries.clone().any(|i| !i.tags_with.is_empty()) {
        return None;
    }
    let entry = entries.find(|i| i.holds_for(&tag))?;
    if entry.unknown_with.iter().any(|p| tag.has(p)) {
        return None;
    }
    Some(entry.workdir.as_str())
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
            "docker.io/myorg/node:20",
            "quay.io/dotnet/sdk:8.0",
            "dotnet/sdk:8.0",
        ] {
            assert_eq!(workdir(image), None, "{image}");
        }
    }

    #[test]
    fn variants_registries_and_digests() {
        let known = [
            ("golang:1.22-alpine", "/go"),
            ("docker.io/library/golang:1.22-bookworm@sha256:abc", "/go"),
            ("golang@sha256:abc", "/go"),
            ("php:8.2-apache", "/var/www/html"),
            ("php:8.3-fpm-alpine3.20", "/var/www/html"),
            ("php:apache-bookworm", "/var/www/html"),
            ("php:8.2", "/"),
            ("php:8.2-cli-alpine", "/"),
            ("php:8.3-zts", "/"),
            ("node:20-alpine", "/"),
            ("node:lts-bookworm-slim", "/"),
            ("ruby:3.3-slim", "/"),
            ("rust:1.79-slim-bookworm", "/"),
            ("openjdk:17-oracle", "/"),
            ("eclipse-temurin:21-jdk-jammy", "/"),
            ("amazoncorretto:17-al2023", "/"),
            ("maven:3.9.6", "/"),
            ("maven", "/"),
            ("maven:3.9-eclipse-temurin-17-alpine", "/"),
            ("maven:3.8.8-amazoncorretto-17", "/"),
            ("maven:3.6-jdk-11", "/"),
            ("maven:3-openjdk-17-slim", "/"),
            ("mcr.microsoft.com/dotnet/sdk:8.0", "/"),
            ("mcr.microsoft.com/dotnet/aspnet:8.0-bookworm-slim", "/"),
            ("mcr.microsoft.com/dotnet/sdk:8.0-alpine3.20", "/"),
        ];
        for (image, dir) in known {
            assert_eq!(workdir(image), Some(dir), "{image}");
        }
        for image in [
            "php@sha256:abc",
            "eclipse-temurin:21-jdk-ubi9-minimal",
            "maven:3.9-libericaopenjdk-17",
            "maven:3.9-graalvm-21",
            "maven:3.9-sapmachine-21",
            "maven@sha256:abc",
            "mcr.microsoft.com/dotnet/sdk:8.0-jammy",
            "mcr.microsoft.com/dotnet/sdk:8.0-azurelinux3.0",
            "mcr.microsoft.com/dotnet/sdk:8.0-nanoserver-1809",
            "golang:1.22-windowsservercore",
        ] {
            assert_eq!(workdir(image), None, "{image}");
        }
    }
}
