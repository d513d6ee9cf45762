"""Logging in and out, resolving sessions, and managing users."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from casework.accounts.model import User, check_new_user
from casework.accounts.passwords import Passwords
from casework.accounts.storage import UserStore, user_from_row
from casework.clock import Clock
from casework.db.database import Database
from casework.db.reads import fetch_one
from casework.domain.enums import Role
from casework.errors import Invalid, NotFound, TooManyRequests, Unauthorized
from config.settings import SecuritySettings


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    token: str
    csrf_token: str
    user: User


class AccountService:
    def __init__(self, db: Database, clock: Clock, security: SecuritySettings) -> None:
        self.db, self.clock, self.security = db, clock, security
        self.passwords = Passwords(security)

    async def login(self, username: str, password: str) -> Session:
        now = self.clock()
        async with self.db.reader() as conn:
            row = await UserStore(conn, self.db.tz).credentials(username.strip())
        locked = UserStore(conn, self.db.tz).locked_until(row) if row else None
        if locked and locked > now:
            raise TooManyRequests(f"登录失败次数过多，账号已锁定至 {locked:%H:%M}")
        ok = await self.passwords.verify(row["password_hash"] if row else None, password)
        if not ok or not row["active"]:
            if row:
                await self._failed(row["id"], row["failed_logins"] + 1)
            raise Unauthorized("用户ID或密码错误", code="bad_credentials")
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        async with self.db.transaction() as conn:
            store = UserStore(conn, self.db.tz)
            await store.record_success(row["id"])
            await store.add_session(_digest(token), row["id"], csrf, now,
                                    now + timedelta(hours=self.security.session_hours))
        return Session(token, csrf, user_from_row(row))

    async def _failed(self, user_id: int, failures: int) -> None:
        lock = None
        if failures >= self.security.login_max_failures:
            lock = self.clock() + timedelta(minutes=self.security.login_lock_minutes)
        async with self.db.transaction() as conn:
            await UserStore(conn, self.db.tz).record_failure(user_id, lock)

    async def logout(self, token: str) -> None:
        async with self.db.transaction() as conn:
            await UserStore(conn, self.db.tz).delete_session(_digest(token))

    async def resolve(self, token: str) -> Session | None:
        async with self.db.reader() as conn:
            found = await UserStore(conn, self.db.tz).session(_digest(token), self.clock())
        return Session(token, found[1], found[0]) if found else None

    async def add_user(self, *, username: str, name: str, password: str, roles: frozenset[Role],
                       department_id: int | None = None, leader_scope: frozenset[int] | None = frozenset(),
                       phone_ext: str = "") -> User:
        check_new_user(username, name, password, roles, department_id)
        hashed = await self.passwords.hash(password)
        async with self.db.transaction() as conn:
            store = UserStore(conn, self.db.tz)
            if await store.credentials(username):
                raise Invalid(fields={"username": "该用户ID已存在"})
            await self._check_department(conn, department_id)
            user_id = await store.add(username, name.strip(), hashed, roles, department_id, leader_scope,
                                      phone_ext, self.clock())
            return await store.by_id(user_id)  # type: ignore[return-value]

    async def update_user(self, user_id: int, *, name: str, roles: frozenset[Role], department_id: int | None,
                          leader_scope: frozenset[int] | None, active: bool, phone_ext: str = "") -> User:
        check_new_user("placeholder", name, "x" * 8, roles, department_id)
        async with self.db.transaction() as conn:
            store = UserStore(conn, self.db.tz)
            current = await store.by_id(user_id)
            if current is None:
                raise NotFound("用户不存在", code="user_not_found")
            await self._check_department(conn, department_id)
            stays_admin = active and Role.ADMIN in roles
            if current.active and Role.ADMIN in current.roles and not stays_admin \
                    and not await store.other_active_admins(user_id):
                raise Invalid(fields={"roles": "这是最后一名在用的系统管理员，不能取消其管理员角色或停用"})
            await store.update(user_id, name=name.strip(), roles=roles, department_id=department_id,
                               leader_scope=leader_scope, active=active, phone_ext=phone_ext)
            if not active:
                await store.purge_sessions(user_id)
            return await store.by_id(user_id)  # type: ignore[return-value]

    async def set_password(self, user_id: int, password: str) -> None:
        check_new_user("placeholder", "x", password, frozenset(), None)
        hashed = await self.passwords.hash(password)
        async with self.db.transaction() as conn:
            store = UserStore(conn, self.db.tz)
            if await store.by_id(user_id) is None:
                raise NotFound("用户不存在", code="user_not_found")
            await store.set_password(user_id, hashed)
            await store.purge_sessions(user_id)

    async def _check_department(self, conn, department_id: int | None) -> None:
        if department_id is None:
            return
        if await fetch_one(conn, "SELECT 1 FROM departments WHERE id = ?", (department_id,)) is None:
                raise Invalid(fields={"department_id": "未知部门"})

    async def users(self, department_id: int | None = None) -> list[User]:
        async with self.db.reader() as conn:
            return await UserStore(conn, self.db.tz).list(department_id)

    async def user(self, user_id: int) -> User:
        async with self.db.reader() as conn:
            user = await UserStore(conn, self.db.tz).by_id(user_id)
        if user is None:
            raise NotFound("用户不存在", code="user_not_found")
        return user
