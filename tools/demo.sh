#!/usr/bin/env bash
# The main job on the embedded data: train on long-tailed digits, then evaluate the last
# checkpoint (top-1, top-5, many/medium/few-shot accuracy).
#   bash tools/demo.sh [CONFIG [WORK_DIR [tools/train.py options ...]]]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG=${1:-configs/demo/coc_digits_lt_ot.py}
WORK_DIR=${2:-work_dirs/demo}
PY="$ROOT/.venv/bin/python"
cd "$ROOT"

start=$(date +%s)
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "${@:3}"
"$PY" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" --work-dir "$WORK_DIR/test" \
  | tee "$WORK_DIR/test_metrics.txt"
echo "demo finished in $(( $(date +%s) - start ))s; metrics in $WORK_DIR/test_metrics.txt"
