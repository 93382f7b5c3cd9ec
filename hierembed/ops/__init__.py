"""The paper's equations as pure tensor functions (no modules, no state), and the
extensions this project adds (a locality prior, the log combination of Eq. 4, VICReg's
variance / covariance terms, motion weights for Eq. 6)."""
from .losses import (cycle_nll, cycle_probability, dense_to_matrix, laplace_confidence,
                     motion_weights, photometric_l1, uniqueness_normalise, variance_covariance)
from .warp import (REFINE_COMBINES, dense_probabilities, dense_topk_sources, dense_warp,
                   expand_children, flow_warp, locality_log_prior, refine_level, resize_image,
                   sparse_warp, topk_candidates)

__all__ = [
    'cycle_nll', 'cycle_probability', 'dense_to_matrix', 'laplace_confidence', 'motion_weights',
    'photometric_l1', 'uniqueness_normalise', 'variance_covariance', 'dense_probabilities',
    'dense_topk_sources', 'dense_warp', 'expand_children', 'flow_warp', 'locality_log_prior',
    'refine_level', 'resize_image', 'sparse_warp', 'topk_candidates', 'REFINE_COMBINES'
]
