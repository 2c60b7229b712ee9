"""Test data for the web tests: real fixture calls, reference transcripts, live servers.

Calls are ingested with their real recordings from fixtures/audio; to keep Whisper out of
the web tests, each call's transcript is built from fixtures/reference.jsonl (the script's
turns and times) and stored before the call is ingested, so ingest reuses it. The analysis
that turns a request into a finding is the real one (orchestrator.analyze_request).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit import orchestrator
from callcredit.analysis import load_policy
from callcredit.analysis.synthetic import segment
from callcredit.calls.models import Call, CallCreate
from callcredit.config import Settings
from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequestCreate, ReasonCode
from callcredit.database import utcnow
from callcredit.identity import service as identity
from callcredit.identity.deps import SESSION_COOKIE
from callcredit.identity.models import Role, User
from callcredit.main import create_app
from callcredit.transcription.models import Transcript
from callcredit.transcription.schemas import TranscriptData
from tests import auth_helpers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PASSWORD = auth_helpers.HELPER_PASSWORD


@cache
def manifest_rows() -> dict[str, dict[str, str]]:
    """Return the fixture manifest's rows by call ID."""
    with (FIXTURES / "manifest.csv").open(newline="") as fh:
        return {row["call_id"]: row for row in csv.DictReader(fh)}


@cache
def references() -> dict[str, dict[str, Any]]:
    """Return the reference transcripts by call ID."""
    lines = (FIXTURES / "reference.jsonl").read_text().splitlines()
    return {item["call_id"]: item for item in map(json.loads, filter(None, lines))}


def reference_transcript(call_id: str) -> TranscriptData:
    """Return a call's reference script as a transcript with timed words."""
    ref, row = references()[call_id], manifest_rows()[call_id]
    stereo = row["channels"] == "stereo"
    segments = [
        segment(t["speaker"] if stereo else "unknown", t["text"], t["start"], t["end"])
        for t in ref["turns"]
    ]
    return TranscriptData(duration=ref["duration"], model="reference", segments=segments)


def ingest_call(
    engine: Engine,
    settings: Settings,
    call_id: str,
    *,
    hours_ago: float = 20,
    caller_number: str | None = None,
) -> Call:
    """Ingest a fixture call (real audio) billed a while ago, with its reference transcript."""
    row = manifest_rows()[call_id]
    audio = FIXTURES / row["audio"]
    sha = hashlib.sha256(audio.read_bytes()).hexdigest()
    data = reference_transcript(call_id)
    with Session(engine, expire_on_commit=False) as session:
        session.add(
            Transcript(
                recording_sha256=sha,
                channels=row["channels"],
                model=data.model,
                duration=data.duration,
                segments=[s.model_dump() for s in data.segments],
            )
        )
        session.commit()
        meta = CallCreate(
            call_id=call_id,
            business_id=row["business_id"],
            business_name=row["business_name"],
            business_category=row["business_category"],
            service_area=row["service_area"],
            caller_number=caller_number or row["caller_number"],
            called_at=utcnow() - timedelta(hours=hours_ago),
            channels=row["channels"],  # type: ignore[arg-type]
            billed_cents=int(row["billed_cents"]) if row.get("billed_cents") else None,
        )
        with audio.open("rb") as fh:
            result = orchestrator.ingest_recording(
                session=session, settings=settings, data=meta, source=fh, filename=audio.name
            )
        return result.call


def submit(
    engine: Engine,
    call_id: str,
    *,
    reason: str | None = None,
    minutes_ago: float | None = None,
) -> int:
    """Submit the manifest's claim (or another reason) for a call; return the request id."""
    row = manifest_rows()[call_id]
    when: datetime | None = (
        None if minutes_ago is None else utcnow() - timedelta(minutes=minutes_ago)
    )
    with Session(engine, expire_on_commit=False) as session:
        call = credits.get_call(session=session, call_id=call_id)
        request = credits.create(
            session=session,
            data=CreditRequestCreate(
                call_id=call_id,
                reason=ReasonCode(reason or row["claimed_reason"]),
                note=row["note"],
            ),
            business_id=call.business_id,
            policy=load_policy("default"),
            actor=f"business:{call.business_id}",
            submitted_at=when,
        )
        session.commit()
        assert request.id is not None
        return request.id


def analyze(engine: Engine, settings: Settings, request_id: int) -> None:
    """Run the real analysis of a request (its transcript is already stored)."""
    orchestrator.analyze_request(engine=engine, settings=settings, request_pk=request_id)


def ready_request(
    engine: Engine, settings: Settings, call_id: str, *, minutes_ago: float | None = None
) -> int:
    """Ingest a call, submit its manifest claim and analyse it; return the request id."""
    ingest_call(engine, settings, call_id)
    request_id = submit(engine, call_id, minutes_ago=minutes_ago)
    analyze(engine, settings, request_id)
    return request_id


def add_user(engine: Engine, username: str, role: Role, business_id: str | None = None) -> User:
    """Create a user whose password is PASSWORD."""
    with Session(engine, expire_on_commit=False) as session:
        return auth_helpers.user(session, role, username=username, business_id=business_id)


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Serve the app with uvicorn in a background thread; yield its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')
HTML = {"accept": "text/html,application/xhtml+xml"}


@dataclass
class Web:
    """A TestClient on a fresh app, with its engine and settings."""

    client: TestClient
    engine: Engine
    settings: Settings

    def page(self, path: str, **kw: Any) -> Response:
        """GET a page as a browser would, without following redirects."""
        return self.client.get(path, headers=HTML, follow_redirects=False, **kw)

    def csrf(self, path: str = "/signin") -> str:
        """Return the CSRF token the page at `path` puts in its forms."""
        found = CSRF_META.search(self.page(path).text)
        assert found is not None, f"no CSRF token on {path}"
        return found.group(1)

    def post(self, path: str, data: dict[str, str], token_from: str = "/signin") -> Response:
        """POST a form with the CSRF token of a page, as a browser would."""
        body = {"csrf_token": self.csrf(token_from), **data}
        return self.client.post(path, data=body, headers=HTML, follow_redirects=False)

    def sign_in(self, username: str, password: str = PASSWORD, next_url: str = "") -> Response:
        """Sign in through the sign-in form."""
        self.client.cookies.clear()
        return self.post("/signin", {"username": username, "password": password, "next": next_url})

    def session_for(self, user: User) -> None:
        """Sign a user in without the form (a session cookie made by the service)."""
        with Session(self.engine, expire_on_commit=False) as session:
            token = identity.create_session(session=session, user=user)
            session.commit()
        self.client.cookies.clear()
        self.client.cookies.set(SESSION_COOKIE, token)


@contextmanager
def web_app(settings: Settings) -> Iterator[Web]:
    """Yield a TestClient on an app made for these settings."""
    app = create_app(settings)
    with TestClient(app) as client:
        yield Web(client, app.state.engine, settings)
