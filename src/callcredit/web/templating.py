"""The Jinja2 environment and the one way every page is rendered."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from callcredit import __version__
from callcredit.analysis.policy import Policy, load_policy
from callcredit.identity.models import Principal, Role
from callcredit.web import security
from callcredit.web.formatting import FILTERS

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters.update(FILTERS)
templates.env.globals["version"] = __version__


@dataclass(frozen=True)
class NavItem:
    """One link of the top navigation."""

    href: str
    label: str


NAV: dict[Role, tuple[NavItem, ...]] = {
    Role.reviewer: (NavItem("/queue", "Queue"), NavItem("/dashboard", "Dashboard")),
    Role.customer_success: (
        NavItem("/support", "Find requests"),
        NavItem("/dashboard", "Dashboard"),
    ),
    Role.admin: (
        NavItem("/queue", "Queue"),
        NavItem("/support", "Find requests"),
        NavItem("/dashboard", "Dashboard"),
    ),
    Role.business: (NavItem("/portal", "Calls and credits"),),
}
HOME = {
    Role.reviewer: "/queue",
    Role.admin: "/queue",
    Role.customer_success: "/support",
    Role.business: "/portal",
}
ROLE_LABELS = {
    Role.reviewer: "Reviewer",
    Role.customer_success: "Customer success",
    Role.admin: "Admin",
    Role.business: "Business",
}


def home_for(principal: Principal | None) -> str:
    """Return the page a user starts on."""
    return "/signin" if principal is None else HOME.get(principal.role, "/signin")


def policy_for(request: Request) -> Policy:
    """Return the policy the app runs under."""
    return load_policy(request.app.state.settings.policy)


def render_page(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render a page with the navigation, CSRF token, flash message and security headers."""
    principal: Principal | None = getattr(request.state, "principal", None)
    flash = security.read_flash(request)
    policy = policy_for(request)
    values: dict[str, Any] = {
        "principal": principal,
        "role_label": ROLE_LABELS.get(principal.role, "") if principal else "",
        "nav": NAV.get(principal.role, ()) if principal else (),
        "path": request.url.path,
        "csrf_token": security.csrf_token(request),
        "flash": flash,
        "policy": policy,
        "reason_labels": {code: label for code, label, _ in policy.reason_menu()},
    }
    values.update(context or {})
    response = templates.TemplateResponse(request, template, values, status_code=status)
    response.headers.update(security.PAGE_HEADERS)
    security.set_csrf_cookie(request, response, secure=request.app.state.settings.cookie_secure)
    if flash is not None:
        security.clear_flash(response)
    return response


def redirect(url: str, flash: str | None = None, tone: str = "good") -> RedirectResponse:
    """Send the browser to another page (303), optionally with a message for it."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        security.set_flash(response, flash, tone)
    return response
