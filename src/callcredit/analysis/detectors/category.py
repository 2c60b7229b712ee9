"""Category detector: what service the caller needs versus the business's category."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..lexicon import Scan
from ..matcher import Hit
from ..models import Cue
from .common import business_like_units, caller_units, cue_from_hit, phrase_cues

SPEAKER_WEIGHT = {"caller": 1.0, "unknown": 0.9, "business": 0.5}
MENTION = 0.6  # strength of one mention of a category phrase
INTRO_REACH = 8  # tokens after "thanks for calling" that name the business, not the need
# Turns where a category word is not a need ("I'm a plumber looking for work").
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
    first_unit = view.token_unit[lo] if hi > lo else -1
    self_intros = [
        h
        for h in scan.group("self_intro")
        if scan.speaker(h) == "business" or view.token_unit[h.first] in business | {first_unit}
    ]
    for hit in scan.group("business_intro") + self_intros:
        _, unit_hi = view.unit_tokens[view.token_unit[hit.first]]
        out.update(range(hit.last + 1, min(unit_hi, hit.last + 1 + INTRO_REACH)))
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
            strength = hit.score * MENTION * SPEAKER_WEIGHT[speaker]
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


def detect_service_need(scan: Scan) -> list[Cue]:
    """Return a cue for the caller's strongest mention of any service in the taxonomy."""
    view = scan.view
    caller = set(caller_units(scan))
    blocked = {view.token_sentence[h.first] for g in NOT_A_NEED for h in scan.group(g)}
    intro = _intro_tokens(scan)
    weight = scan.lexicon.weight("service_need")
    best: tuple[float, Hit, str] | None = None
    for slug, hits in scan.categories().items():
        for hit in hits:
            unit, sentence = view.token_unit[hit.first], view.token_sentence[hit.first]
            if unit not in caller or sentence in blocked or hit.first in intro:
                continue
            if best is None or hit.score > best[0]:
                best = (hit.score, hit, slug)
    if best is None:
        return []
    return [cue_from_hit(scan, best[1], "service_need", weight * best[0], best[2])]


def detect_category(scan: Scan, business_category: str | None) -> list[Cue]:
    """Return category_match / category_mismatch / category_related and the business's words."""
    groups = ("wrong_category_business", "wrong_category_caller", "business_scope", "referral")
    cues = phrase_cues(scan, groups)
    taxonomy, lexicon = scan.lexicon.taxonomy, scan.lexicon
    own = taxonomy.resolve(business_category)
    # The caller's words say what they need; the business's only count when the caller's
    # do not name a service (e.g. the business repeats it back: "a water heater, sure").
    scores = category_scores(scan, caller_only=True) or category_scores(scan)
    if own is None or not scores:
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
    strength = (
        lexicon.weight("category_mismatch") * min(1.0, top.score / MENTION) * (1 - mine.score)
    )
    return cues + [
        cue_from_hit(scan, h, "category_mismatch", strength, top.slug) for h in top.hits[:2]
    ]


def best_category(scan: Scan) -> str | None:
    """Return the slug the call points at most, or None."""
    scores = category_scores(scan)
    return scores[0].slug if scores else None
