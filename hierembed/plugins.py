"""Plugins: third-party modules that register datasets, transforms, heads or metrics.

A plugin is an importable module (a folder such as ``plugins/horse`` or an installed package)
whose import registers classes into :mod:`hierembed.registry`. Two ways load one:

- a config's ``custom_imports = dict(imports=['plugins.horse'], allow_failed_imports=False)``,
  imported by mmengine's ``Config.fromfile``;
- an installed distribution that declares an entry point in the ``hierembed.plugins`` group
  (``[project.entry-points."hierembed.plugins"] cats = "hierembed_cats"``), imported at start-up
  by :func:`load_plugins` (called from :func:`hierembed.utils.register_all_modules`). An entry
  point may name a module, a class (importing it registers it) or a function, which is then
  called once with no arguments.

Either way a failure raises :class:`PluginError`, whose message names the plugin, where it was
declared and the cause: an import that fails (a missing dependency, a syntax error, a module
that is not on ``sys.path``) or a name that clashes with one a registry already holds
(mmengine raises a bare ``KeyError`` for those). ``HIEREMBED_DISABLE_PLUGINS=cats,dogs`` (or
``*``) skips entry points by name, so that a broken installed plugin does not block the toolkit.
"""
import importlib
import inspect
import os
import warnings
from importlib import metadata
from types import ModuleType
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from hierembed.errors import HierembedError

ENTRY_POINT_GROUP = 'hierembed.plugins'
DISABLE_ENV = 'HIEREMBED_DISABLE_PLUGINS'

#: plugin name -> dict(source=..., module=..., registered={registry: [names]}), in load order.
LOADED: Dict[str, Dict[str, Any]] = {}


class PluginError(HierembedError, RuntimeError):
    """A plugin could not be loaded.

    Not an ``ImportError`` on purpose: mmengine's ``Config.fromfile`` replaces any
    ``ImportError`` from ``custom_imports`` with a generic ``PYTHONPATH`` hint that drops the
    cause.

    Args:
        plugin: the plugin's name (the module path, or the entry point's name).
        source: where it was declared (a config's ``custom_imports``, an entry point).
        cause: what went wrong, in words.
    """

    def __init__(self, plugin: str, source: str, cause: str):
        self.plugin, self.source, self.cause = plugin, source, cause
        super().__init__(f'hierembed plugin {plugin!r} ({source}) failed to load: {cause}')


def _registries() -> Dict[str, Any]:
    """Every registry of :mod:`hierembed.registry`, once each (aliases share one), by name."""
    from mmengine.registry import Registry

    from hierembed import registry
    found = {}
    for value in vars(registry).values():
        if isinstance(value, Registry) and value.scope == 'hierembed':
            found.setdefault(value.name, value)
    return found


def _snapshot() -> Dict[str, set]:
    return {name: set(reg._module_dict) for name, reg in _registries().items()}


def _describe(exc: BaseException, module_name: str) -> str:
    """The cause of a failed import, in words."""
    text = exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
    if isinstance(exc, KeyError) and 'is already registered' in str(text):
        return (f'it registers a name that is already taken: {text}. Give the class another '
                f'name (or register_module(name=...)); force=True replaces the existing one and '
                f'is for deliberate overrides only')
    if isinstance(exc, ModuleNotFoundError) and exc.name and (
            module_name == exc.name or module_name.startswith(exc.name + '.')):
        return (f'module {module_name!r} is not importable ({exc}). A plugin folder must lie '
                f'in a folder on sys.path: run the tools from the repository root for '
                f'plugins/<name>, or add the folder above the plugin to PYTHONPATH')
    return f'its import raised {type(exc).__name__}: {text}'


def _guarded(plugin: str, source: str, module_name: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` (an import or a registration call), turning failures into PluginError."""
    try:
        return fn()
    except PluginError:
        raise
    except Exception as exc:  # any failure of third-party code is reported as the plugin's
        raise PluginError(plugin, source, _describe(exc, module_name)) from exc


def _import_core() -> None:
    """Register the toolkit's own modules first: a clash must be the plugin's to report.

    Each registry imports the modules of its ``locations`` (``hierembed.models``, ...), so this
    module needs nothing from :mod:`hierembed.utils.setup_env`, which imports it.
    """
    for registry in _registries().values():
        registry.import_from_location()


def _record(plugin: str, source: str, module: Optional[ModuleType], before: Dict[str, set]):
    after = _snapshot()
    registered = {name: sorted(after[name] - before.get(name, set())) for name in after}
    registered = {k: v for k, v in registered.items() if v}
    for reg_name, names in registered.items():
        parent = _registries()[reg_name].parent
        shadowed = [n for n in names if parent is not None and n in parent._module_dict]
        if shadowed:
            warnings.warn(f'hierembed plugin {plugin!r} ({source}) registers {shadowed} in the '
                          f'{reg_name} registry, hiding mmengine\'s classes of the same name in '
                          'the hierembed scope')
    if plugin not in LOADED or registered:
        LOADED[plugin] = dict(source=source, module=getattr(module, '__name__', None),
                              registered=registered)


def import_plugin(module_name: str, source: str = 'custom_imports',
                  plugin: Optional[str] = None) -> ModuleType:
    """Import a plugin module; failures name the plugin.

    Args:
        module_name: dotted module path (``'plugins.horse'``).
        source: where the plugin was declared, for messages.
        plugin: its name in messages (default ``module_name``).

    Returns:
        The module.

    Raises:
        PluginError: the import failed, or the plugin registers a name already held.
    """
    plugin = plugin or module_name
    _import_core()
    before = _snapshot()
    module = _guarded(plugin, source, module_name,
                      lambda: importlib.import_module(module_name))
    _record(plugin, source, module, before)
    return module


def import_custom_modules(imports: Union[str, Sequence[str], None],
                          allow_failed_imports: bool = False):
    """Drop-in for mmengine's ``import_modules_from_strings`` that names failing plugins.

    Args:
        imports: module path(s) from a config's ``custom_imports``.
        allow_failed_imports: warn and go on (the module is then ``None``) instead of raising.

    Returns:
        The module, or the list of modules (as mmengine's function).
    """
    if not imports:
        return None
    single = isinstance(imports, str)
    names = [imports] if single else imports
    if not isinstance(names, (list, tuple)):
        raise TypeError(f'custom_imports must be a list of module paths, got {type(imports)}')
    modules = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f'custom_imports: {name!r} is not a module path')
        try:
            modules.append(import_plugin(name, 'custom_imports of the config'))
        except PluginError as exc:
            if not allow_failed_imports:
                raise
            warnings.warn(f'{exc} (ignored: allow_failed_imports=True)')
            modules.append(None)
    return modules[0] if single else modules


def install_custom_imports_hook() -> None:
    """Make ``Config.fromfile`` import ``custom_imports`` through :func:`import_custom_modules`.

    mmengine reports any failed custom import as a ``sys.path`` problem and keeps only
    ``Failed to import X`` (the real cause sits in the chained traceback), and a registry clash
    surfaces as a bare ``KeyError``. Idempotent.
    """
    from mmengine.config import config as mm_config
    mm_config.import_modules_from_strings = import_custom_modules


def _disabled() -> set:
    return {n.strip() for n in os.environ.get(DISABLE_ENV, '').split(',') if n.strip()}


def load_plugins(group: str = ENTRY_POINT_GROUP) -> List[str]:
    """Import every plugin that an installed distribution declares in the entry-point group.

    Each plugin loads once per process; names in ``$HIEREMBED_DISABLE_PLUGINS`` (comma
    separated, ``*`` for all) are skipped.

    Args:
        group: the entry-point group.

    Returns:
        The names of the plugins loaded by this call.

    Raises:
        PluginError: naming the entry point, its distribution and the cause.
    """
    disabled = _disabled()
    loaded = []
    for ep in sorted(metadata.entry_points(group=group), key=lambda e: e.name):
        if ep.name in LOADED or ep.name in disabled or '*' in disabled:
            continue
        dist = getattr(getattr(ep, 'dist', None), 'name', None) or 'an unknown distribution'
        source = f'entry point {ep.name} = {ep.value} in group {group!r} of {dist}'
        module_name = ep.module
        _import_core()
        before = _snapshot()
        obj = _guarded(ep.name, source, module_name, ep.load)
        if inspect.isfunction(obj):
            _guarded(ep.name, source, module_name, obj)
        _record(ep.name, source, importlib.import_module(module_name), before)
        loaded.append(ep.name)
    if loaded:
        from mmengine.logging import print_log
        print_log('hierembed plugins: ' + '; '.join(
            f'{n} ({", ".join(f"{r}: {v}" for r, v in LOADED[n]["registered"].items()) or "-"})'
            for n in loaded), logger='current')
    return loaded


__all__ = ['PluginError', 'import_plugin', 'import_custom_modules', 'install_custom_imports_hook',
           'load_plugins', 'LOADED', 'ENTRY_POINT_GROUP', 'DISABLE_ENV']
