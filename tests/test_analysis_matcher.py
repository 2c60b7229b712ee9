"""Fuzzy phrase matching: ASR errors tolerated, every match mapped back to word times."""

from __future__ import annotations

from callcredit.analysis.matcher import Phrase, PhraseMatcher
from callcredit.analysis.synthetic import segment, transcript_from_turns
from callcredit.analysis.text import normalize_phrase
from callcredit.analysis.view import TranscriptView
from callcredit.transcription.schemas import TranscriptData


def matcher(*phrases: str) -> PhraseMatcher:
    return PhraseMatcher(Phrase("g", p, normalize_phrase(p)) for p in phrases)


def found(m: PhraseMatcher, text: str, speaker: str = "caller") -> dict[str, str]:
    """Return {phrase: matched words} for one turn of text."""
    view = TranscriptView.build(transcript_from_turns([(speaker, text)]))
    return {h.phrase.text: view.token_span(h.first, h.last).text for h in m.match(view)}


def test_exact_and_inflected_phrases_match() -> None:
    m = matcher("water heater", "leak", "come out")
    hits = found(m, "The water heaters are leaking, can you come out?")
    assert hits == {"water heater": "water heaters", "leak": "leaking,", "come out": "come out?"}


def test_misspelled_words_still_match() -> None:
    m = matcher("my toilet keeps running", "water heater", "plumber")
    hits = found(m, "my toilit keep runing and the water heeter, I need a plumer")
    assert set(hits) == {"my toilet keeps running", "water heater", "plumber"}


def test_a_word_split_in_two_by_asr_still_matches() -> None:
    hits = found(matcher("my toilet keeps running"), "so my toy let keeps running all night")
    assert hits == {"my toilet keeps running": "my toy let keeps running"}


def test_short_words_that_change_meaning_do_not_match() -> None:
    m = matcher("how much does it pay", "we don't do that", "tree")
    assert found(m, "how much does it cost to fix", "business") == {}
    assert found(m, "we don't go that far out", "business") == {}
    assert found(m, "I have three leaks") == {}


def test_spelled_out_letters_join_into_one_token() -> None:
    m = matcher("ac unit", "hvac")
    hits = found(m, "My A/C unit is dead, is this H V A C?")
    assert hits == {"ac unit": "A/C unit", "hvac": "H V A C?"}


def test_matches_stay_inside_one_turn() -> None:
    view = TranscriptView.build(
        transcript_from_turns([("caller", "I need a water"), ("business", "heater? sure")])
    )
    assert matcher("water heater").match(view) == []


def test_negation_before_a_phrase_is_reported() -> None:
    view = TranscriptView.build(transcript_from_turns([("caller", "I don't need an appointment")]))
    (hit,) = matcher("need an appointment").match(view)
    assert hit.negated


def test_match_maps_to_exact_word_times() -> None:
    seg = segment("caller", "okay so can you send someone tomorrow", 10.0, 17.0)
    view = TranscriptView.build(TranscriptData(segments=[seg]))
    (hit,) = matcher("send someone").match(view)
    span = view.token_span(hit.first, hit.last)
    assert span.text == "send someone"
    assert span.start == seg.words[4].start
    assert span.end == seg.words[5].end


def test_words_without_times_are_spread_over_their_segment() -> None:
    from callcredit.transcription.schemas import Segment

    seg = Segment(start=2.0, end=4.0, speaker="caller", text="please send someone", words=[])
    view = TranscriptView.build(TranscriptData(segments=[seg]))
    (hit,) = matcher("send someone").match(view)
    span = view.token_span(hit.first, hit.last)
    assert (round(span.start, 3), round(span.end, 3)) == (2.667, 4.0)


def test_words_inserted_inside_a_phrase_are_tolerated() -> None:
    m = matcher("looking for work", "what's your rate")
    hits = found(m, "I'm looking for some steady work. So what's your going rate?")
    assert hits == {
        "looking for work": "looking for some steady work.",
        "what's your rate": "what's your going rate?",
    }
    assert found(m, "I'm looking for a plumber who can do the work") == {}


def test_a_short_word_must_lie_where_the_phrase_was_aligned() -> None:
    # "the gate is" must not stretch over "the gate hinges" with an "is" later on.
    m = matcher("the gate is")
    assert found(m, "One of the gate hinges is pulling loose, is that covered?") == {}
    assert found(m, "The gate is around the side.") == {"the gate is": "The gate is"}


def test_a_prefix_that_changes_the_meaning_is_not_a_misspelling() -> None:
    m = matcher("i need to schedule", "lock")
    assert found(m, "I need to reschedule my cleaning.") == {}
    assert found(m, "Can you unlock the door?") == {}
    assert found(m, "I need to schedule a visit.") == {"i need to schedule": "I need to schedule"}
