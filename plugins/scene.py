"""Scene -> `video_desc`: measured visual context (lighting, colour, motion, shots, faces, people).

Everything in the default description is measured on the sampled frames of the shared clip:

- lighting: mean luma (brightness), its spread (RMS contrast), clipped shadows and highlights, and the
  overall colour cast as a correlated colour temperature (grey-world chromaticity, McCamy's formula);
- colour: every pixel of a few keyframes is named (black, grey, white, red, brown, blue ...) from its
  hue, saturation and value, and the largest named shares are the dominant colours;
- motion: the energy of frame differences between consecutive sampled frames, and whether the picture
  is static within its shots (the clip's one still-picture decision, `saber_agent.picture_change`);
- shot changes: from the clip's shared shot detector (`saber_agent.plugins.shots`: PySceneDetect's
  adaptive content detector on the sampled frames, one-frame shots and fades through black decided by
  its perceptual hash; HSV and grey histogram distances kept as measurements), which the body tool reads too;
- faces from the shared face track (`saber_agent.plugins.facetrack`), and people as the larger of
  the face count and of OpenCV's HOG pedestrian detector (full bodies), which must find a figure
  in two keyframes before it counts (single-frame HOG hits are mostly false positives).

Indoor/outdoor is not guessed: no measurement here separates the two reliably.

An optional captioning backend (``tool_options={"scene": {"backend": "caption", "model": ...}}``)
asks a transformers vision-language model to describe one keyframe per shot; the measured
description follows its caption. When the model cannot be loaded the slot keeps the measured
description and says why in ``measurements["caption"]`` and the provenance.

The measurements and the `scene` timeline live in plugins/scene_measure.py, the text in
plugins/scene_text.py, the captioning backend in plugins/scene_caption.py; this module holds the
options, the tool and re-exports the moved names (and the shared shot detector's).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from saber_agent import hookimpl
from saber_agent.evidence import Slot, SlotStatus
from saber_agent.media import Clip
from saber_agent.perception import Availability, PerceptionTool, missing_modules
from saber_agent.plugins.scene_caption import CAPTION_PROMPT, Captioner, caption_shots, get_captioner
from saber_agent.plugins.scene_measure import (
    COLOUR_KEYFRAMES,
    COLOUR_NAMES,
    HOG_KEYFRAMES,
    HOG_MIN_WEIGHT,
    HOG_WIDTH,
    MIN_COLOUR_SHARE,
    SCENE_UNITS,
    colour_temperature,
    dominant_colours,
    luma,
    measure,
    motion_energy,
    name_colours,
    people_in,
    scene_timeline,
)
from saber_agent.plugins.scene_text import brightness_words, contrast_words, describe, motion_words, temperature_words
from saber_agent.plugins.shots import (  # noqa: F401  (shared, re-exported)
    ANALYSIS_WIDTH,
    SHOT_DISTANCE,
    hsv_histograms,
    shot_changes,
    shot_distances,
    small_frames,
)
from saber_agent.settings import AnalysisSettings

# the names read from here: this module's own, and those of the measurements, text and captioner (moved out) and shots
__all__ = [
    "ANALYSIS_WIDTH", "CAPTION_PROMPT", "COLOUR_KEYFRAMES", "COLOUR_NAMES", "HOG_KEYFRAMES", "HOG_MIN_WEIGHT", "HOG_WIDTH",
    "MIN_COLOUR_SHARE", "SCENE_UNITS", "SHOT_DISTANCE", "Captioner", "SceneOptions", "SceneTool", "brightness_words",
    "caption_shots", "colour_temperature", "contrast_words", "describe", "dominant_colours", "get_captioner", "hsv_histograms",
    "luma", "measure", "motion_energy", "motion_words", "name_colours", "people_in", "register_perception_tools",
    "scene_timeline", "shot_changes", "shot_distances", "small_frames", "temperature_words",
]

# -- the tool ---------------------------------------------------------------------------------------

class SceneOptions(BaseModel):
    """The scene tool's options (``AnalysisSettings.tool_options["scene"]``), checked before a run."""

    model_config = ConfigDict(extra="forbid")  # a misspelt option is an error, not silently ignored

    backend: Literal["measured", "caption"] = Field(
        "measured", description="measured: OpenCV measurements only; caption: also a VLM caption per shot (option model)")
    model: str | None = Field(None, description="backend caption: the captioning model, a Hugging Face id or a local path")
    max_shots: int = Field(3, ge=1, description="backend caption: shots captioned, the first ones")


class SceneTool(PerceptionTool):
    name = "scene"
    slot = "video_desc"
    needs = frozenset({"frames"})
    # 0.2.0: still images, "no face was found" with the detector's limit and a finer search, graphics changes named,
    # a pedestrian box on a larger person's body is not another figure, transparency over grey; 0.2.1: the shared face
    # track's weak detections confirmed by the face mesh (plugins/landmarks.SURE_SCORE: a helmet visor was a face); a photo
    # is 'a photo (one still image)' with faces 'in the photo', no share of frames (saber_agent.wording, the face tool's words)
    version = "0.2.1"
    description = "Lighting, colour, motion, shot changes, faces and people (OpenCV); optional VLM captions."
    options_model = SceneOptions

    def availability(self) -> Availability:
        missing = missing_modules("cv2")
        return Availability(not missing, "install opencv-python-headless" if missing else "")

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        options = settings.options_for(self.name)
        backend = options.get("backend", "measured")
        if backend not in ("measured", "caption"):
            return Slot.failed(f"unknown scene backend {backend!r}: use 'measured' or 'caption'", self.provenance())
        if not clip.has_video:
            return Slot.unavailable("the clip has no video", self.provenance(backend="opencv"))
        from saber_agent.plugins.facetrack import tracker_option

        m = measure(clip, tracker_option(settings))
        text = describe(m)
        model = None
        used = "opencv"
        if backend == "caption":
            model = options.get("model")
            if not model:
                m["caption"] = {"status": "unavailable", "reason": "backend 'caption' needs a model (an HF id or a local path)"}
            else:
                try:
                    from saber_agent.devices import resolve_device

                    captions = caption_shots(
                        clip, m, str(model), resolve_device(settings.device), int(options.get("max_shots", 3)),
                        settings.allow_cpu_fallback,
                    )
                except Exception as exc:
                    m["caption"] = {"status": "unavailable", "model": str(model), "reason": f"{type(exc).__name__}: {exc}"[:500]}
                else:
                    m["caption"] = {"status": "ok", "model": str(model), "captions": captions}
                    said = " ".join(c["text"] for c in captions if c["text"])
                    if said:
                        text = f"{said} {text}"
                        used = "opencv+caption"
            if m["caption"]["status"] != "ok":
                used = "opencv (caption backend unavailable: see measurements.caption)"
        confidence = 0.8 if m["n_frames"] >= 2 else 0.5
        return Slot(
            text=text, status=SlotStatus.ok, confidence=confidence, measurements=m, timelines={"scene": scene_timeline(m)},
            provenance=self.provenance(model=str(model) if model else None, backend=used),
        )


@hookimpl
def register_perception_tools(register):
    register(SceneTool())
