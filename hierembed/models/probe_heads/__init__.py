from .base_probe_head import BaseProbeHead, build_mlp
from .landmark_heads import BaseLandmarkHead, LinearLandmarkHead, MLPLandmarkHead
from .losses import MaskedKeypointLoss, MaskedVisibilityLoss, masked_keypoint_loss
from .visibility_head import VisibilityHead

__all__ = [
    'BaseProbeHead', 'build_mlp', 'BaseLandmarkHead', 'LinearLandmarkHead', 'MLPLandmarkHead',
    'VisibilityHead', 'MaskedKeypointLoss', 'MaskedVisibilityLoss', 'masked_keypoint_loss'
]
