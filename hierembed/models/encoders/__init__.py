from .base_encoder import BaseEncoder
from .conv_encoder import ConvEncoder

__all__ = ['BaseEncoder', 'ConvEncoder']
