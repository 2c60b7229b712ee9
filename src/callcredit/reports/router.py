"""HTTP endpoints for reports: the summary and the decisions CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from callcredit.deps import SessionDep
from callcredit.errors import responses
from callcredit.exceptions import InvalidInput
from callcredit.identity.deps import StaffPrincipal
from callcredit.reports import service
from callcredit.reports.service import Summary

router = APIRouter(prefix="/api/reports", tags=["reports"])

FromQuery = Annotated[
    datetime | None,
    Query(alias="from", description="start (inclusive), ISO 8601; no offset means UTC"),
]
ToQuery = Annotated[
    datetime | None, Query(alias="to", description="end (exclusive), ISO 8601; no offset means UTC")
]


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError as exc:
        raise InvalidInput(f"{value.isoformat()} is out of range") from exc


def _range(start: datetime | None, end: datetime | None) -> tuple[datetime | None, ...]:
    start, end = _utc(start), _utc(end)
    if start is not None and end is not None and end <= start:
        raise InvalidInput("'to' must be later than 'from'")
    return start, end


@router.get(
    "/summary",
    response_model=Summary,
    response_model_by_alias=True,
    responses=responses(401, 403, 422),
)
def get_summary(
    session: SessionDep, principal: StaffPrincipal, start: FromQuery = None, end: ToQuery = None
) -> Summary:
    """Summarise requests submitted in the range: status, reason, decision, timing, SLA."""
    start, end = _range(start, end)
    summary = service.get_summary(session=session, start=start, end=end)
    session.commit()  # ends the read: on SQLite every transaction holds the write lock
    return summary


@router.get(
    "/decisions.csv",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "CSV"},
        **responses(401, 403, 422),
    },
)
def export_decisions(
    session: SessionDep, principal: StaffPrincipal, start: FromQuery = None, end: ToQuery = None
) -> Response:
    """Export the decisions made in the range as CSV."""
    start, end = _range(start, end)
    body = service.get_decisions_csv(session=session, start=start, end=end)
    session.commit()
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="decisions.csv"'},
    )
