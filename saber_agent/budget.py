"""Run a plugin call under a time budget, so one that hangs cannot hang the analysis."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class BudgetExceeded(TimeoutError):
    """The call did not finish within its budget."""


def call_with_budget(fn: Callable[[], T], seconds: float, what: str) -> T:
    """Run `fn` and return its result, or raise BudgetExceeded after `seconds`.

    The call runs on a daemon thread: Python cannot kill a thread, so a call that never returns is
    abandoned (it cannot keep the process alive at exit) and its result, if any, is dropped.
    """
    box: dict[str, object] = {}
    done = threading.Event()

    def target() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # re-raised in the caller's thread
            box["error"] = exc
        finally:
            done.set()

    worker = threading.Thread(target=target, name=f"saber-{what}", daemon=True)
    worker.start()
    if not done.wait(seconds):
        raise BudgetExceeded(f"{what} did not finish within its {seconds:g} s budget")
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
