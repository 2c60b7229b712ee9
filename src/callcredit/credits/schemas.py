"""API shapes of credit requests, the queue, bulk submissions and reports' rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, field_validator

from callcredit.audit.models import AuditEventPublic
from callcredit.credits.models import (
    NOTE_MAX,
    DecisionPublic,
    FindingPublic,
    Outcome,
    ReasonCode,
    RequestStatus,
    no_nul,
)
from callcredit.ledger.models import LedgerEntryPublic

BULK_MAX = 500


class CreditRequestPublic(BaseModel):
    id: int
    call_id: str
    business_id: str
    reason: ReasonCode
    note: str
    status: RequestStatus
    submitted_at: datetime
    queued_at: datetime
    sla_due_at: datetime
    queue_position: int | None = Field(
        default=None, description="1 = next in the review queue; None once decided"
    )
    analysis_error: str | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = None
    re_review_note: str | None = None
    re_review_requested_at: datetime | None = None
    decisions: list[DecisionPublic] = Field(default_factory=list)


class CreditRequestDetail(CreditRequestPublic):
    """A request with what a reviewer needs; businesses get None for the staff-only fields."""

    caller_number: str | None = None
    called_at: datetime | None = None
    billed_cents: int | None = None
    finding: FindingPublic | None = None
    suggested_decision: Outcome | None = None
    suggested_explanation: str | None = Field(
        default=None, description="prefilled from the policy template and the evidence; editable"
    )
    ledger: list[LedgerEntryPublic] = Field(default_factory=list)


class BulkItem(BaseModel):
    """One row of a bulk submission; checked on its own so one bad row sinks nothing else."""

    call_id: str = Field(default="", max_length=256)
    reason: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=NOTE_MAX * 2)


class BulkSubmit(BaseModel):
    items: list[BulkItem] = Field(min_length=1, max_length=BULK_MAX)


class BulkResult(BaseModel):
    index: int
    call_id: str
    status: int = Field(description="the HTTP status this row would have had on its own")
    id: int | None = None
    request_status: RequestStatus | None = None
    queue_position: int | None = None
    error: str | None = None
    message: str | None = None


class BulkResponse(BaseModel):
    created: int
    failed: int
    results: list[BulkResult]


class ReReviewCreate(BaseModel):
    note: str = Field(min_length=1, max_length=NOTE_MAX, description="why it is looked at again")

    _text = field_validator("note")(no_nul)


class QueueItem(BaseModel):
    position: int = Field(description="place in the one FIFO queue; filters never change it")
    id: int
    call_id: str
    business_id: str
    reason: ReasonCode
    status: RequestStatus
    queued_at: datetime
    age_seconds: float
    sla_due_at: datetime
    overdue: bool
    re_review: bool
    recommendation: str | None = None
    confidence: float | None = None
    claimed_by: str | None = None
    lease_until: datetime | None = None


class HistoryPublic(BaseModel):
    request_id: int
    events: list[AuditEventPublic]
