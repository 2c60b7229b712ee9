"""Ingest: store a recording and its call, read a manifest, submit its claims."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit import analysis
from callcredit.audio import service as audio
from callcredit.calls import manifest as manifest_reader
from callcredit.calls import service as calls
from callcredit.calls import storage
from callcredit.calls.models import Call, CallCreate, ChannelLayout, TranscriptionStatus
from callcredit.config import Settings
from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequestCreate
from callcredit.exceptions import AudioError, CallCreditError, InvalidInput
from callcredit.jobs import service as jobs
from callcredit.jobs.models import JobKind
from callcredit.transcription.models import Transcript

log = logging.getLogger(__name__)


@dataclass
class IngestResult:
    """The call and whether this request created it (False: same recording seen before)."""

    call: Call
    created: bool


def ingest_recording(
    *, session: Session, settings: Settings, data: CallCreate, source: BinaryIO, filename: str
) -> IngestResult:
    """Validate and store a recording, create its call and enqueue its transcription."""
    staged = storage.stage(
        source=source,
        recordings_dir=settings.recordings_dir,
        filename=filename,
        max_bytes=settings.max_upload_bytes,
    )
    try:
        recording = audio.load_recording(
            path=staged.temp_path, max_seconds=settings.max_recording_seconds
        )
        if data.channels == ChannelLayout.stereo and recording.channels != 2:
            raise AudioError(
                f"channels is 'stereo' but the recording has {recording.channels} channel(s)"
            )
        existing = calls.check_existing(session=session, call_id=data.call_id, sha256=staged.sha256)
        if existing is not None:
            # The same audio again: restore the stored file if this recordings folder lost it
            # (e.g. `eval --database` reusing a database with a fresh folder).
            if (settings.recordings_dir / existing.recording_path).is_file():
                storage.discard(staged)
            else:
                storage.commit(staged=staged, recordings_dir=settings.recordings_dir)
            return IngestResult(existing, created=False)
        relative = storage.commit(staged=staged, recordings_dir=settings.recordings_dir)
    except BaseException:
        storage.discard(staged)
        raise
    info = calls.RecordingInfo(relative, staged.sha256, round(recording.duration, 3))
    call = calls.create(
        session=session,
        data=data,
        recording=info,
        default_billed_cents=settings.default_billed_cents,
    )
    enqueue_transcription(session=session, settings=settings, call=call)
    session.commit()
    return IngestResult(call, created=True)


def enqueue_transcription(*, session: Session, settings: Settings, call: Call) -> None:
    """Queue a transcription job, or reuse a transcript of the same audio at once."""
    if find_transcript(session=session, call=call) is not None:
        calls.set_transcription_status(
            session=session, call=call, status=TranscriptionStatus.transcribed
        )
        return
    assert call.id is not None
    jobs.create(
        session=session,
        kind=JobKind.transcribe,
        subject_id=call.id,
        max_attempts=settings.job_max_attempts,
    )


def find_transcript(*, session: Session, call: Call) -> Transcript | None:
    """Return the stored transcript of this call's audio, if any."""
    stmt = select(Transcript).where(
        Transcript.recording_sha256 == call.recording_sha256,
        Transcript.channels == str(call.channels),
    )
    return session.execute(stmt).scalar_one_or_none()


@dataclass
class ManifestReport:
    """Counts and problems from ingesting a manifest."""

    created: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    rows: list[manifest_reader.ManifestRow] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    requests_existing: list[str] = field(default_factory=list)
    request_errors: list[tuple[int, str]] = field(default_factory=list)


def ingest_manifest(
    *,
    engine: Engine,
    settings: Settings,
    path: Path,
    on_row: Callable[[manifest_reader.ManifestRow], None] | None = None,
    submit_requests: bool = True,
    where: Callable[[manifest_reader.ManifestRow], bool] | None = None,
) -> ManifestReport:
    """Ingest every usable row of a manifest that `where` accepts, each in its own transaction."""
    manifest = manifest_reader.read(path)
    report = ManifestReport(errors=list(manifest.errors))
    for row in manifest.rows:
        if where is not None and not where(row):
            continue
        try:
            if not row.audio_path.is_file():
                raise InvalidInput(f"audio file not found: {row.audio_path}")
            with (
                Session(engine, expire_on_commit=False) as session,
                row.audio_path.open("rb") as fh,
            ):
                result = ingest_recording(
                    session=session,
                    settings=settings,
                    data=row.call,
                    source=fh,
                    filename=row.audio_path.name,
                )
            (report.created if result.created else report.existing).append(row.call.call_id)
            report.rows.append(row)
        except CallCreditError as exc:
            report.errors.append((row.line, f"{row.call.call_id}: {exc.message}"))
        if on_row is not None:
            on_row(row)
    report.errors.sort()
    if submit_requests:
        # After every call: analysis jobs then queue behind all the transcriptions.
        submit_manifest_requests(engine=engine, settings=settings, report=report)
    return report


def submit_manifest_requests(*, engine: Engine, settings: Settings, report: ManifestReport) -> None:
    """Submit the ingested rows' claims as credit requests made at their requested_at."""
    policy = analysis.load_policy(settings.policy)
    for row in report.rows:
        if row.claimed_reason is None:
            continue
        call_id = row.call.call_id
        with Session(engine, expire_on_commit=False) as session:
            try:
                data = CreditRequestCreate.model_validate(
                    {"call_id": call_id, "reason": row.claimed_reason, "note": row.note}
                )
                call = credits.get_call(session=session, call_id=call_id)
                if credits.get_by_call(session=session, call_pk=call.id or 0) is not None:
                    report.requests_existing.append(call_id)
                    continue
                credits.create(
                    session=session,
                    data=data,
                    business_id=call.business_id,
                    policy=policy,
                    actor="ingest",
                    submitted_at=row.requested_at,
                    job_max_attempts=settings.job_max_attempts,
                )
                session.commit()
                report.requests.append(call_id)
            except ValidationError as exc:
                problems = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
                report.request_errors.append((row.line, f"{call_id}: {problems}"))
            except CallCreditError as exc:
                report.request_errors.append((row.line, f"{call_id}: {exc.message}"))
