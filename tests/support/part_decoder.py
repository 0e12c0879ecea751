"""A stand-in for the transcript's `PartDecoder` (the credibility and utterance-language tests share it)."""

from __future__ import annotations


class Decoder:
    """Each language's segments for a part (`by_language`), and the languages asked, in order (`asked`)."""

    def __init__(self, by_language):
        self.by_language, self.asked = by_language, []

    def __call__(self, part, language):
        self.asked.append(language)
        return self.by_language.get(language, [])
