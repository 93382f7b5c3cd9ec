"""Training machinery: checkpoint I/O, hooks, the resuming loop, launch helpers.

Importing this package registers the checkpoint loader for local files (torch >= 2.6) and the
atomic ``local_atomic`` file backend; see ``hierembed.engine.checkpoint``.
"""
from .checkpoint import (AtomicLocalBackend, atomic_write_bytes, checkpoint_safe_globals,
                         load_from_local_weights_only)
from .hooks import AtomicCheckpointHook, CurriculumHook, ThroughputHook, WarpVisualizationHook
from .launch import (flush_denormals_to_zero, init_distributed, prepare_train_cfg,
                     teardown_distributed)
from .loops import SkipIterBasedTrainLoop
from .runner import HierembedRunner, latest_checkpoint, work_dir_lock

__all__ = ['AtomicCheckpointHook', 'AtomicLocalBackend', 'CurriculumHook', 'HierembedRunner',
           'ThroughputHook', 'latest_checkpoint', 'work_dir_lock',
           'SkipIterBasedTrainLoop', 'WarpVisualizationHook', 'atomic_write_bytes',
           'checkpoint_safe_globals', 'flush_denormals_to_zero', 'init_distributed',
           'load_from_local_weights_only',
           'prepare_train_cfg', 'teardown_distributed']
