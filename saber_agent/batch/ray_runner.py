"""Scale-out of batch analysis on Ray (extra ``ray``): the same graph per clip, in a pool of actors.

Each actor of the pool is one process that builds the plugin registry once, so every perception
plugin (and the reasoner) loads its model once per actor, on first use, and keeps it for all the
clips the actor analyses; the actor runs the very same `saber_agent.batch.ClipRunner` (the compiled
graph, the evidence cache) as the plain runner. The pool is a Ray Data ``map_batches`` stage with
``compute=ActorPoolStrategy(size=N)``: Ray schedules, retries and streams; there is no distribution
layer of our own. Actors take a GPU share (``num_gpus``, fractional when several share one) when the
cluster has GPUs and the settings do not ask for the CPU; on a small machine they take fractional
CPUs, so the pool plus Ray Data's own tasks never wait on each other for a whole core.

Results stream back to the driver as each clip finishes, and the driver appends them to the same
results file, in the same format, with the same resumability as the plain runner (`ResultsLog`).

Local by default (a Ray instance on this machine's cores, bound to 127.0.0.1, no dashboard); pass
an address (``auto`` or ``ray://host:10001``) to use a cluster. On a cluster the clip paths, the
cache folder and any plugin module file must be readable by every node (a shared filesystem).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from saber_agent.batch import BatchRun, BatchSummary, ClipItem, settings_digest
from saber_agent.errors import missing_extra
from saber_agent.settings import AnalysisSettings


class RayMissing(RuntimeError):
    """Ray is not installed."""


LOOPBACK_SWITCH = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


# Ray gives a local instance the machine's reachable address and listens on every interface; with
# this switch off (what Ray does on Windows and macOS) it uses 127.0.0.1. Read when ray is imported.
LOOPBACK_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


def _ray(local: bool = False):
    if local and "ray" not in sys.modules:
        os.environ.setdefault(LOOPBACK_ENV, "0")
    try:
        import ray
        import ray.data  # noqa: F401  (Ray Data is a separate extra of ray)
    except ImportError as exc:
        raise RayMissing(missing_extra("the Ray runner", "Ray Data", "ray", detail=f"{exc.name} is missing")) from None
    return ray


class ClipActor:
    """One pool actor: its own plugin registry and `ClipRunner`, built once, used for many clips."""

    def __init__(self, settings_json: str, cache_dir: str | None, registry_config: dict[str, Any], full: bool = False):
        from saber_agent.batch import ClipRunner
        from saber_agent.registry import Registry, set_registry

        for key, value in registry_config.get("env", {}).items():
            os.environ[key] = value
        set_registry(Registry(allow=registry_config.get("allow"), modules=list(registry_config.get("modules") or [])))
        self.runner = ClipRunner(AnalysisSettings.model_validate_json(settings_json), cache_dir, full=full)

    def __call__(self, batch: dict[str, Any]) -> dict[str, Any]:
        import json

        import numpy as np

        lines = []
        for raw in batch["item"]:
            record = self.runner.run(ClipItem.model_validate_json(raw))
            record["worker"] = {"pid": os.getpid(), "node": _node_id()}
            lines.append(json.dumps(record, ensure_ascii=False, default=str))
        return {"line": np.array(lines, dtype=object)}


def _node_id() -> str:
    try:
        import ray

        return ray.get_runtime_context().get_node_id()[:12]
    except Exception:
        return ""


def registry_config() -> dict[str, Any]:
    """How the current process's registry was configured, so actors load the same plugins."""
    from saber_agent.registry import ENV_ALLOW, ENV_MODULES, ENV_TRACE, get_registry

    registry = get_registry()
    modules = [os.path.abspath(m) if m.endswith(".py") else m for m in registry.modules]
    env = {k: os.environ[k] for k in (ENV_ALLOW, ENV_MODULES, ENV_TRACE, "HF_HUB_OFFLINE") if k in os.environ}
    return {"allow": registry.allow, "modules": modules, "env": env}


def actor_resources(ray, workers: int, settings: AnalysisSettings, cpus_per_worker: float | None = None,
                    gpus_per_worker: float | None = None) -> dict[str, float]:
    """CPU and GPU shares of one actor: GPUs when the cluster has them (and the device is not cpu)."""
    total = ray.cluster_resources()
    cpus = float(total.get("CPU", 1.0))
    gpus = float(total.get("GPU", 0.0))
    if cpus_per_worker is None:
        # leave a share free for Ray Data's own tasks: a pool that takes every core can deadlock
        cpus_per_worker = round(max(0.1, min(1.0, cpus / (workers + 1))), 3)
    resources = {"num_cpus": cpus_per_worker}
    if gpus_per_worker is None:
        gpus_per_worker = round(min(1.0, gpus / workers), 3) if gpus > 0 and settings.device != "cpu" else 0.0
    if gpus_per_worker > 0:
        resources["num_gpus"] = gpus_per_worker
    return resources


def init_ray(address: str | None = None, num_cpus: int | None = None):
    """Connect to a cluster at `address`, or start a local instance (127.0.0.1, no dashboard).

    The local instance listens on 127.0.0.1 only when this process had not imported Ray before
    (see `LOOPBACK_ENV`); the CLI never has.

    Returns (ray, started): `started` is True when this call started Ray (and should shut it down).
    """
    import logging

    if not address:
        # Ray binds a local instance to the machine's network address even when told 127.0.0.1;
        # with this switch off (read when ray is first imported) it stays on the loopback interface.
        os.environ.setdefault(LOOPBACK_SWITCH, "0")
    ray = _ray(local=not address)
    # our progress bar and summary say what happens; Ray's own INFO lines would bury them
    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if ray.is_initialized():
        return ray, False
    quiet = dict(log_to_driver=False, logging_level=logging.ERROR)
    if address:
        ray.init(address=address, **quiet)
    else:
        ray.init(
            address="local", num_cpus=num_cpus or os.cpu_count(), include_dashboard=False,
            _node_ip_address="127.0.0.1", **quiet,
        )
    return ray, True


def run_batch_ray(
    source: str | os.PathLike | list[ClipItem],
    out: str | os.PathLike,
    settings: AnalysisSettings | None = None,
    cache_dir: str | os.PathLike | None = None,
    address: str | None = None,
    workers: int = 2,
    cpus_per_worker: float | None = None,
    gpus_per_worker: float | None = None,
    progress: bool = True,
    retry_errors: bool = False,
    full: bool = False,
    video_root: str | os.PathLike | None = None,
) -> BatchSummary:
    """Like `saber_agent.batch.run_batch`, with the clips analysed by a pool of `workers` Ray actors."""
    import json

    settings = settings or AnalysisSettings()
    run = BatchRun(source, out, settings, retry_errors, video_root, progress)
    todo = run.todo
    ray, started_ray = None, False
    try:
        if todo:
            ray, started_ray = init_ray(address)
            import ray.data  # noqa: F811 (the submodule, on the package init_ray imported)

            pool = max(1, min(workers, len(todo)))  # no idle actors: each loads every model
            context = ray.data.DataContext.get_current()
            context.enable_progress_bars = False
            # a clip whose actor dies is reported below as an error line, not a failed batch
            context.max_errored_blocks = -1
            dataset = ray.data.from_items(
                [{"item": item.model_dump_json()} for item in todo], override_num_blocks=len(todo)
            )
            dataset = dataset.map_batches(
                ClipActor,
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=pool),
                fn_constructor_args=(
                    settings.model_dump_json(), os.fspath(cache_dir) if cache_dir else None, registry_config(), full,
                ),
                **actor_resources(ray, pool, settings, cpus_per_worker, gpus_per_worker),
            )
            for row in dataset.iter_rows():
                run.record(json.loads(row["line"]))
            for item in todo:
                if item.id not in run.written:  # its actor died (e.g. a plugin crashed the process)
                    run.record({
                        "id": item.id, "clip": item.path, "content_hash": None, "status": "error",
                        "labels": item.labels, "error": "the Ray worker analysing this clip died",
                        "timings": {}, "settings_digest": settings_digest(settings),
                    })
    finally:
        run.close()
        if started_ray and ray is not None:
            ray.shutdown()
    return run.summary()
