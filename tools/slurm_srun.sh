# Sourced by tools/slurm_train.sh and tools/slurm_test.sh: OpenMMLab's srun command for both.
# GPUS processes in all (default 8), GPUS_PER_NODE per node (default 8), CPUS_PER_TASK (5),
# SRUN_ARGS passed to srun. On a partition without GPUs set GRES= (empty): each task then runs
# on the CPU with the gloo backend, as tools/dist_train.sh does there.
# Python: $PYTHON, else the project's .venv, else python (tools/python_env.sh).
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
GRES=${GRES-gpu:$GPUS_PER_NODE}
SRUN_ARGS=${SRUN_ARGS:-""}
COC_TOOLS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$COC_TOOLS/python_env.sh"

# coc_srun PARTITION JOB_NAME TOOL.py [TOOL args...]
coc_srun() {
  # SRUN_ARGS is split into words on purpose (several srun options in one variable).
  # shellcheck disable=SC2086
  exec srun -p "$1" --job-name="$2" ${GRES:+--gres="$GRES"} \
      --ntasks="$GPUS" --ntasks-per-node="$GPUS_PER_NODE" --cpus-per-task="$CPUS_PER_TASK" \
      --kill-on-bad-exit=1 $SRUN_ARGS \
      "$PYTHON" -u "$COC_TOOLS/$3" "${@:4}"
}
