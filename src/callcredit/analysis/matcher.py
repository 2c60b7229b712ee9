"""Fuzzy phrase matching over transcript tokens that tolerates ASR spelling errors.

Each lexicon token is indexed with its one-letter deletions (the SymSpell trick), so a
misheard transcript token finds its lexicon token with a few dictionary look-ups instead of
comparing every phrase with every turn. Only phrases whose tokens (nearly) all appear near an
anchor token are then scored with rapidfuzz, and the character alignment is mapped back to
tokens and so to words and times.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .text import NEGATIONS, STOPWORDS
from .view import TranscriptView

FILLERS = frozenset({"uh", "um", "uhm", "umm", "er", "ah", "hmm", "mm", "mhm"})
TOKEN_CUTOFF = 75.0  # loose: a token only nominates a phrase; the phrase score decides
SINGLE_TOKEN_CUTOFF = 85.0
NEGATION_REACH = 3

_EMPTY: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Phrase:
    """One lexicon phrase: its group (what it signals), text, tokens and weight."""

    group: str
    text: str
    tokens: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Hit:
    """A phrase found in the transcript at tokens [first, last] with a 0-1 match score."""

    phrase: Phrase
    score: float
    first: int
    last: int
    negated: bool = False

    @property
    def confidence(self) -> float:
        """Return the match score scaled by the phrase's weight."""
        return self.score * self.phrase.weight


def _deletions(token: str) -> set[str]:
    """Return the token and every string made by deleting one of its characters."""
    return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}


def _cutoff(phrase_chars: int) -> float:
    """Return the phrase score needed: short phrases must match more exactly."""
    return 90.0 if phrase_chars < 10 else 85.0


class PhraseMatcher:
    """Compiled phrase lists; `match` finds them in a transcript view."""

    def __init__(self, phrases: Iterable[Phrase]) -> None:
        """Index every phrase under its content tokens and every token under its deletions."""
        self.phrases: list[Phrase] = []
        self._strings: list[str] = []
        self._ids: list[tuple[int, ...]] = []
        self._short_content: list[tuple[bool, ...]] = []
        self.vocab: dict[str, int] = {}
        self._anchors: dict[int, list[tuple[int, int]]] = {}
        seen: set[tuple[str, tuple[str, ...]]] = set()
        for phrase in phrases:
            if not phrase.tokens or (phrase.group, phrase.tokens) in seen:
                continue
            seen.add((phrase.group, phrase.tokens))
            self._add(phrase)
        self._lexicon = list(self.vocab)
        self._index_anchors()
        self._deletes: dict[str, list[int]] = {}
        for token, tid in self.vocab.items():
            variants = _deletions(token) if len(token) >= 4 else {token}
            for variant in variants:
                self._deletes.setdefault(variant, []).append(tid)
        self._cache: dict[str, tuple[tuple[int, float], ...]] = {}

    def _add(self, phrase: Phrase) -> None:
        """Register one phrase and its anchors."""
        index = len(self.phrases)
        ids = tuple(self.vocab.setdefault(t, len(self.vocab)) for t in phrase.tokens)
        self.phrases.append(phrase)
        self._strings.append(" ".join(phrase.tokens))
        self._ids.append(ids)
        self._short_content.append(
            tuple(len(t) <= 4 and t not in STOPWORDS for t in phrase.tokens)
        )

    def _index_anchors(self) -> None:
        """Index each phrase under its two rarest content tokens.

        A phrase matches with at most one token missing, so one of two anchors is always
        present; rare anchors keep common words ("call", "water") from waking many phrases.
        """
        uses: dict[int, int] = {}
        for ids in self._ids:
            for tid in set(ids):
                uses[tid] = uses.get(tid, 0) + 1
        for index, (phrase, ids) in enumerate(zip(self.phrases, self._ids, strict=True)):
            content = [i for i, t in enumerate(phrase.tokens) if t not in STOPWORDS]
            ranked = sorted(content or range(len(ids)), key=lambda i: (uses[ids[i]], -len(phrase.tokens[i])))
            for pos in ranked[:2]:
                self._anchors.setdefault(ids[pos], []).append((index, pos))

    def candidates(self, token: str) -> tuple[tuple[int, float], ...]:
        """Return (lexicon token id, similarity 0-100) pairs a transcript token may stand for."""
        found = self._cache.get(token)
        if found is not None:
            return found
        exact = self.vocab.get(token)
        if exact is not None:
            found = ((exact, 100.0),)
        elif len(token) < 4 or token.isdigit():
            found = _EMPTY
        else:
            ids = {tid for v in _deletions(token) for tid in self._deletes.get(v, ())}
            scored = ((tid, fuzz.ratio(token, self._lexicon[tid])) for tid in ids)
            found = tuple((tid, s) for tid, s in scored if s >= TOKEN_CUTOFF)
        if len(self._cache) < 200_000:
            self._cache[token] = found
        return found

    def match(self, view: TranscriptView) -> list[Hit]:
        """Return every phrase occurrence in the view, one hit per phrase and start token."""
        cands = [self.candidates(t) if t not in FILLERS else _EMPTY for t in view.tokens]
        where: dict[int, list[int]] = {}
        for i, pairs in enumerate(cands):
            for tid, _ in pairs:
                where.setdefault(tid, []).append(i)
        hits: dict[tuple[int, int], Hit] = {}
        tried: set[tuple[int, int]] = set()
        for i, pairs in enumerate(cands):
            for tid, tscore in pairs:
                for pidx, pos in self._anchors.get(tid, ()):
                    if (pidx, i - pos) in tried:
                        continue
                    tried.add((pidx, i - pos))
                    hit = self._verify(view, where, pidx, i, pos, tscore)
                    if hit is not None:
                        hits.setdefault((pidx, hit.first), hit)
        return sorted(hits.values(), key=lambda h: (h.first, h.last))

    def _verify(
        self,
        view: TranscriptView,
        where: dict[int, list[int]],
        pidx: int,
        at: int,
        pos: int,
        tscore: float,
    ) -> Hit | None:
        """Score phrase `pidx` around token `at` (its token `pos`); None when it does not fit."""
        ids = self._ids[pidx]
        if len(ids) == 1:
            # One-word phrases are the riskiest ("tree" vs "three"): exact, or long and close.
            phrase = self.phrases[pidx]
            if tscore < 100.0 and (tscore < SINGLE_TOKEN_CUTOFF or len(phrase.tokens[0]) < 6):
                return None
            return self._hit(view, phrase, tscore / 100.0, at, at)
        seg_lo, seg_hi = view.segment_tokens[view.token_segment[at]]
        lo = max(seg_lo, at - pos - 1)
        hi = min(seg_hi, at - pos + len(ids) + 2)
        allowed = 1 if len(ids) >= 3 else 0
        short = self._short_content[pidx]
        for k, tid in enumerate(ids):
            spots = where.get(tid)
            j = bisect_left(spots, lo) if spots else 0
            if spots and j < len(spots) and spots[j] < hi:
                continue
            # A short content word ("pay" vs "cost") decides the meaning; only long words may
            # be misheard beyond recognition (e.g. split in two) and still be aligned.
            allowed -= 1
            if allowed < 0 or short[k]:
                return None
        window = [j for j in range(lo, hi) if view.tokens[j] not in FILLERS]
        return self._align(view, pidx, window)

    def _align(self, view: TranscriptView, pidx: int, window: list[int]) -> Hit | None:
        """Align the phrase inside the window text and map the characters back to tokens."""
        pieces: list[str] = []
        offsets: list[int] = []
        cursor = 0
        for j in window:
            offsets.append(cursor)
            pieces.append(view.tokens[j])
            cursor += len(view.tokens[j]) + 1
        target = " ".join(pieces)
        text = self._strings[pidx]
        aligned = fuzz.partial_ratio_alignment(text, target, score_cutoff=_cutoff(len(text)))
        if aligned is None or aligned.score <= 0:
            return None
        covered = [
            j
            for j, off in zip(window, offsets, strict=True)
            if off < aligned.dest_end and off + len(view.tokens[j]) > aligned.dest_start
        ]
        if not covered:
            return None
        return self._hit(view, self.phrases[pidx], aligned.score / 100.0, covered[0], covered[-1])

    @staticmethod
    def _hit(view: TranscriptView, phrase: Phrase, score: float, first: int, last: int) -> Hit:
        """Build a hit, noting a negation word just before it in the same turn."""
        seg_lo, _ = view.segment_tokens[view.token_segment[first]]
        before = view.tokens[max(seg_lo, first - NEGATION_REACH) : first]
        negated = any(t in NEGATIONS for t in before)
        return Hit(phrase, round(score, 4), first, last, negated)
