"""Web console accounts (the web team hashes passwords; this module only stores them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from ivr.errors import StoreError
from ivr.store.db import SessionFactory
from ivr.store.models import UserRow
from ivr.store.records import Role, UserRecord


class UserExists(StoreError):
    """That user name is taken."""

    code = "user_exists"
    retryable = False


class UserNotFound(StoreError):
    """No user with that name."""

    code = "user_not_found"
    retryable = False


def _user(row: UserRow) -> UserRecord:
    return UserRecord(row.id, row.name, row.role, row.password_hash, row.created_at, row.active,
                      row.session_version or 0)


class UserRepository:
    """Create, find and change accounts."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def create(self, name: str, role: Role | str, password_hash: str, *, now: datetime) -> UserRecord:
        """Add an active account; raises ``UserExists`` if the name is taken."""
        row = UserRow(name=name, role=str(Role(role)), password_hash=password_hash, created_at=now, active=True)
        try:
            async with self._sessions.begin() as s:
                s.add(row)
        except IntegrityError as exc:
            raise UserExists(f"user {name!r} already exists") from exc
        return _user(row)

    async def get(self, name: str) -> UserRecord | None:
        """The account called ``name``, active or not."""
        async with self._sessions() as s:
            row = await s.scalar(select(UserRow).where(UserRow.name == name))
        return None if row is None else _user(row)

    async def list(self) -> list[UserRecord]:
        """Every account, by name."""
        async with self._sessions() as s:
            rows = (await s.scalars(select(UserRow).order_by(UserRow.name))).all()
        return [_user(r) for r in rows]

    async def count(self) -> int:
        """How many accounts exist (0 means: create the first admin)."""
        return len(await self.list())

    async def set_password_hash(self, name: str, password_hash: str) -> None:
        """Replace the stored hash and end every open session of the account."""
        await self._set(name, password_hash=password_hash, session_version=UserRow.session_version + 1)

    async def revoke_sessions(self, name: str) -> None:
        """End every open session of the account (logout, stolen cookie)."""
        await self._set(name, session_version=UserRow.session_version + 1)

    async def set_role(self, name: str, role: Role | str) -> None:
        """Change the role."""
        await self._set(name, role=str(Role(role)))

    async def set_active(self, name: str, active: bool) -> None:
        """Enable or disable the account."""
        await self._set(name, active=active)

    async def _set(self, name: str, **values: object) -> None:
        async with self._sessions.begin() as s:
            res = await s.execute(update(UserRow).where(UserRow.name == name).values(**values))
            if getattr(res, "rowcount", 1) == 0:
                raise UserNotFound(f"no user {name!r}")
