"""Value types of the analysis: reason codes, cues, evidence, context and the finding."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from callcredit.transcription.schemas import Speaker

ReasonCode = Literal[
    "voicemail",
    "price_shopper",
    "wrong_category",
    "out_of_area",
    "wrong_number",
    "spam",
    "job_seeker",
    "duplicate",
    "no_intent",
    "other",
]
REASON_CODES: tuple[str, ...] = get_args(ReasonCode)
Verdict = Literal["supported", "contradicted", "inconclusive"]
Recommendation = Literal["approve", "decline", "needs_review"]
Stance = Literal["supports", "contradicts"]


class Cue(BaseModel):
    """One thing a detector noticed, with where it happened and how sure it is."""

    model_config = {"frozen": True}

    cue: str
    confidence: float = Field(ge=0.0, le=1.0)
    start: float = 0.0
    end: float = 0.0
    speaker: Speaker = "unknown"
    text: str = ""
    value: str | None = None  # e.g. the category slug or the ZIP code the cue is about
    context: str | None = None  # the surrounding sentence, for evidence shown to people
    context_start: float | None = None
    context_end: float | None = None


class Evidence(BaseModel):
    """A timestamped snippet that supports or contradicts the claimed reason."""

    start: float
    end: float
    speaker: Speaker
    text: str
    cue: str
    stance: Stance


class PriorCall(BaseModel):
    """An earlier billed call: who it was billed to, from which number, and when."""

    business_id: str | None
    caller_number: str | None
    called_at: datetime
    call_id: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _from_tuple(cls, data: Any) -> Any:
        """Accept (business_id, caller_number, called_at[, call_id]) tuples."""
        if isinstance(data, list | tuple):
            keys = ("business_id", "caller_number", "called_at", "call_id")
            return dict(zip(keys, data, strict=False))
        return data


class AnalysisContext(BaseModel):
    """What the analysis knows about the billed call besides its transcript."""

    call_id: str
    claimed_reason: ReasonCode
    business_id: str | None = None
    business_name: str | None = None
    business_category: str | None = None
    service_area: list[str] = Field(default_factory=list)
    called_at: datetime | None = None
    caller_number: str | None = None
    note: str | None = None
    # Earlier billed calls to check for duplicates; None means the history is unknown.
    prior_calls: list[PriorCall] | None = None

    @field_validator("service_area", mode="before")
    @classmethod
    def _split_area(cls, value: Any) -> Any:
        """Accept the manifest's ';'-separated string as well as a list."""
        if value is None:
            return []
        if isinstance(value, str):
            return [p.strip() for p in re.split(r"[;\n]", value) if p.strip()]
        return value


class ReasonAssessment(BaseModel):
    """How the evidence stands on one reason, claimed or not."""

    reason: ReasonCode
    verdict: Verdict
    confidence: float
    support: float
    contra: float
    supporting: list[Cue] = Field(default_factory=list)
    contradicting: list[Cue] = Field(default_factory=list)


class Finding(BaseModel):
    """The analysis of one credit claim, ready for a reviewer and the business."""

    call_id: str
    claimed_reason: ReasonCode
    verdict: Verdict
    confidence: float = Field(ge=0.0, le=1.0)
    recommendation: Recommendation
    credit_share: float = Field(default=0.0, ge=0.0, le=1.0)
    other_findings: list[ReasonCode] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)
    explanation: str = ""
    policy_name: str = ""
    detected_category: str | None = None
    assessments: dict[str, ReasonAssessment] = Field(default_factory=dict)
    transcript: str = ""
    seconds: float = 0.0

    def to_eval_dict(self) -> dict[str, Any]:
        """Return the eval JSON-lines record (see design.md, "Eval output")."""
        return {
            "call_id": self.call_id,
            "claimed_reason": self.claimed_reason,
            "verdict": self.verdict,
            "confidence": round(self.confidence, 2),
            "recommendation": self.recommendation,
            "other_findings": list(self.other_findings),
            "evidence": [e.model_dump() for e in self.evidence],
            "transcript": self.transcript,
            "seconds": round(self.seconds, 3),
        }
