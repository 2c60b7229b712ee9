"""Run ``callcredit eval``: ingest a manifest, transcribe, analyse every claim, score it."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit import analysis, orchestrator
from callcredit.calls import service as calls
from callcredit.calls.models import Call, TranscriptionStatus
from callcredit.config import Settings
from callcredit.evaluation.metrics import Labelled
from callcredit.jobs.worker import WorkerPool

Progress = Callable[[str, int, int], None]
DONE = (TranscriptionStatus.transcribed, TranscriptionStatus.transcription_failed)


@dataclass
class EvalResult:
    """Predictions with their labels, and the rows that could not be evaluated."""

    items: list[Labelled] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    transcribe_seconds: float = 0.0
    analyze_seconds: float = 0.0


def transcribe_all(
    *, engine: Engine, settings: Settings, workers: int, progress: Progress | None = None
) -> None:
    """Run the job workers until every queued transcription is done."""
    # Quiet workers: the progress bar says how far along the eval is.
    pool = WorkerPool(settings, count=workers, drain=True, log_level=logging.WARNING)
    pool.start()
    with Session(engine) as session:
        total = session.execute(select(func.count()).select_from(Call)).scalar_one()
    try:
        while any(proc.is_alive() for proc in pool.processes):
            _report(engine, total, progress)
            time.sleep(0.5)
    finally:
        pool.stop()
    _report(engine, total, progress)


def _report(engine: Engine, total: int, progress: Progress | None) -> None:
    if progress is None:
        return
    with Session(engine) as session:
        done = session.execute(
            select(func.count()).select_from(Call).where(Call.transcription_status.in_(DONE))  # type: ignore[attr-defined]
        ).scalar_one()
    progress("transcribing", done, total)


def analyze_claims(
    *,
    engine: Engine,
    settings: Settings,
    report: orchestrator.ManifestReport,
    out: Path,
    progress: Progress | None = None,
) -> EvalResult:
    """Analyse every claim in requested_at order and write one JSON line per claim."""
    policy = analysis.load_policy(settings.policy)
    claims = [row for row in report.rows if row.claimed_reason]
    claims.sort(key=lambda r: (r.requested_at is None, r.requested_at, r.line))
    result = EvalResult(errors=list(report.errors))
    with out.open("w", encoding="utf-8") as fh:
        for index, row in enumerate(claims, start=1):
            try:
                line = _analyze_row(engine=engine, settings=settings, row=row, policy=policy)
            except Exception as exc:  # one bad row is reported; the rest go on
                result.errors.append((row.line, f"{row.call.call_id}: {exc}"))
                continue
            finally:
                if progress is not None:
                    progress("analysing", index, len(claims))
            fh.write(json.dumps(line) + "\n")
            result.analyze_seconds += line["analysis_seconds"]
            result.items.append(
                Labelled(
                    call_id=line["call_id"],
                    claimed_reason=line["claimed_reason"],
                    verdict=line["verdict"],
                    recommendation=line["recommendation"],
                    expected_verdict=row.expected_verdict,
                    expected_decision=row.expected_decision,
                    group=row.extra.get("set", ""),
                )
            )
    return result


def _analyze_row(
    *, engine: Engine, settings: Settings, row: object, policy: analysis.Policy
) -> dict[str, object]:
    from callcredit.calls.manifest import ManifestRow

    assert isinstance(row, ManifestRow) and row.claimed_reason
    with Session(engine, expire_on_commit=False) as session:
        call = calls.get_by_call_id(session=session, call_id=row.call.call_id)
        transcript = orchestrator.find_transcript(session=session, call=call)
        if transcript is None:
            raise RuntimeError(f"no transcript ({call.transcription_error or 'not transcribed'})")
        context = orchestrator.analysis_context(
            session=session, call=call, reason=row.claimed_reason, note=row.note
        )
    samples = orchestrator.call_samples(settings=settings, call=call)
    started = time.perf_counter()
    finding = analysis.analyze(
        transcript=transcript.to_data(), context=context, policy=policy, audio=samples
    )
    elapsed = time.perf_counter() - started
    line = finding.to_eval_dict()
    line["analysis_seconds"] = round(elapsed, 4)
    return line
