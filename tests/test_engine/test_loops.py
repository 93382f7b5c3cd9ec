"""SkipIterBasedTrainLoop: a resume loads no skipped batch and sees the uninterrupted batches."""
import os.path as osp
import sys

from mmengine.runner import Runner

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from toy_modules import ToyPairDataset  # noqa: E402

from hierembed.registry import DATASETS  # noqa: E402
from hierembed.utils import register_all_modules  # noqa: E402

register_all_modules(init_default_scope=False)
LOADED = []  # indices given to __getitem__, in order


@DATASETS.register_module()
class CountingPairDataset(ToyPairDataset):
    """The toy pairs, recording every index loaded (num_workers=0: in this process)."""

    def __getitem__(self, index: int) -> dict:
        LOADED.append(int(index))
        return super().__getitem__(index % self.length)


def _cfg(work_dir, max_iters, resume_from=None, sampler='InfinitePairSampler'):
    return dict(
        default_scope='hierembed',
        model=dict(type='ToyLevelModel', size=16),
        work_dir=work_dir, experiment_name=osp.basename(work_dir),
        train_dataloader=dict(batch_size=3, num_workers=0, sampler=dict(type=sampler, seed=0),
                              collate_fn=dict(type='default_collate'),
                              dataset=dict(type='CountingPairDataset', size=16, length=10)),
        train_cfg=dict(type='SkipIterBasedTrainLoop', max_iters=max_iters),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1, by_epoch=False),
                           logger=dict(type='LoggerHook', interval=1)),
        log_processor=dict(by_epoch=False),
        resume=resume_from is not None, load_from=resume_from,
        env_cfg=dict(dist_cfg=dict(backend='gloo')), randomness=dict(seed=0))


def _loaded(cfg):
    LOADED.clear()
    runner = Runner.from_cfg(cfg)
    runner.train()
    return list(LOADED)


def test_resume_at_n_loads_as_much_as_resume_at_1(tmp_path):
    work, sampler = str(tmp_path / 'run'), 'InfinitePairSampler'
    full = _loaded(_cfg(work, 7, sampler=sampler))
    assert len(full) == 7 * 3  # the reference: 7 batches of 3 (4 passes over 10 videos)
    at_1 = _loaded(_cfg(str(tmp_path / 'r1'), 3, osp.join(work, 'iter_1.pth'), sampler))
    at_5 = _loaded(_cfg(str(tmp_path / 'r5'), 7, osp.join(work, 'iter_5.pth'), sampler))
    # Two batches each, whatever the iteration resumed at; and they are the uninterrupted ones.
    assert at_1 == full[3:9]
    assert at_5 == full[15:21]


def test_a_sampler_without_skip_falls_back_to_loading(tmp_path):
    work = str(tmp_path / 'run')
    _loaded(_cfg(work, 3, sampler='InfiniteSampler'))
    # mmengine's fast-forward: the 2 earlier batches are loaded again, then the third.
    assert len(_loaded(_cfg(str(tmp_path / 'r'), 3, osp.join(work, 'iter_2.pth'),
                            'InfiniteSampler'))) == 3 * 3
