"""Answers to the business's questions, and the business speaking through others.

The dev11 and dev12 validation calls (scored once, untouched) showed calls settled by how a
question was answered rather than by set phrases: a house number after "What's the
address?" whose street the recogniser mangled, a town after "What town is that in?", an
answering service saying "they" for the company, a business reciting the towns it covers,
and a mono business whose misheard name hid which turns were its own. The cases below say
these things in other words than those calls.
"""

from __future__ import annotations

from analysis_helpers import B, C, U, finding, sc

from callcredit.analysis.detectors.area import detect_area
from callcredit.analysis.detectors.phrases import detect_address

AREA = ["80202", "80205", "Denver", "Aurora", "Lakewood", "Englewood"]
NAME = "Front Range Fence Co"


def cues(found: list) -> set[str]:
    return {c.cue for c in found}


def test_a_house_number_answering_the_address_question_is_an_address() -> None:
    s = sc(
        (B, "Sure, we can get someone out Monday. What's the address?"),
        (C, "Forty seven Larkspur been Grove, off the highway."),
    )
    assert "address" in cues(detect_address(s))


def test_a_number_that_answers_another_question_is_no_address() -> None:
    s = sc(
        (B, "How many feet of fence are we talking about?"),
        (C, "Forty seven, maybe fifty."),
    )
    assert "address" not in cues(detect_address(s))


def test_a_town_answering_where_the_job_is_counts_in_stereo() -> None:
    s = sc(
        (B, "Okay, and whereabouts is the property?"),
        (C, "Oh, Castle Rock, south of the city."),
    )
    outside = [c for c in detect_area(s, AREA) if c.cue == "place_outside"]
    assert outside and "Castle Rock" in outside[0].text


def test_a_town_answering_where_the_job_is_counts_in_mono() -> None:
    s = sc((U, "Front Range Fence. What city are you in? Um, Golden, near the school."))
    assert "place_outside" in cues(detect_area(s, AREA))


def test_the_business_reciting_its_towns_is_not_where_the_job_is() -> None:
    s = sc(
        (U, "Front Range Fence, how can I help?"),
        (U, "I need a gate fixed. Sorry, which towns again?"),
        (U, "Englewood. Aurora, Lakewood and Denver."),
    )
    assert "place_inside" not in cues(detect_area(s, AREA))


def test_an_answering_service_speaks_of_the_company_as_they() -> None:
    s = sc(
        (B, "Let me look at their list. Sorry, they don't cover that area."),
    )
    assert "out_of_area_business" in cues(detect_area(s, AREA))


def test_a_mono_business_with_a_misheard_name_is_still_the_business() -> None:
    turns = [
        (U, "Front Strange Fence Co, this is Abby."),
        (U, "Hello?"),
        (U, "Hello, can you hear me? Okay, call back if you need us. Front Strange Fence Co."),
    ]
    result = finding("no_intent", *turns, business_name=NAME, service_area=";".join(AREA))
    assert result.verdict == "supported"
    assert "service_need" not in {c.cue for c in result.assessments["no_intent"].contradicting}


def test_a_guessed_trade_counts_for_less_than_a_stated_one() -> None:
    from callcredit.analysis.detectors.category import category_scores

    sure = sc((C, "The wiring in the hallway sparks, I need an electrician."))
    guess = sc((C, "The wiring in the hallway sparks, maybe I need an electrician."))
    top = {s.slug: s.score for s in category_scores(sure)}
    hedged = {s.slug: s.score for s in category_scores(guess)}
    assert hedged["electrical"] < top["electrical"]


def test_the_address_after_a_promised_visit_makes_the_job_accepted() -> None:
    from callcredit.analysis.detectors.category import detect_job_accepted

    promised = [
        (C, "The panels on the fence are leaning, could somebody look?"),
        (B, "I can send someone Wednesday."),
    ]
    plain = detect_job_accepted(sc(*promised))
    taken = detect_job_accepted(sc(*promised, (C, "Great, it's eighty one Holly Lane.")))
    assert plain and taken and taken[0].confidence > plain[0].confidence


def test_the_business_name_said_back_is_not_a_need() -> None:
    from callcredit.analysis.detectors.category import detect_service_need

    s = sc(
        (B, "Mile High Pest Control, Renee speaking."),
        (C, "Pest control? Sorry, I was after my cousin Tom."),
        name="Mile High Pest Control",
    )
    assert detect_service_need(s) == []


def test_clearing_out_a_house_is_not_house_cleaning() -> None:
    s = sc((C, "We're cleaning out my father's garage before he sells."))
    assert "category:cleaning" not in s.hits
    assert "category:cleaning" in sc((C, "Could you send a maid to clean my house?")).hits


def test_everyday_dispatch_words_promise_a_visit() -> None:
    s = sc((B, "No problem, we can have somebody there around noon."))
    assert s.group("visit_promised")


def test_the_caller_taking_a_time_after_saying_where_is_a_visit_in_the_area() -> None:
    s = sc(
        (B, "And where's the property?"),
        (C, "Oh, Parker, behind my brother's place."),
        (B, "We're out that direction on Tuesday."),
        (C, "Tuesday works for me."),
    )
    assert "visit_after_place" in cues(detect_area(s, AREA))
