import pytest

from hierembed.datasets.metainfo import list_metainfo, parse_metainfo
from hierembed.datasets.procedural import PROCEDURAL_CLASSES


@pytest.mark.parametrize('name', list_metainfo())
def test_every_file_parses_consistently(name):
    m = parse_metainfo(name)
    n = m['num_keypoints']
    assert len(m['keypoint_names']) == len(set(m['keypoint_names'])) == n
    assert all(0 <= a < n and 0 <= b < n for a, b in m['skeleton'])
    for i, j in m['flip_pairs']:
        assert m['flip_indices'][i] == j and m['flip_indices'][j] == i
        a, b = sorted((m['keypoint_names'][i], m['keypoint_names'][j]))
        assert a.replace('left', 'right') == b
    grouped = [k for g in m['keypoint_groups'].values() for k in g]
    assert set(grouped) <= set(m['keypoint_names'])
    assert m['norm']['type'] in ('pixels', 'torso', 'bbox', 'interocular', 'norm_size')


def test_procedural_classes_have_metainfo():
    assert set(PROCEDURAL_CLASSES) <= set(list_metainfo())


def test_paper_table_columns():
    assert list(parse_metainfo('upper_body')['keypoint_groups']) == ['Hd', 'Wrt', 'Elb', 'Shldr']
    assert list(parse_metainfo('full_body')['keypoint_groups']) == [
        'Hd', 'Shldr', 'Elb', 'Wrt', 'Hip', 'Knee', 'Ankl']


def test_penn_action_order_and_errors(tmp_path):
    names = parse_metainfo('penn_action')['keypoint_names']
    assert names[:3] == ['head', 'left_shoulder', 'right_shoulder'] and len(names) == 13
    with pytest.raises(FileNotFoundError, match='shipped names'):
        parse_metainfo('no_such_class')
    bad = tmp_path / 'bad.py'
    bad.write_text("dataset_info = dict(keypoint_info={0: dict(name='a', swap='b')})\n")
    with pytest.raises(ValueError, match=r"keypoint_info\[0\]\.swap.*'b'"):
        parse_metainfo(str(bad))
