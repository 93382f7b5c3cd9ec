from .base_warp_head import BaseWarpHead
from .flow_warp_head import FlowWarpHead
from .hierarchical_warp_head import HierarchicalWarpHead, UpDecoder

__all__ = ['BaseWarpHead', 'FlowWarpHead', 'HierarchicalWarpHead', 'UpDecoder']
