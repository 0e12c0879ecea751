"""The perception tool interface: one tool fills one evidence slot from the shared decoded clip."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from pydantic import BaseModel

from saber_agent.evidence import ModalityCue, Provenance, Slot, SlotName
from saber_agent.media import Clip
from saber_agent.options import model_problems
from saber_agent.settings import AnalysisSettings

Need = Literal["frames", "audio"]


@dataclass(frozen=True)
class Availability:
    """Whether a tool can run here, and what is missing if not."""

    ready: bool
    detail: str = ""


def missing_modules(*modules: str) -> list[str]:
    """The importable names among `modules` that are not installed (nothing is imported)."""
    return [m for m in modules if not _installed(m)]


def _installed(name: str) -> bool:
    if name in sys.modules:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except ValueError:
        # another thread is importing it right now (cv2 swaps itself in sys.modules with a
        # module whose __spec__ is None while it loads): it is installed
        return True


class PerceptionTool:
    """Base class of perception tools.

    Subclasses set `name`, `slot`, `needs` and `version`, and implement `perceive`. Models load on
    first use (never at import or registration) and are kept for the life of the process.

    A tool that reads options (``AnalysisSettings.tool_options[name]``) declares them in
    `options_model`: a pydantic model with ``extra="forbid"``, one field per option (type, default,
    description). The CLI and `analyze()` check the options against it before any decoding
    (`option_problems`); a tool that declares none accepts any options.
    """

    name: ClassVar[str]
    slot: ClassVar[SlotName]
    needs: ClassVar[frozenset[Need]] = frozenset()
    version: ClassVar[str] = "0"
    description: ClassVar[str] = ""
    options_model: ClassVar[type[BaseModel] | None] = None

    def availability(self) -> Availability:
        """Whether this tool's dependencies and models are present."""
        return Availability(True)

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        """Fill this tool's slot from the clip. Raise only for a real failure of the backend."""
        raise NotImplementedError

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """This slot's emotion estimates for the cross-modal stage (none by default)."""
        return []

    def corrected(self, slot: Slot, previous: Slot, settings: AnalysisSettings) -> Slot:
        """`slot` after a person replaced fields of `previous` (`agents.checkpointing.Review.correct`), with what
        this tool derived from the old content redone or dropped (the transcript: its sentiment from the new
        text). By default nothing is derived from the slot's text: it is returned as it is."""
        return slot

    def provenance(self, model: str | None = None, backend: str | None = None, seconds: float | None = None) -> Provenance:
        return Provenance(plugin=self.name, version=self.version, model=model, backend=backend, seconds=seconds)

    def missing_modality(self, clip: Clip) -> str | None:
        """Why the clip cannot feed this tool (no video / no audio), or None."""
        if "frames" in self.needs and not clip.has_video:
            return "the clip has no video"
        if "audio" in self.needs and not clip.has_audio:
            return "the clip has no audio"
        return None


def option_problems(tool: PerceptionTool, options: Mapping[str, Any]) -> list[str]:
    """What is wrong with `options` for `tool`, one line each, naming the option (``face.backend``);
    empty when they are valid or the tool declares no `options_model`. An unknown key's line lists
    the tool's options (and the closest one, for a misspelling). Checked as reasoner options are
    (`saber_agent.options.model_problems`)."""
    model = getattr(tool, "options_model", None)
    if model is None:
        return []
    if not isinstance(options, Mapping):
        return [f"the {tool.name} tool's options must be a mapping of option names to values, not {type(options).__name__}"]
    problems = model_problems(model, options, owner=f" of the {tool.name} tool")
    return [f"{tool.name}.{key}: {why}" if key else f"{tool.name}: {why}" for key, why in problems]
