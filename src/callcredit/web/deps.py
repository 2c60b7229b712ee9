"""Dependencies of the pages: who is signed in, what role a page needs, CSRF checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from callcredit.deps import SessionDep
from callcredit.exceptions import Forbidden, Unauthorized
from callcredit.identity.deps import get_optional_principal
from callcredit.identity.models import Principal, Role
from callcredit.web.security import check_csrf
from callcredit.web.templating import ROLE_LABELS

PAGE_NAMES = {
    Role.reviewer: "reviewers",
    Role.customer_success: "customer success",
    Role.admin: "admins",
    Role.business: "businesses",
}


def get_page_principal(request: Request, session: SessionDep) -> Principal:
    """Return who is signed in; without a live session the browser is sent to sign in."""
    principal = get_optional_principal(request, session)
    if principal is None:
        raise Unauthorized("sign in to continue")
    request.state.principal = principal
    return principal


def require_page_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """Return a dependency that lets only the given roles see a page (403 page otherwise)."""
    allowed = frozenset(roles)
    names = " and ".join(PAGE_NAMES[r] for r in roles if r != Role.admin) or "admins"

    def check(principal: Annotated[Principal, Depends(get_page_principal)]) -> Principal:
        if principal.role not in allowed:
            raise Forbidden(
                f"This page is for {names}. You are signed in as {principal.name}"
                f" ({ROLE_LABELS[principal.role].lower()}).",
                details={"needed": sorted(r.value for r in allowed)},
            )
        return principal

    return check


AnyPage = Annotated[Principal, Depends(get_page_principal)]
ReviewerPage = Annotated[Principal, Depends(require_page_roles(Role.reviewer, Role.admin))]
SupportPage = Annotated[Principal, Depends(require_page_roles(Role.customer_success, Role.admin))]
StaffPage = Annotated[
    Principal, Depends(require_page_roles(Role.reviewer, Role.customer_success, Role.admin))
]
BusinessPage = Annotated[Principal, Depends(require_page_roles(Role.business))]
CsrfChecked = Annotated[None, Depends(check_csrf)]
