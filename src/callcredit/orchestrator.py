"""Cross-domain steps: ingest a recording, transcribe a call, run a claimed job."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit import analysis
from callcredit.audio import service as audio
from callcredit.calls import manifest as manifest_reader
from callcredit.calls import service as calls
from callcredit.calls import storage
from callcredit.calls.models import Business, Call, CallCreate, ChannelLayout, TranscriptionStatus
from callcredit.config import Settings
from callcredit.credits import service as credits
from callcredit.credits.models import CreditRequestCreate, FindingBase, RequestStatus
from callcredit.exceptions import AudioError, CallCreditError, InvalidInput
from callcredit.jobs import service as jobs
from callcredit.jobs.models import Job, JobKind
from callcredit.transcription.models import Transcript
from callcredit.transcription.schemas import TranscriptData

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
) -> ManifestReport:
    """Ingest every usable row of a manifest, each in its own transaction."""
    manifest = manifest_reader.read(path)
    report = ManifestReport(errors=list(manifest.errors))
    for row in manifest.rows:
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


def transcribe_call(*, engine: Engine, settings: Settings, call_pk: int) -> Transcript:
    """Transcribe one call's recording (once per distinct audio) and store the transcript."""
    with Session(engine, expire_on_commit=False) as session:
        call = session.get(Call, call_pk)
        if call is None:
            raise InvalidInput(f"call #{call_pk} no longer exists")
        existing = find_transcript(session=session, call=call)
        if existing is None:
            calls.set_transcription_status(
                session=session, call=call, status=TranscriptionStatus.transcribing
            )
        session.commit()
    if existing is None:
        # No transaction is open while the model runs: SQLite writers would wait on us.
        # Imported here: faster-whisper is heavy and the API process never needs it.
        from callcredit.transcription import engine as whisper

        path = settings.recordings_dir / call.recording_path
        transcriber = whisper.get_transcriber(settings)
        data = transcriber.transcribe(path, channels=str(call.channels))
        existing = _store_transcript(engine=engine, call=call, data=data)
    with Session(engine, expire_on_commit=False) as session:
        call = session.get(Call, call_pk)
        assert call is not None
        calls.set_transcription_status(
            session=session, call=call, status=TranscriptionStatus.transcribed
        )
        session.commit()
    return existing


def _store_transcript(*, engine: Engine, call: Call, data: TranscriptData) -> Transcript:
    with Session(engine, expire_on_commit=False) as session:
        transcript = Transcript(
            recording_sha256=call.recording_sha256,
            channels=str(call.channels),
            model=data.model,
            language=data.language,
            duration=data.duration,
            segments=[s.model_dump() for s in data.segments],
        )
        session.add(transcript)
        try:
            session.commit()
        except Exception:
            # Another worker stored the same audio first: keep theirs.
            session.rollback()
            found = find_transcript(session=session, call=call)
            if found is None:
                raise
            return found
        return transcript


def mark_transcription_failed(*, engine: Engine, call_pk: int, error: str) -> None:
    """Record why a call's recording could not be transcribed."""
    with Session(engine) as session:
        call = session.get(Call, call_pk)
        if call is not None:
            calls.set_transcription_status(
                session=session,
                call=call,
                status=TranscriptionStatus.transcription_failed,
                error=error,
            )
            session.commit()


ANALYZABLE = (RequestStatus.received, RequestStatus.analyzing)


def analyze_request(*, engine: Engine, settings: Settings, request_pk: int) -> None:
    """Transcribe a request's call if needed, check the claim and put the request in review."""
    with Session(engine, expire_on_commit=False) as session:
        request = credits.get(session=session, request_id=request_pk)
        if request.status not in ANALYZABLE:
            return  # a reviewer took it by hand meanwhile; nothing to add
        if request.status == RequestStatus.received:
            credits.update_status(
                session=session,
                request=request,
                to=RequestStatus.analyzing,
                actor=credits.SYSTEM,
                why="analysis started",
            )
        call = session.get(Call, request.call_pk)
        assert call is not None and call.id is not None
        transcript = find_transcript(session=session, call=call)
        context = analysis_context(
            session=session, call=call, reason=request.reason, note=request.note
        )
        session.commit()
    if transcript is None:
        if call.transcription_status == TranscriptionStatus.transcription_failed:
            raise AudioError(f"the recording could not be transcribed: {call.transcription_error}")
        try:
            transcript = transcribe_call(engine=engine, settings=settings, call_pk=call.id)
        except AudioError as exc:
            mark_transcription_failed(engine=engine, call_pk=call.id, error=exc.message)
            raise
    # No transaction is open while the analysis runs: it decodes audio and scans text.
    finding = analysis.analyze(
        transcript=transcript.to_data(),
        context=context,
        policy=analysis.load_policy(settings.policy),
        audio=call_samples(settings=settings, call=call),
    )
    _store_finding(engine=engine, request_pk=request_pk, finding=finding)


def analysis_context(
    *, session: Session, call: Call, reason: str, note: str | None
) -> analysis.AnalysisContext:
    """Gather what the analysis needs about a call: business, claim and the caller's history."""
    business = session.get(Business, call.business_id)
    prior = calls.list_prior_calls(
        session=session,
        business_id=call.business_id,
        caller_number=call.caller_number,
        before=call.called_at,
    )
    return analysis.AnalysisContext(
        call_id=call.call_id,
        claimed_reason=reason,
        business_id=call.business_id,
        business_name=business.name if business else None,
        business_category=business.category if business else None,
        service_area=business.service_area if business else "",
        called_at=call.called_at,
        caller_number=call.caller_number or None,
        note=note,
        # No number, no history: an empty caller number must not match other empty ones.
        prior_calls=[
            analysis.PriorCall(
                business_id=p.business_id,
                caller_number=p.caller_number,
                called_at=p.called_at,
                call_id=p.call_id,
            )
            for p in (prior if call.caller_number else [])
        ],
    )


def call_samples(*, settings: Settings, call: Call) -> Any:
    """Return the call's mono 16 kHz samples for the audio cues (beeps), or None if unreadable."""
    try:
        return audio.load_recording(path=settings.recordings_dir / call.recording_path).mono()
    except AudioError as exc:
        log.warning("call %s: analysing without audio cues: %s", call.call_id, exc.message)
        return None


def _store_finding(*, engine: Engine, request_pk: int, finding: analysis.Finding) -> None:
    with Session(engine, expire_on_commit=False) as session:
        request = credits.get(session=session, request_id=request_pk)
        if request.status != RequestStatus.analyzing:
            return  # a reviewer took it by hand meanwhile
        credits.update_finding(
            session=session,
            request=request,
            data=FindingBase(
                verdict=finding.verdict,
                confidence=finding.confidence,
                recommendation=finding.recommendation,
                other_findings=list(finding.other_findings),
                evidence=[e.model_dump() for e in finding.evidence],
                explanation=finding.explanation,
            ),
        )
        credits.update_status(
            session=session,
            request=request,
            to=RequestStatus.ready,
            actor=credits.SYSTEM,
            why=(
                f"analysis: claim {finding.verdict} ({finding.confidence:.0%}),"
                f" recommends {finding.recommendation}"
            ),
            values={"analysis_error": None},
        )
        session.commit()


def mark_analysis_failed(*, engine: Engine, request_pk: int, error: str) -> None:
    """Record why a request could not be analysed; it stays reviewable by hand."""
    with Session(engine, expire_on_commit=False) as session:
        request = session.get(credits.CreditRequest, request_pk)
        if request is None or request.status not in ANALYZABLE:
            return
        credits.update_status(
            session=session,
            request=request,
            to=RequestStatus.analysis_failed,
            actor=credits.SYSTEM,
            why=f"analysis failed: {error}",
            values={"analysis_error": error[:2000]},
        )
        session.commit()


def run_job(*, engine: Engine, settings: Settings, job: Job) -> None:
    """Run one claimed job and record its outcome; never raise for the job's own failure."""
    try:
        if job.kind == JobKind.transcribe:
            transcribe_call(engine=engine, settings=settings, call_pk=job.subject_id)
        elif job.kind == JobKind.analyze:
            analyze_request(engine=engine, settings=settings, request_pk=job.subject_id)
        else:
            raise InvalidInput(f"no handler for job kind {job.kind!r}")
    except AudioError as exc:
        # Undecodable audio will not decode next time either: fail at once, keep going.
        log.warning("job %s: %s", job.id, exc.message)
        _mark_failed(engine, job, exc.message)
        _finish(engine, job, error=exc.message, retry=False)
        return
    except Exception as exc:
        log.exception("job %s failed", job.id)
        requeued = _finish(engine, job, error=f"{type(exc).__name__}: {exc}", retry=True)
        if not requeued:
            _mark_failed(engine, job, f"{type(exc).__name__}: {exc}")
        return
    _finish(engine, job)


def _mark_failed(engine: Engine, job: Job, error: str) -> None:
    if job.kind == JobKind.transcribe:
        mark_transcription_failed(engine=engine, call_pk=job.subject_id, error=error)
    elif job.kind == JobKind.analyze:
        mark_analysis_failed(engine=engine, request_pk=job.subject_id, error=error)


def _finish(engine: Engine, job: Job, *, error: str | None = None, retry: bool = True) -> bool:
    with Session(engine, expire_on_commit=False) as session:
        fresh = session.get(Job, job.id)
        assert fresh is not None
        if error is None:
            jobs.complete(session=session, job=fresh)
            return False
        return jobs.fail(session=session, job=fresh, error=error, retry=retry)
