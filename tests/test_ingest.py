"""Ingest: idempotent on call_id, stored by content hash, bad uploads refused cleanly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from callcredit import orchestrator
from callcredit.calls.models import Call
from callcredit.config import Settings
from callcredit.database import init_db, make_engine
from callcredit.identity.models import Role
from callcredit.jobs.models import Job, JobKind
from tests import factories
from tests.auth_helpers import business_headers, staff_headers
from tests.factories import tone_wav


@pytest.fixture
def client(client: TestClient, session: Session) -> TestClient:
    """Return the test client signed in as an admin (the marketplace's ingest account)."""
    client.admin_headers = staff_headers(session, Role.admin)  # type: ignore[attr-defined]
    return client


def _admin(client: TestClient) -> dict[str, str]:
    return client.admin_headers  # type: ignore[attr-defined]


META = {
    "call_id": "ing-1",
    "business_id": "acme-plumbing",
    "business_name": "Acme Plumbing",
    "business_category": "plumbing",
    "service_area": "95814;Sacramento",
    "caller_number": "+19165550111",
    "called_at": "2026-11-20T10:00:00-08:00",
    "channels": "mono",
}


def _post(client: TestClient, audio: bytes, name: str = "x.wav", **meta: object):
    body = {**META, **meta}
    return client.post(
        "/api/calls",
        data={"metadata": json.dumps(body)},
        files={"recording": (name, audio, "audio/wav")},
        headers=_admin(client),
    )


def _count(settings: Settings, model: type) -> int:
    engine = make_engine(settings.database_url)
    with Session(engine) as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def _stored_files(settings: Settings) -> list[Path]:
    return [p for p in settings.recordings_dir.rglob("*") if p.is_file()]


def test_new_call_is_stored_by_hash_and_queued(client: TestClient, settings: Settings) -> None:
    response = _post(client, tone_wav(2.0), name="../../etc/evil name.wav")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["call_id"] == "ing-1" and body["transcription_status"] == "pending"
    assert body["billed_cents"] == settings.default_billed_cents
    files = _stored_files(settings)
    assert len(files) == 1 and files[0].stem == body["recording_sha256"]
    assert "evil" not in str(files[0])
    engine = make_engine(settings.database_url)
    with Session(engine) as s:
        job = s.execute(select(Job)).scalar_one()
        assert job.kind == JobKind.transcribe


def test_same_call_twice_is_one_call(client: TestClient, settings: Settings) -> None:
    audio = tone_wav(2.0)
    first = _post(client, audio)
    second = _post(client, audio)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert _count(settings, Call) == 1 and _count(settings, Job) == 1


def test_other_recording_under_same_call_id_conflicts(client: TestClient) -> None:
    assert _post(client, tone_wav(2.0)).status_code == 201
    response = _post(client, tone_wav(2.0, freq=880))
    assert response.status_code == 409
    assert response.json()["error"] == "conflict"
    assert "different recording" in response.json()["message"]


def test_bad_uploads_get_clear_errors_and_leave_nothing(
    client: TestClient, settings: Settings, tmp_path: Path
) -> None:
    truncated = tone_wav(2.0)[:60]
    cases = {
        "empty": (b"", 422),
        "not audio": (b"this is not a recording, just text\n" * 20, 422),
        "truncated": (truncated, 422),
    }
    for label, (audio, status) in cases.items():
        response = _post(client, audio, call_id=f"bad-{label.replace(' ', '-')}")
        assert response.status_code == status, (label, response.text)
        assert response.json()["error"] == "bad_audio", label
        assert response.json()["message"], label
    assert _count(settings, Call) == 0
    assert _stored_files(settings) == []


def test_oversized_upload_is_refused(tmp_path: Path, db_url: str) -> None:
    from callcredit.main import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, db_url, max_upload_mb=1)
    with TestClient(create_app(settings)) as client:
        with Session(make_engine(settings.database_url)) as session:
            client.admin_headers = staff_headers(session, Role.admin)  # type: ignore[attr-defined]
        response = _post(client, tone_wav(70.0))  # ~1.1 MB
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"
    assert _stored_files(settings) == []


def test_a_recording_longer_than_the_limit_is_refused_and_nothing_is_kept(
    tmp_path: Path, db_url: str
) -> None:
    from callcredit.main import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, db_url, max_recording_minutes=1)
    with TestClient(create_app(settings)) as client:
        with Session(make_engine(settings.database_url)) as session:
            client.admin_headers = staff_headers(session, Role.admin)  # type: ignore[attr-defined]
        response = _post(client, tone_wav(61.0))
    assert response.status_code == 422
    assert "over the limit of 60 seconds" in response.json()["message"]
    assert _count(settings, Call) == 0
    assert _stored_files(settings) == []


def test_metadata_problems_are_named(client: TestClient) -> None:
    response = _post(client, tone_wav(1.0), called_at="2026-11-20T10:00:00")
    assert response.status_code == 422 and "offset" in response.json()["message"]
    response = _post(client, tone_wav(1.0), channels="stereo")
    assert response.status_code == 422 and "stereo" in response.json()["message"]
    response = _post(client, tone_wav(1.0), business_id="nobody", business_name=None)
    assert response.status_code == 422 and "nobody" in response.json()["message"]
    bad_json = client.post(
        "/api/calls",
        data={"metadata": "{not json"},
        files={"recording": ("a.wav", tone_wav(1.0), "audio/wav")},
        headers=_admin(client),
    )
    assert bad_json.status_code == 422 and "JSON" in bad_json.json()["message"]


def test_calls_need_the_right_principal(client: TestClient, session: Session) -> None:
    assert client.get("/api/calls").status_code == 401
    reviewer = staff_headers(session, Role.reviewer)
    upload = client.post(
        "/api/calls",
        data={"metadata": json.dumps(META)},
        files={"recording": ("x.wav", tone_wav(1.0), "audio/wav")},
        headers=reviewer,
    )
    assert upload.status_code == 403
    assert _post(client, tone_wav(1.0)).status_code == 201
    other = factories.business(session, id="other-biz")
    mine = business_headers(session, "acme-plumbing")
    theirs = business_headers(session, other.id)
    assert client.get("/api/calls/ing-1", headers=mine).status_code == 200
    assert client.get("/api/calls/ing-1", headers=theirs).status_code == 404
    assert client.get("/api/calls", headers=theirs).json() == []
    assert [c["call_id"] for c in client.get("/api/calls", headers=mine).json()] == ["ing-1"]


def test_unknown_call_id_is_404(client: TestClient) -> None:
    response = client.get("/api/calls/nope", headers=_admin(client))
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "message": "no call with call_id 'nope'"}


def test_manifest_reports_bad_rows_by_line_and_goes_on(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "a.wav").write_bytes(tone_wav(1.5))
    (tmp_path / "b.wav").write_bytes(tone_wav(1.5, freq=660))
    (tmp_path / "m.csv").write_text(
        "call_id,audio,channels,business_id,business_name,business_category,service_area,"
        "caller_number,called_at,claimed_reason,requested_at,note,extra_col\n"
        "m1,a.wav,mono,biz,Biz,plumbing,95814,+1916,2026-11-20T10:00:00-08:00,,,,x\n"
        "m2,missing.wav,mono,biz,Biz,plumbing,95814,+1916,2026-11-20T10:00:00-08:00,,,,x\n"
        "m3,b.wav,mono,biz,Biz,plumbing,95814,+1916,not-a-date,,,,x\n"
        "m4,b.wav,mono,biz,Biz,plumbing,95814,+1916,2026-11-21T10:00:00-08:00,,,,x\n"
    )
    engine = make_engine(settings.database_url)
    init_db(engine)
    report = orchestrator.ingest_manifest(engine=engine, settings=settings, path=tmp_path / "m.csv")
    assert report.created == ["m1", "m4"]
    assert [line for line, _ in report.errors] == [3, 4]
    assert "not found" in report.errors[0][1] and "called_at" in report.errors[1][1]
    again = orchestrator.ingest_manifest(engine=engine, settings=settings, path=tmp_path / "m.csv")
    assert again.created == [] and again.existing == ["m1", "m4"]


def test_manifest_ingest_can_take_only_some_rows(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "a.wav").write_bytes(tone_wav(1.5))
    (tmp_path / "m.csv").write_text(
        "call_id,audio,channels,business_id,business_name,business_category,service_area,"
        "caller_number,called_at,claimed_reason,requested_at,note,set\n"
        "s1,a.wav,mono,biz,Biz,plumbing,95814,+1916,2026-11-20T10:00:00-08:00,,,,dev\n"
        "s2,a.wav,mono,biz,Biz,plumbing,95814,+1916,2026-11-21T10:00:00-08:00,,,,heldout\n"
    )
    engine = make_engine(settings.database_url)
    init_db(engine)
    report = orchestrator.ingest_manifest(
        engine=engine,
        settings=settings,
        path=tmp_path / "m.csv",
        where=lambda row: row.extra.get("set") == "dev",
    )
    assert report.created == ["s1"] and report.errors == []
