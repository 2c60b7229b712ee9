"""CSRF tokens, one-shot flash messages, safe return URLs and page security headers."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import quote, unquote, urlsplit

from fastapi import Request, Response

from callcredit.exceptions import Forbidden
from callcredit.identity.deps import SESSION_COOKIE

CSRF_COOKIE = "callcredit_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
FLASH_COOKIE = "callcredit_flash"
CSRF_FAILED = (
    "This form has expired or was sent from another site, so nothing was changed."
    " Go back, reload the page and try again."
)
PAGE_HEADERS = {
    # Scripts, styles and media only from this site: no inline script, no CDN.
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " media-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self';"
        " form-action 'self'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def _token(seed: str) -> str:
    digest = hmac.new(seed.encode(), b"callcredit-csrf-v1", hashlib.sha256).hexdigest()
    return digest[:48]


def _seed(request: Request) -> str | None:
    # Signed in: the session secret (HttpOnly) seeds the token, so it is per session.
    # Signed out (the sign-in form): a random HttpOnly cookie seeds it instead.
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)


def csrf_token(request: Request) -> str:
    """Return the CSRF token for the forms of this page, minting a seed cookie if needed."""
    seed = _seed(request) or getattr(request.state, "new_csrf_seed", None)
    if seed is None:
        seed = secrets.token_urlsafe(32)
        request.state.new_csrf_seed = seed
    return _token(seed)


def set_csrf_cookie(request: Request, response: Response, *, secure: bool) -> None:
    """Store a freshly minted CSRF seed in its cookie."""
    seed = getattr(request.state, "new_csrf_seed", None)
    if seed is not None:
        response.set_cookie(
            CSRF_COOKIE, seed, httponly=True, samesite="lax", secure=secure, path="/"
        )


def _same_origin(request: Request) -> bool:
    # Browsers send Origin on POSTs; a form posted from another site names that site.
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    hosts = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")}
    return urlsplit(origin).netloc in hosts - {""}


async def check_csrf(request: Request) -> None:
    """Raise Forbidden unless the form or header carries this session's CSRF token."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    seed = _seed(request)
    if not (_same_origin(request) and seed and sent and hmac.compare_digest(sent, _token(seed))):
        raise Forbidden(CSRF_FAILED, details={"csrf": True})


def safe_next(url: str | None, default: str = "/") -> str:
    """Return a same-site path to go back to, never an address on another site."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return default
    return url


def return_path(request: Request) -> str:
    """Return where to come back to after signing in: this page, or for a form, its page."""
    if request.method == "GET":
        query = f"?{request.url.query}" if request.url.query else ""
        return request.url.path + query
    referer = request.headers.get("referer", "")
    parts = urlsplit(referer)
    if parts.netloc == request.headers.get("host", ""):
        return safe_next(parts.path + (f"?{parts.query}" if parts.query else ""))
    return "/"


def set_flash(response: Response, text: str, tone: str = "good") -> None:
    """Leave a one-line message for the next page this browser shows."""
    response.set_cookie(
        FLASH_COOKIE, quote(f"{tone}:{text}"), max_age=120, httponly=True, samesite="lax", path="/"
    )


def read_flash(request: Request) -> tuple[str, str] | None:
    """Return the waiting (tone, text) message, if any."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    tone, _, text = unquote(raw).partition(":")
    if tone not in ("good", "warn", "bad", "info"):
        tone = "info"
    return tone, text[:500]


def clear_flash(response: Response) -> None:
    """Remove a shown flash message."""
    response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax")
