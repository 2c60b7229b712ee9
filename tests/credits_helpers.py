"""Helpers for credit-request tests: recent calls, transcripts, submissions, ready requests.

from tests.credits_helpers import recent_call, submit, make_ready
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit.analysis import load_policy
from callcredit.calls.models import Business, Call
from callcredit.credits import queue
from callcredit.credits import service as credits
from callcredit.credits.models import (
    CreditRequest,
    CreditRequestCreate,
    FindingBase,
    ReasonCode,
    RequestStatus,
)
from callcredit.database import utcnow
from callcredit.transcription.models import Transcript
from tests import factories

POLICY = load_policy("default")


def recent_call(session: Session, biz: Business, hours_ago: float = 1, **kw: Any) -> Call:
    """Insert a billed call made a little while ago (inside the request window)."""
    return factories.call(session, biz, called_at=utcnow() - timedelta(hours=hours_ago), **kw)


def add_transcript(session: Session, call: Call, lines: list[tuple[str, str]]) -> Transcript:
    """Store a transcript for the call's audio: (speaker, text) turns, two seconds each."""
    segments = [
        {"start": 2.0 * i, "end": 2.0 * i + 1.8, "speaker": speaker, "text": text, "words": []}
        for i, (speaker, text) in enumerate(lines)
    ]
    row = Transcript(
        recording_sha256=call.recording_sha256,
        channels=str(call.channels),
        model="test",
        duration=2.0 * len(lines),
        segments=segments,
    )
    session.add(row)
    session.commit()
    return row


def submit(
    client: TestClient, headers: dict[str, str], call_id: str, reason: str = "spam", note: str = ""
) -> Response:
    """POST a credit request."""
    body = {"call_id": call_id, "reason": reason, "note": note}
    return client.post("/api/credit-requests", json=body, headers=headers)


def create_request(
    session: Session, call: Call, reason: ReasonCode = ReasonCode.spam, **kw: Any
) -> CreditRequest:
    """Submit a request through the service (no HTTP), committed, status received."""
    request = credits.create(
        session=session,
        data=CreditRequestCreate(call_id=call.call_id, reason=reason),
        business_id=call.business_id,
        policy=POLICY,
        actor=f"business:{call.business_id}",
        **kw,
    )
    session.commit()
    return request


def make_ready(
    session: Session, request: CreditRequest, recommendation: str = "approve"
) -> CreditRequest:
    """Move a received request to ready with a stored finding, as the analyze job would."""
    credits.update_status(
        session=session, request=request, to=RequestStatus.analyzing, actor=credits.SYSTEM
    )
    credits.update_finding(
        session=session,
        request=request,
        data=FindingBase(
            verdict="supported",
            confidence=0.9,
            recommendation=recommendation,
            evidence=[
                {
                    "start": 1.0,
                    "end": 3.5,
                    "speaker": "caller",
                    "text": "Hi, this is an automated message about your car warranty.",
                    "cue": "robocall",
                    "stance": "supports",
                }
            ],
        ),
    )
    credits.update_status(
        session=session, request=request, to=RequestStatus.ready, actor=credits.SYSTEM
    )
    session.commit()
    return request


def ready_requests(engine: Engine, count: int, reason: ReasonCode = ReasonCode.spam) -> list[int]:
    """Create a business with `count` ready requests, oldest first; return their ids."""
    ids: list[int] = []
    with Session(engine, expire_on_commit=False) as session:
        biz = factories.business(session)
        for i in range(count):
            call = recent_call(session, biz, hours_ago=2)
            request = create_request(
                session, call, reason, submitted_at=utcnow() - timedelta(minutes=count - i)
            )
            make_ready(session, request)
            assert request.id is not None
            ids.append(request.id)
    return ids


def claim_next(session: Session, reviewer: str, lease_seconds: int = 60) -> CreditRequest | None:
    """Claim the next request for a reviewer and commit, as POST /api/queue/claim does."""
    request = queue.claim(session=session, reviewer=reviewer, lease_seconds=lease_seconds)
    session.commit()
    return request
