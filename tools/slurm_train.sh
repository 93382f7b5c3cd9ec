#!/usr/bin/env bash
# Train under SLURM: tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [ARGS]
#
# GPUS (total tasks, default 8), GPUS_PER_NODE (default 8) and CPUS_PER_TASK (default 5) come
# from the environment, SRUN_ARGS adds srun options. On nodes without CUDA the tasks train on
# CPU with gloo. PYTHON picks the interpreter (default: python -u).
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG [WORK_DIR] [ARGS...]" >&2
    exit 2
fi
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
shift 3
WORK_DIR_ARGS=()
# A fourth argument that is not an option is the work dir.
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    WORK_DIR_ARGS=(--work-dir "$1")
    shift
fi
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
PYTHON=${PYTHON:-"python -u"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"

export PYTHONPATH="$ROOT:${PYTHONPATH:-}"
# shellcheck disable=SC2086  # SRUN_ARGS and PYTHON are word lists
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    $PYTHON "$ROOT/tools/train.py" "$CONFIG" "${WORK_DIR_ARGS[@]}" --launcher slurm "$@"
