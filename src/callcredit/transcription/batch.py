"""Transcribe many recordings with a pool of one-thread worker processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from callcredit.audio.service import SpeakerLayout
from callcredit.config import Settings, default_workers
from callcredit.exceptions import CallCreditError
from callcredit.transcription.engine import TranscribeOptions, Transcriber, get_transcriber
from callcredit.transcription.schemas import TranscriptData


@dataclass(frozen=True)
class EngineConfig:
    """Which model each worker loads and how many threads it may use."""

    model_dir: Path | None = None
    compute_type: str = "int8"
    # One thread per process: a second CTranslate2 thread barely helps tiny models,
    # a second process doubles throughput.
    threads: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineConfig:
        """Return the engine the settings describe."""
        return cls(settings.whisper_model_dir, settings.compute_type, settings.threads)


@dataclass(frozen=True)
class TranscribeJob:
    """One recording to transcribe; key is the caller's own label (a call ID)."""

    path: Path
    channels: SpeakerLayout | None = None
    key: str = ""


@dataclass(frozen=True)
class JobResult:
    """The outcome of one job: a transcript, or the AudioError-style message."""

    job: TranscribeJob
    transcript: TranscriptData | None = None
    error: str | None = None
    seconds: float = field(default=0.0, compare=False)

    @property
    def ok(self) -> bool:
        """Return True when a transcript was produced."""
        return self.transcript is not None


def transcribe_many(
    jobs: Iterable[TranscribeJob | str | os.PathLike[str]],
    options: TranscribeOptions | None = None,
    *,
    workers: int | None = None,
    engine: EngineConfig | None = None,
    on_result: Callable[[JobResult], None] | None = None,
) -> list[JobResult]:
    """Transcribe jobs in one-thread worker processes; return the results in input order."""
    todo = [job if isinstance(job, TranscribeJob) else TranscribeJob(Path(job)) for job in jobs]
    opts, config = options or TranscribeOptions(), engine or EngineConfig()
    count = max(1, min(workers or default_workers(), len(todo) or 1))
    if count == 1:
        init_worker(config)
        return [_notify(run_job(job, opts), on_result) for job in todo]
    # Longest first, so no worker is left with one long call at the end.
    order = sorted(range(len(todo)), key=lambda i: -_size(todo[i].path))
    results: list[JobResult | None] = [None] * len(todo)
    # spawn, not fork: forking a process that holds OpenMP/ONNX threads can deadlock.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=count, mp_context=context, initializer=init_worker, initargs=(config,)
    ) as pool:
        futures = {pool.submit(run_job, todo[i], opts): i for i in order}
        for future in as_completed(futures):
            results[futures[future]] = _notify(future.result(), on_result)
    return [result for result in results if result is not None]


_process_config = EngineConfig()


def init_worker(config: EngineConfig) -> None:
    """Load the model once in this process (pool initializer)."""
    global _process_config
    _process_config = config
    _transcriber(config)


def run_job(job: TranscribeJob, options: TranscribeOptions) -> JobResult:
    """Transcribe one job with this process's model; bad audio becomes an error result."""
    started = time.perf_counter()
    try:
        data = _transcriber(_process_config).transcribe(job.path, job.channels, options=options)
    except CallCreditError as exc:
        return JobResult(job, error=exc.message, seconds=time.perf_counter() - started)
    return JobResult(job, transcript=data, seconds=time.perf_counter() - started)


def _transcriber(config: EngineConfig) -> Transcriber:
    """Return this process's cached Transcriber for the engine configuration."""
    return get_transcriber(
        config.model_dir, compute_type=config.compute_type, threads=config.threads
    )


def _notify(result: JobResult, callback: Callable[[JobResult], None] | None) -> JobResult:
    """Pass a finished result to the callback and return it."""
    if callback is not None:
        callback(result)
    return result


def _size(path: Path) -> int:
    """Return a file's size, or 0 when it cannot be read (the job reports the error)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0
