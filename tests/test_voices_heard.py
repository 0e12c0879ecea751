"""The whole-clip voice count (saber_agent.voices_heard): real espeak-ng voices, counted by the segment mode's own
speaker pass (voice activity, utterances, Praat measures, clustering)."""

import numpy as np
import pytest

from saber_agent.evidence import ClipInfo, Evidence, Slot
from saber_agent.media_clip import Clip, window_of
from saber_agent.reasoning import ReasoningRequest
from saber_agent.testing.conversation import MALE, SCRIPT, Turn, conversation_audio
from saber_agent.voices_heard import count_voices, is_window, mixed_speakers_note, voices_heard, whole_clip_voices

RATE = 16_000
# one man's voice throughout, calm and then raised (pitch and speed change from turn to turn, as one voice's may)
MONOLOGUE = (
    Turn("A", MALE[0], MALE[1], "I have been thinking about this for a long time, and I am proud of what we built.", +1),
    Turn("A", MALE[0], MALE[1] + 10, "But lately nobody listens to me anymore, and it makes me tired and sad.", -1),
    Turn("A", MALE[0], MALE[1] - 5, "Still, tomorrow is another day and we will start again together.", +1),
)


@pytest.fixture(scope="module")
def two_voices():
    audio, _ = conversation_audio(SCRIPT)
    return audio


@pytest.fixture(scope="module")
def one_voice():
    audio, _ = conversation_audio(MONOLOGUE)
    return audio


def test_two_voices_taking_turns_are_two(two_voices):
    heard = count_voices(two_voices, RATE)
    assert heard.count == 2 and heard.several and len(heard.spans) == len(SCRIPT)
    assert heard.labels == ["A", "B", "A", "B"]
    assert heard.note().startswith("2 voices heard: the emotion mixes speakers") and "--segment utterances" in heard.note()


def test_one_voice_over_several_turns_is_one_and_not_flagged(one_voice):
    heard = count_voices(one_voice, RATE)
    assert heard.count == 1 and not heard.several and len(heard.spans) >= 2
    assert heard.note() == "" and mixed_speakers_note(1) == "" and mixed_speakers_note(0) == ""


def test_silence_has_no_voice():
    assert count_voices(np.zeros(RATE * 2, np.float32), RATE).count == 0
    clip = Clip(ClipInfo(path="x", has_audio=True), np.zeros((0, 2, 2, 3), np.uint8), np.zeros(0), np.zeros(RATE, np.float32))
    assert voices_heard(clip).count == 0


def _clip(audio):
    info = ClipInfo(path="conv.wav", duration_s=audio.size / RATE, has_audio=True)
    return Clip(info, np.zeros((0, 2, 2, 3), np.uint8), np.zeros(0), audio)


def test_the_count_is_made_once_per_clip_and_not_for_a_window(two_voices):
    clip = _clip(two_voices)
    first = voices_heard(clip)
    assert voices_heard(clip) is first and first.count == 2  # kept on the clip: the next round reuses it
    request = ReasoningRequest(evidence=Evidence(), clip=clip.info)
    assert whole_clip_voices(request, clip) == 2
    assert whole_clip_voices(request, None) is None  # perception given without the media: not counted
    part = window_of(clip, (0.0, 3.0))
    assert is_window(part.info) and not is_window(clip.info)
    assert whole_clip_voices(ReasoningRequest(evidence=Evidence(), clip=part.info), part) is None  # segment mode's own


def test_a_count_measured_by_a_tool_is_taken_as_given():
    slot = Slot(text="The voice ...", status="ok", measurements={"voices_heard": 3})
    request = ReasoningRequest(evidence=Evidence(acoustic_feat=slot), clip=ClipInfo(path="x"))
    assert whole_clip_voices(request, None) == 3
    bad = Slot(text="The voice ...", status="ok", measurements={"voices_heard": True})
    assert whole_clip_voices(ReasoningRequest(evidence=Evidence(acoustic_feat=bad), clip=ClipInfo(path="x")), None) is None


def test_the_prosody_tool_keeps_the_count_in_its_slot_for_a_rerun_without_the_media(two_voices):
    """A batch rerun from the evidence cache has no clip to count in: the prosody slot of a whole clip carries the count
    (and a window's does not: segment mode has its own speaker pass)."""
    from saber_agent.plugins.prosody import ProsodyTool
    from saber_agent.settings import AnalysisSettings

    clip = _clip(two_voices)
    slot = ProsodyTool().perceive(clip, AnalysisSettings())
    assert slot.ok and slot.measurements["voices_heard"] == 2
    request = ReasoningRequest(evidence=Evidence(acoustic_feat=slot), clip=clip.info)
    assert whole_clip_voices(request, None) == 2
    part = ProsodyTool().perceive(window_of(clip, (0.0, 4.0)), AnalysisSettings())
    assert "voices_heard" not in part.measurements


@pytest.mark.parametrize("error", [ImportError("No module named 'parselmouth'"), RuntimeError("PraatError: odd audio")])
def test_a_speaker_pass_that_cannot_run_here_counts_nothing(monkeypatch, two_voices, error):
    """No Praat here (ImportError) or Praat's own error (a RuntimeError): no count, and no reading rests on one. The
    failure is simulated (parselmouth is installed here and cannot be removed for one test)."""
    from saber_agent import voices_heard as module

    def fails(*_args):
        raise error

    monkeypatch.setattr(module, "_count", fails)
    clip = _clip(two_voices)
    assert module.voices_heard_or_none(clip) is None
    assert whole_clip_voices(ReasoningRequest(evidence=Evidence(), clip=clip.info), clip) is None


def test_a_defect_in_the_speaker_pass_is_not_hidden(monkeypatch, two_voices):
    """`except Exception` around the pass (three copies: fusion, prosody, the API) turned any bug in it into a silent
    "one voice": a defect now propagates; only the pass's own can't-run-here errors are taken as no count."""
    from saber_agent import voices_heard as module

    def broken(*_args):
        raise TypeError("unsupported operand type(s)")

    monkeypatch.setattr(module, "_count", broken)
    clip = _clip(two_voices)
    with pytest.raises(TypeError):
        whole_clip_voices(ReasoningRequest(evidence=Evidence(), clip=clip.info), clip)


def test_the_graph_names_conflicts_of_several_voices_as_maybe_two_people():
    """The fuse step reads the acoustic slot's count: a smile over hostile words in a clip of two voices is no longer
    described as one person's sarcasm (the description the JSON and batch outputs carry)."""
    from saber_agent.evidence import ModalityCue
    from saber_agent.graphs.nodes import fuse

    smile = ModalityCue(modality="face", valence=0.7, confidence=0.9, emotion="happiness")
    hostile = ModalityCue(modality="words", valence=-0.7, confidence=0.9, emotion="anger")
    slots = {"acoustic_feat": Slot(text="Two voices ...", status="ok", measurements={"voices_heard": 2})}
    state = {"slot_cues": {"facial_exp_desc": [smile], "speech_content": [hostile]}, "slots": slots,
             "perception": object()}  # first-pass perception already kept: fuse only merges and names
    two = fuse(state, None)["conflicts"]
    assert two and all("different speakers" in c.description and "suggests sarcasm" not in c.description for c in two)
    one = fuse({**state, "slots": {}}, None)["conflicts"]
    assert one and "sarcasm" in one[0].description


def test_two_voices_are_not_described_as_one_and_give_no_pooled_voice_reading(two_voices, one_voice):
    """Trial C two_voices.wav: the prosody text said "The voice has ... strongly varying intonation (F0 SD 9.6 st)",
    "phrase 2 is lower (-18.8 st)", and its pooled voice reading went into the fusion; each speaker's own F0 SD was
    ~2 st, the variation the switch from a woman to a man. Now: each voice's own pitch, and no pooled reading or cue."""
    from saber_agent.plugins.prosody import ProsodyTool
    from saber_agent.settings import AnalysisSettings

    tool = ProsodyTool()
    slot = tool.perceive(_clip(two_voices), AnalysisSettings())
    m = slot.measurements
    print(slot.text)
    assert slot.ok and m["voices_heard"] == 2 and m["f0_sd_st"] > 4.0  # pooled, the switch reads as intonation
    assert slot.text.startswith("2 voices are heard: voice A") and "The voice has" not in slot.text
    assert set(m["voices"]) == {"A", "B"}
    for v in m["voices"].values():
        assert v["f0_sd_st"] < 4.0 and v["speech_s"] >= 1.0
    highs = sorted(v["f0_median_hz"] for v in m["voices"].values())
    assert 12 * np.log2(highs[1] / highs[0]) > 6.0  # two registers apart, each said on its own
    assert f"median F0 {m['voices']['A']['f0_median_hz']:.0f} Hz" in slot.text
    assert "intonation (F0 SD" not in slot.text and " st) than phrase" not in slot.text  # no pooled intonation or shift
    assert "voice_emotion" not in m and "No voice emotion is read: one reading over the 2 voices" in slot.text
    assert tool.cues(slot) == []
    alone = tool.perceive(_clip(one_voice), AnalysisSettings())  # one voice: described and read as before
    assert alone.ok and alone.measurements["voices_heard"] == 1 and alone.text.startswith("The voice has")
    assert "voices" not in alone.measurements and "voice_emotion" in alone.measurements and len(tool.cues(alone)) == 1


def test_a_count_the_reasoner_made_reaches_the_results_conflicts():
    """The fusion counts voices from the clip where no prosody slot holds a count (e.g. face and transcript only): the
    graph's last step then rewrites the conflicts the fuse step named before any count existed."""
    from saber_agent.cues import find_conflicts
    from saber_agent.evidence import Analysis, ModalityCue
    from saber_agent.graphs.nodes import finish

    smile = ModalityCue(modality="face", valence=0.7, confidence=0.9, emotion="happiness")
    hostile = ModalityCue(modality="words", valence=-0.7, confidence=0.9, emotion="anger")
    state = {"clip": ClipInfo(path="x"), "slots": {}, "conflicts": find_conflicts([smile, hostile]),
             "analysis": Analysis(basic_emotion="happiness", voices_heard=2, notes=[mixed_speakers_note(2)])}
    [conflict] = finish(state, None)["result"].conflicts
    assert "different speakers" in conflict.description and "suggests sarcasm" not in conflict.description
    state["analysis"] = Analysis(basic_emotion="happiness")
    assert "suggests sarcasm" in finish(state, None)["result"].conflicts[0].description
