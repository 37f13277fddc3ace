#!/usr/bin/env bash
# One Dockerfile, whole process (issue 14, item 5): `dockopt Dockerfile`
# (diff mode) side by side with `cat Dockerfile`, goal <= 1.5x cat.
#
# The example directory (default examples/node: a 5-line `COPY . .` /
# `npm install` Dockerfile with package.json and package-lock.json) is
# copied to a temporary directory outside any repository, as a user's
# project would be (run inside this repository, dockopt's sharing census
# would walk the repository's ~1,200 test-fixture directories). Both
# commands run there, alternately in --blocks blocks of --runs runs each, so
# they share the machine's load; each block is timed with
# `perf stat -r RUNS -e task-clock` (CPU time and wall time, ms; means).
# Without perf, a loop timed with bash's `times` (children's user + system
# CPU) and `date +%s%N` is used instead.
# Prints per block and overall (the least and the median of the blocks)
# the CPU and wall time of each and the dockopt/cat ratios.
#
# Usage: bench/one.sh [--example NAME | --dir DIR] [--bin PATH]
#                     [--runs N] [--blocks B] [--check] [--in-place]
#   --example NAME  examples/NAME (node, python, rust); default node
#   --dir DIR       any directory holding a Dockerfile
#   --bin PATH      the binary to time (default: cargo build --release,
#                   then target/release/dockopt)
#   --runs N        runs per block (default 300)
#   --blocks B      blocks per command (default 3)
#   --check         time `dockopt --check Dockerfile` instead of diff mode
#   --in-place      run in the directory itself (no temporary copy)
# Exit status: 0 when the run completed (goal met or not: see the "goal"
# line), 2 on a usage error, 1 on any other failure.

set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$script_dir/.." && pwd)"

example=node
dir=""
bin=""
runs=300
blocks=3
mode=diff
in_place=0

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}
die() {
    echo "one.sh: $*" >&2
    exit 1
}
need_value() {
    [[ $# -ge 2 && -n "$2" ]] || { echo "one.sh: $1 needs a value" >&2; usage >&2; exit 2; }
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --example) need_value "$@"; example="$2"; shift 2 ;;
        --dir) need_value "$@"; dir="$2"; shift 2 ;;
        --bin) need_value "$@"; bin="$2"; shift 2 ;;
        --runs) need_value "$@"; runs="$2"; shift 2 ;;
        --blocks) need_value "$@"; blocks="$2"; shift 2 ;;
        --check) mode=check; shift ;;
        --in-place) in_place=1; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "one.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for v in runs blocks; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]] || ((${!v} == 0)); then
        echo "one.sh: --$v must be a positive integer" >&2
        exit 2
    fi
done
label="${dir:-examples/$example}"
[[ -n "$dir" ]] || dir="$repo_dir/examples/$example"
[[ -f "$dir/Dockerfile" ]] || { echo "one.sh: no Dockerfile in $dir" >&2; exit 2; }

if [[ -z "$bin" ]]; then
    echo "== building (cargo build --release)" >&2
    (cd "$repo_dir" && cargo build --release --quiet) || die "cargo build --release failed"
    bin="$repo_dir/target/release/dockopt"
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
[[ -x "$bin" ]] || die "not an executable: $bin"

work=""
if [[ $in_place -eq 0 ]]; then
    work="$(mktemp -d "${TMPDIR:-/tmp}/dockopt-one.XXXXXX")"
    trap 'rm -rf "$work"' EXIT
    cp -R "$dir/." "$work/"
    dir="$work"
fi
cd "$dir"

dockopt_cmd=("$bin" Dockerfile)
[[ $mode == check ]] && dockopt_cmd=("$bin" --check Dockerfile)
cat_cmd=(cat Dockerfile)
# dockopt exits 1 when it has a change or a finding; 2 is an error.
set +e
"${dockopt_cmd[@]}" >/dev/null 2>&1
rc=$?
set -e
[[ $rc -le 1 ]] || die "${dockopt_cmd[*]} failed (exit $rc) in $dir"

have_perf=0
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
    have_perf=1
fi

# time_block CMD...: prints "CPU_MS WALL_MS" (means over $runs runs).
time_block() {
    if [[ $have_perf -eq 1 ]]; then
        perf stat -r "$runs" -e task-clock "$@" 2>&1 >/dev/null | awk '
            / msec task-clock/ { cpu = $1 }
            /seconds time elapsed/ { wall = $1 * 1e3 }
            END { printf "%.3f %.3f\n", cpu, wall }'
    else
        local t0 t1 before after
        before="$(times | tail -1)"
        t0=$(date +%s%N)
        for ((i = 0; i < runs; i++)); do "$@" >/dev/null 2>&1 || true; done
        t1=$(date +%s%N)
        after="$(times | tail -1)"
        awk -v b="$before" -v a="$after" -v ns=$((t1 - t0)) -v n="$runs" '
            function secs(s,   m) { split(s, m, "m"); return m[1] * 60 + m[2] }
            BEGIN {
                split(b, x, " "); split(a, y, " ")
                cpu = (secs(y[1]) + secs(y[2])) - (secs(x[1]) + secs(x[2]))
                printf "%.3f %.3f\n", cpu / n * 1e3, ns / n / 1e6
            }'
    fi
}

tool="perf stat -r $runs -e task-clock"
[[ $have_perf -eq 1 ]] || tool="bash times (CPU) and date (wall), loops of $runs runs"
where="in place"
[[ $in_place -eq 1 ]] || where="copied outside any repository"
echo "one file: dockopt ${dockopt_cmd[*]:1} ($bin) vs cat Dockerfile; $label, $where"
echo "$blocks blocks x $runs runs each, alternating; $tool; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')"
printf '%-7s %12s %12s %12s %12s %9s %9s\n' block "cat CPU ms" "dockopt CPU" "cat wall ms" "dockopt wall" "CPU x" "wall x"
cpu_ratios=()
wall_ratios=()
cat_cpus=()
opt_cpus=()
for ((b = 1; b <= blocks; b++)); do
    read -r c_cpu c_wall < <(time_block "${cat_cmd[@]}")
    read -r d_cpu d_wall < <(time_block "${dockopt_cmd[@]}")
    rc=$(awk -v a="$d_cpu" -v b="$c_cpu" 'BEGIN { printf "%.2f", a / b }')
    rw=$(awk -v a="$d_wall" -v b="$c_wall" 'BEGIN { printf "%.2f", a / b }')
    cpu_ratios+=("$rc")
    wall_ratios+=("$rw")
    cat_cpus+=("$c_cpu")
    opt_cpus+=("$d_cpu")
    printf '%-7s %12s %12s %12s %12s %9s %9s\n' "$b" "$c_cpu" "$d_cpu" "$c_wall" "$d_wall" "$rc" "$rw"
done

stats() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%s %s\n", v[1], v[int((NR + 1) / 2)] }'; }
read -r cpu_min cpu_med < <(stats "${cpu_ratios[@]}")
read -r wall_min wall_med < <(stats "${wall_ratios[@]}")
read -r cat_min _ < <(stats "${cat_cpus[@]}")
read -r opt_min _ < <(stats "${opt_cpus[@]}")
echo "least CPU: cat $cat_min ms, dockopt $opt_min ms"
echo "dockopt/cat CPU: least ${cpu_min}x, median ${cpu_med}x; wall: least ${wall_min}x, median ${wall_med}x"
goal=$(awk -v r="$cpu_med" 'BEGIN { print (r <= 1.5) ? "met" : "not met" }')
echo "goal one file <= 1.5x cat (median CPU ratio): $goal"
