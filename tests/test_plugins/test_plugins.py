"""hierembed.plugins: custom_imports and entry points load plugins; broken ones are named."""
import os
import os.path as osp
import subprocess
import sys
import uuid

import pytest
from mmengine.config import Config

from hierembed.plugins import DISABLE_ENV, LOADED, PluginError, import_custom_modules, load_plugins
from hierembed.registry import DATASETS
from hierembed.utils import register_all_modules

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from plugin_helpers import (REPO, dataset_plugin_body, forget, write_distribution,  # noqa: E402
                            write_module)


@pytest.fixture
def plugin_dir(tmp_path, monkeypatch):
    """A folder on sys.path for throwaway plugins, with unique names; cleaned up after."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def new_name(stem):
        name = f'{stem}_{uuid.uuid4().hex[:8]}'
        names.append(name)
        return name

    yield tmp_path, new_name
    forget(*names)


def _config(tmp_path, imports, allow_failed=False):
    path = tmp_path / f'cfg_{uuid.uuid4().hex[:6]}.py'
    path.write_text(f'custom_imports = dict(imports={imports!r}, '
                    f'allow_failed_imports={allow_failed})\nx = 1\n')
    return str(path)


def test_custom_imports_register_a_dataset(plugin_dir):
    root, new_name = plugin_dir
    mod = new_name('catplug')
    cls = f'Cat{mod[-8:]}Dataset'
    write_module(root, mod, dataset_plugin_body(cls))
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(_config(root, [mod]))
    assert cfg.x == 1
    assert DATASETS.get(cls).__module__ == mod
    assert LOADED[mod]['registered'] == {'dataset': [cls]}
    assert 'custom_imports' in LOADED[mod]['source']


def test_missing_dependency_names_plugin_and_cause(plugin_dir):
    root, new_name = plugin_dir
    mod = new_name('needsdep')
    write_module(root, mod, 'import hierembed_no_such_dependency_xyz\n')
    register_all_modules(init_default_scope=False)
    with pytest.raises(PluginError) as err:
        Config.fromfile(_config(root, [mod]))
    msg = str(err.value)
    assert repr(mod) in msg and 'custom_imports' in msg
    assert "No module named 'hierembed_no_such_dependency_xyz'" in msg
    assert 'PYTHONPATH' not in msg  # the plugin was found; its dependency was not


def test_plugin_not_on_path_says_how_to_fix():
    register_all_modules(init_default_scope=False)
    with pytest.raises(PluginError) as err:
        import_custom_modules(['hierembed_absent_plugin_xyz'])
    msg = str(err.value)
    assert "'hierembed_absent_plugin_xyz'" in msg and 'PYTHONPATH' in msg


def test_syntax_error_names_plugin(plugin_dir):
    root, new_name = plugin_dir
    mod = new_name('typo')
    write_module(root, mod, 'def broken(:\n    pass\n')
    with pytest.raises(PluginError, match=f"{mod}.*SyntaxError"):
        import_custom_modules([mod])


def test_name_clash_names_plugin_and_registered_name(plugin_dir):
    root, new_name = plugin_dir
    mod = new_name('clash')
    write_module(root, mod, dataset_plugin_body('VideoPairDataset'))
    register_all_modules(init_default_scope=False)
    with pytest.raises(PluginError) as err:
        Config.fromfile(_config(root, [mod]))
    msg = str(err.value)
    assert repr(mod) in msg and 'VideoPairDataset' in msg and 'already' in msg
    assert 'hierembed.datasets.video_pair_dataset' in msg  # who holds the name
    assert DATASETS.get('VideoPairDataset').__module__ == 'hierembed.datasets.video_pair_dataset'


def test_allow_failed_imports_warns_and_goes_on(plugin_dir):
    root, new_name = plugin_dir
    mod = new_name('optional')
    write_module(root, mod, 'raise RuntimeError("no licence file")\n')
    with pytest.warns(UserWarning, match=f"{mod}.*no licence file"):
        assert import_custom_modules([mod], allow_failed_imports=True) == [None]


def test_entry_point_plugin_is_discovered(plugin_dir, monkeypatch):
    root, new_name = plugin_dir
    mod, ep = new_name('epcats'), new_name('cats')
    cls = f'EpCat{mod[-8:]}Dataset'
    write_module(root, mod, dataset_plugin_body(cls))
    write_distribution(root, f'hierembed_{mod}', {ep: mod})
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    assert ep in load_plugins()
    assert DATASETS.get(cls).__module__ == mod
    assert f'entry point {ep} = {mod}' in LOADED[ep]['source']
    assert load_plugins() == []  # once per process
    forget(ep)


def test_entry_point_function_is_called(plugin_dir, monkeypatch):
    root, new_name = plugin_dir
    mod, ep = new_name('epfunc'), new_name('func')
    cls = f'Fn{mod[-8:]}Dataset'
    write_module(root, mod, f'''
        def register():
            from hierembed.datasets import VideoPairDataset
            from hierembed.registry import DATASETS
            DATASETS.register_module(name='{cls}', module=type('{cls}', (VideoPairDataset,),
                                                               {{'__module__': __name__}}))
        ''')
    write_distribution(root, f'hierembed_{mod}', {ep: f'{mod}:register'})
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    load_plugins()
    assert DATASETS.get(cls) is not None
    assert LOADED[ep]['registered'] == {'dataset': [cls]}
    forget(ep)


def test_broken_entry_point_names_plugin_and_distribution(plugin_dir, monkeypatch):
    root, new_name = plugin_dir
    mod, ep = new_name('epbroken'), new_name('broken')
    write_module(root, mod, 'import hierembed_missing_dep_for_ep\n')
    write_distribution(root, f'hierembed_{mod}', {ep: mod})
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    with pytest.raises(PluginError) as err:
        load_plugins()
    msg = str(err.value)
    assert repr(ep) in msg and f'hierembed_{mod}' in msg
    assert "No module named 'hierembed_missing_dep_for_ep'" in msg
    monkeypatch.setenv(DISABLE_ENV, f'other,{ep}')
    assert ep not in load_plugins()


def test_installed_plugin_is_found_at_start_up(tmp_path):
    """A fresh interpreter (as the tools start) finds a plugin installed in a site dir."""
    site = tmp_path / 'site'
    write_module(site, 'hierembed_startup_cats', dataset_plugin_body('StartupCatDataset'))
    write_distribution(site, 'hierembed-startup-cats', {'startup_cats': 'hierembed_startup_cats'})
    code = ('from hierembed.utils import register_all_modules\n'
            'register_all_modules(init_default_scope=False)\n'
            'from hierembed.registry import DATASETS\n'
            'print(DATASETS.get("StartupCatDataset").__module__)\n')
    env = dict(os.environ, PYTHONPATH=str(site), NO_ALBUMENTATIONS_UPDATE='1')
    env.pop(DISABLE_ENV, None)
    proc = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                          text=True, timeout=120, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == 'hierembed_startup_cats'


def test_tools_call_register_all_modules():
    """tools/train.py and tools/probe.py load plugins before reading the config."""
    for tool in ('train.py', 'probe.py', 'check_dataset.py'):
        text = open(osp.join(REPO, 'tools', tool)).read()
        main = text[text.index('def main'):]
        read = min(main.find(c) for c in ('Config.fromfile', 'load_config(') if c in main)
        assert main.index('register_all_modules(') < read, tool


def test_hiding_an_mmengine_name_warns(plugin_dir):
    root, new_name = plugin_dir
    mod = new_name('shadow')
    write_module(root, mod, '''
        from mmengine.hooks import Hook
        from hierembed.registry import HOOKS


        @HOOKS.register_module()
        class IterTimerHook(Hook):
            """Same name as mmengine's."""
        ''')
    with pytest.warns(UserWarning, match=f"{mod}.*IterTimerHook.*hiding mmengine"):
        import_custom_modules(mod)
    assert LOADED[mod]['registered'] == {'hook': ['IterTimerHook']}


def test_plugins_do_not_import_setup_env():
    """setup_env imports hierembed.plugins; the core modules come from the registries instead."""
    import ast

    import hierembed.plugins
    tree = ast.parse(open(hierembed.plugins.__file__).read())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {a.name for node in ast.walk(tree) if isinstance(node, ast.Import)
                 for a in node.names}
    assert not any(name and 'setup_env' in name for name in imported), imported
    # in a fresh interpreter, one plugin import registers the toolkit's own modules first
    code = ('import sys; from hierembed.plugins import import_plugin; import_plugin("json"); '
            'from hierembed.registry import HOOKS, MODELS; '
            'print("ClassEmbedder" in MODELS.module_dict, "CurriculumHook" in HOOKS.module_dict)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         cwd=REPO, check=True).stdout
    assert out.split() == ['True', 'True']
