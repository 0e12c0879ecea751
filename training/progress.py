"""Progress of a training run: one line per logging step on stderr, and ``progress.jsonl`` in output_dir.

Only the main process logs (under ``accelerate launch`` every process runs the trainer). `ClipProgress`
shows a loop over clips (`saber-agent train voice` reads minutes of audio features): a bar on a terminal,
a line every few clips otherwise.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TextIO


def progress_callback(kind: str, output_dir: str | Path, stream: TextIO | None = None, resumed_from: str | None = None):
    """A transformers TrainerCallback that logs steps, loss, learning rate, speed and checkpoints."""
    from transformers import TrainerCallback

    out = Path(output_dir)

    class ProgressLog(TrainerCallback):
        def __init__(self) -> None:
            self.started = 0.0
            self.start_step = 0

        def _write(self, state, record: dict) -> None:
            if not state.is_world_process_zero:
                return
            out.mkdir(parents=True, exist_ok=True)
            with (out / "progress.jsonl").open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({"kind": kind, "time": round(time.time(), 3), **record}) + "\n")

        def _say(self, state, text: str) -> None:
            if state.is_world_process_zero:
                print(f"[{kind}] {text}", file=stream or sys.stderr, flush=True)

        def on_train_begin(self, args, state, control, **kwargs):
            self.started = time.perf_counter()
            self.start_step = state.global_step
            where = f"resumed from {resumed_from} at step {state.global_step}" if resumed_from else "from the start"
            processes = f" on {args.world_size} processes" if args.world_size > 1 else ""
            self._say(state, f"training {where}; {state.max_steps} step(s) in all{processes}")
            self._write(state, {"event": "begin", "step": state.global_step, "max_steps": state.max_steps,
                                "resumed_from": resumed_from, "world_size": args.world_size,
                                "device": str(args.device)})

        def on_log(self, args, state, control, logs=None, **kwargs):
            logs = dict(logs or {})
            if "loss" not in logs:
                return
            elapsed = time.perf_counter() - self.started
            done = state.global_step - self.start_step
            speed = done / elapsed if elapsed > 0 and done > 0 else 0.0
            extra = "".join(
                f" {k} {logs[k]:.4g}" for k in ("rewards/margins", "rewards/accuracies", "mean_token_accuracy")
                if isinstance(logs.get(k), (int, float))
            )
            self._say(state, f"step {state.global_step}/{state.max_steps} loss {logs['loss']:.4f} "
                             f"lr {logs.get('learning_rate', 0):.3g}{extra} ({speed:.2f} steps/s)")
            self._write(state, {"event": "log", "step": state.global_step, "steps_per_s": round(speed, 4), **{
                k: v for k, v in logs.items() if isinstance(v, (int, float))
            }})

        def on_save(self, args, state, control, **kwargs):
            self._say(state, f"saved {out / f'checkpoint-{state.global_step}'}")
            self._write(state, {"event": "save", "step": state.global_step})

        def on_train_end(self, args, state, control, **kwargs):
            elapsed = time.perf_counter() - self.started
            self._say(state, f"done at step {state.global_step} in {elapsed:.1f} s")
            self._write(state, {"event": "end", "step": state.global_step, "seconds": round(elapsed, 3)})

    return ProgressLog()


class ClipProgress:
    """Progress of a loop over clips, on stderr: a tqdm bar when the stream is a terminal (and tqdm is
    installed, as `saber-agent batch` shows it), else one line every `every` clips and every
    `every_s` seconds at most apart, e.g. ``[train voice] 40/80 clips (150 s, about 150 s left)``, so a
    log file or CI keeps readable lines. Call it as ``progress(done, total)`` (`train_voice`'s
    `progress`), then `close()` (``[train voice] 80 clips read in 301 s`` when the last row was skipped).
    """

    def __init__(self, kind: str, total: int, stream: TextIO | None = None, every: int | None = None,
                 every_s: float = 60.0, bar: bool | None = None) -> None:
        self.kind, self.total, self.stream = kind, total, stream or sys.stderr
        self.every = every or max(1, round(total / 10))  # about ten lines a run by default
        self.every_s = every_s
        self.started = self.said_at = time.perf_counter()
        self.said = 0  # the count of the last line written
        self.done = 0
        self.bar = None
        isatty = getattr(self.stream, "isatty", None)
        if bar if bar is not None else bool(isatty and isatty()):
            try:
                from tqdm import tqdm

                self.bar = tqdm(total=total, unit="clip", desc=kind, file=self.stream, dynamic_ncols=True)
            except ImportError:
                pass

    def __call__(self, done: int, total: int | None = None) -> None:
        self.done, self.total = done, total or self.total
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.update(done - self.bar.n)
            return
        now = time.perf_counter()
        if done - self.said >= self.every or done >= self.total or now - self.said_at >= self.every_s:
            elapsed = now - self.started
            left = f", about {elapsed / done * (self.total - done):.0f} s left" if 0 < done < self.total else ""
            print(f"[{self.kind}] {done}/{self.total} clips ({elapsed:.0f} s{left})", file=self.stream, flush=True)
            self.said, self.said_at = done, now

    def close(self, finished: bool = True) -> None:
        """End the bar (filled when `finished`); without a bar and when `finished`, say that every clip was
        read unless the last line said so (rows skipped at the end report no progress of their own)."""
        if self.bar is not None:
            if finished:
                self.bar.update(self.total - self.bar.n)
            self.bar.close()
        elif finished and self.said < self.total:
            print(f"[{self.kind}] {self.total} clips read in {time.perf_counter() - self.started:.0f} s",
                  file=self.stream, flush=True)
