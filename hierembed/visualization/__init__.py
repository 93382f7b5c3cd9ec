from .keypoint_drawing import draw_keypoints, draw_prediction, keypoint_panel, save_rgb  # noqa: F401
from .warp_visualizer import WarpVisualizer, draw_warp_grid  # noqa: F401
