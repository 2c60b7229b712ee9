"""Serve a call's recording to staff and to the business it was billed to, with Range support."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from callcredit.calls import service as calls
from callcredit.deps import SessionDep, SettingsDep
from callcredit.errors import responses
from callcredit.exceptions import NotFound
from callcredit.identity.deps import CurrentPrincipal

router = APIRouter(tags=["calls"])
AUDIO_TYPES = {
    ".wav": "audio/wav",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".webm": "audio/webm",
}


def recording_file(recordings_dir: Path, relative: str) -> Path:
    """Return the stored file of a recording; NotFound if it is missing or outside the folder."""
    root = recordings_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("the recording file is missing")
    return path


@router.get(
    "/recordings/{call_id}",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/*": {}}, "description": "the whole recording"},
        206: {"description": "the byte range asked for with a Range header"},
        **responses(401, 404, 416),
    },
)
def get_recording(
    session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal, call_id: str
) -> FileResponse:
    """Return a call's recording; answers Range requests (206) so players can seek."""
    call = calls.find_by_call_id(session=session, call_id=call_id)
    # Another business's call answers exactly like a call that does not exist.
    if call is None or (not principal.is_staff and call.business_id != principal.business_id):
        raise NotFound(f"no call with call_id {call_id!r}")
    path = recording_file(settings.recordings_dir, call.recording_path)
    suffix = path.suffix.lower()
    media_type = AUDIO_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "audio/wav"
    return FileResponse(
        path,
        media_type=media_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
