"""The application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from callcredit import __version__, errors, web
from callcredit.calls.router import router as calls_router
from callcredit.config import Settings
from callcredit.credits.queue_router import router as queue_router
from callcredit.credits.router import router as credits_router
from callcredit.database import init_db, make_engine
from callcredit.exceptions import Unauthorized
from callcredit.identity.deps import unauthorized_handler
from callcredit.identity.router import router as identity_router
from callcredit.notifications.router import router as notifications_router
from callcredit.reports.router import router as reports_router

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the FastAPI app for the given settings (no import-time globals)."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    init_db(engine)
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="callcredit",
        version=__version__,
        description="Review pay-per-call credit requests against the call recording.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    errors.install(app)
    # More specific than the CallCreditError handler: adds WWW-Authenticate to every 401.
    app.add_exception_handler(Unauthorized, unauthorized_handler)
    # The busiest routes first: a request is matched against the routes in this order.
    app.include_router(credits_router)
    app.include_router(queue_router)
    app.include_router(calls_router)
    app.include_router(identity_router)
    app.include_router(notifications_router)
    app.include_router(reports_router)
    # Pages, their static files and the HTML error pages (render_error_page).
    web.install(app)

    @app.get("/healthz", tags=["meta"])
    def healthz() -> dict[str, str]:
        """Say the service is up."""
        return {"status": "ok", "version": __version__}

    return app
