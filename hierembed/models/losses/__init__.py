from .cycle import CycleLoss
from .laplace_confidence import LaplaceConfidenceLoss
from .photometric import PhotometricLoss
from .variance_covariance import VarianceCovarianceLoss

__all__ = ['CycleLoss', 'LaplaceConfidenceLoss', 'PhotometricLoss', 'VarianceCovarianceLoss']
