"""``callcredit users`` and ``callcredit businesses``: accounts and API keys from the shell."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlmodel import Session

from callcredit.calls.models import Business
from callcredit.config import Settings
from callcredit.database import init_db, make_engine
from callcredit.exceptions import CallCreditError
from callcredit.identity import service
from callcredit.identity.models import Role, UserCreate

users_app = typer.Typer(help="Staff and business portal accounts.", no_args_is_help=True)
businesses_app = typer.Typer(help="Businesses and their API keys.", no_args_is_help=True)
err = Console(stderr=True)
out = Console()

DatabaseOption = Annotated[
    str | None, typer.Option(help="database URL (else CALLCREDIT_DATABASE_URL)")
]


@contextmanager
def _session(database: str | None) -> Iterator[Session]:
    settings = Settings(**({"database_url": database} if database else {}))  # type: ignore[arg-type]
    engine = make_engine(settings.database_url)
    init_db(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    except CallCreditError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=2) from exc
    finally:
        engine.dispose()


def _ask_password(username: str) -> str:
    password: str = typer.prompt(
        f"Password for {username}", hide_input=True, confirmation_prompt=True
    )
    return password


@users_app.command("add")
def add_user(
    username: Annotated[str, typer.Argument(help="sign-in name (lower case)")],
    role: Annotated[Role, typer.Option(help="what the user may do")] = Role.reviewer,
    business: Annotated[str | None, typer.Option(help="business id (role business only)")] = None,
    display_name: Annotated[str, typer.Option(help="name shown in the app")] = "",
    password: Annotated[
        str | None, typer.Option(help="prefer the prompt: options end up in shell history")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Add a user; asks for the password (hidden, twice) unless --password is given."""
    password = password if password is not None else _ask_password(username)
    try:
        service.validate_password(password=password, username=username)
        data = UserCreate(
            username=username,
            role=role,
            business_id=business,
            display_name=display_name,
            password=password,
        )
    except CallCreditError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(code=2) from exc
    except ValidationError as exc:
        err.print(f"[red]error:[/red] {exc.errors()[0]['msg']}")
        raise typer.Exit(code=2) from exc
    with _session(database) as session:
        user = service.create_user(session=session, data=data)
        session.commit()
        out.print(f"added {user.role.value} {user.username!r} (id {user.id})")


@users_app.command("list")
def list_users(database: DatabaseOption = None) -> None:
    """List users with their role and business."""
    with _session(database) as session:
        table = Table("id", "username", "role", "business", "active", "display name")
        for user in service.list_users(session=session):
            table.add_row(
                str(user.id),
                user.username,
                user.role.value,
                user.business_id or "",
                "yes" if user.is_active else "no",
                user.display_name,
            )
        out.print(table)


@users_app.command("token")
def user_token(
    username: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="what the token is for")] = "",
    database: DatabaseOption = None,
) -> None:
    """Issue an API token for a user (printed once, never stored)."""
    with _session(database) as session:
        user = service.get_by_username(session=session, username=username)
        key, secret = service.create_api_key(session=session, user_id=user.id, name=name)
        session.commit()
        err.print(f"API token {key.id} for {user.username}; it is shown only now:")
        typer.echo(secret)


@businesses_app.command("key")
def business_key(
    business_id: Annotated[str, typer.Argument()],
    name: Annotated[str, typer.Option(help="what the key is for")] = "",
    database: DatabaseOption = None,
) -> None:
    """Issue an API key for a business (printed once, never stored)."""
    with _session(database) as session:
        key, secret = service.create_api_key(session=session, business_id=business_id, name=name)
        session.commit()
        err.print(f"API key {key.id} for business {business_id}; it is shown only now:")
        typer.echo(secret)


@businesses_app.command("list")
def list_businesses(database: DatabaseOption = None) -> None:
    """List businesses with their category and balance."""
    with _session(database) as session:
        table = Table("id", "name", "category", "balance")
        for business in session.execute(select(Business).order_by(Business.id)).scalars():
            table.add_row(
                business.id,
                business.name,
                business.category,
                f"{business.balance_cents / 100:,.2f}",
            )
        out.print(table)
