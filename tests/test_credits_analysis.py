"""The analyze job (received → analyzing → ready | analysis_failed) and manifest claims."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit import orchestrator
from callcredit.audit import service as audit
from callcredit.calls.models import Call, TranscriptionStatus
from callcredit.config import Settings
from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequest, RequestFinding, RequestStatus
from callcredit.exceptions import AudioError
from callcredit.identity.models import Role
from callcredit.jobs import service as jobs
from callcredit.jobs.models import Job, JobKind, JobStatus
from callcredit.transcription.models import Transcript
from tests import factories
from tests.auth_helpers import staff_headers
from tests.credits_helpers import add_transcript, claim_next, create_request, recent_call
from tests.factories import tone_wav

ROBOCALL = [
    ("caller", "Hello, this is an automated message about your car's extended warranty."),
    ("caller", "Press one now to speak to an agent."),
    ("business", "Please stop calling us."),
]


def _run_next_job(engine: Engine, settings: Settings) -> Job:
    with Session(engine, expire_on_commit=False) as session:
        job = jobs.claim(session=session, worker_id="w", lease_seconds=60)
    assert job is not None
    orchestrator.run_job(engine=engine, settings=settings, job=job)
    with Session(engine, expire_on_commit=False) as session:
        fresh = session.get(Job, job.id)
        assert fresh is not None
        return fresh


def _request(engine: Engine, request_id: int) -> CreditRequest:
    with Session(engine, expire_on_commit=False) as session:
        return credits.get(session=session, request_id=request_id)


def test_analyze_job_stores_the_finding_and_readies_the_request(
    session: Session, engine: Engine, settings: Settings
) -> None:
    call = recent_call(session, factories.business(session))
    add_transcript(session, call, ROBOCALL)
    request = create_request(session, call, "spam")
    assert request.id is not None
    job = _run_next_job(engine, settings)
    assert (job.kind, job.status) == (JobKind.analyze, JobStatus.done)
    assert _request(engine, request.id).status == RequestStatus.ready
    with Session(engine) as fresh:
        finding = fresh.execute(select(RequestFinding)).scalar_one()
        assert finding.request_id == request.id
        assert finding.verdict == "supported" and finding.recommendation == "approve"
        assert 0 < finding.confidence <= 1 and finding.explanation
        assert finding.evidence and {"start", "end", "speaker", "text", "cue", "stance"} <= set(
            finding.evidence[0]
        )
        steps = [
            (e.from_status, e.to_status)
            for e in audit.list_for_request(session=fresh, request_id=request.id)
        ]
    assert steps == [(None, "received"), ("received", "analyzing"), ("analyzing", "ready")]


def test_analyze_transcribes_first_when_there_is_no_transcript(
    session: Session, engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    call = recent_call(session, factories.business(session))
    request = create_request(session, call, "spam")
    seen: list[int] = []

    def fake_transcribe(*, engine: Engine, settings: Settings, call_pk: int) -> Transcript:
        seen.append(call_pk)
        with Session(engine, expire_on_commit=False) as s:
            target = s.get(Call, call_pk)
            assert target is not None
            return add_transcript(s, target, ROBOCALL)

    monkeypatch.setattr(orchestrator.pipeline, "transcribe_call", fake_transcribe)
    _run_next_job(engine, settings)
    assert seen == [call.id]
    assert _request(engine, request.id).status == RequestStatus.ready  # type: ignore[arg-type]


def test_undecodable_audio_fails_analysis_at_once_but_stays_reviewable(
    session: Session,
    engine: Engine,
    settings: Settings,
    client: TestClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    call = recent_call(session, factories.business(session))
    request = create_request(session, call, "no_intent")
    assert request.id is not None

    def broken(*, engine: Engine, settings: Settings, call_pk: int) -> Transcript:
        raise AudioError("the recording is truncated")

    monkeypatch.setattr(orchestrator.pipeline, "transcribe_call", broken)
    job = _run_next_job(engine, settings)
    assert job.status == JobStatus.failed and job.attempts == 1
    failed = _request(engine, request.id)
    assert failed.status == RequestStatus.analysis_failed
    assert "truncated" in (failed.analysis_error or "")
    with Session(engine) as fresh:
        stored = fresh.get(Call, call.id)
        assert stored is not None
        assert stored.transcription_status == TranscriptionStatus.transcription_failed
    reviewer = staff_headers(session, Role.reviewer)
    claimed = client.post("/api/queue/claim", headers=reviewer).json()
    assert claimed["id"] == request.id and "truncated" in claimed["analysis_error"]
    assert claimed["finding"] is None and claimed["suggested_explanation"]
    decided = client.post(
        f"/api/credit-requests/{request.id}/decision",
        json={"decision": "approve", "explanation": "Dead air: no caller speech at all."},
        headers=reviewer,
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"


def test_transient_failures_retry_then_fail(
    session: Session, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, str(engine.url), job_max_attempts=2)
    call = recent_call(session, factories.business(session))
    add_transcript(session, call, ROBOCALL)
    request = create_request(session, call, "spam", job_max_attempts=2)
    assert request.id is not None

    def flaky(**_: object) -> None:
        raise RuntimeError("model server went away")

    monkeypatch.setattr(orchestrator.analysis, "analyze", flaky)
    job = _run_next_job(engine, settings)
    assert job.status == JobStatus.queued
    assert _request(engine, request.id).status == RequestStatus.analyzing
    with Session(engine) as s:
        s.execute(Job.__table__.update().values(run_after=job.created_at))  # type: ignore[attr-defined]
        s.commit()
    job = _run_next_job(engine, settings)
    assert job.status == JobStatus.failed
    failed = _request(engine, request.id)
    assert failed.status == RequestStatus.analysis_failed
    assert "model server went away" in (failed.analysis_error or "")


def test_request_claimed_by_hand_is_left_alone_by_a_late_analysis(
    session: Session, engine: Engine, settings: Settings
) -> None:
    call = recent_call(session, factories.business(session))
    add_transcript(session, call, ROBOCALL)
    request = create_request(session, call, "spam")
    assert request.id is not None
    orchestrator.mark_analysis_failed(engine=engine, request_pk=request.id, error="timeout")
    assert claim_next(session, "r") is not None
    orchestrator.analyze_request(engine=engine, settings=settings, request_pk=request.id)
    assert _request(engine, request.id).status == RequestStatus.in_review


def _manifest(tmp_path: Path) -> Path:
    (tmp_path / "a.wav").write_bytes(tone_wav(1.0))
    (tmp_path / "b.wav").write_bytes(tone_wav(1.0, freq=660))
    (tmp_path / "c.wav").write_bytes(tone_wav(1.0, freq=770))
    (tmp_path / "d.wav").write_bytes(tone_wav(1.0, freq=880))
    path = tmp_path / "m.csv"
    path.write_text(
        "call_id,audio,channels,business_id,business_name,business_category,service_area,"
        "caller_number,called_at,claimed_reason,requested_at,note\n"
        "m1,a.wav,mono,biz,Biz,plumbing,95814,+1916,2026-11-20T10:00:00-08:00,"
        "spam,2026-11-21T09:00:00-08:00,robocall\n"
        "m2,b.wav,mono,biz,Biz,plumbing,95814,+1916,2026-11-20T11:00:00-08:00,,,\n"
        "m3,c.wav,mono,biz,Biz,plumbing,95814,+1917,2026-11-01T10:00:00-08:00,"
        "wrong_number,2026-11-20T09:00:00-08:00,too late\n"
        "m4,d.wav,mono,biz,Biz,plumbing,95814,+1918,2026-11-20T12:00:00-08:00,"
        "not_a_reason,2026-11-20T13:00:00-08:00,\n"
    )
    return path


def test_manifest_claims_become_requests_at_requested_at(
    tmp_path: Path, engine: Engine, settings: Settings
) -> None:
    report = orchestrator.ingest_manifest(
        engine=engine, settings=settings, path=_manifest(tmp_path)
    )
    assert report.created == ["m1", "m2", "m3", "m4"]
    assert report.requests == ["m1"]
    assert [line for line, _ in report.request_errors] == [4, 5]
    assert "due by 2026-11-05" in report.request_errors[0][1]
    assert "reason" in report.request_errors[1][1]
    with Session(engine) as session:
        request = session.execute(select(CreditRequest)).scalar_one()
        assert request.call_id == "m1" and request.note == "robocall"
        assert request.submitted_at.isoformat() == "2026-11-21T17:00:00+00:00"
        assert request.submitted_by == "ingest"
        kinds = [job.kind for job in jobs.list_jobs(session=session)]
    # Analysis waits behind every transcription of the manifest.
    assert kinds == [JobKind.transcribe] * 4 + [JobKind.analyze]
    again = orchestrator.ingest_manifest(engine=engine, settings=settings, path=tmp_path / "m.csv")
    assert again.requests == [] and again.requests_existing == ["m1"]
