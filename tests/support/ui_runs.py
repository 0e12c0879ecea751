"""A run as the graph streams it (a sarcastic clip that goes round twice), for the UI view and render tests."""

import re

from saber_agent.evidence import (
    Analysis,
    CheckOutcome,
    ClipInfo,
    Conflict,
    Evidence,
    ModalityCue,
    Provenance,
    Result,
    Slot,
    Timeline,
    ToolRun,
)
from saber_agent.ui import views

CLIP = ClipInfo(path="/tmp/x/clip.mp4", duration_s=6.3, has_video=True, has_audio=True, width=320, height=240,
                sample_fps=2.0, n_frames=13)


def slot_statuses(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-slot="(\w+)" data-status="(\w+)"', html))


def run(tool, slot, status="ok", seconds=0.5, reason=None):
    return ToolRun(tool=tool, slot=slot, status=status, seconds=seconds, started=1.0, finished=1.0 + seconds, reason=reason)


def perceive(tool, slot_name, slot):
    return {"perceive": {"slots": {slot_name: slot}, "tool_runs": [run(tool, slot_name, slot.status, reason=slot.reason)]}}


FACE_SLOT = Slot(text="A broad smile <b>throughout</b>.", status="ok", confidence=0.9,
                 provenance=Provenance(plugin="face", version="0.1.0", backend="offline",
                                       model="/opt/models/emotion_model.hdf5", seconds=1.2),
                 timelines={"expression": Timeline(times_s=[0, 0.5], series={"happiness": [0.9, 0.8], "anger": [0.0, 0.1]})})
VOICE_SLOT = Slot(text="A low, hostile voice.", status="ok", confidence=0.6, provenance=Provenance(plugin="prosody"))
BODY_SLOT = Slot.unavailable("no body visible", Provenance(plugin="body"))
CUES = [ModalityCue(modality="face", valence=0.8, arousal=0.5, emotion="happiness", confidence=0.9),
        ModalityCue(modality="voice", valence=-0.6, arousal=0.7, emotion="hostile", confidence=0.6),
        ModalityCue(modality="body", valence=-0.3, arousal=0.2, emotion=None, confidence=0.4,
                    basis="still body: activity 0.1% of frame width/s")]
CONFLICT = Conflict(modalities=("face", "voice"), description="face reads positive but voice reads negative", severity=0.7)
ANALYSIS_1 = Analysis(reasoning="The smile dominates.", emotions=["happy"], basic_emotion="happiness", valence=0.5, arousal=0.5)
ANALYSIS_2 = Analysis(reasoning="A smile over a hostile voice: sarcasm.", emotions=["sarcastic", "annoyed"],
                      basic_emotion="anger", valence=-0.4, arousal=0.7, conflict_explanation="face vs voice: the smile is performed",
                      weighed=["face: valence +0.80", "voice: valence -0.60"])
PLANNED = [("face", "facial_exp_desc"), ("prosody", "acoustic_feat"), ("body", "body_lang_desc")]


def sarcasm_events():
    """A run whose first answer fails a check and goes round again, as the graph streams it."""
    fail = CheckOutcome(name="cross_modal_agreement", passed=False, message="the face vs voice conflict is not named")
    ok = CheckOutcome(name="cross_modal_agreement", passed=True, message="conflict named")
    ground = CheckOutcome(name="grounding", passed=True, message="every cue found")
    evidence = Evidence(facial_exp_desc=FACE_SLOT, acoustic_feat=VOICE_SLOT, body_lang_desc=BODY_SLOT,
                        sentiment_analysis=Slot(text=ANALYSIS_2.reasoning, status="ok", provenance=Provenance(plugin="fusion")))
    result = Result(clip=CLIP, evidence=evidence, cues=CUES, conflicts=[CONFLICT], analysis=ANALYSIS_2,
                    checks=[ok, ground], rounds=2, reasoner="fusion", timings={"decode": 0.2, "reasoning": 0.1})
    return [
        {"decode": {"clip": CLIP, "timings": {"decode": 0.2}, "rounds": 0}},
        perceive("prosody", "acoustic_feat", VOICE_SLOT),
        perceive("body", "body_lang_desc", BODY_SLOT),
        perceive("face", "facial_exp_desc", FACE_SLOT),
        {"fuse": {"cues": CUES, "conflicts": [CONFLICT], "critique": []}},
        {"reason": {"analysis": ANALYSIS_1, "reasoner": "fusion", "rounds": 1}},
        {"check": {"checks": [fail, ground], "critique": ["cross_modal_agreement: the face vs voice conflict is not named"]}},
        {"reason": {"analysis": ANALYSIS_2, "reasoner": "fusion", "rounds": 2}},
        {"check": {"checks": [ok, ground], "critique": []}},
        {"finish": {"result": result}},
    ]


def fold(events, planned=PLANNED):
    view = views.new_run(planned)
    snapshots = [view]
    for i, chunk in enumerate(events):
        view = views.apply_update(view, chunk, elapsed_s=float(i))
        snapshots.append(view)
    return snapshots
