"""``_base_ = ['hierembed::_base_/cpu_recipe.py']``: the toolkit's configs as package bases.

mmengine resolves a base ``PKG::PATH`` to ``<PKG's install folder>/.mim/configs/PATH`` (the
OpenMMLab way of shipping configs with a package; ``hierembed/.mim/configs`` is the checkout's
``configs/``, in a wheel its copy). Three things in mmengine 0.10.7 stop that for a package other
than its own list, and :func:`enable_package_configs` changes each for ``hierembed`` only:

- ``_get_package_and_cfg_path`` accepts only packages of its ``MODULE2PACKAGE`` table (an
  ``assert``) and paths with a ``/`` (so ``hierembed::own_videos.py`` would be refused);
- ``is_installed`` and ``get_installed_path`` import ``pkg_resources``, which setuptools >= 82
  no longer ships: here the package is found by ``importlib``.

Other packages' ``PKG::`` bases go through mmengine unchanged. Called when ``hierembed`` is
imported, so a config may use the syntax wherever the toolkit (or a plugin) is imported before
the config is read, as every tool does.
"""
import importlib.util
import os.path as osp
from typing import Tuple

PACKAGE = 'hierembed'


def configs_dir() -> str:
    """The folder the package's configs are shipped in (``hierembed/.mim/configs``)."""
    return osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), '.mim', 'configs')


def _installed_path() -> str:
    spec = importlib.util.find_spec(PACKAGE)
    return osp.dirname(spec.origin)


def enable_package_configs() -> None:
    """Let mmengine's ``Config`` resolve ``hierembed::PATH`` bases (idempotent)."""
    try:
        import mmengine.config.config as config_module
        import mmengine.config.utils as config_utils
    except ImportError:  # mmengine absent: nothing reads configs in this process
        return
    if getattr(config_module, '_hierembed_package_configs', False):
        return
    config_utils.MODULE2PACKAGE.setdefault(PACKAGE, PACKAGE)
    split, installed, path_of = (config_module._get_package_and_cfg_path,
                                 config_module.is_installed, config_module.get_installed_path)

    def get_package_and_cfg_path(cfg_path: str) -> Tuple[str, str]:
        package, sep, rest = cfg_path.partition('::')
        if package == PACKAGE and sep and '::' not in rest:
            return PACKAGE, rest
        return split(cfg_path)

    def is_installed(package: str) -> bool:
        if package == PACKAGE:
            return importlib.util.find_spec(PACKAGE) is not None
        return installed(package)

    def get_installed_path(package: str) -> str:
        return _installed_path() if package == PACKAGE else path_of(package)

    config_module._get_package_and_cfg_path = get_package_and_cfg_path
    config_module.is_installed = is_installed
    config_module.get_installed_path = get_installed_path
    config_module._hierembed_package_configs = True
