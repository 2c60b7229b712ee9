"""The job pipeline: transcribe a call, analyse a request, run a claimed job."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit import analysis
from callcredit.audio import service as audio
from callcredit.calls import service as calls
from callcredit.calls.models import Business, Call, TranscriptionStatus
from callcredit.config import Settings
from callcredit.credits import service as credits
from callcredit.credits.models import FindingBase, RequestStatus
from callcredit.exceptions import AudioError, InvalidInput
from callcredit.jobs import service as jobs
from callcredit.jobs.models import Job, JobKind
from callcredit.transcription.models import Transcript
from callcredit.transcription.schemas import TranscriptData

from .ingest import find_transcript

log = logging.getLogger(__name__)


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
