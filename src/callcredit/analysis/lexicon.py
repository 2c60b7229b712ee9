"""Load the phrase data (cues, taxonomy, rules) once and scan transcripts with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from rapidfuzz import fuzz

from callcredit.exceptions import ConfigurationError
from callcredit.transcription.schemas import Speaker

from .matcher import Hit, Phrase, PhraseMatcher
from .models import REASON_CODES, ReasonCode
from .text import normalize_phrase, split_raw, stem
from .tomlfile import M, locate, read_toml, validate
from .view import TranscriptView

DATA_DIR = Path(__file__).parent / "data"
CATEGORY_PREFIX = "category:"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CueGroup(_Strict):
    """One table of cues.toml."""

    meaning: str
    speakers: list[Speaker]
    weight: float = Field(ge=0.0, le=1.0)
    negatable: bool = True
    conditional: bool = False  # an "if" just before the phrase cancels it too
    in_questions: bool = True  # false: a sentence ending in "?" does not count ("does that work?")
    # Cue groups one of which must be heard earlier in the call for this one to count
    # ("that'd be great" accepts a visit only after someone offered one).
    after: list[str] = Field(default_factory=list)
    # Cue groups that, said in the next turn, turn down this one when it was asked as a
    # question ("Want me to put you on the schedule?" "Not yet, I'll call you back.").
    declined_by: list[str] = Field(default_factory=list)
    # The business's own words as an answering service says them: "we don't go that far"
    # is also "they don't go that far".
    third_person: bool = False
    # True: a phrase must be said within one sentence ("How are you today? Fine." is a
    # greeting answered, not "today's fine").
    whole_sentence: bool = False
    phrases: list[str] = Field(min_length=1)

    def spoken_forms(self) -> list[str]:
        """Return the phrases, with their third-person forms when the group asks for them."""
        if not self.third_person:
            return list(self.phrases)
        extra = []
        for text in self.phrases:
            first, _, rest = text.partition(" ")
            if first in THIRD_PERSON and rest:
                extra.append(f"{THIRD_PERSON[first]} {rest}")
        return [*self.phrases, *extra]


# First words of a business's phrase and what an answering service says instead.
THIRD_PERSON = {"we": "they", "we're": "they're", "we've": "they've", "we'll": "they'll",
                "our": "their", "we'd": "they'd"}  # fmt: skip


class CueFile(_Strict):
    """cues.toml: cue groups plus the greeting word list."""

    groups: dict[str, CueGroup]
    greetings: list[str]

    @model_validator(mode="before")
    @classmethod
    def _split(cls, data: dict[str, object]) -> dict[str, object]:
        """Read every table but [greetings] as a cue group."""
        data = dict(data)
        greetings = data.pop("greetings", {})
        words = greetings.get("words", []) if isinstance(greetings, dict) else greetings
        return {"groups": data, "greetings": words}


class Category(_Strict):
    """One home-service category of the taxonomy."""

    label: str
    aliases: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    phrases: list[str] = Field(min_length=1)
    # Everyday words that contain a phrase but are not this trade ("cleaning out the garage").
    not_phrases: list[str] = Field(default_factory=list)


NOT_PREFIX = "not:"  # matcher group of a category's not_phrases: "not:cleaning"


class Taxonomy(_Strict):
    """taxonomy.toml: categories keyed by slug."""

    categories: dict[str, Category]

    @field_validator("categories")
    @classmethod
    def _related_known(cls, value: dict[str, Category]) -> dict[str, Category]:
        """Require `related` to name existing slugs."""
        for slug, cat in value.items():
            unknown = [r for r in cat.related if r not in value]
            if unknown:
                raise ValueError(f"{slug}: related names unknown categories {unknown}")
        return value

    def resolve(self, name: str | None) -> str | None:
        """Return the slug for a category slug, label or alias (any case), or None."""
        if not name:
            return None
        key = " ".join(split_raw(name))
        for slug, cat in self.categories.items():
            names = [slug.replace("_", " "), cat.label, *cat.aliases]
            if key in {" ".join(split_raw(n)) for n in names}:
                return slug
        return None


class Thresholds(_Strict):
    """Verdict thresholds of rules.toml."""

    decide: float = Field(ge=0.0, le=1.0)
    margin: float = Field(ge=0.0, le=1.0)
    finding: float = Field(ge=0.0, le=1.0)
    unsettled: float = Field(default=1.0, ge=0.0, le=1.0)


class ReasonCues(_Strict):
    """The cues that support and contradict one reason."""

    supports: list[str]
    contradicts: list[str]
    overridden_by: list[ReasonCode] = Field(default_factory=list)
    hidden_by: list[ReasonCode] = Field(default_factory=list)
    unsettled_by: list[str] = Field(default_factory=list)


class Rules(_Strict):
    """rules.toml."""

    thresholds: Thresholds
    measured: dict[str, float]
    reasons: dict[ReasonCode, ReasonCues]
    not_an_ending: list[str] = Field(default_factory=list)

    @field_validator("reasons")
    @classmethod
    def _all_reasons(cls, value: dict[ReasonCode, ReasonCues]) -> dict[ReasonCode, ReasonCues]:
        """Require an entry for every reason code."""
        missing = [c for c in REASON_CODES if c not in value]
        if missing:
            raise ValueError(f"missing reasons: {', '.join(missing)}")
        return value


@dataclass(frozen=True)
class Lexicon:
    """All phrase data, compiled into one matcher."""

    cues: dict[str, CueGroup]
    greetings: frozenset[str]
    taxonomy: Taxonomy
    rules: Rules
    matcher: PhraseMatcher = field(repr=False)
    # One-word names of each trade's people ("locksmith", "roofers"), stemmed.
    trade_names: frozenset[str] = frozenset()

    def weight(self, cue: str) -> float:
        """Return the confidence of a measured cue."""
        return self.rules.measured[cue]

    def weight_of(self, group: str) -> float:
        """Return the weight of a phrase cue group."""
        return self.cues[group].weight


def _load_file(model: type[M], path: Path) -> tuple[M, str]:
    """Read and validate one data file."""
    data, text = read_toml(path)
    return validate(model, data, text, path), text


def _check_rule_names(rules: Rules, text: str, known: set[str], path: Path) -> None:
    """Fail when rules.toml names a cue no detector produces."""
    for reason, cues in rules.reasons.items():
        for side in ("supports", "contradicts"):
            unknown = [c for c in getattr(cues, side) if c not in known]
            if unknown:
                line = locate(text, ["reasons", reason, side])
                raise ConfigurationError(
                    f"{path}, line {line}: reasons.{reason}.{side}: unknown cue {unknown[0]!r}",
                    details={"file": str(path), "line": line, "key": f"reasons.{reason}.{side}"},
                )
    unknown = [c for c in rules.not_an_ending if c not in known]
    if unknown:
        line = locate(text, ["not_an_ending"])
        raise ConfigurationError(
            f"{path}, line {line}: not_an_ending: unknown cue {unknown[0]!r}",
            details={"file": str(path), "line": line, "key": "not_an_ending"},
        )


def _phrases(cues: CueFile, taxonomy: Taxonomy) -> list[Phrase]:
    """Return every cue and category phrase as matcher phrases."""
    out = [
        Phrase(name, text, normalize_phrase(text), group.weight)
        for name, group in cues.groups.items()
        for text in group.spoken_forms()
    ]
    out += [
        Phrase(CATEGORY_PREFIX + slug, text, normalize_phrase(text), 1.0)
        for slug, cat in taxonomy.categories.items()
        for text in cat.phrases
    ]
    out += [
        Phrase(NOT_PREFIX + slug, text, normalize_phrase(text), 0.0)
        for slug, cat in taxonomy.categories.items()
        for text in cat.not_phrases
    ]
    return out


@lru_cache(maxsize=4)
def load_lexicon(data_dir: Path = DATA_DIR) -> Lexicon:
    """Load cues.toml, taxonomy.toml and rules.toml from a folder and compile them (cached)."""
    cues, _ = _load_file(CueFile, data_dir / "cues.toml")
    taxonomy, _ = _load_file(Taxonomy, data_dir / "taxonomy.toml")
    rules, rules_text = _load_file(Rules, data_dir / "rules.toml")
    known = set(cues.groups) | set(rules.measured)
    for name, group in cues.groups.items():
        for other in group.after:
            if other not in cues.groups:
                raise ConfigurationError(
                    f"{data_dir / 'cues.toml'}: [{name}] after: unknown cue group {other!r}"
                )
    _check_rule_names(rules, rules_text, known, data_dir / "rules.toml")
    greetings = frozenset(stem(w) for word in cues.greetings for w in split_raw(word))
    matcher = PhraseMatcher(_phrases(cues, taxonomy))
    trade_names = frozenset(
        stem(alias.lower())
        for cat in taxonomy.categories.values()
        for alias in (*cat.aliases, cat.label)
        if " " not in alias
    )
    return Lexicon(dict(cues.groups), greetings, taxonomy, rules, matcher, trade_names)


def load_taxonomy() -> Taxonomy:
    """Return the shipped category taxonomy."""
    return load_lexicon().taxonomy


@dataclass
class Scan:
    """A transcript view with every phrase hit, filtered by speaker, negation and overlap."""

    view: TranscriptView
    lexicon: Lexicon
    hits: dict[str, list[Hit]]
    # Mono units where the business says its own name ("This is Sonoran Shine."): its turns.
    named_units: frozenset[int] = frozenset()
    # Stems of the business's name ("pest", "control"): a trade word from the name is the
    # business's name said back, not the caller's need.
    name_stems: frozenset[str] = frozenset()
    # Sentences that ask something, and those that offer something ("Want me to come by?").
    questions: frozenset[int] = frozenset()
    offers: frozenset[int] = frozenset()
    # Results several detectors share (the street addresses), computed once per scan.
    memo: dict[str, list[Any]] = field(default_factory=dict)

    def group(self, name: str) -> list[Hit]:
        """Return the hits of one cue group (or "category:<slug>")."""
        return self.hits.get(name, [])

    def speaker(self, hit: Hit) -> Speaker:
        """Return who said a hit."""
        return self.view.speakers[self.view.token_segment[hit.first]]

    def categories(self) -> dict[str, list[Hit]]:
        """Return category hits keyed by slug."""
        n = len(CATEGORY_PREFIX)
        return {k[n:]: v for k, v in self.hits.items() if k.startswith(CATEGORY_PREFIX)}


def scan(
    view: TranscriptView, lexicon: Lexicon | None = None, business_name: str | None = None
) -> Scan:
    """Find every phrase of the lexicon in the view (and where the business names itself)."""
    lexicon = lexicon or load_lexicon()
    kept: list[Hit] = []
    offers = frozenset(view.offer_sentences())
    asked = frozenset(view.question_sentences())
    questions = asked | offers
    for hit in lexicon.matcher.match(view):
        group = lexicon.cues.get(hit.phrase.group)
        if group is None:
            kept.append(hit)
            continue
        speaker = view.speakers[view.token_segment[hit.first]]
        if speaker not in group.speakers or (group.negatable and hit.negated):
            continue
        # A phrase heard only in part across a sentence end is two thoughts, not one
        # ("...today. Okay. Good." is not "today's good"); an exact one is kept ("Hello? Hello?").
        across = view.token_sentence[hit.first] != view.token_sentence[hit.last]
        if across and (hit.score < 1.0 or group.whole_sentence):
            continue
        if group.conditional and _after_if(view, hit):
            continue
        if not group.in_questions and view.token_sentence[hit.last] in questions:
            continue
        kept.append(hit)
    by_group: dict[str, list[Hit]] = {}
    for hit in _drop_contained(kept):
        by_group.setdefault(hit.phrase.group, []).append(hit)
    _drop_not_phrases(by_group)
    _require_earlier(by_group, lexicon)
    _drop_declined(view, by_group, lexicon, questions)
    _drop_offered(view, by_group, offers)
    names = frozenset(stem(w) for w in split_raw(business_name or "") if w not in _NAME_FILLER)
    named = named_units(view, business_name, questions)
    return Scan(view, lexicon, by_group, named, names, asked, offers)


def _drop_not_phrases(by_group: dict[str, list[Hit]]) -> None:
    """Drop category hits inside a not-phrase of that category, then the not-phrase hits."""
    for name in [n for n in by_group if n.startswith(NOT_PREFIX)]:
        covered = {t for h in by_group.pop(name) for t in range(h.first, h.last + 1)}
        slug = CATEGORY_PREFIX + name[len(NOT_PREFIX) :]
        if slug in by_group:
            by_group[slug] = [h for h in by_group[slug] if h.first not in covered]
            if not by_group[slug]:
                del by_group[slug]


def _require_earlier(by_group: dict[str, list[Hit]], lexicon: Lexicon) -> None:
    """Drop hits of groups with `after` when none of those groups was heard before them."""
    for name, group in lexicon.cues.items():
        if not group.after or name not in by_group:
            continue
        starts = [h.last for g in group.after for h in by_group.get(g, [])]
        earliest = min(starts, default=None)
        kept = [h for h in by_group[name] if earliest is not None and earliest < h.first]
        if kept:
            by_group[name] = kept
        else:
            del by_group[name]


_DECLINE_OPENERS = frozenset({"no", "not", "nah", "nope"})


def _drop_declined(
    view: TranscriptView, by_group: dict[str, list[Hit]], lexicon: Lexicon, questions: set[int]
) -> None:
    """Drop offers asked as questions that the next turn turns down."""
    for name, group in lexicon.cues.items():
        if not group.declined_by or name not in by_group:
            continue
        declines = {
            view.token_unit[h.first] for g in group.declined_by for h in by_group.get(g, [])
        }
        kept = []
        for hit in by_group[name]:
            unit = view.token_unit[hit.last]
            nxt = unit + 1
            asked = view.token_sentence[hit.last] in questions
            if asked and nxt < len(view.unit_tokens):
                first_token = view.raw_tokens[view.unit_tokens[nxt][0]]
                if nxt in declines or first_token in _DECLINE_OPENERS:
                    continue
            kept.append(hit)
        by_group[name] = kept


# Words of a business name that say nothing about which business it is.
_NAME_FILLER = frozenset({"the", "a", "and", "of", "inc", "llc", "co", "company", "services"})
NAME_SCORE = 80.0  # rapidfuzz partial_ratio of the name's first two words within a unit


def named_units(
    view: TranscriptView, business_name: str | None, questions: set[int]
) -> frozenset[int]:
    """Return mono units, not questions, in which the business's name is said."""
    if view.stereo or not business_name:
        return frozenset()
    words = [w for w in split_raw(business_name) if w not in _NAME_FILLER]
    if len(words) < 2:
        return frozenset()
    # The first two words, or the whole name: a misheard first word ("Cascal Bay Roofing")
    # still leaves the whole name recognisable.
    names = {" ".join(words[:2]), " ".join(words)}
    out = set()
    for unit, (lo, hi) in enumerate(view.unit_tokens):
        if hi <= lo or view.token_sentence[hi - 1] in questions:
            continue
        text = " ".join(view.raw_tokens[lo:hi])
        # partial_ratio looks for the shorter text in the longer: a unit must hold the name.
        if any(
            len(text) >= len(name) - 2 and fuzz.partial_ratio(name, text) >= NAME_SCORE
            for name in names
        ):
            out.add(unit)
    return frozenset(out)


def _drop_offered(view: TranscriptView, by_group: dict[str, list[Hit]], offers: set[int]) -> None:
    """Drop a visit asked for inside an offer on a mono call: "Want me to send someone out?"."""
    # In stereo a caller's own "do you want me to text you the address so you can come
    # out" is still the caller asking; in mono the offer is the business's.
    if offers and "booking" in by_group:
        by_group["booking"] = [
            h
            for h in by_group["booking"]
            if view.token_sentence[h.first] not in offers
            or view.speakers[view.token_segment[h.first]] != "unknown"
        ]


CONDITIONALS = frozenset({"if", "whether", "unless", "once"})
CONDITIONAL_REACH = 3


def _after_if(view: TranscriptView, hit: Hit) -> bool:
    """Return True when an "if" comes just before the hit in its turn ("if you go ahead")."""
    seg_lo, _ = view.segment_tokens[view.token_segment[hit.first]]
    before = view.raw_tokens[max(seg_lo, hit.first - CONDITIONAL_REACH) : hit.first]
    return any(t in CONDITIONALS for t in before)


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    """Drop a hit mostly covered by a longer (or equally long, better) hit of its family."""
    # The longer phrase is the more specific reading: "water heater" is plumbing, not the
    # "heater" of HVAC; "return your call as soon as possible" is a greeting, not a booking;
    # "outside our service area" is not also "in our service area". Families are cue phrases
    # and category phrases; phrases of weight 0 only mark positions and are always kept.
    covered: dict[bool, set[int]] = {True: set(), False: set()}
    kept: list[Hit] = []

    # Longer means more phrase words; a phrase stretched over inserted words ("I'm calling
    # [from Yelp] about") is not longer than the words it skipped.
    # A longer phrase heard only in part (a word dropped or misheard) is no more specific
    # than a shorter phrase heard exactly: "I thought this was" is not "I thought this was a".
    def length(hit: Hit) -> int:
        return len(hit.phrase.tokens) - (hit.score < 1.0)

    for hit in sorted(hits, key=lambda h: (-length(h), -h.score, h.last - h.first)):
        if hit.phrase.weight == 0.0:
            kept.append(hit)
            continue
        taken = covered[hit.phrase.group.startswith(CATEGORY_PREFIX)]
        span = range(hit.first, hit.last + 1)
        if sum(t in taken for t in span) * 2 > len(span):
            continue
        taken.update(span)
        kept.append(hit)
    return sorted(kept, key=lambda h: (h.first, h.last))
