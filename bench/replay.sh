#!/usr/bin/env bash
# Benchmark for `dockopt replay` and the ways of reading git history it was
# chosen from.
#
# 1. Generates a repository with COMMITS commits of a FILES-file tree
#    (bench/gen_history.py, git fast-import; default 1,000 x 10,000).
# 2. Builds `cargo build --release` (unless --bin is given).
# 3. Times, warm cache, best of RUNS:
#      a. git log --first-parent --raw -z (the one stream replay reads)
#      b. git rev-list | git diff-tree --stdin -r (same data, two processes)
#      c. git ls-tree -r per commit (whole trees; on the first 100 commits,
#         scaled to all)
#      d. gix: tree-to-tree diff of every commit against its parent
#         (bench/gix_eval, built with --gix, which needs crates.io and
#         ~100 crates; or a built one with --gix-bin; with a 64 MiB object cache)
#      e. dockopt replay --commits COMMITS, whole process, text and JSON
# 4. Prints seconds per line and the goal (replay in seconds).
#
# Usage: bench/replay.sh [--commits N] [--files N] [-r RUNS] [--dir DIR]
#                        [--keep] [--bin PATH] [--gix | --gix-bin PATH]
# Exit status: 0 when the run completed, 2 on a usage error, 1 otherwise.

set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$script_dir/.." && pwd)"

commits=1000
files=10000
runs=3
parent="${TMPDIR:-/tmp}"
keep=0
bin=""
gix=0
gix_bin=""

usage() { sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

while [ $# -gt 0 ]; do
    case "$1" in
        --commits) commits="$2"; shift 2 ;;
        --files) files="$2"; shift 2 ;;
        -r) runs="$2"; shift 2 ;;
        --dir) parent="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --bin) bin="$2"; shift 2 ;;
        --gix) gix=1; shift ;;
        --gix-bin) gix_bin="$2"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done

work="$(mktemp -d "$parent/dockopt-replay-bench.XXXXXX")"
if [ "$keep" = 0 ]; then trap 'rm -rf "$work"' EXIT; fi
repo="$work/repo"

echo "generating $commits commits of $files files in $repo" >&2
python3 "$script_dir/gen_history.py" "$repo" --commits "$commits" --files "$files"

if [ -z "$bin" ]; then
    (cd "$repo_dir" && cargo build --release --quiet)
    bin="$repo_dir/target/release/dockopt"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
[ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 1; }
if [ -n "$gix_bin" ]; then gix_bin="$(cd "$(dirname "$gix_bin")" && pwd)/$(basename "$gix_bin")"; fi

# best_of CMD...: run once untimed, then RUNS times; print the best seconds.
best_of() {
    "$@" > /dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
    local best="" t0 t1 t
    for _ in $(seq "$runs"); do
        t0=$(date +%s.%N)
        "$@" > /dev/null 2>&1
        t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    printf '%.3f' "$best"
}

git_log() {
    git -C "$repo" log --first-parent --diff-merges=first-parent --raw --no-renames \
        --no-abbrev -z --format=%x01%H%x00%P -n"$commits" HEAD --
}
diff_tree() {
    git -C "$repo" rev-list --first-parent -n"$commits" HEAD |
        git -C "$repo" diff-tree --stdin -r --no-renames -z
}
ls_tree_100() {
    git -C "$repo" rev-list --first-parent -n100 HEAD | while read -r c; do
        git -C "$repo" ls-tree -r -z "$c" > /dev/null
    done
}

printf '%-58s %s\n' "what ($commits commits, $files files)" "seconds"
printf '%-58s %s\n' "a. git log --first-parent --raw -z (one stream)" "$(best_of git_log)"
printf '%-58s %s\n' "b. git rev-list | git diff-tree --stdin -r" "$(best_of diff_tree)"
t100=$(best_of ls_tree_100)
printf '%-58s %s\n' "c. git ls-tree -r per commit (100 commits, x$((commits / 100)) scaled)" \
    "$(echo "$t100 * $commits / 100" | bc -l | xargs printf '%.3f')"
if [ "$gix" = 1 ]; then
    (cd "$script_dir/gix_eval" && cargo build --release --quiet)
    gix_bin="$script_dir/gix_eval/target/release/gix_eval"
fi
if [ -n "$gix_bin" ]; then
    export GIX_CACHE=1
    printf '%-58s %s\n' "d. gix tree diff against the parent (all commits)" \
        "$(best_of "$gix_bin" "$repo" "$commits")"
fi
cd "$repo"
printf '%-58s %s\n' "e. dockopt replay --commits $commits (whole process)" \
    "$(best_of "$bin" replay --commits "$commits")"
printf '%-58s %s\n' "   dockopt replay --commits $commits --format json" \
    "$(best_of "$bin" replay --commits "$commits" --format json)"
"$bin" replay --commits "$commits"
echo "goal: replay of 1,000 commits of a 10,000-file repository in seconds"
