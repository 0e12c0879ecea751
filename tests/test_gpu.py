"""GPU checks (marker `gpu`): run by scripts/gpu_check.sh on a CUDA machine; skipped elsewhere."""

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
    from tests import omni_tiny
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
