"""The outbox sender loop, run by ``callcredit notify`` or next to the workers in ``serve``."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine
from sqlmodel import Session

from callcredit.config import Settings
from callcredit.database import make_engine
from callcredit.notifications.delivery import DeliveryReport, deliver_due

log = logging.getLogger(__name__)
BATCH = 100


def run_sender_loop(*, settings: Settings, stop_event: threading.Event, once: bool = False) -> None:
    """Deliver due messages every few seconds until ``stop_event`` is set (or once)."""
    engine = make_engine(settings.database_url)
    if not settings.smtp_host:
        log.info("SMTP is not configured (CALLCREDIT_SMTP_HOST): messages stay in the outbox")
    try:
        while not stop_event.is_set():
            report = _pass(engine=engine, settings=settings)
            if once:
                break
            # A full batch means more are due: go again at once instead of sleeping.
            busy = report is not None and len(report.sent) + len(report.failed) >= BATCH
            if not busy and stop_event.wait(settings.notify_interval_seconds):
                break
    finally:
        engine.dispose()


def _pass(*, engine: Engine, settings: Settings) -> DeliveryReport | None:
    try:
        with Session(engine, expire_on_commit=False) as session:
            report = deliver_due(session=session, settings=settings, limit=BATCH)
    except Exception:
        # The loop must outlive a database hiccup; the messages wait in the outbox.
        log.exception("notification delivery pass failed; trying again shortly")
        return None
    if report.sent or report.failed:
        log.info("notifications: %s sent, %s failed", len(report.sent), len(report.failed))
    return report


def start_sender_thread(settings: Settings) -> tuple[threading.Thread, threading.Event]:
    """Start the sender loop in a daemon thread; set the returned event to stop it."""
    stop_event = threading.Event()
    thread = threading.Thread(
        target=run_sender_loop,
        kwargs={"settings": settings, "stop_event": stop_event},
        name="callcredit-notify",
        daemon=True,
    )
    thread.start()
    return thread, stop_event
