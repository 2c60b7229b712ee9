"""HTTP endpoints for signing in and out, users and business API keys."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import ValidationError

from callcredit.deps import SessionDep, SettingsDep
from callcredit.errors import responses
from callcredit.exceptions import InvalidInput
from callcredit.identity import service, throttle
from callcredit.identity.deps import (
    SESSION_COOKIE,
    AdminPrincipal,
    CurrentPrincipal,
    bearer_token,
    clear_session_cookie,
    set_session_cookie,
)
from callcredit.identity.models import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    LoginRequest,
    PrincipalPublic,
    Role,
    TokenResponse,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
)

router = APIRouter(prefix="/api", tags=["identity"])

LOGIN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            media: {"schema": LoginRequest.model_json_schema()}
            for media in ("application/json", "application/x-www-form-urlencoded")
        },
    }
}


async def login_form(request: Request) -> LoginRequest:
    """Read username and password from a JSON body or an HTML/OAuth2 form."""
    content_type = request.headers.get("content-type", "")
    try:
        if content_type.startswith("application/json"):
            raw: Any = json.loads(await request.body() or b"null")
        else:
            raw = dict(await request.form())
        return LoginRequest.model_validate(raw)
    except ValidationError as exc:
        fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]}))
        raise InvalidInput(f"send username and password ({fields or 'body'} is invalid)") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc.msg}") from exc
    except (UnicodeDecodeError, ValueError) as exc:
        # Bytes that are not UTF-8, or a form body that cannot be parsed.
        raise InvalidInput("the body could not be read as JSON or a form") from exc


LoginForm = Annotated[LoginRequest, Depends(login_form)]


def _authenticate(
    request: Request, session: SessionDep, settings: SettingsDep, form: LoginRequest
) -> User:
    return throttle.authenticate(
        session=session,
        username=form.username,
        password=form.password,
        client=throttle.client_address(request),
        rules=throttle.rules_for(settings),
    )


def _public(user: User) -> UserPublic:
    return UserPublic.model_validate(user, from_attributes=True)


@router.post(
    "/auth/token",
    response_model=TokenResponse,
    responses=responses(401, 422, 429),
    openapi_extra=LOGIN_BODY,
)
def issue_token(
    request: Request, session: SessionDep, settings: SettingsDep, form: LoginForm
) -> TokenResponse:
    """Exchange a username and password for a bearer token (ends at logout or expiry)."""
    user = _authenticate(request, session, settings, form)
    lifetime = timedelta(hours=settings.session_hours)
    token = service.create_session(session=session, user=user, lifetime=lifetime)
    row = service.get_session_token(session=session, token=token)
    session.commit()
    assert row is not None
    return TokenResponse(access_token=token, expires_at=row.expires_at, user=_public(user))


@router.post(
    "/auth/login",
    response_model=UserPublic,
    responses=responses(401, 422, 429),
    openapi_extra=LOGIN_BODY,
)
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    form: LoginForm,
    response: Response,
) -> UserPublic:
    """Sign a browser in: set the HttpOnly session cookie."""
    user = _authenticate(request, session, settings, form)
    lifetime = timedelta(hours=settings.session_hours)
    token = service.create_session(session=session, user=user, lifetime=lifetime)
    session.commit()
    set_session_cookie(response, token, settings)
    return _public(user)


@router.post("/auth/logout", status_code=204, responses=responses(401, 422))
def sign_out(
    session: SessionDep, request: Request, _principal: CurrentPrincipal, response: Response
) -> None:
    """End the current session (bearer token or cookie) for good."""
    token = bearer_token(request) or request.cookies.get(SESSION_COOKIE, "")
    if token.startswith(service.API_KEY_PREFIX):
        raise InvalidInput(
            "an API key is not a session; an admin revokes it with"
            " DELETE /api/businesses/{id}/keys/{key_id}"
        )
    service.end_session(session=session, token=token)
    session.commit()
    clear_session_cookie(response)


@router.get("/me", response_model=PrincipalPublic, responses=responses(401))
def me(principal: CurrentPrincipal) -> PrincipalPublic:
    """Say who the caller is signed in as."""
    return PrincipalPublic(
        kind=principal.kind,
        role=principal.role,
        name=principal.name,
        user_id=principal.user_id,
        username=principal.username,
        business_id=principal.business_id,
    )


@router.post(
    "/users",
    status_code=201,
    response_model=UserPublic,
    responses=responses(401, 403, 404, 409, 422),
)
def create_user(session: SessionDep, _admin: AdminPrincipal, data: UserCreate) -> UserPublic:
    """Add a staff member or a business's portal user."""
    user = service.create_user(session=session, data=data)
    session.commit()
    return _public(user)


@router.get("/users", response_model=list[UserPublic], responses=responses(401, 403, 422))
def list_users(
    session: SessionDep, _admin: AdminPrincipal, role: Role | None = None
) -> list[UserPublic]:
    """List users by username."""
    return [_public(u) for u in service.list_users(session=session, role=role)]


@router.patch(
    "/users/{username}", response_model=UserPublic, responses=responses(401, 403, 404, 422)
)
def update_user(
    session: SessionDep, _admin: AdminPrincipal, username: str, data: UserUpdate
) -> UserPublic:
    """Rename, deactivate or set the password of a user (ends their sessions if needed)."""
    user = service.get_by_username(session=session, username=username)
    service.update_user(session=session, user=user, data=data)
    session.commit()
    return _public(user)


@router.post(
    "/businesses/{business_id}/keys",
    status_code=201,
    response_model=ApiKeyCreated,
    responses=responses(401, 403, 404, 422),
)
def create_business_key(
    session: SessionDep, _admin: AdminPrincipal, business_id: str, data: ApiKeyCreate | None = None
) -> ApiKeyCreated:
    """Issue an API key for a business; the key is shown in this answer only."""
    name = data.name if data is not None else ""
    key, secret = service.create_api_key(session=session, business_id=business_id, name=name)
    session.commit()
    return ApiKeyCreated.model_validate(key, from_attributes=True, update={"key": secret})


@router.get(
    "/businesses/{business_id}/keys",
    response_model=list[ApiKeyPublic],
    responses=responses(401, 403),
)
def list_business_keys(
    session: SessionDep, _admin: AdminPrincipal, business_id: str
) -> list[ApiKeyPublic]:
    """List a business's API keys (prefixes only, never the keys)."""
    keys = service.list_api_keys(session=session, business_id=business_id)
    return [ApiKeyPublic.model_validate(k, from_attributes=True) for k in keys]


@router.delete(
    "/businesses/{business_id}/keys/{key_id}",
    status_code=204,
    responses=responses(401, 403, 404, 422),
)
def revoke_business_key(
    session: SessionDep, _admin: AdminPrincipal, business_id: str, key_id: int
) -> None:
    """Revoke a business's API key for good."""
    service.revoke_api_key(session=session, key_id=key_id, business_id=business_id)
    session.commit()
