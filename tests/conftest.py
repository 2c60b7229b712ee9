"""Shared fixtures: an isolated database per test, settings, app, client and factories."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit.config import Settings
from callcredit.database import init_db, make_engine

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PG_URL = os.environ.get("CALLCREDIT_TEST_POSTGRES_URL", "")


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Return the folder of committed audio fixtures."""
    return FIXTURES


@pytest.fixture(scope="session")
def manifest_path(fixtures_dir: Path) -> Path:
    """Return the committed fixture manifest."""
    return fixtures_dir / "manifest.csv"


def _postgres_schema_url() -> Iterator[str]:
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must test PostgreSQL: CALLCREDIT_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (set CALLCREDIT_TEST_POSTGRES_URL)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """Return the URL of a fresh SQLite file for this test."""
    return f"sqlite:///{tmp_path / 'callcredit.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Return a fresh database on SQLite, then on PostgreSQL (tests run on both)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'callcredit.db'}"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """Return the default test database URL (SQLite); override with any_db_url to run on both."""
    return sqlite_url


def make_settings(tmp_path: Path, database_url: str, **overrides: object) -> Settings:
    """Build settings isolated from the environment and .env files."""
    values: dict[str, object] = {
        "database_url": database_url,
        "recordings_dir": tmp_path / "recordings",
        "workers": 1,
        "threads": 1,
        "job_lease_seconds": 60,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg,arg-type]


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Return settings for a test with its own database and recordings folder."""
    return make_settings(tmp_path, db_url)


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    """Return an engine on the test's database with all tables created."""
    eng = make_engine(settings.database_url)
    init_db(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """Return a session on the test's database."""
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """Return a TestClient on an app built for this test's settings."""
    from callcredit.main import create_app

    with TestClient(create_app(settings)) as c:
        yield c


def aware(text_: str) -> datetime:
    """Parse an ISO time, defaulting to UTC when it has no offset."""
    value = datetime.fromisoformat(text_)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
