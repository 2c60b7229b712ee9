"""Word error rate with an English normaliser, so "ten" and "10" count as the same word."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import jiwer

# Digit groups written apart ("8 5 1 2 2", "(916) 555-0199") are one spoken number
# ("eight five one two two" normalises to 85122).
_DIGIT_GROUPS = re.compile(r"\(?\d+\)?(?:[ \-]+\(?\d+\)?)+")


@dataclass(frozen=True)
class WerCounts:
    """Edit counts of a hypothesis against a reference, after normalisation."""

    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0
    reference_words: int = 0

    @property
    def errors(self) -> int:
        """Return the number of word edits."""
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """Return the WER (0.0 = perfect); any words against an empty reference is 1.0."""
        if self.reference_words == 0:
            return 0.0 if self.errors == 0 else 1.0
        return self.errors / self.reference_words

    def __add__(self, other: WerCounts) -> WerCounts:
        return WerCounts(
            self.substitutions + other.substitutions,
            self.deletions + other.deletions,
            self.insertions + other.insertions,
            self.reference_words + other.reference_words,
        )


@functools.cache
def _normaliser() -> Callable[[str], str]:
    """Return Whisper's English normaliser (built once: it compiles many patterns)."""
    from whisper_normalizer.english import EnglishTextNormalizer

    return EnglishTextNormalizer()


def normalise(text: str) -> str:
    """Return text lowercased, without punctuation, with numbers and spellings made uniform."""
    joined = _DIGIT_GROUPS.sub(lambda m: re.sub(r"\D", "", m.group()), text)
    return " ".join(_normaliser()(joined).split())


def counts(reference: str, hypothesis: str) -> WerCounts:
    """Return the edit counts between two texts after normalisation."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    if not ref or not hyp:
        return WerCounts(
            deletions=len(ref.split()),
            insertions=len(hyp.split()),
            reference_words=len(ref.split()),
        )
    out = jiwer.process_words(ref, hyp)
    return WerCounts(out.substitutions, out.deletions, out.insertions, len(ref.split()))


def wer(reference: str, hypothesis: str) -> float:
    """Return the word error rate of one hypothesis."""
    return counts(reference, hypothesis).rate


def corpus_wer(pairs: Iterable[tuple[str, str]]) -> float:
    """Return the pooled WER of (reference, hypothesis) pairs: all edits over all words."""
    total = WerCounts()
    for reference, hypothesis in pairs:
        total = total + counts(reference, hypothesis)
    return total.rate
