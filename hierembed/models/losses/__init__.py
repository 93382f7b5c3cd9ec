from .cycle import CycleLoss
from .laplace_confidence import LaplaceConfidenceLoss
from .photometric import PhotometricLoss

__all__ = ['CycleLoss', 'LaplaceConfidenceLoss', 'PhotometricLoss']
