import pytest
from mmengine.registry import MODELS as MMENGINE_MODELS

from hierembed.registry import DATASETS, MODELS
from hierembed.utils import register_all_modules


def test_registries_are_children_of_mmengine_roots():
    assert MODELS.parent is MMENGINE_MODELS
    assert MODELS.scope == 'hierembed'


def test_unknown_type_names_registry_and_holdings():
    register_all_modules()
    with pytest.raises(KeyError) as err:
        MODELS.build(dict(type='ConvEncodr'))
    msg = str(err.value)
    assert 'hierembed::model' in msg and "Did you mean 'ConvEncoder'" in msg
    assert 'HierarchicalWarpHead' in msg


def test_build_through_mmengine_root_with_default_scope():
    from mmengine.registry import DefaultScope
    register_all_modules()
    with DefaultScope.overwrite_default_scope('hierembed'):
        enc = MMENGINE_MODELS.build(dict(type='ConvEncoder', input_size=8, embed_dim=4))
        assert type(enc).__name__ == 'ConvEncoder'
        with pytest.raises(KeyError, match='It holds'):
            MMENGINE_MODELS.build(dict(type='NoSuchThing'))
    assert DATASETS.name == 'dataset'
