from .hierarchical_warp_head import HierarchicalWarpHead, UpDecoder

__all__ = ['HierarchicalWarpHead', 'UpDecoder']
