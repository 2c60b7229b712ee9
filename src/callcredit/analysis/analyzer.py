"""analyze(): run every detector over a call and turn the result into a Finding."""

from __future__ import annotations

import time

import numpy as np

from callcredit.transcription.schemas import TranscriptData

from .assess import assess_all
from .detectors.area import detect_area
from .detectors.beep import detect_beep
from .detectors.category import best_category, detect_category, detect_service_need
from .detectors.conversation import (
    detect_cut_off,
    detect_exchange,
    detect_left_open,
    detect_no_intent,
)
from .detectors.duplicate import detect_duplicate
from .detectors.phrases import (
    detect_booking,
    detect_existing_customer,
    detect_job_seeker,
    detect_live_answer,
    detect_price,
    detect_spam,
    detect_voicemail_greeting,
    detect_wrong_number,
)
from .detectors.pivots import detect_pivots
from .explain import build_evidence, explain
from .lexicon import Lexicon, Scan, load_lexicon, scan
from .models import AnalysisContext, Cue, Finding, ReasonAssessment, ReasonCode, Recommendation
from .policy import Policy
from .view import TranscriptView


def detect_all(
    sc: Scan,
    context: AnalysisContext,
    policy: Policy,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
) -> list[Cue]:
    """Return the cues of every detector for one call."""
    lex = sc.lexicon
    cues = [
        *detect_voicemail_greeting(sc),
        *detect_live_answer(sc),
        *detect_exchange(sc),
        *detect_cut_off(sc),
        *detect_left_open(sc),
        *detect_beep(audio, sample_rate, lex.weight("beep")),
        *detect_booking(sc),
        *detect_price(sc),
        *detect_service_need(sc),
        *detect_category(sc, context.business_category),
        *detect_area(sc, context.service_area),
        *detect_wrong_number(sc),
        *detect_spam(sc),
        *detect_job_seeker(sc),
        *detect_existing_customer(sc),
        *detect_no_intent(sc),
        *detect_duplicate(
            call_id=context.call_id,
            caller_number=context.caller_number,
            business_id=context.business_id,
            called_at=context.called_at,
            prior_calls=context.prior_calls,
            window=policy.duplicate_window(),
            found_weight=lex.weight("prior_call"),
            none_weight=lex.weight("no_prior_call"),
        ),
    ]
    return cues + detect_pivots(cues, lex.weight("stayed_on"), lex.weight("moved_on"))


def recommend(assessment: ReasonAssessment, policy: Policy) -> tuple[Recommendation, float]:
    """Return the recommendation and credit share for the claimed reason's assessment."""
    rule = policy.rule(assessment.reason)
    if rule.treatment == "needs_review" or assessment.verdict == "inconclusive":
        return "needs_review", 0.0
    if assessment.confidence < policy.review.min_confidence:
        return "needs_review", 0.0
    if assessment.verdict == "contradicted" or rule.treatment == "billable":
        return "decline", 0.0
    return "approve", rule.credit_share


def other_findings(
    assessments: dict[ReasonCode, ReasonAssessment], claimed: ReasonCode, lexicon: Lexicon
) -> list[ReasonCode]:
    """Return reasons the evidence supports that the business did not claim, strongest first."""
    floor = lexicon.rules.thresholds.finding

    def found(code: ReasonCode) -> bool:
        """Return True when the evidence clearly supports a reason."""
        a = assessments[code]
        return a.verdict == "supported" and a.confidence >= floor

    rules = lexicon.rules.reasons
    listed = [
        code
        for code in assessments
        if code not in (claimed, "other")
        and found(code)
        and not any(found(other) for other in rules[code].hidden_by)
    ]
    return sorted(listed, key=lambda code: -assessments[code].confidence)


def analyze(
    *,
    transcript: TranscriptData,
    context: AnalysisContext,
    policy: Policy,
    audio: np.ndarray | None = None,
    sample_rate: int = 16000,
) -> Finding:
    """Check the claimed credit reason against the call and return the finding."""
    started = time.perf_counter()
    lexicon = load_lexicon()
    sc = scan(TranscriptView.build(transcript), lexicon, context.business_name)
    cues = detect_all(sc, context, policy, audio, sample_rate)
    assessments = assess_all(cues, lexicon.rules)
    claimed = assessments[context.claimed_reason]
    recommendation, share = recommend(claimed, policy)
    found = other_findings(assessments, context.claimed_reason, lexicon)
    evidence = build_evidence(claimed)
    finding = Finding(
        call_id=context.call_id,
        claimed_reason=context.claimed_reason,
        verdict=claimed.verdict,
        confidence=round(claimed.confidence, 4),
        recommendation=recommendation,
        credit_share=share,
        other_findings=found,
        evidence=evidence,
        policy_name=policy.name,
        detected_category=best_category(sc),
        assessments=dict(assessments),
        transcript=transcript.text,
    )
    finding.explanation = explain(finding, context, policy)
    finding.seconds = round(time.perf_counter() - started, 6)
    return finding
