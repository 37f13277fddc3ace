//! "Did you mean": a first path that does not exist but is spelled like a
//! subcommand (`dockopt inspct Dockerfile`) is a typo, not a file to read.

use std::path::Path;

use anyhow::{bail, Result};

/// The subcommand `word` is closest to, if it is close enough to be a typo.
pub fn closest_subcommand(word: &str) -> Option<String> {
    let cmd = <crate::cli::Args as clap::CommandFactory>::command();
    cmd.get_subcommands()
        .flat_map(|s| std::iter::once(s.get_name()).chain(s.get_all_aliases()))
        .filter(|name| *name != "help")
        .map(|name| (strsim::damerau_levenshtein(word, name), name))
        .filter(|(d, name)| *d <= 2.min(name.len() / 3) || is_prefix_typo(word, name))
        .min()
        .map(|(_, name)| name.to_string())
}

/// `complete` for `completions`: one is a prefix of the other, 4+ letters.
fn is_prefix_typo(word: &str, name: &str) -> bool {
    word.len() >= 4 && (name.starts_with(word) || word.starts_with(name))
}

/// Refuse a first path that does not exist and looks like a mistyped subcommand.
pub fn check_first_path(paths: &[std::path::PathBuf]) -> Result<()> {
    let Some(first) = paths.first() else {
        return Ok(());
    };
    let Some(word) = first.to_str() else {
        return Ok(());
    };
    let plain_word = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain_word || Path::new(word).symlink_metadata().is_ok() {
        return Ok(());
    }
    if let Some(name) = closest_subcommand(word) {
        bail!(
            "`{word}` is not a subcommand, nor a file or directory; did you mean `dockopt {name}`? (see `dockopt --help`)"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_of_subcommands() {
        assert_eq!(closest_subcommand("inspct").as_deref(), Some("inspect"));
        assert_eq!(closest_subcommand("preset").as_deref(), Some("presets"));
        assert_eq!(closest_subcommand("rules").as_deref(), Some("rule"));
        assert_eq!(closest_subcommand("Dockerfile"), None);
        assert_eq!(closest_subcommand("app"), None);
        assert_eq!(closest_subcommand("src"), None);
    }
}
