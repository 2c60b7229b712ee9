"""Drop text Whisper invents on silence, tones and noise."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from callcredit.audio.decoder import TARGET_RATE

# Phrases Whisper is known to produce on silence or non-speech (training-data subtitles).
KNOWN_HALLUCINATIONS = frozenset(
    {
        "you", "thank you", "thanks", "thank you very much", "thanks for watching",
        "thank you for watching", "thank you so much for watching", "please subscribe",
        "bye", "bye bye", "okay", "oh", "uh", "um", "hmm", "so", "the", "i", "a",
        "music", "applause", "silence", "beep", "subtitles by the amaraorg community",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[^a-z0-9' ]+")


@dataclass(frozen=True)
class FilterOptions:
    """Thresholds that decide whether a decoded segment is real speech."""

    # Whisper's own rule: a likely no-speech window with a weak decode is skipped.
    no_speech_prob: float = 0.6
    min_avg_logprob: float = -1.0
    # Repetition loops ("the the the ...") compress far better than speech.
    max_compression_ratio: float = 2.4
    # A known hallucination phrase is dropped when any of these says "not speech".
    phrase_no_speech_prob: float = 0.3
    phrase_min_word_probability: float = 0.5
    # Audio quieter than this (RMS, dBFS) is silence whatever the model says. Word times
    # are rough (a 40 ms "book" may land in a pause), so the level is taken with a margin.
    silence_dbfs: float = -50.0
    silence_margin_s: float = 0.3


@dataclass(frozen=True)
class Candidate:
    """A decoded segment with the model's confidence figures."""

    start: float
    end: float
    text: str
    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float
    word_probabilities: Sequence[float]


def normalise_phrase(text: str) -> str:
    """Return text lowercased without punctuation, for phrase matching."""
    return " ".join(_NON_WORD.sub(" ", text.lower().replace("-", " ")).split())


def rms_dbfs(samples: np.ndarray, start: float, end: float) -> float:
    """Return the RMS level of samples[start:end] (seconds) in dBFS; -inf for nothing."""
    lo = max(0, int(start * TARGET_RATE))
    hi = min(len(samples), max(lo + 1, int(end * TARGET_RATE)))
    span = samples[lo:hi]
    if span.size == 0:
        return float("-inf")
    power = float(np.mean(np.square(span, dtype=np.float64)))
    return 10.0 * np.log10(power) if power > 0 else float("-inf")


def is_quiet(samples: np.ndarray, start: float, end: float, options: FilterOptions) -> bool:
    """Return True when the span, widened by the margin, is near-silent."""
    margin = options.silence_margin_s
    return rms_dbfs(samples, start - margin, end + margin) < options.silence_dbfs


def keep_segment(candidate: Candidate, samples: np.ndarray, options: FilterOptions) -> bool:
    """Return True when the segment looks like real speech, not an invention."""
    if not normalise_phrase(candidate.text):
        return False
    if candidate.compression_ratio > options.max_compression_ratio:
        return False
    if (
        candidate.no_speech_prob > options.no_speech_prob
        and candidate.avg_logprob < options.min_avg_logprob
    ):
        return False
    if is_quiet(samples, candidate.start, candidate.end, options):
        return False
    if normalise_phrase(candidate.text) in KNOWN_HALLUCINATIONS:
        probs = candidate.word_probabilities
        weak = bool(probs) and max(probs) < options.phrase_min_word_probability
        return not (weak or candidate.no_speech_prob > options.phrase_no_speech_prob)
    return True
