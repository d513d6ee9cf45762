"""Attachment rows in SQLite; the bytes live in files named by the service."""
from __future__ import annotations

import aiosqlite

from casework.attachments.model import AttachmentInfo
from casework.db.reads import fetch_all, fetch_one

FIELDS = "id, case_id, original_name, content_type, size, sha256, uploaded_by, uploaded_at, stored_name"


def _info(r: aiosqlite.Row) -> AttachmentInfo:
    return AttachmentInfo(*[r[k] for k in FIELDS.split(", ")])


async def add(conn: aiosqlite.Connection, case_id: int, stored: str, name: str, content_type: str, size: int,
              sha256: str, user_id: int, at: str) -> int:
    cur = await conn.execute(
        "INSERT INTO attachments (case_id, stored_name, original_name, content_type, size, sha256, "
        "uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (case_id, stored, name, content_type, size, sha256, user_id, at))
    return int(cur.lastrowid)


async def get(conn: aiosqlite.Connection, attachment_id: int) -> AttachmentInfo | None:
    row = await fetch_one(conn, f"SELECT {FIELDS} FROM attachments WHERE id = ? AND deleted_at IS NULL",
                          (attachment_id,))
    return _info(row) if row else None


async def for_case(conn: aiosqlite.Connection, case_id: int) -> list[AttachmentInfo]:
    return [_info(r) for r in await fetch_all(
        conn, f"SELECT {FIELDS} FROM attachments WHERE case_id = ? AND deleted_at IS NULL ORDER BY id", (case_id,))]


async def mark_deleted(conn: aiosqlite.Connection, attachment_id: int, user_id: int, at: str) -> None:
    await conn.execute("UPDATE attachments SET deleted_at = ?, deleted_by = ? WHERE id = ?",
                       (at, user_id, attachment_id))
