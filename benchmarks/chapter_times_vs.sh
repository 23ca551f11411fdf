#!/usr/bin/env bash
# Wall time of Part I chapters, this checkout against an older commit, interleaved (issue 21).
#
#   benchmarks/chapter_times_vs.sh f0f6b02 "02_classical_cnn 04_qcnn" 2
#
# checks the commit out into a temporary worktree, then runs each chapter's .ipynb with
# `jupyter nbconvert --execute` (a fresh kernel, small profile, offline) alternately from the
# old worktree and from this checkout, ROUNDS times; prints "round side chapter seconds load".
# Both sides share the machine's load at the moment, so the comparison holds on a busy machine
# where absolute times do not.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OLD_COMMIT=${1:?commit}; CHAPTERS=${2:-"02_classical_cnn 04_qcnn 05_quantum_image_classifier 06_hybrid_filters"}; ROUNDS=${3:-1}
WT=$(mktemp -d); OUT=$(mktemp -d)
git -C "$ROOT" worktree add -f --detach "$WT" "$OLD_COMMIT" -q
trap 'git -C "$ROOT" worktree remove --force "$WT"; rm -rf "$OUT"' EXIT
for r in $(seq "$ROUNDS"); do
  for side in old new; do
    d=$ROOT; [ "$side" = old ] && d=$WT
    for c in $CHAPTERS; do
      s=$(date +%s.%N)
      (cd "$d" && PYTHONPATH="$d" QBOOK_PROFILE=small QBOOK_OFFLINE=1 PYTHONHASHSEED=0 \
        "$ROOT/.venv/bin/jupyter" nbconvert --to notebook --execute "book/$c.ipynb" \
        --output-dir "$OUT/$side" --ExecutePreprocessor.timeout=900 >/dev/null 2>&1)
      e=$(date +%s.%N)
      echo "$r $side $c $(echo "$e - $s" | bc) load$(uptime | sed 's/.*average:/:/')"
    done
  done
done
