"""Turn a folder of your own videos into a video collection (docs/data.md), with boxes from a
detector that ships with OpenCV, or whole frames.

Every video under DIR (.mp4 .avi .mov .mkv .webm .m4v .mpg .mpeg, at any depth) becomes one
entry. Its identity is the first subfolder under DIR that holds it (DIR/<identity>/...), or the
video's own name when it lies directly in DIR; splits are made by identity (--val-fraction,
--test-fraction of the identities, seeded; at least one identity trains).

--detector face    OpenCV's Haar frontal-face cascade, frame by frame: upright frontal faces,
                   boxes of 24 px or more (its window) in the shrunk frame, square, about 1.3x
                   the face's width
--detector person  OpenCV's HOG people detector, frame by frame: upright standing people about
                   90 px tall or more in the shrunk frame, with room above and below (its
                   window is 64 x 128); boxes 1 : 2, about 1.4x the person's height
--detector none    no detection: the whole frame is the object (nothing is decoded)

Detections (on every --stride-th frame and the last, frames shrunk to at most --max-side: by
default every 5th frame, 320 px for faces and 640 for people) are linked into
tracks by overlap (IoU >= --iou), a track ending after --max-gap frames without a detection; the
frames between detections are interpolated and the boxes smoothed over --window frames; tracks
shorter than --min-track frames are dropped, and a video left without a track is skipped and
listed ("no detections"). Both detectors ship with OpenCV 4.x (the version this project pins);
OpenCV 5 moved them to opencv_contrib, and with it face and person stop with an error that says
so (use --detector none there).

--split-shots      for edited footage: find the cuts (a change of more than --cut-threshold grey
                   levels that stands out from its neighbours; the video is decoded once more)
                   and end every track at them, so that no pair shows two scenes; with
                   --detector none every shot becomes a whole-frame track

    python tools/dataset_converters/video_folder.py my_videos --out data/my_class --detector face
    python tools/check_dataset.py configs/own_videos.py \
        --cfg-options train_dataloader.dataset.data_root=data/my_class
(it prints these next commands for the --out given; docs/own_videos.md)
"""
import logging
import os
import os.path as osp
import shlex
import sys
from typing import Callable, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (DETECTORS, ConvertedDataset, assign_splits,  # noqa: E402
                                           converter_parser, detect_shots, detect_tracks, rel_path,
                                           run_converter, split_tracks_at_shots)
from hierembed.datasets.video_io import probe  # noqa: E402

logger = logging.getLogger('video_folder')
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')
OBJECT_CLASS = dict(face='face', person='full_body', none='object')
# The side frames are shrunk to before detection: the cascade's 24-px window is 7.5 % of 320 px;
# HOG's 64 x 128 window needs room (docs/performance.md, "Face detection").
MAX_SIDE = dict(face=320, person=640)


def find_videos(root: str) -> list:
    """(path, identity) of every video under ``root``, in sorted order."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        rel = osp.relpath(folder, root)
        for name in sorted(files):
            if name.lower().endswith(VIDEO_EXTS):
                identity = osp.splitext(name)[0] if rel == '.' else rel.split(os.sep)[0]
                found.append((osp.join(folder, name), identity))
    return found


def convert(root: str, out: str, detector: str = 'none',
            detector_fn: Optional[Callable] = None, object_class: Optional[str] = None,
            val_fraction: float = 0.1, test_fraction: float = 0.1, seed: int = 0,
            split_shots: bool = False, cut_threshold: float = 30.0, **track_kwargs) -> dict:
    """Convert a folder of videos; return split -> counts and the ``no_detections`` list.

    Args:
        detector: 'face', 'person' or 'none'.
        detector_fn: a detector callable (frame -> boxes [N, 4]) used instead of the named one.
        split_shots: end tracks at cuts (:func:`hierembed.datasets.converters.detect_shots`
            with ``cut_threshold``); with no detector, one whole-frame track per shot.
        track_kwargs: of :func:`hierembed.datasets.converters.detect_tracks` (stride, max_side,
            iou_threshold, max_gap, min_length, window, subjects).

    Raises:
        FileNotFoundError: no video under ``root``.
        DetectorUnavailableError: this OpenCV lacks the detector.
        ValueError: a detector found nothing in any video.
    """
    videos = find_videos(root)
    if not videos:
        raise FileNotFoundError(f'{root}: no video files ({" ".join(VIDEO_EXTS)}) at any depth')
    if detector_fn is None and detector != 'none':
        detector_fn = DETECTORS[detector]()
    split_of = assign_splits((i for _, i in videos), val_fraction, test_fraction, seed)
    ds = ConvertedDataset(out, dict(object_class=object_class or OBJECT_CLASS[detector],
                                    source='video_folder', detector=detector, version=1))
    no_detections, ids = [], set()
    for path, identity in videos:
        vid = osp.splitext(osp.relpath(path, root))[0].replace(os.sep, '/')
        if vid in ids:
            raise ValueError(f'{path}: another video has the same name and folder ({vid})')
        ids.add(vid)
        entry = dict(id=vid, path=rel_path(path, out), identity=identity)
        if detector_fn is not None or split_shots:
            if detector_fn is not None:
                num_frames, _, _, tracks = detect_tracks(path, detector_fn, **track_kwargs)
            else:
                num_frames, height, width = probe(path)  # the count the dataset checks
                tracks = [{str(t): [0.0, 0.0, float(width), float(height)]
                           for t in range(num_frames)}]
            if split_shots:
                shots = detect_shots(path, threshold=cut_threshold)
                tracks = split_tracks_at_shots(tracks, shots,
                                               track_kwargs.get('min_length', 10))
            if not tracks:
                no_detections.append(path)
                logger.warning('%s: no detections (no track of %s frames or more), skipped',
                               path, track_kwargs.get('min_length', 10))
                continue
            entry.update(num_frames=num_frames,
                         tracks=[dict(id=k, boxes=b) for k, b in enumerate(tracks)])
        ds.add_video(split_of[identity], entry)
    if detector_fn is not None and len(no_detections) == len(videos):
        raise ValueError(f'no detections in any of the {len(videos)} videos under {root} with '
                         f'--detector {detector}; try another detector, a smaller --min-track, '
                         'or --detector none (whole frames)')
    return ds.write(no_detections=no_detections)


def next_commands(out: str) -> str:
    """The commands that take a converted folder to a trained model (docs/own_videos.md)."""
    name = osp.basename(osp.normpath(out))
    opt = f'--cfg-options train_dataloader.dataset.data_root={shlex.quote(out)}'
    return '\n'.join([
        'next:',
        f'  python tools/check_dataset.py configs/own_videos.py {opt}',
        f'  python tools/train.py configs/own_videos.py {opt}',
        f'  (work dir work_dirs/own_videos_{name}; docs/own_videos.md for embeddings and '
        'propagation)'])


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('dir', help='the folder of videos (a subfolder per identity, optional)')
    p.add_argument('--out', required=True, help='data_root to write annotations/ into')
    p.add_argument('--detector', choices=('face', 'person', 'none'), default='none')
    p.add_argument('--object-class', default=None, help='metainfo.object_class to record '
                   '(default: face, full_body or object, by detector)')
    p.add_argument('--val-fraction', type=float, default=0.1)
    p.add_argument('--test-fraction', type=float, default=0.1)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--stride', type=int, default=5,
                   help='detect on every this many frames (and the last); boxes in between are '
                   'interpolated')
    p.add_argument('--max-side', type=int, default=None,
                   help='shrink frames to this to detect (default: %s)' % ', '.join(
                       f'{k} {v}' for k, v in MAX_SIDE.items()))
    p.add_argument('--iou', type=float, default=0.3, help='IoU that links a detection')
    p.add_argument('--max-gap', type=int, default=10, help='frames a track may miss')
    p.add_argument('--min-track', type=int, default=10, help='shortest track kept (frames)')
    p.add_argument('--window', type=int, default=5, help='smoothing window (frames)')
    p.add_argument('--subjects', type=int, default=None,
                   help='keep at most this many tracks per video, those with the most '
                   'detections (1 for one person per video: drops false detections)')
    p.add_argument('--split-shots', action='store_true', help='end tracks at cuts')
    p.add_argument('--cut-threshold', type=float, default=30.0,
                   help='grey levels (0-255) a cut changes at least')
    args = p.parse_args(argv)
    return run_converter(convert, args.dir, args.out, args.detector,
                         object_class=args.object_class, val_fraction=args.val_fraction,
                         test_fraction=args.test_fraction, seed=args.seed, stride=args.stride,
                         max_side=args.max_side or MAX_SIDE.get(args.detector, 640),
                         iou_threshold=args.iou, max_gap=args.max_gap,
                         min_length=args.min_track, window=args.window, subjects=args.subjects,
                         split_shots=args.split_shots, cut_threshold=args.cut_threshold,
                         next_steps=lambda summary: next_commands(args.out))


if __name__ == '__main__':
    sys.exit(main())
