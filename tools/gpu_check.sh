#!/usr/bin/env bash
# The GPU check: what only a GPU can show, in one command (about 5 minutes on one GPU).
#
#   tools/gpu_check.sh [--device cuda|cpu] [--out DIR] [--small]
#
# Steps (each logged to DIR/steps/<step>.log; a failed step does not stop the others):
#   ops       tests/test_ops/test_device.py on the device: the warp and the losses against the
#             CPU float64 oracles, in float32 and under autocast (float16 on CUDA);
#             tests/test_probe/test_baselines.py: the supervised ceiling trained there
#   warp      tools/benchmark_warp.py: fwd+bwd time and peak memory, sparse vs grid_sample vs
#             dense, 32-256 px
#   train     tools/benchmark_train.py at paper size (hierembed_paper.py, batch 16): step
#             time, pairs/s and peak memory, sparse vs the released formulation
#   fit       50 iterations of tools/train.py (--amp on CUDA) on the procedural upper body
#   resume    tools/train.py --resume to iteration 60 (SkipIterBasedTrainLoop)
#   features  the trained encoder's embeddings on the device vs on the CPU
#   probe     tools/probe.py --device on that checkpoint (a small probe set)
# and writes DIR/summary.json: per step its exit status, seconds and figures. Exit status: the
# number of failed steps. --small: test sizes, for a CPU (the test suite runs it so).
set -uo pipefail

DEVICE=cuda
OUT=work_dirs/gpu_check
SMALL=0
while [ $# -gt 0 ]; do
    case "$1" in
        --device) DEVICE=$2; shift 2 ;;
        --out) OUT=$2; shift 2 ;;
        --small) SMALL=1; shift ;;
        *) echo "usage: $0 [--device cuda|cpu] [--out DIR] [--small]" >&2; exit 2 ;;
    esac
done
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PY=${PYTHON:-python}
export PYTHONPATH="$ROOT:${PYTHONPATH:-}" NO_ALBUMENTATIONS_UPDATE=1
mkdir -p "$OUT/steps"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"

step() {  # step NAME COMMAND...: run, log, record exit status and seconds
    local name=$1; shift
    local start=$SECONDS
    "$@" > "$OUT/steps/$name.log" 2>&1
    local rc=$?
    local secs=$((SECONDS - start))
    echo "{\"rc\": $rc, \"seconds\": $secs}" > "$OUT/steps/$name.json"
    echo "[gpu_check] $name: exit $rc in $secs s (log: $OUT/steps/$name.log)"
}

if [ "$SMALL" = 1 ]; then
    WARP_ARGS=(--sizes 32 --repeats 1)
    TRAIN_BENCH_ARGS=(--configs configs/_base_/models/hierembed_cpu.py:2 --steps 1)
    FIT_ITERS=4; RESUME_ITERS=6
    # Tiny model and data: the same code paths at test size.
    TRAIN_OPTS=(model.encoder.input_size=32 model.encoder.embed_dim=32
                model.encoder.base_channels=8 model.encoder.max_channels=32
                model.warp_head.base_size=8 model.warp_head.topk=4 model.warp_head.max_channels=16
                train_dataloader.batch_size=2 train_dataloader.num_workers=0
                train_dataloader.persistent_workers=False train_dataloader.dataset.input_size=32
                train_dataloader.dataset.procedural.num_videos=4
                train_dataloader.dataset.procedural.num_frames=16
                train_dataloader.dataset.procedural.size=64)
    PROBE_OPTS=(probe_dataset.input_size=32 probe_dataset.procedural.num_videos=4
                probe_dataset.procedural.num_frames=16 probe_dataset.procedural.size=64
                probe_cfg.epochs=2)
else
    WARP_ARGS=()
    TRAIN_BENCH_ARGS=(--configs configs/_base_/models/hierembed_paper.py:16 --steps 5)
    FIT_ITERS=50; RESUME_ITERS=60
    TRAIN_OPTS=(train_dataloader.dataset.procedural.num_videos=20
                train_dataloader.dataset.procedural.num_frames=50)
    PROBE_OPTS=(probe_dataset.procedural.num_videos=20 probe_dataset.procedural.num_frames=50
                probe_cfg.epochs=20)
fi
DATA="$OUT/data/synthetic_upper_body"
TRAIN_OPTS+=(train_dataloader.dataset.data_root="$DATA" default_hooks.logger.interval=10
             default_hooks.checkpoint.interval=$((FIT_ITERS / 2)))
AMP=()
[ "${DEVICE%%:*}" = cuda ] && AMP=(--amp)

step ops env HIEREMBED_TEST_DEVICE="$DEVICE" "$PY" -m pytest -q -p no:cacheprovider \
    tests/test_ops/test_device.py tests/test_probe/test_baselines.py
step warp "$PY" tools/benchmark_warp.py --device "$DEVICE" --out "$OUT/warp.json" \
    "${WARP_ARGS[@]}"
step train "$PY" tools/benchmark_train.py --device "$DEVICE" --out "$OUT/train.json" \
    "${TRAIN_BENCH_ARGS[@]}"
step fit "$PY" tools/train.py configs/synthetic_upper_body.py --work-dir "$OUT/fit" "${AMP[@]}" \
    --cfg-options train_cfg.max_iters=$FIT_ITERS "${TRAIN_OPTS[@]}"
step resume "$PY" tools/train.py configs/synthetic_upper_body.py --work-dir "$OUT/fit" \
    "${AMP[@]}" --resume --cfg-options train_cfg.max_iters=$RESUME_ITERS "${TRAIN_OPTS[@]}"
CKPT="$OUT/fit/iter_$RESUME_ITERS.pth"
step features "$PY" - "$CKPT" "$DEVICE" "$OUT/features.json" <<'PYEOF'
import json
import sys

import torch

from hierembed.apis.inference import embed_images, init_embedder

ckpt, device, out = sys.argv[1:4]
cpu = init_embedder(None, ckpt, device='cpu')
dev = init_embedder(None, ckpt, device=device)
g = torch.Generator().manual_seed(0)
images = torch.randint(0, 256, (16, 3, cpu.input_size, cpu.input_size), generator=g,
                       dtype=torch.uint8)
a, b = embed_images(cpu, images), embed_images(dev, images)
result = dict(max_abs_diff=float((a - b).abs().max()), max_abs=float(a.abs().max()),
              cosine_min=float(torch.nn.functional.cosine_similarity(a, b).min()))
json.dump(result, open(out, 'w'), indent=1)
print(result)
assert result['cosine_min'] > 0.999, result
PYEOF
step probe "$PY" tools/probe.py configs/probes/synthetic_upper_body.py --checkpoint "$CKPT" \
    --device "$DEVICE" --work-dir "$OUT/probe" --baselines --no-progress \
    --cfg-options probe_dataset.data_root="$OUT/data/probe_upper_body" "${PROBE_OPTS[@]}"

"$PY" - "$OUT" "$DEVICE" "$SMALL" <<'PYEOF'
import glob
import json
import os.path as osp
import sys

import torch

out, device, small = sys.argv[1], sys.argv[2], sys.argv[3] == '1'


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


summary = dict(device=device, small=small, torch=torch.__version__,
               gpu=torch.cuda.get_device_name() if torch.cuda.is_available() else None,
               steps={})
for path in sorted(glob.glob(osp.join(out, 'steps', '*.json'))):
    summary['steps'][osp.basename(path)[:-5]] = load(path)
steps = summary['steps']
for name, file in (('warp', 'warp.json'), ('train', 'train.json'),
                   ('features', 'features.json')):
    if name in steps and load(osp.join(out, file)) is not None:
        steps[name]['result'] = load(osp.join(out, file))
if 'probe' in steps:
    steps['probe']['result'] = load(osp.join(out, 'probe', 'results.json')) is not None
for name in ('fit', 'resume'):
    logs = sorted(glob.glob(osp.join(out, 'fit', '*', '*.log')))
    if name in steps and logs:
        text = open(logs[-1 if name == 'resume' else 0]).read()
        lines = [ln for ln in text.splitlines() if 'Throughput over' in ln or 'Resuming' in ln]
        steps[name]['notes'] = lines[-2:]
summary['failed'] = sorted(k for k, v in steps.items() if not v or v['rc'] != 0)
with open(osp.join(out, 'summary.json'), 'w') as f:
    json.dump(summary, f, indent=1)
print(f"[gpu_check] summary: {osp.join(out, 'summary.json')}; failed: {summary['failed']}")
sys.exit(len(summary['failed']))
PYEOF
