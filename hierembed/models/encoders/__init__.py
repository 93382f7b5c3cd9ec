from .conv_encoder import ConvEncoder

__all__ = ['ConvEncoder']
