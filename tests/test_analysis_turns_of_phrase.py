"""Turns of phrase that fooled the phrase lists on fresh calls, in other words than those calls.

Each case is a general way people talk that the dev4 to dev7 validation calls showed was
misread: who is coming to whom, a business giving up on a silent line in mono, a street
name the recogniser splits around "and", a pitch about vehicle coverage, words heard across
a sentence end, stems that lost a silent e, talk to someone else in the room, a child on
the line, a visit promised before the place is known, and a street taken for a town.
"""

from __future__ import annotations

import pytest

from callcredit.analysis import AnalysisContext, analyze, load_lexicon, load_policy, scan
from callcredit.analysis.detectors.conversation import detect_no_intent
from callcredit.analysis.detectors.phrases import detect_address, detect_booking, detect_spam
from callcredit.analysis.lexicon import Scan
from callcredit.analysis.synthetic import transcript_from_turns
from callcredit.analysis.view import TranscriptView
from callcredit.transcription.schemas import Segment, TranscriptData, Word

C, B, U = "caller", "business", "unknown"


def sc(*turns: tuple[str, str]) -> Scan:
    return scan(TranscriptView.build(transcript_from_turns(list(turns))), load_lexicon())


def verdict(claim: str, *turns: tuple[str, str]) -> str:
    context = AnalysisContext(
        call_id="t", claimed_reason=claim, business_id="b", business_category="roofing"
    )
    transcript = transcript_from_turns(list(turns))
    return analyze(transcript=transcript, context=context, policy=load_policy()).verdict


def test_the_caller_coming_over_is_not_a_visit_booked() -> None:
    s = sc(
        (B, "Peak Roofing."),
        (C, "Hey, any chance you guys need another hand on a crew? I've done shingles for years."),
        (B, "Maybe in the spring. Bring a resume to the yard sometime."),
        (C, "Great, I'll swing by Friday afternoon with it."),
    )
    assert "booking" not in {c.cue for c in detect_booking(s)}
    assert "caller_visits" in {h.phrase.group for hits in s.hits.values() for h in hits}


def test_asking_the_business_to_come_is_still_a_booking() -> None:
    s = sc((C, "My gutter pulled off the fascia. Could you come by Friday afternoon to fix it?"))
    assert "booking" in {c.cue for c in detect_booking(s)}


def test_a_visit_offered_by_the_business_contradicts_a_job_seeker_claim() -> None:
    turns = [
        (B, "Peak Roofing, Dana speaking."),
        (C, "Hi, a couple of shingles blew off in the wind last night and there's a drip inside."),
        (B, "We can send someone out Thursday to patch it. Does that work?"),
        (C, "That works."),
    ]
    assert verdict("job_seeker", *turns) == "contradicted"


def test_in_mono_a_business_giving_up_on_the_line_is_not_the_caller_talking() -> None:
    s = sc(
        (
            U,
            "Peak Roofing, this is Dana. Hello? Hello? Sorry, I'm not hearing anything on "
            "your end. I'm going to let you go, feel free to call back.",
        )
    )
    assert {c.cue for c in detect_no_intent(s)} == {"greetings_only", "business_signoff"}


def test_a_street_name_split_around_and_is_still_an_address() -> None:
    s = sc((C, "It's forty one ten Bell and Avenue, the blue house."))
    assert [c.cue for c in detect_address(s)] == ["address"]


def test_and_right_after_a_number_is_not_an_address() -> None:
    assert detect_address(sc((C, "We've got two and a half bathrooms on Main Street."))) == []


def test_a_pitch_about_vehicle_coverage_is_spam() -> None:
    s = sc(
        (
            C,
            "Good afternoon, our records show the factory warranty on your company trucks "
            "is about to run out, and I can extend it today.",
        )
    )
    assert "spam" in {c.cue for c in detect_spam(s)}


def _mono(text_times: list[tuple[str, float]]) -> TranscriptData:
    words = [Word(start=t, end=t + 0.3, word=" " + w) for w, t in text_times]
    text = " ".join(w for w, _ in text_times)
    seg = Segment(start=words[0].start, end=words[-1].end, speaker=U, text=text, words=words)
    return TranscriptData(duration=words[-1].end + 0.5, segments=[seg])


def test_a_phrase_heard_in_part_across_a_sentence_end_is_not_found() -> None:
    lexicon = load_lexicon()
    split = _mono([("I'll", 0.0), ("credit", 0.4), ("it", 0.8), ("today.", 1.2), ("Okay.", 2.0),
                   ("Good.", 2.6)])  # fmt: skip
    joined = _mono([("Is", 0.0), ("today", 0.4), ("good?", 0.8), ("Today's", 1.6), ("good.", 2.0)])
    assert not scan(TranscriptView.build(split), lexicon).group("booking_confirm")
    assert scan(TranscriptView.build(joined), lexicon).group("booking_confirm")


def test_a_silent_e_comes_back_so_rated_is_not_rats() -> None:
    from callcredit.analysis.text import stem

    assert stem("rated") == stem("rate") != stem("rats")
    assert stem("moving") == stem("move") and stem("hiring") == stem("hire")
    assert stem("replacing") == stem("replace") and stem("hauled") == stem("haul")
    assert stem("stopped") == stem("stop") and stem("fixed") == stem("fix")
    assert stem("siding") != stem("side") and stem("edging") != stem("edge")


def test_words_said_to_someone_else_in_the_room_are_no_request() -> None:
    s = sc(
        (B, "Good morning, Peak Roofing."),
        (C, "Grab the keys off the counter, the red ones."),
        (B, "Hello? Is anyone there?"),
        (C, "No, by the door."),
    )
    assert "unaddressed_speech" in {c.cue for c in detect_no_intent(s)}
    spoken = sc((B, "Peak Roofing."), (C, "Yeah, my skylight leaks when it storms."))
    assert "caller_speech" in {c.cue for c in detect_no_intent(spoken)}


@pytest.mark.parametrize(
    "said",
    [
        "Yes, hi, is Dana in? It's about the estimate from Tuesday.",
        "Yeah, what time does the office close today?",
        "Hi, we're the ones on Elm Street, the crew left a ladder here.",
        "Just checking on the order from last week, the green shingles.",
    ],
)
def test_an_ordinary_caller_is_talking_to_the_business(said: str) -> None:
    s = sc((B, "Peak Roofing, this is Dana."), (C, said), (B, "Sure, one moment."))
    assert "unaddressed_speech" not in {c.cue for c in detect_no_intent(s)}


def test_a_child_on_the_line_supports_no_intent() -> None:
    turns = [
        (B, "Peak Roofing, Dana speaking."),
        (C, "Hi! I have a fish named Bubbles."),
        (B, "Oh, that's nice. Are your parents home? Could you give the phone to your mom?"),
        (C, "Bye!"),
    ]
    assert verdict("no_intent", *turns) == "supported"


def test_a_visit_promised_before_the_place_is_known_says_nothing_of_the_area() -> None:
    before = [
        (B, "Peak Roofing."),
        (C, "The flashing around my chimney is loose."),
        (B, "We can come out for that. Where's the house?"),
        (C, "Let me check with my landlord on the exact spot and call you back."),
    ]
    assert verdict("out_of_area", *before) == "inconclusive"


def test_a_street_after_off_is_not_a_town_outside_the_area() -> None:
    from callcredit.analysis.detectors.area import detect_area

    s = sc((C, "We're in Sacramento, just off Folsom Boulevard, and the roof leaks."))
    cues = detect_area(s, ["95814", "Sacramento"])
    assert {c.cue for c in cues} == {"place_inside"}


def test_asking_for_a_utility_is_a_wrong_number_cue() -> None:
    from callcredit.analysis.detectors.phrases import detect_wrong_number

    s = sc((C, "I smell something by the meter, is this the power company?"))
    assert "other_business" in {c.cue for c in detect_wrong_number(s)}


def test_a_terse_caller_naming_the_job_is_talking_to_the_business() -> None:
    s = sc((B, "Peak Roofing."), (C, "Yeah. Shingles all over the lawn after the storm."))
    assert "unaddressed_speech" not in {c.cue for c in detect_no_intent(s)}


def test_an_offer_without_a_question_mark_turned_down_is_no_booking() -> None:
    s = sc((U, "Want me to send a tech over this week. No thanks, just getting numbers."))
    assert "booking" not in {c.cue for c in detect_booking(s)}


def test_deciding_later_without_any_word_of_money_is_weak_for_price_shopping() -> None:
    from callcredit.analysis.detectors.phrases import detect_price

    unpriced = sc(
        (C, "Do you put in tile backsplashes? And do you haul away the old stuff?"),
        (B, "Yes to both."),
        (C, "Okay, I'll sleep on it."),
    )
    priced = sc(
        (C, "What do you charge for a tile backsplash?"),
        (B, "Around nine hundred dollars."),
        (C, "Okay, I'll sleep on it."),
    )
    weak = max(c.confidence for c in detect_price(unpriced))
    strong = max(c.confidence for c in detect_price(priced) if c.cue == "price_only")
    assert weak < strong


def test_a_zip_code_is_not_a_house_number_because_of_the_next_sentence() -> None:
    from callcredit.analysis.detectors.area import extract_zips

    view = TranscriptView.build(transcript_from_turns([(C, "It's 3-0-4-5-8. No way around it.")]))
    assert [z.zip for z in extract_zips(view)] == ["30458"]


def test_a_business_saying_the_place_is_hours_away_supports_out_of_area() -> None:
    turns = [
        (B, "Peak Roofing."),
        (C, "Hi, we need the whole roof redone up in Pine Ridge."),
        (B, "Pine Ridge is a couple of hours north of us, we don't get out that way."),
    ]
    assert verdict("out_of_area", *turns) == "supported"


def test_a_business_with_the_same_name_supports_a_wrong_number_claim() -> None:
    turns = [
        (B, "Peak Roofing, this is Dana."),
        (C, "Hi, I'm calling about my car, the brakes are grinding."),
        (B, "Oh, this is Peak Roofing. I think you want Peak Auto, similar name."),
        (C, "Oh, sorry about that."),
    ]
    assert verdict("wrong_number", *turns) == "supported"


def test_in_mono_being_told_what_you_will_want_is_the_business_referring() -> None:
    from callcredit.analysis.detectors.category import detect_category

    s = sc((U, "My sprinkler heads are broken. Sorry, you'll want an irrigation outfit for that."))
    cues = {c.cue for c in detect_category(s, "roofing")}
    assert "wrong_category_business" in cues


def test_in_mono_the_business_saying_what_it_does_is_not_the_callers_need() -> None:
    from callcredit.analysis.detectors.category import category_scores

    s = sc(
        (U, "Peak Roofing, how can I help? Hi, my lawn sprinklers are broken. Oh, sorry, "
            "we're roofers. We do roofs.")
    )  # fmt: skip
    assert "roofing" not in {c.slug for c in category_scores(s)}
    for need in ("we're having a leak in the roof", "we're re-roofing the house"):
        caller = sc((U, f"Peak Roofing, how can I help? Hi, {need}."))
        assert "roofing" in {c.slug for c in category_scores(caller)}, need


def test_a_price_call_cut_off_before_it_ended_is_left_to_a_reviewer() -> None:
    dropped = [
        (C, "Hi, what would you charge to pump out a septic tank?"),
        (B, "Usually about three fifty. Want me to see when we could"),
        (C, "Hello? Did I lose you?"),
    ]
    finished = [
        (C, "Hi, what would you charge to pump out a septic tank?"),
        (B, "Usually about three fifty."),
        (C, "Okay, thanks, I'm just comparing a few companies."),
    ]
    assert verdict("price_shopper", *dropped) == "inconclusive"
    assert verdict("price_shopper", *finished) == "supported"


def test_a_sentence_broken_off_at_the_end_is_a_cut_off_call() -> None:
    from callcredit.analysis.detectors.conversation import detect_cut_off

    broken = sc((C, "How much to clean the gutters?"), (B, "About two hundred. I could send a"))
    whole = sc((C, "How much to clean the gutters?"), (B, "About two hundred."))
    assert [c.cue for c in detect_cut_off(broken)] == ["cut_off"]
    assert detect_cut_off(whole) == []
    for ending in ("Okay, that's all I was calling for.", "Who do I make the check out to?"):
        done = sc((C, "How much to clean the gutters?"), (B, "About two hundred."), (C, ending))
        assert detect_cut_off(done) == [], ending


def test_evidence_is_not_widened_across_a_pause() -> None:
    from callcredit.analysis.view import CONTEXT_PAUSE

    gap = CONTEXT_PAUSE + 0.2
    words = [("we", 0.0), ("could", 0.3), ("come", 0.6), ("look", 0.9), ("Tuesday", 1.2)]
    words += [("Tuesday", 1.5 + gap), ("works.", 1.8 + gap)]
    view = TranscriptView.build(_mono(words))
    span = view.context_span(2, 3)
    assert span.text == "we could come look Tuesday"


def test_in_stereo_a_callers_own_offer_still_asks_for_a_visit() -> None:
    s = sc(
        (B, "Peak Roofing."),
        (C, "Do you want me to text you the address so you can come out and fix it."),
    )
    assert "booking" in {c.cue for c in detect_booking(s)}
