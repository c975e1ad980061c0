"""The model's yes/no check of sentences the word and meaning check found unsupported."""
from __future__ import annotations

from types import SimpleNamespace

from assistant.core.answers.support import check_support
from assistant.core.answers.verify import PROMPT, verify

CENSUS = ("The 2021 census of Dovra counted 18,245 residents. Dovra lies on the river Mell. "
          "Its main industry is salt.")


def _passage(text, path="/docs/dovra.md"):
    return SimpleNamespace(text=text, citation=SimpleNamespace(source_path=path, page=None))


def test_a_yes_makes_a_reworded_sentence_supported_and_cites_the_passage():
    answer = "Salt-making is what the town mostly lives from. It has 9,843 residents."
    sentences = check_support(answer, [_passage(CENSUS)], None)
    assert [s.reason for s in sentences] == ["no passage", "number"]
    asked = []
    verify(sentences, [_passage(CENSUS)], lambda prompt: asked.append(prompt) or "yes")
    assert len(asked) == 1 and "Salt-making" in asked[0] and "salt" in asked[0]  # the invented number is not asked
    assert asked[0].endswith(PROMPT.split("}")[-1])
    first, second = sentences
    assert first.supported and first.reason == "model" and first.source["number"] == 1
    assert first.source["source_path"] == "/docs/dovra.md"
    assert not second.supported and second.reason == "number"


def test_a_no_leaves_the_sentence_unsupported():
    sentences = check_support("Salt-making is what the town mostly lives from.", [_passage(CENSUS)], None)
    verify(sentences, [_passage(CENSUS)], lambda prompt: "no")
    assert not sentences[0].supported and sentences[0].reason == "no passage" and sentences[0].source is None


def test_a_sentence_sharing_no_word_with_any_passage_is_not_asked():
    sentences = check_support("Penguins cannot fly over mountains.", [_passage(CENSUS)], None)
    asked = []
    verify(sentences, [_passage(CENSUS)], lambda prompt: asked.append(prompt) or "yes")
    assert asked == [] and not sentences[0].supported
