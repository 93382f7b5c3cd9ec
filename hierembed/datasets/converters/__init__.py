"""What the dataset converters (``tools/dataset_converters/``) share: writing the two formats
(docs/data.md), boxes and visibility from keypoints, splits, and detection tracks and shot cuts for
a folder of a user's own videos."""
from .cli import converter_parser, run_converter
from .shots import detect_shots, find_cuts, frame_differences, split_tracks_at_shots
from .tracking import (DETECTORS, DetectorUnavailableError, detect_tracks, link_detections,
                       smooth_track)
from .writer import (ConvertedDataset, assign_splits, box_from_points, coco_visibility, image_size,
                     open_text, read_mat, rel_path, write_json_atomic)

__all__ = ['ConvertedDataset', 'assign_splits', 'box_from_points', 'coco_visibility',
           'converter_parser', 'run_converter', 'image_size', 'open_text', 'read_mat', 'rel_path',
           'write_json_atomic',
           'DETECTORS', 'DetectorUnavailableError', 'detect_tracks', 'link_detections',
           'smooth_track', 'detect_shots', 'find_cuts', 'frame_differences',
           'split_tracks_at_shots']
