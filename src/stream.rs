//! Results in path order, a batch at a time, so a run over many files holds
//! one batch of results rather than all of them.
//!
//! One exception: Dockerfiles that share a build context may each add lines
//! to the same ignore file, and those changes are merged into the first of
//! them (`ignore_merge`). Such a group is processed when the batch holding
//! its first member comes, merged, and its other members held until their
//! turn; every other file is processed when its batch comes.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;
use rayon::ThreadPool;

use crate::runner::{FileResult, Target};

/// The targets `0..keys.len()` in ranges of about `size`, none splitting a
/// group of targets with the same context key (`keys[i]`, a hash of the
/// context: two contexts with one hash only make a range longer). A run
/// makes one range of targets at a time.
pub fn chunks(keys: &[Option<u64>], size: usize) -> Vec<std::ops::Range<usize>> {
    let mut last: HashMap<u64, usize> = HashMap::new();
    for (i, k) in keys.iter().enumerate() {
        if let Some(k) = k {
            last.insert(*k, i);
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    while start < keys.len() {
        let mut end = (start + size.max(1)).min(keys.len());
        let mut i = start;
        while i < end {
            if let Some(k) = keys[i] {
                end = end.max(last[&k] + 1);
            }
            i += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// Files processed together before they are reported.
pub fn batch_size(threads: usize) -> usize {
    (threads * 128).max(256)
}

/// Groups of targets (indices, ascending) that share a build context;
/// targets alone in theirs are in no group.
fn sharing_a_context(targets: &[Target]) -> Vec<Vec<usize>> {
    let mut by_ctx: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(c) = &t.context {
            by_ctx
                .entry(crate::config::absolute(c))
                .or_default()
                .push(i);
        }
    }
    let mut out: Vec<Vec<usize>> = by_ctx.into_values().filter(|v| v.len() > 1).collect();
    out.sort_unstable();
    out
}

fn run_all<F>(pool: Option<&ThreadPool>, items: &[&Target], run: &F) -> Vec<FileResult>
where
    F: Fn(&Target) -> FileResult + Sync,
{
    match pool {
        Some(p) => p.install(|| items.par_iter().map(|t| run(t)).collect()),
        None => items.iter().map(|t| run(t)).collect(),
    }
}

/// Which group each target sharing a context is in, and whether that
/// group has been processed.
struct Groups {
    members: Vec<Vec<usize>>,
    of: HashMap<usize, usize>,
    done: Vec<bool>,
}

impl Groups {
    fn new(targets: &[Target]) -> Groups {
        let members = sharing_a_context(targets);
        let of = members
            .iter()
            .enumerate()
            .flat_map(|(g, m)| m.iter().map(move |&i| (i, g)))
            .collect();
        let done = vec![false; members.len()];
        Groups { members, of, done }
    }

    /// The members (ascending) of the groups first reached in `chunk`.
    fn first_reached(&mut self, chunk: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        for i in chunk {
            if let Some(&g) = self.of.get(i) {
                if !self.done[g] {
                    self.done[g] = true;
                    out.extend_from_slice(&self.members[g]);
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// Process `targets` (sorted by path) with `run`, yielding the results in
/// the same order.
///
/// A group of targets sharing a context is processed (and its ignore-file
/// changes merged) when the batch holding its first member comes; its
/// later members are held until their turn. A repository's Dockerfiles are
/// near each other in path order, so few results are held at a time.
pub fn results<'a, F>(
    targets: Vec<Target>,
    pool: Option<&'a ThreadPool>,
    batch: usize,
    run: F,
) -> impl Iterator<Item = FileResult> + 'a
where
    F: Fn(&Target) -> FileResult + Sync + 'a,
{
    let mut groups = Groups::new(&targets);
    let mut held: BTreeMap<usize, FileResult> = BTreeMap::new();
    let chunks: Vec<std::ops::Range<usize>> = (0..targets.len())
        .step_by(batch.max(1))
        .map(|s| s..(s + batch.max(1)).min(targets.len()))
        .collect();
    chunks.into_iter().flat_map(move |range| {
        let chunk: Vec<usize> = range.collect();
        let shared = groups.first_reached(&chunk);
        let todo: Vec<&Target> = shared
            .iter()
            .chain(chunk.iter().filter(|i| !groups.of.contains_key(i)))
            .map(|&i| &targets[i])
            .collect();
        let mut fresh = run_all(pool, &todo, &run);
        let rest = fresh.split_off(shared.len());
        crate::ignore_merge::merge(&mut fresh);
        held.extend(shared.into_iter().zip(fresh));
        let mut rest = rest.into_iter();
        chunk
            .iter()
            .map(|i| match held.remove(i) {
                Some(r) => r,
                None => rest.next().expect("one result per target"),
            })
            .collect::<Vec<FileResult>>()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ranges of the asked size, in order, covering every target; one is
    /// longer where a group (same key) would straddle its end.
    #[test]
    fn chunks_do_not_split_a_group() {
        let keys: Vec<Option<u64>> = (0..10).map(|i| Some(i as u64)).collect();
        assert_eq!(chunks(&keys, 4), [0..4, 4..8, 8..10]);
        let mut keys = keys;
        keys[2] = Some(99);
        keys[5] = Some(99); // 2 and 5: one group
        keys[6] = None;
        assert_eq!(chunks(&keys, 4), [0..6, 6..10]);
        keys[9] = Some(99); // ... and 9: the first range takes all
        assert_eq!(
            chunks(&keys, 4),
            vec![std::ops::Range { start: 0, end: 10 }]
        );
        assert_eq!(chunks(&[], 4), Vec::<std::ops::Range<usize>>::new());
        assert_eq!(chunks(&[None, None], 0), [0..1, 1..2]);
    }

    #[test]
    fn a_group_is_run_once_when_its_first_member_is_reached() {
        let mut g = Groups {
            members: vec![vec![1, 5], vec![2, 3]],
            of: [(1, 0), (5, 0), (2, 1), (3, 1)].into_iter().collect(),
            done: vec![false, false],
        };
        assert_eq!(g.first_reached(&[0]), Vec::<usize>::new());
        assert_eq!(g.first_reached(&[1, 2]), vec![1, 2, 3, 5]);
        assert_eq!(
            g.first_reached(&[3, 4, 5]),
            Vec::<usize>::new(),
            "already run"
        );
    }
}
