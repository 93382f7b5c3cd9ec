"""Does the warp beat copying the frame on real footage?

Two steps around an ordinary training run (docs/research/identities_and_priors.md, section 9):

``prepare``: split a real video into shots at its cuts, and write a data_root whose train split
holds the start of every shot and whose val split holds the end (``--hold-out``): one track per
shot, a still centred square box (the crop is the frame's shorter side), so pairs never cross a
cut and held-out pairs are frames the model never saw. ``--interleave N`` holds out blocks of N
frames inside every shot instead (every ``max(2, round(1 / hold_out))``-th block), one track
per block or run of training blocks: held-out frames between seen ones, which tells a warp
that does not carry over in time (new content at the end of a shot) from one that does not
carry over at all.

``evaluate``: on held-out pairs (drawn by the config's ``VideoPairDataset`` on the val split,
without jitter), the photometric error (Eq. 2) of each level's warp against the identity warp's
(the source frame copied, at that level's resolution), with 95 % bootstrap intervals of the
ratio over pairs. The level-wise target of the learning issue is a ratio of 0.7 or less at
every level, with every level active.

    python tools/experiments/real_clip.py prepare my_clip.mp4 --out data/real_clip
    python tools/train.py configs/experiments/real_clip/real_clip.py --work-dir work_dirs/real_clip
    python tools/experiments/real_clip.py evaluate work_dirs/real_clip/iter_700.pth \
        --config configs/experiments/real_clip/real_clip.py --out work_dirs/real_clip/heldout.json

The model is built from ``--config`` (default: ``row_config.py`` beside the checkpoint) and its
weights loaded by ``init_embedder`` (the toolkit's safe loader: no config text inside the
checkpoint runs); the active levels are the checkpoint's own.
"""
import argparse
import json
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np
import torch
from mmengine.dataset import default_collate

from hierembed.apis.inference import init_embedder
from hierembed.datasets.converters import ConvertedDataset, detect_shots, rel_path
from hierembed.datasets.video_io import probe
from hierembed.ops import resize_image
from hierembed.registry import DATASETS
from hierembed.utils import register_all_modules


def parse_args(argv: Optional[List[str]] = None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest='command', required=True)
    prep = sub.add_parser('prepare', help='shots -> a data_root (train: shot starts, val: ends)')
    prep.add_argument('video')
    prep.add_argument('--out', required=True, help='the data_root to write annotations/ into')
    prep.add_argument('--hold-out', type=float, default=0.25,
                      help='fraction of each shot, at its end, held out (val split)')
    prep.add_argument('--interleave', type=int, metavar='N',
                      help='hold out blocks of N frames inside each shot (every '
                      'max(2, round(1 / hold-out))-th block) instead of its end')
    prep.add_argument('--min-shot', type=int, default=16, help='shorter shots are dropped')
    prep.add_argument('--crop-margin', type=float, default=1.2,
                      help="the dataset's crop_margin: the box is the shorter side over it")
    prep.add_argument('--threshold', type=float, default=30.0,
                      help='grey levels a cut changes at least (shots.find_cuts)')
    ev = sub.add_parser('evaluate', help='warp against identity per level on held-out pairs')
    ev.add_argument('checkpoint')
    ev.add_argument('--config', help='training config (default: row_config.py beside the '
                    'checkpoint)')
    ev.add_argument('--data-root', help='overrides the dataset data_root')
    ev.add_argument('--split', default='val', help="'val': held-out pairs; 'train': pairs of "
                    'the frames it trained on, for comparison')
    ev.add_argument('--max-gap', type=int, help="pairs at most this many frames apart "
                    "(default: the config's)")
    ev.add_argument('--num-pairs', type=int, default=256)
    ev.add_argument('--batch', type=int, default=32)
    ev.add_argument('--threads', type=int, default=1)
    ev.add_argument('--out', help='write the result as JSON')
    return p.parse_args(argv)


def prepare(video: str, out: str, hold_out: float = 0.25, min_shot: int = 16,
            crop_margin: float = 1.2, threshold: float = 30.0,
            interleave: Optional[int] = None) -> Dict:
    """Write ``out/annotations/videos_{train,val}.json`` for one video split by shots.

    Args:
        interleave: hold out blocks of this many frames inside each shot (block ``j`` of a shot
            is held out when ``j % p == p - 1``, ``p = max(2, round(1 / hold_out))``: at most
            every second block, whatever ``hold_out``) instead of the last ``hold_out`` of it;
            every run of consecutive frames of one split is a track of its own, so no pair
            crosses into the other split.

    Returns:
        ``shots`` (the kept ``(start, stop)`` ranges), ``dropped`` (shorter than ``min_shot``),
        and the train / val frame counts.
    """
    if not 0 < hold_out < 1:
        raise ValueError(f'--hold-out must lie in (0, 1), got {hold_out}')
    if interleave is not None and interleave < 2:
        raise ValueError(f'--interleave must be 2 frames or more, got {interleave}')
    _, height, width = probe(video)
    shots = detect_shots(video, threshold=threshold)
    kept = [s for s in shots if s[1] - s[0] >= min_shot]
    if not kept:
        raise ValueError(f'{video}: no shot of {min_shot} frames or more (shots: {shots})')
    side = min(width, height) / crop_margin
    box = [round((width - side) / 2, 2), round((height - side) / 2, 2), round(side, 2),
           round(side, 2)]
    ds = ConvertedDataset(out, dict(object_class='object', source='real_clip', version=1),
                          splits=('train', 'val'))
    name = osp.splitext(osp.basename(video))[0]
    tracks = dict(train=[], val=[])
    for a, b in kept:
        for split, lo, hi in _split_shot(a, b, hold_out, interleave):
            tracks[split].append(dict(id=len(tracks[split]),
                                      boxes={str(t): box for t in range(lo, hi)}))
    for split in ('train', 'val'):
        ds.add_video(split, dict(id=name, path=rel_path(osp.abspath(video), out),
                                 identity=name, tracks=tracks[split]))
    ds.write()
    return dict(shots=kept, dropped=[s for s in shots if s not in kept],
                frames={s: sum(len(t['boxes']) for t in tracks[s]) for s in tracks})


def _split_shot(a: int, b: int, hold_out: float, interleave: Optional[int]) -> List:
    """Frames ``[a, b)`` of one shot as ``(split, lo, hi)`` runs, in order."""
    if interleave is None:
        n_val = max(2, int(round((b - a) * hold_out)))
        return [('train', a, b - n_val), ('val', b - n_val, b)]
    period = max(2, int(round(1 / hold_out)))
    runs = []
    for lo in range(a, b, interleave):
        split = 'val' if (lo - a) // interleave % period == period - 1 else 'train'
        hi = min(lo + interleave, b)
        if runs and runs[-1][0] == split:
            runs[-1] = (split, runs[-1][1], hi)
        else:
            runs.append((split, lo, hi))
    return [r for r in runs if r[2] - r[1] >= 2]  # a last frame alone makes no pair


def _interval(num: np.ndarray, den: np.ndarray, rng: np.random.Generator, n: int = 2000):
    """95 % bootstrap interval (over pairs) of ``sum(num) / sum(den)``."""
    idx = rng.integers(0, len(num), size=(n, len(num)))
    ratios = num[idx].sum(1) / den[idx].sum(1)
    return [float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))]


@torch.no_grad()
def warp_vs_identity(model, dataset, num_pairs: int, batch: int = 32) -> List[Dict]:
    """Per level: the mean photometric error of the warp and of the identity warp on
    ``num_pairs`` pairs of ``dataset`` (evenly spaced indices), with the ratio's interval, and
    how peaked the warp is.

    Returns:
        One dict per level of the head: ``level``, ``size``, ``l1``, ``l1_identity``,
        ``ratio``, ``ratio_95`` ([low, high]), ``mean_gap`` (frames between the two frames),
        ``max_prob`` (the largest candidate probability of a target pixel, averaged) and
        ``effective_candidates`` (``exp`` of the entropy of a target pixel's distribution,
        averaged: 1 for a hard choice, ``4K`` or ``W_1^2`` for an even spread).
    """
    n = len(dataset)
    indices = [k * n // num_pairs for k in range(min(num_pairs, n))]
    errs = [[] for _ in range(model.num_levels)]
    peaks = [[] for _ in range(model.num_levels)]
    gaps = []
    for start in range(0, len(indices), batch):
        samples = [dataset[i] for i in indices[start:start + batch]]
        gaps += [abs(s['data_samples']['frame_target'] - s['data_samples']['frame_source'])
                 for s in samples]
        data = model.data_preprocessor(default_collate(samples), False)['inputs']
        out = model.warp(data['source'], data['target'], data['source_clean'],
                         num_levels=model.num_levels)
        for r, (gen, src) in enumerate(zip(out['generated'], out['source'])):
            tgt = resize_image(data['target_clean'], gen.shape[-1])
            errs[r].append(torch.stack([(gen - tgt).abs().sum(1).mean((1, 2)),
                                        (src - tgt).abs().sum(1).mean((1, 2))], 1).double())
            prob = out['prob'][r].double()  # [B, candidates, W_r, W_r]
            entropy = -(prob * prob.clamp(min=1e-300).log()).sum(1)
            peaks[r].append(torch.stack([prob.amax(1).flatten(), entropy.exp().flatten()], 1))
    rng = np.random.default_rng(0)
    levels = []
    for r, (e, peak) in enumerate(zip(errs, peaks)):
        e, peak = torch.cat(e).numpy(), torch.cat(peak).numpy()
        levels.append(dict(level=r + 1, size=int(model.warp_head.sizes[r]),
                           l1=float(e[:, 0].mean()), l1_identity=float(e[:, 1].mean()),
                           ratio=float(e[:, 0].sum() / e[:, 1].sum()),
                           ratio_95=_interval(e[:, 0], e[:, 1], rng),
                           mean_gap=float(np.mean(gaps)), max_prob=float(peak[:, 0].mean()),
                           effective_candidates=float(peak[:, 1].mean())))
    return levels


def evaluate(checkpoint: str, config: Optional[str] = None, data_root: Optional[str] = None,
             num_pairs: int = 256, batch: int = 32, split: str = 'val',
             max_gap: Optional[int] = None) -> Dict:
    """Load a trained model and measure :func:`warp_vs_identity` on a split (no jitter)."""
    register_all_modules()
    config = config or osp.join(osp.dirname(checkpoint), 'row_config.py')
    model = init_embedder(config, checkpoint)
    cfg = model.cfg
    ds_cfg = cfg.train_dataloader.dataset.to_dict()
    ds_cfg.update(split=split, procedural=None, jitter=None, pairs_per_video=num_pairs)
    if data_root:
        ds_cfg['data_root'] = data_root
    if max_gap:
        ds_cfg['max_gap'] = max_gap
    dataset = DATASETS.build(ds_cfg)
    levels = warp_vs_identity(model, dataset, num_pairs, batch)
    return dict(checkpoint=checkpoint, config=config, data_root=ds_cfg['data_root'], split=split,
                active_levels=model.active_levels, num_pairs=min(num_pairs, len(dataset)),
                max_gap=ds_cfg.get('max_gap'), levels=levels)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    if args.command == 'prepare':
        res = prepare(args.video, args.out, args.hold_out, args.min_shot, args.crop_margin,
                      args.threshold, args.interleave)
        print(f"{args.video}: {len(res['shots'])} shots {res['shots']} (dropped: "
              f"{res['dropped'] or 'none'}); {res['frames']['train']} train frames, "
              f"{res['frames']['val']} held-out frames -> {args.out}")
        return 0
    torch.set_num_threads(args.threads)
    res = evaluate(args.checkpoint, args.config, args.data_root, args.num_pairs, args.batch,
                   args.split, args.max_gap)
    print(f"{res['checkpoint']}: {res['num_pairs']} pairs of the {res['split']} split (mean "
          f"gap {res['levels'][0]['mean_gap']:.1f} frames), {res['active_levels']} "
          'levels active in training')
    for lv in res['levels']:
        lo, hi = lv['ratio_95']
        print(f"level {lv['level']} ({lv['size']} x {lv['size']}): warp {lv['l1']:.4f}, "
              f"identity {lv['l1_identity']:.4f}, ratio {lv['ratio']:.3f} [{lo:.3f}, {hi:.3f}]; "
              f"max prob {lv['max_prob']:.3f}, effective candidates "
              f"{lv['effective_candidates']:.2f}")
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(res, f, indent=1)
    return 0


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
