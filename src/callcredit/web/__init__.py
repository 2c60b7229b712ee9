"""Server-rendered pages for reviewers, businesses and customer success."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from callcredit.web import (
    auth_pages,
    dashboard_pages,
    portal_pages,
    queue_pages,
    recordings,
    review_pages,
    support_pages,
)
from callcredit.web.error_pages import render_error_page
from callcredit.web.templating import HERE

router = APIRouter()
for _module in (
    auth_pages,
    queue_pages,
    review_pages,
    portal_pages,
    support_pages,
    dashboard_pages,
    recordings,
):
    router.include_router(_module.router)


def install(app: FastAPI) -> None:
    """Add the pages, their static files and the HTML error pages to the app."""
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(router)
    app.state.render_error_page = render_error_page


__all__ = ["install", "router"]
