"""Deliver the outbox over SMTP: due messages, retries with backoff, nothing ever dropped."""

from __future__ import annotations

import logging
import os
import smtplib
import socket
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from sqlalchemy import ColumnElement, select, update
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.config import Settings
from callcredit.database import utcnow
from callcredit.notifications.models import Notification, NotificationStatus
from callcredit.notifications.service import UNSENT

log = logging.getLogger(__name__)

# After this many tries a message is still retried (at the backoff cap), but logged as an error.
LOUD_AFTER_ATTEMPTS = 8


def backoff(*, attempts: int, base_seconds: float, max_seconds: float) -> timedelta:
    """Return the wait before the next try: doubling from base, capped at max."""
    exponent = min(max(attempts - 1, 0), 32)  # bounded: 2**32 * base is far past any cap
    return timedelta(seconds=min(max_seconds, base_seconds * 2**exponent))


def _due(now: datetime) -> ColumnElement[bool]:
    return (
        Notification.status.in_(  # type: ignore[attr-defined]
            (NotificationStatus.pending, NotificationStatus.failed_retrying)
        )
        & (Notification.next_attempt_at <= now)  # type: ignore[operator]
        & (
            Notification.lease_until.is_(None)  # type: ignore[union-attr]
            | (Notification.lease_until < now)  # type: ignore[operator]
        )
    )


@dataclass
class DeliveryReport:
    """What one delivery pass did, by notification id."""

    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)  # logged, not sent: no SMTP or no address


def default_sender_id() -> str:
    """Return an id for this sender that is unique across machines, processes and threads."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def deliver_due(
    *,
    session: Session,
    settings: Settings,
    now: datetime | None = None,
    sender_id: str | None = None,
    limit: int = 100,
) -> DeliveryReport:
    """Send every due message over SMTP; a failure is retried later, never dropped."""
    now = now or utcnow()
    report = DeliveryReport()
    _readdress(session=session)
    _log_held(session=session, smtp_ready=bool(settings.smtp_host), now=now, report=report)
    if not settings.smtp_host:
        return report
    rows = _claim(
        session=session,
        sender_id=sender_id or default_sender_id(),
        lease_seconds=settings.notify_lease_seconds,
        now=now,
        limit=limit,
    )
    if rows:
        _send(session=session, settings=settings, rows=rows, now=now, report=report)
    return report


def _readdress(*, session: Session) -> None:
    # A business may get an email address after a message was written; send those now.
    stmt = (
        select(Notification, Business.email)
        .join(Business, Business.id == Notification.business_id)  # type: ignore[arg-type]
        .where(
            Notification.status == NotificationStatus.no_address,
            Business.email.is_not(None),  # type: ignore[union-attr]
            Business.email != "",
        )
    )
    for row, email in session.execute(stmt).all():
        row.to_address = email.strip()
        row.status = NotificationStatus.pending
        session.add(row)
    session.commit()


def _log_held(*, session: Session, smtp_ready: bool, now: datetime, report: DeliveryReport) -> None:
    held = Notification.status == NotificationStatus.no_address
    if not smtp_ready:
        held = Notification.status.in_(UNSENT)  # type: ignore[attr-defined]
    stmt = select(Notification).where(held, Notification.logged_at.is_(None))  # type: ignore[union-attr]
    for row in session.execute(stmt.order_by(Notification.id)).scalars():
        reason = "no email address" if not row.to_address else "SMTP is not configured"
        log.info(
            "notification #%s (%s) for business %s stays in the outbox (%s): %s",
            *(row.id, row.kind, row.business_id, reason, row.subject),
        )
        row.logged_at = now
        session.add(row)
        report.held.append(row.id or 0)
    session.commit()


def _claim(
    *, session: Session, sender_id: str, lease_seconds: int, now: datetime, limit: int
) -> list[Notification]:
    # SKIP LOCKED keeps two PostgreSQL senders off the same rows; SQLite serialises the
    # UPDATE (BEGIN IMMEDIATE) and the lease keeps a second sender away until it runs out.
    candidate = (
        select(Notification.id)
        .where(_due(now))
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(Notification)
        .where(Notification.id.in_(candidate), _due(now))  # type: ignore[union-attr]
        .values(
            locked_by=sender_id,
            lease_until=now + timedelta(seconds=lease_seconds),
        )
        .returning(Notification.id)
    )
    ids = list(session.execute(stmt).scalars())
    session.commit()
    if not ids:
        return []
    rows = select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)  # type: ignore[union-attr]
    return list(session.execute(rows.execution_options(populate_existing=True)).scalars())


def _send(
    *,
    session: Session,
    settings: Settings,
    rows: list[Notification],
    now: datetime,
    report: DeliveryReport,
) -> None:
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        error = f"cannot reach SMTP server {settings.smtp_host}:{settings.smtp_port}: {exc!r}"
        for row in rows:
            _record_failure(session=session, settings=settings, row=row, error=error, now=now)
            report.failed.append(row.id or 0)
        return
    # Stop before our lease runs out: after it, another sender may take the same rows.
    lease = settings.notify_lease_seconds
    deadline = time.monotonic() + max(lease - settings.smtp_timeout_seconds, lease / 2)
    try:
        for index, row in enumerate(rows):
            if index and time.monotonic() > deadline:
                _release(session=session, rows=rows[index:])
                break
            error, connected = _send_one(smtp=smtp, row=row, settings=settings)
            if error is None:
                _record_sent(session=session, row=row)
                report.sent.append(row.id or 0)
            else:
                _record_failure(session=session, settings=settings, row=row, error=error, now=now)
                report.failed.append(row.id or 0)
            if not connected:
                # The rest were not tried; the next pass takes them on a new connection.
                _release(session=session, rows=rows[index + 1 :])
                break
    finally:
        with suppress(OSError, smtplib.SMTPException):
            smtp.quit()
        smtp.close()


def _send_one(
    *, smtp: smtplib.SMTP, row: Notification, settings: Settings
) -> tuple[str | None, bool]:
    """Send one message; return the error (None when sent) and whether the line is still up."""
    try:
        smtp.send_message(_message(row, settings))
    except smtplib.SMTPResponseException as exc:
        # The server refused this message; unless it is closing (421), go on with the rest.
        return repr(exc), exc.smtp_code != 421
    except smtplib.SMTPRecipientsRefused as exc:
        return repr(exc), True
    except (OSError, smtplib.SMTPException) as exc:
        return repr(exc), False
    return None, True


def _release(*, session: Session, rows: list[Notification]) -> None:
    for row in rows:
        row.lease_until = None
        row.locked_by = None
        session.add(row)
    session.commit()


def _connect(settings: Settings) -> smtplib.SMTP:
    smtp = smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
    )
    try:
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls()
            smtp.ehlo()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
    except BaseException:
        smtp.close()
        raise
    return smtp


def _message(row: Notification, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    # A stable Message-ID lets mail clients drop the copy of a message re-sent after a crash.
    domain = settings.smtp_from.rpartition("@")[2].strip("> ") or "callcredit.invalid"
    stamp = int(row.created_at.timestamp())
    message["Message-ID"] = f"<notification-{row.id}.{stamp}@{domain}>"
    message["X-Callcredit-Notification"] = f"{row.id} {row.kind}"
    message.set_content(row.body)
    return message


def _record_sent(*, session: Session, row: Notification) -> None:
    row.attempts += 1
    row.status = NotificationStatus.sent
    row.sent_at = utcnow()
    row.last_error = None
    row.lease_until = None
    row.locked_by = None
    session.add(row)
    session.commit()


def _record_failure(
    *, session: Session, settings: Settings, row: Notification, error: str, now: datetime
) -> None:
    row.attempts += 1
    wait = backoff(
        attempts=row.attempts,
        base_seconds=settings.notify_retry_base_seconds,
        max_seconds=settings.notify_retry_max_seconds,
    )
    row.status = NotificationStatus.failed_retrying
    row.next_attempt_at = now + wait
    row.last_error = error[:2000]
    row.lease_until = None
    row.locked_by = None
    session.add(row)
    session.commit()
    if row.attempts >= LOUD_AFTER_ATTEMPTS:
        log.error(
            "notification #%s to %s STILL UNDELIVERED after %s attempts (%s); retrying every"
            " %ss - check the SMTP settings and the address",
            *(row.id, row.to_address, row.attempts, error, int(wait.total_seconds())),
        )
    else:
        log.warning(
            "notification #%s to %s not sent (attempt %s): %s; next try in %ss",
            *(row.id, row.to_address, row.attempts, error, int(wait.total_seconds())),
        )
