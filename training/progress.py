"""Progress of a training run: one line per logging step on stderr, and ``progress.jsonl`` in output_dir.

Only the main process logs (under ``accelerate launch`` every process runs the trainer).
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
