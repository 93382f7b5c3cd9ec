"""Shared by the dataset converter tests: load a converter script, write real images and videos,
a detector for the drawn square."""
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


def square_frame(t: int, size: int = 96) -> np.ndarray:
    """Frame t: a light 24 x 32 square at x = 8 + 2t, y = 20 on a dark ground (BGR)."""
    frame = np.full((size, size, 3), 30, np.uint8)
    cv2.rectangle(frame, (8 + 2 * t, 20), (8 + 2 * t + 23, 20 + 31), (230, 230, 230), -1)
    return frame


def blob_detector(frame: np.ndarray) -> np.ndarray:
    """Boxes around bright regions: a real detector for the drawn square."""
    mask = (cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) > 128).astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return np.array([cv2.boundingRect(c) for c in contours], np.float64).reshape(-1, 4)


def face_frame(t: int) -> np.ndarray:
    """Frame t (160 x 160, BGR): a drawn frontal face, 80 x 104 px, centred at (68 + t,
    74 + t // 3) on a grey ground: a light oval, dark eyes under darker brows, a shaded nose and
    a dark mouth. OpenCV's Haar frontal-face cascade finds it."""
    frame = np.full((160, 160, 3), 110, np.uint8)
    cx, cy = 68 + t, 74 + t // 3
    cv2.ellipse(frame, (cx, cy), (40, 52), 0, 0, 360, (200, 200, 200), -1)
    for side in (-16, 16):
        cv2.ellipse(frame, (cx + side, cy - 12), (9, 5), 0, 0, 360, (40, 40, 40), -1)  # eye
        cv2.rectangle(frame, (cx + side - 11, cy - 25), (cx + side + 11, cy - 21), (70, 70, 70),
                      -1)  # brow
    cv2.rectangle(frame, (cx - 4, cy - 8), (cx + 4, cy + 12), (150, 150, 150), -1)  # nose
    cv2.ellipse(frame, (cx, cy + 26), (16, 4), 0, 0, 360, (60, 60, 60), -1)  # mouth
    return frame


def person_frame(t: int) -> np.ndarray:
    """Frame t (128 x 160, BGR): a dark standing figure 104 px tall (y 28 to 132), centred at
    x = 49 + t, on a light ground: head, neck, a torso wider at the shoulders, arms and legs.
    OpenCV's HOG people detector finds it."""
    frame = np.full((160, 128, 3), 190, np.uint8)
    x, dark = 49 + t, (40, 40, 40)
    cv2.ellipse(frame, (x, 34), (5, 6), 0, 0, 360, dark, -1)  # head
    cv2.rectangle(frame, (x - 2, 39), (x + 2, 45), dark, -1)  # neck
    cv2.fillPoly(frame, [np.array([[x - 13, 45], [x + 13, 45], [x + 10, 83], [x - 10, 83]])],
                 dark)  # torso
    for side in (-1, 1):
        cv2.line(frame, (x + side * 12, 47), (x + side * 15, 84), dark, 5)  # arm
        cv2.line(frame, (x + side * 5, 83), (x + side * 7, 130), dark, 6)  # leg
    return frame
