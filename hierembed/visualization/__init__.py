from .keypoint_drawing import (draw_keypoints, draw_prediction, keypoint_panel,  # noqa: F401
                               save_rgb)
from .warp_visualizer import WarpVisualizer, draw_warp_grid  # noqa: F401
