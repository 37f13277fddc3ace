//! Building blocks of the end-to-end tests: buildah with a private storage root, the base
//! image every fixture builds from, and the file tree of a built image.
//!
//! Buildah 1.28 runs as root with `--storage-driver vfs --isolation chroot`, caches layers only
//! with `--layers`, and must never try a registry (`--pull=never`): the base image is made
//! here from the host's busybox-static plus the stand-in package managers in `standins/`, and
//! tagged under the names the fixtures' `FROM` lines use.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fmt;
use std::fs;
use std::hash::Hasher;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::real::ImageStore;
use super::EDIT_MARKER;

/// The names the fixtures' `FROM` lines may use, one per line in
/// `base-images.txt`; each is a tag of the one base image.
pub fn base_image_names() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/base-images.txt");
    fs::read_to_string(&path)
        .expect("tests/e2e/base-images.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

const BASE_IMAGE: &str = "localhost/dockopt-e2e-base:latest";

/// The stand-in tools (every file in `standins/`) and where each lives in the
/// base image: `/usr/local/bin/<name>`, except cargo's own directory.
fn standins() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/standins");
    let mut out: Vec<(String, String)> = fs::read_dir(&dir)
        .expect("tests/e2e/standins")
        .map(|e| e.expect("read standins").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let dest = match name.as_str() {
                "cargo" => "usr/local/cargo/bin/cargo".to_string(),
                _ => format!("usr/local/bin/{name}"),
            };
            (dest, fs::read_to_string(&p).expect("stand-ins are text"))
        })
        .collect();
    out.sort();
    out
}

const ENV: &[&str] = &[
    "PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "CARGO_HOME=/usr/local/cargo",
    "HOME=/root",
];

/// How long a stand-in dependency install takes, in seconds: `DOCKOPT_E2E_INSTALL_SECONDS`,
/// default 1. Raise it to make the rebuild timings show what caching the install saves.
fn install_seconds() -> u32 {
    std::env::var("DOCKOPT_E2E_INSTALL_SECONDS")
        .ok()
        .map(|value| {
            value.trim().parse().unwrap_or_else(|_| {
                panic!("DOCKOPT_E2E_INSTALL_SECONDS must be a whole number, not {value:?}")
            })
        })
        .unwrap_or(1)
}

/// The host's static busybox (package busybox-static), copied into the base image.
fn busybox() -> Option<&'static Path> {
    ["/usr/bin/busybox", "/bin/busybox"]
        .into_iter()
        .map(Path::new)
        .find(|path| path.is_file())
}

/// Whether the ELF file at `path` has no program interpreter (PT_INTERP), i.e. runs in an
/// image without a libc. Only 64-bit little-endian ELF is recognised.
fn statically_linked(path: &Path) -> bool {
    const PT_INTERP: usize = 3;
    let Ok(elf) = fs::read(path) else {
        return false;
    };
    // A little-endian field of `len` bytes at `at`.
    let field = |at: usize, len: usize| {
        let bytes = elf.get(at..at.checked_add(len)?)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0, |acc, &b| acc << 8 | usize::from(b)),
        )
    };
    if !elf.starts_with(b"\x7fELF\x02\x01") {
        return false;
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) =
        (field(0x20, 8), field(0x36, 2), field(0x38, 2))
    else {
        return false;
    };
    (0..phnum).all(|i| field(phoff + i * phentsize, 4).is_some_and(|p_type| p_type != PT_INTERP))
}

/// Whether the e2e tests can run here. Prints `skipped: <reason>` to stderr when they cannot,
/// and panics instead when `CI=true` or `DOCKOPT_E2E_REQUIRED=1`.
pub fn e2e_ready() -> bool {
    static REASON: OnceLock<Option<&'static str>> = OnceLock::new();
    let reason = *REASON.get_or_init(|| {
        let buildah = Command::new("buildah")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // As a normal user `buildah --version` may fail too (no rootless setup): say "not
        // root" whenever buildah is there at all.
        if buildah.is_err() {
            Some("buildah not installed")
        } else if !is_root() {
            Some("not root")
        } else if !matches!(buildah, Ok(status) if status.success()) {
            Some("buildah not installed")
        } else if !busybox().is_some_and(statically_linked) {
            Some("busybox-static not installed (no static /usr/bin/busybox)")
        } else {
            None
        }
    });
    match reason {
        None => true,
        Some(reason) => {
            skip_or_fail(reason);
            false
        }
    }
}

/// Says why a test is skipped (`skipped: <reason>` on stderr), or panics with the reason
/// when `CI=true` or `DOCKOPT_E2E_REQUIRED=1`.
pub fn skip_or_fail(reason: &str) {
    if std::env::var("DOCKOPT_E2E_REQUIRED").as_deref() == Ok("1")
        || std::env::var("CI").as_deref() == Ok("true")
    {
        panic!("CI=true or DOCKOPT_E2E_REQUIRED=1 but the e2e tests cannot run: {reason}")
    }
    eprintln!("skipped: {reason}");
}

fn is_root() -> bool {
    // /proc/self belongs to the effective user of this process.
    match fs::metadata("/proc/self") {
        Ok(meta) => meta.uid() == 0,
        Err(_) => Command::new("id")
            .arg("-u")
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
            .unwrap_or(false),
    }
}

/// A fresh directory under the system temp dir, removed when dropped.
pub fn scratch_dir(label: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("dockopt-e2e-{label}-"))
        .tempdir_in(std::env::temp_dir())
        .expect("create a scratch directory")
}

/// The result of one `buildah build`.
#[derive(Debug)]
pub struct BuildOutput {
    pub ok: bool,
    /// stdout and stderr, interleaved as buildah wrote them.
    pub log: String,
    pub duration: Duration,
}

impl BuildOutput {
    /// The last lines of the log, for failure messages.
    pub fn tail(&self, lines: usize) -> String {
        let all: Vec<&str> = self.log.lines().collect();
        all[all.len().saturating_sub(lines)..].join("\n")
    }

    /// Whether the first `RUN` step whose text contains `fragment` was served from the layer
    /// cache. buildah prints `STEP n/m: RUN ...` (with a `[k/s] ` prefix in multi-stage builds)
    /// and, for a cached step, `--> Using cache <id>` on the next line. `None`: no such step.
    pub fn run_step_cached(&self, fragment: &str) -> Option<bool> {
        let mut lines = self.log.lines();
        while let Some(line) = lines.next() {
            let Some(step) = step_instruction(line) else {
                continue;
            };
            let is_run = step
                .get(..4)
                .is_some_and(|keyword| keyword.eq_ignore_ascii_case("RUN "));
            if is_run && step.contains(fragment) {
                let next = lines.next().unwrap_or_default();
                return Some(next.starts_with("--> Using cache"));
            }
        }
        None
    }
}

/// `[1/2] STEP 3/4: RUN npm ci` -> `RUN npm ci`.
fn step_instruction(line: &str) -> Option<&str> {
    let rest = match line.strip_prefix('[') {
        Some(staged) => staged.split_once("] ")?.1,
        None => line,
    };
    let rest = rest.strip_prefix("STEP ")?;
    let (counter, instruction) = rest.split_once(": ")?;
    counter
        .chars()
        .all(|c| c.is_ascii_digit() || c == '/')
        .then_some(instruction)
}

/// Buildah with its own storage root, holding the base image.
pub struct Buildah {
    label: String,
    dir: tempfile::TempDir,
    builds: AtomicUsize,
    /// A read-only store of base images (`tests/e2e/realbase.sh`), used as an additional
    /// image store of this root, with its storage driver.
    image_store: Option<ImageStore>,
    /// Build Docker-format images (`--format docker`): buildah ignores `SHELL` in the
    /// default OCI format, and Docker honours it.
    docker_format: bool,
}

impl Buildah {
    /// A new storage root under the temp dir, with the base image built into it.
    pub fn new(label: &str) -> Buildah {
        let buildah = Buildah::bare(label, None);
        let start = Instant::now();
        buildah.make_base_image();
        eprintln!(
            "[e2e] {}: base image ready in {:.1}s",
            buildah.label,
            start.elapsed().as_secs_f64()
        );
        buildah
    }

    /// A new storage root under the temp dir that reads its base images from the storage
    /// root `store` (read-only, shared between tests).
    pub fn with_image_store(label: &str, store: &ImageStore) -> Buildah {
        Buildah::bare(label, Some(store.clone()))
    }

    fn bare(label: &str, image_store: Option<ImageStore>) -> Buildah {
        let buildah = Buildah {
            label: label.to_string(),
            dir: scratch_dir(&format!("{label}-storage")),
            builds: AtomicUsize::new(0),
            image_store,
            docker_format: false,
        };
        fs::create_dir(buildah.tmp()).expect("create buildah's TMPDIR");
        buildah
    }
    /// Build Docker-format images from now on (see `docker_format`).
    pub fn with_docker_format(mut self, docker: bool) -> Buildah {
        self.docker_format = docker;
        self
    }

    fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    fn command(&self) -> Command {
        let mut command = Command::new("buildah");
        command
            .arg("--root")
            .arg(self.dir.path().join("root"))
            .arg("--runroot")
            .arg(self.dir.path().join("runroot"))
            .arg("--storage-driver");
        match &self.image_store {
            Some(store) => command.arg(&store.driver).arg("--storage-opt").arg(format!(
                "{}.imagestore={}",
                store.driver,
                store.root.display()
            )),
            None => command.arg("vfs"),
        };
        command
            .env("BUILDAH_ISOLATION", "chroot")
            .env("TMPDIR", self.tmp())
            .stdin(Stdio::null());
        command
    }

    /// Runs a buildah subcommand that must succeed; returns its stdout.
    fn run<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = self.command();
        command.args(args);
        let out = command
            .output()
            .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
        assert!(
            out.status.success(),
            "{command:?} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Creates a working container from `image` and returns its name.
    fn working_container(&self, image: &str) -> String {
        let out = self.run(["from", "--quiet", "--pull=never", image]);
        out.lines()
            .last()
            .expect("buildah from prints the container name")
            .trim()
            .to_string()
    }

    fn mount(&self, container: &str) -> PathBuf {
        PathBuf::from(self.run(["mount", container]).trim())
    }

    fn make_base_image(&self) {
        let container = self.working_container("scratch");
        let rootfs = self.mount(&container);
        populate_base(&rootfs);
        let mut config = vec!["config".to_string()];
        let install = format!("STANDIN_INSTALL_SECONDS={}", install_seconds());
        for env in ENV.iter().copied().chain([install.as_str()]) {
            config.extend(["--env".to_string(), env.to_string()]);
        }
        config.extend([
            "--cmd".to_string(),
            "[\"sh\"]".to_string(),
            container.clone(),
        ]);
        self.run(&config);
        self.run(["commit", "--quiet", "--rm", &container, BASE_IMAGE]);
        let names = base_image_names();
        let mut tag = vec!["tag", BASE_IMAGE];
        tag.extend(names.iter().map(String::as_str));
        self.run(tag);
    }

    /// `buildah build --layers --pull=never -f DOCKERFILE -t TAG CONTEXT`, run in `dir`
    /// (`dockerfile` and `context` may be relative to it).
    pub fn build(&self, dir: &Path, dockerfile: &Path, context: &Path, tag: &str) -> BuildOutput {
        let n = self.builds.fetch_add(1, Ordering::Relaxed);
        let log_path = self.dir.path().join(format!("build-{n}.log"));
        let log = fs::File::create(&log_path).expect("create the build log");
        let mut command = self.command();
        command
            .current_dir(dir)
            .args(["build", "--isolation", "chroot", "--layers", "--pull=never"])
            .args(if self.docker_format {
                &["--format", "docker"][..]
            } else {
                &[][..]
            })
            .arg("-f")
            .arg(dockerfile)
            .arg("-t")
            .arg(tag)
            .arg(context)
            .stdout(log.try_clone().expect("share the log file"))
            .stderr(log);
        let start = Instant::now();
        let status = command
            .status()
            .unwrap_or_else(|e| panic!("run {command:?}: {e}"));
        let duration = start.elapsed();
        let log =
            String::from_utf8_lossy(&fs::read(&log_path).expect("read the build log")).into_owned();
        eprintln!(
            "[e2e] {}: build {} of {} {} in {:.1}s",
            self.label,
            tag,
            dir.join(dockerfile).display(),
            if status.success() { "ok" } else { "FAILED" },
            duration.as_secs_f64()
        );
        BuildOutput {
            ok: status.success(),
            log,
            duration,
        }
    }

    /// The file tree of `image`, read from a mounted working container, each path passed
    /// through `normalise` (see [`Tree::read_with`]).
    pub fn tree_normalised(&self, image: &str, normalise: &Normalise<'_>) -> Tree {
        let container = self.working_container(image);
        let rootfs = self.mount(&container);
        let tree = Tree::read_with(&rootfs, normalise);
        self.run(["rm", &container]);
        tree
    }
}

impl Drop for Buildah {
    fn drop(&mut self) {
        // Nothing is mounted with vfs, but leave buildah's bookkeeping clean before the
        // directory goes.
        let _ = self
            .command()
            .args(["rm", "--all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Fills the root filesystem of the base image: busybox with every applet, the stand-ins,
/// users `root` and `node` (1000), and the directories the real images have.
fn populate_base(rootfs: &Path) {
    let dir = |path: &str, mode: u32| {
        let path = rootfs.join(path);
        fs::create_dir_all(&path).expect("create a base image directory");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        path
    };
    dir("bin", 0o755);
    dir("etc", 0o755);
    dir("tmp", 0o1777);
    dir("root", 0o700);
    dir("usr/local/lib/python3.12/site-packages", 0o755);
    let home = dir("home/node", 0o755);
    std::os::unix::fs::chown(&home, Some(1000), Some(1000)).expect("chown /home/node");

    let busybox = busybox().expect("e2e_ready checked busybox");
    fs::copy(busybox, rootfs.join("bin/busybox")).expect("copy busybox");
    let applets = Command::new(busybox)
        .arg("--list-full")
        .output()
        .expect("busybox --list-full");
    for applet in String::from_utf8_lossy(&applets.stdout).lines() {
        let applet = applet.trim();
        if applet.is_empty() || applet == "bin/busybox" {
            continue;
        }
        let link = rootfs.join(applet);
        fs::create_dir_all(link.parent().expect("applet path has a parent"))
            .expect("create an applet directory");
        std::os::unix::fs::symlink("/bin/busybox", &link).expect("link an applet");
    }

    fs::write(
        rootfs.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n",
    )
    .expect("write /etc/passwd");
    fs::write(rootfs.join("etc/group"), "root:x:0:\nnode:x:1000:\n").expect("write /etc/group");

    for (path, script) in standins() {
        let path = rootfs.join(path);
        fs::create_dir_all(path.parent().expect("stand-in path has a parent"))
            .expect("create a stand-in directory");
        fs::write(&path, script).expect("write a stand-in");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod a stand-in");
    }
    for (link, target) in [
        ("usr/local/bin/pip3", "pip"),
        ("usr/local/bin/python3", "python"),
    ] {
        std::os::unix::fs::symlink(target, rootfs.join(link)).expect("link a stand-in");
    }
}

/// What kind of file an image path is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// One path of an image: everything the comparison looks at (timestamps are not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits, setuid/setgid/sticky included.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Hash of the content (files) or of the link target (symlinks).
    pub digest: u64,
    /// The link target of a symlink.
    pub target: Option<String>,
    /// The content of a small UTF-8 file, for messages and searches.
    pub text: Option<String>,
    /// Whether the content (text or binary) holds [`EDIT_MARKER`], the line a source edit
    /// appends: a compiled binary carries it when the edited file is embedded in it.
    pub marked: bool,
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {:04o} {}:{} {} bytes digest {:016x}",
            self.kind, self.mode, self.uid, self.gid, self.size, self.digest
        )?;
        if let Some(target) = &self.target {
            write!(f, " -> {target}")?;
        }
        if let Some(text) = &self.text {
            const SHOWN: usize = 600;
            let shown: String = text.chars().take(SHOWN).collect();
            let more = if shown.len() < text.len() {
                "\n    …"
            } else {
                ""
            };
            write!(f, "\n    | {}{more}", shown.replace('\n', "\n    | "))?;
        }
        Ok(())
    }
}

/// The files of an image: absolute path -> entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tree(pub BTreeMap<String, Entry>);

/// Called with each image path and, for a regular file, its content: may rewrite the content
/// before it is hashed, and returns whether the path stays in the tree.
pub type Normalise<'a> = dyn Fn(&str, Option<&mut Vec<u8>>) -> bool + 'a;

impl Tree {
    /// Walks a root filesystem (without following symlinks), normalising each path with
    /// `normalise`.
    pub fn read_with(rootfs: &Path, normalise: &Normalise<'_>) -> Tree {
        const TEXT_LIMIT: u64 = 64 * 1024;
        let mut entries = BTreeMap::new();
        let mut pending = vec![PathBuf::new()];
        while let Some(relative) = pending.pop() {
            let full = rootfs.join(&relative);
            let listing = fs::read_dir(&full)
                .unwrap_or_else(|e| panic!("read directory {}: {e}", full.display()));
            for item in listing {
                let item = item.expect("read a directory entry");
                let relative = relative.join(item.file_name());
                let path = item.path();
                let meta = fs::symlink_metadata(&path)
                    .unwrap_or_else(|e| panic!("stat {}: {e}", path.display()));
                let image_path = format!("/{}", relative.display());
                let file_type = meta.file_type();
                let mut content = file_type.is_file().then(|| {
                    fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
                });
                if !normalise(&image_path, content.as_mut()) {
                    continue;
                }
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                let mut size = 0;
                let mut marked = false;
                let (kind, target, text) = if file_type.is_symlink() {
                    let target = fs::read_link(&path).expect("read a symlink");
                    let target = target.to_string_lossy().into_owned();
                    hasher.write(target.as_bytes());
                    size = meta.len();
                    (Kind::Symlink, Some(target), None)
                } else if file_type.is_dir() {
                    pending.push(relative.clone());
                    (Kind::Dir, None, None)
                } else if let Some(content) = content {
                    marked = memchr::memmem::find(&content, EDIT_MARKER.as_bytes()).is_some();
                    hasher.write(&content);
                    size = content.len() as u64;
                    let text = (size <= TEXT_LIMIT)
                        .then(|| String::from_utf8(content).ok())
                        .flatten();
                    (Kind::File, None, text)
                } else {
                    (Kind::Other, None, None)
                };
                let entry = Entry {
                    kind,
                    mode: meta.mode() & 0o7777,
                    uid: meta.uid(),
                    gid: meta.gid(),
                    size,
                    digest: hasher.finish(),
                    target,
                    text,
                    marked,
                };
                entries.insert(image_path, entry);
            }
        }
        Tree(entries)
    }

    /// The tree without paths whose last component is one of `names` (e.g. the Dockerfile
    /// and `.dockerignore`, wherever `COPY . .` put them).
    pub fn without_names(&self, names: &[&str]) -> Tree {
        Tree(
            self.0
                .iter()
                .filter(|(path, _)| {
                    let name = path.rsplit('/').next().unwrap_or_default();
                    !names.contains(&name)
                })
                .map(|(path, entry)| (path.clone(), entry.clone()))
                .collect(),
        )
    }

    /// Paths of the files (text or binary) that hold [`EDIT_MARKER`].
    pub fn files_marked(&self) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(_, entry)| entry.marked)
            .map(|(path, _)| path.as_str())
            .collect()
    }

    /// A readable list of the differences (empty when the trees are equal), at most `limit`.
    pub fn differences(&self, other: &Tree, limit: usize) -> Vec<String> {
        let mut out = Vec::new();
        for (path, entry) in &self.0 {
            match other.0.get(path) {
                None => out.push(format!("only in the first image: {path}\n  {entry}")),
                Some(theirs) if theirs != entry => out.push(format!(
                    "differs: {path}\n  first:  {entry}\n  second: {theirs}"
                )),
                Some(_) => {}
            }
        }
        for (path, entry) in &other.0 {
            if !self.0.contains_key(path) {
                out.push(format!("only in the second image: {path}\n  {entry}"));
            }
        }
        let total = out.len();
        if total > limit {
            out.truncate(limit);
            out.push(format!("... and {} more", total - limit));
        }
        out
    }
}

/// Appends a markdown table row to the file named by `DOCKOPT_E2E_TIMINGS`, if set, writing
/// the header first when the file is new or empty.
pub fn record_timings(fixture: &str, original: Duration, rewritten: Duration) {
    static LOCK: Mutex<()> = Mutex::new(());
    let Some(path) = std::env::var_os("DOCKOPT_E2E_TIMINGS") else {
        return;
    };
    let _guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("open {}: {e}", Path::new(&path).display()));
    let mut text = String::new();
    if file.metadata().map(|m| m.len() == 0).unwrap_or(true) {
        text.push_str(
            "| fixture | rebuild after a source edit, original | rewritten | speed-up |\n",
        );
        text.push_str("|---|---:|---:|---:|\n");
    }
    let (o, r) = (original.as_secs_f64(), rewritten.as_secs_f64());
    text.push_str(&format!(
        "| {fixture} | {o:.1} s | {r:.1} s | {:.1}× |\n",
        o / r.max(0.001)
    ));
    file.write_all(text.as_bytes())
        .expect("write the timings file");
}
