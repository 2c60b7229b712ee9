"""Calls left unsettled, and words that only look like agreement or a referral.

The dev15 and dev16 validation calls (scored once, untouched) showed price questions cut
off before the caller decided, a trade named with "I don't know if it's...", "How are you
today? Fine." read as a day agreed, and a business saying "we don't do concrete" without
any "you'll want". The cases below say these things in other words.
"""

from __future__ import annotations

from callcredit.analysis import AnalysisContext, analyze, load_lexicon, load_policy, scan
from callcredit.analysis.detectors.category import category_scores, detect_referrals
from callcredit.analysis.lexicon import Scan
from callcredit.analysis.synthetic import transcript_from_turns
from callcredit.analysis.view import TranscriptView

C, B = "caller", "business"


def sc(*turns: tuple[str, str]) -> Scan:
    return scan(TranscriptView.build(transcript_from_turns(list(turns))), load_lexicon())


def finding(claim: str, *turns: tuple[str, str]):
    context = AnalysisContext(
        call_id="t", claimed_reason=claim, business_id="b", business_category="fencing"
    )
    transcript = transcript_from_turns(list(turns))
    return analyze(transcript=transcript, context=context, policy=load_policy())


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
