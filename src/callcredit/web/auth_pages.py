"""Sign-in, sign-out and the start page that sends each role to its own page."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from callcredit.deps import SessionDep, SettingsDep
from callcredit.exceptions import CallCreditError, Forbidden
from callcredit.identity import service as identity
from callcredit.identity import throttle
from callcredit.identity.deps import (
    SESSION_COOKIE,
    OptionalPrincipal,
    clear_session_cookie,
    set_session_cookie,
)
from callcredit.web.security import CSRF_FAILED, check_csrf, safe_next
from callcredit.web.templating import home_for, redirect, render_page

router = APIRouter(include_in_schema=False)
EXPIRED = "Your session has ended or expired. Sign in again to go on where you were."


@router.get("/")
def start_page(principal: OptionalPrincipal) -> RedirectResponse:
    """Send the browser to the signed-in user's start page, or to sign in."""
    return redirect(home_for(principal))


def _sign_in_form(
    request: Request, *, next_url: str, username: str = "", error: str = "", status: int = 200
) -> HTMLResponse:
    notice = EXPIRED if request.query_params.get("expired") and not error else ""
    context = {"next": next_url, "username": username, "error": error, "notice": notice}
    return render_page(request, "signin.html", context, status=status)


@router.get("/signin")
def sign_in_page(request: Request, principal: OptionalPrincipal, next: str = "") -> Response:
    """Show the sign-in form (or go straight on when already signed in)."""
    if principal is not None:
        return redirect(safe_next(next, home_for(principal)))
    return _sign_in_form(request, next_url=safe_next(next, ""))


@router.post("/signin")
async def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the password, start a session and go on to the page asked for."""
    next_url = safe_next(next, "")
    try:
        await check_csrf(request)
    except Forbidden:
        return _sign_in_form(
            request, next_url=next_url, username=username, error=CSRF_FAILED, status=403
        )
    if not username.strip() or not password:
        error = "Enter your sign-in name and password."
        return _sign_in_form(request, next_url=next_url, username=username, error=error, status=422)
    try:
        # In a thread: the password hash is slow on purpose and must not stall other requests.
        user = await run_in_threadpool(
            throttle.authenticate,
            session=session,
            username=username,
            password=password,
            client=throttle.client_address(request),
            rules=throttle.rules_for(settings),
        )
        principal = identity.principal_for(user=user)
        token = identity.create_session(
            session=session, user=user, lifetime=timedelta(hours=settings.session_hours)
        )
        session.commit()
    except CallCreditError as exc:
        session.rollback()
        error = exc.message[:1].upper() + exc.message[1:] + "."
        status = exc.status_code if exc.status_code == 429 else 422
        page = _sign_in_form(
            request, next_url=next_url, username=username, error=error, status=status
        )
        page.headers.update(exc.headers)
        return page
    response = redirect(next_url or home_for(principal))
    set_session_cookie(response, token, settings)
    return response


@router.post("/signout")
async def sign_out(request: Request, session: SessionDep) -> Response:
    """End the session for good and go back to the sign-in page."""
    await check_csrf(request)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        identity.end_session(session=session, token=token)
        session.commit()
    response = redirect("/signin", "You are signed out.", "info")
    clear_session_cookie(response)
    return response
