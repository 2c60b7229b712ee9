"""Create and read businesses and billed calls."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from callcredit.calls.models import Business, BusinessCreate, Call, CallCreate, TranscriptionStatus
from callcredit.exceptions import Conflict, InvalidInput, NotFound


def get_business(*, session: Session, business_id: str) -> Business:
    """Return a business or raise NotFound."""
    business = session.get(Business, business_id)
    if business is None:
        raise NotFound(f"no business with id {business_id!r}")
    return business


def upsert_business(*, session: Session, data: BusinessCreate) -> Business:
    """Create a business, or update its descriptive fields if it exists."""
    business = session.get(Business, data.id)
    if business is None:
        business = Business.model_validate(data)
    else:
        for key, value in data.model_dump(exclude_unset=True, exclude={"id"}).items():
            setattr(business, key, value)
    session.add(business)
    session.flush()
    return business


def ensure_business(*, session: Session, data: CallCreate) -> Business:
    """Return the call's business, creating it from the call's metadata when it is new."""
    business = session.get(Business, data.business_id)
    if business is not None:
        return business
    if not (data.business_name and data.business_category):
        raise InvalidInput(
            f"business {data.business_id!r} is unknown; send business_name and business_category"
            " to create it"
        )
    return upsert_business(
        session=session,
        data=BusinessCreate(
            id=data.business_id,
            name=data.business_name,
            category=data.business_category,
            service_area=data.service_area or "",
        ),
    )


def get_by_call_id(*, session: Session, call_id: str) -> Call:
    """Return a call by its external ID or raise NotFound."""
    call = session.execute(select(Call).where(Call.call_id == call_id)).scalar_one_or_none()
    if call is None:
        raise NotFound(f"no call with call_id {call_id!r}")
    return call


def find_by_call_id(*, session: Session, call_id: str) -> Call | None:
    """Return a call by its external ID, or None."""
    return session.execute(select(Call).where(Call.call_id == call_id)).scalar_one_or_none()


@dataclass(frozen=True)
class RecordingInfo:
    """What the orchestrator learnt about a stored recording."""

    relative_path: str
    sha256: str
    duration_seconds: float


def check_existing(*, session: Session, call_id: str, sha256: str) -> Call | None:
    """Return the call if this exact recording was already ingested; 409 if it differs."""
    existing = find_by_call_id(session=session, call_id=call_id)
    if existing is None:
        return None
    if existing.recording_sha256 != sha256:
        raise Conflict(
            f"call {call_id!r} already exists with a different recording"
            f" (sha256 {existing.recording_sha256[:12]}…); a call's recording cannot be replaced",
            details={"call_id": call_id, "existing_sha256": existing.recording_sha256},
        )
    return existing


def create(
    *, session: Session, data: CallCreate, recording: RecordingInfo, default_billed_cents: int
) -> Call:
    """Insert a billed call (its business must exist or be creatable from the metadata)."""
    ensure_business(session=session, data=data)
    call = Call(
        call_id=data.call_id,
        business_id=data.business_id,
        caller_number=data.caller_number,
        called_at=data.called_at.astimezone(UTC),
        billed_cents=default_billed_cents if data.billed_cents is None else data.billed_cents,
        channels=data.channels,
        duration_seconds=recording.duration_seconds,
        recording_path=recording.relative_path,
        recording_sha256=recording.sha256,
    )
    session.add(call)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise Conflict(f"call {data.call_id!r} was created concurrently; retry") from exc
    return call


def list_calls(
    *, session: Session, business_id: str | None = None, limit: int = 100, offset: int = 0
) -> list[Call]:
    """List calls, newest first."""
    stmt = select(Call).order_by(Call.called_at.desc(), Call.id.desc())  # type: ignore[union-attr,attr-defined]
    if business_id is not None:
        stmt = stmt.where(Call.business_id == business_id)
    return list(session.execute(stmt.offset(offset).limit(limit)).scalars())


def list_prior_calls(
    *, session: Session, business_id: str, caller_number: str, before: datetime
) -> list[Call]:
    """List calls from the same number to the same business billed before a time."""
    stmt = (
        select(Call)
        .where(
            Call.business_id == business_id,
            Call.caller_number == caller_number,
            Call.called_at < before,  # type: ignore[operator]
        )
        .order_by(Call.called_at)
    )
    return list(session.execute(stmt).scalars())


def set_transcription_status(
    *, session: Session, call: Call, status: TranscriptionStatus, error: str | None = None
) -> None:
    """Record where a call's transcription stands."""
    call.transcription_status = status
    call.transcription_error = error
    session.add(call)
