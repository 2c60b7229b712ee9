"""Errors as pages a person can act on: sign in again, go back, reload; never a stack trace."""

from __future__ import annotations

import html
import logging
from urllib.parse import urlencode, urlsplit

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from callcredit.identity.deps import SESSION_COOKIE
from callcredit.web.security import return_path
from callcredit.web.templating import home_for, render_page

log = logging.getLogger(__name__)

TITLES = {
    400: "That request did not work",
    403: "You cannot do that here",
    404: "Not found",
    405: "Not allowed",
    409: "Someone got there first",
    413: "Too large",
    422: "Please check what you entered",
    500: "Something went wrong on our side",
}
HINTS = {
    404: "The page or item does not exist, or it belongs to another account.",
    409: "The item changed while you were looking at it. Reload it to see where it stands now.",
    500: "The error was logged. Try again in a moment; if it keeps happening, tell an admin.",
}


def sign_in_url(request: Request) -> str:
    """Return the sign-in address that brings the browser back to this page afterwards."""
    query = {"next": return_path(request)}
    if request.cookies.get(SESSION_COOKIE):
        query["expired"] = "1"
    return "/signin?" + urlencode(query)


def _back(request: Request) -> str | None:
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.headers.get("host", "") or not referer.path:
        return None
    back = referer.path + (f"?{referer.query}" if referer.query else "")
    return None if back == request.url.path else back


def render_error_page(request: Request, status: int, body: dict[str, object]) -> Response:
    """Render an error for a browser: 401 goes to sign-in, the rest get a page with a way on."""
    if status == 401:
        return RedirectResponse(sign_in_url(request), status_code=303)
    message = str(body.get("message", ""))
    details = body.get("details")
    context = {
        "status": status,
        "title": TITLES.get(status, "That did not work"),
        "message": message,
        "hint": HINTS.get(status, ""),
        "csrf_failed": isinstance(details, dict) and bool(details.get("csrf")),
        "back": _back(request),
        "home": home_for(getattr(request.state, "principal", None)),
    }
    try:
        return render_page(request, "error.html", context, status=status)
    except Exception:  # the error page itself must never fail
        log.exception("could not render the error page")
        page = (
            f"<!doctype html><title>{status}</title><h1>{html.escape(context['title'])}</h1>"
            f"<p>{html.escape(message)}</p><p><a href='/'>Start page</a></p>"
        )
        return HTMLResponse(page, status_code=status)
