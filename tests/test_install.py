"""What the install leaves in the environment: one OpenCV build behind ``cv2``.

mmengine and mmcv-lite require ``opencv-python``, albumentations ``opencv-python-headless``;
pip installs both, and both write the one ``cv2`` folder. That is harmless only while they are
the same release (the same files, the headless one without GUI back-ends); a mismatch leaves
``cv2`` a mix of two builds. Replacing albumentations to drop one wheel would change the
jitter's random stream of every recorded result.
"""
from importlib import metadata

import cv2

OPENCV_WHEELS = ('opencv-python', 'opencv-python-headless', 'opencv-contrib-python',
                 'opencv-contrib-python-headless')


def installed_opencv_wheels() -> dict:
    found = {}
    for name in OPENCV_WHEELS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def test_every_installed_opencv_wheel_is_the_release_cv2_reports():
    wheels = installed_opencv_wheels()
    assert wheels, 'no OpenCV wheel installed'
    assert len(set(wheels.values())) == 1, f'OpenCV wheels of different releases: {wheels}'
    release = next(iter(wheels.values()))
    assert release.startswith(cv2.__version__ + '.'), (cv2.__version__, wheels)
    # what the converters need from it (OpenCV 4.x ships both; 5.x moved them out)
    assert hasattr(cv2, 'CascadeClassifier') and hasattr(cv2, 'HOGDescriptor')
