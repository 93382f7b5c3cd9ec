"""The paper's equations as pure tensor functions (no modules, no state)."""
from .losses import (cycle_nll, cycle_probability, dense_to_matrix, laplace_confidence,
                     photometric_l1, uniqueness_normalise)
from .warp import (dense_probabilities, dense_topk_sources, dense_warp, expand_children, flow_warp,
                   locality_log_prior, refine_level, resize_image, sparse_warp, topk_candidates)

__all__ = [
    'cycle_nll', 'cycle_probability', 'dense_to_matrix', 'laplace_confidence', 'photometric_l1',
    'uniqueness_normalise', 'dense_probabilities', 'dense_topk_sources', 'dense_warp',
    'expand_children', 'flow_warp', 'locality_log_prior', 'refine_level', 'resize_image',
    'sparse_warp', 'topk_candidates'
]
