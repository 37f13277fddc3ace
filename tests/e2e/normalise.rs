//! What the image comparison of the real-tool fixtures may normalise, and why.
//!
//! Only content that is documented to change from one run of the same command to the next is
//! normalised; paths, types, modes and owners are always compared. A fixture lists the
//! normalisations it needs in `normalise = [...]` of its `fixture.toml`; each one prints its
//! reason when the test starts.

use serde::Deserialize;

/// One documented-volatile thing of a real package manager's output.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Normalisation {
    /// npm's cache under `~/.npm`: the `_cacache/index-v5` entries record the time of the
    /// download (`"time":<ms>`) and the registry response's `Date` header (each line starts
    /// with the SHA-1 of its JSON), and the debug logs in `_logs/` are named after the time
    /// npm started. The cached tarballs
    /// themselves (`_cacache/content-v2`, content-addressed) are compared as they are.
    NpmCache,
    /// yarn classic bundles v8-compile-cache, which keeps V8's code cache of yarn's own
    /// `cli.js` under `/tmp/v8-compile-cache-<uid>`; V8 code caches differ from run to run
    /// (their size too). The directory is left out; it holds nothing of the project.
    V8CompileCache,
    /// yarn classic runs each lifecycle script with a `PATH` whose first directory is a new
    /// `/tmp/yarn--<milliseconds>-<random>` holding two shims, `node` and `yarn` (each an
    /// `exec` of the real one; yarn's `makePathWrapper`), and never removes it. The
    /// directory's name differs from run to run; it holds nothing of the project. Left out.
    YarnScriptShims,
    /// pnpm's bookkeeping times: `prunedAt:` in `node_modules/.modules.yaml`, `checkedAt` of
    /// each file in the store's `*-index.json`, `cachedAt` of the registry metadata cache
    /// and `lastUpdateCheck` in `~/.local/state/pnpm/pnpm-state.json`. The store's files and
    /// their integrity hashes are compared as they are.
    PnpmTimes,
    /// The line order of a `*.dist-info/RECORD` file: the wheel spec leaves it open, and
    /// virtualenv's seeder (which poetry uses for its `.venv`) writes the entries in the
    /// order its threads finish. The lines are sorted; every entry and hash is compared.
    RecordOrder,
    /// uv's `*.dist-info/uv_cache.json` of a project it installs from source holds the
    /// time it read the project's files (`"timestamp":{"secs_since_epoch":...}`), for its
    /// cache; the times are blanked, and the file's hash and size in `RECORD`.
    UvCacheInfo,
    /// CPython's `.pyc` files record the modification time (and size) of their source
    /// (PEP 552, flags 0): pip, uv and poetry unpack wheels at build time, so the same
    /// package gets a different timestamp in every build. Bytes 8..12 (the mtime) of a
    /// timestamp-based `.pyc` are zeroed, the recorded source size stays; hash-based ones
    /// (flags 1 or 3) are compared as they are.
    PycTimestamps,
    /// cargo's bookkeeping that differs between two builds of the same Dockerfile (measured:
    /// two builds of one original differ in exactly these): `$CARGO_HOME/.global-cache`, the
    /// SQLite database of the last-use times of registry files (cargo's cache tracker; its
    /// path and mode are still compared, its content is blanked); `target/.rustc_info.json`,
    /// whose JSON object order varies (its keys are sorted); and the encoded dep-info files
    /// `target/*/.fingerprint/*/dep-*`, whose list of source files comes in the order rustc
    /// reports them (the file names it holds are sorted; none is dropped).
    CargoBookkeeping,
    /// rustc's incremental-compilation cache (`target/*/incremental/`): each session is a
    /// directory named after its start time and a random number, so two builds never share
    /// a path there. Left out; the artefacts built from it are compared.
    CargoIncremental,
    /// composer names its autoloader classes `ComposerAutoloaderInit<suffix>` and
    /// `ComposerStaticInit<suffix>`; without `config.autoloader-suffix` and without an
    /// earlier `vendor/autoload.php` to take it from, the suffix is `md5(uniqid())`, a new
    /// one every build (measured: two builds of one original differ in exactly the three
    /// files that hold it). The 32 hex digits are blanked in `vendor/autoload.php`,
    /// `vendor/composer/autoload_real.php` and `autoload_static.php`; the rest of them is
    /// compared.
    ComposerAutoloaderSuffix,
    /// Maven Resolver's bookkeeping in the local repository (`~/.m2/repository`): each
    /// `_remote.repositories`, `*.lastUpdated` and `resolver-status.properties` starts with a
    /// comment holding the time it was written, and the last two record times as values
    /// (`...lastUpdated=1733...`). Comment lines are dropped and values blanked; which
    /// files exist and their keys (the artifacts and where they came from) are compared.
    MavenResolverTimes,
}

impl Normalisation {
    pub fn reason(self) -> &'static str {
        match self {
            Normalisation::NpmCache => {
                "npm cache index entries record the download time and the response's Date header; its debug logs are named after the start time"
            }
            Normalisation::V8CompileCache => {
                "yarn's V8 code cache of its own cli.js (/tmp/v8-compile-cache-*) differs from run to run"
            }
            Normalisation::YarnScriptShims => {
                "yarn classic leaves the node/yarn shims of each lifecycle script run in /tmp/yarn--<time>-<random>"
            }
            Normalisation::PnpmTimes => {
                "pnpm records when it pruned, checked store files, cached metadata and looked for updates"
            }
            Normalisation::RecordOrder => {
                "installers write *.dist-info/RECORD lines in no fixed order"
            }
            Normalisation::UvCacheInfo => {
                "uv's dist-info/uv_cache.json records when uv read the project's source"
            }
            Normalisation::PycTimestamps => {
                ".pyc headers record the source file's mtime, which is the install time"
            }
            Normalisation::CargoBookkeeping => {
                "cargo's last-use database, rustc_info's key order and dep-info's file order vary between two builds of the same Dockerfile"
            }
            Normalisation::CargoIncremental => {
                "rustc's incremental session directories are named after their start time"
            }
            Normalisation::ComposerAutoloaderSuffix => {
                "composer's autoloader class names end in a random suffix (md5(uniqid())) unless one is configured"
            }
            Normalisation::MavenResolverTimes => {
                "Maven Resolver's files in ~/.m2/repository record when they were written"
            }
        }
    }

    /// Rewrites `content` (`None`: not a regular file) of the image path `path`; returns
    /// whether the path stays in the comparison.
    fn apply(self, path: &str, content: Option<&mut Vec<u8>>) -> bool {
        match self {
            Normalisation::NpmCache => npm_cache(path, content),
            Normalisation::V8CompileCache => !path.starts_with("/tmp/v8-compile-cache-"),
            Normalisation::YarnScriptShims => !path.starts_with("/tmp/yarn--"),
            Normalisation::PnpmTimes => {
                if let Some(content) = content {
                    pnpm_times(path, content);
                }
                true
            }
            Normalisation::RecordOrder => {
                if let Some(content) = content {
                    if path.ends_with(".dist-info/RECORD") {
                        sort_lines(content);
                    }
                }
                true
            }
            Normalisation::UvCacheInfo => {
                if let Some(content) = content {
                    uv_cache_info(path, content);
                }
                true
            }
            Normalisation::PycTimestamps => {
                if let Some(content) = content {
                    if path.ends_with(".pyc") {
                        pyc_timestamp(content);
                    }
                }
                true
            }
            Normalisation::CargoBookkeeping => {
                if let Some(content) = content {
                    cargo_bookkeeping(path, content);
                }
                true
            }
            Normalisation::CargoIncremental => !is_incremental(path),
            Normalisation::ComposerAutoloaderSuffix => {
                if let Some(content) = content {
                    composer_autoloader_suffix(path, content);
                }
                true
            }
            Normalisation::MavenResolverTimes => {
                if let Some(content) = content {
                    maven_resolver_times(path, content);
                }
                true
            }
        }
    }
}

/// Applies every normalisation of `list` to one image path, in order.
pub fn apply_all(list: &[Normalisation], path: &str, mut content: Option<&mut Vec<u8>>) -> bool {
    list.iter()
        .all(|normalisation| normalisation.apply(path, content.as_deref_mut()))
}

fn npm_cache(path: &str, content: Option<&mut Vec<u8>>) -> bool {
    if path.contains("/.npm/_logs") {
        return false;
    }
    if let Some(content) = content {
        if path.contains("/.npm/_cacache/index-v5/") {
            *content = index_entry_without_time(content);
        }
    }
    true
}

/// `<sha1>\t{"key":...,"time":1733...,...,"date":"Sun, ..."}` lines with the hash, the
/// times and the dates blanked.
fn index_entry_without_time(content: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(content);
    let mut out = String::new();
    for line in text.lines() {
        let json = line.split_once('\t').map_or(line, |(_, json)| json);
        let json = blank_values(&blank_values(json, "time"), "date");
        out.push_str("<sha1>\t");
        out.push_str(&json);
        out.push('\n');
    }
    out.into_bytes()
}

/// `text` with every JSON value of the member `name` (a number or a string, after optional
/// spaces) replaced by `0` or `"0"`.
fn blank_values(text: &str, name: &str) -> String {
    let key = format!("\"{name}\"");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(&key) {
        let (before, after) = rest.split_at(at + key.len());
        out.push_str(before);
        let value = after.trim_start();
        let Some(value) = value.strip_prefix(':') else {
            rest = after;
            continue;
        };
        let value = value.trim_start();
        out.push_str(&after[..after.len() - value.len()]);
        rest = match value.strip_prefix('"') {
            Some(string) => {
                out.push_str("\"0\"");
                string.split_once('"').map_or("", |(_, after)| after)
            }
            None => {
                out.push('0');
                value.trim_start_matches(|c: char| c.is_ascii_digit())
            }
        };
    }
    out.push_str(rest);
    out
}

fn pnpm_times(path: &str, content: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(content);
    let normalised = if path.ends_with("/node_modules/.modules.yaml") {
        text.lines()
            .map(|line| match line.strip_prefix("prunedAt: ") {
                Some(_) => "prunedAt: 0",
                None => line,
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else if path.contains("/pnpm/store/") && path.ends_with("-index.json") {
        blank_values(&text, "checkedAt")
    } else if path.contains("/.cache/pnpm/metadata") {
        blank_values(&text, "cachedAt")
    } else if path.ends_with("/pnpm/pnpm-state.json") {
        blank_values(&text, "lastUpdateCheck")
    } else {
        return;
    };
    *content = normalised.into_bytes();
}

fn sort_lines(content: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(content);
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    *content = lines.join("\n").into_bytes();
}

fn uv_cache_info(path: &str, content: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(content);
    let normalised = if path.ends_with(".dist-info/uv_cache.json") {
        blank_values(
            &blank_values(&text, "secs_since_epoch"),
            "nanos_since_epoch",
        )
    } else if path.ends_with(".dist-info/RECORD") {
        text.lines()
            .map(|line| match line.split_once(',') {
                Some((file, _)) if file.ends_with(".dist-info/uv_cache.json") => {
                    format!("{file},<volatile>,")
                }
                _ => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        return;
    };
    *content = normalised.into_bytes();
}

fn cargo_bookkeeping(path: &str, content: &mut Vec<u8>) {
    let name = path.rsplit('/').next().unwrap_or_default();
    let parent = path.rsplit('/').nth(2).unwrap_or_default();
    if name == ".global-cache" {
        content.clear();
    } else if name == ".rustc_info.json" && path.contains("/target/") {
        // serde_json's objects are ordered maps: a round trip sorts the keys.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(content) {
            *content = value.to_string().into_bytes();
        }
    } else if parent == ".fingerprint" && name.starts_with("dep-") {
        *content = sorted_strings(content);
    }
}

/// The runs of printable ASCII in `content` (at least two bytes long), sorted, one a line,
/// after the content's length.
fn sorted_strings(content: &[u8]) -> Vec<u8> {
    let mut runs: Vec<&[u8]> = content
        .split(|b| !(0x20..0x7f).contains(b))
        .filter(|run| run.len() >= 2)
        .collect();
    runs.sort_unstable();
    let mut out = format!("{} bytes\n", content.len()).into_bytes();
    for run in runs {
        out.extend_from_slice(run);
        out.push(b'\n');
    }
    out
}

/// Is `path` in (or is it) a `target/<profile>/incremental` directory?
fn is_incremental(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    parts
        .windows(3)
        .any(|w| w[0] == "target" && w[2] == "incremental")
}

/// Blanks the 32 hex digits after `ComposerAutoloaderInit` and `ComposerStaticInit` in
/// composer's generated autoloader files.
fn composer_autoloader_suffix(path: &str, content: &mut [u8]) {
    let generated = path.ends_with("/autoload.php")
        || path.ends_with("/composer/autoload_real.php")
        || path.ends_with("/composer/autoload_static.php");
    if !generated {
        return;
    }
    for prefix in [&b"ComposerAutoloaderInit"[..], b"ComposerStaticInit"] {
        let mut at = 0;
        while let Some(found) = content[at..]
            .windows(prefix.len())
            .position(|w| w == prefix)
        {
            let start = at + found + prefix.len();
            let end = start + 32;
            if content.len() >= end && content[start..end].iter().all(u8::is_ascii_hexdigit) {
                content[start..end].fill(b'0');
            }
            at = start;
        }
    }
}

/// Keeps the keys of Maven Resolver's bookkeeping files, without comments and values.
fn maven_resolver_times(path: &str, content: &mut Vec<u8>) {
    let name = path.rsplit('/').next().unwrap_or_default();
    let bookkeeping = name == "_remote.repositories"
        || name == "resolver-status.properties"
        || name.ends_with(".lastUpdated");
    if !path.contains("/.m2/repository/") || !bookkeeping {
        return;
    }
    let text = String::from_utf8_lossy(content);
    let keys: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with('#'))
        .map(|line| line.split_once('=').map_or(line, |(key, _)| key))
        .collect();
    *content = keys.join("\n").into_bytes();
}

/// Zeroes the source mtime of a timestamp-based `.pyc` (PEP 552 header: magic,
/// flags, then mtime and size, or a hash when flags bit 0 is set).
fn pyc_timestamp(content: &mut [u8]) {
    if content.len() >= 16 && content[4..8] == [0, 0, 0, 0] {
        content[8..12].fill(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn npm_index_entries_lose_only_hash_and_time() {
        let entry = concat!(
            "0123abcd\t{\"key\":\"k\",\"integrity\":\"sha512-x\",\"time\":1733500000000,",
            "\"metadata\":{\"time\":1733500000001,\"resHeaders\":{\"date\":\"Sun, 06 Dec 2026 20:23:15 GMT\"}},",
            "\"size\":9}\n"
        );
        assert_eq!(
            String::from_utf8(index_entry_without_time(entry.as_bytes())).unwrap(),
            concat!(
                "<sha1>\t{\"key\":\"k\",\"integrity\":\"sha512-x\",\"time\":0,",
                "\"metadata\":{\"time\":0,\"resHeaders\":{\"date\":\"0\"}},",
                "\"size\":9}\n"
            )
        );
    }

    #[test]
    fn pnpm_times_are_blanked_and_nothing_else() {
        let mut yaml =
            b"layoutVersion: 5\nprunedAt: Sun, 06 Dec 2026 20:30:50 GMT\nskipped: []".to_vec();
        pnpm_times("/app/node_modules/.modules.yaml", &mut yaml);
        assert_eq!(yaml, b"layoutVersion: 5\nprunedAt: 0\nskipped: []");
        let mut index = br#"{"files":{"a.js":{"checkedAt":1765052450123,"integrity":"sha512-x","mode":420,"size":3}}}"#.to_vec();
        pnpm_times(
            "/root/.local/share/pnpm/store/v3/files/36/24ae-index.json",
            &mut index,
        );
        assert_eq!(
            index,
            br#"{"files":{"a.js":{"checkedAt":0,"integrity":"sha512-x","mode":420,"size":3}}}"#
        );
        let mut state =
            b"{\n\t\"lastUpdateCheck\": \"Sun, 06 Dec 2026 20:33:28 GMT\"\n}\n".to_vec();
        pnpm_times("/root/.local/state/pnpm/pnpm-state.json", &mut state);
        assert_eq!(state, b"{\n\t\"lastUpdateCheck\": \"0\"\n}\n");
        let mut other = br#"{"checkedAt":1}"#.to_vec();
        pnpm_times("/app/package.json", &mut other);
        assert_eq!(other, br#"{"checkedAt":1}"#);
    }

    #[test]
    fn uv_cache_info_loses_only_its_times() {
        let mut info = br#"{"timestamp":{"secs_since_epoch":1796589449,"nanos_since_epoch":34932061},"commit":null,"tags":null}"#.to_vec();
        uv_cache_info(
            "/app/.venv/lib/python3.11/site-packages/inventory-0.1.0.dist-info/uv_cache.json",
            &mut info,
        );
        assert_eq!(
            info,
            br#"{"timestamp":{"secs_since_epoch":0,"nanos_since_epoch":0},"commit":null,"tags":null}"#
        );
        let mut record =
            b"a.py,sha256=AAA,3\nx-0.1.0.dist-info/uv_cache.json,sha256=BBB,100\n".to_vec();
        uv_cache_info("/s/x-0.1.0.dist-info/RECORD", &mut record);
        assert_eq!(
            record,
            b"a.py,sha256=AAA,3\nx-0.1.0.dist-info/uv_cache.json,<volatile>,"
        );
    }

    #[test]
    fn cargo_bookkeeping_keeps_what_it_does_not_reorder() {
        let mut db = b"SQLite format 3\0...".to_vec();
        cargo_bookkeeping("/usr/local/cargo/.global-cache", &mut db);
        assert!(db.is_empty());
        let (mut a, mut b) = (
            br#"{"b":{"x":1},"a":2}"#.to_vec(),
            br#"{"a":2,"b":{"x":1}}"#.to_vec(),
        );
        cargo_bookkeeping("/app/target/.rustc_info.json", &mut a);
        cargo_bookkeeping("/app/target/.rustc_info.json", &mut b);
        assert_eq!(a, b);
        let first =
            b"\x01\0\0\0\xff\x01\x02\0\0\0\0\x0e\0\0\0src/banner.txt\0\0\x0b\0\0\0src/main.rs\0";
        let second =
            b"\x01\0\0\0\xff\x01\x02\0\0\0\0\x0b\0\0\0src/main.rs\0\0\x0e\0\0\0src/banner.txt\0";
        let other =
            b"\x01\0\0\0\xff\x01\x02\0\0\0\0\x0b\0\0\0src/main.rs\0\0\x0e\0\0\0src/banner.rs\0";
        let path = "/app/target/release/.fingerprint/hello-1a/dep-bin-hello";
        let norm = |bytes: &[u8]| {
            let mut v = bytes.to_vec();
            cargo_bookkeeping(path, &mut v);
            v
        };
        assert_eq!(norm(first), norm(second));
        assert_ne!(norm(first), norm(other));
        let mut source = b"fn main() {}".to_vec();
        cargo_bookkeeping("/app/src/main.rs", &mut source);
        assert_eq!(source, b"fn main() {}");
        assert!(is_incremental("/app/target/debug/incremental/x-1/s-2/a.o"));
        assert!(!is_incremental("/app/target/debug/deps/libx.rlib"));
    }

    #[test]
    fn record_lines_are_sorted() {
        let mut record = b"b.py,sha256=B,1\na.py,sha256=A,1\n".to_vec();
        sort_lines(&mut record);
        assert_eq!(record, b"a.py,sha256=A,1\nb.py,sha256=B,1");
    }

    #[test]
    fn composer_suffix_is_blanked_only_in_the_autoloader() {
        let text = "class ComposerAutoloaderInit8ff5273523f0b0c6dd08cf06cf50957f\n\
                    ComposerStaticInitb0ca03cfaade77c5aafb062397ce18a5::x;\n\
                    ComposerAutoloaderInitMySuffix";
        let mut content = text.as_bytes().to_vec();
        composer_autoloader_suffix("/app/vendor/composer/autoload_real.php", &mut content);
        let zeros = "0".repeat(32);
        assert_eq!(
            String::from_utf8(content).unwrap(),
            format!(
                "class ComposerAutoloaderInit{zeros}\nComposerStaticInit{zeros}::x;\n\
                 ComposerAutoloaderInitMySuffix"
            )
        );
        let mut other = text.as_bytes().to_vec();
        composer_autoloader_suffix("/app/src/autoload_real.php.txt", &mut other);
        assert_eq!(other, text.as_bytes());
    }

    #[test]
    fn maven_resolver_files_keep_their_keys() {
        let text =
            "#NOTE: internal\n#Mon Dec 07 02:52:07 UTC 2026\na-1.pom>debian=\nx.lastUpdated=1733\n";
        let mut content = text.as_bytes().to_vec();
        maven_resolver_times(
            "/root/.m2/repository/a/1/_remote.repositories",
            &mut content,
        );
        assert_eq!(content, b"a-1.pom>debian\nx.lastUpdated");
        let mut jar = text.as_bytes().to_vec();
        maven_resolver_times("/root/.m2/repository/a/1/a-1.pom", &mut jar);
        assert_eq!(jar, text.as_bytes());
    }

    #[test]
    fn pyc_mtime_is_zeroed_only_for_timestamp_pycs() {
        let mut stamped = vec![
            0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, 1, 2, 3, 4, 9, 0, 0, 0, 0xe3,
        ];
        pyc_timestamp(&mut stamped);
        assert_eq!(&stamped[8..16], &[0, 0, 0, 0, 9, 0, 0, 0]);
        assert_eq!(stamped[16], 0xe3);
        let mut hashed = vec![
            0xa7, 0x0d, 0x0d, 0x0a, 1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0xe3,
        ];
        let before = hashed.clone();
        pyc_timestamp(&mut hashed);
        assert_eq!(hashed, before);
    }
}
