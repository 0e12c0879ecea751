"""The GE2E speaker encoder in numpy (saber_agent.voice_embedding): the legacy checkpoint reader and the LSTM
against torch itself, the mel front end on known tones, and real d-vectors of espeak-ng voices."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from saber_agent import voice_embedding
from saber_agent.voice_embedding import RATE, embed, mel_power, missing, read_legacy_checkpoint


def test_legacy_checkpoint_reads_as_torch_wrote_it(tmp_path):
    torch = pytest.importorskip("torch")
    lstm = torch.nn.LSTM(4, 3, 2, batch_first=True)
    state = {"model_state": lstm.state_dict(), "step": 7, "view": torch.arange(12.0).reshape(3, 4).t()}  # a strided view
    path = tmp_path / "old.pt"
    torch.save(state, path, _use_new_zipfile_serialization=False)
    read = read_legacy_checkpoint(path)
    assert read["step"] == 7
    assert set(read["model_state"]) == set(state["model_state"])
    for key, value in state["model_state"].items():
        np.testing.assert_array_equal(read["model_state"][key], value.numpy())
    np.testing.assert_array_equal(read["view"], np.arange(12.0, dtype=np.float32).reshape(3, 4).T)


def test_numpy_lstm_is_torchs_lstm():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(40, 16, 3, batch_first=True)
    weights = {f"lstm.{k}": v.detach().numpy() for k, v in lstm.state_dict().items()}
    x = np.random.default_rng(0).normal(size=(2, 25, 40)).astype(np.float32)
    with torch.no_grad():
        _, (hidden, _) = lstm(torch.from_numpy(x))
    np.testing.assert_allclose(voice_embedding._lstm(x, weights), hidden[-1].numpy(), atol=1e-5)


def test_mel_power_puts_a_tone_in_its_band():
    t = np.arange(RATE) / RATE
    low, high = (mel_power(np.sin(2 * np.pi * f * t).astype(np.float32)) for f in (300.0, 3000.0))
    assert low.shape == (101, 40)  # 1 s at a 10 ms hop, frames centred
    assert int(np.argmax(low[50])) < 12 < int(np.argmax(high[50]))
    np.testing.assert_allclose(voice_embedding._mel_filters().sum(axis=1) > 0, True)  # no empty band


def test_missing_weights_say_what_to_install(tmp_path, monkeypatch):
    fake = tmp_path / "resemblyzer"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "resemblyzer", raising=False)
    assert "not installed" in missing() and voice_embedding.INSTALL in missing()
    (fake / "pretrained.pt").write_bytes(b"not the checkpoint")
    assert "SHA-256 differs" in missing()


needs_weights = pytest.mark.skipif(missing() is not None, reason=str(missing()))


@needs_weights
def test_one_voice_is_nearer_itself_than_another_voice():
    from tests.test_speakers import spoken

    texts = ["Could you please pass me the report when you have a moment?", "That is fine, there is no need to worry at all."]
    male = [embed(spoken(t, "en+m3", pitch=40)) for t in texts]
    female = [embed(spoken(t, "en+f3", pitch=70)) for t in texts]
    assert all(abs(float(np.linalg.norm(e)) - 1) < 1e-5 and e.shape == (256,) and (e >= 0).all() for e in male + female)
    assert float(male[0] @ male[1]) > float(male[0] @ female[0]) + 0.1
    assert float(female[0] @ female[1]) > float(female[0] @ male[1]) + 0.1
    # resampled input: the same utterance at 8 kHz (telephone band) is still nearer that voice than the other
    audio = spoken(texts[0], "en+m3", pitch=40)
    assert float(embed(audio[::2], RATE // 2) @ male[0]) > float(male[0] @ female[0])
