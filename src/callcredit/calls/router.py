"""HTTP endpoints for billed calls and their transcripts."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from pydantic import ValidationError

from callcredit import orchestrator
from callcredit.calls import service
from callcredit.calls.models import Call, CallCreate, CallPublic
from callcredit.deps import SessionDep, SettingsDep
from callcredit.errors import responses
from callcredit.exceptions import InvalidInput, NotFound
from callcredit.identity.deps import AdminPrincipal, CurrentPrincipal, Principal
from callcredit.transcription.models import TranscriptPublic

router = APIRouter(prefix="/api/calls", tags=["calls"])
# Out-of-range paging is invalid input (422), not a database overflow (500).
MAX_OFFSET = 2**31 - 1

METADATA_HELP = (
    'JSON object: {"call_id", "business_id", "caller_number", "called_at" (ISO 8601 with offset),'
    ' "channels" ("mono"|"stereo"), "billed_cents"?, and for a new business "business_name",'
    ' "business_category", "service_area"}'
)


def _parse_metadata(raw: str) -> CallCreate:
    try:
        return CallCreate.model_validate(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"metadata is not valid JSON: {exc.msg} at char {exc.pos}") from exc
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise InvalidInput(f"metadata: {problems}") from exc


@router.post(
    "",
    status_code=201,
    response_model=CallPublic,
    responses={
        200: {"model": CallPublic, "description": "same call and recording already stored"},
        **responses(409, 413, 422),
    },
)
def create_call(
    _admin: AdminPrincipal,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    metadata: Annotated[str, Form(description=METADATA_HELP)],
    recording: Annotated[UploadFile, File(description="WAV, FLAC, MP3, OGG/Opus or M4A")],
) -> CallPublic:
    """Store a billed call with its recording and queue its transcription."""
    data = _parse_metadata(metadata)
    result = orchestrator.ingest_recording(
        session=session,
        settings=settings,
        data=data,
        source=recording.file,
        filename=recording.filename or "",
    )
    if not result.created:
        response.status_code = 200
    return CallPublic.model_validate(result.call, from_attributes=True)


def _visible_call(session: SessionDep, principal: Principal, call_id: str) -> Call:
    call = service.get_by_call_id(session=session, call_id=call_id)
    # Another business's call answers exactly like a call that does not exist.
    if not principal.is_staff and call.business_id != principal.business_id:
        raise NotFound(f"no call with call_id {call_id!r}")
    return call


@router.get("", response_model=list[CallPublic], responses=responses(401, 403))
def list_calls(
    principal: CurrentPrincipal,
    session: SessionDep,
    business_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[CallPublic]:
    """List billed calls, newest first (a business sees only its own)."""
    if not principal.is_staff:
        business_id = principal.business_id
    found = service.list_calls(session=session, business_id=business_id, limit=limit, offset=offset)
    return [CallPublic.model_validate(c, from_attributes=True) for c in found]


@router.get("/{call_id}", response_model=CallPublic, responses=responses(401, 404))
def get_call(principal: CurrentPrincipal, session: SessionDep, call_id: str) -> CallPublic:
    """Return one billed call."""
    call = _visible_call(session, principal, call_id)
    return CallPublic.model_validate(call, from_attributes=True)


@router.get("/{call_id}/transcript", response_model=TranscriptPublic, responses=responses(401, 404))
def get_transcript(
    principal: CurrentPrincipal, session: SessionDep, call_id: str
) -> TranscriptPublic:
    """Return a call's transcript as speaker turns with word times."""
    call = _visible_call(session, principal, call_id)
    transcript = orchestrator.find_transcript(session=session, call=call)
    if transcript is None:
        raise NotFound(
            f"call {call_id!r} has no transcript yet (status {call.transcription_status})"
        )
    data = transcript.to_data()
    return TranscriptPublic(
        call_id=call.call_id,
        model=data.model,
        language=data.language,
        duration=data.duration,
        segments=data.segments,
    )
