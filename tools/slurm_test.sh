#!/usr/bin/env bash
# Usage: tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]
# Environment: GPUS, GPUS_PER_NODE, CPUS_PER_TASK, SRUN_ARGS, GRES, PYTHON (tools/slurm_srun.sh).
set -euo pipefail
if [[ $# -lt 4 ]]; then
  echo "usage: $0 PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args]" >&2
  exit 2
fi
source "$(dirname "${BASH_SOURCE[0]}")/slurm_srun.sh"
coc_srun "$1" "$2" test.py "$3" "$4" --launcher slurm "${@:5}"
