"""Convert VoxCeleb2 (Chung et al. 2018; face tracks of interviews) to the toolkit's video
collection format, streaming, resumable, split by identity.

Obtain: https://www.robots.ox.ac.uk/~vgg/data/voxceleb/vox2.html (request access; the video
parts vox2_dev_mp4 and vox2_test_mp4, optionally the txt track files). Expected under ROOT::

    dev/mp4/idNNNNN/<youtube id>/NNNNN.mp4    face-track clips (224 x 224 crops), 5994 speakers
    test/mp4/idNNNNN/<youtube id>/NNNNN.mp4   118 speakers (optional)
    dev/txt/idNNNNN/<youtube id>/NNNNN.txt    optional: the track in the original video (a
                                              header, then one ``FRAME X Y W H`` row per frame)

Each clip is already a face crop, so each becomes one video with no ``tracks`` (the whole frame
is the face). Splits by identity: test/ is ``test``; of dev/, a fraction --val-fraction of the
identities (by a seeded hash of the identity, stable whatever else is added) is ``val``, the
rest ``train``. Nothing is decoded: about a million clips are listed with ``os.scandir``, one
identity at a time, into ``OUT/annotations/voxceleb2_shards/<part>/<identity>.jsonl`` (written
whole, then renamed: a shard that exists is done, and a rerun skips it), then streamed into
``OUT/annotations/videos_{train,val,test}.json``. With --num-frames-from-txt, a clip's
``num_frames`` is the number of rows of its txt track (one row per frame of the clip, as far as
we know: inferred, not checked here; the dataset checks it against the decoder).

    python tools/dataset_converters/voxceleb2.py /data/VoxCeleb2 --out data/voxceleb
"""
import hashlib
import json
import logging
import os
import os.path as osp
import sys
from typing import Iterator, Optional

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from hierembed.datasets.converters import (converter_parser, open_text, rel_path,  # noqa: E402
                                           run_converter)

logger = logging.getLogger('voxceleb2')
PARTS = ('dev', 'test')
INFO = dict(object_class='face', source='voxceleb2', version=1)


def identity_fraction(identity: str, seed: int = 0) -> float:
    """A number in [0, 1) fixed by the identity and the seed (the val hold-out)."""
    digest = hashlib.sha1(f'{seed}:{identity}'.encode()).digest()
    return int.from_bytes(digest[:8], 'big') / 2 ** 64


def _subdirs(path: str) -> Iterator[os.DirEntry]:
    with os.scandir(path) as it:
        for entry in it:
            if entry.is_dir():
                yield entry


def count_txt_frames(path: str) -> Optional[int]:
    """Rows after the ``FRAME`` header line of a VoxCeleb txt track (None if there is none)."""
    with open_text(path) as f:
        for line in f:
            if line.split()[:1] == ['FRAME']:
                return sum(1 for row in f if row.strip())
    return None


def write_shard(part_dir: str, identity: str, shard: str, out: str,
                txt_dir: Optional[str]) -> int:
    """List one identity's clips into ``shard`` (atomically); return the clip count."""
    lines = []
    for video in sorted(_subdirs(osp.join(part_dir, identity)), key=lambda e: e.name):
        with os.scandir(video.path) as it:
            clips = sorted(e.name for e in it if e.name.endswith('.mp4') and e.is_file())
        for clip in clips:
            stem = clip[:-4]
            entry = dict(id=f'{identity}/{video.name}/{stem}',
                         path=rel_path(osp.join(video.path, clip), out), identity=identity)
            if txt_dir:
                txt = osp.join(txt_dir, identity, video.name, stem + '.txt')
                n = count_txt_frames(txt) if osp.isfile(txt) else None
                if n:
                    entry['num_frames'] = n
            lines.append(json.dumps(entry, separators=(',', ':')))
    tmp = f'{shard}.tmp-{os.getpid()}'
    with open(tmp, 'w') as f:
        f.write('\n'.join(lines) + ('\n' if lines else ''))
    os.replace(tmp, shard)
    return len(lines)


def merge(shards: str, out: str, val_fraction: float, seed: int) -> dict:
    """Stream the shards into ``videos_{train,val,test}.json``; return split -> video count."""
    ann = osp.join(out, 'annotations')
    files, counts = {}, {}
    try:
        for split in ('train', 'val', 'test'):
            files[split] = open(osp.join(ann, f'videos_{split}.json.tmp-{os.getpid()}'), 'w')
            files[split].write('{"metainfo":' + json.dumps(INFO, separators=(',', ':')) +
                               ',"videos":[')
            counts[split] = 0
        for part in PARTS:
            folder = osp.join(shards, part)
            if not osp.isdir(folder):
                continue
            for name in sorted(n for n in os.listdir(folder) if n.endswith('.jsonl')):
                identity = name[:-6]
                split = 'test' if part == 'test' else \
                    'val' if identity_fraction(identity, seed) < val_fraction else 'train'
                with open(osp.join(folder, name)) as f:
                    for line in f:
                        if line.strip():
                            files[split].write((',' if counts[split] else '') + line.strip())
                            counts[split] += 1
        for split, f in files.items():
            f.write(']}')
            f.close()
            os.replace(f.name, osp.join(ann, f'videos_{split}.json'))
    finally:
        for f in files.values():
            if not f.closed:
                f.close()
                os.remove(f.name)
    return counts


def convert(root: str, out: str, val_fraction: float = 0.02, seed: int = 0,
            num_frames_from_txt: bool = False, max_identities: Optional[int] = None) -> dict:
    """Convert a VoxCeleb2 download (resumable); return split -> video count.

    Args:
        max_identities: stop after listing this many new identities, without writing the
            split files (for a partial run; a rerun goes on from there).
    """
    shards = osp.join(out, 'annotations', 'voxceleb2_shards')
    found, done = 0, 0
    for part in PARTS:
        part_dir = osp.join(root, part, 'mp4')
        if not osp.isdir(part_dir):
            continue
        found += 1
        os.makedirs(osp.join(shards, part), exist_ok=True)
        txt_dir = osp.join(root, part, 'txt') if num_frames_from_txt else None
        identities = sorted(_subdirs(part_dir), key=lambda e: e.name)
        present = {f'{e.name}.jsonl' for e in identities}
        for name in os.listdir(osp.join(shards, part)):
            if name.endswith('.jsonl') and name not in present:  # gone from the root since
                os.remove(osp.join(shards, part, name))
                logger.info('%s/%s: no longer in %s, dropped', part, name[:-6], root)
        for entry in identities:
            shard = osp.join(shards, part, f'{entry.name}.jsonl')
            if osp.exists(shard):
                continue
            if max_identities is not None and done >= max_identities:
                return {}
            n = write_shard(part_dir, entry.name, shard, out, txt_dir)
            done += 1
            logger.info('%s/%s: %d clips', part, entry.name, n)
    if not found:
        raise FileNotFoundError(f'{root}: neither dev/mp4 nor test/mp4 (the VoxCeleb2 layout '
                                'dev/mp4/idNNNNN/<youtube id>/NNNNN.mp4)')
    return merge(shards, out, val_fraction, seed)


def main(argv=None) -> int:
    p = converter_parser(__doc__)
    p.add_argument('root', help='folder holding dev/mp4 (and test/mp4, dev/txt)')
    p.add_argument('--out', default='data/voxceleb', help='data_root to write annotations/ into')
    p.add_argument('--val-fraction', type=float, default=0.02,
                   help='dev identities held out as val')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--num-frames-from-txt', action='store_true',
                   help='record num_frames from the txt tracks (inferred layout)')
    args = p.parse_args(argv)
    return run_converter(convert, args.root, args.out, args.val_fraction, args.seed,
                         args.num_frames_from_txt)


if __name__ == '__main__':
    sys.exit(main())
