"""Datasets: video pairs for self-supervised training, COCO keypoint sets for the probes,
procedural classes that need no download, their transforms, samplers and class metainfo."""
from .concat_pair_dataset import ConcatPairDataset
from .keypoint_dataset import KeypointDataset
from .metainfo import parse_metainfo
from .samplers import DefaultPairSampler, InfinitePairSampler
from .transforms import AlbuJitter, Albumentation, CropToBox
from .validation import DatasetFormatError
from .video_io import VideoDecodeError
from .video_pair_dataset import VideoPairDataset

__all__ = ['VideoPairDataset', 'ConcatPairDataset', 'KeypointDataset', 'parse_metainfo', 'InfinitePairSampler',
           'DefaultPairSampler', 'CropToBox', 'AlbuJitter', 'Albumentation',
           'DatasetFormatError', 'VideoDecodeError']
