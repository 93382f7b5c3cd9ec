from .atomic_checkpoint_hook import AtomicCheckpointHook
from .curriculum_hook import CurriculumHook
from .throughput_hook import ThroughputHook
from .warp_visualization_hook import WarpVisualizationHook

__all__ = ['AtomicCheckpointHook', 'CurriculumHook', 'ThroughputHook', 'WarpVisualizationHook']
