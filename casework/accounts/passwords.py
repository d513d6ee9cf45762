"""argon2 hashing, always off the event loop: one hash costs tens of milliseconds of CPU."""
from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from config.settings import SecuritySettings


class Passwords:
    """The hasher with the install's cost parameters; verification also accepts older hashes."""

    def __init__(self, security: SecuritySettings) -> None:
        self._hasher = PasswordHasher(time_cost=security.argon2_time_cost, memory_cost=security.argon2_memory_kib,
                                      parallelism=security.argon2_parallelism)
        # A real hash to verify against when the user does not exist, so timing does not reveal user IDs.
        self._dummy = self._hasher.hash("not-a-real-password")

    async def hash(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(None, self._hasher.hash, password)

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._dummy, password) and stored is not None
        except (VerificationError, InvalidHashError):
            return False

    async def verify(self, stored: str | None, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(None, self._verify, stored, password)
