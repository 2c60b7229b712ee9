"""Compute the request summary and the decisions export for a time range."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session

from callcredit.credits.models import (
    OPEN_STATUSES,
    CreditRequest,
    Decision,
    DecisionStage,
    Outcome,
)
from callcredit.database import utcnow

CSV_COLUMNS = (
    "request_id",
    "call_id",
    "business_id",
    "claimed_reason",
    "stage",
    "outcome",
    "decision_reason",
    "amount_cents",
    "decided_by",
    "submitted_at",
    "decided_at",
    "hours_to_decision",
    "within_sla",
    "explanation",
)


class Summary(BaseModel):
    """Requests submitted in [from, to): counts, approval rate, decision times and SLA."""

    from_: datetime | None = Field(default=None, alias="from", serialization_alias="from")
    to: datetime | None = None
    total: int
    by_status: dict[str, int]
    by_reason: dict[str, int]
    by_decision: dict[str, int] = Field(description="each request's latest decision")
    approval_rate: float | None = Field(description="approved / decided; None when none decided")
    median_hours_to_decision: float | None
    p90_hours_to_decision: float | None
    decisions_within_sla: int
    sla_compliance: float | None = Field(description="decisions made by their SLA due time")
    open_overdue: int = Field(description="open requests already past their SLA due time")

    model_config = {"populate_by_name": True}


def percentile(values: list[float], fraction: float) -> float | None:
    """Return the nearest-rank percentile of the values, or None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _requests(
    session: Session, start: datetime | None, end: datetime | None
) -> list[CreditRequest]:
    stmt = select(CreditRequest).order_by(CreditRequest.id)  # type: ignore[arg-type]
    if start is not None:
        stmt = stmt.where(CreditRequest.submitted_at >= start)  # type: ignore[operator]
    if end is not None:
        stmt = stmt.where(CreditRequest.submitted_at < end)  # type: ignore[operator]
    return list(session.execute(stmt).scalars())


def _decisions(session: Session, request_ids: list[int]) -> dict[int, list[Decision]]:
    found: dict[int, list[Decision]] = {}
    # Chunked IN lists stay under every database's bound-parameter limit.
    for i in range(0, len(request_ids), 500):
        stmt = select(Decision).where(Decision.request_id.in_(request_ids[i : i + 500]))  # type: ignore[attr-defined]
        for decision in session.execute(stmt).scalars():
            found.setdefault(decision.request_id, []).append(decision)
    for rows in found.values():
        rows.sort(key=lambda d: d.stage != DecisionStage.initial)
    return found


def _cell(value: object) -> object:
    # Spreadsheets run cells that start like a formula; free text must not become one.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _hours(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 3)


def get_summary(*, session: Session, start: datetime | None, end: datetime | None) -> Summary:
    """Summarise the requests submitted in the range."""
    requests = _requests(session, start, end)
    decisions = _decisions(session, [r.id for r in requests if r.id is not None])
    now = utcnow()
    latest: Counter[str] = Counter()
    hours: list[float] = []
    within = made = 0
    for request in requests:
        rows = decisions.get(request.id or 0, [])
        if rows:
            latest[str(rows[-1].outcome)] += 1
            hours.append(_hours(request.submitted_at, rows[0].decided_at))
        for decision in rows:
            made += 1
            within += decision.decided_at <= decision.sla_due_at
    decided = sum(latest.values())
    return Summary(
        from_=start,
        to=end,
        total=len(requests),
        by_status=dict(Counter(str(r.status) for r in requests)),
        by_reason=dict(Counter(str(r.reason) for r in requests)),
        by_decision=dict(latest),
        approval_rate=round(latest[Outcome.approve] / decided, 4) if decided else None,
        median_hours_to_decision=percentile(hours, 0.5),
        p90_hours_to_decision=percentile(hours, 0.9),
        decisions_within_sla=within,
        sla_compliance=round(within / made, 4) if made else None,
        open_overdue=sum(1 for r in requests if r.status in OPEN_STATUSES and now > r.sla_due_at),
    )


def get_decisions_csv(*, session: Session, start: datetime | None, end: datetime | None) -> str:
    """Return every decision made in the range as CSV, oldest first."""
    stmt = (
        select(Decision, CreditRequest)
        .join(CreditRequest, CreditRequest.id == Decision.request_id)  # type: ignore[arg-type]
        .order_by(Decision.decided_at, Decision.id)  # type: ignore[arg-type]
    )
    if start is not None:
        stmt = stmt.where(Decision.decided_at >= start)  # type: ignore[operator]
    if end is not None:
        stmt = stmt.where(Decision.decided_at < end)  # type: ignore[operator]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for decision, request in session.execute(stmt):
        writer.writerow(
            _cell(value)
            for value in (
                request.id,
                request.call_id,
                request.business_id,
                request.reason,
                decision.stage,
                decision.outcome,
                decision.reason,
                decision.amount_cents,
                decision.decided_by,
                request.submitted_at.isoformat(),
                decision.decided_at.isoformat(),
                _hours(request.submitted_at, decision.decided_at),
                decision.decided_at <= decision.sla_due_at,
                decision.explanation,
            )
        )
    return out.getvalue()
