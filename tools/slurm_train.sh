#!/usr/bin/env bash
# Train under SLURM: tools/slurm_train.sh PARTITION JOB_NAME CONFIG [WORK_DIR] [ARGS]
#
# GPUS (total tasks, default 8), GPUS_PER_NODE (default 8) and CPUS_PER_TASK (default 5) come
# from the environment, SRUN_ARGS adds srun options. On nodes without CUDA the tasks train on
# CPU with gloo. PYTHON picks the interpreter (default: the activated virtual environment's,
# else the project's .venv, else python on the PATH; run with -u).
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
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# The interpreter: $PYTHON; else the activated virtual environment's python; else the project's
# .venv (what `make` creates); else python on the PATH.
if [ -z "${PYTHON:-}" ]; then
    if [ -z "${VIRTUAL_ENV:-}" ] && [ -x "$ROOT/.venv/bin/python" ]; then
        PYTHON="$ROOT/.venv/bin/python -u"
    else
        PYTHON="python -u"
    fi
fi

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
