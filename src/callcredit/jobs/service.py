"""Enqueue, claim (with a lease), finish and fail background jobs."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from callcredit.database import insert_row, utcnow
from callcredit.jobs.models import Job, JobKind, JobStatus

# The latest job of a (kind, subject); built once, run with new parameters.
_LATEST = (
    select(Job)
    .where(Job.kind == bindparam("kind"), Job.subject_id == bindparam("subject_id"))
    .order_by(Job.generation.desc())  # type: ignore[attr-defined]
    .limit(1)
)


def create(*, session: Session, kind: JobKind, subject_id: int, max_attempts: int = 3) -> Job:
    """Enqueue a job for a subject unless one is already queued or running."""
    existing = session.execute(
        _LATEST, {"kind": kind, "subject_id": subject_id}
    ).scalar_one_or_none()
    if existing is not None and existing.status in (JobStatus.queued, JobStatus.running):
        return existing
    generation = 0 if existing is None else existing.generation + 1
    job = Job(kind=kind, subject_id=subject_id, generation=generation, max_attempts=max_attempts)
    session.add(job)
    try:
        session.flush()
    except IntegrityError:
        # Another process enqueued the same generation between our read and write.
        session.rollback()
        return create(session=session, kind=kind, subject_id=subject_id, max_attempts=max_attempts)
    return job


def create_first(
    *, session: Session, kind: JobKind, subject_id: int, max_attempts: int = 3
) -> None:
    """Enqueue the first job of a subject made in the caller's transaction (the caller commits).

    A subject that did not exist before this transaction has no job to look for, and
    nothing reads the job back before the commit: it is one INSERT, not a tracked object.
    """
    insert_row(
        session=session, model=Job, kind=kind, subject_id=subject_id, max_attempts=max_attempts
    )


def claim(
    *, session: Session, worker_id: str, lease_seconds: int, kinds: list[JobKind] | None = None
) -> Job | None:
    """Take the oldest runnable job, or one whose worker's lease ran out, and commit the claim."""
    now = utcnow()
    runnable = or_(
        (Job.status == JobStatus.queued) & (Job.run_after <= now),  # type: ignore[operator]
        (Job.status == JobStatus.running) & (Job.lease_until < now),  # type: ignore[operator]
    )
    candidate = select(Job.id).where(runnable)
    if kinds:
        candidate = candidate.where(Job.kind.in_(kinds))  # type: ignore[attr-defined]
    # SKIP LOCKED keeps PostgreSQL workers on several machines off each other's rows;
    # SQLite ignores it and serialises the single UPDATE instead.
    candidate = candidate.order_by(Job.id).limit(1).with_for_update(skip_locked=True)
    stmt = (
        update(Job)
        .where(Job.id == candidate.scalar_subquery())
        .values(
            status=JobStatus.running,
            locked_by=worker_id,
            lease_until=now + timedelta(seconds=lease_seconds),
            attempts=Job.attempts + 1,
        )
        .returning(Job.id)
    )
    job_id = session.execute(stmt).scalar_one_or_none()
    session.commit()
    if job_id is None:
        return None
    return session.get(Job, job_id, populate_existing=True)


def complete(*, session: Session, job: Job) -> None:
    """Mark a job done."""
    job.status = JobStatus.done
    job.finished_at = utcnow()
    job.lease_until = None
    job.last_error = None
    session.add(job)
    session.commit()


def fail(*, session: Session, job: Job, error: str, retry: bool = True) -> bool:
    """Record a failure; requeue with backoff while attempts remain. Return True if requeued."""
    job.last_error = error[:2000]
    job.lease_until = None
    if retry and job.attempts < job.max_attempts:
        job.status = JobStatus.queued
        job.run_after = utcnow() + timedelta(seconds=2**job.attempts)
    else:
        job.status = JobStatus.failed
        job.finished_at = utcnow()
    session.add(job)
    session.commit()
    return job.status == JobStatus.queued


def list_jobs(*, session: Session, status: JobStatus | None = None) -> list[Job]:
    """List jobs, oldest first."""
    stmt = select(Job).order_by(Job.id)
    if status is not None:
        stmt = stmt.where(Job.status == status)
    return list(session.execute(stmt).scalars())
