"""Helpers shared by detectors: turning hits into cues and telling caller turns apart."""

from __future__ import annotations

from collections.abc import Iterable

from ..lexicon import Scan
from ..matcher import Hit
from ..models import Cue
from ..view import TranscriptView

# Cue groups only the business (or its voicemail) says; in mono they mark business turns.
BUSINESS_GROUPS = (
    "voicemail_greeting",
    "voicemail_hint",
    "business_intro",
    "business_signoff",
    "child_on_line",
    "live_answer",
    "booking_business",
    "visit_promised",
    "existing_customer_business",
    "in_area_business",
    "out_of_area_business",
    "wrong_category_business",
    "business_scope",
    "job_seeker_business",
    "spam_response",
    "not_this_business",
)
# Cue groups only a caller says; a mono unit holding one is the caller's.
CALLER_GROUPS = (
    "booking",
    "booking_confirm",
    "booking_accept",
    "service_request",
    "price_question",
    "price_only",
    "job_seeker",
    "spam",
    "robocall",
    "system_test",
    "solicitation_hint",
    "wrong_number",
    "other_business",
    "voicemail_message",
    "existing_customer",
    "repeat_caller",
    "noncommittal",
    "personal_errand",
    "accidental_call",
)


def cue_from_span(
    view: TranscriptView,
    name: str,
    confidence: float,
    first_word: int,
    last_word: int,
    value: str | None = None,
) -> Cue:
    """Return a cue for words [first_word, last_word] with their sentence as context."""
    span = view.span(first_word, last_word)
    context = view.context_span(first_word, last_word)
    return Cue(
        cue=name,
        confidence=round(min(max(confidence, 0.0), 1.0), 4),
        start=span.start,
        end=span.end,
        speaker=span.speaker,
        text=span.text,
        value=value,
        context=context.text,
        context_start=context.start,
        context_end=context.end,
    )


def cue_from_hit(
    scan: Scan,
    hit: Hit,
    name: str | None = None,
    confidence: float | None = None,
    value: str | None = None,
) -> Cue:
    """Return the cue of one phrase hit, named after its group unless told otherwise."""
    view = scan.view
    return cue_from_span(
        view,
        name or hit.phrase.group,
        hit.confidence if confidence is None else confidence,
        view.token_word[hit.first],
        view.token_last_word[hit.last],
        value,
    )


def phrase_cues(scan: Scan, groups: Iterable[str]) -> list[Cue]:
    """Return a cue for every hit of the given cue groups."""
    return [cue_from_hit(scan, hit) for group in groups for hit in scan.group(group)]


def business_like_units(scan: Scan) -> set[int]:
    """Return mono units that sound like the business: its phrases, or the opening answer."""
    view = scan.view
    units = {view.token_unit[h.first] for g in BUSINESS_GROUPS for h in scan.group(g)}
    units |= scan.named_units
    caller_said = {view.token_unit[h.first] for g in CALLER_GROUPS for h in scan.group(g)}
    # Whoever speaks first answers the phone: the business (or its voicemail).
    first = next((u for u, (lo, hi) in enumerate(view.unit_tokens) if hi > lo), None)
    if first is not None and first not in caller_said:
        units.add(first)
        # "Sonoran Shine Window Cleaning. This is Marco." - the name that follows is theirs too.
        intros = {view.token_unit[h.first] for h in scan.group("self_intro")}
        if first + 1 in intros:
            units.add(first + 1)
    return units - caller_said


def caller_units(scan: Scan) -> list[int]:
    """Return the caller's units; in mono, the units that do not sound like the business."""
    view = scan.view
    if view.stereo:
        return [u for u in range(len(view.unit_tokens)) if view.unit_speaker(u) == "caller"]
    business = business_like_units(scan)
    return [u for u in range(len(view.unit_tokens)) if u not in business]


def unit_tokens(view: TranscriptView, units: Iterable[int]) -> list[int]:
    """Return the token indices of the given units, in order."""
    out: list[int] = []
    for unit in units:
        lo, hi = view.unit_tokens[unit]
        out.extend(range(lo, hi))
    return out
