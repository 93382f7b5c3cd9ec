"""The paper's Table 1 structure on a procedural class, in one command; writes docs/results.md.

Rows (each trained from scratch with ``tools/train.py``, then probed with ``tools/probe.py``
against the random-init encoder and the mean pose):

- ``r=1 ph,cyc,con``: training stops at level 1 (a one-level model),
- ``r=3 ph``, ``r=3 ph,con``, ``r=3 ph,cyc,con``: three levels, losses added one by one,
- ``FAb-Net-style ph``: the baseline of the paper's [53], the same encoder and decoder
  conditioning with one deterministic flow read by ``grid_sample`` (``FlowWarpHead``).

Levels are scheduled by iteration (``CurriculumHook(milestones=...)``, at 40 % and 70 % of the
run) so that every row trains its levels for the same number of iterations: a plateau-driven
curriculum is in ``make demo``. Every row is run for each training seed; the table gives,
per keypoint group and averaged, for the linear and the 2-layer heads, the strict and the lenient
threshold and the visibility ROC AUC. ``docs/results.md`` is generated: never edit it.

Every row is probed with ``probe_cfg.seeds`` probe seeds; a cell is mean ± the 95 % interval
over probe seeds (the measurement), and the spread over training seeds (the method) is a table
of its own. ``--probe-only`` re-probes the checkpoints already in ``--work-dir`` (each with the
model of its own ``row_config.py``) without training; ``--config`` / ``--probe-config`` select the
class (face, full_body).

``--experiments CONFIG ...`` adds rows that are whole training configs (``configs/experiments/``,
the record of docs/research/README.md): each is trained for every seed as written (its own
length, not ``--iters``), with only ``randomness.seed`` set, probed the same way, and read against
``r=3 ph,cyc,con`` (when that row is in the table) and random init, paired per probe seed, per
keypoint group; ``--rows`` with no row name trains the experiments alone. Work already done
in ``--work-dir`` is kept: a row and seed with a checkpoint is not trained again and one probed
after its checkpoint was written is not probed again (delete its directory to redo it;
``--probe-only`` re-probes everything).

Usage:
    python tools/reproduce.py [--iters 2800] [--seeds 0 1 2] [--rows ...] [--jobs 2]
    python tools/reproduce.py --probe-only --work-dir work_dirs/reproduce/face \\
        --config configs/synthetic_face.py --probe-config configs/probes/synthetic_face.py
    python tools/reproduce.py --rows 'r=3 ph,cyc,con' --work-dir work_dirs/experiments \\
        --experiments configs/experiments/crops_and_jitter/upper_body_r3_track_crop.py \\
        --out docs/research/experiments_track_crop.md
"""
import argparse
import glob
import json
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, List, Tuple

from mmengine.config import Config

from hierembed.errors import ConfigError
from hierembed.research import ROOT
from hierembed.research.rows import ROWS, experiment_config, experiment_name, row_config, tag_of
from hierembed.research.tables import write_results


def run(cmd: List[str], log: str) -> Tuple[float, float]:
    """Run a tool in :data:`~hierembed.research.ROOT`, its output into ``log``.

    Args:
        cmd: the command.
        log: the file its stdout and stderr go to.

    Returns:
        (wall seconds, CPU seconds of the command and the children it waited for: its own,
        also while other commands run beside it).

    Raises:
        RuntimeError: the command failed (the log named).
    """
    with open(log, 'w') as f:
        t0 = time.time()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                                env=dict(os.environ, OMP_NUM_THREADS=os.environ.get(
                                    'OMP_NUM_THREADS', '1')))
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # as subprocess.run: an interrupted wait takes the command down
            proc.kill()
            proc.wait()
            raise
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed ({proc.returncode}); see {log}')
    return time.time() - t0, usage.ru_utime + usage.ru_stime


def saved_timing(path: str, *keys: str) -> dict:
    """The seconds a kept step saved in ``path`` (``train_time.json``, ``probe_time.json``).

    Args:
        path: the timing file (absent: nothing saved).
        keys: the timings to read.

    Returns:
        ``keys`` to values, None for each one not saved.
    """
    saved = {}
    if osp.isfile(path):
        with open(path) as f:
            saved = json.load(f)
    return {k: saved.get(k) for k in keys}


def trained_iters(work_dir: str) -> int:
    """The iteration of the checkpoint that ``work_dir/last_checkpoint`` names.

    Args:
        work_dir: a row's work dir.

    Returns:
        N of ``iter_N.pth``; 0 when it names none.
    """
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        found = re.fullmatch(r'iter_(\d+)\.pth', osp.basename(f.read().strip()))
    return int(found.group(1)) if found else 0


def train_row(args: argparse.Namespace, name: str, seed: int) -> dict:
    """Train one row and training seed with ``tools/train.py``, or keep what was trained.

    A row trained to its end before is kept; one killed before its end is resumed; a row
    trained for another ``--iters`` is refused.

    Args:
        args: the command line (``work_dir``, ``iters``, ``config``, ``experiment_paths``).
        name: the row (of :data:`~hierembed.research.rows.ROWS` or an experiment's name).
        seed: the training seed.

    Returns:
        The run's entry: name, seed, train_s, train_cpu_s (None when kept without timing)
        and work_dir.
    """
    wd = osp.join(args.work_dir, tag_of(name, seed))
    timing = osp.join(ROOT, wd, 'train_time.json')
    entry = dict(name=name, seed=seed, train_s=None, train_cpu_s=None, work_dir=wd)
    cfg = osp.join(wd, 'row_config.py')
    resume = []
    if osp.isfile(osp.join(ROOT, wd, 'last_checkpoint')):  # trained before: keep it
        iters = _iters_of(entry) if name in ROWS else args.iters
        if iters != args.iters:
            raise ConfigError(f'{wd} was trained for {iters} iterations, not --iters '
                              f'{args.iters}: pass --iters {iters}, another --work-dir, or delete '
                              'it')
        done = trained_iters(osp.join(ROOT, wd))
        if done >= iters:
            entry.update(saved_timing(timing, 'train_s', 'train_cpu_s'))
            print(f'{name} seed {seed}: trained before, kept ({wd}; delete it to train again)',
                  flush=True)
            return entry
        # a run killed before its end: its table would read an early checkpoint
        print(f'{name} seed {seed}: stopped at iteration {done} of {iters}; resuming', flush=True)
        resume = ['--resume']
    else:
        os.makedirs(osp.join(ROOT, wd), exist_ok=True)
        with open(osp.join(ROOT, cfg), 'w') as f:
            if name in ROWS:
                levels, model = ROWS[name]
                f.write(row_config(args.config, levels, model, args.iters, seed))
            else:
                f.write(experiment_config(args.experiment_paths[name], seed))
    entry['train_s'], entry['train_cpu_s'] = run(
        [sys.executable, 'tools/train.py', cfg, '--work-dir', wd, *resume],
        osp.join(ROOT, wd, 'train.log'))
    with open(timing, 'w') as f:
        json.dump(dict(train_s=entry['train_s'], train_cpu_s=entry['train_cpu_s']), f)
    print(f"{name} seed {seed}: train {entry['train_s'] / 60:.1f} min "
          f"({entry['train_cpu_s'] / 60:.1f} CPU min)", flush=True)
    return entry


def probe_row(args: argparse.Namespace, run_entry: dict) -> dict:
    """Probe one trained row with its own training config (``--train-config``).

    The baselines (random init per probe seed, supervised ceiling) come from the shared cache
    after the first row. A row probed after its checkpoint was written is read back (unless
    ``--probe-only``), if the same probe config made it.

    Args:
        args: the command line (``work_dir``, ``probe_config``, ``probe_only``).
        run_entry: the row's entry from :func:`train_row` or :func:`find_runs`.

    Returns:
        The entry with probe_s, probe_cpu_s and the probe's ``results``.
    """
    wd = run_entry['work_dir']
    with open(osp.join(ROOT, wd, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    if not osp.isfile(osp.join(ROOT, ckpt)):  # a work dir moved or made from another checkout
        ckpt = osp.join(wd, osp.basename(ckpt))
    saved = osp.join(ROOT, wd, 'probe', 'results.json')
    timing = osp.join(ROOT, wd, 'probe_time.json')
    if (not args.probe_only and osp.isfile(saved)
            and osp.getmtime(saved) >= osp.getmtime(osp.join(ROOT, ckpt))):
        with open(saved) as f:
            results = json.load(f)
        made_by = results.get('meta', {}).get('config')
        if made_by is not None and osp.normpath(made_by) != osp.normpath(args.probe_config):
            raise ConfigError(f'{osp.join(wd, "probe", "results.json")} was probed with '
                              f'{made_by}, not --probe-config {args.probe_config}: give '
                              'another --work-dir (with links to the checkpoints)')
        print(f"{run_entry['name']} seed {run_entry['seed']}: probed before, kept", flush=True)
        return dict(run_entry, **saved_timing(timing, 'probe_s', 'probe_cpu_s'),
                    results=results)
    cache = osp.abspath(osp.join(ROOT, args.work_dir, 'cache'))
    t_probe, cpu_probe = run(
        [sys.executable, 'tools/probe.py', args.probe_config, '--checkpoint', ckpt,
         '--train-config', osp.join(wd, 'row_config.py'), '--work-dir', osp.join(wd, 'probe'),
         '--no-progress', '--cfg-options', f'probe_cfg.cache_dir={cache}'],
        osp.join(ROOT, wd, 'probe.log'))
    with open(saved) as f:
        results = json.load(f)
    with open(timing, 'w') as f:
        json.dump(dict(probe_s=t_probe, probe_cpu_s=cpu_probe), f)
    print(f"{run_entry['name']} seed {run_entry['seed']}: probe {t_probe / 60:.1f} min "
          f"({cpu_probe / 60:.1f} CPU min)", flush=True)
    return dict(run_entry, probe_s=t_probe, probe_cpu_s=cpu_probe, results=results)


def find_runs(work_dir: str, rows: Iterable[str]) -> List[dict]:
    """The trained rows already in ``work_dir``: ``<tag>/{row_config.py,last_checkpoint}``.

    Args:
        work_dir: ``--work-dir``, relative to :data:`~hierembed.research.ROOT`.
        rows: the row names to look for.

    Returns:
        An entry per row and seed found, as :func:`train_row` returns them (no timing).

    Raises:
        FileNotFoundError: no trained row.
    """
    runs = []
    for name in rows:
        for path in sorted(glob.glob(osp.join(ROOT, work_dir, tag_of(name, 0)[:-1] + '*'))):
            seed = path.rsplit('_seed', 1)[1]
            if not seed.isdigit() or not all(osp.isfile(osp.join(path, f)) for f in (
                    'row_config.py', 'last_checkpoint')):
                continue
            runs.append(dict(name=name, seed=int(seed), train_s=None, train_cpu_s=None,
                             work_dir=osp.relpath(path, ROOT)))
    if not runs:
        raise FileNotFoundError(f'--probe-only: no trained rows (<tag>/row_config.py and '
                                f'last_checkpoint) under {work_dir}')
    return runs


def main() -> None:
    """The command line of ``tools/reproduce.py`` (``sys.argv``): train, probe, write the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--config', default='configs/synthetic_upper_body.py')
    parser.add_argument('--probe-config', default='configs/probes/synthetic_upper_body.py')
    # 2800 since docs/research/schedule.md section 15, with the default's batch 8 (1400 at
    # batch 16 in section 13, 700 before): a three-level run stays within about 30 CPU-minutes
    parser.add_argument('--iters', type=int, default=2800)
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--rows', nargs='*', default=list(ROWS), choices=list(ROWS),
                        help='rows of ROWS to train (none: only --experiments)')
    parser.add_argument('--experiments', nargs='+', default=[], metavar='CONFIG',
                        help='training configs run as extra rows, as written but for the seed')
    parser.add_argument('--jobs', type=int, default=2,
                        help='rows trained at once (one thread each)')
    parser.add_argument('--work-dir', default='work_dirs/reproduce')
    parser.add_argument('--out', default='docs/results.md')
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument('--render-only', action='store_true',
                      help='rewrite the table from the probes already in --work-dir')
    mode.add_argument('--probe-only', action='store_true',
                      help='re-probe the checkpoints already in --work-dir (each with its own '
                      'row_config.py) and rewrite the table')
    args = parser.parse_args()
    for name, value in (('--iters', args.iters), ('--jobs', args.jobs)):
        if value < 1:
            parser.error(f'{name} must be at least 1, got {value}')
    if any(s < 0 for s in args.seeds):
        parser.error(f'--seeds must be integers >= 0, got {args.seeds}')
    args.experiment_paths = {}
    for path in args.experiments:
        if not osp.isfile(osp.join(ROOT, path)):
            parser.error(f'--experiments: no such config: {path}')
        name = experiment_name(path)
        if name in args.experiment_paths or name in ROWS:
            parser.error(f'--experiments: two rows named {name!r}')
        args.experiment_paths[name] = path
    names = list(args.rows) + list(args.experiment_paths)
    if not names:
        parser.error('nothing to run: give --rows or --experiments')
    os.makedirs(osp.join(ROOT, args.work_dir), exist_ok=True)
    summary = osp.join(ROOT, args.work_dir, 'summary.json')
    cmd = 'python tools/reproduce.py ' + shlex.join(sys.argv[1:])
    if args.render_only:
        with open(summary) as f:
            saved = json.load(f)
        runs = []
        for r in saved['runs']:
            with open(osp.join(ROOT, r['work_dir'], 'probe', 'results.json')) as f:
                runs.append(dict(r, results=json.load(f)))
        total, cmd, args.iters = saved['total_s'], saved['command'], saved['iters']
    else:
        t0 = time.time()
        if args.probe_only:
            trained = find_runs(args.work_dir, names)
            args.iters = _iters_of(trained[0])
        else:
            jobs = [(name, seed) for seed in args.seeds for name in names]
            with ThreadPoolExecutor(args.jobs) as pool:
                trained = list(pool.map(lambda j: train_row(args, *j), jobs))
        # one at a time: the first probe computes the baselines, the others read the cache
        runs = [probe_row(args, r) for r in trained]
        total = time.time() - t0
        with open(summary, 'w') as f:
            json.dump(dict(command=cmd.strip(), total_s=total, iters=args.iters,
                           runs=[{k: v for k, v in r.items() if k != 'results'} for r in runs]),
                      f, indent=1)
    write_results(args, runs, total, cmd)


def _iters_of(run_entry: dict) -> int:
    """The training length in a row's own ``row_config.py``."""
    cfg = Config.fromfile(osp.join(ROOT, run_entry['work_dir'], 'row_config.py'))
    return int(cfg.train_cfg.max_iters)
