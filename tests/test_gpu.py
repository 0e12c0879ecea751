"""GPU checks (marker `gpu`): run by scripts/gpu_check.sh on a CUDA machine; skipped elsewhere."""

import json
import os

import pytest

from saber_agent.devices import cuda_available, models, resolve_device

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not cuda_available(), reason="no CUDA GPU visible here (torch.cuda.is_available() is False)"),
]
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def test_auto_picks_cuda():
    assert resolve_device("auto") == "cuda:0"


def test_omni_thinker_runs_in_bf16_on_cuda_and_is_shared(tmp_path, face_speech_clip):
    import torch

    from saber_agent.media import decode
    from saber_agent.plugins.reasoners.omni import OmniReasoner
    from tests.support import omni_tiny
    from tests.test_omni import request_for

    path = omni_tiny.build(tmp_path / "thinker")
    before = models.loads
    first = OmniReasoner(model=str(path), device="cuda", max_new_tokens=8)
    second = OmniReasoner(model=str(path), device="auto", max_new_tokens=8)
    assert first.thinker is second.thinker and models.loads == before + 1
    assert first.thinker.device.type == "cuda" and first.thinker.dtype == torch.bfloat16
    clip = decode(face_speech_clip)
    text = first.generate(first.conversation(request_for(clip), True, True), first.sample_frames(clip), clip.audio)
    assert isinstance(text, str)


def test_face_torch_engine_on_cuda_matches_numpy_on_the_cpu_and_batches_the_clip(face_speech_clip):
    """Real faces (the astronaut, lfw): the CUDA forward pass agrees with the CPU numpy engine (TF32
    convolutions allow ~1e-3); the face tool sends every sampled face of a clip in one pass, and the
    model is placed on the GPU once."""
    import numpy as np

    from saber_agent.media import decode
    from saber_agent.plugins import face_expression as fe
    from saber_agent.plugins.face import FaceTool
    from saber_agent.settings import AnalysisSettings
    from tests.test_face_expression import real_crops

    crops = real_crops()
    on_gpu = fe.classify(crops, "torch", "cuda:0")
    on_cpu = fe.classify(crops, "numpy", "cpu")
    assert (on_gpu.engine, on_gpu.device, on_gpu.forward_passes) == ("torch", "cuda:0", 1)
    assert np.abs(on_gpu.probabilities - on_cpu.probabilities).max() < 5e-3
    assert (on_gpu.probabilities.argmax(axis=1) == on_cpu.probabilities.argmax(axis=1)).all()

    clip = decode(face_speech_clip)
    model = fe.load_torch_model("cuda:0")
    fe.load_model()  # the numpy engine, for the CPU run below
    passes, loads = model.forward_passes, models.loads
    slot = FaceTool().perceive(clip, AnalysisSettings(device="cuda"))  # engine auto: torch on CUDA
    again = FaceTool().perceive(clip, AnalysisSettings(device="auto"))  # another tool instance, same model
    cpu = FaceTool().perceive(clip, AnalysisSettings(device="cpu"))
    assert slot.ok and again.ok and cpu.ok, (slot.reason, again.reason, cpu.reason)
    m = slot.measurements
    assert (m["engine"], m["device"], m["forward_passes"]) == ("torch", "cuda:0", 1)
    assert model.forward_passes == passes + 2 and model.last_batch == m["frames_with_face"] > 1
    assert models.loads == loads  # placed once: three tool instances, no new load
    assert next(iter(model.params.values()))[0].device.type == "cuda"
    for emotion, p in cpu.measurements["mean_probabilities"].items():
        assert abs(p - m["mean_probabilities"][emotion]) < 5e-3


def test_transcript_runs_float16_on_cuda_once_per_process(speech_wav):
    """faster-whisper on the GPU in float16 (int8 on the CPU), each model placed once for every tool instance."""
    from saber_agent.media import decode
    from saber_agent.plugins import whisper_models
    from saber_agent.plugins.transcript import TranscriptTool
    from saber_agent.settings import AnalysisSettings

    clip = decode(speech_wav)
    slot = TranscriptTool().perceive(clip, AnalysisSettings(device="cuda"))
    assert slot.ok, slot.reason
    m = slot.measurements
    assert (m["device"], m["compute_type"]) == ("cuda", "float16"), m.get("notes")
    assert slot.provenance.backend == "faster-whisper (cuda, float16)"
    loads = models.loads
    again = TranscriptTool().perceive(clip, AnalysisSettings(device="cuda:0"))  # another instance: no new load
    assert again.text == slot.text and models.loads == loads
    on_gpu = [k for k in models.keys() if k[0] == whisper_models.MODEL_KIND and k[2] == "cuda:0"]
    assert on_gpu and all(k[3][0] == "float16" for k in on_gpu)
    model = whisper_models.load(whisper_models.bundled_english(), "cuda", 0)
    assert model.model.device == "cuda" and model.model.compute_type.startswith("float16")
    cpu = TranscriptTool().perceive(clip, AnalysisSettings(device="cpu"))
    assert cpu.measurements["compute_type"] == "int8"
    assert "glad" in slot.text.lower() and "glad" in cpu.text.lower()


def test_transformers_reasoner_runs_bf16_on_cuda_and_instances_share_it(tiny_qwen2):
    """The tiny Qwen2 of saber_agent.training.tiny: bfloat16 on the GPU, float32 on the CPU; two
    reasoner instances with other generation options hold one copy; field decoding answers on CUDA."""
    import torch

    from saber_agent.plugins.reasoners.transformers_chat import TransformersChatReasoner
    from saber_agent.sed_prompt import ANSWER_KEYS, build_messages
    from tests.support.reasoner_cases import sarcasm_request

    before = models.loads
    first = TransformersChatReasoner(model=str(tiny_qwen2), device="cuda", max_new_tokens=16)
    second = TransformersChatReasoner(model=str(tiny_qwen2), device="auto", max_new_tokens=32)
    assert first.net is second.net and models.loads == before + 1
    weights = next(first.net.parameters())
    assert weights.device.type == "cuda" and weights.dtype == torch.bfloat16
    assert (first.device, first.dtype) == ("cuda:0", torch.bfloat16)
    cpu = TransformersChatReasoner(model=str(tiny_qwen2), device="cpu", max_new_tokens=16)
    assert cpu.net is not first.net and next(cpu.net.parameters()).dtype == torch.float32
    request = sarcasm_request()
    raw = first.generate_fields(build_messages(request), request)  # well-formed by construction, on the GPU
    data = json.loads(raw)
    assert list(data) == list(ANSWER_KEYS) and data["reasoning"] and -1 <= data["valence"] <= 1
