"""Category detector: what service the caller needs versus the business's category."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..lexicon import Scan
from ..matcher import Hit
from ..models import Cue
from ..view import TranscriptView
from .common import business_like_units, caller_units, cue_from_hit, cue_from_span, phrase_cues
from .phrases import detect_address

SPEAKER_WEIGHT = {"caller": 1.0, "unknown": 0.9, "business": 0.5}
MENTION = 0.6  # strength of one mention of a category phrase
MISMATCH_FULL = 0.75  # category strength (about two mentions) for a mismatch at full weight
INTRO_REACH = 8  # tokens after "thanks for calling" that name the business, not the need
# Nouns that end a business describing itself: "this is a junk hauling company".
_BUSINESS_NOUNS_TEXT = (
    "company companies business service services outfit shop contractor contractors "
    "specialist specialists pros experts crew people guys folks"
)
BUSINESS_NOUNS = frozenset(_BUSINESS_NOUNS_TEXT.split())
REFERRAL_REACH = 3  # tokens between "you'd want a" and the trade it names
_FILLER_ARTICLES = frozenset({"a", "an", "the", "just", "only", "mainly", "mostly"})
RELATED_REFERRAL = 0.5  # a referral to a close trade counts for this share
# Turns where a category word is not a need ("I'm a plumber looking for work").
# Words that make a trade a guess ("I might need an electrician, I'm not sure"): a
# guessed trade counts for half, so what the business finds can outweigh it.
HEDGES = frozenset({"might", "maybe", "probably", "perhaps", "possibly", "unsure", "either"})
HEDGE_PAIRS = frozenset({("dont", "know"), ("not", "sure"), ("no", "idea")})
HEDGE_REACH = 5  # tokens before a trade word that a hedge reaches
HEDGED = 0.5
NOT_A_NEED = ("job_seeker", "spam", "robocall", "wrong_number", "other_business", "system_test")


@dataclass
class CategoryScore:
    """How strongly the call points at one category, and the hits behind it."""

    slug: str
    score: float = 0.0
    hits: list[Hit] = field(default_factory=list)


def _intro_tokens(scan: Scan) -> set[int]:
    """Return tokens where the business names itself ("thanks for calling Ace Plumbing")."""
    view = scan.view
    out: set[int] = set()
    # The business usually answers with its name: "Ace Plumbing, how can I help you?"
    lo, hi = next(((lo, hi) for lo, hi in view.unit_tokens if hi > lo), (0, 0))
    if hi > lo and view.speakers[view.token_segment[lo]] != "caller":
        out.update(range(lo, min(hi, lo + INTRO_REACH)))
    # "This is Ace Plumbing" names the business only when the business says it.
    business = set() if view.stereo else business_like_units(scan)
    answered = hi > lo and view.speakers[view.token_segment[lo]] != "caller"
    first_unit = view.token_unit[lo] if answered else -1
    self_intros = [
        h
        for h in scan.group("self_intro")
        if scan.speaker(h) == "business" or view.token_unit[h.first] in business | {first_unit}
    ]
    for hit in scan.group("business_intro") + self_intros:
        _, unit_hi = view.unit_tokens[view.token_unit[hit.first]]
        out.update(range(hit.last + 1, min(unit_hi, hit.last + 1 + INTRO_REACH)))
    # "We just take care of pools": the business's own trade, words of the phrase included.
    for hit in scan.group("own_trade"):
        _, unit_hi = view.unit_tokens[view.token_unit[hit.first]]
        out.update(range(hit.first, min(unit_hi, hit.last + 1 + INTRO_REACH)))
    if not view.stereo:
        out |= _we_are_a_trade(scan)
    # Whoever says "this is a ... company" (or "we're tree people") describes the business.
    for hit in scan.group("self_intro") + scan.group("business_intro"):
        _, unit_hi = view.unit_tokens[view.token_unit[hit.first]]
        reach = range(hit.last + 1, min(unit_hi, hit.last + 1 + INTRO_REACH // 2))
        noun = next((t for t in reach if view.raw_tokens[t] in BUSINESS_NOUNS), None)
        if noun is not None:
            out.update(range(hit.last + 1, noun + 1))
    return out


def _we_are_a_trade(scan: Scan) -> set[int]:
    """Return mono tokens where the business names its trade: "We're locksmiths, we do locks"."""
    # Only the trade's name for its people ("locksmith", "roofers") after "we're", or a
    # trade word right after "we do": a caller's "we're re-roofing the house" is a need.
    view = scan.view
    agents = scan.lexicon.trade_names
    out: set[int] = set()
    for t in range(len(view.raw_tokens) - 1):
        said = view.words[view.token_word[t]].text.strip(" ,.?!").lower().replace("\u2019", "'")
        nxt = t + 1
        if said == "we're":
            while nxt < len(view.tokens) - 1 and view.raw_tokens[nxt] in _FILLER_ARTICLES:
                nxt += 1
            if view.tokens[nxt] in agents and view.token_sentence[nxt] == view.token_sentence[t]:
                out.add(nxt)
        elif (
            view.raw_tokens[t] == "we"
            and view.raw_tokens[nxt] == "do"
            and nxt + 1 < len(view.tokens)
            and view.token_sentence[nxt + 1] == view.token_sentence[t]
        ):
            out.add(nxt + 1)
    return out


def category_scores(scan: Scan, caller_only: bool = False) -> list[CategoryScore]:
    """Return categories the call mentions, strongest first (distinct phrases add up)."""
    intro = _intro_tokens(scan)
    business = set() if scan.view.stereo else business_like_units(scan)
    scores: list[CategoryScore] = []
    for slug, hits in scan.categories().items():
        best_per_phrase: dict[str, tuple[float, Hit]] = {}
        for hit in hits:
            speaker = scan.speaker(hit)
            if scan.view.token_unit[hit.first] in business:
                speaker = "business"  # mono: said in a turn that sounds like the business
            if hit.first in intro or (caller_only and speaker == "business"):
                continue
            if ruled_out(scan.view, hit):
                continue
            strength = hit.score * MENTION * SPEAKER_WEIGHT[speaker] * hedged(scan.view, hit)
            if strength > best_per_phrase.get(hit.phrase.text, (0.0, hit))[0]:
                best_per_phrase[hit.phrase.text] = (strength, hit)
        if not best_per_phrase:
            continue
        miss = 1.0
        for strength, _ in best_per_phrase.values():
            miss *= 1.0 - strength
        ranked = sorted(best_per_phrase.values(), key=lambda p: -p[0])
        scores.append(CategoryScore(slug, round(1.0 - miss, 4), [h for _, h in ranked]))
    return sorted(scores, key=lambda s: -s.score)


_RULED_OUT = frozenset({"not", "isnt", "wasnt", "aint"})
_DETERMINERS = frozenset({"the", "a", "an", "my", "your", "our", "that", "this", "its"})


def ruled_out(view: TranscriptView, hit: Hit) -> bool:
    """Return True for a trade word that is ruled out: "it's a plumbing leak, not the washer"."""
    t = hit.first - 1
    if t >= 0 and view.raw_tokens[t] in _DETERMINERS:
        t -= 1
    if t < 0 or view.tokens[t] not in _RULED_OUT:
        return False
    return view.token_sentence[t] == view.token_sentence[hit.first]


def hedged(view: TranscriptView, hit: Hit) -> float:
    """Return HEDGED when a hedge word comes just before the hit in its sentence, else 1."""
    sentence = view.token_sentence[hit.first]
    lo = max(0, hit.first - HEDGE_REACH)
    near = (t for t in range(lo, hit.last + 1) if view.token_sentence[t] == sentence)
    said = [view.raw_tokens[t] for t in near]
    unsure = any(pair in HEDGE_PAIRS for pair in itertools.pairwise(said))
    return HEDGED if unsure or any(t in HEDGES for t in said) else 1.0


def detect_service_need(scan: Scan) -> list[Cue]:
    """Return a cue for the caller's strongest mention of any service in the taxonomy."""
    view = scan.view
    caller = set(caller_units(scan))
    # "Is this Dr. Patel's office? I need to move my cleaning." The sentence after one
    # that asks for someone else (same turn) is about that errand too.
    blocked: set[int] = set()
    for g in NOT_A_NEED:
        for h in scan.group(g):
            sentence = view.token_sentence[h.first]
            blocked.add(sentence)
            nxt = next(
                (
                    t
                    for t in range(h.last + 1, len(view.tokens))
                    if view.token_sentence[t] != sentence
                ),
                None,
            )
            if nxt is not None and view.token_segment[nxt] == view.token_segment[h.first]:
                blocked.add(view.token_sentence[nxt])
    intro = _intro_tokens(scan)
    weight = scan.lexicon.weight("service_need")
    best: tuple[float, Hit, str] | None = None
    for slug, hits in scan.categories().items():
        for hit in hits:
            unit, sentence = view.token_unit[hit.first], view.token_sentence[hit.first]
            if unit not in caller or sentence in blocked or hit.first in intro:
                continue
            if (
                ruled_out(view, hit)
                or set(view.tokens[hit.first : hit.last + 1]) <= scan.name_stems
            ):
                continue  # ruled out, or the business's name said back ("Pest control? Oh...")
            if best is None or hit.score > best[0]:
                best = (hit.score, hit, slug)
    if best is None:
        return []
    return [cue_from_hit(scan, best[1], "service_need", weight * best[0], best[2])]


def detect_referrals(scan: Scan, own: str | None) -> list[Cue]:
    """Return cues where someone sends the caller to another trade ("you'd want a chimney sweep").

    From the business this is the business saying the job is not theirs; from the caller,
    the caller deciding to look elsewhere ("I'll track down a plumber"). A trade close to the
    business's counts for less from the business and not at all from the caller.
    """
    if own is None:
        return []
    view, lexicon = scan.view, scan.lexicon
    related = set(lexicon.taxonomy.categories[own].related)
    related |= {s for s, c in lexicon.taxonomy.categories.items() if own in c.related}
    starts: dict[int, list[tuple[str, Hit]]] = {}
    for slug, hits in scan.categories().items():
        for hit in hits:
            starts.setdefault(hit.first, []).append((slug, hit))
    business = set() if view.stereo else business_like_units(scan)
    cues: list[Cue] = []
    seen: set[str] = set()
    # "We don't do concrete", "we're strictly fences": the business saying what it does
    # not do names the trade it sends the caller to, as "you'll want a ..." does.
    scoped = [h for h in scan.group("business_scope") if not h.phrase.text.startswith("we only")]
    for intro in scan.group("referral_intro") + scoped:
        found = _referred_trade(view, intro, starts, own)
        if found is None:
            continue
        slug, hit = found
        speaker = "business" if intro.phrase.group == "business_scope" else scan.speaker(intro)
        # In mono, "you'll want a garage door company" is the business talking: a caller
        # says what they need, not what the other side wants.
        addressed = speaker == "unknown" and intro.phrase.text.startswith("you")
        from_business = (
            speaker == "business" or view.token_unit[intro.first] in business or addressed
        )
        if from_business:
            name, share = "wrong_category_business", RELATED_REFERRAL if slug in related else 1.0
        elif slug in related:
            continue
        else:
            name, share = "wrong_category_caller", 1.0
        if name in seen:
            continue
        seen.add(name)
        weight = lexicon.cues[name].weight * share * hit.score * hedged(view, intro)
        first, last = view.token_word[intro.first], view.token_last_word[hit.last]
        cues.append(cue_from_span(view, name, weight, first, last, slug))
    return cues


def _referred_trade(
    view: TranscriptView, intro: Hit, starts: dict[int, list[tuple[str, Hit]]], own: str
) -> tuple[str, Hit] | None:
    """Return the other trade named just after a referral's words, if any (same turn)."""
    seg = view.token_segment[intro.last]
    for t in range(intro.last + 1, min(len(view.tokens), intro.last + 1 + REFERRAL_REACH)):
        if view.token_segment[t] != seg:
            return None
        found = next(((s, h) for s, h in starts.get(t, []) if s != own), None)
        if found is not None or any(s == own for s, _ in starts.get(t, [])):
            return found
    return None


def detect_job_accepted(scan: Scan) -> list[Cue]:
    """Return `job_accepted` when the business agrees to do the job and the caller takes it.

    A business sends someone only for work it does, so a promised visit (and the caller
    agreeing to it) speaks against a wrong-category claim, whatever the words for the work.
    """
    view = scan.view
    refused = {view.token_sentence[h.first] for h in scan.group("wrong_category_business")}
    best: dict[str, Hit] = {}
    for group in ("visit_promised", "booking_confirm"):
        for hit in scan.group(group):
            if view.token_sentence[hit.first] in refused:
                continue
            if group not in best or hit.confidence > best[group].confidence:
                best[group] = hit
    if not best:
        return []
    miss = 1.0
    for hit in best.values():
        miss *= 1.0 - hit.confidence
    # A caller who gives the address once a visit is promised has taken the visit; one who
    # asked for the visit ("Can you come today?") is given what they asked for.
    visit = best.get("visit_promised")
    if visit is not None:
        start = view.words[view.token_word[visit.first]].start
        given = [c.confidence for c in detect_address(scan) if c.start > start]
        asked = [h.confidence for h in scan.group("booking") if h.last < visit.first]
        miss *= (1.0 - max(given, default=0.0)) * (1.0 - max(asked, default=0.0))
    strength = scan.lexicon.weight("job_accepted") * (1.0 - miss)
    first = min(best.values(), key=lambda h: h.first)
    return [cue_from_hit(scan, first, "job_accepted", strength)]


def detect_category(scan: Scan, business_category: str | None) -> list[Cue]:
    """Return category_match / category_mismatch / category_related and the business's words."""
    groups = ("wrong_category_business", "wrong_category_caller", "business_scope", "referral")
    taxonomy, lexicon = scan.lexicon.taxonomy, scan.lexicon
    own = taxonomy.resolve(business_category)
    cues = phrase_cues(scan, groups) + detect_referrals(scan, own)
    # The caller's words say what they need; the business's only count when the caller's
    # do not name a service (e.g. the business repeats it back: "a water heater, sure").
    scores = category_scores(scan, caller_only=True) or category_scores(scan)
    if own is None:
        return cues  # without the business's trade, whether it took the job says nothing
    cues += detect_job_accepted(scan)
    if not scores:
        return cues
    top = scores[0]
    mine = next((s for s in scores if s.slug == own), CategoryScore(own))
    if mine.score >= 0.6 * top.score:
        strength = lexicon.weight("category_match") * min(1.0, mine.score / MENTION)
        return cues + [
            cue_from_hit(scan, h, "category_match", strength, own) for h in mine.hits[:2]
        ]
    related = (
        own in taxonomy.categories[top.slug].related or top.slug in taxonomy.categories[own].related
    )
    if related:
        strength = lexicon.weight("category_related")
        return [*cues, cue_from_hit(scan, top.hits[0], "category_related", strength, top.slug)]
    # One passing mention of another trade's word is weaker evidence than several.
    strength = (
        lexicon.weight("category_mismatch") * min(1.0, top.score / MISMATCH_FULL) * (1 - mine.score)
    )
    return cues + [
        cue_from_hit(scan, h, "category_mismatch", strength, top.slug) for h in top.hits[:2]
    ]


def best_category(scan: Scan) -> str | None:
    """Return the slug the call points at most, or None."""
    scores = category_scores(scan)
    return scores[0].slug if scores else None
