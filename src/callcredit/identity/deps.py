"""Who is calling: the Principal dependency and role checks for routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from callcredit.config import Settings
from callcredit.database import begin_read_only
from callcredit.deps import SessionDep
from callcredit.errors import render
from callcredit.exceptions import Forbidden, Unauthorized
from callcredit.identity import service
from callcredit.identity.models import Principal, Role

__all__ = [
    "SESSION_COOKIE",
    "AdminPrincipal",
    "AuthFirstRoute",
    "BusinessPrincipal",
    "CurrentPrincipal",
    "CustomerSuccessPrincipal",
    "DeferredBusiness",
    "DeferredPrincipal",
    "DeferredReviewer",
    "OptionalPrincipal",
    "Principal",
    "ReviewerPrincipal",
    "StaffPrincipal",
    "clear_session_cookie",
    "defer_roles",
    "get_optional_principal",
    "get_principal",
    "require_roles",
    "set_session_cookie",
    "unauthorized_handler",
]

SESSION_COOKIE = "callcredit_session"
WWW_AUTHENTICATE = {"WWW-Authenticate": "Bearer"}


def bearer_token(request: Request) -> str | None:
    """Return the token of an ``Authorization: Bearer`` header, or None without one."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use 'Authorization: Bearer <API key or token>'")
    return token.strip()


def _resolve_bearer(session: Session, token: str) -> tuple[Principal, int | None]:
    if token.startswith(service.SESSION_PREFIX):
        return service.resolve_session(session=session, token=token), None
    if token.startswith(service.API_KEY_PREFIX):
        return service.check_api_key(session=session, key=token)
    raise Unauthorized("the bearer token is not a callcredit API key or token")


def _credentials(request: Request) -> tuple[str | None, str | None]:
    """Return the bearer token or else the session cookie; 401 when there is neither."""
    token = bearer_token(request)
    cookie = None if token is not None else request.cookies.get(SESSION_COOKIE)
    if token is None and not cookie:
        raise Unauthorized("sign in, or send 'Authorization: Bearer <API key or token>'")
    return token, cookie


def _lookup(
    session: Session, token: str | None, cookie: str | None
) -> tuple[Principal, int | None]:
    if token is not None:
        return _resolve_bearer(session, token)
    assert cookie is not None
    return service.resolve_session(session=session, token=cookie), None


def get_principal(request: Request, session: SessionDep) -> Principal:
    """Return who is calling, from a bearer key or token, else from the session cookie."""
    token, cookie = _credentials(request)
    # Only reads: on SQLite it need not queue for the write lock behind submissions.
    begin_read_only(session)
    try:
        principal, stale_key_id = _lookup(session, token, cookie)
    finally:
        # End the read before the endpoint runs, whatever it found.
        session.commit()
    if stale_key_id is not None:
        # last_used_at, at most once a minute per key, in a write transaction of its own.
        service.touch_api_key(session=session, key_id=stale_key_id)
        session.commit()
    request.state.principal = principal
    return principal


def get_optional_principal(request: Request, session: SessionDep) -> Principal | None:
    """Return who is calling, or None when nobody is signed in (for web pages)."""
    bearer = bearer_token(request)
    if bearer is None and not request.cookies.get(SESSION_COOKIE):
        return None
    try:
        return get_principal(request, session)
    except Unauthorized:
        if bearer is not None:
            raise
        # An expired or ended session cookie on a page just means "signed out".
        return None


def _role_check(roles: tuple[Role, ...]) -> Callable[[Principal], Principal]:
    allowed = frozenset(roles)
    needed = " or ".join(sorted(role.value for role in allowed))

    def check(principal: Principal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"this needs the role {needed}; you are {principal.role.value}",
                details={"needed": sorted(role.value for role in allowed)},
            )
        return principal

    return check


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """Return a dependency that gives the Principal if it has one of the roles, else 403."""
    check_role = _role_check(roles)

    # async: a check without I/O needs no threadpool hop of its own.
    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        return check_role(principal)

    return check


class DeferredPrincipal:
    """Who is calling, looked up by the endpoint inside its own transaction (one thread hop).

    get_principal costs the busiest endpoints a thread hop and a read transaction of its
    own; these take this instead, and call resolve() first thing in their transaction.
    Their router must use AuthFirstRoute, so that a bad key still gets 401 (and a wrong
    role 403) when the body is invalid too, as with a Principal dependency.
    """

    def __init__(
        self,
        request: Request,
        credentials: tuple[str | None, str | None],
        check_role: Callable[[Principal], Principal],
    ) -> None:
        self.request = request
        self.token, self.cookie = credentials
        self.check_role = check_role

    def resolve(self, session: Session) -> Principal:
        """Return the caller with one of the roles, looked up in the session's transaction."""
        principal, stale_key_id = _lookup(session, self.token, self.cookie)
        if stale_key_id is not None:
            # As get_principal: the use is recorded and committed whatever comes next.
            service.touch_api_key(session=session, key_id=stale_key_id)
            session.commit()
        self.request.state.principal = principal
        return self.check_role(principal)

    def resolve_alone(self) -> Principal:
        """Return the caller with one of the roles, looked up in a session of its own."""
        with Session(self.request.app.state.engine, expire_on_commit=False) as session:
            return self.check_role(get_principal(self.request, session))


def defer_roles(*roles: Role) -> Callable[[Request], Awaitable[DeferredPrincipal]]:
    """Return a dependency that checks the credentials' form now and the roles later."""
    check_role = _role_check(roles)

    # async: no lookup here (a missing or malformed credential is 401 at once).
    async def deferred(request: Request) -> DeferredPrincipal:
        caller = DeferredPrincipal(request, _credentials(request), check_role)
        request.state.deferred_principal = caller
        return caller

    return deferred


class AuthFirstRoute(APIRoute):
    """A route that answers 401 or 403 before 422 when its caller is a DeferredPrincipal."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler: a refused body waits for the caller's lookup."""
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError:
                caller = getattr(request.state, "deferred_principal", None)
                if caller is not None:
                    # The endpoint never ran, so nobody looked the caller up: do it now.
                    await run_in_threadpool(caller.resolve_alone)
                raise

        return route_handler


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """Put a session token in the HttpOnly, SameSite=Lax session cookie."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_hours * 3600,
        httponly=True,  # scripts cannot read it, so an XSS cannot steal the session
        samesite="lax",  # not sent on cross-site POSTs: the cookie alone cannot forge a change
        secure=settings.cookie_secure,
        path="/",
    )


def clear_session_cookie(response: Response) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


async def unauthorized_handler(request: Request, exc: Exception) -> Response:
    """Render a 401 like every domain error, adding ``WWW-Authenticate: Bearer``."""
    assert isinstance(exc, Unauthorized)
    response = render(request, exc.status_code, exc.to_dict())
    response.headers.update(WWW_AUTHENTICATE)
    return response


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
StaffPrincipal = Annotated[
    Principal, Depends(require_roles(Role.reviewer, Role.customer_success, Role.admin))
]
ReviewerPrincipal = Annotated[Principal, Depends(require_roles(Role.reviewer, Role.admin))]
CustomerSuccessPrincipal = Annotated[
    Principal, Depends(require_roles(Role.customer_success, Role.admin))
]
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]
BusinessPrincipal = Annotated[Principal, Depends(require_roles(Role.business))]
DeferredBusiness = Annotated[DeferredPrincipal, Depends(defer_roles(Role.business))]
DeferredReviewer = Annotated[DeferredPrincipal, Depends(defer_roles(Role.reviewer, Role.admin))]
