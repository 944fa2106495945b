#!/usr/bin/env bash
# The first check of coc on a machine with a CUDA GPU, planned for one GPU and under 8 minutes
# (each step has its own timeout, so a hang costs at most that step):
#
#   bash tools/benchmarks/gpu_check.sh            # runs every step, prints the summary table
#   bash tools/benchmarks/gpu_check.sh --dry-run  # lists the steps and their commands
#
# Steps: coc_speed (fp32 and AMP columns), mix_step, 200 iterations of the headline config
# (configs/coc_s_cifar100lt_ot.py) on synthetic CIFAR-shaped data with --amp in float16 and
# in bfloat16, two deterministic runs of a few iterations (their weights must be equal), one
# RetinaNet and one Mask R-CNN training step (synthetic batch), and 2-process DDP when two
# GPUs are visible. Each step's log and result go to tools/benchmarks/results/
# gpu_check_<date>/ (GPU_CHECK_OUT overrides), <step>.json holding step, status, seconds and
# its key number; a failing step is recorded and the next one runs. Without a GPU it says so
# and exits 0.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
OUT="${GPU_CHECK_OUT:-$ROOT/tools/benchmarks/results/gpu_check_$(date -u +%F)}"
DRY_RUN=0
case "${1:-}" in
  --dry-run) DRY_RUN=1 ;;
  '') ;;
  *) echo "error: unknown argument $1; usage: bash tools/benchmarks/gpu_check.sh [--dry-run]" >&2
     exit 2 ;;
esac

HEADLINE=configs/coc_s_cifar100lt_ot.py
CIFAR="$OUT/data/cifar100"
# The headline on the synthetic files: 3,200 long-tailed training images = 200 iterations of
# 16 images per stream in one epoch; every step mixes (OT pairing under autocast).
synthetic_options() {  # training images; the --cfg-options of one epoch on them
  local loader
  for loader in train_dataloader val_dataloader test_dataloader; do
    printf '%s ' "$loader.dataset.data_root=$CIFAR" "+$loader.dataset.verify_md5=False"
  done
  printf '%s ' "+train_dataloader.dataset.indices=$1" train_cfg.max_epochs=1 \
    train_cfg.val_interval=1 model.schedule.mix_prob=1.0 model.schedule.start_epoch=0 \
    model.schedule.end_epochs=0
}
# no checkpoints (170 MB each) but the deterministic pair's, which are compared
headline_options="$(synthetic_options 3200) default_hooks.checkpoint=None"
# 4 iterations; the DDP step's 320 images are 10 iterations on each of 2 processes
deterministic_options="$(synthetic_options 64) randomness.deterministic=True randomness.seed=0"
ddp_options="$(synthetic_options 320) default_hooks.checkpoint=None"

# name | timeout (s) | command (run from the repository root; $OUT/<name>/ is its folder)
steps=(
  "synthetic_cifar|60|$PY tools/benchmarks/write_synthetic_cifar.py $CIFAR"
  "coc_speed|240|$PY tools/benchmarks/coc_speed.py --device cuda --amp --batch-size 64 --steps 3 --warmup 2 --rounds 1 --out-dir $OUT/coc_speed"
  "mix_step|150|$PY tools/benchmarks/mix_step.py --devices cuda --steps 5 --warmup 2 --out-dir $OUT/mix_step"
  "headline_amp_float16|180|$PY tools/train.py $HEADLINE --amp --amp-dtype float16 --work-dir $OUT/headline_amp_float16 --cfg-options $headline_options"
  "headline_amp_bfloat16|180|$PY tools/train.py $HEADLINE --amp --amp-dtype bfloat16 --work-dir $OUT/headline_amp_bfloat16 --cfg-options $headline_options"
  "deterministic_a|120|$PY tools/train.py $HEADLINE --no-validate --work-dir $OUT/deterministic_a --cfg-options $deterministic_options"
  "deterministic_b|120|$PY tools/train.py $HEADLINE --no-validate --work-dir $OUT/deterministic_b --cfg-options $deterministic_options"
  "retinanet_step|150|$PY tools/benchmarks/detection_step.py configs/mmdet/retinanet_coc-s_fpn_1x_coco.py --device cuda --size 800 1216 --out $OUT/retinanet_step/result.json"
  "mask_rcnn_step|150|$PY tools/benchmarks/detection_step.py configs/mmdet/mask-rcnn_coc-s_fpn_1x_coco.py --device cuda --size 800 1216 --out $OUT/mask_rcnn_step/result.json"
  "ddp_2_gpus|240|env PYTHON=$PY PORT=29533 bash tools/dist_train.sh $HEADLINE 2 --work-dir $OUT/ddp_2_gpus --cfg-options $ddp_options"
)

if (( DRY_RUN )); then
  echo "gpu_check: would run, in $ROOT, writing to $OUT:"
  for entry in "${steps[@]}"; do
    IFS='|' read -r name limit command <<< "$entry"
    note=''
    [[ $name == ddp_2_gpus ]] && note=' (only with 2 or more GPUs visible)'
    printf '  %s [timeout %ss]%s: %s\n' "$name" "$limit" "$note" "$command"
  done
  exit 0
fi

gpus=$("$PY" -c 'import torch; print(torch.cuda.device_count())' 2>/dev/null || echo 0)
if [[ "$gpus" == 0 ]]; then
  echo "gpu_check: no CUDA GPU visible (torch.cuda.device_count() is 0), nothing to check here"
  exit 0
fi

mkdir -p "$OUT"
"$PY" -c 'import torch; print(torch.__version__, torch.version.cuda,
  [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())])' \
  > "$OUT/machine.txt" 2>&1

record() {  # name status seconds rc command: <name>.json with the step's key number
  "$PY" tools/benchmarks/gpu_check_report.py record "$OUT" "$@"
}

for entry in "${steps[@]}"; do
  IFS='|' read -r name limit command <<< "$entry"
  if [[ $name == ddp_2_gpus ]] && (( gpus < 2 )); then
    record "$name" skipped 0 0 "$command (needs 2 GPUs, $gpus visible)"
    continue
  fi
  echo "[gpu_check] $name ..."
  mkdir -p "$OUT/$name"
  start=$(date +%s)
  timeout "$limit" $command > "$OUT/$name.log" 2>&1
  rc=$?
  status=ok
  (( rc == 124 )) && status=timeout
  (( rc != 0 && rc != 124 )) && status=failed
  record "$name" "$status" "$(( $(date +%s) - start ))" "$rc" "$command"
  echo "[gpu_check]   $status in $(( $(date +%s) - start ))s"
done

rm -f "$OUT"/deterministic_?/*.pth  # compared in deterministic_b's record
"$PY" tools/benchmarks/gpu_check_report.py table "$OUT"
