"""Run the ``python tools/...`` commands of a docs page as written, in order (the workflow tests).

Sizes and iteration counts are shrunk by ``--cfg-options`` items appended to a tool's command;
config paths are taken from the checkout, everything else is run from a scratch folder.
"""
import os
import os.path as osp
import re
import shlex
import subprocess
import sys
from typing import Callable, Dict, List, Optional

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# train.py at a toy size: 32-px crops, a small model, 4 iterations, a checkpoint at the 4th
TINY_TRAIN = ['train_dataloader.dataset.input_size=32', 'train_dataloader.batch_size=2',
              'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
              'model.encoder.input_size=32', 'model.encoder.embed_dim=32',
              'model.encoder.base_channels=8', 'model.encoder.max_channels=32',
              'model.warp_head.base_size=8', 'model.warp_head.topk=4',
              'model.warp_head.max_channels=16', 'train_cfg.max_iters=4',
              'default_hooks.checkpoint.interval=4']


def doc_commands(page: str, section: Optional[str] = None) -> List[List[str]]:
    """The ``python tools/...`` lines of ``docs/<page>`` (of its ``## <section>`` only, when
    given), continuation lines joined, split as a shell would."""
    text = open(osp.join(REPO, 'docs', page)).read()
    if section is not None:
        text = text.split(f'## {section}', 1)[1].split('\n## ', 1)[0]
    joined = re.sub(r'\\\n\s*', '', text)
    return [shlex.split(line.strip()) for line in joined.splitlines()
            if line.startswith('    python tools/')]


def run_commands(commands: List[List[str]], cwd: str, tiny: Dict[str, List[str]],
                 checkpoint: tuple = ('', ''),
                 before: Optional[Callable[[str], None]] = None) -> Dict[str, str]:
    """Run each command with this Python; return tool name -> its stdout and stderr.

    Args:
        tiny: tool name -> ``--cfg-options`` items appended (the flag added when missing).
        checkpoint: (the page's checkpoint name, the one the shrunk run writes), replaced in
            arguments.
        before: called with the tool's name before it runs (to write what the page's reader
            would have: labels, anchor files).
    """
    env = dict(os.environ, PYTHONPATH=REPO, OMP_NUM_THREADS='1', NO_ALBUMENTATIONS_UPDATE='1')
    outputs = {}
    for cmd in commands:
        tool = osp.basename(cmd[1])
        cmd = [sys.executable, osp.join(REPO, cmd[1])] + [
            osp.join(REPO, a) if a.startswith('configs/') else a.replace(*checkpoint)
            for a in cmd[2:]]
        if tool in tiny:
            cmd += ([] if '--cfg-options' in cmd else ['--cfg-options']) + tiny[tool]
        if before is not None:
            before(tool)
        res = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
        assert res.returncode == 0, f'{cmd}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}'
        outputs[tool] = res.stdout + res.stderr
    return outputs
