#!/usr/bin/env bash
# One place that installs everything coc needs, on a fresh machine or an installed one.
#
#   bash tools/install.sh        # creates/reuses the venv, prints each step with its time
#
# The venv lives in ~/.cache/coc/venvs/<hash of requirements + setup.py> and `.venv` links
# to it, so a new clone of the same revision reuses it. mmcv 2.1.0 is compiled once per
# torch version into ~/.cache/coc/wheelhouse/torch-<ver>/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${COC_CACHE:-$HOME/.cache/coc}"
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3

step_start=0
step() { step_start=$(date +%s); printf '[install] %s ...\n' "$1"; }
done_step() { printf '[install]   done in %ss\n' "$(( $(date +%s) - step_start ))"; }

inputs_hash=$(cat "$ROOT"/requirements/*.txt "$ROOT/setup.py" "$ROOT/tools/install.sh" | sha256sum | cut -c1-16)
VENV="${COC_VENV:-$CACHE/venvs/$inputs_hash}"
STAMP="$VENV/.coc-installed"
PY="$VENV/bin/python"
PIP=("$PY" -m pip install --disable-pip-version-check -q -c "$ROOT/requirements/constraints.txt")

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

TORCH_VER=$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')
WHEELHOUSE="$CACHE/wheelhouse/torch-$TORCH_VER"
MMCV_VER=$(sed -n 's/^mmcv==//p' "$ROOT/requirements/mminstall.txt")
if ! ls "$WHEELHOUSE"/mmcv-"$MMCV_VER"-*.whl >/dev/null 2>&1; then
  step "building mmcv $MMCV_VER with CPU ops for torch $TORCH_VER (about 11 min on 2 cores)"
  build_dir=$(mktemp -d)
  "$PY" -m pip download -q --no-deps --no-build-isolation --no-binary :all: "mmcv==$MMCV_VER" -d "$build_dir"
  tar -xzf "$build_dir"/mmcv-"$MMCV_VER".tar.gz -C "$build_dir"
  # torch >= 2.10 headers need C++20; mmcv 2.1.0 hard-codes -std=c++17 (mmcv issue #3341).
  sed -i 's/-std=c++17/-std=c++20/g' "$build_dir/mmcv-$MMCV_VER/setup.py"
  mkdir -p "$WHEELHOUSE"
  (cd "$build_dir/mmcv-$MMCV_VER" &&
   MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS="$(nproc)" \
     "$PY" -m pip wheel -q --no-deps --no-build-isolation . -w "$WHEELHOUSE")
  rm -rf "$build_dir"
  done_step
fi

step "OpenMMLab stack, POT, scikit-learn"
"${PIP[@]}" --find-links "$WHEELHOUSE" -r "$ROOT/requirements/mminstall.txt" \
  -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt"
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
"$PY" - <<'PY'
import cv2, mmcv, mmdet, mmengine, mmpretrain, ot, torch
from mmcv.ops import nms
assert hasattr(cv2, 'saliency'), 'cv2 has no saliency module: opencv-contrib was shadowed'
print(f'torch {torch.__version__}, mmcv {mmcv.__version__}, mmengine {mmengine.__version__}, '
      f'mmpretrain {mmpretrain.__version__}, mmdet {mmdet.__version__}, pot {ot.__version__}, '
      f'cv2 {cv2.__version__}')
PY
echo "$ROOT" > "$STAMP"
done_step
