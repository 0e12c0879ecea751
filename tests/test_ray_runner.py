"""The Ray runner on a real local Ray instance (2 CPUs, 127.0.0.1, no dashboard), started once."""

from __future__ import annotations

import os

import pytest

from saber_agent.batch import read_items, read_results, run_batch
from saber_agent.cli import main
from saber_agent.settings import AnalysisSettings
from tests.support.batch_support import FAST, clip_folder, make_tones

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # before Ray is imported: listen on 127.0.0.1 only
ray = pytest.importorskip("ray", reason="the Ray runner needs saber-agent[ray]")
pytest.importorskip("ray.data", reason="the Ray runner needs ray[data]")

from saber_agent.batch.ray_runner import actor_resources, run_batch_ray  # noqa: E402

COMPARED = ("status", "content_hash", "saber", "prediction", "conflicts", "cues", "checks", "checks_passed", "rounds",
            "reasoner", "slots", "labels", "error")


@pytest.fixture(scope="session")
def local_ray():
    """One local Ray instance for the whole session, shut down at the end."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1",
             log_to_driver=False, configure_logging=False)
    assert ray.util.get_node_ip_address() == "127.0.0.1"
    yield ray
    ray.shutdown()


@pytest.fixture()
def clips(tmp_path, face_speech_clip, smile_hostile_clip):
    return clip_folder(tmp_path, face_speech_clip, smile_hostile_clip, tones=3,
                       broken=b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 200)  # a truncated mp4


def test_two_ray_workers_give_the_results_of_the_plain_runner(local_ray, batch_registry, clips, tmp_path):
    plain = tmp_path / "plain.jsonl"
    on_ray = tmp_path / "ray.jsonl"
    cache = tmp_path / "cache"
    run_batch(clips, plain, FAST, progress=False)
    summary = run_batch_ray(clips, on_ray, FAST, cache_dir=cache, workers=2, progress=False, full=True)
    assert summary.processed == 6 and summary.errors == 1
    expected = {r["id"]: r for r in read_results(plain)}
    got = {r["id"]: r for r in read_results(on_ray)}
    assert sorted(got) == sorted(expected), "every clip exactly once"
    for key, record in expected.items():
        for field in COMPARED:
            assert got[key].get(field) == record.get(field), (key, field)
    broken = got[str(clips / "c_broken.mp4")]["error"]  # an MP4 cut off before its index says so (media_streams)
    assert any(said in broken for said in ("not a readable", "damaged", "cut off before"))

    # the test tool's "model" loaded once per actor process, however many clips the actor analysed
    by_pid: dict[int, list[dict]] = {}
    for record in got.values():
        if record["status"] == "ok":
            measured = record["result"]["evidence"]["body_lang_desc"]["measurements"]
            by_pid.setdefault(measured["pid"], []).append(measured)
    assert 1 <= len(by_pid) <= 2
    assert all(m["loads"] == 1 for ms in by_pid.values() for m in ms)
    assert sum(len(ms) for ms in by_pid.values()) == 5

    # the Ray run filled the cache: a plain rerun with the same perception perceives nothing
    rerun = run_batch(clips, tmp_path / "rerun.jsonl", FAST.model_copy(update={"max_rounds": 1}), cache_dir=cache,
                      progress=False)
    assert rerun.cache_hits == 5


def test_saber_agent_batch_ray_resumes_a_killed_run(local_ray, batch_registry, tmp_path, capsys):
    folder = tmp_path / "clips"
    tones = make_tones(folder, 4)
    out = tmp_path / "r.jsonl"
    # an earlier run (plain, same settings) wrote one whole line and was killed writing the second
    run_batch(read_items(tones[0]), out, FAST, progress=False)
    with open(out, "ab") as handle:
        handle.write(b'{"id": "' + str(tones[1]).encode() + b'", "status": "o')
    args = ["batch", str(folder), "--out", str(out), "--ray", "--workers", "2", "--plugins", "prosody,counting",
            "--no-progress"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "dropped a half-written last line" in err and "3 clip(s) analysed" in err and "1 already done" in err
    ids = [r["id"] for r in read_results(out)]
    assert sorted(ids) == sorted(str(t) for t in tones) and len(ids) == 4
    assert out.read_bytes().endswith(b"\n")


def test_actor_shares_leave_room_on_two_cores_and_take_gpus_only_when_there_are_some(local_ray):
    resources = actor_resources(local_ray, 2, AnalysisSettings())
    assert resources == {"num_cpus": pytest.approx(2 / 3, abs=0.01)}  # no GPU in this cluster: none asked
    assert actor_resources(local_ray, 2, AnalysisSettings(), gpus_per_worker=0.5)["num_gpus"] == 0.5
    assert actor_resources(local_ray, 8, AnalysisSettings())["num_cpus"] >= 0.1
