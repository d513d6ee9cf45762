"""Recordings as users see them: who may hear which, the audit log, the unmatched list and manual links.

Access follows the case: a recording whose call (or manual link) leads to a case may be played by
exactly the users who may see that case (CaseService.view applies casework/cases/visibility.py);
one that leads to no case only by supervisors, who also link it by hand. A refusal is a 404, as for
cases, so a department cannot learn which other recordings exist.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

from casework.cases.service import CaseService
from casework.clock import Clock
from casework.db.database import Database
from casework.domain.enums import Role
from casework.domain.model import Actor
from casework.errors import Forbidden, Invalid, NotFound
from config.settings import Settings
from casework.paging import clamp_page
from recordings.ffmpeg import FFmpeg, resolve_binary
from recordings.ingest import Folders, IndexLookup, Ingestor, Result
from recordings.model import MatchRule, Recording, RetentionReport, Source
from recordings.storage import RecordingStore
from recordings.transcode import FORMATS, Format, Transcoder

AUDIT_WINDOW = timedelta(minutes=30)  # range requests of one playback are one audit entry
LINK_ROLES = (Role.SUPERVISOR,)


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    per_page: int

    def to_dict(self) -> dict[str, Any]:
        return {"items": [i.to_dict() for i in self.items], "total": self.total, "page": self.page,
                "per_page": self.per_page}


def folders_of(settings: Settings) -> tuple[Folders, Path]:
    base = settings.storage.recordings_dir
    return Folders(base / "store", base / "quarantine"), settings.recordings.cache_dir or base / "cache"


class RecordingService:
    def __init__(self, db: Database, clock: Clock, settings: Settings, cases: CaseService,
                 ff: FFmpeg | None = None) -> None:
        rs = settings.recordings
        self.db, self.clock, self.settings, self.cases = db, clock, rs, cases
        self.ff = ff or FFmpeg(resolve_binary(rs.ffmpeg), rs.pool_size)
        self.folders, cache = folders_of(settings)
        self.transcoder = Transcoder(self.ff, cache, rs.timeout_seconds)
        self.ingestor = Ingestor(db, clock, self.ff, self.folders, rs.tolerance_seconds, rs.timeout_seconds,
                                 rs.match_grace_seconds)
        self.index = IndexLookup()

    async def close(self) -> None:
        await self.transcoder.close()

    # -- ingest ---------------------------------------------------------------------------------------
    async def ingest(self, path: Path, source: Source, *, live: bool = False) -> Result:
        return await self.ingestor.ingest(path, source, self.index(str(path)), live=live)

    async def rematch(self, days: int = 7) -> int:
        return await self.ingestor.rematch(self.clock() - timedelta(days=days), self.index)

    # -- access ---------------------------------------------------------------------------------------
    async def _load(self, recording_id: int) -> Recording:
        async with self.db.reader() as conn:
            rec = await RecordingStore(conn, self.db.tz).get(recording_id)
        if rec is None:
            raise NotFound("录音不存在", code="recording_not_found")
        return rec

    async def authorize(self, rec: Recording, actor: Actor) -> None:
        """The recording's case must be visible to the actor; a recording without a case, to supervisors."""
        if rec.effective_case_id is None:
            if not actor.has(*LINK_ROLES):
                raise NotFound("录音不存在", code="recording_not_found")
            return
        try:
            await self.cases.view(rec.effective_case_id, actor)
        except NotFound:
            raise NotFound("录音不存在", code="recording_not_found") from None

    async def get(self, recording_id: int, actor: Actor) -> Recording:
        rec = await self._load(recording_id)
        await self.authorize(rec, actor)
        return rec

    async def for_case(self, case_id: int, actor: Actor) -> list[Recording]:
        await self.cases.view(case_id, actor)  # 404 unless the actor may see the case
        async with self.db.reader() as conn:
            return await RecordingStore(conn, self.db.tz).for_case(case_id)

    async def for_call(self, call_id: int, actor: Actor) -> list[Recording]:
        """A call that does not exist and one of a case the actor may not see answer alike (404)."""
        async with self.db.reader() as conn:
            store = RecordingStore(conn, self.db.tz)
            exists, case_id = await store.call_exists(call_id)
            found = await store.for_call(call_id)
        if not exists or (case_id is None and not actor.has(*LINK_ROLES, Role.CALL_TAKER, Role.ADMIN)):
            raise NotFound("来电记录不存在", code="call_not_found")
        if case_id is not None:
            try:
                await self.cases.view(case_id, actor)
            except NotFound:
                raise NotFound("来电记录不存在", code="call_not_found") from None
        for rec in found:
            await self.authorize(rec, actor)
        return found

    def path_of(self, rec: Recording) -> Path:
        return self.folders.store / rec.stored_name

    # -- playback -------------------------------------------------------------------------------------
    async def _audit(self, rec: Recording, actor: Actor, action: str, detail: str, *, always: bool) -> None:
        """Write who heard what and when. A playback is one entry however many Range requests it makes:
        a request from the start of the file always writes one, a seek only if none was written lately."""
        now = self.clock()
        async with self.db.transaction() as conn:
            store = RecordingStore(conn, self.db.tz)
            if always or not await store.audited_since(rec.id, actor.id, action, now - AUDIT_WINDOW):
                await store.audit(rec.id, actor.id, action, now, rec.effective_case_id, detail)

    async def playback(self, recording_id: int, actor: Actor, fmt_name: str, range_start: int,
                       gone: Callable[[], bool]) -> tuple[Recording, Path, Format]:
        """Authorize, audit, and return the browser-ready file (transcoded now if not cached)."""
        fmt = FORMATS.get(fmt_name)
        if fmt is None:
            raise Invalid(fields={"format": f"格式只能是 {'、'.join(FORMATS)}"})
        rec = await self.get(recording_id, actor)
        await self._audit(rec, actor, "play", f"{fmt.name} 自 {range_start} 字节", always=range_start == 0)
        path = await self.transcoder.ensure(self.path_of(rec), rec.sha256, fmt, gone)
        return rec, path, fmt

    async def download(self, recording_id: int, actor: Actor) -> tuple[Recording, Path]:
        rec = await self.get(recording_id, actor)
        await self._audit(rec, actor, "download", "原始文件", always=True)
        return rec, self.path_of(rec)

    async def audit_log(self, recording_id: int, actor: Actor) -> list[dict[str, Any]]:
        if not actor.has(Role.SUPERVISOR, Role.ADMIN):
            raise Forbidden("只有监督人员和管理员可以查看录音的使用记录")
        await self._load(recording_id)
        async with self.db.reader() as conn:
            return await RecordingStore(conn, self.db.tz).audit_log(recording_id)

    # -- supervision ----------------------------------------------------------------------------------
    def _supervisor(self, actor: Actor) -> None:
        if not actor.has(*LINK_ROLES):
            raise Forbidden("只有监督人员可以处理未匹配的录音")

    async def unmatched(self, actor: Actor, page: int = 1, per_page: int = 20) -> Page:
        self._supervisor(actor)
        page, per_page = clamp_page(page, per_page)
        async with self.db.reader() as conn:
            items, total = await RecordingStore(conn, self.db.tz).unmatched(per_page, (page - 1) * per_page)
        return Page(items, total, page, per_page)

    async def quarantined(self, actor: Actor, page: int = 1, per_page: int = 20) -> Page:
        if not actor.has(Role.SUPERVISOR, Role.ADMIN):
            raise Forbidden("只有监督人员和管理员可以查看隔离的录音文件")
        page, per_page = clamp_page(page, per_page)
        async with self.db.reader() as conn:
            items, total = await RecordingStore(conn, self.db.tz).quarantined(per_page, (page - 1) * per_page)
        return Page(items, total, page, per_page)

    async def link(self, recording_id: int, actor: Actor, *, call_id: int | None = None,
                   case_number: str = "") -> Recording:
        """A supervisor links an unmatched recording to a call (and so its case) or straight to a case."""
        self._supervisor(actor)
        if (call_id is None) == (not case_number.strip()):
            raise Invalid(fields={"call_id": "请填写来电编号或办件编号（二选一）"})
        case_id = None
        if case_number.strip():
            case_id = (await self.cases.view(await self._case_id(case_number), actor)).case.id
        async with self.db.transaction() as conn:
            store = RecordingStore(conn, self.db.tz)
            rec = await store.get(recording_id)
            if rec is None:
                raise NotFound("录音不存在", code="recording_not_found")
            if call_id is not None and await store.call_state(call_id) is None:
                raise Invalid(fields={"call_id": "没有这个来电记录"})
            now = self.clock()
            await store.set_link(recording_id, call_id, case_id, MatchRule.MANUAL, f"由 {actor.name} 关联", actor.id, now)
            await store.audit(recording_id, actor.id, "link", now, case_id,
                              f"来电 {call_id}" if call_id is not None else f"办件 {case_number.strip()}")
            return await store.get(recording_id)  # type: ignore[return-value]

    async def _case_id(self, number: str) -> int:
        async with self.db.reader() as conn:
            found = await RecordingStore(conn, self.db.tz).case_id_by_number(number)
        if found is None:
            raise Invalid(fields={"case_number": "没有这个办件编号"})
        return found

    async def retention(self, actor: Actor | None = None, limit: int = 100) -> RetentionReport:
        """What is past the retention period. A report only: deleting is a person's decision, not the import's."""
        if actor is not None and not actor.has(Role.SUPERVISOR, Role.ADMIN):
            raise Forbidden("只有监督人员和管理员可以查看录音保存期限报告")
        cutoff = self.clock() - timedelta(days=self.settings.retention_days)
        async with self.db.reader() as conn:
            items, count, size, oldest = await RecordingStore(conn, self.db.tz).older_than(cutoff, limit)
        return RetentionReport(self.settings.retention_days, cutoff, count, size, oldest, items)

