"""Users, roles, API keys and web sessions, and the Principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import field_validator, model_validator
from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from callcredit.database import UTCDateTime, utcnow

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._@-]{1,63}$"


class Role(StrEnum):
    reviewer = "reviewer"
    customer_success = "customer_success"
    admin = "admin"
    business = "business"


STAFF_ROLES: frozenset[Role] = frozenset({Role.reviewer, Role.customer_success, Role.admin})


@dataclass(frozen=True)
class Principal:
    """Who a request acts as: a staff member, a business user, or a business API key."""

    kind: Literal["staff", "business"]
    role: Role
    user_id: int | None = None
    username: str | None = None
    business_id: str | None = None

    @property
    def name(self) -> str:
        """Return the name recorded as "who" in the audit trail."""
        if self.username:
            return self.username
        return f"business:{self.business_id}"

    @property
    def is_staff(self) -> bool:
        """Return True for reviewers, customer success and admins."""
        return self.kind == "staff"


class UserBase(SQLModel):
    username: str = Field(max_length=64, regex=USERNAME_PATTERN)
    display_name: str = Field(default="", max_length=200)
    role: Role
    business_id: str | None = Field(
        default=None, max_length=64, description="the business a business user signs in for"
    )


class User(UserBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    business_id: str | None = Field(default=None, foreign_key="business.id", index=True)
    password_hash: str = Field(max_length=512, description="argon2id hash; never the password")
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))


class UserCreate(UserBase):
    password: str = Field(max_length=1024, repr=False)

    @field_validator("username", mode="before")
    @classmethod
    def _normalise(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _business_only_for_business_role(self) -> UserCreate:
        if self.role == Role.business and not self.business_id:
            raise ValueError("a business user needs business_id")
        if self.role != Role.business and self.business_id:
            raise ValueError("only business users belong to a business")
        return self


class UserUpdate(SQLModel):
    display_name: str | None = Field(default=None, max_length=200)
    is_active: bool | None = None
    password: str | None = Field(default=None, max_length=1024, repr=False)


class UserPublic(UserBase):
    id: int
    is_active: bool
    created_at: datetime


class ApiKey(SQLModel, table=True):
    """A business's API key, or a staff member's API token; only a hash of the secret is kept."""

    id: int | None = Field(default=None, primary_key=True)
    business_id: str | None = Field(default=None, foreign_key="business.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    prefix: str = Field(max_length=16, description="the key's first characters, to recognise it")
    key_hash: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class ApiKeyCreate(SQLModel):
    name: str = Field(default="", max_length=200)


class ApiKeyPublic(SQLModel):
    id: int
    business_id: str | None
    user_id: int | None
    prefix: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    key: str = Field(description="the secret; shown this once, store it now")


class SessionToken(SQLModel, table=True):
    """A signed-in web or token session; the token itself is only ever in the client."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime()))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class LoginRequest(SQLModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=1024, repr=False)


class TokenResponse(SQLModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    user: UserPublic


class PrincipalPublic(SQLModel):
    kind: Literal["staff", "business"]
    role: Role
    name: str
    user_id: int | None
    username: str | None
    business_id: str | None
