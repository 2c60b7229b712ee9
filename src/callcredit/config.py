"""Settings read from the environment (prefix ``CALLCREDIT_``) or a ``.env`` file."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_workers() -> int:
    """Return one transcription worker per core: one-thread workers use cores best."""
    return max(1, os.cpu_count() or 1)


class Settings(BaseSettings):
    """Everything that varies between deployments."""

    model_config = SettingsConfigDict(env_prefix="CALLCREDIT_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///callcredit.db",
        description="SQLAlchemy URL; sqlite:///file.db or postgresql+psycopg://user:pw@host/db",
    )
    recordings_dir: Path = Field(default=Path("recordings"))
    whisper_model_dir: Path | None = Field(
        default=None,
        description="CTranslate2 Whisper model folder; default: the bundled tiny.en",
    )
    compute_type: str = "int8"
    threads: int = Field(default=1, ge=1, description="CPU threads per transcription worker")
    workers: int = Field(default_factory=default_workers, ge=1)
    beam_size: int = Field(default=1, ge=1)
    max_upload_mb: int = Field(default=50, ge=1)
    max_recording_minutes: int = Field(
        default=120, ge=1, description="longest recording accepted; checked while decoding"
    )
    default_billed_cents: int = Field(default=4500, ge=0)
    job_lease_seconds: int = Field(default=300, ge=1)
    job_max_attempts: int = Field(default=3, ge=1)
    review_lease_seconds: int = Field(
        default=900, ge=5, description="how long a reviewer holds a claimed request"
    )
    policy: str = Field(default="default", description="policy name or path to a policy TOML")
    demo: bool = Field(default=False, description="ingest fixtures/ demo data at start-up")
    embedded_worker: bool = True
    # identity
    session_hours: int = Field(default=12, ge=1, description="how long a sign-in lasts")
    sign_in_max_failures: int = Field(
        default=5, ge=1, description="failed sign-ins of one name from one address before 429"
    )
    sign_in_window_minutes: int = Field(
        default=15, ge=1, description="how long a failed sign-in counts towards the limit"
    )
    cookie_secure: bool = Field(
        default=False, description="send the session cookie over HTTPS only (set behind TLS)"
    )
    # notifications (outbox sender); an empty smtp_host keeps messages in the outbox
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_starttls: bool = True
    smtp_from: str = "callcredit@localhost"
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    notify_interval_seconds: float = Field(default=5.0, gt=0, description="sender poll interval")
    notify_retry_base_seconds: float = Field(default=30.0, gt=0)
    notify_retry_max_seconds: float = Field(default=3600.0, gt=0, description="backoff cap")
    notify_lease_seconds: int = Field(default=300, ge=5)

    @property
    def max_recording_seconds(self) -> float:
        """Return the recording length limit in seconds."""
        return self.max_recording_minutes * 60.0

    @property
    def max_upload_bytes(self) -> int:
        """Return the upload limit in bytes."""
        return self.max_upload_mb * 1024 * 1024
