"""Where the loss looks: the limbs' share of the photometric error, sigma and the jitter.

For a trained checkpoint on a procedural class (docs/research/limbs_and_jitter.md, section 6),
over pairs drawn as in training (the config's ``VideoPairDataset``, evenly spaced indices of its
first pass):

- (a) per active level, the share of the photometric L1 error (generated against target) that
  limb pixels carry, next to the share of the pixels that are limbs; which target pixels are
  limbs comes from the renderer's part labels, re-rendered for each target frame and cropped
  with the dataset's own crop matrix; also for ``limbs_either``, the pixels that are limbs in
  the target or in the source (where a limb moved away from, the target shows what it hid);
- (b) mean sigma on limb, torso/head and background pixels, and the limbs' share of the
  Laplace term's data part (the error over sigma, what its gradient weighs);
- (c) the same share for the identity warp (the source crop copied);
- (d) the displacement that the encoder's jitter gives the limb keypoints (elbows, wrists),
  from the dataset's own jitter transforms (keypoints moved with the image), in crop pixels and
  in frame pixels; and between two independent draws, as the two frames of a pair get.

    python tools/experiments/limb_diagnostics.py work_dirs/x/iter_700.pth \
        --data-root data/synthetic_upper_body --num-pairs 320 --crop frame track \
        --out work_dirs/limb_diagnostics.json

The model is built from ``row_config.py`` beside the checkpoint (``--config`` to choose
another) and its weights loaded by ``init_embedder`` (the toolkit's safe loader); no config text
stored inside the checkpoint is executed.
"""
import argparse
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Optional

import cv2
import numpy as np
import torch
from mmengine.dataset import default_collate

from hierembed.apis.inference import init_embedder
from hierembed.datasets import VideoPairDataset
from hierembed.datasets.procedural import CLASSES, VideoSpec, render_frame
from hierembed.datasets.transforms import apply_affine, crop_matrix
from hierembed.ops import resize_image
from hierembed.registry import DATASETS
from hierembed.utils import register_all_modules

#: part ids per region, by class: limbs (upper arms and forearms, hands drawn with them) and
#: the rest of the figure; 0 is the background.
REGIONS = dict(upper_body=dict(limbs=(4, 5, 6, 7), figure=(1, 2, 3)),
               full_body=dict(limbs=(3, 4, 5, 6, 7, 8, 9, 10), figure=(1, 2)))
#: keypoint indices of the limb joints (elbows, wrists; knees, ankles) whose jitter
#: displacement is measured
LIMB_KEYPOINTS = dict(upper_body=(4, 5, 6, 7), full_body=(3, 4, 5, 6, 9, 10, 11, 12))


def parse_args(argv: Optional[List[str]] = None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('checkpoint')
    p.add_argument('--config', help='training config (default: row_config.py beside the '
                   'checkpoint)')
    p.add_argument('--data-root', help='overrides the dataset data_root (never rendered into)')
    p.add_argument('--split', default='train')
    p.add_argument('--num-pairs', type=int, default=320)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--crop', nargs='+', default=['frame'],
                   choices=VideoPairDataset.CROP_MODES)
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--out', help='write the numbers to this JSON file')
    return p.parse_args(argv)


class ProceduralLabels:
    """Re-renders frames of a procedural data root: part labels and keypoints per frame.

    The video specs are rebuilt from the annotation's metainfo exactly as ``generate`` seeds
    them; the first frame asked of each video is checked against the decoded video.
    """

    def __init__(self, dataset):
        meta = dataset.metainfo
        if meta.get('source') != 'procedural':
            raise ValueError(f'{dataset.ann_file}: metainfo.source is {meta.get("source")!r}; '
                             'limb labels exist only for procedural classes')
        self.cls, self.size = meta['object_class'], int(meta['size'])
        self.num_frames, num_videos = int(meta['num_frames']), int(meta['num_videos'])
        if self.cls not in REGIONS:
            raise ValueError(f'{dataset.ann_file}: no limb parts known for class {self.cls!r}; '
                             f'known: {sorted(REGIONS)}')
        self.clips = 2 if num_videos >= 20 else 1
        root = np.random.SeedSequence([int(meta['seed']), sorted(CLASSES).index(self.cls)])
        self.id_seeds = root.spawn(int(np.ceil(num_videos / self.clips)))
        self.vid_seeds = root.spawn(num_videos)
        self.dataset = dataset
        self.specs: Dict[str, VideoSpec] = {}

    def frame(self, video: Dict, t: int) -> Dict:
        """``render_frame`` of frame ``t`` of ``video`` (a dataset video entry)."""
        vid = video['id']
        if vid not in self.specs:
            ident, clip = vid[len(self.cls) + 3:].split('_clip')
            v = int(ident) * self.clips + int(clip)
            self.specs[vid] = VideoSpec(self.cls, self.id_seeds[int(ident)], self.vid_seeds[v],
                                        self.num_frames, self.size)
            # Compared at 16 x 16 (area average), where the codec's loss of the fine grain is
            # gone: measured on the upper-body class, at most 2.4 grey levels for the right
            # video, at least 33 for another one.
            pair = [cv2.resize(img.astype(np.float32), (16, 16), interpolation=cv2.INTER_AREA)
                    for img in (self.dataset.readers.get(video['path']).get([t])[0],
                                render_frame(self.specs[vid], t)['image'])]
            diff = float(np.abs(pair[0] - pair[1]).mean())
            if diff > 8.0:
                raise ValueError(f'{video["path"]}: frame {t} differs from its re-rendering by '
                                 f'{diff:.1f} grey levels on average; the data root was not '
                                 'generated by this version of the procedural renderer')
        return render_frame(self.specs[vid], t)


def region_maps(labels: np.ndarray, matrix: np.ndarray, size: int, regions: Dict) -> np.ndarray:
    """One-hot regions [3, S, S] (background, rest of the figure, limbs) of a label crop.

    The labels go through the image's crop matrix with nearest sampling and the same border.
    """
    crop = cv2.warpAffine(labels, matrix, (size, size), flags=cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_REPLICATE)
    limbs = np.isin(crop, regions['limbs'])
    figure = np.isin(crop, regions['figure'])
    return np.stack([~(limbs | figure), figure, limbs]).astype(np.float32)


def _measure(model, dataset, indices: List[int], labels: ProceduralLabels, batch: int,
             regions: Dict, limb_kps) -> Dict:
    size = dataset.input_size
    levels = model.active_levels
    sums = [defaultdict(float) for _ in range(levels)]  # running sums per level
    disp, pair_disp, scales = [], [], []
    jit_rng = np.random.default_rng(12345)
    for start in range(0, len(indices), batch):
        samples, maps = [], []
        for i in indices[start:start + batch]:
            track, a, b, _ = dataset.sample_pair(i)
            video = dataset.videos[track.video]
            s = dataset[i]
            assert s['data_samples']['frame_target'] == int(track.frames[b])
            fr = labels.frame(video, int(track.frames[b]))
            m = crop_matrix(dataset.crop_box(track, b), size, dataset.crop.margin)
            m_src = crop_matrix(dataset.crop_box(track, a), size, dataset.crop.margin)
            tgt_maps = region_maps(fr['labels'], m, size, regions)
            src_limbs = region_maps(labels.frame(video, int(track.frames[a]))['labels'], m_src,
                                    size, regions)[2]
            either = np.maximum(tgt_maps[2], src_limbs)[None]
            maps.append(torch.from_numpy(np.concatenate([tgt_maps, either])))
            samples.append(s)
            # (d) the jitter of the target's limb keypoints, through the dataset's transforms
            kps = apply_affine(fr['keypoints'][list(limb_kps)], m)
            clean = s['inputs']['target_clean'].numpy().transpose(1, 2, 0).copy()
            moved = []
            for _ in range(2):
                res = dict(img=clean.copy(), keypoints=kps.astype(np.float32), rng=jit_rng)
                for t in dataset.jitter:
                    res = t(res)
                moved.append(res['keypoints'])
            disp.append(np.linalg.norm(moved[0] - kps, axis=1))
            pair_disp.append(np.linalg.norm(moved[0] - moved[1], axis=1))
            scales.append(m[0, 0])
        data = model.data_preprocessor(default_collate(samples), False)['inputs']
        regions_b = torch.stack(maps)
        with torch.no_grad():
            out = model.warp(data['source'], data['target'], data['source_clean'])
        for r in range(levels):
            gen, sigma, src = out['generated'][r], out['sigma'][r], out['source'][r]
            w = gen.shape[-1]
            tgt = resize_image(data['target_clean'], w)
            frac = resize_image(regions_b, w)  # [B, 4, W, W] region fractions per pixel
            err = (gen - tgt).abs().sum(1, keepdim=True)
            err_id = (src - tgt).abs().sum(1, keepdim=True)
            acc = sums[r]
            acc['pixels'] += float(frac[:, :3].sum())
            for k, name in enumerate(('background', 'figure', 'limbs', 'limbs_either')):
                f = frac[:, k:k + 1]
                acc[f'pixels_{name}'] += float(f.sum())
                acc[f'err_{name}'] += float((err * f).sum())
                acc[f'err_id_{name}'] += float((err_id * f).sum())
                if sigma is not None:
                    acc[f'sigma_{name}'] += float((sigma * f).sum())
                    acc[f'err_over_sigma_{name}'] += float((err / sigma * f).sum())
    result = dict(levels=[])
    for r, s in enumerate(sums, start=1):
        names = ('background', 'figure', 'limbs')
        err = sum(s[f'err_{n}'] for n in names)
        err_id = sum(s[f'err_id_{n}'] for n in names)
        lv = dict(level=r, limb_pixel_share=s['pixels_limbs'] / s['pixels'],
                  limb_error_share=s['err_limbs'] / err,
                  identity_limb_error_share=s['err_id_limbs'] / err_id,
                  l1=err / s['pixels'], l1_identity=err_id / s['pixels'])
        for n in names:
            px = max(s[f'pixels_{n}'], 1e-8)
            lv[f'pixel_share_{n}'] = s[f'pixels_{n}'] / s['pixels']
            lv[f'error_share_{n}'] = s[f'err_{n}'] / err
            lv[f'identity_error_share_{n}'] = s[f'err_id_{n}'] / err_id
            lv[f'l1_{n}'] = s[f'err_{n}'] / px
            lv[f'l1_identity_{n}'] = s[f'err_id_{n}'] / px
            if f'sigma_{n}' in s:
                lv[f'sigma_{n}'] = s[f'sigma_{n}'] / px
        if 'err_over_sigma_limbs' in s:
            lv['laplace_limb_share'] = s['err_over_sigma_limbs'] / sum(
                s[f'err_over_sigma_{n}'] for n in names)
        lv['limbs_either_pixel_share'] = s['pixels_limbs_either'] / s['pixels']
        lv['limbs_either_error_share'] = s['err_limbs_either'] / err
        lv['limbs_either_identity_error_share'] = s['err_id_limbs_either'] / err_id
        result['levels'].append(lv)
    scales = np.repeat(scales, len(limb_kps))
    result['jitter'] = dict(crop_px_per_frame_px_median=float(np.median(scales)))
    for name, d in (('frame', np.concatenate(disp)), ('pair', np.concatenate(pair_disp))):
        result['jitter'][name] = dict(
            crop_px=dict(mean=float(d.mean()), median=float(np.median(d)),
                         p10=float(np.percentile(d, 10)), p90=float(np.percentile(d, 90))),
            frame_px_median=float(np.median(d / scales)))
    return result


def main(argv: Optional[List[str]] = None) -> Dict:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    register_all_modules()
    config = args.config or osp.join(osp.dirname(args.checkpoint), 'row_config.py')
    model = init_embedder(config, args.checkpoint)
    cfg = model.cfg
    results = dict(checkpoint=args.checkpoint, config=config, active_levels=model.active_levels,
                   crops={})
    for crop in args.crop:
        ds_cfg = cfg.train_dataloader.dataset.to_dict()
        ds_cfg.update(split=args.split, procedural=None, crop=crop)
        if args.data_root:
            ds_cfg['data_root'] = args.data_root
        dataset = DATASETS.build(ds_cfg)
        labels = ProceduralLabels(dataset)
        n = len(dataset)
        indices = [k * n // args.num_pairs for k in range(min(args.num_pairs, n))]
        res = _measure(model, dataset, indices, labels, args.batch, REGIONS[labels.cls],
                       LIMB_KEYPOINTS[labels.cls])
        res['num_pairs'] = len(indices)
        results['crops'][crop] = res
        for lv in res['levels']:
            print(f'crop={crop} level {lv["level"]}: limbs {100 * lv["limb_pixel_share"]:.1f} % '
                  f'of pixels, {100 * lv["limb_error_share"]:.1f} % of the warp error, '
                  f'{100 * lv["identity_limb_error_share"]:.1f} % of the identity error (limbs in '
                  f'either frame: {100 * lv["limbs_either_pixel_share"]:.1f} / '
                  f'{100 * lv["limbs_either_error_share"]:.1f} / '
                  f'{100 * lv["limbs_either_identity_error_share"]:.1f} %); l1 '
                  f'{lv["l1"]:.4f} (identity {lv["l1_identity"]:.4f}); sigma limbs / figure / '
                  f'background {lv.get("sigma_limbs", float("nan")):.3f} / '
                  f'{lv.get("sigma_figure", float("nan")):.3f} / '
                  f'{lv.get("sigma_background", float("nan")):.3f}; limbs\' share of error / '
                  f'sigma {100 * lv.get("laplace_limb_share", float("nan")):.1f} %', flush=True)
        for name in ('frame', 'pair'):
            j = res['jitter'][name]
            print(f'crop={crop} jitter of elbows and wrists ({name}): median '
                  f'{j["crop_px"]["median"]:.2f} crop px (p10 {j["crop_px"]["p10"]:.2f}, p90 '
                  f'{j["crop_px"]["p90"]:.2f}) = {j["frame_px_median"]:.2f} frame px; '
                  f'{res["jitter"]["crop_px_per_frame_px_median"]:.3f} crop px per frame px',
                  flush=True)
    if args.out:
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    from hierembed.utils.cli import run_tool
    run_tool(main)
