"""Uploading, listing, downloading and deleting attachments.

Bytes are streamed to a temporary file (never the uploaded name as a path), checked, then moved
under a generated name; the row is written in the same step, so a failure leaves neither.
"""
from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
from pathlib import Path
from typing import AsyncIterator

from casework.attachments import storage
from casework.attachments.content import HEAD_BYTES
from casework.attachments.model import AttachmentInfo, check_type, clean_name, extension
from casework.cases.loading import load_case, write_flow
from casework.cases.rows import CaseRows
from casework.cases.visibility import can_view
from casework.clock import Clock
from casework.db.database import Database
from casework.db.timefmt import to_db
from casework.domain.handlers import record
from casework.domain.model import Actor, Case
from casework.domain.workflow import may_manage_attachments
from casework.errors import Forbidden, Invalid, NotFound, TooLarge
from config.settings import UploadSettings


class AttachmentService:
    def __init__(self, db: Database, clock: Clock, folder: Path, uploads: UploadSettings) -> None:
        self.db, self.clock, self.folder, self.uploads = db, clock, Path(folder), uploads
        self.rows = CaseRows(db.tz)

    async def _case(self, conn, case_id: int, actor: Actor) -> Case:
        case = await load_case(conn, self.rows, case_id)
        if not can_view(actor, case):
            raise NotFound("办件不存在", code="case_not_found")
        return case

    async def upload(self, case_id: int, actor: Actor, filename: str | None,
                     chunks: AsyncIterator[bytes]) -> AttachmentInfo:
        name = clean_name(filename)
        check_type(name, b"", self.uploads.allowed_extensions)
        async with self.db.reader() as conn:
            if not may_manage_attachments(await self._case(conn, case_id, actor), actor):
                raise Forbidden("当前不能管理该办件的附件", code="attachments_locked")
        self.folder.mkdir(parents=True, exist_ok=True)
        stored = f"{secrets.token_hex(16)}.{extension(name)}"
        tmp = self.folder / f".{stored}.part"
        try:
            size, digest, head = await self._receive(tmp, chunks)
            content_type = check_type(name, head, self.uploads.allowed_extensions)
            async with self.db.transaction() as conn:
                case = await self._case(conn, case_id, actor)
                if not may_manage_attachments(case, actor):
                    raise Forbidden("当前不能管理该办件的附件", code="attachments_locked")
                now = self.clock()
                att_id = await storage.add(conn, case_id, stored, name, content_type, size, digest, actor.id,
                                           to_db(now, self.db.tz))
                await self._flow(conn, case, actor, "attach", "上传附件", name)
                await asyncio.to_thread(os.replace, tmp, self.folder / stored)
                return await storage.get(conn, att_id)  # type: ignore[return-value]
        finally:
            await asyncio.to_thread(tmp.unlink, missing_ok=True)

    async def _receive(self, tmp: Path, chunks: AsyncIterator[bytes]) -> tuple[int, str, bytes]:
        size, digest, head = 0, hashlib.sha256(), b""
        handle = await asyncio.to_thread(open, tmp, "wb")
        try:
            async for chunk in chunks:
                size += len(chunk)
                if size > self.uploads.max_bytes:
                    raise TooLarge(f"附件不能超过 {self.uploads.max_bytes // (1024 * 1024)} MB")
                if len(head) < HEAD_BYTES:
                    head += chunk[:HEAD_BYTES - len(head)]
                digest.update(chunk)
                await asyncio.to_thread(handle.write, chunk)
            await asyncio.to_thread(os.fsync, handle.fileno())
        finally:
            await asyncio.to_thread(handle.close)
        if size == 0:
            raise Invalid(fields={"file": "文件为空"})
        return size, digest.hexdigest(), head

    async def _flow(self, conn, case: Case, actor: Actor, action: str, label: str, opinion: str) -> None:
        record(case, actor, action, label, opinion, case.state, self.clock())
        await write_flow(conn, self.rows, case)

    async def list(self, case_id: int, actor: Actor) -> list[AttachmentInfo]:
        async with self.db.reader() as conn:
            await self._case(conn, case_id, actor)
            return await storage.for_case(conn, case_id)

    async def open(self, attachment_id: int, actor: Actor) -> tuple[AttachmentInfo, Path]:
        async with self.db.reader() as conn:
            info = await storage.get(conn, attachment_id)
            if info is None:
                raise NotFound("附件不存在", code="attachment_not_found")
            await self._case(conn, info.case_id, actor)
        return info, self.folder / info.stored_name

    async def delete(self, attachment_id: int, actor: Actor) -> None:
        """Deleting hides the attachment; the file stays for the record (nothing accepted is lost)."""
        async with self.db.transaction() as conn:
            info = await storage.get(conn, attachment_id)
            if info is None:
                raise NotFound("附件不存在", code="attachment_not_found")
            case = await self._case(conn, info.case_id, actor)
            if not may_manage_attachments(case, actor):
                raise Forbidden("当前不能管理该办件的附件", code="attachments_locked")
            await storage.mark_deleted(conn, attachment_id, actor.id, to_db(self.clock(), self.db.tz))
            await self._flow(conn, case, actor, "detach", "删除附件", info.original_name)
