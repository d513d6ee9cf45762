"""Users and sessions in SQLite."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import aiosqlite

from casework.accounts.model import User, decode_scope, encode_scope
from casework.db.reads import fetch_all, fetch_one
from casework.db.timefmt import from_db, to_db
from casework.domain.enums import Role

USER_FIELDS = "id, username, name, roles, department_id, leader_scope, active, phone_ext"


def user_from_row(r: aiosqlite.Row) -> User:
    return User(id=r["id"], username=r["username"], name=r["name"],
                roles=frozenset(Role(x) for x in r["roles"].split(",") if x),
                department_id=r["department_id"], leader_scope=decode_scope(r["leader_scope"]),
                active=bool(r["active"]), phone_ext=r["phone_ext"])


class UserStore:
    def __init__(self, conn: aiosqlite.Connection, tz: ZoneInfo) -> None:
        self.conn, self.tz = conn, tz

    async def _one(self, sql: str, *params: object) -> aiosqlite.Row | None:
        return await fetch_one(self.conn, sql, params)

    async def by_id(self, user_id: int) -> User | None:
        row = await self._one(f"SELECT {USER_FIELDS} FROM users WHERE id = ?", user_id)
        return user_from_row(row) if row else None

    async def credentials(self, username: str) -> aiosqlite.Row | None:
        return await self._one(f"SELECT {USER_FIELDS}, password_hash, failed_logins, locked_until "
                               "FROM users WHERE username = ?", username)

    async def list(self, department_id: int | None = None) -> list[User]:
        sql = f"SELECT {USER_FIELDS} FROM users"
        params: tuple[object, ...] = ()
        if department_id is not None:
            sql, params = sql + " WHERE department_id = ?", (department_id,)
        return [user_from_row(r) for r in await fetch_all(self.conn, sql + " ORDER BY id", params)]

    async def other_active_admins(self, user_id: int) -> int:
        rows = await self.conn.execute_fetchall(
            "SELECT count(*) FROM users WHERE active = 1 AND id != ? AND ',' || roles || ',' LIKE '%,admin,%'",
            (user_id,))
        return int(rows[0][0])

    async def add(self, username: str, name: str, password_hash: str, roles: frozenset[Role],
                  department_id: int | None, leader_scope: frozenset[int] | None, phone_ext: str,
                  now: datetime) -> int:
        cur = await self.conn.execute(
            "INSERT INTO users (username, name, password_hash, roles, department_id, leader_scope, "
            "phone_ext, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (username, name, password_hash, ",".join(sorted(r.value for r in roles)), department_id,
             encode_scope(leader_scope), phone_ext, to_db(now, self.tz)))
        return int(cur.lastrowid)

    async def update(self, user_id: int, *, name: str, roles: frozenset[Role], department_id: int | None,
                     leader_scope: frozenset[int] | None, active: bool, phone_ext: str) -> None:
        await self.conn.execute(
            "UPDATE users SET name = ?, roles = ?, department_id = ?, leader_scope = ?, active = ?, "
            "phone_ext = ? WHERE id = ?",
            (name, ",".join(sorted(r.value for r in roles)), department_id, encode_scope(leader_scope),
             int(active), phone_ext, user_id))

    async def set_password(self, user_id: int, password_hash: str) -> None:
        await self.conn.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL "
                                "WHERE id = ?", (password_hash, user_id))

    async def record_failure(self, user_id: int, locked_until: datetime | None) -> None:
        await self.conn.execute("UPDATE users SET failed_logins = failed_logins + 1, locked_until = ? "
                                "WHERE id = ?", (to_db(locked_until, self.tz), user_id))

    async def record_success(self, user_id: int) -> None:
        await self.conn.execute("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?",
                                (user_id,))

    def locked_until(self, row: aiosqlite.Row) -> datetime | None:
        return from_db(row["locked_until"], self.tz)

    async def add_session(self, token: str, user_id: int, csrf: str, now: datetime, expires: datetime) -> None:
        await self.conn.execute("INSERT INTO sessions (token, user_id, csrf_token, created_at, expires_at) "
                                "VALUES (?, ?, ?, ?, ?)",
                                (token, user_id, csrf, to_db(now, self.tz), to_db(expires, self.tz)))

    async def session(self, token: str, now: datetime) -> tuple[User, str] | None:
        row = await self._one(
            f"SELECT {', '.join('u.' + f.strip() for f in USER_FIELDS.split(','))}, s.csrf_token "
            "FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.token = ? AND s.expires_at > ? AND u.active = 1", token, to_db(now, self.tz))
        return (user_from_row(row), row["csrf_token"]) if row else None

    async def delete_session(self, token: str) -> None:
        await self.conn.execute("DELETE FROM sessions WHERE token = ?", (token,))

    async def purge_sessions(self, user_id: int) -> None:
        await self.conn.execute("DELETE FROM sessions WHERE user_id = ?", (user_id,))
