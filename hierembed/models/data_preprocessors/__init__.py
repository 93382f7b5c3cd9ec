from .pair_data_preprocessor import PairDataPreprocessor, images_to_float

__all__ = ['PairDataPreprocessor', 'images_to_float']
