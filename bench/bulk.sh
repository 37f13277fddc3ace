#!/usr/bin/env bash
# Bulk benchmark for dockopt (DESIGN.md §4 "Benchmark", §5 targets).
#
# 1. Generates N small repositories with Dockerfiles and build contexts
#    (bench/gen_corpus.py) in a temporary directory.
# 2. Builds `cargo build --release` (unless --bin is given).
# 3. Times, with a warm page cache (one untimed run of each first):
#      a. cat of every file in the tree   (find ROOT -type f -exec cat {} +)
#         and a bare single-threaded walk   (find ROOT > /dev/null): the floor
#      b. dockopt --check ROOT            (default jobs, then -j 1; exit 1 expected)
#         and dockopt --check ROOT/*      (one path argument per repository)
#      c. one typical Dockerfile, whole process, side by side with `cat` of
#         the same file (hyperfine if installed, else a loop of
#         --single-runs runs)
# 4. Prints files, seconds, dockopt/cat and dockopt/find ratios,
#    Dockerfiles/s, peak RSS (/usr/bin/time -v, "Maximum resident set
#    size"), CPU time, and the goals (issue 14): bulk --check <= 1.5x find
#    and <= 0.5x cat; peak memory <= 64 MB (run with -n 85000 for ~100,000
#    Dockerfiles); one file <= 1.5x cat.
#
# Usage: bench/bulk.sh [-n REPOS] [-r RUNS] [--dir PARENT] [--corpus DIR]
#                      [--keep] [--bin PATH] [--seed S] [--single-runs N]
#                      [--json FILE] [--copies K] [--git]
# --copies K hard-links K copies of the corpus side by side (cheap: no new
# data), e.g. -n 10000 --copies 9 for ~106,000 Dockerfiles (the memory goal).
# --git gives each generated repository a minimal .git (gen_corpus.py --git),
# as in a tree of checkouts; without it the whole tree is one repository.
# Every case reports wall time and CPU time (user + system, GNU time; the
# least of the runs): on a loaded machine the CPU-time ratios are the steadier
# figures, so the goals are reported for both.
# Works from any directory. Exit status: 0 when the run completed (goals met
# or not: see the "goals" lines), 2 on a usage error, 1 on any other failure.

set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$script_dir/.." && pwd)"

repos=10000
runs=3
parent="${TMPDIR:-/tmp}"
corpus=""
keep=0
bin=""
seed=1
single_runs=200
json_out=""
copies=1
git_flag=()

usage() {
    sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
}

die() {
    echo "bulk.sh: $*" >&2
    exit 1
}

need_value() {
    [[ $# -ge 2 && -n "$2" ]] || { echo "bulk.sh: $1 needs a value" >&2; usage >&2; exit 2; }
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        -n|--repos) need_value "$@"; repos="$2"; shift 2 ;;
        -r|--runs) need_value "$@"; runs="$2"; shift 2 ;;
        --dir) need_value "$@"; parent="$2"; shift 2 ;;
        --corpus) need_value "$@"; corpus="$2"; shift 2 ;;
        --keep) keep=1; shift ;;
        --bin) need_value "$@"; bin="$2"; shift 2 ;;
        --seed) need_value "$@"; seed="$2"; shift 2 ;;
        --single-runs) need_value "$@"; single_runs="$2"; shift 2 ;;
        --json) need_value "$@"; json_out="$2"; shift 2 ;;
        --copies) need_value "$@"; copies="$2"; shift 2 ;;
        --git) git_flag=(--git); shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bulk.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
    esac
done
for v in repos runs single_runs copies; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]] || ((${!v} == 0)); then
        echo "bulk.sh: $v must be a positive integer" >&2
        exit 2
    fi
done
[[ "$seed" =~ ^[0-9]+$ ]] || { echo "bulk.sh: seed must be a non-negative integer" >&2; exit 2; }

# ---- tools -----------------------------------------------------------------

command -v python3 >/dev/null || die "python3 is needed to generate the corpus"
if [[ ! -x /usr/bin/time ]]; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "bulk.sh: installing GNU time (Debian package 'time')" >&2
        apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; } \
            || die "cannot install the Debian package 'time'"
    else
        die "/usr/bin/time (GNU time) is needed for peak memory: apt-get install -y time"
    fi
fi
have_hyperfine=0
command -v hyperfine >/dev/null && have_hyperfine=1

# ---- temporary directory, cleaned on exit ------------------------------------

work="$(mktemp -d "${parent%/}/dockopt-bulk.XXXXXX")"
cleanup() {
    local rc=$?
    if [[ $keep -eq 1 && -z "$corpus_given" ]]; then
        echo "bulk.sh: kept corpus in $work/corpus" >&2
        rm -rf "$work/tmp"
    else
        rm -rf "$work"
    fi
    exit "$rc"
}
corpus_given="$corpus"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$work/tmp"

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }'; }

# ---- build -------------------------------------------------------------------

if [[ -z "$bin" ]]; then
    echo "== building (cargo build --release)" >&2
    (cd "$repo_dir" && cargo build --release --bin dockopt --quiet) || die "cargo build --release failed"
    target_dir="$(cd "$repo_dir" && cargo metadata --format-version 1 --no-deps \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
    bin="$target_dir/release/dockopt"
fi
[[ -x "$bin" ]] || die "no executable at $bin"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

# ---- corpus --------------------------------------------------------------------

if [[ -n "$corpus" ]]; then
    [[ -d "$corpus" ]] || die "--corpus $corpus: not a directory"
    root="$(cd "$corpus" && pwd)"
    echo "== using existing corpus $root" >&2
    repos=$(find "$root" -mindepth 1 -maxdepth 1 -type d | wc -l)
    generated="existing corpus"
    kinds="-"
else
    root="$work/corpus"
    echo "== generating $repos repositories in $root" >&2
    t0=$(now_ns)
    summary="$(python3 "$script_dir/gen_corpus.py" "$root" -n "$repos" --seed "$seed" "${git_flag[@]}")" \
        || die "corpus generation failed"
    generated="generated in $(secs $(( $(now_ns) - t0 )))s"
    kinds="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(", ".join(f"{k} {v}" for k, v in d["kinds"].items()))' "$summary")"
fi
if ((copies > 1)); then
    echo "== hard-linking $copies copies of the corpus" >&2
    base="$root"
    root="$work/copies"
    mkdir -p "$root"
    for ((i = 0; i < copies; i++)); do cp -al "$base" "$root/c$i"; done
    repos=$((repos * copies))
fi
files=$(find "$root" -type f | wc -l)
bytes=$(find "$root" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')

# ---- measurements ---------------------------------------------------------------

# best_of NAME CMD...: run CMD `runs` times (after one untimed warm-up), keep
# the best wall time in ns in best[NAME], the least CPU time (user + system)
# in ms in cpu[NAME] and the peak RSS (KiB) in rss[NAME].
# Exit status 0 or 1 is accepted (dockopt --check exits 1 when it has
# findings); anything else fails the benchmark.
declare -A best rss status cpu
best_of() {
    local name=$1
    shift
    local i t0 t rc max_rss=0 b=0 r c min_cpu=0
    for ((i = 0; i <= runs; i++)); do
        t0=$(now_ns)
        rc=0
        /usr/bin/time -v -o "$work/tmp/time.txt" "$@" >/dev/null 2>"$work/tmp/stderr.txt" || rc=$?
        t=$(( $(now_ns) - t0 ))
        if [[ $rc -gt 1 ]]; then
            echo "bulk.sh: '${*:1:3}$([[ $# -gt 3 ]] && echo " ...")' exited with $rc; stderr (last lines):" >&2
            tail -n 20 "$work/tmp/stderr.txt" >&2
            exit 1
        fi
        r=$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$work/tmp/time.txt")
        [[ -n "$r" && "$r" -gt "$max_rss" ]] && max_rss=$r
        c=$(awk -F': *' '/User time|System time/ { s += $2 } END { printf "%d", s * 1000 }' "$work/tmp/time.txt")
        if [[ $i -gt 0 ]] && [[ $min_cpu -eq 0 || $c -lt $min_cpu ]]; then
            min_cpu=$c
        fi
        if [[ $i -gt 0 ]] && [[ $b -eq 0 || $t -lt $b ]]; then
            b=$t
        fi
    done
    best[$name]=$b
    rss[$name]=$max_rss
    cpu[$name]=$min_cpu
    status[$name]=$rc
}

echo "== timing: cat of every file (warm cache, best of $runs)" >&2
best_of cat find "$root" -type f -exec cat {} +

echo "== timing: bare find walk (single-threaded, best of $runs)" >&2
best_of find find "$root"

echo "== timing: dockopt --check (best of $runs)" >&2
best_of check "$bin" --check "$root"
summary_line="$(tail -n 1 "$work/tmp/stderr.txt")"
check_rc=${status[check]}

echo "== timing: dockopt --check -j 1 (best of $runs)" >&2
best_of check1 "$bin" --check -j 1 "$root"

# The same corpus given as one path per repository (`dockopt --check ROOT/*`),
# as a migration script over many checkouts would call it.
mapfile -t repo_paths < <(find "$root" -mindepth 1 -maxdepth 1 -type d | sort)
echo "== timing: dockopt --check ROOT/* (${#repo_paths[@]} path arguments, best of $runs)" >&2
best_of many "$bin" --check "${repo_paths[@]}"
unset repo_paths

dockerfiles=$(awk '{ gsub(",", "", $1); print $1 }' <<<"$summary_line")
[[ "$dockerfiles" =~ ^[0-9]+$ ]] || dockerfiles=$(find "$root" -type f \( -name Dockerfile -o -name 'Dockerfile.*' -o -name Containerfile -o -name '*.Dockerfile' -o -name '*.dockerfile' \) | wc -l)

# ---- single file ------------------------------------------------------------------

# The first npm-classic repository (sorted; no `| head` under pipefail).
mapfile -t candidates < <(find "$root" -mindepth 2 -maxdepth 2 -type f -path '*-npm-classic/Dockerfile' | sort)
[[ ${#candidates[@]} -gt 0 ]] || mapfile -t candidates < <(find "$root" -type f -name Dockerfile | sort)
[[ ${#candidates[@]} -gt 0 ]] || die "no Dockerfile found for the single-file run"
single="${candidates[0]}"
single_dir="$(dirname "$single")"
unset candidates
[[ -f "$single" ]] || die "no Dockerfile found for the single-file run"

echo "== timing: one file, whole process ($single_runs runs)" >&2
single_rss_kib=0
declare -A single_ms single_median single_sd
for mode in cat check diff; do
    cmd=("$bin" "$single")
    [[ $mode == check ]] && cmd=("$bin" --check "$single")
    [[ $mode == cat ]] && cmd=(cat "$single")
    if [[ $have_hyperfine -eq 1 ]]; then
        hyperfine -N -i --warmup 20 --runs "$single_runs" --style none \
            --export-json "$work/tmp/hf-$mode.json" \
            "$(printf '%q ' "${cmd[@]}")" >/dev/null 2>&1 \
            || die "hyperfine failed"
        read -r mean median sd < <(python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]; print(" ".join("%.3f" % (r[k] * 1e3) for k in ("mean", "median", "stddev")))' "$work/tmp/hf-$mode.json")
        tool="hyperfine"
    else
        for ((i = 0; i < 20; i++)); do "${cmd[@]}" >/dev/null 2>&1 || true; done
        t0=$(now_ns)
        for ((i = 0; i < single_runs; i++)); do "${cmd[@]}" >/dev/null 2>&1 || true; done
        mean=$(awk -v ns="$(( $(now_ns) - t0 ))" -v n="$single_runs" 'BEGIN { printf "%.3f", ns / n / 1e6 }')
        median="-"
        sd="-"
        tool="shell loop"
    fi
    single_ms[$mode]=$mean
    single_median[$mode]=$median
    single_sd[$mode]=$sd
done
/usr/bin/time -v -o "$work/tmp/time.txt" "$bin" --check "$single" >/dev/null 2>&1 || true
single_rss_kib=$(awk -F': *' '/Maximum resident set size/ { print $2 }' "$work/tmp/time.txt")
# CPU time (user + system) per run, which a loaded machine disturbs less
# than wall time: perf stat when installed.
declare -A single_cpu
for mode in cat check; do
    cmd=("$bin" --check "$single")
    [[ $mode == cat ]] && cmd=(cat "$single")
    single_cpu[$mode]="-"
    # (perf stat exits with the command's status: 1 when dockopt finds something.)
    if command -v perf >/dev/null; then
        perf stat -x, -r "$single_runs" -e task-clock "${cmd[@]}" >/dev/null 2>"$work/tmp/perf.txt" || true
        single_cpu[$mode]=$(awk -F, '/task-clock/ { printf "%.3f", $1 }' "$work/tmp/perf.txt")
        [[ -n "${single_cpu[$mode]}" ]] || single_cpu[$mode]="-"
    fi
done

# ---- report ----------------------------------------------------------------------

# KiB (GNU time) to MB (10^6 bytes).
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k * 1024 / 1e6 }'; }
cat_s=$(secs "${best[cat]}")
check_s=$(secs "${best[check]}")
check1_s=$(secs "${best[check1]}")
r_check=$(ratio "${best[check]}" "${best[cat]}")
r_check1=$(ratio "${best[check1]}" "${best[cat]}")
dps=$(awk -v n="$dockerfiles" -v ns="${best[check]}" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
dps1=$(awk -v n="$dockerfiles" -v ns="${best[check1]}" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
many_s=$(secs "${best[many]}")
r_many=$(ratio "${best[many]}" "${best[cat]}")
find_s=$(secs "${best[find]}")
f_check=$(ratio "${best[check]}" "${best[find]}")
f_check1=$(ratio "${best[check1]}" "${best[find]}")
f_many=$(ratio "${best[many]}" "${best[find]}")
r_one=$(awk -v a="${single_ms[check]}" -v b="${single_ms[cat]}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "inf" }')
r_one_cpu=$(awk -v a="${single_cpu[check]}" -v b="${single_cpu[cat]}" 'BEGIN { if (b + 0 > 0 && a != "-") printf "%.2f", a / b; else print "-" }')
dps_many=$(awk -v n="$dockerfiles" -v ns="${best[many]}" 'BEGIN { printf "%.0f", n / (ns / 1e9) }')
rss_many=$(mb "${rss[many]}")
rss_check=$(mb "${rss[check]}")
rss_check1=$(mb "${rss[check1]}")
peak_kib=0
for k in check check1 many; do
    if (( rss[$k] > peak_kib )); then peak_kib=${rss[$k]}; fi
done

cpu_s() { awk -v ms="${cpu[$1]}" 'BEGIN { printf "%.2f", ms / 1000 }'; }
cpu_ratio() { ratio "${cpu[$1]}" "${cpu[$2]}"; }
verdict() { if awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; then echo "met"; else echo "MISSED"; fi; }
g_bulk=$(verdict "$r_check" 0.5)
g_find=$(verdict "$f_check" 1.5)
g_mem=$(verdict "$(mb "$peak_kib")" 64)
g_one=$(verdict "$r_one" 1.5)

cat <<EOF

dockopt bulk benchmark
  machine:     $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -sr)
  binary:      $bin
  corpus:      $root
               $repos repos, $files files, $(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }'), $dockerfiles Dockerfiles ($generated)
               kinds: $kinds
  dockopt:     exit $check_rc; $summary_line
  timing:      best of $runs after one warm-up run; single file: $tool, $single_runs runs

  case                              seconds   ratio/cat  ratio/find   Dockerfiles/s   peak RSS MB    CPU s  CPU/cat  CPU/find
  cat of every file (warm)        $(printf '%9s' "$cat_s")           -           -               -              - $(printf '%8s' "$(cpu_s cat)")        -         -
  find ROOT (bare walk, 1 thread) $(printf '%9s' "$find_s")           -           -               -              - $(printf '%8s' "$(cpu_s find)")        -         -
  dockopt --check                 $(printf '%9s %11s %11s %15s %14s %8s %8s %9s' "$check_s" "$r_check" "$f_check" "$dps" "$rss_check" "$(cpu_s check)" "$(cpu_ratio check cat)" "$(cpu_ratio check find)")
  dockopt --check -j 1            $(printf '%9s %11s %11s %15s %14s %8s %8s %9s' "$check1_s" "$r_check1" "$f_check1" "$dps1" "$rss_check1" "$(cpu_s check1)" "$(cpu_ratio check1 cat)" "$(cpu_ratio check1 find)")
  dockopt --check ROOT/*          $(printf '%9s %11s %11s %15s %14s %8s %8s %9s' "$many_s" "$r_many" "$f_many" "$dps_many" "$rss_many" "$(cpu_s many)" "$(cpu_ratio many cat)" "$(cpu_ratio many find)")   (one path per repo)

  one file ($(basename "$single_dir")/Dockerfile, whole process, side by side):
    cat FILE                      mean ${single_ms[cat]} ms (median ${single_median[cat]}, sd ${single_sd[cat]}), CPU ${single_cpu[cat]} ms
    dockopt --check FILE          mean ${single_ms[check]} ms (median ${single_median[check]}, sd ${single_sd[check]}), CPU ${single_cpu[check]} ms, peak RSS $(mb "$single_rss_kib") MB
    dockopt FILE (diff)           mean ${single_ms[diff]} ms (median ${single_median[diff]}, sd ${single_sd[diff]})

goals (issue 14):
  bulk --check <= 0.5x cat:   $g_bulk wall ($r_check x; -j 1: $r_check1 x; ROOT/*: $r_many x); $(verdict "$(cpu_ratio check cat)" 0.5) CPU time ($(cpu_ratio check cat) x; -j 1: $(cpu_ratio check1 cat) x)
  bulk --check <= 1.5x find:  $g_find wall ($f_check x; -j 1: $f_check1 x; ROOT/*: $f_many x); $(verdict "$(cpu_ratio check find)" 1.5) CPU time ($(cpu_ratio check find) x; -j 1: $(cpu_ratio check1 find) x)
  peak memory <= 64 MB:       $g_mem ($(mb "$peak_kib") MB at $dockerfiles Dockerfiles)
  one file <= 1.5x cat:       $g_one ($r_one x wall; $r_one_cpu x CPU time)
EOF

if [[ -n "$json_out" ]]; then
    python3 - "$json_out" <<EOF
import json, sys
json.dump({
    "repos": $repos, "files": $files, "bytes": $bytes, "dockerfiles": $dockerfiles,
    "cpus": $(nproc), "runs": $runs,
    "cat_s": $cat_s, "check_s": $check_s, "check_j1_s": $check1_s,
    "check_many_s": $many_s, "ratio": $r_check, "ratio_j1": $r_check1, "ratio_many": $r_many,
    "dockerfiles_per_s": $dps, "dockerfiles_per_s_j1": $dps1,
    "peak_rss_mb": $rss_check, "peak_rss_j1_mb": $rss_check1, "peak_rss_many_mb": $rss_many,
    "cpu_s": {"cat": $(cpu_s cat), "find": $(cpu_s find), "check": $(cpu_s check), "check_j1": $(cpu_s check1), "check_many": $(cpu_s many)},
    "find_s": $find_s, "ratio_find": $f_check, "ratio_find_j1": $f_check1, "ratio_find_many": $f_many,
    "single_cat_ms": ${single_ms[cat]}, "single_check_ms": ${single_ms[check]}, "single_diff_ms": ${single_ms[diff]},
    "single_ratio": $r_one,
    "goals": {"bulk_cat": "$g_bulk", "bulk_find": "$g_find", "memory": "$g_mem", "single": "$g_one"},
}, open(sys.argv[1], "w"), indent=2)
EOF
fi
