#!/usr/bin/env bash
# The main job on the embedded data: train on long-tailed digits, then evaluate the last
# checkpoint (top-1, top-5, many/medium/few-shot accuracy).
#   bash tools/demo.sh [CONFIG [WORK_DIR [tools/train.py options ...]]]
# The terminal shows one line per epoch and the metrics; everything else train.py and test.py
# print (MMEngine's log, warnings, a traceback) goes to WORK_DIR/train.log and test.log, and
# a failure shows its `error:` line or the end of its log.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CONFIG=${1:-configs/demo/coc_digits_lt_ot.py}
WORK_DIR=${2:-work_dirs/demo}
cd "$ROOT"
source tools/python_env.sh
mkdir -p "$WORK_DIR"

fail() {  # STEP STATUS LOG
  echo "$1 failed (exit status $2); full log: $3" >&2
  grep '^error: ' "$3" >&2 || tail -n 20 "$3" >&2
  exit "$2"
}

start=$(date +%s)
echo "training $CONFIG; full log: $WORK_DIR/train.log"
# coc's ProgressHook logs "progress: epoch 3/30, ETA 0:01:10" after every epoch.
status=0
"$PYTHON" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
    --cfg-options +default_hooks.progress.type=ProgressHook "${@:3}" 2>&1 \
  | tee "$WORK_DIR/train.log" | awk -F ' - progress: ' 'NF > 1 { print $2; fflush() }' \
  || status=${PIPESTATUS[0]}
(( status == 0 )) || fail training "$status" "$WORK_DIR/train.log"

checkpoint=$(cat "$WORK_DIR/last_checkpoint")
echo "testing $checkpoint; full log: $WORK_DIR/test.log"
# stdout on its own keeps MMEngine's lines and test.py's metrics in order: the metrics (and
# the pictures' paths) are what follows the last "Epoch(test)" line.
"$PYTHON" tools/test.py "$CONFIG" "$checkpoint" --work-dir "$WORK_DIR/test" \
    > "$WORK_DIR/test.log" 2> "$WORK_DIR/test.stderr" || status=$?
awk '/Epoch\(test\)/ { table = ""; next } { table = table $0 "\n" } END { printf "%s", table }' \
  "$WORK_DIR/test.log" > "$WORK_DIR/test_metrics.txt"
cat "$WORK_DIR/test.stderr" >> "$WORK_DIR/test.log" && rm "$WORK_DIR/test.stderr"
(( status == 0 )) || fail testing "$status" "$WORK_DIR/test.log"
cat "$WORK_DIR/test_metrics.txt"
echo "demo finished in $(( $(date +%s) - start ))s; metrics in $WORK_DIR/test_metrics.txt"
