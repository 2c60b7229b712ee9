"""Detectors that are phrase lists: booking, price, wrong number, spam, job seeking."""

from __future__ import annotations

import itertools
import re

from ..lexicon import Scan
from ..matcher import Hit
from ..models import Cue
from ..text import MONEY_WORDS, NUMBER_WORDS, STOPWORDS
from ..view import TranscriptView
from .common import cue_from_hit, cue_from_span, phrase_cues

_STREET_WORDS_TEXT = (
    "street st avenue ave road rd drive dr lane ln court ct way boulevard blvd place pl "
    "circle cir terrace parkway pkwy highway hwy trail loop row square pike"
)
STREET_WORDS = frozenset(_STREET_WORDS_TEXT.split())
_NUMERIC = re.compile(r"^\d{1,6}$")
_DAYS = "monday tuesday wednesday thursday friday saturday sunday today tomorrow tonight"
DAY_WORDS = frozenset(_DAYS.split())
_SLOTS = "at around between by morning afternoon evening noon am pm oclock"
SLOT_WORDS = frozenset(_SLOTS.split())
PAST_WORDS = frozenset({"last", "since", "yesterday", "ago", "past"})
BOOKING_RIVALS = ("price_question", "job_seeker")
RIVALLED_BOOKING = 0.4  # weight of a booking phrase in a sentence asking a price or for a job
UNPRICED = 0.5  # weight of "let me think about it" when nobody spoke of money
# fmt: off
MONEY_TALK = frozenset({
    "price", "prices", "pricing", "priced", "quote", "quotes", "quoted", "number", "numbers",
    "estimate", "estimates", "bid", "bids", "expensive", "cheap", "cheaper", "cheapest",
    "pricey", "budget", "afford", "cost", "charge", "steep", "money", "ballpark", "spend", "pay",
})
# fmt: on


def detect_voicemail_greeting(scan: Scan) -> list[Cue]:
    """Return voicemail greeting and left-message cues."""
    return phrase_cues(scan, ("voicemail_greeting", "voicemail_hint", "voicemail_message"))


def detect_live_answer(scan: Scan) -> list[Cue]:
    """Return cues of a person answering live ("how can I help you")."""
    return phrase_cues(scan, ("live_answer",))


def detect_booking(scan: Scan) -> list[Cue]:
    """Return booking, service-request, confirmation, address and visit-time cues."""
    # A visit asked about inside a price question ("is there a charge to come out and look
    # at it?") or a job enquiry ("any openings for a plumber?") is that first, so such
    # booking cues count for less.
    view = scan.view
    other = {view.token_sentence[h.first] for g in BOOKING_RIVALS for h in scan.group(g)}
    # "He can drop off a resume." "Great, I'll have him come by." answers about the job.
    other |= _reply_sentences(view, scan.group("job_seeker_business"))
    cues = [
        cue_from_hit(scan, hit, confidence=hit.confidence * RIVALLED_BOOKING)
        if view.token_sentence[hit.first] in other
        else cue_from_hit(scan, hit)
        for hit in scan.group("booking")
    ]
    groups = (
        "booking_confirm",
        "booking_accept",
        "booking_business",
        "visit_promised",
        "service_request",
    )
    return cues + phrase_cues(scan, groups) + detect_address(scan) + detect_time_slot(scan)


def _reply_sentences(view: TranscriptView, hits: list[Hit]) -> set[int]:
    """Return the sentences of the unit that follows each hit's unit."""
    out: set[int] = set()
    for hit in hits:
        nxt = view.token_unit[hit.first] + 1
        if nxt < len(view.unit_tokens):
            lo, hi = view.unit_tokens[nxt]
            out.update(view.token_sentence[t] for t in range(lo, hi))
    return out


def detect_time_slot(scan: Scan) -> list[Cue]:
    """Return a cue for each visit time being set ("Thursday at ten", "tomorrow around 2 pm")."""
    view, raw = scan.view, scan.view.raw_tokens
    weight = scan.lexicon.weight("appointment_time")
    cues: list[Cue] = []
    for i, token in enumerate(raw):
        if token not in DAY_WORDS or (i > 0 and raw[i - 1] in PAST_WORDS):
            continue
        end = min(len(raw), i + 4)
        follow = [j for j in range(i + 1, end) if view.token_sentence[j] == view.token_sentence[i]]
        slot = next((j for j in follow if raw[j] in SLOT_WORDS or _is_house_number(raw[j])), None)
        if slot is not None:
            last = slot + 1 if slot + 1 < len(raw) and _is_house_number(raw[slot + 1]) else slot
            first_word, last_word = view.token_word[i], view.token_last_word[last]
            cues.append(cue_from_span(view, "appointment_time", weight, first_word, last_word))
            if _business_can(view, i):
                visit = scan.lexicon.weight_of("visit_promised")
                cues.append(cue_from_span(view, "visit_promised", visit, first_word, last_word))
            elif _answers_an_offer(view, i, scan.questions | scan.offers):
                # "Want me to come look? I'm over your way Thursday." "Fine. Thursday after four."
                taken = scan.lexicon.weight_of("booking_confirm")
                cues.append(cue_from_span(view, "booking_confirm", taken, first_word, last_word))
    return cues


_CAN = frozenset({"can", "could", "will"})


def _answers_an_offer(view: TranscriptView, token: int, asked: frozenset[int]) -> bool:
    """Return True when a caller's turn answers a business turn that asked or offered (stereo)."""
    unit = view.token_unit[token]
    if not view.stereo or unit == 0 or view.unit_speaker(unit) != "caller":
        return False
    if view.unit_speaker(unit - 1) != "business":
        return False
    lo, hi = view.unit_tokens[unit - 1]
    return any(view.token_sentence[t] in asked for t in range(lo, hi))


def _business_can(view: TranscriptView, token: int) -> bool:
    """Return True when the business says what it can do at a time ("We can treat it Friday")."""
    sentence = view.token_sentence[token]
    if view.speakers[view.token_segment[token]] == "caller":
        return False
    before = range(max(0, token - 8), token)
    said = [view.raw_tokens[t] for t in before if view.token_sentence[t] == sentence]
    return any(a in ("we", "i") and b in _CAN for a, b in itertools.pairwise(said))


def detect_address(scan: Scan) -> list[Cue]:
    """Return a cue for each street address: a house number, 1-3 name words, a street word."""
    if "address" not in scan.memo:
        scan.memo["address"] = _addresses(scan)
    return scan.memo["address"]


def _addresses(scan: Scan) -> list[Cue]:
    """Find the street addresses of a scan (see detect_address)."""
    view = scan.view
    weight = scan.lexicon.weight("address")
    cues: list[Cue] = []
    for i, raw in enumerate(view.raw_tokens):
        if raw not in STREET_WORDS:
            continue
        seg = view.token_segment[i]
        for j in range(i - 2, max(i - 5, -1), -1):
            names = view.raw_tokens[j + 1 : i]
            # "and" may sit inside a name the recogniser split ("roll and avenue" for Roland
            # Avenue), never right after the number ("twelve and a half").
            if view.token_segment[j] != seg or any(n in STOPWORDS - {"and"} for n in names):
                break
            if _is_house_number(view.raw_tokens[j]) and names[0] != "and":
                while (
                    j > 0
                    and view.token_segment[j - 1] == seg
                    and _is_house_number(view.raw_tokens[j - 1])
                ):
                    j -= 1  # "one twenty three Main Street" starts at "one"
                cues.append(
                    cue_from_span(
                        view, "address", weight, view.token_word[j], view.token_last_word[i]
                    )
                )
                break
    return cues + _answered_address(scan, {c.start for c in cues})


ANSWER_REACH = 4  # tokens of an answer taken as the street after its house number


def _answered_address(scan: Scan, found: set[float]) -> list[Cue]:
    """Return an address cue for a house number given in answer to "What's the address?"."""
    # The recogniser often mangles a street's name and drops its "Road" ("211 Cypress been
    # playing down"); a number that answers the question for the address is the address.
    view = scan.view
    weight = scan.lexicon.weight("address")
    questions = scan.questions
    cues: list[Cue] = []
    for unit in range(len(view.unit_tokens) - 1):
        lo, hi = view.unit_tokens[unit]
        asked = any(
            view.raw_tokens[t] == "address" and view.token_sentence[t] in questions
            for t in range(lo, hi)
        )
        if not asked or (view.stereo and view.unit_speaker(unit) != "business"):
            continue
        a_lo, a_hi = view.unit_tokens[unit + 1]
        if view.stereo and view.unit_speaker(unit + 1) != "caller":
            continue
        number = next(
            (t for t in range(a_lo, min(a_hi, a_lo + 2)) if _is_house_number(view.raw_tokens[t])),
            None,
        )
        if number is None or view.words[view.token_word[number]].start in found:
            continue
        last = min(a_hi - 1, number + ANSWER_REACH)
        cues.append(
            cue_from_span(
                view, "address", weight, view.token_word[number], view.token_last_word[last]
            )
        )
    return cues


def _is_house_number(token: str) -> bool:
    """Return True for a written or spoken house number."""
    return bool(_NUMERIC.match(token)) or token in NUMBER_WORDS


def detect_price(scan: Scan) -> list[Cue]:
    """Return price-question and price-only (comparing, too expensive) cues."""
    asked = phrase_cues(scan, ("price_question",))
    undecided = phrase_cues(scan, ("price_only", "noncommittal"))
    priced = any(
        MONEY_TALK & set(h.phrase.text.split()) for h in scan.group("price_only")
    )  # "I'm getting numbers from a few places"
    if asked or priced or _money_said(scan):
        return asked + undecided
    # "I'll talk it over with my husband" after questions about the work, with no word of
    # money, is a caller still deciding, not one shopping on price.
    return [
        c.model_copy(update={"confidence": round(c.confidence * UNPRICED, 4)}) for c in undecided
    ]


def _money_said(scan: Scan) -> bool:
    """Return True when anyone may name an amount ("$150", "between 1800 and 3000")."""
    # A three- or four-digit number is most often a price on these calls; when it is a year
    # or a phone number, the price cues merely keep their full weight, as before.
    view = scan.view
    return any(
        t in MONEY_WORDS or (t.isdigit() and 3 <= len(t) <= 4) for t in view.raw_tokens
    ) or any("$" in w.text for w in view.words)


def detect_wrong_number(scan: Scan) -> list[Cue]:
    """Return wrong-number cues and asks for a business that is not a home service."""
    groups = ("wrong_number", "other_business", "not_this_business")
    return phrase_cues(scan, groups) + detect_no_such_person(scan) + _is_this_other(scan)


ASKED_IF_OTHER = 0.9  # share of the wrong-number weight for "Is this the gas company?"


def _is_this_other(scan: Scan) -> list[Cue]:
    """Return a wrong-number cue when the caller asks whether this is another kind of place."""
    # "Is this the gas company?" asks for somebody else by the question itself; the same
    # words in "my bill from the gas company" are only a mention (other_business).
    view = scan.view
    questions = scan.questions
    weight = scan.lexicon.weight_of("wrong_number") * ASKED_IF_OTHER
    cues = []
    for hit in scan.group("other_business"):
        sentence = view.token_sentence[hit.first]
        reach = range(max(0, hit.first - 3), hit.last + 1)
        said = [view.raw_tokens[t] for t in reach if view.token_sentence[t] == sentence]
        if sentence in questions and ("is", "this") in set(itertools.pairwise(said)):
            cues.append(cue_from_hit(scan, hit, "wrong_number", weight))
    return cues


NO_SUCH_PERSON = 0.85  # share of the wrong-number weight for "there's no Tony here"
_NOT_NAMES_TEXT = "i problem worries way one thanks sir ma'am hot water power heat"
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())


def detect_no_such_person(scan: Scan) -> list[Cue]:
    """Return a wrong-number cue for "there's no Tony here" / "we don't have a Maria here"."""
    view = scan.view
    words = view.words
    weight = scan.lexicon.weight_of("wrong_number") * NO_SUCH_PERSON
    cues: list[Cue] = []
    for i in range(len(words) - 2):
        before = words[i].text.strip(" ,.?!").lower()
        if before not in ("no", "a", "any"):
            continue
        name = words[i + 1].text.strip(" ,.?!")
        after = words[i + 2].text.strip(" ,.?!").lower()
        same_turn = words[i].segment == words[i + 1].segment == words[i + 2].segment
        if (
            same_turn
            and name[:1].isupper()
            and name.lower() not in _NOT_NAMES
            and name.lower() not in STOPWORDS
            and not words[i].text.rstrip().endswith((",", ".", "?", "!"))
            and after in ("here", "around", "working")
        ):
            cues.append(cue_from_span(view, "wrong_number", weight, i, i + 2))
    return cues


def detect_spam(scan: Scan) -> list[Cue]:
    """Return solicitation, robocall and line-test cues."""
    groups = ("spam", "robocall", "system_test", "spam_response", "solicitation_hint")
    return phrase_cues(scan, (*groups, "personal_errand"))


def detect_existing_customer(scan: Scan) -> list[Cue]:
    """Return cues of a caller about past work, a bill, or a job they already called about."""
    return phrase_cues(scan, ("existing_customer", "existing_customer_business", "repeat_caller"))


def detect_job_seeker(scan: Scan) -> list[Cue]:
    """Return cues of a caller looking for work (or coming in), and of the business answering."""
    return phrase_cues(scan, ("job_seeker", "job_seeker_business", "caller_visits"))
