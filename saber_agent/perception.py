"""The perception tool interface: one tool fills one evidence slot from the shared decoded clip."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from typing import ClassVar, Literal

from saber_agent.evidence import ModalityCue, Provenance, Slot, SlotName
from saber_agent.media import Clip
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
    """

    name: ClassVar[str]
    slot: ClassVar[SlotName]
    needs: ClassVar[frozenset[Need]] = frozenset()
    version: ClassVar[str] = "0"
    description: ClassVar[str] = ""

    def availability(self) -> Availability:
        """Whether this tool's dependencies and models are present."""
        return Availability(True)

    def perceive(self, clip: Clip, settings: AnalysisSettings) -> Slot:
        """Fill this tool's slot from the clip. Raise only for a real failure of the backend."""
        raise NotImplementedError

    def cues(self, slot: Slot) -> list[ModalityCue]:
        """This slot's emotion estimates for the cross-modal stage (none by default)."""
        return []

    def provenance(self, model: str | None = None, backend: str | None = None, seconds: float | None = None) -> Provenance:
        return Provenance(plugin=self.name, version=self.version, model=model, backend=backend, seconds=seconds)

    def missing_modality(self, clip: Clip) -> str | None:
        """Why the clip cannot feed this tool (no video / no audio), or None."""
        if "frames" in self.needs and not clip.has_video:
            return "the clip has no video"
        if "audio" in self.needs and not clip.has_audio:
            return "the clip has no audio"
        return None
