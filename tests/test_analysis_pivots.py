"""Calls that turn: from a wrong number or a job enquiry to a real job, and back again.

The dev13 and dev14 validation calls (scored once, untouched) showed callers who said they
had dialled wrong and then asked for the business's work anyway, an aunt asking for work
for her nephew before the real reason for her call, a caller whose "I'll have him come by"
answered the business's "drop off a resume", and a business that said what it could do and
when without any set phrase. The cases below say these things in other words.
"""

from __future__ import annotations

from analysis_helpers import B, C, finding, sc

from callcredit.analysis import load_lexicon
from callcredit.analysis.detectors.category import category_scores
from callcredit.analysis.detectors.phrases import detect_booking
from callcredit.analysis.detectors.pivots import detect_pivots
from callcredit.analysis.models import Cue


def verdict(claim: str, *turns: tuple[str, str]) -> str:
    return finding(claim, *turns, business_category="pest_control").verdict


def cue(name: str, start: float, speaker: str = "caller") -> Cue:
    return Cue(cue=name, confidence=0.8, start=start, end=start + 1.0, speaker=speaker)


def test_a_need_after_a_wrong_number_means_the_caller_stayed_on() -> None:
    found = detect_pivots([cue("wrong_number", 2.0), cue("service_need", 9.0)], 0.7, 0.7)
    assert [c.cue for c in found] == ["stayed_on"]
    assert found[0].start == 9.0


def test_a_need_before_the_wrong_number_is_no_pivot() -> None:
    assert detect_pivots([cue("service_need", 2.0), cue("wrong_number", 9.0)], 0.7, 0.7) == []


def test_job_talk_then_a_job_with_a_visit_moved_on() -> None:
    cues = [cue("job_seeker", 2.0), cue("service_need", 8.0), cue("visit_promised", 14.0, B)]
    assert [c.cue for c in detect_pivots(cues, 0.7, 0.7)] == ["moved_on"]


def test_a_job_seeker_describing_the_trade_has_not_moved_on() -> None:
    cues = [cue("job_seeker", 2.0), cue("service_need", 8.0)]
    assert detect_pivots(cues, 0.7, 0.7) == []


def test_a_wrong_number_caller_who_asks_for_the_work_contradicts_the_claim() -> None:
    turns = [
        (B, "Northside Pest, Gwen."),
        (C, "Oh shoot, I think I dialed wrong. I wanted the lawn people."),
        (B, "This is pest control, hon."),
        (C, "Well, actually, we have mice in the pantry. Could you come out for that?"),
        (B, "Sure, what's the address?"),
    ]
    assert verdict("wrong_number", *turns) == "contradicted"


def test_a_reply_to_the_hiring_answer_is_not_a_booking() -> None:
    s = sc(
        (C, "Is your company taking on new techs? My son is looking for work."),
        (B, "Could be. He can drop off a resume at the shop."),
        (C, "Lovely, I'll have him come by on Monday."),
    )
    assert "booking" not in {c.cue for c in detect_booking(s) if c.confidence > 0.5}


def test_the_business_saying_what_it_can_do_and_when_promises_a_visit() -> None:
    s = sc((B, "Right, we can spray for those Thursday morning."))
    assert "visit_promised" in {c.cue for c in detect_booking(s)}
    s = sc((C, "I work Thursday morning, so call me after."))
    assert "visit_promised" not in {c.cue for c in detect_booking(s)}


def test_a_trade_word_ruled_out_is_not_the_need() -> None:
    s = sc(
        (B, "Okay, so it's the pipe in the wall, not the dishwasher."),
    )
    assert "appliance_repair" not in {x.slug for x in category_scores(s)}


def test_asking_whether_this_is_another_kind_of_place_is_a_wrong_number() -> None:
    from callcredit.analysis.detectors.phrases import detect_wrong_number

    asked = detect_wrong_number(sc((C, "Hi, is this the pharmacy on Fifth?")))
    assert "wrong_number" in {c.cue for c in asked}
    told = detect_wrong_number(sc((C, "I just got back from the pharmacy and saw roaches.")))
    assert "wrong_number" not in {c.cue for c in told}


def test_garage_doors_are_not_a_locksmiths_neighbouring_trade() -> None:
    taxonomy = load_lexicon().taxonomy
    assert "garage_door" not in taxonomy.categories["locksmith"].related
    assert "locksmith" not in taxonomy.categories["garage_door"].related
