"""What the app does with an upload, without Gradio: check it, stream the graph, write the downloads.

The page and the API endpoint both go through `AnalysisService`, so the limits, the settings and
the error messages are the same whichever way a clip arrives.
"""

from __future__ import annotations

import logging
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from saber_agent.evidence import SLOT_TITLES, Result
from saber_agent.media import DecodeSettings
from saber_agent.media_formats import strip_media_suffix
from saber_agent.settings import DEFAULT_REASONER, AnalysisSettings
from saber_agent.ui import render, views
from saber_agent.ui.limits import UploadLimits, UploadRejected, media_error_message, probe
from saber_agent.ui.upload_guard import FILE_TAB

log = logging.getLogger(__name__)


class AnalysisFailed(RuntimeError):
    """A run that stopped; the message is meant for the user."""


@dataclass(frozen=True)
class ToolChoice:
    name: str
    slot: str
    ready: bool
    detail: str
    description: str

    @property
    def label(self) -> str:
        text = f"{self.name} · {SLOT_TITLES.get(self.slot, self.slot)}"
        return text if self.ready else f"{text} (not ready)"


class AnalysisService:
    """Runs the analysis graph for the app: one upload in, a stream of `RunView`s out."""

    def __init__(self, limits: UploadLimits | None = None, workdir: str | Path | None = None, max_rounds: int = 3,
                 reasoner_options: dict[str, dict] | None = None, default_reasoner: str = DEFAULT_REASONER):
        self.limits = limits or UploadLimits()
        self.max_rounds = max_rounds
        # set by whoever starts the server, never by page users: options can name model paths and URLs
        self.reasoner_options = {name: dict(opts) for name, opts in (reasoner_options or {}).items()}
        self.default_reasoner = default_reasoner
        self._own_workdir = workdir is None
        self.workdir = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="saber-ui-"))
        self.workdir.mkdir(parents=True, exist_ok=True)

    # -- what can run ----------------------------------------------------------------------------

    @staticmethod
    def tools() -> list[ToolChoice]:
        """Every registered perception tool, with whether it can run here."""
        from saber_agent.registry import get_registry

        out = []
        for name, tool in get_registry().tools.items():
            try:
                availability = tool.availability()
                ready, detail = availability.ready, availability.detail
            except Exception as exc:  # a broken availability probe must not take the page down
                ready, detail = False, f"{type(exc).__name__}: {exc}"
            out.append(ToolChoice(name, tool.slot, ready, detail, tool.description))
        return out

    def reasoners(self) -> list[tuple[str, str]]:
        """(name, description) of every registered reasoner, the default first."""
        from saber_agent.registry import get_registry

        entries = get_registry().reasoners
        names = sorted(entries, key=lambda n: (n != self.default_reasoner, n != DEFAULT_REASONER, n))
        return [(n, entries[n].description) for n in names]

    def settings(self, plugins: list[str] | None, reasoner: str | None, max_rounds: int | None = None) -> AnalysisSettings:
        """Settings for one run, checked by the CLI's and the API's own check (`Registry.validate_settings`):
        an unknown name or a bad option is rejected with its message (which lists the loaded ones), and an empty
        `plugins` (every tool unticked; None is every tool) with "No perception tool selected"."""
        from saber_agent.registry import UnknownComponentError, get_registry

        reasoner = reasoner or self.default_reasoner
        if plugins is not None and not [p for p in plugins if str(p).strip()]:
            # an empty list is no tool at all (every box unticked), not every tool (None): a run would reason over no
            # evidence and still read as a success
            raise UploadRejected("No perception tool selected: tick at least one perception tool (each fills one "
                                 "evidence slot), then analyse again.")
        # the decoder enforces the same duration limit, for inputs whose header had none
        decode = DecodeSettings(max_duration_s=self.limits.max_duration_s)
        try:  # the settings' own ranges, as the CLI's (max_rounds 0 is refused, not run at the default)
            settings = AnalysisSettings(plugins=list(plugins) if plugins is not None else None, reasoner=reasoner,
                                        reasoner_options=self.reasoner_options.get(reasoner, {}),
                                        max_rounds=self.max_rounds if max_rounds is None else int(max_rounds), decode=decode)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ())) or "settings"
            raise UploadRejected(f"Invalid {where}: {str(first.get('msg', exc)).removeprefix('Value error, ')}.") from None
        try:
            get_registry().validate_settings(settings)
        except (UnknownComponentError, ValueError) as exc:
            message = str(exc)
            raise UploadRejected(message[:1].upper() + message[1:] + ".") from None
        return settings

    @staticmethod
    def planned(settings: AnalysisSettings) -> list[tuple[str, str]]:
        """(tool, slot) pairs this run will use: at most one tool per slot, as the graph picks them."""
        from saber_agent.registry import get_registry

        return [(t.name, t.slot) for t in get_registry().tools_for(settings)]

    # -- running ---------------------------------------------------------------------------------

    def no_clip_message(self) -> str:
        """The verdict of a run without a clip. Gradio drops an upload over the size limit before the run (its toast
        says so), so the run sees no clip: the message names the limits, the likely reason."""
        return (f"No clip was given: upload a video, audio file or picture ({self.limits.describe()}; a larger file is "
                "refused at upload), or record one. The Video and Audio tabs take only what the browser plays; a picture, "
                f"a GIF or another listed format goes under \"{FILE_TAB}\".")

    def stream(self, path: str | None, settings: AnalysisSettings) -> Iterator[views.RunView]:
        """Check the upload, then stream the graph: one view per node update, the last one final.

        Never raises for a bad upload or a failing analysis: the last view carries `error`.
        """
        start = time.perf_counter()
        view = views.new_run(self.planned(settings))
        if not path:
            yield views.fail_run(view, self.no_clip_message(), 0.0)
            return
        try:
            probe(path, self.limits)
        except UploadRejected as exc:
            yield views.fail_run(view, str(exc), round(time.perf_counter() - start, 2))
            return
        yield view
        from saber_agent.graphs import graph
        from saber_agent.media import MediaError

        try:
            for chunk in graph.stream({"clip_path": str(path)}, context=settings, stream_mode="updates"):
                view = views.apply_update(view, chunk, round(time.perf_counter() - start, 2))
                yield view
        except MediaError as exc:
            yield views.fail_run(view, media_error_message(exc, path), round(time.perf_counter() - start, 2))
            return
        except Exception as exc:
            log.exception("analysis of %s failed", path)
            yield views.fail_run(
                view, f"The analysis failed: {type(exc).__name__}: {str(exc).rstrip('.')}. Try another reasoner or fewer plugins.",
                round(time.perf_counter() - start, 2),
            )
            return
        if view.result is None:
            yield views.fail_run(view, "The analysis ended without a result.", round(time.perf_counter() - start, 2))

    def analyze(self, path: str | None, settings: AnalysisSettings) -> Result:
        """Run to the end; raise AnalysisFailed (with the user-facing message) if there is no result."""
        last = None
        for view in self.stream(path, settings):
            last = view
        if last is None or last.error or last.result is None:
            raise AnalysisFailed(last.error if last and last.error else "The analysis ended without a result.")
        return last.result

    # -- downloads -------------------------------------------------------------------------------

    def new_run_dir(self) -> Path:
        run_dir = self.workdir / uuid.uuid4().hex
        run_dir.mkdir(parents=True)
        return run_dir

    @staticmethod
    def write_exports(result: Result, run_dir: Path, source_name: str | None = None) -> tuple[Path, Path]:
        """The SABER record and the full result as JSON files in `run_dir`."""
        stem = safe_stem(source_name or result.clip.path)
        saber_path = run_dir / f"{stem}.saber.json"
        saber_path.write_text(render.saber_json(result) + "\n", encoding="utf-8")
        result_path = run_dir / f"{stem}.result.json"
        result_path.write_text(result.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return saber_path, result_path

    @staticmethod
    def discard(run_dir: Path | None) -> None:
        if run_dir is not None:
            shutil.rmtree(run_dir, ignore_errors=True)

    def close(self) -> None:
        """Remove the app's own temp folder (only if the service created it)."""
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def safe_stem(name: str) -> str:
    """A file-name stem made of safe characters only."""
    stem = strip_media_suffix(Path(str(name)).name)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")
    return stem[:60] or "clip"
