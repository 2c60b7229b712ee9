"""Fuzzy phrase matching over transcript tokens that tolerates ASR spelling errors.

Each lexicon token is indexed with its one-letter deletions (the SymSpell trick), so a
misheard transcript token finds its lexicon token with a few dictionary look-ups instead of
comparing every phrase with every turn. Only phrases whose tokens (nearly) all appear near an
anchor token are then scored with rapidfuzz, and the character alignment is mapped back to
tokens and so to words and times. A phrase split by inserted words ("looking for steady
work") is found by matching its words in order instead.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from .text import NEGATIONS, STOPWORDS
from .view import TranscriptView

FILLERS = frozenset({"uh", "um", "uhm", "umm", "er", "ah", "hmm", "mm", "mhm"})
# Little words ASR often drops or swaps ("a" / "the"); phrases of 4+ words may miss one.
DROPPABLE = frozenset(
    {"a", "an", "the", "to", "of", "and", "or", "so", "my", "i", "it", "is", "are"}
)
TOKEN_CUTOFF = 75.0  # loose: a token only nominates a phrase; the phrase score decides
SINGLE_TOKEN_CUTOFF = 85.0
NEGATION_REACH = 3
MAX_GAPS = 2  # extra words allowed inside a phrase ("looking for steady work")
GAP_COST = 0.06

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


class _Found:
    """Per transcript: which lexicon tokens each transcript token may stand for, and where."""

    def __init__(self, view: TranscriptView, cands: list[tuple[tuple[int, float], ...]]) -> None:
        """Index candidates by position and by lexicon token."""
        self.view = view
        self.cands = cands
        self.present = [frozenset(tid for tid, _ in pairs) for pairs in cands]
        self.where: dict[int, list[int]] = {}
        for i, pairs in enumerate(cands):
            for tid, _ in pairs:
                self.where.setdefault(tid, []).append(i)

    def has(self, tid: int, lo: int, hi: int) -> bool:
        """Return True when lexicon token `tid` occurs at a position in [lo, hi)."""
        spots = self.where.get(tid)
        if not spots:
            return False
        j = bisect_left(spots, lo)
        return j < len(spots) and spots[j] < hi


def _deletions(token: str) -> set[str]:
    """Return the token and every string made by deleting one of its characters."""
    return {token} | {token[:i] + token[i + 1 :] for i in range(len(token))}


def _may_miss(token: str, phrase_len: int) -> bool:
    """Return True when a phrase may still match with this token not found as such."""
    # Long words may be misheard beyond recognition (split in two: "toy let") and still
    # align. A short word decides the meaning ("pay" vs "cost", "do" vs "go"), so it must be
    # there; only in phrases of four or more words may a little word ("a", "the") drop out.
    return len(token) >= 5 or (phrase_len >= 4 and token in DROPPABLE)


# A prefix that changes a word's meaning: "reschedule" is not "schedule", "unlock" not "lock".
MEANING_PREFIXES = ("re", "un", "dis", "mis", "non", "pre", "de")


def _prefixed(a: str, b: str) -> bool:
    """Return True when one word is the other with a meaning-changing prefix."""
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long == p + short for p in MEANING_PREFIXES)


def _content(token: str) -> bool:
    """Return True for a word that carries meaning (not a short function word)."""
    return len(token) >= 4 and token not in STOPWORDS


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
        self._may_miss: list[tuple[bool, ...]] = []
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
        """Register one phrase (its anchors are indexed once all phrases are in)."""
        ids = tuple(self.vocab.setdefault(t, len(self.vocab)) for t in phrase.tokens)
        self.phrases.append(phrase)
        self._strings.append(" ".join(phrase.tokens))
        self._ids.append(ids)
        self._may_miss.append(tuple(_may_miss(t, len(ids)) for t in phrase.tokens))

    def _index_anchors(self) -> None:
        """Index each phrase under as few, as rare, tokens as still find every match."""
        # A phrase of one or two words matches only with all its words, and a longer one only
        # with its short words present, so one such word is anchor enough; otherwise one of
        # any two words must be there. Rare anchors keep common words ("call") quiet.
        uses: dict[int, int] = {}
        for ids in self._ids:
            for tid in set(ids):
                uses[tid] = uses.get(tid, 0) + 1
        for index, (phrase, ids) in enumerate(zip(self.phrases, self._ids, strict=True)):
            content = [i for i, t in enumerate(phrase.tokens) if t not in STOPWORDS]
            ranked = sorted(
                content or range(len(ids)), key=lambda i: (uses[ids[i]], -len(phrase.tokens[i]))
            )
            required = [i for i in ranked if not self._may_miss[index][i]]
            if len(ids) <= 2:
                anchors = ranked[:1]
            elif required:
                anchors = required[:1]
            else:
                anchors = ranked[:2]
            for pos in anchors:
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
            found = tuple(
                (tid, s)
                for tid, s in scored
                if s >= TOKEN_CUTOFF and not _prefixed(token, self._lexicon[tid])
            )
        if len(self._cache) < 200_000:
            self._cache[token] = found
        return found

    def match(self, view: TranscriptView) -> list[Hit]:
        """Return every phrase occurrence in the view, one hit per phrase and start token."""
        found = _Found(
            view, [self.candidates(t) if t not in FILLERS else _EMPTY for t in view.tokens]
        )
        hits: dict[tuple[int, int], Hit] = {}
        tried: set[tuple[int, int]] = set()
        for i, pairs in enumerate(found.cands):
            for tid, tscore in pairs:
                for pidx, pos in self._anchors.get(tid, ()):
                    if (pidx, i - pos) in tried:
                        continue
                    tried.add((pidx, i - pos))
                    hit = self._verify(found, pidx, i, pos, tscore)
                    if hit is not None:
                        hits.setdefault((pidx, hit.first), hit)
        return sorted(hits.values(), key=lambda h: (h.first, h.last))

    def _verify(self, found: _Found, pidx: int, at: int, pos: int, tscore: float) -> Hit | None:
        """Score phrase `pidx` around token `at` (its token `pos`); None when it does not fit."""
        view, ids = found.view, self._ids[pidx]
        if len(ids) == 1:
            # One-word phrases are the riskiest ("tree" vs "three"): exact, or long and close.
            phrase = self.phrases[pidx]
            if tscore < 100.0 and (tscore < SINGLE_TOKEN_CUTOFF or len(phrase.tokens[0]) < 6):
                return None
            return self._hit(view, phrase, tscore / 100.0, at, at)
        seg_lo, seg_hi = view.segment_tokens[view.token_segment[at]]
        lo, hi = max(seg_lo, at - pos - 1), min(seg_hi, at - pos + len(ids) + 1)
        allowed = 1 if len(ids) >= 3 else 0
        may_miss = self._may_miss[pidx]
        for k, tid in enumerate(ids):
            if k == pos:
                continue  # the anchor itself stands at `at`, inside the window
            if not found.has(tid, lo - MAX_GAPS, hi + MAX_GAPS):
                allowed -= 1
                if allowed < 0 or not may_miss[k]:
                    return None
        window = [j for j in range(lo, hi) if view.tokens[j] not in FILLERS]
        hit = self._align(found, pidx, window)
        if hit is None:
            wide = range(max(seg_lo, lo - MAX_GAPS), min(seg_hi, hi + MAX_GAPS))
            hit = self._in_order(found, pidx, [j for j in wide if view.tokens[j] not in FILLERS])
        return hit

    def _align(self, found: _Found, pidx: int, window: list[int]) -> Hit | None:
        """Align the phrase inside the window text and map the characters back to tokens."""
        view = found.view
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
        if not covered or not self._has_required(found, pidx, covered[0], covered[-1]):
            return None
        words = self.phrases[pidx].tokens
        if any(_prefixed(view.tokens[j], w) for j in covered for w in words):
            return None  # "need to reschedule" is not "need to schedule"
        return self._hit(view, self.phrases[pidx], aligned.score / 100.0, covered[0], covered[-1])

    def _has_required(self, found: _Found, pidx: int, first: int, last: int) -> bool:
        """Return True when every word the phrase cannot miss lies inside the aligned span."""
        # Character alignment may stretch a phrase over the start of another word ("the
        # gate is" over "the gate hinges", with an "is" later in the turn); the short words
        # that decide the meaning must be found where the phrase was aligned.
        may_miss = self._may_miss[pidx]
        return all(
            may_miss[k] or found.has(tid, first, last + 1) for k, tid in enumerate(self._ids[pidx])
        )

    def _in_order(self, found: _Found, pidx: int, window: list[int]) -> Hit | None:
        """Find every phrase word in order with a few extra words between ("your going rate")."""
        # Character alignment misses a phrase split by inserted words; this allows MAX_GAPS
        # of them in all, each costing GAP_COST of the score. Only a content word may follow
        # a gap, so "work for you" never stretches over "works for me, see you".
        ids, tokens = self._ids[pidx], self.phrases[pidx].tokens
        for start, j0 in enumerate(window):
            if ids[0] not in found.present[j0]:
                continue
            matched, gap = [j0], 0
            for j in window[start + 1 :]:
                k = len(matched)
                if k == len(ids) or gap > MAX_GAPS:
                    break
                if ids[k] in found.present[j] and (gap == 0 or _content(tokens[k])):
                    matched.append(j)
                    gap = 0
                else:
                    gap += 1
            extra = matched[-1] - matched[0] + 1 - len(ids)
            if len(matched) == len(ids) and extra <= MAX_GAPS:
                score = 1.0 - GAP_COST * extra
                return self._hit(found.view, self.phrases[pidx], score, matched[0], matched[-1])
        return None

    @staticmethod
    def _hit(view: TranscriptView, phrase: Phrase, score: float, first: int, last: int) -> Hit:
        """Build a hit, noting a negation word just before it in the same turn."""
        seg_lo, _ = view.segment_tokens[view.token_segment[first]]
        before = view.tokens[max(seg_lo, first - NEGATION_REACH) : first]
        negated = any(t in NEGATIONS for t in before)
        return Hit(phrase, round(score, 4), first, last, negated)
