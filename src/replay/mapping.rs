//! Which steps of the rewritten file stand for each step of the file as it
//! is, so that a step's count can be given for both versions.
//!
//! A step maps to the first unused step of the same stage with the same text
//! (the rewrite moves the source copy but keeps its text). A step the rewrite
//! changed or split (`RUN npm ci && npm run build`) maps to the unmatched
//! rewritten steps of its stage with the same keyword, and its rewritten
//! count is the most re-runs among them: the original step's work re-runs
//! when any part of it does.

use super::steps::Steps;

/// For each original step, the rewritten steps that stand for it.
pub fn map(original: &Steps, rewritten: &Steps) -> Vec<Vec<usize>> {
    let mut used = vec![false; rewritten.steps.len()];
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); original.steps.len()];
    for (k, st) in original.steps.iter().enumerate() {
        let same = rewritten
            .steps
            .iter()
            .enumerate()
            .find(|(j, r)| !used[*j] && r.stage == st.stage && r.text == st.text);
        if let Some((j, _)) = same {
            used[j] = true;
            out[k] = vec![j];
        }
    }
    for (k, st) in original.steps.iter().enumerate() {
        if !out[k].is_empty() {
            continue;
        }
        let free = |kw_match: bool| -> Vec<usize> {
            rewritten
                .steps
                .iter()
                .enumerate()
                .filter(|(j, r)| {
                    !used[*j] && r.stage == st.stage && (!kw_match || r.keyword == st.keyword)
                })
                .map(|(j, _)| j)
                .collect()
        };
        let same_kind = free(true);
        out[k] = if same_kind.is_empty() {
            free(false)
        } else {
            same_kind
        };
        if out[k].is_empty() {
            // Nothing left to stand for it: the whole stage (conservative).
            out[k] = rewritten.stages.get(st.stage).cloned().unwrap_or_default();
        }
    }
    out
}

/// The rewritten count of each original step under `map`.
pub fn counts(map: &[Vec<usize>], rewritten_counts: &[usize]) -> Vec<usize> {
    map.iter()
        .map(|js| js.iter().map(|&j| rewritten_counts[j]).max().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;

    fn steps(src: &str) -> Steps {
        let df = crate::syntax::parse(src.as_bytes());
        Steps::new(&Model::new(src, &df))
    }

    #[test]
    fn moved_and_split_steps() {
        let a = steps("FROM n\nCOPY . .\nRUN npm ci && npm run build\nCMD x\n");
        let b =
            steps("FROM n\nCOPY package.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD x\n");
        assert_eq!(
            map(&a, &b),
            vec![vec![0], vec![3], vec![2, 4], vec![5]],
            "FROM, the moved COPY, the split RUN, CMD"
        );
        assert_eq!(counts(&map(&a, &b), &[0, 2, 2, 9, 9, 9]), vec![0, 9, 9, 9]);
    }
}
