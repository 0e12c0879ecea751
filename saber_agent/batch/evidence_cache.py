"""An on-disk cache of perception results, so re-running only the reasoner costs no perception.

An entry is keyed by the clip's content hash (its bytes, whatever its name) and the perception
configuration: which tool fills each slot, each tool's version, registering plugin, class, options
and readiness, the decode settings and the device. Change any of these and the key changes; change
only the reasoner (or its options, or the checks) and the key stays, so the graph reasons again over
the cached evidence (`saber_agent.evidence.Perception`, second looks included) without decoding or perceiving.

Entries are JSON files (``ROOT/ab/abcdef....json``) written atomically (temporary file, fsync,
rename), so a run killed mid-write never leaves a half entry. Perception with a *failed* slot is not
cached: a timeout or a broken backend may be transient, and the next run should try again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from saber_agent.evidence import Perception, SlotStatus
from saber_agent.settings import AnalysisSettings

CACHE_FORMAT = 4  # bump when the entry layout changes (2: cues, second looks, timelines); old entries then miss
# 3: what the tools write changed without a tool version moving (2026-11-30: the body cue names no emotion, the
# silence rule reads the loudest 0.2 s, shot changes see one-frame shots and fades): a format-2 entry is stale
# 4: (2026-12-01) audio placed at its timestamps (gaps filled with silence), short clips sampled at >= 5 frames, an
# utterance window reads the whole clip's voice activity, camera zoom kept out of body motion: a format-3 entry is stale
# A tool whose output changes moves its own `version` instead (in the key: only its entries miss), e.g. after format 4:
# transcript 0.5.0 (mixed sentences), body 0.2.0 (shrug, tilt/lean margins), face 0.2.0 (zoom jumps), prosody 0.6.0


def perception_config(settings: AnalysisSettings) -> dict[str, Any]:
    """Everything about a run that can change what perception produces (the reasoner is not in it)."""
    from saber_agent.registry import get_registry

    registry = get_registry()
    tools = []
    for tool in registry.tools_for(settings):
        availability = tool.availability()
        tools.append({
            "name": tool.name,
            "slot": tool.slot,
            "version": str(getattr(tool, "version", "")),
            "plugin": registry.owners.get(("perception tool", tool.name), ""),
            "class": f"{type(tool).__module__}.{type(tool).__qualname__}",
            "options": settings.options_for(tool.name),
            # an unavailable tool leaves its slot unavailable: installing it must invalidate the entry
            "ready": availability.ready,
        })
    return {
        "format": CACHE_FORMAT,
        "tools": tools,
        # a window (one utterance, saber_agent.segments) is part of the key; no window keeps the earlier keys
        "decode": settings.decode.model_dump(mode="json", exclude={"window_s"} if settings.decode.window_s is None else None),
        "device": settings.device,
    }


def cache_key(content_hash: str, config: dict[str, Any]) -> str:
    """The entry key of one clip's bytes under one perception configuration."""
    blob = json.dumps({"clip": content_hash, "config": config}, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def cacheable(perception) -> bool:
    """Whether a perception (or a result) may be cached: no tool failed (a failure may be transient)."""
    return all(run.status is not SlotStatus.failed for run in perception.tool_runs)


class EvidenceCache:
    """A directory of perception results, one JSON file per (clip content, perception config)."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.hits = self.misses = self.writes = 0

    def path_for(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str):
        """The cached `Perception` for a key, or None (a missing or unreadable entry is a miss)."""
        path = self.path_for(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            perception = Perception.model_validate(entry["perception"])
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, ValueError, KeyError, TypeError, ValidationError):
            # a damaged entry (e.g. edited by hand) is ignored and overwritten by the next put
            self.misses += 1
            return None
        self.hits += 1
        return perception

    def put(self, key: str, perception, content_hash: str = "", config: dict[str, Any] | None = None) -> Path:
        """Store a `Perception` under a key, atomically."""
        path = self.path_for(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {
            "key": key,
            "content_hash": content_hash,
            "config": config or {},
            "perception": perception.model_dump(mode="json"),
        }
        data = json.dumps(entry, ensure_ascii=False).encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        self.writes += 1
        return path

    def __len__(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.json"))
