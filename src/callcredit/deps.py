"""FastAPI dependency aliases shared by every router."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from anyio.lowlevel import RunVar
from fastapi import Depends, Request
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from callcredit.config import Settings

# The dependencies here are async: each does no I/O of its own, and a sync dependency costs
# a hop to the threadpool and back (two for a generator) on every request.


async def get_settings(request: Request) -> Settings:
    """Return the settings the app was created with."""
    return request.app.state.settings


async def get_engine(request: Request) -> Engine:
    """Return the app's database engine."""
    return request.app.state.engine


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Yield a session per request; it connects lazily, on its first query (in a thread)."""
    engine: Engine = request.app.state.engine
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
    finally:
        if session.in_transaction() and engine.dialect.name != "sqlite":
            # A rollback over the network must not stall the event loop.
            await run_in_threadpool(session.close)
        else:
            # Nothing open, or a local SQLite rollback: quick, and it needs no free thread,
            # so a request holding the SQLite writer lock can always give it back.
            session.close()


T = TypeVar("T")
# One per event loop: the worker threads that may run SQLite write transactions at once.
_SQLITE_WRITERS: RunVar[CapacityLimiter] = RunVar("callcredit_sqlite_writers")
# One: the write lock lets only one run anyway, and a second thread only trades the GIL and
# the lock back and forth with the first (measured: about 10 % more CPU a submission).
SQLITE_WRITER_THREADS = 1


async def run_write(session: Session, func: Callable[[], T]) -> T:
    """Run ``func``, one whole write transaction of ``session``, in a thread.

    ``func`` begins and ends the transaction; if it raises, the transaction is rolled back
    in that thread, so the write lock is free for the next writer at once. On SQLite every
    writer queues for the one write lock anyway (database._WriterLock): there at most
    SQLITE_WRITER_THREADS such functions run at once and the rest wait in the event loop,
    not as threads parked on the lock, whose wake-ups and contention for the GIL cost more
    CPU than the work itself under load. Other databases write in parallel and use the
    shared threadpool. ``func`` must not wait for anything that needs another of these
    threads.
    """

    def transaction() -> T:
        try:
            return func()
        except BaseException:
            session.rollback()
            raise

    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        return await run_in_threadpool(transaction)
    try:
        limiter = _SQLITE_WRITERS.get()
    except LookupError:
        limiter = CapacityLimiter(SQLITE_WRITER_THREADS)
        _SQLITE_WRITERS.set(limiter)
    return await anyio.to_thread.run_sync(transaction, limiter=limiter)


SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
