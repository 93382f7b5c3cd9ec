"""Shared by the dataset converter tests: load a converter script, write real image files."""
import importlib.util
import os
import os.path as osp

import cv2
import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def load_converter(name: str):
    """``tools/dataset_converters/<name>.py`` as a module."""
    path = osp.join(REPO, 'tools', 'dataset_converters', f'{name}.py')
    spec = importlib.util.spec_from_file_location(f'converter_{name}', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_image(path: str, width: int, height: int, value: int = 128) -> None:
    """A real JPEG or PNG (by extension) of one grey level with a marker row."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    img = np.full((height, width, 3), value % 256, np.uint8)
    img[0] = 255 - value % 256
    assert cv2.imwrite(path, img), path


def write_mp4(path: str, num_frames: int, width: int = 64, height: int = 64,
              draw=None) -> None:
    """A real mp4 (mp4v) through OpenCV; ``draw(t) -> BGR frame`` or a moving grey ramp."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), 25, (width, height))
    assert writer.isOpened(), path
    for t in range(num_frames):
        if draw is not None:
            frame = draw(t)
        else:
            frame = np.full((height, width, 3), (40 + 9 * t) % 256, np.uint8)
            frame[:, (3 * t) % width] = 255
        writer.write(frame)
    writer.release()
