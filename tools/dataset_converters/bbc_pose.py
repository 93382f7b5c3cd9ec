"""Convert BBC Pose and Extended BBC Pose (Charles et al. 2013, Pfister et al. 2014) to the
toolkit's two formats.

Obtain: https://www.robots.ox.ac.uk/~vgg/data/pose/ (registration; the frames of each video and
the annotation package with ``bbcpose.mat``). Expected under ROOT::

    bbcpose.mat             (also found in code/ or bbcpose_extbbcpose_code_1.0/) one struct
                            array ``bbcpose`` [1, V]: videoName, type ('train' / 'val' /
                            'test'), source, train_frames [1, N], train_joints [2, 7, N],
                            test_frames [1, M], test_joints [2, 7, M]; V = 20 (BBC Pose), 92
                            with Extended BBC Pose
    <v>/<frame>.jpg         the frames of video v (its 1-based position in the struct array),
                            named by frame number, not zero-padded (--frames: another folder)

Joints: head, right wrist, left wrist, right elbow, left elbow, right shoulder, left shoulder;
x, y in 1-based (MATLAB) pixels. Split (the paper's): videos 1-10 train, 11-15 val, 16-20 test;
videos 21 and up (Extended BBC Pose) are training videos only. Writes
``OUT/annotations/videos_{train,val,test}.json`` (one video per frame folder; one track with a
box around the joints of each annotated frame) and ``keypoints_{train,val,test}.json`` (train:
``train_joints`` of videos 1-10, every --keypoint-stride-th; val, test: the manual
``test_joints``). A track's boxes come from both joint sets (train_joints come from a tracker,
test_joints are manual). A video whose frame folder is absent is skipped and counted.

    python tools/dataset_converters/bbc_pose.py data/bbc_pose_download --out data/bbc_pose
"""
import logging
import os
import os.path as osp
import sys
from typing import Dict, Tuple

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (ConvertedDataset, box_from_points,  # noqa: E402
                                           coco_visibility, converter_parser, image_size, read_mat,
                                           rel_path, run_converter)
from hierembed.datasets.metainfo import parse_metainfo  # noqa: E402
from hierembed.datasets.video_io import IMAGE_EXTS, frame_sort_key  # noqa: E402

logger = logging.getLogger('bbc_pose')
MAT_PLACES = ('bbcpose.mat', 'code/bbcpose.mat', 'bbcpose_extbbcpose_code_1.0/bbcpose.mat')
PAPER_SPLIT = dict(train=range(1, 11), val=range(11, 16), test=range(16, 21))


def find_mat(root: str) -> str:
    for place in MAT_PLACES:
        if osp.isfile(osp.join(root, place)):
            return osp.join(root, place)
    raise FileNotFoundError(f'{root}: no bbcpose.mat (looked for {", ".join(MAT_PLACES)})')


def read_bbcpose(path: str) -> list:
    """``bbcpose.mat`` -> one dict per video (1-based ``index``, ``name``, ``type``, ``source``,
    ``train_frames`` [N] int, ``train_joints`` [N, 7, 2], ``test_frames``, ``test_joints``),
    coordinates still 1-based.

    Raises:
        ValueError: naming the file, the video and the field that is missing or malformed.
    """
    m = read_mat(path, squeeze_me=True, struct_as_record=False)
    if 'bbcpose' not in m:
        raise ValueError(f'{path}: variable `bbcpose` is missing')
    videos = []
    for i, s in enumerate(np.atleast_1d(m['bbcpose']), 1):
        v = dict(index=i)
        for field in ('videoName', 'type', 'train_frames', 'train_joints'):
            if not hasattr(s, field):
                raise ValueError(f'{path}: bbcpose({i}).{field} is missing')
        v['name'], v['type'] = str(s.videoName), str(s.type)
        v['source'] = str(getattr(s, 'source', ''))
        for kind in ('train', 'test'):
            frames = np.atleast_1d(np.asarray(getattr(s, f'{kind}_frames', []), np.float64))
            joints = np.asarray(getattr(s, f'{kind}_joints', np.zeros((2, 7, 0))), np.float64)
            if joints.size == 0:
                joints = np.zeros((2, 7, 0))
            if joints.ndim == 2:
                joints = joints[:, :, None]
            if joints.shape[:2] != (2, 7) or joints.shape[2] != frames.size:
                raise ValueError(f'{path}: bbcpose({i}).{kind}_joints has shape {joints.shape}, '
                                 f'expected [2, 7, {frames.size}] (x/y, 7 joints, one per '
                                 f'{kind}_frames entry)')
            v[f'{kind}_frames'] = frames.astype(np.int64)
            v[f'{kind}_joints'] = joints.transpose(2, 1, 0)
        videos.append(v)
    return videos


def list_frames(folder: str) -> Tuple[Dict[int, Tuple[int, str]], int]:
    """(frame number -> (index in the order ``FolderReader`` reads, file name), image count)."""
    names = sorted((e.name for e in os.scandir(folder)
                    if e.name.lower().endswith(IMAGE_EXTS) and e.is_file()), key=frame_sort_key)
    out = {}
    for t, name in enumerate(names):
        stem = osp.splitext(name)[0]
        if stem.isdigit():
            out[int(stem)] = (t, name)
    return out, len(names)


def convert(root: str, out: str, frames_root: str = None, keypoint_stride: int = 1,
            box_margin: float = 0.2) -> dict:
    """Convert a BBC Pose download; return split -> counts (and ``skipped``)."""
    frames_root = frames_root or root
    videos = read_bbcpose(find_mat(root))
    meta = parse_metainfo('bbc_pose')
    ds = ConvertedDataset(out, dict(object_class='upper_body', source='bbc_pose', version=1),
                          meta['keypoint_names'], 'bbc_pose', meta['skeleton'], 'person')
    split_of = {i: s for s, r in PAPER_SPLIT.items() for i in r}
    skipped = dict(videos=0, frames=0)
    for v in videos:
        split = split_of.get(v['index'], 'train')
        folder = osp.join(frames_root, str(v['index']))
        if not osp.isdir(folder):
            logger.warning('video %d (%s): no frame folder %s, skipped', v['index'], v['name'],
                           folder)
            skipped['videos'] += 1
            continue
        frames, num_frames = list_frames(folder)
        if not frames:
            raise ValueError(f'{folder}: no <frame>.jpg files for video {v["index"]}')
        width, height = image_size(osp.join(folder, next(iter(frames.values()))[1]))
        scored = 'train' if split == 'train' else 'test'  # the joints of its keypoint set
        boxes = {}
        for kind in ('train', 'test'):
            for k, (f, joints) in enumerate(zip(v[f'{kind}_frames'], v[f'{kind}_joints'])):
                if f not in frames:
                    skipped['frames'] += 1
                    continue
                xy = joints - 1.0  # 1-based MATLAB pixels -> 0-based
                vis = coco_visibility(xy, width, height)
                box = box_from_points(xy, vis > 0, width, height, box_margin)
                if box is None:
                    skipped['frames'] += 1
                    continue
                t, name = frames[f]
                boxes.setdefault(str(t), box)
                stride = keypoint_stride if kind == 'train' else 1
                if kind == scored and v['index'] <= 20 and k % stride == 0:
                    ds.add_instance(split, rel_path(osp.join(folder, name), out), width, height,
                                    np.concatenate([xy, vis[:, None]], 1), bbox=box,
                                    image_extra=dict(video=v['index'], frame=int(f)))
        video = dict(id=str(v['index']), path=rel_path(folder, out), num_frames=num_frames,
                     identity=v['name'], type=v['type'], source=v['source'])
        if len(boxes) >= 2:
            video['tracks'] = [dict(id=0, boxes=boxes)]
        ds.add_video(split, video)
    return ds.write(skipped=skipped)


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('root', help='folder holding bbcpose.mat and the frame folders 1/, 2/, ...')
    p.add_argument('--out', default='data/bbc_pose', help='data_root to write annotations/ into')
    p.add_argument('--frames', default=None, help='folder of the frame folders (default: root)')
    p.add_argument('--keypoint-stride', type=int, default=1,
                   help='every this many train_joints frames becomes a training keypoint image')
    p.add_argument('--box-margin', type=float, default=0.2,
                   help='the box around the joints grows by this fraction of its longer side')
    args = p.parse_args(argv)
    return run_converter(convert, args.root, args.out, args.frames, args.keypoint_stride,
                         args.box_margin)


if __name__ == '__main__':
    sys.exit(main())
