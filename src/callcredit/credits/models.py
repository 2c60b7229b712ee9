"""Credit requests, their stored analysis findings and their decisions."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import field_validator
from sqlalchemy import JSON, Column, Index, TextClause, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow

NOTE_MAX = 2000
EXPLANATION_MAX = 4000


class ReasonCode(StrEnum):
    voicemail = "voicemail"
    price_shopper = "price_shopper"
    wrong_category = "wrong_category"
    out_of_area = "out_of_area"
    wrong_number = "wrong_number"
    spam = "spam"
    job_seeker = "job_seeker"
    duplicate = "duplicate"
    no_intent = "no_intent"
    other = "other"


class RequestStatus(StrEnum):
    received = "received"
    analyzing = "analyzing"
    ready = "ready"
    analysis_failed = "analysis_failed"
    in_review = "in_review"
    approved = "approved"
    declined = "declined"
    re_review_requested = "re_review_requested"
    final = "final"


# Every status a request can move to from each status; anything else is a conflict.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    RequestStatus.received: frozenset({RequestStatus.analyzing, RequestStatus.analysis_failed}),
    RequestStatus.analyzing: frozenset({RequestStatus.ready, RequestStatus.analysis_failed}),
    RequestStatus.ready: frozenset({RequestStatus.in_review}),
    RequestStatus.analysis_failed: frozenset({RequestStatus.in_review}),
    RequestStatus.in_review: frozenset(
        {
            RequestStatus.ready,
            RequestStatus.analysis_failed,
            RequestStatus.approved,
            RequestStatus.declined,
            RequestStatus.final,
        }
    ),
    RequestStatus.approved: frozenset({RequestStatus.re_review_requested}),
    RequestStatus.declined: frozenset({RequestStatus.re_review_requested}),
    RequestStatus.re_review_requested: frozenset({RequestStatus.ready}),
    RequestStatus.final: frozenset(),
}
# Waiting for (or in) review: these hold a place in the one queue.
OPEN_STATUSES = (
    RequestStatus.received,
    RequestStatus.analyzing,
    RequestStatus.ready,
    RequestStatus.analysis_failed,
    RequestStatus.in_review,
    RequestStatus.re_review_requested,
)
CLAIMABLE_STATUSES = (RequestStatus.ready, RequestStatus.analysis_failed)


def _status_in(statuses: tuple[RequestStatus, ...]) -> TextClause:
    return text(f"status IN ({', '.join(repr(str(s)) for s in statuses)})")


# Written out literally, in the partial indexes and in the queries alike: SQLite uses a
# partial index only when the query repeats its WHERE term, and bound parameters do not.
OPEN_SQL = _status_in(OPEN_STATUSES)
CLAIMABLE_SQL = _status_in(CLAIMABLE_STATUSES)
DECIDED_STATUSES = (RequestStatus.approved, RequestStatus.declined, RequestStatus.final)


class Outcome(StrEnum):
    approve = "approve"
    decline = "decline"


class DecisionStage(StrEnum):
    initial = "initial"
    re_review = "re_review"


class CreditRequestBase(SQLModel):
    call_id: str = Field(max_length=128, min_length=1, description="the billed call's ID")
    reason: ReasonCode = Field(description="the claimed reason code")
    note: str = Field(default="", max_length=NOTE_MAX)


class CreditRequest(CreditRequestBase, table=True):
    # One request per call, ever: a second request on a decided call could credit it twice,
    # so the business goes through customer success's re-review instead.
    __table_args__ = (
        UniqueConstraint("call_pk", name="uq_creditrequest_call"),
        # Partial indexes hold the queue without the decided history: queue positions and
        # listings walk only open requests, and the next claim is the first entry, O(1).
        Index(
            "ix_creditrequest_open",
            "queued_at",
            "id",
            sqlite_where=OPEN_SQL,
            postgresql_where=OPEN_SQL,
        ),
        Index(
            "ix_creditrequest_claimable",
            "queued_at",
            "id",
            sqlite_where=CLAIMABLE_SQL,
            postgresql_where=CLAIMABLE_SQL,
        ),
        # Only requests in review have a lease: expired ones are one range away.
        Index("ix_creditrequest_lease", "lease_until"),
    )

    id: int | None = Field(default=None, primary_key=True)
    call_pk: int = Field(foreign_key="call.id")
    call_id: str = Field(max_length=128, index=True)
    business_id: str = Field(foreign_key="business.id", index=True, max_length=64)
    status: RequestStatus = Field(default=RequestStatus.received)
    submitted_by: str = Field(max_length=128)
    submitted_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    # The queue's only sort key: submission time, or the time a re-review was asked.
    queued_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sla_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    claimed_by: str | None = Field(default=None, max_length=128)
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    analysis_error: str | None = Field(default=None, max_length=2000)
    re_review_note: str | None = Field(default=None, max_length=NOTE_MAX)
    re_review_requested_by: str | None = Field(default=None, max_length=128)
    re_review_requested_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


def no_nul(value: str | None) -> str | None:
    """Refuse NUL characters: PostgreSQL cannot store them in text."""
    if value is not None and "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


class CreditRequestCreate(CreditRequestBase):
    _text = field_validator("call_id", "note")(no_nul)


class FindingBase(SQLModel):
    verdict: str = Field(max_length=16, description="supported, contradicted or inconclusive")
    confidence: float = Field(ge=0, le=1)
    recommendation: str = Field(max_length=16, description="approve, decline or needs_review")
    other_findings: list[str] = Field(default_factory=list, sa_column=Column(JSON))
    evidence: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    explanation: str = ""


class RequestFinding(FindingBase, table=True):
    """The analysis of one request (replaced if the analysis runs again)."""

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="creditrequest.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class FindingPublic(FindingBase):
    created_at: datetime


class DecisionBase(SQLModel):
    outcome: Outcome
    reason: ReasonCode = Field(description="the policy reason the decision rests on")
    explanation: str = Field(min_length=1, max_length=EXPLANATION_MAX)


class Decision(DecisionBase, table=True):
    # One decision per stage: the database refuses a second one, whatever the races.
    __table_args__ = (UniqueConstraint("request_id", "stage", name="uq_decision_stage"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="creditrequest.id", index=True)
    stage: DecisionStage
    amount_cents: int = Field(default=0, description="credit granted by this decision")
    decided_by: str = Field(max_length=128)
    decided_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    sla_due_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class DecisionCreate(SQLModel):
    decision: Outcome
    reason: ReasonCode | None = Field(
        default=None, description="policy reason; default: the claimed reason"
    )
    explanation: str | None = Field(
        default=None,
        max_length=EXPLANATION_MAX,
        description="shown to the business; default: the suggested explanation",
    )
    amount_cents: int | None = Field(
        default=None, ge=1, description="partial credit, where the policy allows it"
    )

    _text = field_validator("explanation")(no_nul)


class DecisionPublic(DecisionBase):
    stage: DecisionStage
    amount_cents: int
    decided_by: str
    decided_at: datetime
    sla_due_at: datetime
