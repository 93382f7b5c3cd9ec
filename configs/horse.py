# Horse embedding (paper section 5.1.4), trained on the horse subset of TigDog (Del Pero et al.,
# IJCV 2016) with the upper-body recipe: pairs at most 50 frames apart. The dataset and its
# converter are the horse plugin (plugins/horse, loaded by the custom_imports of its dataset
# config).
#
# Out of the box (no download) it trains with the CPU recipe (configs/_base_/cpu_recipe.py:
# 64 x 64 input, levels 16 -> 32 -> 64, two measured changes) on the procedural quadruped,
# rendered into data/procedural_quadruped on first use:
#     tools/dist_train.sh configs/horse.py 2
# Real TigDog: convert it once into data/horse (then this config uses it), or let the dataset
# convert it on first use:
#     python -m plugins.horse.convert /data/TigDog --out data/horse
#     tools/dist_train.sh configs/horse.py 8 --cfg-options \
#         train_dataloader.dataset.tigdog_root=/data/TigDog
# and for the paper's size, the paper model at 256 x 256 (Adam lr 1e-3, batch 16, K = 9,
# lambda = 1, three levels; see configs/upper_body.py):
#     plugins/horse/configs/tigdog_horse_paper.py
# Probe: configs/probes/horse.py (stand-in), plugins/horse/configs/probes/tigdog_horse.py.
_base_ = [
    './_base_/cpu_recipe.py',
    '../plugins/horse/configs/_base_/datasets/tigdog_horse.py',
]
# The CPU default's colour-only jitter, pairs at most 4 frames apart and batch 8 at the linear
# rule's 5e-4 for twice the iterations (configs/synthetic_upper_body.py; measured on the
# procedural upper body, face and full body, not on horses); the paper-size horse config keeps
# the released jitter, the paper's 50 and batch 16. The procedural default's four times the
# videos (docs/research/more_identities.md section 20) is not applied to the stand-in: its probe
# (configs/probes/horse.py) reads the test split of these same 24 x 120 videos.
train_cfg = dict(max_iters=6000)
train_dataloader = dict(batch_size=8,
                        dataset=dict(jitter=dict(rotate=0, scale=0, translate=0, color=0.2),
                                     max_gap=4))
