"""Detectors that are phrase lists: booking, price, wrong number, spam, job seeking."""

from __future__ import annotations

import re

from ..lexicon import Scan
from ..models import Cue
from ..text import NUMBER_WORDS, STOPWORDS
from .common import cue_from_span, phrase_cues

STREET_WORDS = frozenset(
    "street st avenue ave road rd drive dr lane ln court ct way boulevard blvd place pl circle"
    " cir terrace parkway pkwy highway hwy trail loop row square pike".split()
)
_NUMERIC = re.compile(r"^\d{1,6}$")


def detect_voicemail_greeting(scan: Scan) -> list[Cue]:
    """Return voicemail greeting and left-message cues."""
    return phrase_cues(scan, ("voicemail_greeting", "voicemail_message"))


def detect_live_answer(scan: Scan) -> list[Cue]:
    """Return cues of a person answering live ("how can I help you")."""
    return phrase_cues(scan, ("live_answer",))


def detect_booking(scan: Scan) -> list[Cue]:
    """Return booking, service-request and confirmation cues, plus any street address."""
    groups = ("booking", "booking_confirm", "booking_business", "service_request")
    return phrase_cues(scan, groups) + detect_address(scan)


def detect_address(scan: Scan) -> list[Cue]:
    """Return a cue for each street address: a house number, 1-3 name words, a street word."""
    view = scan.view
    weight = scan.lexicon.weight("address")
    cues: list[Cue] = []
    for i, raw in enumerate(view.raw_tokens):
        if raw not in STREET_WORDS:
            continue
        seg = view.token_segment[i]
        for j in range(i - 2, max(i - 5, -1), -1):
            names = view.raw_tokens[j + 1 : i]
            if view.token_segment[j] != seg or any(n in STOPWORDS for n in names):
                break
            if _is_house_number(view.raw_tokens[j]):
                while j > 0 and view.token_segment[j - 1] == seg and _is_house_number(
                    view.raw_tokens[j - 1]
                ):
                    j -= 1  # "one twenty three Main Street" starts at "one"
                cues.append(cue_from_span(view, "address", weight, view.token_word[j], view.token_last_word[i]))
                break
    return cues


def _is_house_number(token: str) -> bool:
    """Return True for a written or spoken house number."""
    return bool(_NUMERIC.match(token)) or token in NUMBER_WORDS


def detect_price(scan: Scan) -> list[Cue]:
    """Return price-question and price-only (comparing, too expensive) cues."""
    return phrase_cues(scan, ("price_question", "price_only"))


def detect_wrong_number(scan: Scan) -> list[Cue]:
    """Return wrong-number cues and asks for a business that is not a home service."""
    return phrase_cues(scan, ("wrong_number", "other_business"))


def detect_spam(scan: Scan) -> list[Cue]:
    """Return solicitation, robocall and line-test cues."""
    return phrase_cues(scan, ("spam", "robocall", "system_test", "spam_response"))


def detect_job_seeker(scan: Scan) -> list[Cue]:
    """Return cues of a caller looking for work, and of the business answering that."""
    return phrase_cues(scan, ("job_seeker", "job_seeker_business"))
