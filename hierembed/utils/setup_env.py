"""Registers every module of the toolkit and its plugins, and sets the default scope (mmpose
idiom)."""
import datetime
import warnings

from mmengine import DefaultScope


def import_core_modules() -> None:
    """Import every registering module of hierembed itself (no plugins)."""
    import hierembed.datasets  # noqa: F401
    import hierembed.engine  # noqa: F401
    import hierembed.evaluation  # noqa: F401
    import hierembed.models  # noqa: F401
    import hierembed.visualization  # noqa: F401


def register_all_modules(init_default_scope: bool = True, plugins: bool = True) -> None:
    """Import every registering module of hierembed, then its plugins.

    Args:
        init_default_scope: also make ``'hierembed'`` the current default scope, so that
            registries built outside a Runner resolve names in this toolkit first.
        plugins: also load the installed plugins (entry-point group ``hierembed.plugins``) and
            route configs' ``custom_imports`` through :func:`hierembed.plugins.import_plugin`,
            so that a broken plugin fails with its name and the cause (docs/plugins.md).
    """
    import_core_modules()
    if plugins:
        from hierembed.plugins import install_custom_imports_hook, load_plugins
        install_custom_imports_hook()
        load_plugins()

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('hierembed', scope_name='hierembed')
    elif current.scope_name != 'hierembed':
        warnings.warn(f'The current default scope "{current.scope_name}" is not "hierembed"; '
                      '`register_all_modules` makes a new default scope for hierembed.')
        name = f'hierembed-{datetime.datetime.now()}'
        DefaultScope.get_instance(name, scope_name='hierembed')
