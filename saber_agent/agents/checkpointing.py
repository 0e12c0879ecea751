"""Checkpointed analyses, in the app layer: resume after a crash, and pause for a person's review.

The library graph compiles without a checkpointer (a parent graph passes its own down); this module
is where an application chooses one: a SQLite file (`langgraph-checkpoint-sqlite`), so an analysis
killed part-way resumes from its last completed node in a new process (the nodes already done are
not run again), and an optional pause after perception, so a person can correct a slot before the
cross-modal stage and the reasoner see it.

The checkpoint holds the graph state (paths, slots, results: never frames), serialized with an
explicit allow-list of the state's own types, so a tampered file cannot make it build other objects.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from typing import Any

from pydantic import BaseModel

from saber_agent.errors import missing_extra
from saber_agent.evidence import Evidence, Result, Slot
from saber_agent.settings import AnalysisSettings

REVIEW_NODE = "fuse"  # the pause is before the cross-modal stage, so cues come from the corrected slots


def state_types() -> set[type]:
    """The models and enums a checkpoint of the analysis graph holds: all its serializer may rebuild."""
    from saber_agent.graphs.state import State

    found: set[type] = set()
    todo: list[Any] = list(typing.get_type_hints(State).values())
    while todo:
        hint = todo.pop()
        if isinstance(hint, type) and issubclass(hint, (BaseModel, Enum)):
            if hint not in found:
                found.add(hint)
                if issubclass(hint, BaseModel):
                    todo += [field.annotation for field in hint.model_fields.values()]
        else:
            todo += typing.get_args(hint)  # list[X], X | None, Annotated[X, ...], dict[str, X]
    return found


def allowed_types() -> list[type | tuple[str, str]]:
    """The serializer's allow-list: the state types, and each type moved out of `saber_agent.evidence`
    (to evidence_slots / evidence_analysis) under its old name too, so a checkpoint written before the
    move still rebuilds it (the old module re-exports the same class)."""
    from saber_agent import evidence

    found = state_types()
    moved = {(evidence.__name__, t.__name__) for t in found
             if t.__module__ != evidence.__name__ and getattr(evidence, t.__name__, None) is t}
    return [*sorted(found, key=str), *sorted(moved)]


@contextmanager
def sqlite_checkpointer(path: str | os.PathLike) -> Iterator[Any]:
    """A LangGraph `SqliteSaver` on the file `path` (created if missing), closed on exit."""
    try:
        from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
        from langgraph.checkpoint.sqlite import SqliteSaver
    except ImportError:
        raise ImportError(missing_extra("checkpointing", "langgraph-checkpoint-sqlite", "agents")) from None
    # parallel perception branches write from worker threads; the saver serializes them with its lock
    conn = sqlite3.connect(os.fspath(path), check_same_thread=False)
    try:
        yield SqliteSaver(conn, serde=JsonPlusSerializer(allowed_msgpack_modules=allowed_types()))
    finally:
        conn.close()


def compile_app(checkpointer, review: bool = False):
    """The analysis graph compiled with `checkpointer`; with `review`, it pauses after perception."""
    from saber_agent.graphs import build_graph

    return build_graph().compile(
        checkpointer=checkpointer, interrupt_before=[REVIEW_NODE] if review else None, name="saber-agent"
    )


def thread_config(thread_id: str) -> dict:
    return {"configurable": {"thread_id": thread_id}}


def default_thread_id(path: str | os.PathLike, settings: AnalysisSettings) -> str:
    """The same clip (by content) with the same settings gets the same thread, so a rerun resumes it."""
    from saber_agent.media import content_hash

    digest = hashlib.sha256(f"{content_hash(path)}\n{settings.model_dump_json()}".encode()).hexdigest()
    return f"saber-{digest[:24]}"


def analyze_resumable(
    path: str | os.PathLike, settings: AnalysisSettings | None = None, *, db: str | os.PathLike,
    thread_id: str | None = None, on_update: Callable[[dict], None] | None = None,
) -> Result:
    """Analyse `path` with checkpoints in the SQLite file `db`; if the thread was interrupted (a
    crash, a kill), resume it from its last completed node instead. A finished thread returns its result.

    `on_update` receives each node's update as it completes (LangGraph "updates" stream mode).
    """
    settings = settings or AnalysisSettings()
    thread_id = thread_id or default_thread_id(path, settings)
    config = thread_config(thread_id)
    with sqlite_checkpointer(db) as saver:
        app = compile_app(saver)
        snapshot = app.get_state(config)
        values = snapshot.values or {}
        if values and values.get("clip_path") != os.fspath(path):
            raise ValueError(f"thread {thread_id!r} holds the analysis of {values.get('clip_path')}, not {os.fspath(path)}")
        if values.get("result") is not None and not snapshot.next:
            return values["result"]
        inputs = None if snapshot.next else {"clip_path": os.fspath(path)}  # None: resume where it stopped
        for update in app.stream(inputs, config, context=settings, stream_mode="updates"):
            if on_update is not None:
                on_update(update)
        return app.get_state(config).values["result"]


def cues_after_correction(tool, corrected: Slot, previous: Slot, measured: bool = False) -> tuple[Slot, list]:
    """The corrected slot and the cues the cross-modal stage gets from it.

    A tool's cue that does not follow the slot's text (one read from measurements of the old content: the voice's
    emotion reading, the face's expression scores) would keep feeding the old reading after a person rewrote the
    text. So when the text changed, the tool has no `corrected` hook of its own and the person set no
    `measurements`, the tool's cues are read from the corrected slot once more with the old text put back: cues
    that come out the same do not depend on the text, and are withdrawn, with a note in the slot's
    ``measurements["notes"]`` naming each. Cues that do follow the text (a tool reading its words) are kept.
    """
    from saber_agent.graphs.nodes import cues_of
    from saber_agent.perception import PerceptionTool

    if tool is None:
        return corrected, []
    cues = cues_of(tool, corrected)[0]
    own_hook = getattr(type(tool), "corrected", PerceptionTool.corrected) is not PerceptionTool.corrected
    if not cues or measured or own_hook or corrected.text == previous.text:
        return corrected, cues
    if cues_of(tool, corrected.model_copy(update={"text": previous.text}))[0] != cues:
        return corrected, cues  # the cues follow the text: read from the corrected text
    notes = [f"{c.modality} cue ({c.emotion or 'no emotion'}, valence {c.valence:+.2f}) withdrawn: a person corrected "
             f"this slot's text and tool {tool.name!r} cannot read its cue from text (the cue came from its "
             "measurements of the old content)" for c in cues]
    measurements = {**corrected.measurements, "notes": [*(corrected.measurements.get("notes") or []), *notes]}
    return corrected.model_copy(update={"measurements": measurements}), []


# what a words cue read from a person's corrected text says of itself (`read_correction`), and the start of the note on
# a corrected slot nothing reads (`Review.finish` puts these notes in the answer's)
FROM_CORRECTION = "read from a person's correction"
NOT_WEIGHED = "corrected by a person but not weighed"


def read_correction(name: str, corrected: Slot, previous: Slot, cues: list) -> tuple[Slot, list]:
    """`corrected` and its `cues` (`cues_after_correction`'s), where a person rewrote slot `name`'s text and no cue is
    left of it (no tool filled the slot, or its cue came from measurements of the old content and was withdrawn).

    The speech slot's text is read by the words reader (`plugins.text_sentiment.analyze`, the transcript's lexicon
    reader, in the slot's language where known) into a words cue whose basis says it was `FROM_CORRECTION`; its
    confidence is the reader's own (a person's text is taken as said: no transcription reliability). No reader turns
    another slot's text into a cue (a voice written "a furious shout", a face "twisted in rage"), nor one the words
    reader cannot read: the slot's ``measurements["notes"]`` then says it was `NOT_WEIGHED` and why, rather than
    the answer drifting to neutral unexplained. Otherwise `corrected` and `cues` as given."""
    from saber_agent.evidence import SLOT_MODALITY, SLOT_TITLES, ModalityCue

    if cues or not corrected.ok or not corrected.text.strip() or corrected.text == previous.text:
        return corrected, cues
    why = f"no reader turns the text of the {SLOT_TITLES.get(name, name).lower()} slot into a cue"
    if name == "speech_content":
        from saber_agent.plugins import text_sentiment

        try:
            read = text_sentiment.analyze(corrected.text, corrected.measurements.get("language"))
        except text_sentiment.SentimentUnavailable as exc:
            why = f"the words reader cannot read it: {exc}"
        else:
            basis = f"the words read {read.label} ({read.backend}; {FROM_CORRECTION})" + (
                ": " + ", ".join(read.evidence[:5]) if read.evidence else "")
            return corrected, [ModalityCue(modality="words", valence=read.valence, arousal=read.arousal,
                                           emotion=read.emotion, confidence=round(read.confidence, 3), basis=basis,
                                           mixed=read.mixed)]
    note = f"{SLOT_MODALITY.get(name, name)} slot {NOT_WEIGHED}: {why}, so the answer does not take its text into account"
    measurements = {**corrected.measurements, "notes": [*(corrected.measurements.get("notes") or []), note]}
    return corrected.model_copy(update={"measurements": measurements}), []


def with_unweighed_notes(result: Result) -> Result:
    """`result` with each corrected slot's `NOT_WEIGHED` note (`read_correction`) among its answer's notes, once."""
    from saber_agent.evidence import PERCEPTION_SLOTS

    if result.analysis is None:
        return result
    found = [n for name in PERCEPTION_SLOTS for n in (result.evidence.slot(name).measurements.get("notes") or [])
             if isinstance(n, str) and NOT_WEIGHED in n and n not in result.analysis.notes]
    if found:
        result.analysis.notes = [*result.analysis.notes, *found]
    return result


class Review:
    """Human in the loop: perceive, let a person correct slots, then reason over the corrected evidence.

    >>> review = Review(checkpointer, "thread-1", settings)
    >>> evidence = review.perceive("clip.mp4")          # pauses before the cross-modal stage
    >>> review.correct("speech_content", text="I am furious with you.")
    >>> result = review.finish()
    """

    def __init__(self, checkpointer, thread_id: str, settings: AnalysisSettings | None = None):
        self.app = compile_app(checkpointer, review=True)
        self.config = thread_config(thread_id)
        self.settings = settings or AnalysisSettings()

    def perceive(self, path: str | os.PathLike) -> Evidence:
        """Decode and perceive, then pause; the evidence so far (slots no tool filled stay unavailable)."""
        for _ in self.app.stream({"clip_path": os.fspath(path)}, self.config, context=self.settings):
            pass
        if REVIEW_NODE not in self.app.get_state(self.config).next:
            raise RuntimeError("the analysis did not pause after perception")
        return self.evidence()

    def evidence(self) -> Evidence:
        return Evidence().with_slots(self.app.get_state(self.config).values.get("slots") or {})

    def correct(self, slot: str, reviewer: str = "human review", **fields) -> Slot:
        """Replace fields of one perception slot (text, status, confidence, measurements...); the
        corrected slot's provenance names the reviewer. The tool's `corrected(slot, previous, settings)`
        (`PerceptionTool.corrected`) redoes what it derived from the old content (the transcript: its sentiment from the new text);
        a tool without one whose cues do not follow the text has its cues withdrawn, with a note (`cues_after_correction`).
        Where no cue of a rewritten text is left, the speech slot's is read by the words reader and any other is noted
        as not weighed (`read_correction`). Returns the slot as the reasoner will see it."""
        current = self.evidence().slot(slot)
        fields.setdefault("status", "ok" if fields.get("text") else current.status)
        corrected = Slot.model_validate({
            **current.model_dump(), "reason": None, **fields,
            "provenance": {"plugin": reviewer, "backend": f"corrected by hand; was {current.status.value}"},
        })
        # as if the perception stage had written it (its cues read by the tool that filled the slot):
        # the graph then goes on to the cross-modal stage
        from saber_agent.registry import get_registry

        runs = self.app.get_state(self.config).values.get("tool_runs") or []
        tool = next((get_registry().tool(run.tool) for run in runs if run.slot == slot), None)
        if getattr(tool, "corrected", None) and "measurements" not in fields:  # `PerceptionTool.corrected`
            # what the tool derived from the old content (a transcript's sentiment, word timings) is redone or dropped
            corrected = tool.corrected(corrected, current, self.settings)
        corrected, cues = cues_after_correction(tool, corrected, current, measured="measurements" in fields)
        corrected, cues = read_correction(slot, corrected, current, cues)
        self.app.update_state(self.config, {"slots": {slot: corrected}, "slot_cues": {slot: cues}}, as_node="perceive")
        return corrected

    def finish(self) -> Result:
        """Resume from the pause: the cross-modal stage, reasoning and checks over the corrected evidence; a corrected
        slot that no reader could turn into a cue is named in the answer's notes (`with_unweighed_notes`)."""
        for _ in self.app.stream(None, self.config, context=self.settings):
            pass
        return with_unweighed_notes(self.app.get_state(self.config).values["result"])
