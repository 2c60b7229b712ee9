"""Engine, sessions and column types shared by every domain."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from pydantic_core import PydanticUndefined
from sqlalchemy import Insert, Table, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import DateTime, TypeDecorator
from sqlmodel import Session, SQLModel, create_engine


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store aware datetimes as UTC; SQLite gives naive values back, so re-attach UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; callcredit stores aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while a worker writes; busy_timeout queues writers instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Seconds to wait for SQLite's write lock, in SQLite (busy_timeout) and in _WriterLock alike.
LOCK_TIMEOUT_S = 30
# Execution option: start the transaction as a plain (deferred) BEGIN, a read that neither
# takes nor waits for the write lock. See begin_read_only.
READ_ONLY = "callcredit_read_only"


def make_engine(url: str) -> Engine:
    """Create an engine for SQLite (WAL) or PostgreSQL."""
    if url.startswith("sqlite"):
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        memory = url in ("sqlite://", "sqlite:///:memory:")
        if memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; issue BEGIN IMMEDIATE ourselves
        # so that read-then-write transactions take the write lock up front.
        event.listen(engine, "connect", _disable_pysqlite_begin)
        _WriterLock.install(engine, None if memory else engine.url.database)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _disable_pysqlite_begin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


# One writer lock per SQLite file in this process, whichever engine opens it.
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


class _WriterLock:
    """Queue this process's SQLite writers on a Python lock instead of SQLite's busy backoff.

    Every write transaction (BEGIN IMMEDIATE) first takes a process-wide lock per database
    file and gives it back once its COMMIT or ROLLBACK has run. Waiting threads then queue
    and wake the moment the writer ends, where SQLite's busy handler would sleep for up to
    100 ms between retries (the long latency tails under load). Other processes (workers,
    the CLI) still meet at SQLite's own lock and busy_timeout.

    The lock is a plain Lock, not an RLock: FastAPI may begin a transaction in one
    threadpool thread and end it in another. A thread that opens a second write
    transaction while its first is open waits LOCK_TIMEOUT_S and then fails with
    "database is locked", as BEGIN IMMEDIATE itself would. The lock is released from the
    dialect's do_commit/do_rollback (after the statement ran; the pool's reset-on-return
    goes through do_rollback too) and when the pool invalidates or closes the connection,
    so no way a transaction can end leaves it held.
    """

    def __init__(self, lock: threading.Lock) -> None:
        self.lock = lock
        self.holders: set[int] = set()  # id() of the DBAPI connections holding the lock

    @classmethod
    def install(cls, engine: Engine, database: str | None) -> _WriterLock:
        """Attach a writer lock to a SQLite engine (shared by engines on the same file)."""
        if database:
            key = str(Path(database).resolve())
            with _LOCKS_LOCK:
                lock = _LOCKS.setdefault(key, threading.Lock())
        else:
            lock = threading.Lock()  # in-memory: one database per engine
        writer = cls(lock)
        event.listen(engine, "begin", writer.begin)
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_connection: Any) -> None:
            try:
                commit(dbapi_connection)
            finally:
                writer.release(dbapi_connection)

        def do_rollback(dbapi_connection: Any) -> None:
            try:
                rollback(dbapi_connection)
            finally:
                writer.release(dbapi_connection)

        # Per engine: create_engine gives each engine its own dialect instance.
        dialect.do_commit = do_commit  # type: ignore[method-assign]
        dialect.do_rollback = do_rollback  # type: ignore[method-assign]
        event.listen(engine.pool, "invalidate", lambda dbapi, _rec, _exc: writer.release(dbapi))
        event.listen(engine.pool, "close", lambda dbapi, _rec: writer.release(dbapi))
        event.listen(engine.pool, "close_detached", writer.release)
        return writer

    @staticmethod
    def _key(connection: Any) -> int:
        # do_commit/do_rollback get the pool's proxy; pool events get the DBAPI connection.
        return id(getattr(connection, "dbapi_connection", connection))

    def begin(self, conn: Connection) -> None:
        """Start a transaction: deferred for a read, else take the lock, BEGIN IMMEDIATE."""
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
            return
        key = self._key(conn.connection)
        if not self.lock.acquire(timeout=LOCK_TIMEOUT_S):
            raise OperationalError(
                "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
            )
        self.holders.add(key)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.release(conn.connection)
            raise

    def release(self, connection: Any) -> None:
        """Give the lock back if this connection holds it (a no-op otherwise)."""
        try:
            self.holders.remove(self._key(connection))
        except KeyError:
            return
        self.lock.release()


def begin_read_only(session: Session) -> None:
    """Start the session's transaction as a read, if it has none yet.

    On SQLite this is a deferred BEGIN: it neither takes nor waits for the write lock, and
    sees a consistent snapshot (WAL). Do not write in it; commit it and write in the next
    transaction, which takes the lock as usual. PostgreSQL ignores the option.
    """
    if not session.in_transaction():
        session.connection(execution_options={READ_ONLY: True})


@cache
def _insert_plan(
    model: type[SQLModel],
) -> tuple[Insert, tuple[tuple[str, Callable[[], Any] | None, Any], ...]]:
    table: Table = model.__table__  # type: ignore[attr-defined]
    defaults = tuple(
        (name, field.default_factory, field.default)  # type: ignore[misc]
        for name, field in model.model_fields.items()
        if field.default_factory is not None or field.default not in (None, PydanticUndefined)
    )
    return table.insert(), defaults


def insert_row(*, session: Session, model: type[SQLModel], **values: Any) -> Any:
    """INSERT one row of a table model now, in the session's transaction; return its key.

    The row gets the model's own defaults for the fields not given, as the model's
    constructor would; nothing tracks it afterwards (no identity map, no flush), which
    makes it several times cheaper than ``session.add`` for rows written and not read
    back in the same transaction, such as audit events and outbox messages.
    """
    statement, defaults = _insert_plan(model)
    row = {
        name: factory() if factory is not None else default
        for name, factory, default in defaults
        if name not in values
    }
    row.update(values)
    return session.connection().execute(statement, row).inserted_primary_key[0]


def init_db(engine: Engine) -> None:
    """Create all tables that do not exist yet."""
    import callcredit.models  # noqa: F401  (registers every table on SQLModel.metadata)

    SQLModel.metadata.create_all(engine)


def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield a session that is closed afterwards."""
    with Session(engine, expire_on_commit=False) as session:
        yield session
