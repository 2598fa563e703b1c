"""Access beyond one group: dashboard sessions and one-time codes for district-level acts.

Both are random values handed to a person (a cookie, a code typed in a group) and kept here
only as SHA-256 hashes, so reading the database logs nobody in. A session ends when it
expires or is deleted (`/logout`); a code works once, before it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from issues.models import AccessCode, WebSession
from issues.unit_of_work import Room

SESSION_TTL = timedelta(days=7)
CODE_TTL = timedelta(minutes=30)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: it is read and typed
CODE_LENGTH = 10  # 50 bits


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def normalise_code(raw: str) -> str:
    return "".join(c for c in raw.upper() if c.isascii() and c.isalnum())


def looks_like_code(raw: str) -> bool:
    """Whether a word typed after a command is one of our codes (not a unit's name)."""
    code = normalise_code(raw)
    return len(code) == CODE_LENGTH and all(c in CODE_ALPHABET for c in code) and all(
        c.isascii() for c in raw)


async def spend_code(s: AsyncSession, raw: str, chat_id: int, now: datetime) -> bool:
    """Spend a one-time code inside the caller's transaction: True once, while it is fresh
    (the act it allows is written in the same transaction, or neither is)."""
    code = normalise_code(raw)
    if len(code) != CODE_LENGTH:
        return False
    done = await s.execute(
        update(AccessCode).where(AccessCode.code_hash == digest(code),
                                 AccessCode.used_at.is_(None), AccessCode.expires_at > now)
        .values(used_at=now, used_in_chat=chat_id))
    return bool(getattr(done, "rowcount", 0))


class Access(Room):
    # --- dashboard sessions -----------------------------------------------------------
    async def open_session(self, role: str, key: str, ttl: timedelta = SESSION_TTL) -> str:
        """A new session for `role`; returns the random id for the cookie."""
        raw = secrets.token_urlsafe(32)
        now = self.clock()

        async def run(s: AsyncSession) -> None:
            await s.execute(delete(WebSession).where(WebSession.expires_at < now))
            s.add(WebSession(id_hash=digest(raw), role=role, key=key, created_at=now,
                             expires_at=now + ttl))

        await self.uow.write(run)
        return raw

    async def session(self, raw: str) -> tuple[str, str] | None:
        """(role, key) of a live session, else None."""
        if not raw or len(raw) > 100:
            return None
        now = self.clock()

        async def run(s: AsyncSession) -> tuple[str, str] | None:
            row = await s.get(WebSession, digest(raw))
            if row is None or row.expires_at <= now:
                return None
            return row.role, row.key

        return await self.uow.read(run)

    async def close_session(self, raw: str) -> None:
        async def run(s: AsyncSession) -> None:
            await s.execute(delete(WebSession).where(WebSession.id_hash == digest(raw)))

        await self.uow.write(run)

    # --- one-time codes ---------------------------------------------------------------
    async def new_code(self, ttl: timedelta = CODE_TTL) -> str:
        raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = self.clock()

        async def run(s: AsyncSession) -> None:
            s.add(AccessCode(code_hash=digest(raw), created_at=now, expires_at=now + ttl))

        await self.uow.write(run)
        return raw
