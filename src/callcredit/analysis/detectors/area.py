"""Service-area detector: ZIP codes and places the caller mentions versus the service area."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from ..lexicon import Scan
from ..matcher import Hit, Phrase, PhraseMatcher
from ..models import Cue
from ..text import MONEY_WORDS, STOPWORDS, digits_of_run, is_number_token, normalize_phrase
from ..view import TranscriptView
from .common import caller_units, cue_from_hit, cue_from_span, phrase_cues
from .phrases import detect_address

_ZIP = re.compile(r"^\d{5}(?:-\d{4})?$")
ZIP_INTRO_REACH = 5
PLACE_WORDS = 3
PLACE_MATCH = 85.0
# Capitalised words after "in"/"near" that are not places.
_NOT_PLACES_TEXT = (
    "january february march april may june july august september october november "
    "december monday tuesday wednesday thursday friday saturday sunday spanish english i "
    "i'm mr mrs ms dr doctor god oh well yes yeah yep no nope okay ok um uh sorry hi hello "
    "hey thanks thank please just actually like so but and or anyway alright right sure "
    "shoot gosh wow hmm man dude today tomorrow tonight"
)
# Words that tiny.en writes for a spoken digit ("for 3015" is "four three zero one five").
DIGIT_HOMOPHONES = {"for": "4", "fore": "4", "to": "2", "too": "2", "won": "1", "ate": "8"}
# Street words: a number followed by a street name and one of these is a house number.
_STREETS_TEXT = (
    "street st avenue ave road rd drive dr lane ln court ct way boulevard blvd place pl "
    "circle cir terrace parkway pkwy highway hwy trail loop row square pike"
)
STREET_WORDS = frozenset(_STREETS_TEXT.split())
HOUSE_NUMBER_REACH = 4  # tokens after a number within which a street word makes it an address
NOT_PLACES = frozenset(_NOT_PLACES_TEXT.split())


@dataclass(frozen=True)
class ZipMention:
    """A ZIP code said in the call, at words [first_word, last_word]."""

    zip: str
    first_word: int
    last_word: int
    first_token: int
    introduced: bool  # "my zip code is ..." came just before


@dataclass(frozen=True)
class ServiceArea:
    """A business's service area split into ZIP codes and place names."""

    zips: frozenset[str]
    places: tuple[str, ...]

    @classmethod
    def parse(cls, entries: list[str]) -> ServiceArea:
        """Split entries such as ["95814", "Sacramento", "Elk Grove"] into ZIPs and places."""
        zips = frozenset(e.strip()[:5] for e in entries if _ZIP.match(e.strip()))
        places = tuple(e.strip() for e in entries if e.strip() and not _ZIP.match(e.strip()))
        return cls(zips, places)


def _number_runs(view: TranscriptView) -> list[tuple[int, int]]:
    """Return [first, last] token ranges of consecutive number tokens within one turn."""
    runs: list[tuple[int, int]] = []
    start = None
    for i, raw in enumerate(view.raw_tokens):
        continues = start is not None and view.token_segment[i] == view.token_segment[i - 1]
        # "oh"/"o" is a zero only inside a run of digits ("nine five eight oh one").
        if is_number_token(raw) or (continues and raw in ("oh", "o")):
            if not continues:
                if start is not None:
                    runs.append((start, i - 1))
                start = i
            continue
        if start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(view.raw_tokens) - 1))
    return runs


def extract_zips(
    view: TranscriptView,
    intro_tokens: set[int] | None = None,
    regions: frozenset[str] = frozenset(),
) -> list[ZipMention]:
    """Return ZIP codes said as "95814", "9 5 8 1 4", "nine five eight one four" or similar.

    `regions` are the first two digits of the service area's ZIP codes: a four-digit run
    next to a word ASR writes for a digit ("for 3015") is read as a ZIP code only when the
    result lies in one of them, as a caller of a local business most likely does.
    """
    intro_tokens = intro_tokens or set()
    found: list[ZipMention] = []
    for first, last in _number_runs(view):
        while last >= first and view.raw_tokens[last] in ("oh", "o"):
            last -= 1
        if last < first:
            continue
        digits = digits_of_run(view.raw_tokens[first : last + 1])
        if len(digits) == 9 and len(view.raw_tokens[first]) == 5:
            digits = digits[:5]  # ZIP+4: "95814-1234"
        if len(digits) == 4 and regions:
            first, last, digits = _with_homophone(view, first, last, digits, regions)
        if len(digits) != 5 or _is_money(view, first, last) or _is_house_number(view, last):
            continue
        introduced = any(t in intro_tokens for t in range(first - ZIP_INTRO_REACH, first))
        found.append(
            ZipMention(
                digits, view.token_word[first], view.token_last_word[last], first, introduced
            )
        )
    return found


def _with_homophone(
    view: TranscriptView, first: int, last: int, digits: str, regions: frozenset[str]
) -> tuple[int, int, str]:
    """Extend a four-digit run by a digit-sounding word just before or after it."""
    seg = view.token_segment[first]
    before = first - 1
    if before >= 0 and view.token_segment[before] == seg:
        digit = DIGIT_HOMOPHONES.get(view.raw_tokens[before])
        if digit and (digit + digits)[:2] in regions:
            return before, last, digit + digits
    after = last + 1
    if after < len(view.raw_tokens) and view.token_segment[after] == seg:
        digit = DIGIT_HOMOPHONES.get(view.raw_tokens[after])
        if digit and (digits + digit)[:2] in regions:
            return first, after, digits + digit
    return first, last, digits


def _is_house_number(view: TranscriptView, last: int) -> bool:
    """Return True when a street word follows the number in its turn ("3408 Bayshore Blvd")."""
    seg, sentence = view.token_segment[last], view.token_sentence[last]
    end = min(len(view.raw_tokens), last + 1 + HOUSE_NUMBER_REACH)
    for j in range(last + 1, end):
        # "3-0-4-5-8. That's a good way out" - the next sentence's "way" is no street.
        if view.token_segment[j] != seg or view.token_sentence[j] != sentence:
            return False
        if view.raw_tokens[j] in STREET_WORDS:
            return True
    return False


def _is_money(view: TranscriptView, first: int, last: int) -> bool:
    """Return True when the number is an amount ("$12,500", "twelve thousand dollars")."""
    word = view.words[view.token_word[first]].text
    after = view.raw_tokens[last + 1] if last + 1 < len(view.raw_tokens) else ""
    return "$" in word or after in MONEY_WORDS


def detect_zips(scan: Scan, area: ServiceArea) -> list[Cue]:
    """Return zip_inside / zip_outside cues for ZIP codes the caller says."""
    if not area.zips:
        return []
    view = scan.view
    callers = set(caller_units(scan))
    intro = {t for h in scan.group("zip_intro") for t in range(h.first, h.last + 1)}
    regions = frozenset(z[:2] for z in area.zips)
    cues = []
    for mention in extract_zips(view, intro, regions):
        if view.token_unit[mention.first_token] not in callers:
            continue
        name = "zip_inside" if mention.zip in area.zips else "zip_outside"
        weight = scan.lexicon.weight(name) * (1.0 if mention.introduced else 0.85)
        cues.append(
            cue_from_span(view, name, weight, mention.first_word, mention.last_word, mention.zip)
        )
    return cues


@lru_cache(maxsize=256)
def _place_matcher(places: tuple[str, ...]) -> PhraseMatcher:
    """Compile a matcher for one service area's place names."""
    return PhraseMatcher(Phrase("place", p, normalize_phrase(p)) for p in places)


def _named_place(view: TranscriptView, after_word: int) -> tuple[int, int] | None:
    """Return words [first, last] of a capitalised place name right after `after_word`."""
    if view.words[after_word].text.rstrip().endswith((".", "?", "!")):
        return None  # "What part of town are you in? Oh, ..." names no place
    return _place_from(view, after_word + 1, view.words[after_word].segment)


def _place_from(view: TranscriptView, first: int, seg: int) -> tuple[int, int] | None:
    """Return words [first, last] of a capitalised place name starting at word `first`."""
    last = None
    for w in range(first, min(first + PLACE_WORDS, len(view.words))):
        word = view.words[w]
        bare = word.text.strip(" ,.?!;:\"'")
        lower = bare.lower()
        if (
            word.segment != seg
            or not bare[:1].isupper()
            or lower in STOPWORDS
            or lower in NOT_PLACES
        ):
            break
        last = w
        if word.text.rstrip().endswith((",", ".", "?", "!", ";")):
            break
    return None if last is None else (first, last)


# Words an answer may open with before the place ("Oh, it's in Latham", "Um, Berlin").
_ANSWER_OPENERS = frozenset(
    {
        "oh", "um", "uh", "well", "yeah", "yes", "so", "okay", "ok", "it's", "its", "that's",
        "we're", "i'm", "in", "out", "up", "down", "over", "the", "at", "by", "near",
    }
)  # fmt: skip


ANSWERED = 0.8  # share of a place's weight when it opens the answer to "what town?"


def _answered_place(view: TranscriptView, question: int) -> tuple[int, int] | None:
    """Return words [first, last] of a place that opens the answer to the question unit."""
    answer = question + 1
    if answer >= len(view.unit_tokens):
        return None
    if view.stereo and view.unit_speaker(answer) != "caller":
        return None
    lo, hi = view.unit_tokens[answer]
    t = lo
    while t < hi and t - lo < 3 and view.raw_tokens[t] in _ANSWER_OPENERS:
        t += 1
    if t >= hi:
        return None
    first = view.token_word[t]
    return _place_from(view, first, view.words[first].segment)


def _listed(view: TranscriptView, hits: list[Hit]) -> set[int]:
    """Return the first words of places listed two or more together ("Bedford, Goffstown")."""
    # A run of served towns with nothing between them but commas or "and" is the business
    # reciting where it goes, not the caller saying where the job is.
    out: set[int] = set()
    ordered = sorted(hits, key=lambda h: h.first)
    for a, b in itertools.pairwise(ordered):
        between = view.raw_tokens[a.last + 1 : b.first]
        if a.phrase.text != b.phrase.text and all(t in ("and", "or") for t in between):
            out.update((view.token_word[a.first], view.token_word[b.first]))
    return out


def detect_places(scan: Scan, area: ServiceArea) -> list[Cue]:
    """Return place_inside for service-area places named, place_outside for other places."""
    if not area.places:
        return []
    view = scan.view
    callers = set(caller_units(scan))
    cues = []
    hits = _place_matcher(area.places).match(view)
    listed = _listed(view, hits)
    for hit in hits:
        if view.token_unit[hit.first] in callers and view.token_word[hit.first] not in listed:
            first, last = view.token_word[hit.first], view.token_last_word[hit.last]
            weight = scan.lexicon.weight("place_inside") * hit.score
            cues.append(cue_from_span(view, "place_inside", weight, first, last, hit.phrase.text))
    known = {c.start for c in cues}
    named = [
        (_named_place(view, view.token_last_word[h.last]), 1.0) for h in scan.group("area_intro")
    ]
    # An answer may open with a street or a misheard word rather than a town: it counts less.
    asked = [
        (_answered_place(view, view.token_unit[h.last]), ANSWERED)
        for h in scan.group("area_question")
    ]
    # "...on Tower Avenue in Superior": the town after a street is where the street is.
    streets = [
        (_named_place(view, view.token_last_word[t + 1]), 1.0)
        for t in range(len(view.raw_tokens) - 2)
        if view.raw_tokens[t] in STREET_WORDS
        and view.raw_tokens[t + 1] == "in"
        and view.speakers[view.token_segment[t]] != "business"
    ]
    for found, share in named + asked + streets:
        if found is None or found[0] in listed or view.words[found[0]].start in known:
            continue
        known.add(view.words[found[0]].start)
        name = view.span(*found).text.strip(" ,.?!;:")
        if name.split()[-1].lower() in STREET_WORDS:
            continue  # "just off Abbott Road" names a street, which says nothing of the area
        inside = _known_place(name, area.places)
        if inside is not None:
            weight = scan.lexicon.weight("place_inside") * 0.9
            cues.append(cue_from_span(view, "place_inside", weight, found[0], found[1], inside))
        else:
            weight = scan.lexicon.weight("place_outside") * share
            cues.append(cue_from_span(view, "place_outside", weight, found[0], found[1], name))
    return cues


def _known_place(name: str, places: tuple[str, ...]) -> str | None:
    """Return the service-area place a named place is, or lies in ("South Tampa"), or None."""
    lower = name.lower()
    words = lower.replace("-", " ").split()
    for place in places:
        p = place.lower()
        if fuzz.ratio(lower, p) >= PLACE_MATCH:
            return place
        # "South Tampa", "Downtown Denver", "East Nashville": a part of a served place.
        n = len(p.split())
        spans = (" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        if any(fuzz.ratio(span, p) >= PLACE_MATCH for span in spans):
            return place
    return None


def detect_visit_after_place(scan: Scan, located: list[Cue]) -> list[Cue]:
    """Return the visits the business promises once it has heard where the job is."""
    # "We can do that. Where's the property?" promises a visit before the place is known,
    # which says nothing of the area; after "we're in East Lansing" it says the business goes.
    if not located:
        return []
    heard = min(c.start for c in located)
    weight = scan.lexicon.weight("visit_after_place")
    # The caller taking a time ("Thursday's good") after saying where is a visit agreed too.
    hits = scan.group("visit_promised") + scan.group("booking_confirm")
    return [
        cue_from_hit(scan, hit, name="visit_after_place", confidence=weight * hit.score)
        for hit in hits
        if scan.view.words[scan.view.token_word[hit.first]].start > heard
    ]


def detect_area(scan: Scan, service_area: list[str]) -> list[Cue]:
    """Return every out-of-area / in-area cue: ZIPs, places and what the business says."""
    area = ServiceArea.parse(service_area)
    groups = ("out_of_area_business", "out_of_area_caller", "in_area_business")
    located = detect_zips(scan, area) + detect_places(scan, area)
    visits = detect_visit_after_place(scan, located + detect_address(scan))
    return _corrected(scan, located + visits + phrase_cues(scan, groups))


OUTSIDE = frozenset({"zip_outside", "place_outside", "out_of_area_business", "out_of_area_caller"})
CORRECTED = 0.3  # share of an out-of-area cue heard before "it's not my house, it's my mom's"


def _corrected(scan: Scan, cues: list[Cue]) -> list[Cue]:
    """Discount the out-of-area cues heard before the caller says the job is somewhere else.

    "I'm calling from Staten Island." "We don't go over to the island." "No, wait, it's
    my mother's place in Metuchen": where the caller lives is not where the job is.
    """
    view = scan.view
    said = [view.words[view.token_word[h.first]].start for h in scan.group("job_elsewhere")]
    if not said:
        return cues
    turn = min(said)
    return [
        c.model_copy(update={"confidence": round(c.confidence * CORRECTED, 4)})
        if c.cue in OUTSIDE and c.start < turn
        else c
        for c in cues
    ]
