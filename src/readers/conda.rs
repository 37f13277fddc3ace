//! conda / mamba / micromamba: environment files (`environment.yml`) and spec
//! files (`conda install --file spec.txt`) named on the command line. In an
//! environment file's `pip:` section, `-r`/`-c` files are resolved relative
//! to the environment file (conda writes the section to a requirements file
//! next to it and runs pip on that) and followed like pip's own includes;
//! editables, local directories and archives (resolved from the working
//! directory) and local channels are refused. SEMANTICS.md §B.10.

use yaml_rust2::{Yaml, YamlLoader};

use super::pyproject::local_requirement;
use super::{escapes, join, parent, ReadInput, ReadOutput};

pub(super) fn read(input: &ReadInput) -> ReadOutput {
    let mut out = ReadOutput::default();
    for file in input.manifest_args {
        let Some(text) = input.ctx.read_to_string(file) else {
            continue; // missing or excluded: reported by the required-file check
        };
        let yaml = file.ends_with(".yml") || file.ends_with(".yaml");
        let result = if yaml {
            environment_file(input, file, &text, &mut out)
        } else {
            spec_file(file, &text)
        };
        if let Err(reason) = result {
            return ReadOutput::refuse(reason);
        }
    }
    out.required.sort();
    out.required.dedup();
    out.optional.sort();
    out.optional.dedup();
    out
}

/// An environment file: channels, conda dependencies and the `pip:` section.
fn environment_file(
    input: &ReadInput,
    file: &str,
    text: &str,
    out: &mut ReadOutput,
) -> Result<(), String> {
    let docs =
        YamlLoader::load_from_str(text).map_err(|e| format!("{file} is not valid YAML ({e})"))?;
    let Some(doc) = docs.first().filter(|d| d.as_hash().is_some()) else {
        return Err(format!(
            "{file} is not an environment file (no top-level mapping)"
        ));
    };
    for channel in doc["channels"].as_vec().into_iter().flatten() {
        let Some(c) = channel.as_str() else { continue };
        if local_path(c) {
            return Err(format!(
                "{file}: the channel `{c}` is a local directory dockopt does not copy"
            ));
        }
    }
    for dep in doc["dependencies"].as_vec().into_iter().flatten() {
        match dep {
            Yaml::String(spec) if local_package(spec) => {
                return Err(format!(
                    "{file}: the dependency `{spec}` is a local package, which needs the source"
                ));
            }
            Yaml::Hash(h) => {
                for (k, v) in h {
                    if k.as_str() != Some("pip") {
                        continue;
                    }
                    for entry in v.as_vec().into_iter().flatten() {
                        let line = match entry {
                            Yaml::String(s) => s.clone(),
                            Yaml::Integer(i) => i.to_string(),
                            Yaml::Real(r) => r.clone(),
                            _ => continue,
                        };
                        pip_entry(input, file, &line, out)?;
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// One entry of the `pip:` section, as a line of a requirements file.
fn pip_entry(
    input: &ReadInput,
    file: &str,
    line: &str,
    out: &mut ReadOutput,
) -> Result<(), String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some(first) = words.first() else {
        return Ok(());
    };
    let (opt, val) = match first.split_once('=') {
        Some((o, v)) if o.starts_with("--") => (o, Some(v.to_string())),
        _ if (first.starts_with("-r") || first.starts_with("-c"))
            && first.len() > 2
            && !first.starts_with("--") =>
        {
            (&first[..2], Some(first[2..].to_string()))
        }
        _ => (*first, words.get(1).map(|s| s.to_string())),
    };
    match opt {
        "-r" | "--requirement" | "-c" | "--constraint" => {
            let Some(v) = val else {
                return Err(format!("{file}: pip entry `{line}` names no file"));
            };
            if v.contains('$') {
                return Err(format!(
                    "{file}: pip entry `{line}` names a file through a variable"
                ));
            }
            if v.starts_with("file://") {
                return Err(format!(
                    "{file}: pip entry `{line}` names a file by an absolute URL dockopt does not resolve"
                ));
            }
            if v.contains("://") {
                return Ok(()); // read from the network
            }
            // conda's documented form `-r file:requirements.txt`: a relative file URL,
            // opened from the directory conda runs pip in (the environment file's).
            let v = v.strip_prefix("file:").unwrap_or(&v).to_string();
            let env_dir = parent(file);
            if escapes(env_dir, &v) {
                return Err(format!(
                    "{file}: pip entry `{line}` points outside the build context"
                ));
            }
            let inc = join(env_dir, &v);
            // Older micromamba resolved it from the working directory: copy that one too.
            let from_cwd = join(input.dir, &v);
            if from_cwd != inc && !escapes(input.dir, &v) && input.ctx.is_file(&from_cwd) {
                out.optional.push(from_cwd);
            }
            // The included file and everything it includes, checked like pip's.
            let nested = super::pip::read(&ReadInput {
                ctx: input.ctx,
                dir: input.dir,
                manifest_args: std::slice::from_ref(&inc),
                site: input.site,
            });
            if let Some(reason) = nested.refuse {
                return Err(reason.text);
            }
            out.required.push(inc);
            out.required.extend(nested.required);
            Ok(())
        }
        "-e" | "--editable" => Err(format!(
            "{file}: pip entry `{line}` installs in editable mode, which needs the source"
        )),
        "-f" | "--find-links" => match val {
            Some(v) if v.contains("://") && !v.starts_with("file:") => Ok(()),
            _ => Err(format!(
                "{file}: pip entry `{line}` reads local files dockopt does not copy"
            )),
        },
        o if o.starts_with('-') => Ok(()), // index URLs, --pre, ...
        _ => {
            let local = local_requirement(line).is_some()
                || (!line.contains("://")
                    && [".whl", ".tar.gz", ".zip"]
                        .iter()
                        .any(|x| first.ends_with(x)));
            if local {
                Err(format!(
                    "{file}: pip entry `{line}` installs a local path, which needs the source"
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// A spec file (`conda create --file spec.txt`, `@EXPLICIT` lists): package
/// specs or URLs, one a line.
fn spec_file(file: &str, text: &str) -> Result<(), String> {
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() || line.starts_with('@') {
            continue;
        }
        if local_package(line) {
            return Err(format!(
                "{file}: `{line}` is a local package, which needs the source"
            ));
        }
    }
    Ok(())
}

/// A local path or `file:` URL.
fn local_path(s: &str) -> bool {
    s.starts_with("file:") || s.starts_with('.') || s.starts_with('/') || s.starts_with('~')
}

/// A conda dependency that names a local package file or directory.
fn local_package(spec: &str) -> bool {
    local_path(spec)
        || (!spec.contains("://") && (spec.ends_with(".tar.bz2") || spec.ends_with(".conda")))
}
