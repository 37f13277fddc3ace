//! Results in path order, a batch at a time, so a run over many files holds
//! one batch of results rather than all of them.
//!
//! One exception: Dockerfiles that share a build context may each add lines
//! to the same ignore file, and those changes are merged into the first of
//! them (`ignore_merge`). Those files are processed first, merged, and held
//! until their turn; every other file is processed when its batch comes.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use rayon::prelude::*;
use rayon::ThreadPool;

use crate::runner::{FileResult, Target};

/// Files processed together before they are reported.
pub fn batch_size(threads: usize) -> usize {
    (threads * 128).max(256)
}

/// Indices of the targets whose build context another target shares.
fn sharing_a_context(targets: &[Target]) -> Vec<usize> {
    let mut by_ctx: HashMap<PathBuf, Vec<usize>> = HashMap::new();
    for (i, t) in targets.iter().enumerate() {
        if let Some(c) = &t.context {
            by_ctx
                .entry(crate::config::absolute(c))
                .or_default()
                .push(i);
        }
    }
    let mut out: Vec<usize> = by_ctx
        .into_values()
        .filter(|v| v.len() > 1)
        .flatten()
        .collect();
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

/// Process `targets` (sorted by path) with `run`, yielding the results in
/// the same order.
pub fn results<'a, F>(
    targets: &'a [Target],
    pool: Option<&'a ThreadPool>,
    batch: usize,
    run: F,
) -> impl Iterator<Item = FileResult> + 'a
where
    F: Fn(&Target) -> FileResult + Sync + 'a,
{
    let shared = sharing_a_context(targets);
    let items: Vec<&Target> = shared.iter().map(|&i| &targets[i]).collect();
    let mut early = run_all(pool, &items, &run);
    crate::ignore_merge::merge(&mut early);
    let mut held: BTreeMap<usize, FileResult> = shared.into_iter().zip(early).collect();
    let indices: Vec<usize> = (0..targets.len()).collect();
    let chunks: Vec<Vec<usize>> = indices
        .chunks(batch.max(1))
        .map(<[usize]>::to_vec)
        .collect();
    chunks.into_iter().flat_map(move |chunk| {
        let todo: Vec<&Target> = chunk
            .iter()
            .filter(|i| !held.contains_key(i))
            .map(|&i| &targets[i])
            .collect();
        let mut fresh = run_all(pool, &todo, &run).into_iter();
        chunk
            .iter()
            .map(|i| match held.remove(i) {
                Some(r) => r,
                None => fresh.next().expect("one result per target"),
            })
            .collect::<Vec<FileResult>>()
    })
}
