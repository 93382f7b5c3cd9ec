"""Embed every frame of your videos with a trained encoder: one .npz of per-frame embeddings.

    python tools/embed.py VIDEO_OR_FOLDER --checkpoint CKPT --out FILE.npz [--box X Y W H]

VIDEO_OR_FOLDER is a video file, a folder of frames (one video, in name order), or a folder of
videos (at any depth, as tools/dataset_converters/video_folder.py finds them). Each frame is
cropped as the training data was (the training config stored in the checkpoint says how: the
whole frame by its ``whole_frame`` and ``crop_margin``), or around --box, and embedded.

FILE.npz holds, one row per frame:
    embeddings  [T, D] float32
    boxes       [T, 4] float64 the box (x, y, w, h, image pixels) the crop was cut around
                (the crop is the square of side max(w, h) x margin centred on it)
    frames      [T] int64 the frame index within its video
    video       [T] int64 the index of its video in ``videos``
    videos      [V] str the video paths
    margin      () float64 the crop margin
Load it with ``numpy.load(FILE)``.
"""
import argparse
import os
import os.path as osp
import sys

# Run from a checkout without installing: the package sits beside this folder.
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from hierembed.apis.inference import (crop_settings, embed_frames, frame_box,  # noqa: E402
                                      init_embedder)
from hierembed.datasets.video_io import IMAGE_EXTS, open_reader  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402

VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm', '.m4v', '.mpg', '.mpeg')


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog='\n'.join(__doc__.splitlines()[9:]))
    parser.add_argument('input', help='a video file, a folder of frames or a folder of videos')
    parser.add_argument('--checkpoint', required=True)
    parser.add_argument('--config', help='training config (default: the one stored in the '
                        'checkpoint)')
    parser.add_argument('--out', required=True, help='the .npz to write')
    parser.add_argument('--box', type=float, nargs=4, metavar=('X', 'Y', 'W', 'H'),
                        help='crop every frame around this box (default: the whole frame, '
                        'cropped as the training data was)')
    parser.add_argument('--margin', type=float, help='crop margin (default: the training '
                        'config\'s crop_margin, 1.2)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args(argv)


def find_inputs(path: str) -> list:
    """The videos (files, or one folder of frames) that ``path`` names, sorted."""
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'{path}: no such video or folder')
    names = os.listdir(path)
    if any(n.lower().endswith(IMAGE_EXTS) for n in names):
        return [path]
    found = []
    for folder, dirs, files in os.walk(path):
        dirs.sort()
        found += [osp.join(folder, f) for f in sorted(files) if f.lower().endswith(VIDEO_EXTS)]
    if not found:
        raise FileNotFoundError(f'{path}: holds no videos ({" ".join(VIDEO_EXTS)}) and no '
                                f'frames ({" ".join(IMAGE_EXTS)})')
    return found


def main(argv=None) -> dict:
    args = parse_args(argv)
    inputs = find_inputs(args.input)
    model = init_embedder(args.config, args.checkpoint, device=args.device)
    crop = crop_settings(args.config, args.checkpoint)
    if args.margin is not None:
        crop['margin'] = args.margin
    embeddings, boxes, frames, video = [], [], [], []
    for v, path in enumerate(inputs):
        reader = open_reader(path)
        height, width = reader.get([0])[0].shape[:2]
        box = (np.asarray(args.box, np.float64) if args.box
               else frame_box(width, height, crop))
        b = np.tile(box, (reader.num_frames, 1))
        embeddings.append(embed_frames(model, reader, b, crop['margin'], args.batch_size))
        boxes.append(b)
        frames.append(np.arange(reader.num_frames))
        video.append(np.full(reader.num_frames, v))
        print(f'{path}: {reader.num_frames} frames')
    out = dict(embeddings=np.concatenate(embeddings), boxes=np.concatenate(boxes),
               frames=np.concatenate(frames).astype(np.int64),
               video=np.concatenate(video).astype(np.int64), videos=np.array(inputs),
               margin=np.float64(crop['margin']))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    np.savez(args.out, **out)
    print(f'{len(out["embeddings"])} frames x {out["embeddings"].shape[1]} dimensions from '
          f'{len(inputs)} video(s) -> {args.out}')
    return out


if __name__ == '__main__':
    run_tool(main)
