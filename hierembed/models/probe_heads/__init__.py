from .landmark_heads import (BaseLandmarkHead, LinearLandmarkHead, MLPLandmarkHead,
                             masked_keypoint_loss)
from .visibility_head import VisibilityHead

__all__ = [
    'BaseLandmarkHead', 'LinearLandmarkHead', 'MLPLandmarkHead', 'VisibilityHead',
    'masked_keypoint_loss'
]
