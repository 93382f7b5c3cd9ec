"""tools/reproduce.py: every row's generated config builds the model it names; so do the
experiment configs behind docs/learning.md."""
import glob
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from hierembed.registry import MODELS
from hierembed.utils import register_all_modules

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.join(ROOT, 'tools'))
import reproduce  # noqa: E402

register_all_modules()


@pytest.mark.parametrize('name', list(reproduce.ROWS))
def test_row_configs_build(tmp_path, name):
    levels, overrides = reproduce.ROWS[name]
    path = tmp_path / 'row.py'
    path.write_text(reproduce.row_config('configs/synthetic_upper_body.py', levels, overrides,
                                         iters=100, seed=3))
    cfg = Config.fromfile(str(path))
    model = MODELS.build(cfg.model)
    assert model.num_levels == levels
    assert cfg.randomness.seed == 3 and cfg.train_cfg.max_iters == 100
    milestones = [h for h in cfg.custom_hooks if h.type == 'CurriculumHook'][0].milestones
    assert milestones == ([] if levels == 1 else [40, 70])
    if name.startswith('FAb'):
        assert type(model.warp_head).__name__ == 'FlowWarpHead'
        assert model.warp_head.size == model.input_size and model.cycle_loss is None
    else:
        assert type(model.warp_head).__name__ == 'HierarchicalWarpHead'
        assert (model.cycle_loss is None) == ('cyc' not in name)
        assert (model.warp_head.confidence is None) == ('con' not in name)


@pytest.mark.parametrize('path', sorted(
    osp.relpath(p, ROOT) for p in glob.glob(osp.join(ROOT, 'configs', 'experiments', '*.py'))))
def test_experiment_configs_build(path):
    """The configs behind docs/learning.md section 5 build the models they describe."""
    cfg = Config.fromfile(osp.join(ROOT, path))
    model = MODELS.build(cfg.model)
    hook = [h for h in cfg.custom_hooks if h.type == 'CurriculumHook'][0]
    assert all(m < cfg.train_cfg.max_iters for m in hook.milestones)
    assert len(hook.milestones) == model.num_levels - 1
