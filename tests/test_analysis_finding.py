"""analyze(): verdicts for every reason both ways, recommendations, evidence, eval JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from callcredit.analysis import AnalysisContext, Finding, analyze, load_policy
from callcredit.analysis.assess import assess
from callcredit.analysis.lexicon import load_lexicon
from callcredit.analysis.models import Cue
from callcredit.analysis.synthetic import transcript_from_turns

C, B, U = "caller", "business", "unknown"
CALLED = datetime(2025, 6, 3, 10, 0, tzinfo=UTC)
NUMBER = "+19165550142"

GREETING = (B, "Pine Ridge Plumbing, this is Alex, how can I help you?")
BOOKS = [
    GREETING,
    (C, "Hi, my kitchen sink is backed up and the disposal hums but won't spin."),
    (B, "I can get a tech out this afternoon between one and three. What's the address?"),
    (C, "It's 2210 Orchard Lane. That works for me, see you then."),
]
CALLS: dict[str, list[tuple[str, str]]] = {
    "voicemail": [
        (
            B,
            "Hi, you've reached Pine Ridge Plumbing. We're out on jobs right now, "
            "so leave your name and number after the tone and we'll call you back.",
        )
    ],
    "live": [
        GREETING,
        (C, "Yeah hi, quick question about my water heater."),
        (B, "Sure, what's going on with it?"),
        (C, "It's making a rumbling sound, can someone come take a look this week?"),
    ],
    "price_shopper": [
        GREETING,
        (C, "Hey, what do you guys charge to put in a new garbage disposal?"),
        (B, "Usually around three fifty with the unit."),
        (C, "Okay, that's a bit pricey. I'm getting a few quotes, I'll let you know."),
    ],
    "wrong_category": [
        GREETING,
        (C, "Hi, I've got a big oak tree leaning over the driveway and I need it taken down."),
        (B, "Oh, we don't do that, you'll want a tree service."),
    ],
    "out_of_area": [
        GREETING,
        (C, "My toilet won't stop running. The zip code is nine five six zero three."),
        (B, "Sorry, that's outside our service area."),
    ],
    "in_area": [
        GREETING,
        (C, "My toilet won't stop running. The zip code is nine five eight one six."),
        (B, "No problem, we can be there this afternoon."),
    ],
    "wrong_number": [
        GREETING,
        (C, "Oh, is this not Luigi's? I wanted to order a pizza for pickup."),
        (B, "No, you've got the wrong number, this is a plumbing company."),
    ],
    "spam": [
        (
            C,
            "Hello, this is Brianna with Top Rank Local. We help contractors get more leads "
            "from Google. Can I speak with the owner?",
        ),
        (B, "We're not interested, thanks."),
    ],
    "job_seeker": [
        GREETING,
        (
            C,
            "Hey, I was wondering if you guys are hiring. I've got three years as a plumber's "
            "helper and my own tools.",
        ),
        (B, "Not right now, but email us your resume."),
    ],
    "no_intent": [GREETING, (C, "Hello? Hello? Hi, can you hear me?"), (B, "Hello?")],
}


def context(claim: str, **extra: object) -> AnalysisContext:
    base = dict(
        call_id="t1",
        claimed_reason=claim,
        business_id="pine",
        business_category="plumbing",
        service_area="95814;95816;95818;Sacramento",
        called_at=CALLED,
        caller_number=NUMBER,
        prior_calls=[],
    )
    base.update(extra)
    return AnalysisContext.model_validate(base)


def run(call: str, claim: str, policy: str = "default", **extra: object) -> Finding:
    transcript = transcript_from_turns(CALLS.get(call, BOOKS))
    return analyze(
        transcript=transcript, context=context(claim, **extra), policy=load_policy(policy)
    )


SUPPORTED = [
    ("voicemail", "voicemail", "decline"),
    ("price_shopper", "price_shopper", "decline"),
    ("wrong_category", "wrong_category", "approve"),
    ("out_of_area", "out_of_area", "approve"),
    ("wrong_number", "wrong_number", "approve"),
    ("spam", "spam", "approve"),
    ("job_seeker", "job_seeker", "approve"),
    ("no_intent", "no_intent", "approve"),
]
CONTRADICTED = [
    ("live", "voicemail"),
    ("books", "price_shopper"),
    ("books", "wrong_category"),
    ("in_area", "out_of_area"),
    ("books", "wrong_number"),
    ("books", "spam"),
    ("books", "job_seeker"),
    ("books", "no_intent"),
    ("books", "other"),
]


@pytest.mark.parametrize(("call", "claim", "recommendation"), SUPPORTED)
def test_supported_claims(call: str, claim: str, recommendation: str) -> None:
    finding = run(call, claim)
    assert finding.verdict == "supported", finding.assessments[claim]
    assert finding.recommendation == recommendation
    assert any(e.stance == "supports" for e in finding.evidence)
    assert finding.confidence >= 0.6


@pytest.mark.parametrize(("call", "claim"), CONTRADICTED)
def test_contradicted_claims(call: str, claim: str) -> None:
    finding = run(call, claim)
    assert finding.verdict == "contradicted", finding.assessments[claim]
    expected = "needs_review" if claim == "other" else "decline"
    assert finding.recommendation == expected
    assert finding.credit_share == 0.0
    assert any(e.stance == "contradicts" for e in finding.evidence)


def test_duplicate_both_ways() -> None:
    earlier = [("pine", "(916) 555-0142", CALLED - timedelta(days=6), "t0")]
    found = run("books", "duplicate", prior_calls=earlier)
    assert (found.verdict, found.recommendation) == ("supported", "approve")
    assert "t0" in found.evidence[0].text
    stale = [("pine", NUMBER, CALLED - timedelta(days=45), "t0")]
    gone = run("books", "duplicate", prior_calls=stale)
    assert (gone.verdict, gone.recommendation) == ("contradicted", "decline")
    unknown = run("books", "duplicate", prior_calls=None)
    assert (unknown.verdict, unknown.recommendation) == ("inconclusive", "needs_review")


def test_other_always_needs_review() -> None:
    finding = run("voicemail", "other")
    assert finding.recommendation == "needs_review"


def test_nothing_to_judge_is_inconclusive_not_a_guess() -> None:
    finding = run("live", "out_of_area")
    assert (finding.verdict, finding.recommendation) == ("inconclusive", "needs_review")
    finding = analyze(
        transcript=transcript_from_turns([]),
        context=context("wrong_category"),
        policy=load_policy(),
    )
    assert finding.recommendation == "needs_review"


def test_unknown_business_category_leaves_wrong_category_to_a_reviewer() -> None:
    finding = run("wrong_category", "wrong_category", business_category=None)
    assert finding.recommendation in {"approve", "needs_review"}
    finding = run("books", "wrong_category", business_category=None)
    assert finding.recommendation == "needs_review"


def test_reasons_found_but_not_claimed_are_other_findings() -> None:
    finding = run("job_seeker", "price_shopper")
    assert "job_seeker" in finding.other_findings
    assert finding.recommendation != "approve"


def test_voicemail_hang_up_claimed_as_no_intent_points_to_voicemail() -> None:
    finding = run("voicemail", "no_intent")
    assert finding.verdict == "contradicted"
    assert "voicemail" in finding.other_findings


def test_beep_in_audio_supports_voicemail() -> None:
    sr = 16000
    t = np.arange(int(0.6 * sr)) / sr
    audio = np.concatenate([np.zeros(sr, np.float32), (0.3 * np.sin(2 * np.pi * 1000 * t))])
    transcript = transcript_from_turns([(U, "Pine Ridge Plumbing.")])
    finding = analyze(
        transcript=transcript,
        context=context("voicemail"),
        policy=load_policy(),
        audio=audio.astype(np.float32),
        sample_rate=sr,
    )
    assert "beep" in {e.cue for e in finding.evidence}


def test_partial_credit_under_the_lead_marketplace_policy() -> None:
    finding = run("wrong_category", "wrong_category", policy="lead_marketplace")
    assert finding.recommendation == "approve"
    assert finding.credit_share == 0.5
    assert "50%" in finding.explanation


def test_explanation_cites_policy_call_and_evidence() -> None:
    finding = run("price_shopper", "price_shopper")
    assert "t1" in finding.explanation
    assert "Pay per call" in finding.explanation
    assert "pricey" in finding.explanation or "charge" in finding.explanation
    review = run("live", "out_of_area")
    assert "48 hours" in review.explanation


def test_evidence_times_point_at_the_quoted_words() -> None:
    transcript = transcript_from_turns(BOOKS)
    finding = analyze(transcript=transcript, context=context("price_shopper"), policy=load_policy())
    words = [w for s in transcript.segments for w in s.words]
    for item in finding.evidence:
        inside = [w.word.strip() for w in words if item.start <= w.start and w.end <= item.end]
        assert " ".join(inside) == item.text


def test_low_confidence_goes_to_a_reviewer() -> None:
    # Only a weak cue: a place the service area does not list.
    turns = [GREETING, (C, "Hi, my sink drips. I live out in Roseville.")]
    finding = analyze(
        transcript=transcript_from_turns(turns),
        context=context("out_of_area"),
        policy=load_policy(),
    )
    assert finding.recommendation == "needs_review"


def test_eval_dict_has_the_design_shape() -> None:
    record = run("books", "price_shopper").to_eval_dict()
    assert list(record) == [
        "call_id",
        "claimed_reason",
        "verdict",
        "confidence",
        "recommendation",
        "other_findings",
        "evidence",
        "transcript",
        "seconds",
    ]
    assert set(record["evidence"][0]) == {"start", "end", "speaker", "text", "cue", "stance"}
    assert record["transcript"].startswith("Pine Ridge Plumbing")
    json.dumps(record)


def test_context_accepts_manifest_strings() -> None:
    ctx = context("spam", service_area=" 95814 ; Elk Grove;", called_at="2025-06-03T10:00:00-07:00")
    assert ctx.service_area == ["95814", "Elk Grove"]
    assert ctx.called_at is not None and ctx.called_at.utcoffset() == timedelta(hours=-7)
    with pytest.raises(ValueError):
        context("not_a_reason")


def test_other_is_reviewed_but_the_verdict_tells_the_reviewer_why() -> None:
    turns = [
        GREETING,
        (C, "Hi, you guys replaced my water heater last week and I was charged twice."),
    ]
    finding = analyze(
        transcript=transcript_from_turns(turns), context=context("other"), policy=load_policy()
    )
    assert (finding.verdict, finding.recommendation) == ("supported", "needs_review")


def _cue(name: str, confidence: float, at: float) -> Cue:
    return Cue(cue=name, confidence=confidence, start=at, end=at + 1.5, speaker="caller")


@pytest.mark.parametrize(
    ("price_at", "booking_at", "verdict"),
    [
        (3.0, 20.0, "contradicted"),  # asked prices, then booked
        (20.0, 3.0, "supported"),  # offered a visit, then said they would call around
        (3.0, 3.0, "inconclusive"),  # same moment: nothing to settle it
    ],
)
def test_a_standoff_goes_to_the_side_heard_last(
    price_at: float, booking_at: float, verdict: str
) -> None:
    rules = load_lexicon().rules
    by_name = {
        "price_only": [_cue("price_only", 0.8, price_at)],
        "booking_confirm": [_cue("booking_confirm", 0.7, booking_at)],
    }
    found = assess("price_shopper", by_name, rules)
    assert (found.support, found.contra) == (0.8, 0.7)  # neither leads by the margin
    assert found.verdict == verdict
    # The winner's strength, lowered by the loser's as for any verdict.
    expected = {"supported": 0.8 * (1 - 0.3 * 0.7), "contradicted": 0.7 * (1 - 0.3 * 0.8)}
    if verdict in expected:
        assert found.confidence == pytest.approx(expected[verdict], abs=1e-4)


def test_a_weak_side_is_no_standoff() -> None:
    rules = load_lexicon().rules
    by_name = {
        "price_only": [_cue("price_only", 0.8, 3.0)],
        "noncommittal": [_cue("noncommittal", 0.3, 4.0)],
        "booking_confirm": [_cue("booking_confirm", 0.45, 20.0)],
    }
    found = assess("price_shopper", by_name, rules)
    assert found.verdict == "supported"  # 0.86 against 0.45: decided by strength, not order
