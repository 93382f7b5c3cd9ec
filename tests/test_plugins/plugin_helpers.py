"""Throwaway plugins written into a temporary folder, and clean-up of what they register."""
import os.path as osp
import sys
import textwrap
from typing import Dict

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def write_module(root, name: str, body: str) -> str:
    """Write package ``root/name/__init__.py`` with ``body``; return the package folder."""
    folder = osp.join(str(root), name)
    import os
    os.makedirs(folder, exist_ok=True)
    with open(osp.join(folder, '__init__.py'), 'w') as f:
        f.write(textwrap.dedent(body))
    return folder


def dataset_plugin_body(class_name: str) -> str:
    return f'''
        from hierembed.datasets import VideoPairDataset
        from hierembed.registry import DATASETS


        @DATASETS.register_module()
        class {class_name}(VideoPairDataset):
            """A throwaway dataset."""
        '''


def write_distribution(site, dist: str, entry_points: Dict[str, str]) -> None:
    """A faked installed distribution: ``site/<dist>-0.1.dist-info`` with its entry points."""
    import os
    info = osp.join(str(site), f'{dist}-0.1.dist-info')
    os.makedirs(info, exist_ok=True)
    with open(osp.join(info, 'METADATA'), 'w') as f:
        f.write(f'Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n')
    with open(osp.join(info, 'entry_points.txt'), 'w') as f:
        f.write('[hierembed.plugins]\n')
        for name, value in entry_points.items():
            f.write(f'{name} = {value}\n')


def forget(*module_names: str) -> None:
    """Remove what plugin modules registered (and the modules), so tests do not leak."""
    from hierembed import plugins
    for reg in plugins._registries().values():
        for key, cls in list(reg._module_dict.items()):
            mod = getattr(cls, '__module__', '') or ''
            if any(mod == m or mod.startswith(m + '.') for m in module_names):
                del reg._module_dict[key]
    for m in list(sys.modules):
        if any(m == n or m.startswith(n + '.') for n in module_names):
            del sys.modules[m]
    for key in list(plugins.LOADED):
        if plugins.LOADED[key].get('module') in module_names or key in module_names:
            del plugins.LOADED[key]
