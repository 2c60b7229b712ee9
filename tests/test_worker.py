"""Worker processes with the real model: transcripts stored once, dead workers' jobs retaken."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from callcredit import orchestrator
from callcredit.calls.models import Call, CallCreate, TranscriptionStatus
from callcredit.config import Settings
from callcredit.database import init_db, make_engine
from callcredit.jobs import service as jobs
from callcredit.jobs.models import Job, JobStatus
from callcredit.jobs.worker import WorkerPool, run_loop
from callcredit.transcription.models import Transcript
from tests.conftest import make_settings

pytestmark = pytest.mark.slow


def _ingest(settings: Settings, audio: Path, call_id: str) -> None:
    import wave

    with wave.open(str(audio)) as w:
        channels = "stereo" if w.getnchannels() == 2 else "mono"
    engine = make_engine(settings.database_url)
    init_db(engine)
    data = CallCreate(
        call_id=call_id,
        business_id="biz",
        business_name="Biz",
        business_category="plumbing",
        caller_number="+19165550100",
        called_at="2026-11-20T10:00:00-08:00",  # type: ignore[arg-type]
        channels=channels,  # type: ignore[arg-type]
    )
    with Session(engine) as session, audio.open("rb") as fh:
        orchestrator.ingest_recording(
            session=session, settings=settings, data=data, source=fh, filename=audio.name
        )


def _call(settings: Settings, call_id: str) -> Call:
    with Session(make_engine(settings.database_url)) as session:
        return session.execute(select(Call).where(Call.call_id == call_id)).scalar_one()


def test_same_audio_is_transcribed_once(tmp_path: Path, fixtures_dir: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'w.db'}")
    audio = fixtures_dir / "audio" / "c01.wav"
    _ingest(settings, audio, "first")
    assert run_loop(settings=settings, drain=True) == 1
    # The same recording billed under another call ID reuses the transcript: no new job.
    _ingest(settings, audio, "second")
    assert run_loop(settings=settings, drain=True) == 0
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        assert len(session.execute(select(Transcript)).scalars().all()) == 1
    assert _call(settings, "second").transcription_status == TranscriptionStatus.transcribed


def test_killed_worker_job_is_taken_again_after_its_lease(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'w.db'}", job_lease_seconds=3)
    _ingest(settings, fixtures_dir / "audio" / "c05.wav", "k1")
    pool = WorkerPool(settings, count=1)
    pool.start()
    engine = make_engine(settings.database_url)
    deadline = time.monotonic() + 60
    job = None
    while time.monotonic() < deadline:
        with Session(engine) as session:
            job = session.execute(select(Job)).scalar_one()
        if job.status == JobStatus.running:
            break
        time.sleep(0.05)
    assert job is not None and job.status == JobStatus.running
    pid = pool.processes[0].pid
    assert pid is not None
    os.kill(pid, signal.SIGKILL)  # the worker dies mid-job, holding the lease
    pool.processes[0].join(10)
    with Session(engine) as session:
        assert jobs.claim(session=session, worker_id="early", lease_seconds=3) is None
    time.sleep(3.2)
    assert run_loop(settings=settings, drain=True) == 1
    with Session(engine) as session:
        job = session.execute(select(Job)).scalar_one()
        assert job.status == JobStatus.done and job.attempts == 2
    assert _call(settings, "k1").transcription_status == TranscriptionStatus.transcribed


def test_undecodable_recording_fails_the_call_and_the_worker_goes_on(
    tmp_path: Path, fixtures_dir: Path
) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'w.db'}")
    _ingest(settings, fixtures_dir / "audio" / "c03.wav", "broken")
    _ingest(settings, fixtures_dir / "audio" / "c01.wav", "fine")
    # The stored file is damaged after ingest (disk fault, bad copy).
    broken = _call(settings, "broken")
    (settings.recordings_dir / broken.recording_path).write_bytes(b"garbage" * 100)
    assert run_loop(settings=settings, drain=True) == 2
    failed = _call(settings, "broken")
    assert failed.transcription_status == TranscriptionStatus.transcription_failed
    assert failed.transcription_error
    assert _call(settings, "fine").transcription_status == TranscriptionStatus.transcribed
