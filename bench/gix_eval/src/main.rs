//! gix_eval REPO [N]: diff the trees of the last N first-parent commits of
//! REPO against their parents with gix, collecting the changed paths (the
//! data `dockopt replay` reads from `git log --raw`), and print the time.
//! `GIX_CACHE=1` gives gix a 64 MiB object cache (much faster on packs).

use std::ops::ControlFlow;
use std::time::Instant;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: gix_eval REPO [N]");
    let n: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse().expect("N is a number"))
        .unwrap_or(1000);
    let t = Instant::now();
    let mut repo = gix::open(&dir).expect("a repository");
    if std::env::var_os("GIX_CACHE").is_some() {
        repo.object_cache_size(Some(64 << 20));
    }
    let mut id = repo.head_id().expect("HEAD").detach();
    let (mut changed, mut commits) = (0usize, 0usize);
    for _ in 0..n {
        let c = repo.find_commit(id).expect("commit");
        let tree = c.tree().expect("tree");
        let Some(parent) = c.parent_ids().next().map(|p| p.detach()) else {
            break;
        };
        let ptree = repo.find_commit(parent).expect("parent").tree().expect("tree");
        let mut paths = Vec::new();
        ptree
            .changes()
            .expect("changes")
            .options(|o| {
                o.track_path().track_rewrites(None);
            })
            .for_each_to_obtain_tree(&tree, |ch| {
                paths.push(ch.location().to_owned());
                Ok::<_, gix::Error>(ControlFlow::Continue(()))
            })
            .expect("diff");
        changed += paths.len();
        commits += 1;
        id = parent;
    }
    println!("gix: {commits} commits, {changed} changed paths in {:?}", t.elapsed());
}
