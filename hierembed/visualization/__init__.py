from .keypoint_drawing import (draw_keypoints, draw_prediction, draw_propagated,  # noqa: F401
                               image_strip, keypoint_panel, save_rgb)
from .warp_visualizer import WarpVisualizer, draw_warp_grid  # noqa: F401
