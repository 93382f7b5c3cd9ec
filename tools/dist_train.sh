#!/usr/bin/env bash
# Train on GPUS processes of this node with torchrun: tools/dist_train.sh CONFIG GPUS [ARGS]
#
# Multi-node: run it on every node with the same MASTER_ADDR/PORT and NNODES, and NODE_RANK set
# per node. Without CUDA each process trains on CPU with the gloo backend (GPUS = processes).
# PYTHON picks the interpreter (default: the activated virtual environment's, else the
# project's .venv, else python on the PATH).
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG GPUS [ARGS...]" >&2
    exit 2
fi
CONFIG=$1
GPUS=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# The interpreter: $PYTHON; else the activated virtual environment's python; else the project's
# .venv (what `make` creates); else python on the PATH.
if [ -z "${PYTHON:-}" ]; then
    if [ -z "${VIRTUAL_ENV:-}" ] && [ -x "$ROOT/.venv/bin/python" ]; then
        PYTHON="$ROOT/.venv/bin/python"
    else
        PYTHON=python
    fi
fi

PYTHONPATH="$ROOT:${PYTHONPATH:-}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" \
    --master_port="$PORT" \
    "$ROOT/tools/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
