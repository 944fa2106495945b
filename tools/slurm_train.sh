#!/usr/bin/env bash
# Usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]
# Environment: GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS, GRES, PYTHON (tools/slurm_srun.sh).
set -euo pipefail
if [[ $# -lt 4 ]]; then
  echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]" >&2
  exit 2
fi
source "$(dirname "${BASH_SOURCE[0]}")/slurm_srun.sh"
coc_srun "$1" "$2" train.py "$3" --work-dir="$4" --launcher slurm "${@:5}"
