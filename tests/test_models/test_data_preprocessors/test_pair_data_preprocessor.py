"""The one uint8-to-float conversion and the preprocessor that applies it to training batches."""
import torch

from hierembed.models.data_preprocessors import PairDataPreprocessor, images_to_float


def test_images_to_float():
    images = torch.tensor([0, 51, 255], dtype=torch.uint8).reshape(1, 3, 1, 1)
    out = images_to_float(images)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.flatten(), torch.tensor([0.0, 0.2, 1.0]))
    floats = torch.rand(2, 3, 4, 4)
    assert images_to_float(floats) is floats
    assert images_to_float(floats.double()).dtype == torch.float32


def test_preprocessor_converts_uint8_images_only():
    frames = torch.full((2, 3, 4, 4), 102, dtype=torch.uint8)
    ids = torch.tensor([3, 4])
    data = PairDataPreprocessor()(dict(inputs=dict(source=frames, track_id=ids,
                                                   video='clip'), data_samples={}))
    torch.testing.assert_close(data['inputs']['source'], torch.full((2, 3, 4, 4), 0.4))
    assert torch.equal(data['inputs']['track_id'], ids) and data['inputs']['video'] == 'clip'
    single = PairDataPreprocessor()(dict(inputs=frames))['inputs']
    torch.testing.assert_close(single, torch.full((2, 3, 4, 4), 0.4))
