"""The tokenised transcript view: words, tokens, turns, sentences and mono units."""

from __future__ import annotations

from callcredit.analysis.synthetic import segment, transcript_from_turns
from callcredit.analysis.view import TranscriptView
from callcredit.transcription.schemas import TranscriptData


def test_stereo_units_are_turns_and_sentences_split_inside_them() -> None:
    view = TranscriptView.build(
        transcript_from_turns([("business", "Hi. How can I help?"), ("caller", "My sink leaks.")])
    )
    assert view.stereo
    assert len(view.unit_tokens) == 2
    assert view.token_sentence == [0, 1, 1, 1, 1, 2, 2, 2]


def test_mono_units_are_sentences_or_pauses() -> None:
    words = segment("unknown", "Ace Plumbing. Hi my sink leaks", 0.0, 3.0)
    late = segment("unknown", "hello", 5.0, 5.5)
    joined = words.model_copy(update={"words": [*words.words, *late.words], "end": 5.5})
    view = TranscriptView.build(TranscriptData(segments=[joined]))
    assert not view.stereo
    units = [" ".join(view.tokens[lo:hi]) for lo, hi in view.unit_tokens]
    assert units == ["ace plumb", "hi my sink leak", "hello"]


def test_token_spans_give_the_original_words_and_times() -> None:
    view = TranscriptView.build(transcript_from_turns([("caller", "The A/C unit is dead.")]))
    assert view.tokens == ["the", "ac", "unit", "is", "dead"]
    span = view.token_span(1, 2)
    assert span.text == "A/C unit"
    assert span.start == view.words[1].start and span.end == view.words[2].end
    assert view.context_span(1, 2).text == "The A/C unit is dead."


def test_empty_transcript_builds_an_empty_view() -> None:
    view = TranscriptView.build(TranscriptData())
    assert view.tokens == [] and view.unit_tokens == []


def test_evidence_context_stops_where_a_run_on_transcript_turns_to_the_other_speaker() -> None:
    # Mono ASR may join two people without punctuation: "...for work We're not hiring now."
    text = "I'm an apprentice and I'm looking for work We're not hiring right now."
    view = TranscriptView.build(TranscriptData(segments=[segment("unknown", text, 0.0, 6.0)]))
    work = next(i for i, w in enumerate(view.words) if w.text == "work")
    assert view.context_span(work - 1, work).text == "I'm an apprentice and I'm looking for work"
    # A proper noun is not an opener: the sentence goes on through it.
    view = TranscriptView.build(
        TranscriptData(segments=[segment("unknown", "we live in Folsom near the lake.", 0, 3)])
    )
    assert view.context_span(0, 1).text == "we live in Folsom near the lake."
