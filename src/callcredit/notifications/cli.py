"""``callcredit notify``: run the outbox sender from the shell."""

from __future__ import annotations

import logging
import sys
import threading
from typing import Annotated

import typer

from callcredit.config import Settings
from callcredit.database import init_db, make_engine
from callcredit.notifications.sender import run_sender_loop


def notify(
    once: Annotated[bool, typer.Option(help="send what is due now, then exit")] = False,
) -> None:
    """Send the notification outbox by SMTP until stopped (Ctrl-C)."""
    settings = Settings()
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    engine = make_engine(settings.database_url)
    init_db(engine)
    engine.dispose()
    stop_event = threading.Event()
    try:
        run_sender_loop(settings=settings, stop_event=stop_event, once=once)
    except KeyboardInterrupt:
        stop_event.set()
