# Runtime shared by every training config: iteration-based logging, atomic checkpoints, the
# level curriculum, warp pictures and a throughput record (hierembed/engine/hooks).
default_scope = 'hierembed'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # Temporary file + os.replace: a killed run never leaves a half-written checkpoint.
    checkpoint=dict(type='AtomicCheckpointHook', by_epoch=False, interval=2000,
                    max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'))

# Curriculum as in the released code: a check every 150 iterations ("epoch"), the next level
# after 15 checks without a 0.1% improvement of the training loss; after the last level the
# same test divides the learning rate by 10.
custom_hooks = [
    dict(type='CurriculumHook', monitor='loss', interval=150, patience=15, min_delta=1e-3,
         lr_factor=0.1, min_lr=1e-6),
    dict(type='WarpVisualizationHook', interval=1000, max_samples=4),
    dict(type='ThroughputHook'),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    # timeout: seconds a collective may wait (NCCL's default is 10 min); tools/train.py gives
    # it to gloo on CPU too.
    dist_cfg=dict(backend='nccl', timeout=1800))

# The learning rates of the configs are for a global batch of 16 (the paper's): the global
# batch is batch_size x processes, and the rate is scaled linearly by global batch / 16.
auto_scale_lr = dict(enable=True, base_batch_size=16)
# Multi-process runs: BatchNorm statistics over the global batch (mmengine applies it only when
# distributed; without CUDA tools/train.py drops it, SyncBatchNorm needs a GPU).
sync_bn = 'torch'
# find_unused_parameters (DDP) is set by tools/train.py: True only when the run starts with
# fewer active levels than the model has (the levels above get no gradient yet).

# TensorBoard is dropped with a warning by WarpVisualizer when it is not installed.
vis_backends = [dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')]
visualizer = dict(type='WarpVisualizer', name='visualizer', vis_backends=vis_backends)

log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
randomness = dict(seed=0)
load_from = None
resume = False
