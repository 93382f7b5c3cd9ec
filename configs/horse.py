# Horse embedding (paper section 5.1.4), trained on the horse subset of TigDog (Del Pero et al.,
# IJCV 2016) with the upper-body recipe: Adam lr 1e-3, batch 16, K = 9, lambda = 1, three
# levels, pairs at most 50 frames apart. The dataset and its converter are the horse plugin
# (plugins/horse, loaded by the custom_imports of its dataset config).
#
# Out of the box (no download) it trains at CPU size -- 64 x 64 input, levels 16 -> 32 -> 64 --
# on the procedural quadruped, rendered into data/procedural_quadruped on first use:
#     tools/dist_train.sh configs/horse.py 2
# Real TigDog: convert it once into data/horse (then this config uses it), or let the dataset
# convert it on first use:
#     python -m plugins.horse.convert /data/TigDog --out data/horse
#     tools/dist_train.sh configs/horse.py 8 --cfg-options \
#         train_dataloader.dataset.tigdog_root=/data/TigDog
# and for the paper's size, the paper model at 256 x 256 (see configs/upper_body.py):
#     plugins/horse/configs/tigdog_horse_paper.py
# Probe: configs/probes/horse.py (stand-in), plugins/horse/configs/probes/tigdog_horse.py.
_base_ = [
    './_base_/default_runtime.py',
    './_base_/models/hierembed_cpu.py',
    '../plugins/horse/configs/_base_/datasets/tigdog_horse.py',
    './_base_/schedules/adam_lr1e-3_iter.py',
]
# At CPU size, the two measured changes of configs/synthetic_upper_body.py (docs/learning.md):
# sigma = Softplus(beta 1) and the cycle loss at the released code's 0.1.
model = dict(
    warp_head=dict(base_size=16, num_levels=3, topk=9, sigma_beta=1.0),
    cycle_loss=dict(type='CycleLoss', loss_weight=0.1))
train_dataloader = dict(batch_size=16, dataset=dict(max_gap=50))
optim_wrapper = dict(optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(max_iters=3000)

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=250, max_keep_ckpts=2))
custom_hooks = [
    dict(type='CurriculumHook', monitor='loss', interval=25, patience=4, min_delta=1e-2,
         lr_factor=0.1, min_lr=1e-6),
    dict(type='WarpVisualizationHook', interval=250, max_samples=4),
    dict(type='ThroughputHook'),
]
log_processor = dict(window_size=10)
