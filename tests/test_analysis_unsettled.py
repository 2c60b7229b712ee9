"""Calls left unsettled, and words that only look like agreement or a referral.

The dev15 and dev16 validation calls (scored once, untouched) showed price questions cut
off before the caller decided, a trade named with "I don't know if it's...", "How are you
today? Fine." read as a day agreed, and a business saying "we don't do concrete" without
any "you'll want". The cases below say these things in other words.
"""

from __future__ import annotations

from analysis_helpers import B, C, finding, sc

from callcredit.analysis.detectors.category import category_scores, detect_referrals


def test_a_price_call_cut_off_before_the_caller_decides_stays_open() -> None:
    result = finding(
        "price_shopper",
        (B, "Summit Fence, Dale."),
        (C, "How much do you charge per foot for cedar?"),
        (B, "Around thirty a foot, installed. Want me to have somebody measure?"),
        (C, "Hmm, maybe, let me check with my"),
        (B, "Hello? I think I lost you."),
    )
    assert result.verdict == "inconclusive"
    assert result.recommendation == "needs_review"


def test_not_knowing_which_trade_makes_it_a_guess() -> None:
    sure = sc((C, "Water is coming through the ceiling, it's the roof."))
    unsure = sc((C, "Water is coming through the ceiling, I don't know if it's the roof."))
    score = {s.slug: s.score for s in category_scores(sure)}
    guessed = {s.slug: s.score for s in category_scores(unsure)}
    assert guessed["roofing"] < score["roofing"]


def test_a_greeting_answered_is_not_a_day_agreed() -> None:
    s = sc((C, "Hi Lou, how's it going today? Fine? Good."))
    assert not s.group("booking_confirm")
    assert sc((C, "Friday is fine for me.")).group("booking_confirm")


def test_the_business_saying_what_it_does_not_do_refers_the_caller() -> None:
    s = sc(
        (C, "Can you pour a new driveway slab for me?"),
        (B, "Sorry, we don't do concrete, just fences."),
    )
    assert "wrong_category_business" in {c.cue for c in detect_referrals(s, "fencing")}


def test_a_staffing_pitch_is_spam() -> None:
    s = sc((C, "Hi, I'm with a staffing agency, we place temp workers with contractors."))
    assert s.group("spam")


# dev17/dev18 (scored once, untouched): a town after a street, a visit asked for and then
# promised, a plow driver asking for sub work, and a pitch that promises installs a month.


def test_the_town_after_a_street_is_where_the_job_is() -> None:
    from callcredit.analysis.detectors.area import detect_area

    s = sc((C, "The shed is behind the house on Birch Lane in Greeley."))
    outside = [c for c in detect_area(s, ["80521", "Fort Collins"]) if c.cue == "place_outside"]
    assert outside and "Greeley" in outside[0].text


def test_a_visit_asked_for_and_then_promised_is_a_job_accepted() -> None:
    from callcredit.analysis.detectors.category import detect_job_accepted

    promised = sc((B, "Sure, I'll send someone after lunch."))
    asked = sc(
        (C, "Could you come out today? The gate post snapped."),
        (B, "Sure, I'll send someone after lunch."),
    )
    alone, after_asking = detect_job_accepted(promised), detect_job_accepted(asked)
    assert alone and after_asking and after_asking[0].confidence > alone[0].confidence


def test_asking_for_sub_work_is_job_seeking() -> None:
    s = sc((C, "I run my own mower rig. Do you ever sub anything out over the summer?"))
    assert s.group("job_seeker")


def test_a_pitch_promising_new_jobs_a_month_is_spam() -> None:
    s = sc((C, "We get fence companies like yours ten new jobs a month, no contract."))
    assert s.group("spam")


def test_a_caller_who_leaves_to_find_out_which_trade_leaves_the_claim_open() -> None:
    turns = [
        (B, "Summit Fence, Dale."),
        (C, "The railing on my deck wobbles, or maybe it's the deck boards, I can't tell."),
        (B, "We do railings, not decks. What's it attached to?"),
        (C, "Hmm, I'll have to check with my husband tonight and call you back."),
    ]
    from callcredit.analysis.detectors.conversation import detect_left_open

    assert [c.cue for c in detect_left_open(sc(*turns))] == ["left_open"]
    result = finding("wrong_category", *turns)
    assert result.recommendation == "needs_review"
    cues = {c.cue for c in result.assessments["wrong_category"].supporting}
    assert "left_open" not in cues  # a marker that lowers confidence, not evidence


def test_the_business_promising_a_call_back_leaves_nothing_open() -> None:
    from callcredit.analysis.detectors.conversation import detect_left_open

    s = sc((C, "Can you fix a sagging gate?"), (B, "Sure, I'll call you back with a time."))
    assert detect_left_open(s) == []


# dev19/dev20 (scored once, untouched): a day taken in answer to an offer, and a caller
# whose own town is not the job's.


def test_a_day_given_in_answer_to_an_offer_takes_the_visit() -> None:
    from callcredit.analysis.detectors.phrases import detect_booking

    s = sc(
        (B, "Want me to swing by and measure? I'm out your way this week."),
        (C, "Alright. Wednesday around noon."),
    )
    assert "booking_confirm" in {c.cue for c in detect_booking(s)}
    plain = sc((C, "Wednesday around noon I'm at the dentist, so not then."))
    assert "booking_confirm" not in {c.cue for c in detect_booking(plain)}


def test_where_the_caller_lives_is_not_where_the_job_is() -> None:
    from callcredit.analysis.detectors.area import detect_area

    area = ["80521", "Fort Collins", "Loveland"]
    before = sc((C, "Hi, I'm up in Cheyenne."), (B, "Oh, we don't go that far."))
    after = sc(*before_turns(), (C, "No, wait, it's my mom's house, she's in Loveland."))
    far = {c.cue: c.confidence for c in detect_area(before, area)}
    corrected = {c.cue: c.confidence for c in detect_area(after, area)}
    assert corrected["out_of_area_business"] < far["out_of_area_business"]
    assert "place_inside" in corrected


def before_turns() -> list[tuple[str, str]]:
    return [(C, "Hi, I'm up in Cheyenne."), (B, "Oh, we don't go that far.")]
