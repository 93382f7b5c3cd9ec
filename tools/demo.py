"""`make demo`: the embedded default end to end, with no download and no GPU.

1. renders the procedural ``upper_body`` class (first use only),
2. trains the CPU-size embedding with the curriculum (``configs/synthetic_upper_body.py``),
3. probes it against the random-init encoder and the mean pose
   (``configs/probes/synthetic_upper_body.py``), prints the table,
4. points to the pictures: training warps and predicted landmarks.

Each step is one of the public tools, run as a child process so its progress shows as it
happens; the commands are printed, so any step can be re-run by hand.

Usage:
    python tools/demo.py [--work-dir work_dirs/demo] [--iters N] [--quick]
"""
import argparse
import glob
import json
import os.path as osp
import subprocess
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(HERE)


def step(title, cmd):
    print(f'\n=== {title}\n$ {" ".join(cmd)}', flush=True)
    t0 = time.time()
    status = subprocess.run(cmd, cwd=ROOT).returncode
    if status != 0:  # the step printed why
        from hierembed.errors import HierembedError
        raise HierembedError(f'{title}: the step failed (exit {status}; its message is above); '
                             'fix that and run the demo again')
    took = time.time() - t0
    print(f'=== {title}: done in {took / 60:.1f} min', flush=True)
    return took


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--config', default='configs/synthetic_upper_body.py')
    parser.add_argument('--probe-config', default='configs/probes/synthetic_upper_body.py')
    parser.add_argument('--iters', type=int, default=None,
                        help='training iterations (default: the config\'s)')
    parser.add_argument('--data-root', default=None,
                        help='where the procedural class is rendered (default: the configs\'); '
                        'the probe set goes to DATA_ROOT_probe')
    parser.add_argument('--quick', action='store_true',
                        help='a smoke run: 30 iterations, a short probe')
    args = parser.parse_args()
    py = sys.executable
    iters = 30 if args.quick else args.iters
    train_cmd = [py, 'tools/train.py', args.config, '--work-dir', args.work_dir]
    train_opts = [] if iters is None else [f'train_cfg.max_iters={iters}']
    # --quick: a short probe on a small probe set (100 clips), two probe seeds
    probe_opts = ['probe_cfg.epochs=20', 'probe_cfg.seeds=2',
                  'probe_dataset.procedural.num_videos=100'] if args.quick else []
    if args.data_root is not None:
        train_opts.append(f'train_dataloader.dataset.data_root={args.data_root}')
        # the probe's keypoint set is its own class sample, rendered beside the training videos
        probe_opts.append(f'probe_dataset.data_root={args.data_root.rstrip("/")}_probe')
    if train_opts:
        train_cmd += ['--cfg-options'] + train_opts
    times = dict(train=step('1+2/3 render the class (first use) and train the embedding',
                            train_cmd))
    with open(osp.join(ROOT, args.work_dir, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    probe_dir = osp.join(args.work_dir, 'probe')
    times['probe'] = step('3/3 probe: trained vs random init vs mean pose', [
        py, 'tools/probe.py', args.probe_config, '--checkpoint', ckpt, '--work-dir', probe_dir,
        '--baselines', 'random_init', 'mean_pose'] + (['--cfg-options'] + probe_opts
                                                      if probe_opts else []))

    warps = sorted(glob.glob(osp.join(ROOT, args.work_dir, '*', 'vis_data', 'vis_image',
                                      'warp_*.png')), key=osp.getmtime)
    landmarks = sorted(glob.glob(osp.join(ROOT, probe_dir, '**', '*.png'), recursive=True))
    print('\n=== pictures')
    print(f'training warps ({len(warps)}): {warps[-1] if warps else "none"}')
    print(f'predicted landmarks ({len(landmarks)}): '
          f'{osp.dirname(landmarks[0]) if landmarks else "none"}')
    print(f'results: {osp.join(probe_dir, "results.md")}, {osp.join(probe_dir, "results.json")}')
    print(f'time: training {times["train"] / 60:.1f} min, probe {times["probe"] / 60:.1f} min')
    with open(osp.join(ROOT, probe_dir, 'results.json')) as f:
        results = json.load(f)
    return 0 if results else 1


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
