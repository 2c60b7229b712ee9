"""Normalise spoken words into matching tokens: lower case, no punctuation, light stemming."""

from __future__ import annotations

import re
from functools import lru_cache

# Apostrophes vanish ("don't" -> "dont") so contractions stay one token, as in the phrase lists.
_APOSTROPHES = re.compile("[\u2019'`\u00b4]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

DIGIT_WORDS = {
    "zero": "0",
    "oh": "0",
    "o": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
}
TEEN_WORDS = {
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "thirteen": "13",
    "fourteen": "14",
    "fifteen": "15",
    "sixteen": "16",
    "seventeen": "17",
    "eighteen": "18",
    "nineteen": "19",
}
TENS_WORDS = {
    "twenty": "2",
    "thirty": "3",
    "forty": "4",
    "fifty": "5",
    "sixty": "6",
    "seventy": "7",
    "eighty": "8",
    "ninety": "9",
}
_SPELLED_NUMBERS = {w: d for w, d in {**DIGIT_WORDS, **TEEN_WORDS}.items() if w not in ("oh", "o")}
NUMBER_WORDS = frozenset(DIGIT_WORDS) | frozenset(TEEN_WORDS) | frozenset(TENS_WORDS)

# Words that flip the meaning of a phrase that follows them ("I don't need an appointment").
NEGATIONS = frozenset(
    {"not", "dont", "doesnt", "didnt", "wont", "never", "isnt", "arent", "wasnt", "cant", "nothing"}
)

_STOPWORDS_TEXT = (
    "a an the to of and or i im me my we you your it its is are be in on at for with this "
    "that do can so uh um"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def split_raw(text: str) -> list[str]:
    """Split one ASR word (may hold punctuation or several parts) into lower-case pieces."""
    return [p for p in _NON_ALNUM.split(_APOSTROPHES.sub("", text.lower())) if p]


# Abbreviations ASR writes for a spoken word ("Dr. Patel's office").
ABBREVIATIONS = {"dr": "doctor", "mr": "mister", "mrs": "missus", "appt": "appointment"}


@lru_cache(maxsize=65536)
def stem(token: str) -> str:
    """Strip common English suffixes so "leaking", "leaks" and "leak" compare equal."""
    # Spelled numbers compare as digits, so "press one" also finds "press 1".
    spelled = _SPELLED_NUMBERS.get(token) or ABBREVIATIONS.get(token)
    if spelled is not None:
        return spelled
    if token.isdigit() or len(token) <= 3 or token in _ING_NOUNS:
        return token
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            if suffix == "s" and token.endswith(("ss", "us", "is")):
                return token
            if suffix == "es" and not token.endswith(("shes", "ches", "xes", "sses", "zes")):
                continue
            base = token[: len(token) - len(suffix)] + keep
            # "running" -> "runn" -> "run", "clogged" -> "clogg" -> "clog".
            if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "lsz":
                base = base[:-1]
            # A short vowel doubles its consonant before -ed/-ing ("stopped"); a single one
            # means a silent e was dropped: "rated" is "rate", not "rat" (nor "rats").
            elif suffix in ("ed", "ing") and _silent_e_dropped(base):
                base += "e"
            return base
    return token


# Words that make a number an amount of money ("twelve thousand", "89 bucks").
MONEY_WORDS = frozenset(
    {"dollar", "dollars", "buck", "bucks", "k", "grand", "hundred", "thousand", "cents"}
)
_VOWELS = frozenset("aeiou")
# Trade words ending in -ing that are not a verb's form: "siding" is not "side", "edging"
# (of a lawn) is not "edge", "coping" (of a pool) is not "cope".
# fmt: off
_ING_NOUNS = frozenset({
    "siding", "sidings", "edging", "coping", "awning", "awnings", "ceiling", "ceilings",
    "railing", "railings", "lining", "decking", "framing",
})
# fmt: on


def _silent_e_dropped(base: str) -> bool:
    """Return True for a base that lost an e: "rat" of "rated", "mov" of "moving"."""
    # No English word ends in v, soft c, a single z, -rg, -dg or -u: "leaving", "replacing",
    # "freezing", "charging", "judging", "continuing".
    if base.endswith(("v", "c", "rg", "dg", "u")) or (base[-1] == "z" and base[-2:] != "zz"):
        return True
    if len(base) != 3:
        return False
    a, v, c = base
    return a not in _VOWELS and v in _VOWELS and c not in _VOWELS and c not in "wxy"


def merge_letters(pieces: list[str]) -> list[str]:
    """Join runs of single letters that ASR spells out ("a c" -> "ac", "h v a c" -> "hvac")."""
    out: list[str] = []
    run: list[str] = []
    for piece in [*pieces, ""]:
        if len(piece) == 1 and piece.isalpha():
            run.append(piece)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if piece:
            out.append(piece)
    return out


@lru_cache(maxsize=65536)
def word_tokens(word: str) -> tuple[tuple[str, str], ...]:
    """Return (raw, stemmed) token pairs of one ASR word, letters spelled out joined."""
    return tuple((p, stem(p)) for p in merge_letters(split_raw(word)))


def normalize_phrase(phrase: str) -> tuple[str, ...]:
    """Return the stemmed tokens of a phrase from a lexicon, as transcript words are tokenised."""
    return tuple(stem(p) for p in merge_letters(split_raw(phrase)))


def digits_of_run(tokens: list[str]) -> str:
    """Turn spoken or written number tokens into one digit string ("ninety five" -> "95")."""
    out: list[str] = []
    pending_tens = ""
    for tok in tokens:
        if tok in TENS_WORDS:
            if pending_tens:
                out.append(pending_tens + "0")
            pending_tens = TENS_WORDS[tok]
            continue
        if pending_tens and tok in DIGIT_WORDS and tok not in ("zero", "oh", "o"):
            out.append(pending_tens + DIGIT_WORDS[tok])
            pending_tens = ""
            continue
        if pending_tens:
            out.append(pending_tens + "0")
            pending_tens = ""
        out.append(DIGIT_WORDS.get(tok) or TEEN_WORDS.get(tok) or tok)
    if pending_tens:
        out.append(pending_tens + "0")
    return "".join(out)


def is_number_token(token: str) -> bool:
    """Return True for digits and spelled-out numbers (but not for "o"/"oh" on their own)."""
    return token.isdigit() or token in NUMBER_WORDS
