"""Integration-suite settings: cheap argon2 parameters so that seeding a dozen users stays fast.

The hashes are still real argon2id hashes, made and verified by the project's own code; only the
cost parameters are lowered (the default costs ~0.2 s per hash, which would dominate the suite).
"""
from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from casework.accounts import passwords


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
