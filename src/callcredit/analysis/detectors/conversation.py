"""Detectors of the call's shape: who spoke, whether they took turns, whether anyone asked."""

from __future__ import annotations

from ..lexicon import Scan
from ..matcher import FILLERS
from ..models import Cue
from ..text import STOPWORDS
from .common import caller_units, cue_from_span, is_stereo, unit_tokens

MIN_REQUEST_WORDS = 3  # content words a caller needs before it counts as saying something
FULL_REQUEST_WORDS = 12


def _turns(scan: Scan) -> list[tuple[int, str]]:
    """Return (segment, speaker) of labelled turns that hold more than fillers."""
    view = scan.view
    out = []
    for seg, speaker in enumerate(view.speakers):
        lo, hi = view.segment_tokens[seg]
        if speaker != "unknown" and any(t not in FILLERS for t in view.tokens[lo:hi]):
            out.append((seg, speaker))
    return out


def detect_exchange(scan: Scan) -> list[Cue]:
    """Return `conversation` when caller and business take turns, else `one_sided` (stereo only)."""
    view = scan.view
    if not is_stereo(view):
        return []
    turns = _turns(scan)
    if not turns:
        return []
    switches = sum(1 for a, b in zip(turns, turns[1:], strict=False) if a[1] != b[1])
    if switches <= 1:
        seg = turns[0][0]
        span = view.segment_span(seg)
        assert span is not None
        return [cue_from_span(view, "one_sided", scan.lexicon.weight("one_sided"), span.first, span.last)]
    strength = scan.lexicon.weight("conversation") * min(1.0, 0.5 + 0.125 * switches)
    cues = []
    for (seg_a, who_a), (seg_b, who_b) in zip(turns, turns[1:], strict=False):
        if who_a == "business" and who_b == "caller":
            for seg in (seg_a, seg_b):
                span = view.segment_span(seg)
                assert span is not None
                cues.append(cue_from_span(view, "conversation", strength, span.first, span.last))
            break
    return cues


def detect_no_intent(scan: Scan) -> list[Cue]:
    """Return silence / no caller speech / greetings-only cues, or `caller_speech` against them."""
    view = scan.view
    lexicon = scan.lexicon
    if not any(t not in FILLERS for t in view.tokens):
        return [Cue(cue="silence", confidence=lexicon.weight("silence"), text="(no speech)")]
    units = caller_units(scan)
    tokens = [t for t in unit_tokens(view, units) if view.tokens[t] not in FILLERS]
    if not tokens:
        return _no_caller_speech(scan)
    content = [t for t in tokens if view.tokens[t] not in lexicon.greetings]
    if not content:
        first, last = view.token_word[tokens[0]], view.token_last_word[tokens[-1]]
        weight = lexicon.weight("greetings_only")
        return [cue_from_span(view, "greetings_only", weight, first, min(last, first + 15))]
    meaningful = [t for t in content if view.tokens[t] not in STOPWORDS]
    if len(meaningful) < MIN_REQUEST_WORDS:
        return []
    share = min(1.0, len(meaningful) / FULL_REQUEST_WORDS)
    weight = lexicon.weight("caller_speech") * (0.5 + 0.5 * share)
    if not is_stereo(view):
        weight *= 0.8  # in mono some of these words may be the business's
    # Show the caller turn that says the most, not words spread over several turns.
    by_turn: dict[int, list[int]] = {}
    for t in meaningful:
        by_turn.setdefault(view.token_unit[t], []).append(t)
    best = max(by_turn.values(), key=len)
    first, last = view.token_word[best[0]], view.token_last_word[best[min(len(best) - 1, 15)]]
    return [cue_from_span(view, "caller_speech", weight, first, last)]


def _no_caller_speech(scan: Scan) -> list[Cue]:
    """Return the cue for a call where only the business (or its voicemail) spoke."""
    view = scan.view
    weight = scan.lexicon.weight("no_caller_speech")
    if not is_stereo(view):
        weight *= 0.8  # mono: we only guess which turns were the business's
    lo, hi = next((lo, hi) for lo, hi in view.unit_tokens if hi > lo)
    first, last = view.token_word[lo], view.token_last_word[hi - 1]
    return [cue_from_span(view, "no_caller_speech", weight, first, min(last, first + 15))]
