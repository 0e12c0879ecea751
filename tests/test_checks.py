from saber_agent.cues import find_conflicts
from saber_agent.evidence import Analysis, ClipInfo, Evidence, ModalityCue, Slot
from saber_agent.plugins.checks import CrossModalAgreement, Grounding, LabelEvidenceAgreement, UnimodalDominance
from saber_agent.reasoning import ReasoningRequest

SMILE = ModalityCue(modality="face", valence=0.8, confidence=0.9, emotion="happiness")
HOSTILE = ModalityCue(modality="words", valence=-0.8, confidence=0.8, emotion="anger")


def make_request(cues):
    evidence = Evidence(
        facial_exp_desc=Slot(text="The speaker smiles broadly; happiness 0.92.", status="ok"),
        speech_content=Slot(text="I hate this, you ruined everything.", status="ok"),
    )
    return ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"), cues=cues, conflicts=find_conflicts(cues))


def test_unnamed_conflict_fails_and_named_one_passes():
    req = make_request([SMILE, HOSTILE])
    assert not CrossModalAgreement().check(req, Analysis()).passed
    named = Analysis(conflict_explanation="The face smiles while the words are hostile: sarcasm.")
    assert CrossModalAgreement().check(req, named).passed


def test_grounding_catches_invented_cues():
    req = make_request([SMILE])
    invented = Analysis(reasoning="Her tears show deep sadness.", cues_cited={"face": ["tears streaming down"]})
    outcome = Grounding().check(req, invented)
    assert not outcome.passed and "tears" in outcome.details["invented"]
    grounded = Analysis(reasoning="The speaker smiles broadly.", cues_cited={"face": ["speaker smiles broadly"]})
    assert Grounding().check(req, grounded).passed


def test_unimodal_dominance():
    req = make_request([SMILE, HOSTILE])
    face_only = Analysis(reasoning="She is smiling, so she is happy.", cues_cited={"face": ["smiles"]})
    assert not UnimodalDominance().check(req, face_only).passed
    both = Analysis(reasoning="She smiles but her words are hostile.", cues_cited={"face": ["smiles"], "words": ["I hate this"]})
    assert UnimodalDominance().check(req, both).passed


def test_label_evidence_agreement():
    req = make_request([HOSTILE])
    assert not LabelEvidenceAgreement().check(req, Analysis(valence=0.9)).passed
    assert LabelEvidenceAgreement().check(req, Analysis(valence=-0.6)).passed


def test_grounding_reads_chinese_cues_by_character_bigrams():
    evidence = Evidence(speech_content=Slot(text="你怎么又迟到了？我真的很生气。", status="ok"),
                        facial_exp_desc=Slot(text="说话人眉头紧锁，表情愤怒。", status="ok"))
    req = ReasoningRequest(evidence=evidence, clip=ClipInfo(path="x"))
    quoted = Analysis(reasoning="她很生气。", cues_cited={"words": ["我真的很生气"], "face": ["眉头紧锁"]})
    assert Grounding().check(req, quoted).passed
    invented = Analysis(reasoning="她在哭。", cues_cited={"face": ["泪流满面，放声大哭"]})
    assert not Grounding().check(req, invented).passed


def test_an_explained_conflict_lets_the_conclusion_side_with_a_modality_not_go_past_all():
    smile = ModalityCue(modality="face", valence=0.6, confidence=0.9, emotion="happiness")
    tense = ModalityCue(modality="voice", valence=-0.3, confidence=0.9, emotion="anger")
    req = make_request([smile, tense])
    assert req.conflicts, "the test needs a detected conflict"
    explained = "face vs voice: the smile is polite, the tense voice is the feeling"
    sides_with_voice = LabelEvidenceAgreement().check(req, Analysis(valence=-0.5, conflict_explanation=explained))
    assert sides_with_voice.passed
    past_all = LabelEvidenceAgreement().check(req, Analysis(valence=-0.95, conflict_explanation=explained))
    assert not past_all.passed and past_all.details["modality_range"] == [-0.3, 0.6]
    unexplained = LabelEvidenceAgreement().check(req, Analysis(valence=-0.5))
    assert not unexplained.passed


def test_words_read_as_irony_may_reverse_their_own_valence():
    praise = ModalityCue(modality="words", valence=0.5, confidence=0.8, emotion="happiness",
                         mixed="praises a bad event: 'love' with 'wasting'")
    req = make_request([praise])
    assert req.conflicts and req.conflicts[0].modalities == ("words", "words")
    ironic = Analysis(valence=-0.7, conflict_explanation="mixed words (possible irony): love said of wasting time")
    assert LabelEvidenceAgreement().check(req, ironic).passed
