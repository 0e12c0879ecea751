"""The fusion reasoner and the consistency checks agree: a random sweep of realistic cue sets
(`saber_agent.testing.cue_sweep`) finds no fusion answer that fails a check. Fusion ignores a critique, so
any such answer would fail every round of the correction loop."""

import random

from saber_agent.testing.cue_sweep import cue_set, sweep


def test_no_fusion_answer_fails_a_check_on_random_realistic_cue_sets():
    result = sweep(n=4000, seed=7, examples=1)
    shown = {kind: [(c.modality, c.emotion, c.valence, c.confidence) for c in ex[0][0].cues]
             for kind, ex in result.examples.items()}
    assert result.failed_sets == 0, (dict(result.by_kind), shown)


def test_the_sweep_draws_what_the_tools_write():
    rng = random.Random(3)
    requests = [cue_set(rng) for _ in range(400)]
    cues = [c for r in requests for c in r.cues]
    assert {c.modality for c in cues} == {"face", "voice", "words", "body"}
    assert all(c.emotion is None for c in cues if c.modality == "body")  # the body tool's own cue
    assert any(r.conflicts for r in requests) and any(c.mixed for c in cues)
    assert any(c.emotion == "hostile" for c in cues) and any(c.confidence < 0.3 for c in cues)
    # the voice reading's probabilities sit in the acoustic slot, where the checks and the fusion read them
    voiced = [r for r in requests if any(c.modality == "voice" and c.basis.startswith("voice reading") for c in r.cues)]
    assert voiced and all("probabilities" in r.evidence.slot("acoustic_feat").measurements["voice_emotion"] for r in voiced)


def test_the_sweep_draws_neutral_readings_beside_confident_clear_leans():
    """The sets the neutral rule decides (`checking.against_neutral`: a confident clear lean to another emotion rules
    out neutral, whatever else reads neutral) are drawn, so the sweep holds the fusion and the check to it there."""
    from saber_agent.checking import against_neutral, voice_runners_up
    from saber_agent.cues import merge_cues

    rng = random.Random(5)
    requests = [cue_set(rng) for _ in range(1000)]
    decided = [r for r in requests if any(c.emotion == "neutral" for c in r.cues)
               and against_neutral(merge_cues(r.cues), voice_runners_up(r))]
    assert len(decided) >= 20, len(decided)
