"""The LLM judge: reading the 1-10 score out of an answer, asking per clip, averaging, adapting backends."""

from __future__ import annotations

import pytest

from saber_agent.eval import llm_judge, metrics
from saber_agent.eval.llm_judge import (
    LABEL_PROMPT,
    ReasonerJudge,
    judge_clip,
    judge_scores,
    parse_judge_score,
    reasoner_judge,
)
from saber_agent.eval.metrics import ClipSample


def test_judge_score_parsing():
    assert parse_judge_score("score: 7; reason: both mention anger") == 7.0
    assert parse_judge_score("'预测分数'：8；'原因'：情感一致") == 8.0
    assert parse_judge_score("I would give this a 6/10.") == 6.0
    assert parse_judge_score("Score = 7.5") == 7.5
    assert parse_judge_score("Score: 0") == 1.0  # the scale starts at 1
    assert parse_judge_score("score: 42") is None
    assert parse_judge_score("no idea") is None and parse_judge_score("") is None


def test_a_reasoner_backend_as_judge(registry):
    with pytest.raises(ValueError, match="cannot answer a free prompt"):
        reasoner_judge("fusion")

    # FAKE stand-ins with the call shapes of the real backends (for the adapter's dispatch only)
    class ChatBackend:
        def chat(self, messages):
            return {"role": "assistant", "content": f"score: 9 ({len(messages)} message)"}

    class MessagesBackend:  # like the transformers backend: generate(messages)
        def generate(self, messages):
            return f"score: {len(messages[0]['content'])}"

    class OmniLikeBackend:  # like the omni backend: generate(conversation, frames, audio)
        def generate(self, conversation, frames, audio):
            assert frames is None and audio is None
            return "score: " + str(len(conversation[0]["content"][0]["text"]))

    assert parse_judge_score(ReasonerJudge(ChatBackend(), "chat").complete("rate")) == 9.0
    assert parse_judge_score(ReasonerJudge(MessagesBackend(), "m").complete("rate")) == 4.0
    assert parse_judge_score(ReasonerJudge(OmniLikeBackend(), "o").complete("abcdef")) == 6.0


class Scripted:
    """A DETERMINISTIC FAKE judge (not an LLM): it returns the given answers in order, recording the prompts."""

    def __init__(self, *answers: str):
        self.answers = list(answers)
        self.prompts: list[str] = []

    def complete(self, prompt: str) -> str:
        self.prompts.append(prompt)
        return self.answers.pop(0)


def sample(**kw) -> ClipSample:
    return ClipSample(id="c", status="ok", split="agree", split_source="result", **kw)


def test_a_clip_is_asked_only_the_questions_it_has_both_sides_for():
    both = sample(gold_description="He sneers.", pred_description="A mocking smile.", gold_words=["contempt"], pred_words=["disgust"])
    judge = Scripted("score: 7", "no number here")
    assert judge_clip(judge, both) == (7.0, None, 1)
    assert judge.prompts[1] == LABEL_PROMPT.format(reference="contempt", prediction="disgust")
    labels_only = sample(gold_words=["happy"], pred_words=["happiness", "joy"])
    judge = Scripted("score: 9")
    assert judge_clip(judge, labels_only) == (None, 9.0, 0) and len(judge.prompts) == 1
    assert judge_clip(Scripted(), sample()) == (None, None, 0)  # nothing to compare: no question asked


def test_judge_scores_average_over_the_judged_clips_only():
    judged = [
        sample(judged=True, clue_score=8.0, label_score=4.0),
        sample(judged=True, clue_score=None, label_score=6.0, judge_unparsed=1),
        sample(judged=False),
    ]
    scores = judge_scores(judged)
    assert (scores.n, scores.clue_overlap, scores.label_overlap, scores.unparsed) == (2, 8.0, 5.0, 1)
    assert judge_scores([sample()]) is None


def test_the_old_import_path_gives_the_same_names():
    for name in ("CLUE_PROMPT", "LABEL_PROMPT", "Judge", "JudgeScores", "ReasonerJudge", "judge_clip", "judge_scores",
                 "parse_judge_score", "reasoner_judge"):
        assert getattr(metrics, name) is getattr(llm_judge, name)
