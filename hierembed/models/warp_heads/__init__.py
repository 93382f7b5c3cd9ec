from .flow_warp_head import FlowWarpHead
from .hierarchical_warp_head import HierarchicalWarpHead, UpDecoder

__all__ = ['FlowWarpHead', 'HierarchicalWarpHead', 'UpDecoder']
