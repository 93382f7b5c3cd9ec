import pytest

from hierembed.utils.misc import did_you_mean, reject_unknown_keys


def test_did_you_mean_names_the_closest_key():
    assert did_you_mean('trian_cfg', ['train_cfg', 'model']) == \
        " Did you mean 'train_cfg'?"
    assert did_you_mean('zzz', ['train_cfg']) == ''


def test_reject_unknown_keys_lists_each_unknown_key():
    reject_unknown_keys(['epochs'], ['epochs', 'seeds'], 'probe_cfg')
    with pytest.raises(KeyError) as err:
        reject_unknown_keys(['epochs', 'sedes', 'bogus'], ['epochs', 'seeds'], 'probe_cfg')
    msg = str(err.value)
    assert "'sedes' Did you mean 'seeds'?" in msg and "'bogus'" in msg
    assert 'probe_cfg' in msg and "'epochs'" not in msg.split('Known')[0]
