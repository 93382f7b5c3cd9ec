from .warp_visualizer import WarpVisualizer, draw_warp_grid  # noqa: F401
