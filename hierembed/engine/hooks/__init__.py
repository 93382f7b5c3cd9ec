from .atomic_checkpoint_hook import AtomicCheckpointHook
from .curriculum_hook import CurriculumHook
from .throughput_hook import ThroughputHook
from .warp_validation_hook import WarpValidationHook, warp_vs_copy
from .warp_visualization_hook import WarpVisualizationHook

__all__ = ['AtomicCheckpointHook', 'CurriculumHook', 'ThroughputHook', 'WarpValidationHook',
           'WarpVisualizationHook', 'warp_vs_copy']
