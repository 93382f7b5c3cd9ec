"""Visibility ROC AUC as an mmengine metric (paper section 5.2)."""
from typing import Dict, Optional, Sequence, Union

from hierembed.registry import METRICS
from ..functional import visibility_auc
from .base_keypoint_metric import BaseKeypointMetric


@METRICS.register_module()
class VisibilityAUCMetric(BaseKeypointMetric):
    """ROC AUC of predicted visibility per landmark, averaged over landmarks, in %.

    Each sample needs ``pred_visibility`` ([K] scores, higher = more likely visible) and
    ``keypoints_visible`` (COCO v). Among labelled keypoints (v > 0), v = 2 is positive and v = 1
    negative; a landmark that is always (or never) visible in the evaluated set has no AUC (NaN)
    and does not enter the mean. mmpose has no such metric (its ``AUC`` is the area under the PCK
    curve).

    Args:
        name: key of the mean in the output; default ``'VisAUC'``.
        keypoints: score only these keypoints, see :class:`BaseKeypointMetric`.
        collect_device: see :class:`BaseKeypointMetric`.
        prefix: see :class:`BaseKeypointMetric`.
    """
    greater_is_better = True
    required_keys = ('pred_visibility', 'keypoints_visible')

    def __init__(self, name: Optional[str] = None,
                 keypoints: Optional[Sequence[Union[int, str]]] = None,
                 collect_device: str = 'cpu', prefix: Optional[str] = None) -> None:
        super().__init__(keypoints=keypoints, collect_device=collect_device, prefix=prefix)
        self._name = name or 'VisAUC'

    @property
    def name(self) -> str:
        return self._name

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``{name: mean AUC in %, name/<keypoint>: AUC in %}``."""
        scores = self._stack(results, 'pred_visibility')
        visible = self._stack(results, 'keypoints_visible')
        per_kpt, mean, _ = visibility_auc(scores, self.scored_mask(visible))
        return self._format(per_kpt, mean)
