"""Job rows: dedupe, FIFO claims, leases, retries, and concurrent workers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session

from callcredit.database import init_db, make_engine, utcnow
from callcredit.jobs import service as jobs
from callcredit.jobs.models import Job, JobKind, JobStatus


def _engine(url: str):
    engine = make_engine(url)
    init_db(engine)
    return engine


def test_enqueue_twice_is_one_job(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    with Session(engine) as s:
        a = jobs.create(session=s, kind=JobKind.transcribe, subject_id=7)
        s.commit()
        b = jobs.create(session=s, kind=JobKind.transcribe, subject_id=7)
        s.commit()
        assert a.id == b.id
        assert len(jobs.list_jobs(session=s)) == 1


def test_claims_oldest_first_and_never_twice(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    with Session(engine) as s:
        for subject in range(3):
            jobs.create(session=s, kind=JobKind.transcribe, subject_id=subject)
        s.commit()
    with Session(engine) as s:
        first = jobs.claim(session=s, worker_id="w1", lease_seconds=60)
        second = jobs.claim(session=s, worker_id="w2", lease_seconds=60)
        assert first is not None and second is not None
        assert (first.subject_id, second.subject_id) == (0, 1)
        assert first.status == JobStatus.running and first.locked_by == "w1"


def test_concurrent_workers_never_take_the_same_job(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    with Session(engine) as s:
        for subject in range(40):
            jobs.create(session=s, kind=JobKind.transcribe, subject_id=subject)
        s.commit()

    def drain(worker: int) -> list[int]:
        taken: list[int] = []
        while True:
            with Session(engine) as s:
                job = jobs.claim(session=s, worker_id=f"w{worker}", lease_seconds=60)
            if job is None:
                return taken
            taken.append(job.subject_id)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(drain, range(6)))
    every = [subject for taken in results for subject in taken]
    assert sorted(every) == list(range(40)), "each job claimed exactly once"


def test_expired_lease_is_taken_again(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    with Session(engine) as s:
        jobs.create(session=s, kind=JobKind.transcribe, subject_id=1)
        s.commit()
        job = jobs.claim(session=s, worker_id="dead", lease_seconds=60)
        assert job is not None
        # still leased: nobody else gets it
        assert jobs.claim(session=s, worker_id="other", lease_seconds=60) is None
        job.lease_until = utcnow() - timedelta(seconds=1)  # the worker died long ago
        s.add(job)
        s.commit()
        again = jobs.claim(session=s, worker_id="other", lease_seconds=60)
        assert again is not None and again.id == job.id
        assert again.locked_by == "other" and again.attempts == 2


def test_failure_retries_with_backoff_then_fails(any_db_url: str) -> None:
    engine = _engine(any_db_url)
    with Session(engine) as s:
        jobs.create(session=s, kind=JobKind.transcribe, subject_id=1, max_attempts=2)
        s.commit()
        job = jobs.claim(session=s, worker_id="w", lease_seconds=60)
        assert job is not None
        assert jobs.fail(session=s, job=job, error="boom") is True
        assert job.status == JobStatus.queued and job.run_after > utcnow()
        # not runnable until the backoff has passed
        assert jobs.claim(session=s, worker_id="w", lease_seconds=60) is None
        job.run_after = utcnow() - timedelta(seconds=1)
        s.add(job)
        s.commit()
        job = jobs.claim(session=s, worker_id="w", lease_seconds=60)
        assert job is not None
        assert jobs.fail(session=s, job=job, error="boom again") is False
        assert job.status == JobStatus.failed and job.last_error == "boom again"


def test_finished_job_can_be_enqueued_again(tmp_path: Path) -> None:
    engine = _engine(f"sqlite:///{tmp_path / 'j.db'}")
    with Session(engine) as s:
        jobs.create(session=s, kind=JobKind.analyze, subject_id=3)
        s.commit()
        job = jobs.claim(session=s, worker_id="w", lease_seconds=60)
        assert job is not None
        jobs.complete(session=s, job=job)
        again = jobs.create(session=s, kind=JobKind.analyze, subject_id=3)
        s.commit()
        assert again.id != job.id and again.generation == 1
        assert s.get(Job, job.id).status == JobStatus.done  # type: ignore[union-attr]
