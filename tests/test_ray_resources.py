"""GPU and CPU shares of the Ray runner's actors (`actor_resources`), on cluster shapes this machine lacks.

The function reads only ``ray.cluster_resources()``; a GPU cluster cannot be started here, so its
resource table is given by a stand-in with that one method. The real local-Ray path is tested in
tests/test_ray_runner.py.
"""

from __future__ import annotations

import pytest

from saber_agent.batch.ray_runner import actor_resources
from saber_agent.settings import AnalysisSettings


class Cluster:
    """What ``ray.cluster_resources()`` returns for a cluster of this shape."""

    def __init__(self, cpus: float, gpus: float = 0.0):
        self.table = {"CPU": cpus, "memory": 64e9} | ({"GPU": gpus} if gpus else {})

    def cluster_resources(self) -> dict[str, float]:
        return dict(self.table)


AUTO, CPU, CUDA = (AnalysisSettings(device=d) for d in ("auto", "cpu", "cuda"))


@pytest.mark.parametrize("cluster, workers, settings, expected", [
    # one GPU shared by four small-model actors: a quarter each; a core each (16 cores over 4 + 1)
    (Cluster(16, 1), 4, AUTO, {"num_cpus": 1.0, "num_gpus": 0.25}),
    (Cluster(16, 1), 3, CUDA, {"num_cpus": 1.0, "num_gpus": 0.333}),
    # more GPUs than actors: one whole GPU each, never more
    (Cluster(32, 8), 2, AUTO, {"num_cpus": 1.0, "num_gpus": 1.0}),
    # device cpu: no GPU share even where the cluster has GPUs
    (Cluster(16, 2), 4, CPU, {"num_cpus": 1.0}),
    # no GPUs: CPU shares only, leaving room for Ray Data's own tasks (2 cores over 2 + 1)
    (Cluster(2), 2, AUTO, {"num_cpus": 0.667}),
    (Cluster(2), 30, AUTO, {"num_cpus": 0.1}),
])
def test_actor_shares(cluster, workers, settings, expected):
    assert actor_resources(cluster, workers, settings) == expected


def test_explicit_shares_win():
    assert actor_resources(Cluster(16, 1), 4, AUTO, cpus_per_worker=2.0, gpus_per_worker=0.5) == {"num_cpus": 2.0, "num_gpus": 0.5}
    assert actor_resources(Cluster(16, 1), 4, AUTO, gpus_per_worker=0.0) == {"num_cpus": 1.0}
