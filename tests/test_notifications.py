"""The outbox and its SMTP sender, against a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.config import Settings
from callcredit.database import init_db, make_engine, utcnow
from callcredit.notifications import delivery as smtp
from callcredit.notifications import service as outbox
from callcredit.notifications.models import Notification, NotificationKind, NotificationStatus
from callcredit.notifications.sender import run_sender_loop
from tests import factories
from tests.conftest import make_settings


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it accepts, or refuses with a 451 while told to."""

    messages: list[tuple[list[str], Message]] = field(default_factory=list)
    refuse: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 mailbox busy, try again later"
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.startswith("bounce@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port() -> int:
    """Return the port the test SMTP server listens (or will listen) on."""
    return free_port()


@pytest.fixture
def inbox(smtp_port: int) -> Iterator[Inbox]:
    """Run a real SMTP server on 127.0.0.1 for the test."""
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def smtp_settings(tmp_path: Path, db_url: str, smtp_port: int) -> Settings:
    """Return settings that send to the test SMTP server without TLS."""
    return make_settings(
        tmp_path,
        db_url,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_starttls=False,
        smtp_from="credits@callcredit.test",
        smtp_timeout_seconds=5,
        notify_retry_base_seconds=30,
        notify_retry_max_seconds=3600,
        notify_interval_seconds=0.05,
    )


def _queue(session: Session, email: str | None = "owner@rapid.test", **kw: Any) -> Notification:
    biz = factories.business(session, email=email)
    message = outbox.OutboxMessage(
        business_id=biz.id,
        kind=kw.pop("kind", NotificationKind.decision),
        subject=kw.pop("subject", "Your credit request was approved"),
        body=kw.pop("body", "We credited $45.00 for call c17.\nReason: wrong number."),
        request_id=kw.pop("request_id", 17),
    )
    row = outbox.create(session=session, message=message)
    session.commit()
    return row


def _reload(session: Session, row: Notification) -> Notification:
    session.refresh(row)
    session.commit()  # SQLite: every transaction holds the write lock; end ours
    return row


def test_create_is_part_of_the_callers_transaction(session: Session) -> None:
    biz = factories.business(session, email="owner@rapid.test")
    message = outbox.OutboxMessage(biz.id, NotificationKind.receipt, subject="s", body="b")
    outbox.create(session=session, message=message)
    session.rollback()  # the state change failed: its message must vanish with it
    assert outbox.list_pending(session=session) == []
    row = _queue(session)
    assert row.status == NotificationStatus.pending and row.to_address == "owner@rapid.test"


def test_delivers_due_message_to_the_business(
    session: Session, smtp_settings: Settings, inbox: Inbox
) -> None:
    row = _queue(session)
    report = smtp.deliver_due(session=session, settings=smtp_settings)
    assert report.sent == [row.id] and report.failed == []
    [(recipients, message)] = inbox.messages
    assert recipients == ["owner@rapid.test"]
    assert message["To"] == "owner@rapid.test"
    assert message["From"] == "credits@callcredit.test"
    assert message["Subject"] == "Your credit request was approved"
    assert message["Message-ID"].startswith(f"<notification-{row.id}.")
    assert "We credited $45.00 for call c17." in message.get_payload(decode=True).decode()
    row = _reload(session, row)
    assert row.status == NotificationStatus.sent and row.attempts == 1
    assert row.sent_at is not None and row.last_error is None
    assert smtp.deliver_due(session=session, settings=smtp_settings).sent == []  # once only


def test_refused_message_is_retried_with_backoff_then_delivered(
    session: Session, smtp_settings: Settings, inbox: Inbox
) -> None:
    row = _queue(session)
    inbox.refuse = True
    start = utcnow()
    assert smtp.deliver_due(session=session, settings=smtp_settings, now=start).failed == [row.id]
    row = _reload(session, row)
    assert row.status == NotificationStatus.failed_retrying and row.attempts == 1
    assert "451" in (row.last_error or "")
    assert row.next_attempt_at == start + timedelta(seconds=30)

    later = start + timedelta(seconds=31)
    assert smtp.deliver_due(session=session, settings=smtp_settings, now=later).failed == [row.id]
    row = _reload(session, row)
    assert row.next_attempt_at == later + timedelta(seconds=60)  # doubled
    assert [n.id for n in outbox.list_pending(session=session)] == [row.id]  # still in the outbox

    inbox.refuse = False
    too_soon = later + timedelta(seconds=30)
    assert smtp.deliver_due(session=session, settings=smtp_settings, now=too_soon).sent == []
    due = later + timedelta(seconds=61)
    assert smtp.deliver_due(session=session, settings=smtp_settings, now=due).sent == [row.id]
    assert len(inbox.messages) == 1
    row = _reload(session, row)
    assert row.status == NotificationStatus.sent and row.attempts == 3


def test_one_refused_recipient_does_not_hold_up_the_others(
    session: Session, smtp_settings: Settings, inbox: Inbox
) -> None:
    bad = _queue(session, email="bounce@rapid.test")
    good = _queue(session)
    report = smtp.deliver_due(session=session, settings=smtp_settings)
    assert (report.failed, report.sent) == ([bad.id], [good.id])
    assert [rcpt for rcpt, _ in inbox.messages] == [["owner@rapid.test"]]
    bad = _reload(session, bad)
    assert bad.status == NotificationStatus.failed_retrying and "550" in (bad.last_error or "")


def test_server_down_then_up(session: Session, smtp_settings: Settings, smtp_port: int) -> None:
    row = _queue(session)
    start = utcnow()
    assert smtp.deliver_due(session=session, settings=smtp_settings, now=start).failed == [row.id]
    row = _reload(session, row)
    assert row.status == NotificationStatus.failed_retrying
    assert "cannot reach SMTP server" in (row.last_error or "")

    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        later = start + timedelta(seconds=31)
        report = smtp.deliver_due(session=session, settings=smtp_settings, now=later)
    finally:
        controller.stop()
    assert report.sent == [row.id]
    assert handler.messages[0][0] == ["owner@rapid.test"]


def test_never_dropped_retries_at_the_cap_and_logs_loudly(
    session: Session, smtp_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    row = _queue(session)
    now = utcnow()
    with caplog.at_level(logging.WARNING, logger="callcredit.notifications"):
        for _ in range(12):
            smtp.deliver_due(session=session, settings=smtp_settings, now=now)
            now = _reload(session, row).next_attempt_at
    row = _reload(session, row)
    assert row.status == NotificationStatus.failed_retrying and row.attempts == 12
    assert [n.id for n in outbox.list_pending(session=session)] == [row.id]
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert errors and "STILL UNDELIVERED" in errors[-1].getMessage()


def test_backoff_doubles_up_to_the_cap() -> None:
    waits = [
        smtp.backoff(attempts=n, base_seconds=30, max_seconds=3600).total_seconds()
        for n in (1, 2, 3, 4, 5, 8, 100, 10_000)
    ]
    assert waits == [30, 60, 120, 240, 480, 3600, 3600, 3600]


def test_without_smtp_messages_stay_readable_and_are_logged_once(
    session: Session, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    assert settings.smtp_host == ""
    row = _queue(session, subject="Request received")
    with caplog.at_level(logging.INFO, logger="callcredit.notifications"):
        first = smtp.deliver_due(session=session, settings=settings)
        second = smtp.deliver_due(session=session, settings=settings)
    assert first.held == [row.id] and second.held == []
    logged = [r.getMessage() for r in caplog.records if "Request received" in r.getMessage()]
    assert len(logged) == 1 and "SMTP is not configured" in logged[0]
    pending = outbox.list_pending(session=session)
    assert [(n.id, n.status, n.attempts) for n in pending] == [(row.id, "pending", 0)]
    assert pending[0].body.startswith("We credited")


def test_business_without_email_waits_until_it_has_one(
    session: Session, smtp_settings: Settings, inbox: Inbox
) -> None:
    row = _queue(session, email=None)
    assert row.status == NotificationStatus.no_address and row.to_address == ""
    report = smtp.deliver_due(session=session, settings=smtp_settings)
    assert report.sent == [] and report.held == [row.id]
    assert _reload(session, row).status == NotificationStatus.no_address

    owner = session.get(Business, row.business_id)  # the business gets an address later
    assert owner is not None
    owner.email = "late@rapid.test"
    session.commit()
    assert smtp.deliver_due(session=session, settings=smtp_settings).sent == [row.id]
    assert inbox.messages[0][0] == ["late@rapid.test"]


def test_a_leased_message_is_left_to_its_sender_until_the_lease_runs_out(
    session: Session, smtp_settings: Settings, inbox: Inbox
) -> None:
    row = _queue(session)
    now = utcnow()
    # Another sender claimed it and crashed mid-send.
    row.locked_by, row.lease_until = "other-host:1:1", now + timedelta(seconds=300)
    session.commit()
    assert smtp.deliver_due(session=session, settings=smtp_settings, now=now).sent == []
    later = now + timedelta(seconds=301)
    assert smtp.deliver_due(session=session, settings=smtp_settings, now=later).sent == [row.id]


def _two_senders(engine: Engine, settings: Settings) -> list[int]:
    def drain(name: str) -> list[int]:
        sent: list[int] = []
        for _ in range(20):
            with Session(engine, expire_on_commit=False) as s:
                sent += smtp.deliver_due(session=s, settings=settings, sender_id=name, limit=3).sent
        return sent

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(drain, ["a", "b"]))
    return results[0] + results[1]


def test_two_senders_never_send_the_same_message(
    any_db_url: str, tmp_path: Path, smtp_port: int, inbox: Inbox
) -> None:
    settings = make_settings(
        tmp_path, any_db_url, smtp_host="127.0.0.1", smtp_port=smtp_port, smtp_starttls=False
    )
    engine = make_engine(any_db_url)
    init_db(engine)
    try:
        with Session(engine, expire_on_commit=False) as s:
            ids = [_queue(s, subject=f"message {n}").id for n in range(24)]
        sent = _two_senders(engine, settings)
    finally:
        engine.dispose()
    assert sorted(sent) == sorted(ids)  # each exactly once
    assert len(inbox.messages) == 24


def test_sender_loop_delivers_until_stopped(
    engine: Engine, smtp_settings: Settings, inbox: Inbox
) -> None:
    stop = threading.Event()
    thread = threading.Thread(
        target=run_sender_loop, kwargs={"settings": smtp_settings, "stop_event": stop}
    )
    thread.start()
    try:
        with Session(engine, expire_on_commit=False) as s:
            _queue(s)
        deadline = time.monotonic() + 10
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert len(inbox.messages) == 1
