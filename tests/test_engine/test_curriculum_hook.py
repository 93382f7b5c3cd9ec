"""CurriculumHook: plateau test, level switches, lr hand-over, milestones, state, ranks."""
import math
import os
import socket
import sys
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from mmengine.logging import MessageHub, MMLogger
from mmengine.optim import OptimWrapper

sys.path.insert(0, os.path.dirname(__file__))
from toy_modules import ToyLevelModel  # noqa: E402

from hierembed.engine.hooks import CurriculumHook  # noqa: E402


def _runner(num_levels=3, lr=1e-3):
    model = ToyLevelModel(num_levels=num_levels)
    name = f'curriculum-test-{id(model)}'
    return SimpleNamespace(
        model=model, iter=0, logger=MMLogger.get_instance(name),
        message_hub=MessageHub.get_instance(name),
        optim_wrapper=OptimWrapper(torch.optim.Adam(model.parameters(), lr=lr)))


def _feed(hook, runner, losses):
    """Run ``after_train_iter`` over ``losses``, one per iteration."""
    for value in losses:
        hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(value)))
        runner.iter += 1


def _lr(runner):
    return runner.optim_wrapper.optimizer.param_groups[0]['lr']


def test_levels_join_on_plateaus_then_lr_drops():
    runner = _runner()
    hook = CurriculumHook(interval=1, patience=2, min_delta=0.1, lr_factor=0.1)
    hook.before_train(runner)
    assert runner.model.active_levels == 1
    # check 1 sets best 5; 4 < 4.5 improves; then two checks without a 10% gain: level 2
    # after iteration 4. The best restarts; two more stale checks: level 3 after 7.
    _feed(hook, runner, [5, 4, 4, 4])
    assert runner.model.active_levels == 2
    _feed(hook, runner, [4, 4, 4])
    assert runner.model.active_levels == 3
    assert hook.history == [[0, 1], [4, 2], [7, 3]]
    assert _lr(runner) == pytest.approx(1e-3)
    _feed(hook, runner, [4, 4, 4])  # all levels active: the plateau now lowers the lr
    assert runner.model.active_levels == 3
    assert _lr(runner) == pytest.approx(1e-4)
    assert hook.num_lr_reductions == 1
    assert runner.message_hub.get_scalar('train/active_levels').current() == 3


def test_improving_loss_never_switches():
    runner = _runner()
    hook = CurriculumHook(interval=1, patience=2, min_delta=0.01)
    hook.before_train(runner)
    _feed(hook, runner, [10 * 0.9**i for i in range(30)])
    assert runner.model.active_levels == 1


def test_check_uses_the_mean_of_the_interval():
    runner = _runner()
    hook = CurriculumHook(interval=3, patience=1, min_delta=0.0)
    hook.before_train(runner)
    # Window means 3 then 7/3: an improvement, although the last value (5) is not.
    _feed(hook, runner, [3, 3, 3, 1, 1, 5])
    assert runner.model.active_levels == 1
    _feed(hook, runner, [3, 3, 3])  # mean 3 > 7/3: a stale check, patience 1
    assert runner.model.active_levels == 2
    assert hook.history[-1] == [9, 2]


def test_relative_delta_with_negative_losses():
    runner = _runner()
    hook = CurriculumHook(interval=1, patience=1, min_delta=0.1)
    hook.before_train(runner)
    _feed(hook, runner, [-10.0, -11.5])  # below -10 - 0.1 * 10 = -11: improvement
    assert hook.best == -11.5 and runner.model.active_levels == 1
    _feed(hook, runner, [-12.5])  # needs < -12.65
    assert runner.model.active_levels == 2


def test_nan_check_is_skipped():
    runner = _runner()
    hook = CurriculumHook(interval=1, patience=1)
    hook.before_train(runner)
    _feed(hook, runner, [1.0, math.nan, math.nan, 0.5])
    assert runner.model.active_levels == 1 and hook.best == 0.5


def test_lr_floor_and_no_reduction():
    runner = _runner(num_levels=1, lr=1e-3)
    hook = CurriculumHook(interval=1, patience=1, min_delta=1.0, lr_factor=0.1, min_lr=5e-5)
    hook.before_train(runner)
    _feed(hook, runner, [1, 1, 1, 1, 1, 1, 1])
    assert _lr(runner) == pytest.approx(5e-5)
    assert hook.num_lr_reductions == 2  # the third plateau changes nothing

    runner = _runner(num_levels=1)
    hook = CurriculumHook(interval=1, patience=1, reduce_lr=False)
    hook.before_train(runner)
    _feed(hook, runner, [1, 1, 1, 1])
    assert _lr(runner) == pytest.approx(1e-3)


def test_milestones_schedule_levels_by_iteration():
    runner = _runner()
    hook = CurriculumHook(milestones=[2, 5, 9])
    hook.before_train(runner)
    levels = []
    for _ in range(10):
        hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(1.0)))
        runner.iter += 1
        levels.append(runner.model.active_levels)
    assert levels == [1, 2, 2, 2, 3, 3, 3, 3, 3, 3]  # capped at num_levels
    assert hook.history == [[0, 1], [2, 2], [5, 3]]


def test_milestones_as_fractions_of_the_run():
    """[0.4, 0.7] of 700, 1400 and 2800 iterations are the integer milestones the experiment
    configs used to spell out (280 / 490, 560 / 980, 1120 / 1960); 0.7 * 700 is 489.99...
    in floating point, and must round to 490."""
    for max_iters, expected in ((700, [280, 490]), (1400, [560, 980]), (2800, [1120, 1960]),
                                (10, [4, 7])):
        runner = _runner()
        runner.max_iters = max_iters
        hook = CurriculumHook(milestones=[0.4, 0.7])
        hook.before_train(runner)
        assert hook.milestones == expected
    levels = []
    for _ in range(10):
        hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(1.0)))
        runner.iter += 1
        levels.append(runner.model.active_levels)
    assert levels == [1, 1, 1, 2, 2, 2, 3, 3, 3, 3]
    # resumed at iteration 5 of 10: the fractions resolve before the restored state is kept
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    resumed = _runner()
    resumed.iter, resumed.max_iters = 5, 10
    hook2 = CurriculumHook(milestones=[0.4, 0.7])
    hook2.after_load_checkpoint(resumed, checkpoint)
    hook2.before_train(resumed)
    assert hook2.milestones == [4, 7]
    hook2.after_train_iter(resumed, 0, None, dict(loss=torch.tensor(1.0)))
    assert resumed.model.active_levels == 2  # iteration 6 of 10: between 4 and 7
    for bad in ([0.4, 700], [0.0, 0.5], [0.5, 1.0], [0.4, 1.5]):
        with pytest.raises(ValueError, match='fractions'):
            CurriculumHook(milestones=bad)


def test_resume_restores_state_but_load_from_starts_over():
    runner = _runner()
    hook = CurriculumHook(interval=1, patience=1, min_delta=0.5)
    hook.before_train(runner)
    _feed(hook, runner, [4, 4, 4])
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    assert checkpoint['curriculum']['active_levels'] == 2
    torch.save(checkpoint, '/dev/null')  # plain numbers only

    resumed = _runner()
    resumed.iter = 3
    hook2 = CurriculumHook(interval=1, patience=1, min_delta=0.5)
    hook2.after_load_checkpoint(resumed, checkpoint)
    hook2.before_train(resumed)
    assert resumed.model.active_levels == 2
    assert (hook2.history, hook2.best, hook2.wait) == (hook.history, hook.best, hook.wait)

    finetune = _runner()  # load_from: weights loaded, iteration 0, curriculum from level 1
    hook3 = CurriculumHook(interval=1, patience=1)
    hook3.after_load_checkpoint(finetune, checkpoint)
    finetune.model.active_levels = 2
    hook3.before_train(finetune)
    assert finetune.model.active_levels == 1 and hook3.history == [[0, 1]]


def test_validation_checks():
    runner = _runner()
    hook = CurriculumHook(check_on='val', monitor='l1', patience=1, min_delta=0.0)
    hook.before_train(runner)
    hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(1.0)))  # no check
    hook.after_val_epoch(runner, dict(l1=0.5))
    hook.after_val_epoch(runner, dict(l1=0.6))
    assert runner.model.active_levels == 2
    with pytest.raises(KeyError, match='l1'):
        hook.after_val_epoch(runner, dict(pck=1.0))


def test_missing_monitor_and_bad_arguments():
    runner = _runner()
    hook = CurriculumHook(monitor='loss_total', interval=1)
    hook.before_train(runner)
    with pytest.raises(KeyError, match='loss_total'):
        hook.after_train_iter(runner, 0, None, dict(loss=torch.tensor(1.0)))
    with pytest.raises(ValueError):
        CurriculumHook(check_on='epoch')
    with pytest.raises(ValueError):
        CurriculumHook(milestones=[5, 2])
    with pytest.raises(TypeError, match='active_levels'):
        CurriculumHook().before_train(SimpleNamespace(model=torch.nn.Linear(1, 1), iter=0))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _rank_worker(rank, port, out):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}', rank=rank,
                            world_size=2)
    runner = _runner()
    hook = CurriculumHook(interval=2, patience=2, min_delta=0.05)
    hook.before_train(runner)
    # Rank 0's own losses plateau at once (it would switch after iteration 6); rank 1's fall
    # fast. Their mean keeps improving for 10 iterations, then stalls.
    if rank == 0:
        losses = [1.0] * 16
    else:
        losses = [9.0 * 0.5**i for i in range(10)] + [0.0] * 6
    _feed(hook, runner, losses)
    out[rank] = hook.history
    dist.destroy_process_group()


@pytest.mark.slow
def test_ranks_switch_together_on_the_reduced_loss():
    out = mp.Manager().dict()
    mp.spawn(_rank_worker, args=(_free_port(), out), nprocs=2)
    assert out[0] == out[1]
    # Means over ranks and windows: 3.88, 1.34, 0.71, 0.553, 0.513 (each > 5% better), 0.5 and
    # 0.5 (stale): level 2 after iteration 14. Alone, rank 0 would have switched after 6.
    assert out[0] == [[0, 1], [14, 2]]
