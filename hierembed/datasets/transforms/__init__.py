"""Transforms of the data pipelines, registered in ``hierembed.registry.TRANSFORMS``."""
from .crop import (CropToBox, apply_affine, crop_matrix, inside_frame_box, is_whole_frame,
                   outside_fraction, smoothed_box, union_box)
from .jitter import AlbuJitter, Albumentation

__all__ = ['CropToBox', 'AlbuJitter', 'Albumentation', 'crop_matrix', 'apply_affine',
           'union_box', 'smoothed_box', 'inside_frame_box', 'is_whole_frame', 'outside_fraction']
