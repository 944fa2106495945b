#!/usr/bin/env bash
# One place that installs everything coc needs, on a fresh machine or an installed one.
#
#   bash tools/install.sh            # creates/reuses the venv, prints each step with its time
#   bash tools/install.sh --dry-run  # prints the mmcv build it would run, installs nothing
#
# The venv lives in ~/.cache/coc/venvs/<hash of requirements + setup.py> and `.venv` links
# to it, so a new clone of the same revision reuses it. mmcv 2.1.0 is compiled once per
# torch version into ~/.cache/coc/wheelhouse/torch-<ver>/ with CPU ops. On a machine with a
# CUDA GPU and nvcc it gets CUDA ops for the visible GPUs' architectures instead, in a wheel
# and a venv of their own (torch-<ver>-cuda<nvcc ver>-sm<archs>), so that a CPU build is never
# reused there.
set -euo pipefail

DRY_RUN=0
case "${1:-}" in
  --dry-run) DRY_RUN=1 ;;
  '') ;;
  *) echo "error: unknown argument $1; usage: bash tools/install.sh [--dry-run]" >&2; exit 2 ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${COC_CACHE:-$HOME/.cache/coc}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3

step_start=0
step() { step_start=$(date +%s); printf '[install] %s ...\n' "$1"; }
done_step() { printf '[install]   done in %ss\n' "$(( $(date +%s) - step_start ))"; }

# mmcv's ops: "cpu", or "cuda<nvcc version>-sm<archs>" on a GPU machine with nvcc. Without
# nvcc the CPU ops still let classification train on the GPU; detection needs mmcv's CUDA ops.
gpu_archs=$( (nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null || true) |
  tr -d ' ' | grep -E '^[0-9]+\.[0-9]+$' | sort -u | paste -sd ';' || true)
cuda_home="${CUDA_HOME:-${CUDA_PATH:-}}"  # where torch's extension builder looks first
if [[ -z "$cuda_home" ]]; then
  nvcc_path=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  cuda_home=$(dirname "$(dirname "$nvcc_path")")
fi
MMCV_OPS=cpu
if [[ -n "$gpu_archs" && -x "$cuda_home/bin/nvcc" ]]; then
  cuda_ver=$("$cuda_home/bin/nvcc" --version | sed -n 's/.*release \([0-9][0-9.]*\),.*/\1/p')
  MMCV_OPS="cuda$cuda_ver-sm$(tr -d . <<< "$gpu_archs" | tr ';' _)"
elif [[ -n "$gpu_archs" ]]; then
  echo "[install] GPU found but no nvcc (CUDA_HOME or PATH): mmcv gets CPU ops, enough for classification on the GPU; detection on the GPU needs mmcv's CUDA ops: install the CUDA toolkit of torch's CUDA version (python -c 'import torch; print(torch.version.cuda)'; e.g. apt-get install cuda-toolkit-13-0 for 13.0), set CUDA_HOME to it and rerun"
fi

inputs_hash=$(cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$ROOT/tools/install.sh" | sha256sum | cut -c1-16)
[[ "$MMCV_OPS" == cpu ]] || inputs_hash="$inputs_hash-$MMCV_OPS"
VENV="${COC_VENV:-$CACHE/venvs/$inputs_hash}"
STAMP="$VENV/.coc-installed"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check -q -c "$ROOT/requirements/constraints.txt")

TORCH_VER=$(sed -n 's/^torch==//p' "$ROOT/requirements/torch.txt")
MMCV_VER=$(sed -n 's/^mmcv==//p' "$ROOT/requirements/mminstall.txt")
if [[ "$MMCV_OPS" == cpu ]]; then
  WHEELHOUSE="$CACHE/wheelhouse/torch-$TORCH_VER"
  # mmcv's setup.py compiles CUDA ops whenever torch sees a GPU, FORCE_CUDA=0 or not.
  build_env=(CUDA_VISIBLE_DEVICES= MMCV_WITH_OPS=1 FORCE_CUDA=0)
else
  WHEELHOUSE="$CACHE/wheelhouse/torch-$TORCH_VER-$MMCV_OPS"
  build_env=(MMCV_WITH_OPS=1 FORCE_CUDA=1 "TORCH_CUDA_ARCH_LIST=$gpu_archs" "CUDA_HOME=$cuda_home")
fi
build_cmd=(env "${build_env[@]}" "MAX_JOBS=$(nproc)"
           "$PY" -m pip wheel -q --no-deps --no-build-isolation . -w "$WHEELHOUSE")

if (( DRY_RUN )); then
  echo "[install] dry run: venv $VENV ($([[ -f "$STAMP" ]] && echo installed || echo to create))"
  if ls "$WHEELHOUSE"/mmcv-"$MMCV_VER"-*.whl >/dev/null 2>&1; then
    echo "[install] mmcv $MMCV_VER ($MMCV_OPS ops): cached in $WHEELHOUSE, no build"
  else
    echo "[install] mmcv $MMCV_VER ($MMCV_OPS ops) would be built in its source folder with:"
    printf '%q ' "${build_cmd[@]}"; echo
  fi
  exit 0
fi

ln -sfn "$VENV" "$ROOT/.venv"

if [[ -f "$STAMP" ]]; then
  step "reusing venv $VENV"
  # The venv may have been made by another clone: point the editable install here.
  if [[ "$(cat "$STAMP")" != "$ROOT" ]]; then
    "${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"
    echo "$ROOT" > "$STAMP"
  fi
  done_step
  exit 0
fi

step "venv at $VENV"
"$PYTHON" -m venv "$VENV"
"${PIP[@]}" --upgrade pip
"${PIP[@]}" -r "$ROOT/requirements/build.txt"
done_step

step "torch + torchvision"
"${PIP[@]}" -r "$ROOT/requirements/torch.txt"
done_step

if ! ls "$WHEELHOUSE"/mmcv-"$MMCV_VER"-*.whl >/dev/null 2>&1; then
  step "building mmcv $MMCV_VER with $MMCV_OPS ops for torch $TORCH_VER (CPU ops: about 11 min on 2 cores)"
  build_dir=$(mktemp -d)
  "$PY" -m pip download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==$MMCV_VER" -d "$build_dir"
  tar -xzf "$build_dir"/mmcv-"$MMCV_VER".tar.gz -C "$build_dir"
  # torch >= 2.10 headers need C++20; mmcv 2.1.0 hard-codes -std=c++17 (mmcv issue #3341).
  sed -i 's/-std=c++17/-std=c++20/g' "$build_dir/mmcv-$MMCV_VER/setup.py"
  mkdir -p "$WHEELHOUSE"
  (cd "$build_dir/mmcv-$MMCV_VER" && "${build_cmd[@]}")
  rm -rf "$build_dir"
  done_step
fi

step "OpenMMLab stack, POT, scikit-learn"
"${PIP[@]}" --find-links "$WHEELHOUSE" -r "$ROOT/requirements/mminstall.txt" \
  -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt" \
  -r "$ROOT/requirements/deploy.txt"
done_step

step "opencv-contrib (cv2.saliency)"
"$PY" -m pip uninstall -y -q opencv-python opencv-python-headless opencv-contrib-python \
  opencv-contrib-python-headless 2>/dev/null || true
"${PIP[@]}" --no-deps -r "$ROOT/requirements/opencv.txt"
done_step

step "coc (editable)"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"
done_step

step "checking the stack"
COC_MMCV_OPS="$MMCV_OPS" "$PY" - <<'PY'
import os
import cv2, mmcv, mmdet, mmengine, mmpretrain, ot, torch
from mmcv.ops import nms
assert hasattr(cv2, 'saliency'), 'cv2 has no saliency module: opencv-contrib was shadowed'
if os.environ['COC_MMCV_OPS'] != 'cpu':  # raises if mmcv's CUDA ops are missing
    boxes = torch.tensor([[0., 0., 4., 4.], [0., 0., 4., 5.]], device='cuda')
    nms(boxes, torch.tensor([0.9, 0.8], device='cuda'), 0.5)
print(f'torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, '
      f'mmpretrain {mmpretrain.__version__}, mmdet {mmdet.__version__}, pot {ot.__version__}, '
      f'cv2 {cv2.__version__}')
PY
echo "$ROOT" > "$STAMP"
done_step
