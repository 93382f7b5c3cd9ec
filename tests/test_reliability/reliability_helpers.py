"""Shared by the reliability tests: run a tool in-process through its real error path, write the
toy training config, and a model whose loss turns NaN at a chosen call."""
import logging
import os.path as osp
import runpy
import sys

import pytest
import torch

HERE = osp.dirname(osp.abspath(__file__))
TESTS = osp.dirname(HERE)
REPO = osp.dirname(TESTS)
for path in (osp.join(TESTS, 'test_engine'), HERE):
    if path not in sys.path:
        sys.path.insert(0, path)
from toy_modules import ToyLevelModel, write_tiny_config  # noqa: E402

from hierembed.registry import MODELS  # noqa: E402
from hierembed.utils.cli import run_tool  # noqa: E402


@MODELS.register_module(force=True)
class NaNAtModel(ToyLevelModel):
    """``ToyLevelModel`` whose level-1 loss is NaN from its ``nan_at``-th training step on."""

    def __init__(self, nan_at: int = 3, **kwargs) -> None:
        super().__init__(**kwargs)
        self.nan_at = nan_at
        self.calls = 0

    def forward(self, inputs, data_samples=None, mode='loss'):
        losses = super().forward(inputs, data_samples, mode)
        self.calls += 1
        if self.calls >= self.nan_at:
            losses['loss_rec_1'] = losses['loss_rec_1'] * float('nan')
        return losses


def tool_main(tool: str):
    """The ``main`` of ``tools/<tool>``, loaded as the tools load it."""
    return runpy.run_path(osp.join(REPO, 'tools', tool))['main']


def run_cli(tool: str, args, capsys, monkeypatch):
    """Run ``tools/<tool> args`` in this process through ``run_tool``.

    Returns:
        (exit status, stderr).
    """
    main = tool_main(tool)
    monkeypatch.setattr(sys, 'argv', [osp.basename(tool), *map(str, args)])
    capsys.readouterr()
    # Two runs started within one second share mmengine's logger (named by the timestamp),
    # whose handler still writes to an earlier test's captured stream, now closed.
    from mmengine.logging import MMLogger
    for logger in list(MMLogger._instance_dict.values()):
        for handler in logger.handlers:
            if isinstance(handler, logging.StreamHandler) and \
                    getattr(handler.stream, 'closed', False):
                handler.stream = sys.stderr
    with pytest.raises(SystemExit) as exit_:
        run_tool(main)
    return exit_.value.code, capsys.readouterr().err


def assert_one_line(status, err, prog: str, *expected: str) -> None:
    """Status 2, one ``prog: error:`` line, no traceback, every ``expected`` text in it."""
    lines = [ln for ln in err.splitlines() if ln.strip()]
    error_lines = [ln for ln in lines if ln.startswith(f'{prog}: error: ')]
    assert status == 2, err[-2000:]
    assert len(error_lines) == 1 and 'Traceback' not in err, err[-2000:]
    for text in expected:
        assert text in error_lines[0], (text, error_lines[0])


def toy_config(tmp_path, max_iters: int = 4, ckpt_interval: int = 2, model: str = '',
               name: str = 'toy.py', extra: str = '') -> str:
    """A training config of the registered stand-ins (no data to render)."""
    extra = ("train_dataloader['dataset'] = dict(_delete_=True, type='ToyPairDataset')\n"
             "custom_imports = dict(imports=['toy_modules', 'reliability_helpers'], "
             "allow_failed_imports=False)\n" + (
                 f"model = dict(_delete_=True, type='NaNAtModel', {model})\n" if model else '')
             + extra)
    return write_tiny_config(str(tmp_path / name), str(tmp_path / 'unused'),
                             max_iters=max_iters, model='toy', ckpt_interval=ckpt_interval,
                             max_keep_ckpts=-1, extra=extra)


def edit_checkpoint(src: str, dst: str, edit) -> str:
    """Copy a checkpoint with ``edit(checkpoint)`` applied (a trusted file of this test)."""
    ckpt = torch.load(src, map_location='cpu', weights_only=False)
    edit(ckpt)
    torch.save(ckpt, dst)
    return dst
