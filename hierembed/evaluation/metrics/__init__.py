from .base_keypoint_metric import BaseKeypointMetric, split_metric_output
from .nme_metric import NMEMetric
from .pck_metric import PCKMetric
from .visibility_auc_metric import VisibilityAUCMetric

__all__ = [
    'BaseKeypointMetric', 'split_metric_output', 'PCKMetric', 'NMEMetric', 'VisibilityAUCMetric'
]
