import threading
import time

import pytest

from saber_agent.devices import DeviceError, ModelRegistry, cuda_available, models, resolve_device, shared_model


def test_auto_resolves_to_what_is_here():
    assert resolve_device("auto") == ("cuda:0" if cuda_available() else "cpu")
    assert resolve_device("CPU") == "cpu"


@pytest.mark.parametrize("bad", ["gpu", "cuda:x", "tpu:0", "cuda:-1"])
def test_malformed_setting_is_rejected(bad):
    with pytest.raises(DeviceError, match="not one of"):
        resolve_device(bad)


@pytest.mark.skipif(cuda_available(), reason="checks the no-GPU error; this machine has a GPU")
def test_cuda_without_a_gpu_says_so():
    with pytest.raises(DeviceError, match="no CUDA GPU is visible"):
        resolve_device("cuda:0")


def test_models_load_once_even_when_asked_in_parallel():
    registry = ModelRegistry()
    calls = []

    def load():
        calls.append(1)
        time.sleep(0.2)
        return object()

    got = []
    threads = [threading.Thread(target=lambda: got.append(registry.get(("m", "x"), load))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(g) for g in got}) == 1 and registry.loads == 1


class FakeOutOfMemoryError(RuntimeError):
    """Stands in for torch.cuda.OutOfMemoryError: a real one needs a GPU this machine lacks."""


FakeOutOfMemoryError.__name__ = "OutOfMemoryError"


def test_gpu_out_of_memory_is_a_clear_error_or_a_cpu_fallback():
    def load(device):
        if device.startswith("cuda"):
            raise FakeOutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        return f"model on {device}"

    with pytest.raises(DeviceError, match="ran out of memory loading test model 'big'"):
        shared_model("test", "big", "cuda:0", load)
    assert shared_model("test", "big", "cuda:0", load, allow_cpu_fallback=True) == "model on cpu"
    models.clear()


def test_device_options_reach_reasoners_that_take_them():
    from saber_agent.devices import device_options

    class OnDevice:
        def __init__(self, model: str = "m", device: str = "auto", allow_cpu_fallback: bool = False):
            pass

    def no_device(model: str = "m"):
        pass

    assert device_options(OnDevice, {}, "cpu", True) == {"device": "cpu", "allow_cpu_fallback": True}
    # an explicit reasoner option wins over the analysis setting
    assert device_options(OnDevice, {"device": "cuda:1"}, "cpu", False) == {"device": "cuda:1", "allow_cpu_fallback": False}
    assert device_options(no_device, {"model": "x"}, "cuda", True) == {"model": "x"}


def test_analysis_device_flows_through_the_graph_to_the_reasoner(registry, face_speech_clip):
    from saber_agent import hookimpl
    from saber_agent.api import analyze
    from saber_agent.plugins.reasoners.fusion import FusionReasoner

    seen = []

    class DeviceReasoner(FusionReasoner):
        name = "on_device"

        def __init__(self, device: str = "auto", allow_cpu_fallback: bool = False):
            super().__init__()
            seen.append((resolve_device(device), allow_cpu_fallback))

    class Plugin:
        @hookimpl
        def register_reasoners(self, register):
            register("on_device", DeviceReasoner, "test reasoner that records its device")

    registry.register_module(Plugin(), "on_device")
    result = analyze(face_speech_clip, plugins=[], reasoner="on_device", device="cpu", allow_cpu_fallback=True)
    assert result.reasoner == "on_device" and seen == [("cpu", True)]


def test_a_model_can_be_discarded_and_loads_again():
    registry = ModelRegistry()
    first = registry.get(("m", "x"), object)
    registry.discard(("m", "x"))
    assert registry.get(("m", "x"), object) is not first and registry.loads == 2


@pytest.mark.skipif(cuda_available(), reason="checks the no-GPU error; this machine has a GPU")
def test_the_graph_refuses_an_absent_gpu_before_decoding(face_speech_clip):
    """API callers get what the CLI says: one DeviceError up front, not a mix of failed and CPU slots."""
    from saber_agent.api import analyze
    from saber_agent.media import clip_cache

    decodes = clip_cache.decodes
    with pytest.raises(DeviceError, match="no CUDA GPU is visible"):
        analyze(face_speech_clip, device="cuda")
    assert clip_cache.decodes == decodes


def test_no_gpu_device_node_means_no_torch_import_to_find_out():
    """A CPU-only analysis must not pay torch's import (about 440 MB) to learn there is no CUDA."""
    import subprocess
    import sys

    from saber_agent.devices import gpu_device_nodes

    if gpu_device_nodes():
        pytest.skip("this machine has GPU device nodes: the libraries are asked, as they should be")
    code = ("import sys; from saber_agent.devices import resolve_device, cuda_available; "
            "print(resolve_device('auto'), cuda_available(), 'torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["cpu", "False", "False"]


def test_gpu_device_nodes_reads_the_linux_device_nodes(monkeypatch):
    from saber_agent import devices

    monkeypatch.setattr(devices.sys, "platform", "linux")
    monkeypatch.setattr(devices.os.path, "exists", lambda path: path == "/dev/nvidiactl")
    assert devices.gpu_device_nodes()
    monkeypatch.setattr(devices.os.path, "exists", lambda path: False)
    assert not devices.gpu_device_nodes() and devices.cuda_device_count() == 0
    monkeypatch.setattr(devices.sys, "platform", "win32")  # no /dev to read: the libraries decide
    assert devices.gpu_device_nodes()
