from .keypoint_eval import keypoint_distance_norm, nme, normalised_distances, pck_accuracy
from .visibility_eval import roc_auc, visibility_auc, visibility_targets

__all__ = [
    'normalised_distances', 'pck_accuracy', 'nme', 'keypoint_distance_norm', 'roc_auc',
    'visibility_auc', 'visibility_targets'
]
