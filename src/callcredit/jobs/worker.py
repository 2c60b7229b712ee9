"""Worker processes that claim jobs from the database and run them."""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import signal
import socket
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event

from sqlmodel import Session

from callcredit.config import Settings
from callcredit.database import make_engine
from callcredit.jobs import service as jobs

log = logging.getLogger(__name__)
IDLE_SLEEP = 0.5


def worker_name(index: int) -> str:
    """Return a worker id that is unique across machines and processes."""
    return f"{socket.gethostname()}:{os.getpid()}:{index}"


def run_loop(
    *,
    settings: Settings,
    index: int = 0,
    stop: Event | None = None,
    drain: bool = False,
    on_job: Callable[[int], None] | None = None,
) -> int:
    """Claim and run jobs until stopped (or, with ``drain``, until none is runnable)."""
    from callcredit.orchestrator.pipeline import run_job  # late: keeps worker start-up light

    engine = make_engine(settings.database_url)
    name = worker_name(index)
    done = 0
    try:
        while stop is None or not stop.is_set():
            with Session(engine, expire_on_commit=False) as session:
                job = jobs.claim(
                    session=session, worker_id=name, lease_seconds=settings.job_lease_seconds
                )
            if job is None:
                if drain:
                    break
                time.sleep(IDLE_SLEEP)
                continue
            log.info("%s runs job %s (%s #%s)", name, job.id, job.kind, job.subject_id)
            run_job(engine=engine, settings=settings, job=job)
            done += 1
            if on_job is not None:
                on_job(done)
    finally:
        engine.dispose()
    return done


def _process_main(settings: Settings, index: int, stop: Event, drain: bool, log_level: int) -> None:
    # The parent handles Ctrl-C and sets ``stop``; children finish their job and leave.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=log_level, format="%(asctime)s %(name)s %(message)s")
    run_loop(settings=settings, index=index, stop=stop, drain=drain)


class WorkerPool:
    """Several one-thread worker processes: the fastest way to use the cores with Whisper."""

    def __init__(
        self,
        settings: Settings,
        *,
        count: int | None = None,
        drain: bool = False,
        log_level: int = logging.INFO,
    ):
        self.settings = settings
        self.log_level = log_level
        self.count = count or settings.workers
        self.drain = drain
        self._ctx = mp.get_context("spawn")
        self._stop = self._ctx.Event()
        self._procs: list[mp.process.BaseProcess] = []

    def start(self) -> None:
        """Start the worker processes."""
        for index in range(self.count):
            proc = self._ctx.Process(
                target=_process_main,
                args=(self.settings, index, self._stop, self.drain, self.log_level),
                name=f"callcredit-worker-{index}",
                daemon=True,
            )
            proc.start()
            self._procs.append(proc)

    @property
    def processes(self) -> list[mp.process.BaseProcess]:
        """Return the started worker processes."""
        return list(self._procs)

    def join(self) -> None:
        """Wait for every worker to finish."""
        for proc in self._procs:
            proc.join()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask workers to stop after their current job, then terminate stragglers."""
        self._stop.set()
        deadline = time.monotonic() + timeout
        for proc in self._procs:
            proc.join(max(0.0, deadline - time.monotonic()))
            if proc.is_alive():
                proc.terminate()
                proc.join(5)
