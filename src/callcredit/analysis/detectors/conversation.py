"""Detectors of the call's shape: who spoke, whether they took turns, whether anyone asked."""

from __future__ import annotations

from itertools import pairwise

from ..lexicon import Scan
from ..matcher import FILLERS
from ..models import Cue
from ..text import STOPWORDS
from ..view import TranscriptView
from .common import (
    BUSINESS_GROUPS,
    CALLER_GROUPS,
    caller_units,
    cue_from_hit,
    cue_from_span,
    phrase_cues,
    unit_tokens,
)

MIN_REQUEST_WORDS = 3  # content words a caller needs before it counts as saying something
FULL_REQUEST_WORDS = 12
MONO_GUESS = 0.8  # caller words told from business words by guess (mono) count less
MONO_CONVERSATION = 0.9  # roles guessed from what is said count a little less than channels
# Cue groups that only a business answering live says (not its recorded greeting).
# Not a recorded greeting, nor words any answering business (or machine) says first.
_NOT_LIVE = {"voicemail_greeting", "voicemail_hint", "business_intro", "not_this_business"}
LIVE_BUSINESS_GROUPS = tuple(g for g in BUSINESS_GROUPS if g not in _NOT_LIVE)
FEW_WORDS = 0.75  # greetings plus a word or two count a little less than greetings alone
# Someone talking to the business says I, my, we or you; words with none of them ("no, the
# blue one by the door", "turn left up here") are said to someone else in the room.
# fmt: off
ADDRESSING = frozenset({
    "i", "im", "ive", "id", "ill", "me", "my", "mine", "myself", "we", "weve", "wed", "our",
    "ours", "us", "you", "your", "youre", "youve", "youll", "youd", "yall", "ya", "yours",
})
# fmt: on


def _turns(scan: Scan) -> list[tuple[int, str]]:
    """Return (unit, speaker) of labelled turns that hold more than fillers."""
    view = scan.view
    out = []
    for unit, (lo, hi) in enumerate(view.unit_tokens):
        speaker = view.unit_speaker(unit)
        if speaker != "unknown" and any(t not in FILLERS for t in view.tokens[lo:hi]):
            out.append((unit, speaker))
    return out


def detect_exchange(scan: Scan) -> list[Cue]:
    """Return `conversation` when caller and business take turns, else `one_sided` (stereo)."""
    view = scan.view
    turns = _turns(scan) if view.stereo else _mono_turns(scan)
    if not turns:
        return []
    switches = sum(1 for a, b in pairwise(turns) if a[1] != b[1])
    if switches <= 1:
        if not view.stereo:
            return []  # in mono an unanswered call and a guessed role look alike
        weight = scan.lexicon.weight("one_sided")
        return [_unit_cue(scan, "one_sided", weight, turns[0][0])]
    weight = scan.lexicon.weight("conversation") * min(1.0, 0.5 + 0.125 * switches)
    if not view.stereo:
        weight *= MONO_CONVERSATION
    for (unit_a, who_a), (unit_b, who_b) in pairwise(turns):
        if who_a == "business" and who_b == "caller":
            # The business's last sentence and the caller's first: where one answers the other.
            return [
                _unit_cue(scan, "conversation", weight, unit_a, last=True),
                _unit_cue(scan, "conversation", weight, unit_b),
            ]
    return [_unit_cue(scan, "conversation", weight, turns[0][0])]


def _unit_cue(scan: Scan, name: str, weight: float, unit: int, last: bool = False) -> Cue:
    """Return a cue on one sentence of a unit (a turn, or a sentence in mono): its first or last.

    Whisper may run two turns of the same side together; one sentence stays on one of them.
    """
    view = scan.view
    lo, hi = view.unit_tokens[unit]
    sentence = view.token_sentence[hi - 1 if last else lo]
    tokens = [t for t in range(lo, hi) if view.token_sentence[t] == sentence]
    first, end = view.token_word[tokens[0]], view.token_last_word[tokens[-1]]
    return cue_from_span(view, name, weight, first, end)


def _mono_turns(scan: Scan) -> list[tuple[int, str]]:
    """Return (unit, role) for mono units that clearly sound like a live business or a caller."""
    view = scan.view
    live = {view.token_unit[h.first] for g in LIVE_BUSINESS_GROUPS for h in scan.group(g)}
    caller = {view.token_unit[h.first] for g in CALLER_GROUPS for h in scan.group(g)}
    roles = [(u, "business") for u in live - caller] + [(u, "caller") for u in caller - live]
    return sorted(roles)


def detect_no_intent(scan: Scan) -> list[Cue]:
    """Return silence / no caller speech / greetings-only cues, or `caller_speech` against them."""
    view = scan.view
    lexicon = scan.lexicon
    if not any(t not in FILLERS for t in view.tokens):
        return [Cue(cue="silence", confidence=lexicon.weight("silence"), text="(no speech)")]
    groups = ("accidental_call", "business_signoff", "child_on_line")
    return phrase_cues(scan, groups) + _caller_words(scan)


def _caller_words(scan: Scan) -> list[Cue]:
    """Return no-caller-speech / greetings-only cues, or `caller_speech` when they said more."""
    view = scan.view
    lexicon = scan.lexicon
    units = caller_units(scan)
    tokens = [t for t in unit_tokens(view, units) if view.tokens[t] not in FILLERS]
    if not tokens:
        return _no_caller_speech(scan)
    # "Can you hear me? You're breaking up, I'll call back" is about the line, not a request;
    # "sorry, wrong button" is about the call itself.
    line_talk = {
        t
        for g in ("line_trouble", "accidental_call")
        for h in scan.group(g)
        for t in range(h.first, h.last + 1)
    }
    content = [t for t in tokens if view.tokens[t] not in lexicon.greetings and t not in line_talk]
    # In mono the business's own name ("...at the garage door shop") is not the caller's.
    skip = STOPWORDS if view.stereo else STOPWORDS | scan.name_stems
    meaningful = [t for t in content if view.tokens[t] not in skip]
    if len(meaningful) < MIN_REQUEST_WORDS:
        # Greetings only, or a word or two more ("hello? I can't hear anything"): no request.
        weight = lexicon.weight("greetings_only") * (1.0 if not content else FEW_WORDS)
        unit = view.token_unit[tokens[0]]
        last = max(t for t in tokens if view.token_unit[t] == unit)
        first_word = view.token_word[tokens[0]]
        last_word = min(view.token_last_word[last], first_word + 15)
        return [cue_from_span(view, "greetings_only", weight, first_word, last_word)]
    if _said_to_someone_else(scan, content):
        return [_unaddressed(scan, meaningful)]
    share = min(1.0, len(meaningful) / FULL_REQUEST_WORDS)
    weight = lexicon.weight("caller_speech") * (0.5 + 0.5 * share)
    if not view.stereo:
        weight *= MONO_GUESS  # in mono some of these words may be the business's
    return [cue_from_span(view, "caller_speech", weight, *_fullest_unit(view, meaningful))]


def _fullest_unit(view: TranscriptView, tokens: list[int]) -> tuple[int, int]:
    """Return the first and last word of the unit holding most of `tokens` (up to 16 of them)."""
    # Evidence shows the turn that says the most, not words spread over several turns.
    by_unit: dict[int, list[int]] = {}
    for t in tokens:
        by_unit.setdefault(view.token_unit[t], []).append(t)
    best = max(by_unit.values(), key=len)
    return view.token_word[best[0]], view.token_last_word[best[min(len(best) - 1, 15)]]


def _said_to_someone_else(scan: Scan, content: list[int]) -> bool:
    """Return True for a pocket dial: words to nobody on the line, and nobody answering.

    The caller's words hold no I, we or you, no question and no job, and the business
    finds nobody there ("Hello? Can you hear me?", "I'm going to hang up now").
    """
    view = scan.view
    said = [view.words[view.token_word[t]].text.strip(" ,.!").lower() for t in content]
    if any(view.raw_tokens[t] in ADDRESSING for t in content) or any(
        w.endswith("?") or w.startswith(("we'", "we\u2019")) for w in said
    ):
        return False
    if _about_a_job(scan, set(content)):
        return False
    caller_side = set(content)
    return any(
        h.first not in caller_side and scan.speaker(h) != "caller"
        for g in ("business_signoff", "nobody_answers")
        for h in scan.group(g)
    )


def _about_a_job(scan: Scan, tokens: set[int]) -> bool:
    """Return True when the words name a trade's work or ask for something."""
    groups = [*CALLER_GROUPS, *(k for k in scan.hits if k.startswith("category:"))]
    return any(h.first in tokens for g in groups for h in scan.group(g))


def _unaddressed(scan: Scan, meaningful: list[int]) -> Cue:
    """Return the cue for caller words said to no one on the line (a pocket dial)."""
    view = scan.view
    weight = scan.lexicon.weight("unaddressed_speech")
    if not view.stereo:
        weight *= MONO_GUESS
    return cue_from_span(view, "unaddressed_speech", weight, *_fullest_unit(view, meaningful))


def _no_caller_speech(scan: Scan) -> list[Cue]:
    """Return the cue for a call where only the business (or its voicemail) spoke."""
    view = scan.view
    weight = scan.lexicon.weight("no_caller_speech")
    if not view.stereo:
        weight *= MONO_GUESS  # mono: we only guess which turns were the business's
    lo, hi = next((lo, hi) for lo, hi in view.unit_tokens if hi > lo)
    first, last = view.token_word[lo], view.token_last_word[hi - 1]
    return [cue_from_span(view, "no_caller_speech", weight, first, min(last, first + 15))]


# Words a finished sentence does not end on: "...would you be able to" was cut off.
_DANGLING = frozenset({"to", "the", "a", "an", "and", "of", "for", "with", "my", "your", "if"})
_LAST_UNITS = 2  # how near the end a lost line or a broken sentence must be
CUT_OFF_SILENCE = 2.5  # seconds of dead air after a dangling last word: the line dropped


def detect_cut_off(scan: Scan) -> list[Cue]:
    """Return `cut_off` when the call ends on a lost line or a sentence broken off."""
    view = scan.view
    units = [u for u, (lo, hi) in enumerate(view.unit_tokens) if hi > lo]
    if len(units) < 2:
        return []
    last_units = set(units[-_LAST_UNITS:])
    weight = scan.lexicon.weight("cut_off")
    for hit in scan.group("line_lost"):
        if view.token_unit[hit.first] in last_units:
            first, last = view.token_word[hit.first], view.token_last_word[hit.last]
            return [cue_from_span(view, "cut_off", weight, first, last)]
    lo, hi = view.unit_tokens[units[-1]]
    last_word = view.words[view.token_last_word[hi - 1]]
    # "...would you be able to" then dead air; not "who do I make the check out to?" and
    # a hang-up.
    broken = not last_word.text.endswith((".", "?", "!"))
    dead_air = view.duration - last_word.end >= CUT_OFF_SILENCE
    if view.raw_tokens[hi - 1] in _DANGLING and (broken or dead_air):
        first = view.token_word[max(lo, hi - 6)]
        return [cue_from_span(view, "cut_off", weight, first, view.token_last_word[hi - 1])]
    return []


def detect_left_open(scan: Scan) -> list[Cue]:
    """Return `left_open` when the caller ends the call to find something out first."""
    # "I'll have to ask my husband which it is and call you back" near the end leaves the
    # trade or the place open, whatever was said before it.
    view = scan.view
    units = [u for u, (lo, hi) in enumerate(view.unit_tokens) if hi > lo]
    last_units = set(units[-_LAST_UNITS:]) & set(caller_units(scan))
    weight = scan.lexicon.weight("left_open")
    return [
        cue_from_hit(scan, hit, confidence=weight)
        for hit in scan.group("left_open")
        if view.token_unit[hit.first] in last_units
    ][:1]
