#!/usr/bin/env bash
# Real-world reach survey (issue 12): run `dockopt --format json .` at the root
# of every checkout in a directory, as a migrating user would, and tabulate
# each Dockerfile's outcome.
#   bench/survey.sh [-b DOCKOPT] [-o OUTDIR] [-- extra dockopt args] CHECKOUTS_DIR
# Writes OUTDIR/<repo>.json (dockopt's JSON) and prints a TSV, one row per
# Dockerfile found:  repo  path  status  reason-kind  applicability  context_source  context  message
# then a summary on stderr. A repository where dockopt found no Dockerfile
# gets one row with status `not-found`; a run that printed no JSON, `error`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/target/release/dockopt
out=$(mktemp -d)
extra=()
while [ $# -gt 0 ]; do
  case $1 in
    -b) bin=$2; shift 2 ;;
    -o) out=$2; shift 2 ;;
    --) shift; while [ $# -gt 1 ]; do extra+=("$1"); shift; done ;;
    *) break ;;
  esac
done
dir=${1:?usage: survey.sh [-b DOCKOPT] [-o OUTDIR] CHECKOUTS_DIR}
mkdir -p "$out"
for repo in "$dir"/*/; do
  name=$(basename "$repo")
  json=$out/$name.json
  (cd "$repo" && "$bin" --format json "${extra[@]}" . >"$json" 2>"$out/$name.stderr") || true
  if ! jq -e . "$json" >/dev/null 2>&1; then
    printf '%s\t-\terror\t-\t-\t-\t-\t%s\n' "$name" "$(head -c 200 "$out/$name.stderr" | tr '\t\n' '  ')"
    continue
  fi
  if [ "$(jq '.files | length' "$json")" = 0 ]; then
    printf '%s\t-\tnot-found\t-\t-\t-\t-\t-\n' "$name"
    continue
  fi
  jq -r --arg repo "$name" '.files[] |
    ([.findings[]? | select(.reason != null)][0]) as $r |
    ([.findings[]? | select(.applicability != null)][0]) as $f |
    [$repo, .path, .status, ($r.reason.kind // "-"), ($f.applicability // "-"),
     (.context_source // "-"), (.context // "-"),
     (($r.reason.text // .error // "-") | gsub("[\t\n]"; " "))] | @tsv' "$json"
done | tee "$out/table.tsv"
# Summary: statuses, left-alone reasons (unsafe-only fixes as `unsafe-fix`),
# and the reach: rewritten by default / files dockopt found something in.
awk -F'\t' '
  { n[$3]++ }
  $3 == "left-alone" { k = ($4 != "-") ? $4 : (($5 == "unsafe") ? "unsafe-fix" : "other"); r[k]++ }
  $3 == "changed" || $3 == "left-alone" { repo_any[$1] = 1 }
  $3 == "changed" { repo_changed[$1] = 1 }
  $3 == "left-alone" { repo_left[$1] = 1 }
  END {
    for (s in n) printf "%s: %d\n", s, n[s]
    for (k in r) printf "  left-alone %s: %d\n", k, r[k]
    for (x in repo_any) { a++; if (x in repo_changed && !(x in repo_left)) c++ }
    printf "reach: %d of %d Dockerfiles with a finding rewritten; %d of %d repositories fully rewritten\n",
      n["changed"], n["changed"] + n["left-alone"], c, a
  }' "$out/table.tsv" | sort >&2
echo "output in $out" >&2
