//! Steps that move with the source copy C. A step between C and the install
//! that does not commute with C (it reads or changes what C brings:
//! `RUN chmod +x ./entrypoint.sh`, `RUN rm -rf .git tests`, or a later
//! `COPY config/prod.env ./config/.env` that overlaps C's destination) keeps
//! the file's meaning when it moves after the install too, right after C and
//! in its original order — provided it commutes with everything it then
//! moves past: the steps that stay between, the commands of the install's
//! RUN that now run before it, and the install itself.
//!
//! The install is seen through its footprint: it reads the files M brings,
//! may create the manifests its preset names (a lockfile `npm install`
//! writes) and the deps-only step's stubs, and writes its output
//! directories (`node_modules`, `target`) and whatever lies outside the
//! project (caches, global packages). A carried step must therefore touch
//! only paths inside C's destination, and none of those.

use crate::effects::{Effect, PathPat};
use crate::readers;
use crate::syntax::Keyword;

use super::commute::{Conflict, SourceCopy};
use super::crossing::{one_line, Crossing};
use super::lifecycle::ScriptCommand;
use super::manifests::Manifests;
use super::paths::{is_under, resolve, CopyMap, CtxPath};
use super::refusal::Refusal;
use crate::rules::RuleContext;

/// What the install touches inside the project, as image paths.
pub struct Footprint {
    /// C's destination: a carried step touches nothing outside it.
    dest: String,
    /// The deepest directory that exists before any step C moves past (C's
    /// destination, which M makes, or the project above it): creating it
    /// again or needing it is no effect.
    existing: String,
    /// Files the install reads (what M brings).
    inputs: Vec<String>,
    /// Files the install may create: the manifests its preset names that
    /// the context lacks, the deps-only step's stubs.
    created: Vec<String>,
    /// Directories the install writes.
    written: Vec<String>,
    /// Directories in which a file the context lacks may be one the install
    /// looks for when it exists (`.yarnrc`, `.npmrc`, `.cargo/config.toml`,
    /// a gem in `vendor/cache`): the install's directories, those above them
    /// inside C's destination, and those holding the files M brings.
    looked_in: Vec<String>,
    /// The install's directories.
    install_dirs: Vec<String>,
    /// The commands of the lifecycle scripts the install runs.
    pub scripts: Vec<ScriptCommand>,
    /// Files the install reads when they exist, each as a tree, when the
    /// preset says (`looks-for`): the names its commands list and its
    /// reader names, `optional-up` names up to `/`, and `looks-for` names.
    /// `None`: any new file in `looked_in`, or dotfile in the install's
    /// directories, counts.
    looked_for: Option<Vec<String>>,
    /// What the install touches outside its project (`outside.rs`);
    /// `None`: unknown, a carried step touches nothing outside `dest`.
    pub outside: Option<Effect>,
}

impl Footprint {
    /// The footprint of the install whose manifests are `found`, in the
    /// project mapped by `project` (C's own map, or its parent's when C
    /// copies a subdirectory below the install).
    pub fn new(
        install: &crate::preset::InstallMatch,
        found: &Manifests,
        project: CopyMap,
        dest: &str,
    ) -> Footprint {
        let image = |rel: &str| {
            let abs = project.to_image(&CtxPath::new(rel))?;
            Some(abs.into_string())
        };
        let inputs: Vec<String> = found
            .files
            .iter()
            .filter_map(|f| image(f.as_str()))
            .collect();
        let spec = install.spec;
        let names = (spec.required.iter())
            .chain(&spec.optional)
            .chain(&install.preset.optional)
            .chain(spec.required_any.iter().flatten())
            .chain(&install.flag_required);
        let mut created: Vec<String> = Vec::new();
        for dir in &found.install_dirs {
            for n in names.clone() {
                created.extend(image(&readers::join(dir.as_str(), n)));
            }
        }
        created.extend(found.stubs.iter().filter_map(|s| image(&s.path)));
        created.retain(|p| !inputs.contains(p));
        let mut written = Vec::new();
        for dir in &found.install_dirs {
            for w in found.writes.iter().chain(&found.extra_writes) {
                written.extend(image(&readers::join(dir.as_str(), w)));
            }
        }
        let install_dirs: Vec<String> = (found.install_dirs.iter())
            .filter_map(|d| image(d.as_str()))
            .collect();
        let mut looked_in: Vec<String> = Vec::new();
        for d in &install_dirs {
            let mut d = d.as_str();
            while is_under(d, dest) {
                looked_in.push(d.to_string());
                match d.rsplit_once('/') {
                    Some((up, _)) if !up.is_empty() && d != dest => d = up,
                    _ => break,
                }
            }
        }
        looked_in.extend(inputs.iter().map(|f| parent_abs(f).to_string()));
        looked_in.sort();
        looked_in.dedup();
        let looked_for = install.preset.looks_for.as_ref().map(|names| {
            let mut out: Vec<String> = created.clone();
            out.extend(found.looked_for.iter().filter_map(|f| image(f)));
            for d in &install_dirs {
                out.extend(names.iter().map(|n| resolve(d, n)));
                for up in
                    std::iter::successors(Some(d.as_str()), |p| (*p != "/").then(|| parent_abs(p)))
                {
                    out.extend(spec.optional_up.iter().map(|n| resolve(up, n)));
                }
            }
            out
        });
        Footprint {
            looked_for,
            outside: None,
            dest: dest.to_string(),
            existing: project.dest_abs.to_string(),
            inputs,
            created,
            written,
            looked_in,
            install_dirs,
            scripts: Vec::new(),
        }
    }

    /// A directory the install writes that holds image path `dir` (or
    /// lies below it).
    pub fn written_over(&self, dir: &str) -> Option<&str> {
        (self.written.iter())
            .find(|w| is_under(dir, w) || is_under(w, dir))
            .map(String::as_str)
    }

    /// A path the step creates, which C does not bring, where the install
    /// may look for a file of that name: before the rewrite the install saw
    /// it, after it does not.
    fn creates_looked_for(&self, eff: &Effect, source: &SourceCopy) -> Option<CarryConflict> {
        let (_, writes) = self.touched(eff);
        if let Some(list) = &self.looked_for {
            return writes.iter().find_map(|w| {
                let hit = list
                    .iter()
                    .find(|l| overlap(w, &PathPat::Tree((*l).clone())))?;
                Some(CarryConflict::LookedFor(
                    narrower(hit, w.path()).to_string(),
                ))
            });
        }
        let looked_in = |p: &str| self.looked_in.iter().any(|l| l == parent_abs(p));
        let dotted = |p: &str| {
            self.install_dirs.iter().any(|d| {
                p.strip_prefix(d.as_str())
                    .and_then(|rest| rest.strip_prefix('/'))
                    .is_some_and(|rest| rest.starts_with('.'))
            })
        };
        writes.iter().find_map(|w| {
            let p = w.path();
            let hit = if source.brings(w) {
                // C brings the directory, but the step may add entries to it.
                matches!(w, PathPat::Tree(_)) && self.looked_in.iter().any(|l| is_under(l, p))
            } else {
                looked_in(p) || dotted(p)
            };
            hit.then(|| CarryConflict::LookedFor(p.to_string()))
        })
    }

    /// Why a step with effect `eff` does not commute with the install, if it does not.
    fn conflict(&self, eff: &Effect, user_db: bool) -> Option<CarryConflict> {
        let (reads, writes) = self.touched(eff);
        if let Some(c) = self.outside_conflict(&reads, &writes, user_db) {
            return Some(c);
        }
        let output = |p: &PathPat| {
            self.written
                .iter()
                .any(|w| overlap(p, &PathPat::Tree(w.clone())))
        };
        let created = |p: &PathPat| {
            self.created
                .iter()
                .any(|c| overlap(p, &PathPat::Exact(c.clone())))
        };
        for w in &writes {
            if let Some(f) = self
                .inputs
                .iter()
                .find(|f| overlap(w, &PathPat::Exact((*f).clone())))
            {
                return Some(CarryConflict::InstallInput(f.clone()));
            }
        }
        // A directory the step lists (`ls`, `du`) holds what the install writes.
        let listed = |set: &[String]| {
            eff.reads
                .pats
                .iter()
                .find(|r| set.iter().any(|w| lists(r, w)))
        };
        if let Some(r) = listed(&self.written).or_else(|| listed(&self.created)) {
            return Some(CarryConflict::Lists(r.path().to_string()));
        }
        // Reading what M brings is fine: C brings the same files back first.
        let mut touched = reads.iter().chain(&writes);
        touched.find_map(|p| {
            let p_str = p.path().to_string();
            if output(p) {
                Some(CarryConflict::InstallOutput(p_str))
            } else {
                created(p).then_some(CarryConflict::InstallFile(p_str))
            }
        })
    }
}

impl Footprint {
    /// A path outside C's destination the step touches that the install
    /// writes, or writes that the install reads: the two do not commute.
    fn outside_conflict(
        &self,
        reads: &[PathPat],
        writes: &[PathPat],
        user_db: bool,
    ) -> Option<CarryConflict> {
        let outside = |p: &&PathPat| {
            let db = user_db && matches!(p.path(), "/etc/passwd" | "/etc/group");
            !db && !is_under(p.path(), &self.dest)
        };
        let Some(install) = &self.outside else {
            let p = reads.iter().chain(writes).find(outside)?;
            return Some(CarryConflict::Outside(p.path().to_string()));
        };
        let hit = |p: &PathPat, set: &[PathPat]| {
            set.iter()
                .find(|q| overlap(p, q))
                .map(|q| narrower(p.path(), q.path()).to_string())
        };
        for w in writes.iter().filter(outside) {
            if let Some(path) = hit(w, &install.reads.pats) {
                return Some(CarryConflict::OutsideRead(path));
            }
            if let Some(path) = hit(w, &install.writes.pats) {
                return Some(CarryConflict::OutsideWrite(path));
            }
        }
        let listed = |r: &PathPat| {
            (install.writes.pats.iter().any(|w| lists(r, w.path())))
                .then(|| CarryConflict::Lists(r.path().to_string()))
        };
        reads.iter().filter(outside).find_map(|r| {
            hit(r, &install.writes.pats)
                .map(CarryConflict::OutsideWrite)
                .or_else(|| listed(r))
        })
    }
}

/// Why a step cannot move after the install with C.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CarryConflict {
    /// Only RUN, COPY and ADD steps move with the source copy.
    Kind,
    /// The step touches a path outside C's destination, where the install
    /// (its caches, global packages) may read or write.
    Outside(String),
    /// Outside C's destination, the step writes a path the install reads
    /// (its configuration, runtime, the programs it runs).
    OutsideRead(String),
    /// Outside C's destination, the step touches a path the install writes
    /// (its caches, temporary files).
    OutsideWrite(String),
    /// The step writes a file the install reads.
    InstallInput(String),
    /// The step reads or writes what the install writes.
    InstallOutput(String),
    /// The step lists a directory in which the install writes.
    Lists(String),
    /// The step touches a file the install's preset names, which the
    /// context lacks: the install reads it when it exists, or creates it
    /// (a lockfile).
    InstallFile(String),
    /// The step creates a path where the install looks for files (its
    /// configuration, releases, local packages).
    LookedFor(String),
    /// The step does not commute with a step it would move past.
    Step { at: String, path: String },
    /// An instruction between the step and the install changes the state the step runs in.
    State(String),
}

impl CarryConflict {
    /// A sentence part: "moved after the install with the source copy, it {why}".
    pub fn describe(&self) -> String {
        match self {
            CarryConflict::Kind => {
                "would have to move too, and dockopt moves only RUN, COPY and ADD steps".into()
            }
            CarryConflict::Outside(p) => format!(
                "would touch {p}, outside the source copy's destination, where the install may read or write"
            ),
            CarryConflict::OutsideRead(p) => format!(
                "would change {p} only after the install, which reads it (its configuration, runtime or a program it runs)"
            ),
            CarryConflict::OutsideWrite(p) => format!(
                "would touch {p} after the install writes there (its caches or temporary files)"
            ),
            CarryConflict::InstallInput(p) => format!(
                "would no longer change {p} before the install reads it"
            ),
            CarryConflict::InstallOutput(p) => {
                format!("would touch {p} after the install writes it")
            }
            CarryConflict::Lists(p) => {
                format!("would list {p} after the install writes in it")
            }
            CarryConflict::InstallFile(p) => format!(
                "would touch {p} only after the install, which reads such a file when it exists, or creates it"
            ),
            CarryConflict::LookedFor(p) => format!(
                "would create {p} only after the install, which may read such a file (a configuration, a release, a local package) when it exists"
            ),
            CarryConflict::Step { at, path } => {
                format!("would run after {at}, which also touches {path}")
            }
            CarryConflict::State(at) => {
                format!("would run after {at}, which changes the state it runs in")
            }
        }
    }
}

impl Footprint {
    /// What a step reads and writes, with the directories it needs counted
    /// as reads and those it creates as writes (but not those that exist).
    fn touched(&self, eff: &Effect) -> (Vec<PathPat>, Vec<PathPat>) {
        let new = |d: &&String| !is_under(&self.existing, d);
        let mut reads = eff.reads.pats.clone();
        reads.extend(
            eff.needs_dirs
                .iter()
                .filter(new)
                .map(|d| PathPat::Exact(d.clone())),
        );
        let mut writes = eff.writes.pats.clone();
        writes.extend(
            eff.ensures
                .iter()
                .filter(new)
                .map(|d| PathPat::Exact(d.clone())),
        );
        (reads, writes)
    }

    /// A path both steps touch, one of them writing it (they do not commute).
    fn clash(&self, a: &Effect, b: &Effect) -> Option<String> {
        if a.unknown.is_some() || b.unknown.is_some() {
            return Some("any path".into());
        }
        let (ar, aw) = self.touched(a);
        let (br, bw) = self.touched(b);
        let hit = |ws: &[PathPat], others: &[&[PathPat]]| {
            ws.iter().find_map(|w| {
                others
                    .iter()
                    .flat_map(|o| o.iter())
                    .find(|o| overlap(w, o))
                    // The narrower of the two names the path both touch.
                    .map(|o| narrower(o.path(), w.path()).to_string())
            })
        };
        // A directory one step lists holds what the other writes below it.
        let listed = |e: &Effect, ws: &[PathPat]| {
            e.reads.pats.iter().find_map(|r| {
                ws.iter()
                    .find(|w| lists(r, w.path()))
                    .map(|w| w.path().to_string())
            })
        };
        hit(&aw, &[&br, &bw])
            .or_else(|| hit(&bw, &[&ar]))
            .or_else(|| listed(a, &bw))
            .or_else(|| listed(b, &aw))
    }
}

/// Does read `r` list the directory holding path `w`? A read of a directory
/// as such (`ls /app`, `du .`, a glob's directory) sees its entries, so a
/// write below it changes what it reads. The directories a step only needs
/// (`cd`) are not listed.
fn lists(r: &PathPat, w: &str) -> bool {
    matches!(r, PathPat::Exact(d) if w != d && is_under(w, d))
}

/// The directory holding absolute path `p`.
fn parent_abs(p: &str) -> &str {
    match p.rsplit_once('/') {
        Some(("", _)) => "/",
        Some((d, _)) => d,
        None => p,
    }
}

/// Of two overlapping paths, the one below the other.
fn narrower<'a>(a: &'a str, b: &'a str) -> &'a str {
    if a.len() >= b.len() {
        a
    } else {
        b
    }
}

/// Do two patterns name a common path?
fn overlap(a: &PathPat, b: &PathPat) -> bool {
    match (a, b) {
        (PathPat::Exact(p), PathPat::Exact(q)) => p == q,
        (PathPat::Exact(p), PathPat::Tree(t)) | (PathPat::Tree(t), PathPat::Exact(p)) => {
            is_under(p, t)
        }
        (PathPat::Tree(s), PathPat::Tree(t)) => is_under(s, t) || is_under(t, s),
    }
}

/// A command of the install's RUN that now runs before the carried steps.
pub struct RunCommand<'a> {
    pub text: String,
    pub effect: &'a Effect,
}

/// Everything a carried step moves past besides the steps between.
pub struct Crossed<'a> {
    pub footprint: &'a Footprint,
    /// The commands of R that stay before the source copy.
    pub in_run: Vec<RunCommand<'a>>,
    /// The line of R.
    pub run_line: usize,
    /// The source copy C's instruction index.
    pub source_copy: usize,
}

/// The steps between C and the install that move with C, in order; or why
/// one of them can neither stay nor move.
pub fn carry(
    rc: &RuleContext,
    crossing: &Crossing,
    source: &SourceCopy,
    crossed: &Crossed,
) -> Result<Vec<usize>, Refusal> {
    let moving: Vec<Option<Conflict>> = crossing
        .steps
        .iter()
        .map(|(xi, eff)| {
            if super::restore::brings_the_same(rc, *xi, crossed.source_copy, source.map) {
                // What it writes, C writes again with the same bytes.
                let rest = Effect {
                    writes: Default::default(),
                    ..eff.clone()
                };
                return source.conflict(&rest);
            }
            source.conflict(eff)
        })
        .collect();
    let mut carried = Vec::new();
    for (pos, conflict) in moving.iter().enumerate() {
        let Some(conflict) = conflict else { continue };
        let xi = crossing.steps[pos].0;
        if let Err(why) = movable(rc, crossing, &moving, pos, crossed, source) {
            let x = rc.model.ins[xi];
            return Err(Refusal::Crossing {
                at: Some(xi),
                why: format!(
                    "{} at line {} (`{}`) {}; moved after the install with the source copy, it {}",
                    x.name,
                    rc.line(x),
                    one_line(&x.logical_str()),
                    conflict.describe(source.map),
                    why.describe()
                ),
            });
        }
        carried.push(xi);
    }
    Ok(carried)
}

/// Can step `pos` of the crossing move after the install, right after C?
fn movable(
    rc: &RuleContext,
    crossing: &Crossing,
    moving: &[Option<Conflict>],
    pos: usize,
    crossed: &Crossed,
    source: &SourceCopy,
) -> Result<(), CarryConflict> {
    let m = rc.model;
    let (xi, eff) = &crossing.steps[pos];
    let x = m.ins[*xi];
    if !matches!(x.kind, Keyword::Run | Keyword::Copy | Keyword::Add) {
        return Err(CarryConflict::Kind);
    }
    let user_db = x.kind != Keyword::Run && x.flag("chown").is_some_and(names_a_user);
    let mut eff = eff.clone();
    if user_db {
        // COPY --chown=name resolves the name from the image's user database.
        for db in ["/etc/passwd", "/etc/group"] {
            eff.reads.push(PathPat::Exact(db.into()));
        }
    }
    let at = |i: usize| format!("{} at line {}", m.ins[i].name, rc.line(m.ins[i]));
    for (later, (yi, y_eff)) in crossing.steps.iter().enumerate().skip(pos + 1) {
        let y = m.ins[*yi];
        if matches!(
            y.kind,
            Keyword::Workdir | Keyword::Env | Keyword::Arg | Keyword::User | Keyword::Shell
        ) {
            return Err(CarryConflict::State(at(*yi)));
        }
        // A later step that moves too keeps its order with this one.
        if moving[later].is_some() {
            continue;
        }
        if let Some(path) = crossed.footprint.clash(&eff, y_eff) {
            return Err(CarryConflict::Step { at: at(*yi), path });
        }
    }
    for cmd in &crossed.in_run {
        if let Some(path) = crossed.footprint.clash(&eff, cmd.effect) {
            return Err(CarryConflict::Step {
                at: format!("`{}` (RUN at line {})", cmd.text, crossed.run_line),
                path,
            });
        }
    }
    // The lifecycle scripts run inside the install, which the step now follows.
    for cmd in &crossed.footprint.scripts {
        if let Some(path) = crossed.footprint.clash(&eff, &cmd.effect) {
            return Err(CarryConflict::Step {
                at: cmd.text.clone(),
                path,
            });
        }
    }
    match crossed.footprint.conflict(&eff, user_db) {
        Some(c) => Err(c),
        None => match crossed.footprint.creates_looked_for(&eff, source) {
            Some(c) => Err(c),
            None => Ok(()),
        },
    }
}

/// A `--chown` value that names a user or group (not only numeric ids).
fn names_a_user(v: &str) -> bool {
    v.split(':')
        .any(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::PathSet;

    fn eff(reads: Vec<PathPat>, writes: Vec<PathPat>) -> Effect {
        Effect {
            reads: PathSet { pats: reads },
            writes: PathSet { pats: writes },
            ..Effect::default()
        }
    }

    fn exact(p: &str) -> PathPat {
        PathPat::Exact(p.into())
    }

    fn tree(p: &str) -> PathPat {
        PathPat::Tree(p.into())
    }

    fn footprint() -> Footprint {
        Footprint {
            dest: "/app".into(),
            existing: "/app".into(),
            inputs: vec!["/app/package.json".into()],
            created: vec!["/app/package-lock.json".into()],
            written: vec!["/app/node_modules".into()],
            looked_in: vec!["/app".into()],
            install_dirs: vec!["/app".into()],
            scripts: Vec::new(),
            looked_for: None,
            outside: None,
        }
    }

    #[test]
    fn a_chmod_of_a_source_file_commutes_with_the_install() {
        let fp = footprint();
        let chmod = eff(vec![], vec![exact("/app/entrypoint.sh")]);
        assert_eq!(fp.conflict(&chmod, false), None);
        let rm = eff(vec![], vec![tree("/app/.git"), tree("/app/tests")]);
        assert_eq!(fp.conflict(&rm, false), None);
    }

    #[test]
    fn the_install_footprint_blocks() {
        let fp = footprint();
        let all = eff(vec![], vec![tree("/app")]);
        assert_eq!(
            fp.conflict(&all, false),
            Some(CarryConflict::InstallInput("/app/package.json".into()))
        );
        let modules = eff(vec![tree("/app/node_modules/x")], vec![]);
        assert_eq!(
            fp.conflict(&modules, false),
            Some(CarryConflict::InstallOutput("/app/node_modules/x".into()))
        );
        let lock = eff(vec![exact("/app/package-lock.json")], vec![]);
        assert!(matches!(
            fp.conflict(&lock, false),
            Some(CarryConflict::InstallFile(_))
        ));
        let manifest = eff(vec![exact("/app/package.json")], vec![]);
        assert_eq!(fp.conflict(&manifest, false), None);
        let system = eff(vec![], vec![exact("/usr/local/bin/x")]);
        assert_eq!(
            fp.conflict(&system, false),
            Some(CarryConflict::Outside("/usr/local/bin/x".into()))
        );
        let db = eff(vec![exact("/etc/passwd")], vec![tree("/app/public")]);
        assert_eq!(fp.conflict(&db, true), None);
        assert!(fp.conflict(&db, false).is_some());
    }

    /// A read of a directory lists it: a write below it, by the install or by
    /// a step that stays, changes what the read sees (`ls > /listing`).
    #[test]
    fn a_listed_directory_conflicts_with_writes_below_it() {
        let fp = footprint();
        let ls = eff(vec![exact("/app")], vec![]);
        assert_eq!(
            fp.conflict(&ls, false),
            Some(CarryConflict::Lists("/app".into()))
        );
        let ls_src = eff(vec![exact("/app/src")], vec![]);
        assert_eq!(fp.conflict(&ls_src, false), None);
        let mkdir = eff(vec![], vec![exact("/app/logs")]);
        assert_eq!(fp.clash(&ls, &mkdir), Some("/app/logs".into()));
        assert_eq!(fp.clash(&mkdir, &ls), Some("/app/logs".into()));
        assert_eq!(fp.clash(&ls_src, &mkdir), None);
        // Needing the directory (`cd`) is not listing it.
        let cd = Effect {
            needs_dirs: vec!["/app/src".into()],
            ..Effect::default()
        };
        let write_src = eff(vec![], vec![exact("/app/src/x")]);
        assert_eq!(fp.clash(&cd, &write_src), None);
    }

    /// With the install's effect outside the project known, a path outside
    /// C's destination conflicts only when the install touches it.
    #[test]
    fn outside_paths_conflict_only_with_what_the_install_touches() {
        let mut fp = footprint();
        let curl = eff(
            vec![exact("/root/.curlrc")],
            vec![exact("/usr/local/bin/wait-for-it.sh")],
        );
        assert_eq!(
            fp.conflict(&curl, false),
            Some(CarryConflict::Outside("/root/.curlrc".into()))
        );
        fp.outside = Some(eff(
            vec![tree("/etc"), tree("/root"), exact("/usr/local/bin/node")],
            vec![tree("/root/.npm"), tree("/tmp")],
        ));
        assert_eq!(fp.conflict(&curl, false), None);
        let node = eff(vec![], vec![exact("/usr/local/bin/node")]);
        assert_eq!(
            fp.conflict(&node, false),
            Some(CarryConflict::OutsideRead("/usr/local/bin/node".into()))
        );
        let tmp = eff(vec![exact("/tmp/x")], vec![]);
        assert_eq!(
            fp.conflict(&tmp, false),
            Some(CarryConflict::OutsideWrite("/tmp/x".into()))
        );
        let etc = eff(vec![], vec![exact("/etc/site.conf")]);
        assert_eq!(
            fp.conflict(&etc, false),
            Some(CarryConflict::OutsideRead("/etc/site.conf".into()))
        );
    }

    #[test]
    fn steps_clash_when_one_writes_what_the_other_touches() {
        let fp = footprint();
        let clash = |a: &Effect, b: &Effect| fp.clash(a, b);
        let a = eff(vec![], vec![exact("/app/config/.env")]);
        let reads = eff(vec![tree("/app/config")], vec![]);
        assert_eq!(clash(&a, &reads), Some("/app/config/.env".into()));
        assert_eq!(clash(&reads, &a), Some("/app/config/.env".into()));
        let other = eff(vec![exact("/app/x")], vec![exact("/app/y")]);
        assert_eq!(clash(&a, &other), None);
        let both_read = eff(vec![exact("/app/config/.env")], vec![]);
        assert_eq!(clash(&both_read, &both_read), None);
        // Making C's destination again is no effect: it exists.
        let mkdir = Effect {
            ensures: vec!["/app".into(), "/".into()],
            ..Effect::default()
        };
        let needs = Effect {
            needs_dirs: vec!["/app".into()],
            ..Effect::default()
        };
        assert_eq!(clash(&mkdir, &needs), None);
    }
}
