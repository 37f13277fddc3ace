#!/usr/bin/env bash
# Check out the HEAD of bare git directories (e.g. fetched snapshots) into
# DEST/<name>/ for bench/survey.sh. Blobs absent from a snapshot (large files)
# become empty placeholders listed in DEST/.meta/<name>.missing, so the tree's
# shape (which is all dockopt reads of them) is kept. Each checkout gets an
# empty `git init` (a user's clone has a .git directory, which a source copy
# may bring); the commit checked out is in DEST/.meta/<name>.commit.
#   bench/survey-checkout.sh DEST NAME=GITDIR...
set -euo pipefail
dest=$1; shift
for spec in "$@"; do
  name=${spec%%=*}; gd=${spec#*=}
  out=$dest/$name
  meta=$dest/.meta; mkdir -p "$meta"
  [ -e "$meta/$name.commit" ] && continue
  rm -rf "$out"; mkdir -p "$out"
  if git --git-dir="$gd" archive HEAD 2>/dev/null | tar -x -C "$out" 2>/dev/null; then :; else
    rm -rf "$out"; mkdir -p "$out"
    git --git-dir="$gd" ls-tree -r -z HEAD | while IFS= read -r -d '' line; do
      fields=${line%%$'\t'*}; path=${line#*$'\t'}
      read -r mode type obj <<<"$fields"
      [ "$type" = blob ] || continue
      mkdir -p "$out/$(dirname "$path")"
      if [ "$mode" = 120000 ]; then
        ln -s "$(git --git-dir="$gd" cat-file blob "$obj")" "$out/$path" 2>/dev/null || true
      elif git --git-dir="$gd" cat-file blob "$obj" >"$out/$path" 2>/dev/null; then
        if [ "$mode" = 100755 ]; then chmod +x "$out/$path"; fi
      else
        : >"$out/$path"; printf '%s\n' "$path" >>"$meta/$name.missing"
      fi
    done
  fi
  git -C "$out" init -q
  git --git-dir="$gd" rev-parse HEAD >"$meta/$name.commit"
done
