"""Insight service: 办件统计, 来电情况 统计表, 考核, 热点, their drill-down lists and Excel exports.

One method per page or action: check the role, take the clock once, call the module that knows
the subject. Refreshing the per-day totals and small workbooks run in worker threads (sqlite and
zlib release the GIL); jieba and large case or call lists run in worker processes.
"""
from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any, Mapping

from casework.cases.parse import Fields
from casework.clock import Clock
from casework.db.database import Database
from casework.domain.enums import Role
from casework.domain.model import Actor
from casework.errors import Forbidden, Invalid
from casework.insight import appraisal as appraisal_mod, hotspot_service as hs
from casework.insight.appraisal import Appraisal
from casework.insight.calls_stats import CallSlice, CallStats, call_page, call_stats
from casework.insight.case_lists import Slice, case_page, slice_title, slice_where
from casework.insight.case_stats import CaseStats, case_stats, department_names
from casework.insight.export import call_workbook, case_workbook, sheets_workbook
from casework.insight.measures import Moment
from casework.insight.periods import MAX_DAYS, Period, parse_period
from casework.insight.workers import WorkerPool

__all__ = ["InsightService", "Period", "parse_period", "MAX_DAYS"]
STAT_ROLES = (Role.SUPERVISOR, Role.LEADER)
CALL_ROLES = (Role.SUPERVISOR,)
CURATE_ROLES = (Role.SUPERVISOR,)
Export = tuple[bytes, str]


def _require(actor: Actor, roles: tuple[Role, ...], message: str = "您无权查看统计信息") -> None:
    if not actor.has(*roles):
        raise Forbidden(message)


class InsightService:
    def __init__(self, db: Database, clock: Clock, workers: WorkerPool, due_soon_days: int = 3) -> None:
        self.db, self.clock, self.workers, self.due_soon_days = db, clock, workers, due_soon_days
        self.detector = hs.Detector(db, workers)

    def today(self) -> date:
        return self.clock().astimezone(self.db.tz).date()

    def this_month(self) -> Period:
        today = self.today()
        return Period(today.replace(day=1), today)

    def last_days(self, days: int) -> Period:
        today = self.today()
        return Period(today - timedelta(days=days - 1), today)

    def moment(self) -> Moment:
        return Moment.at(self.clock(), self.db.tz, self.due_soon_days)

    # --- 办件统计 -----------------------------------------------------------------------------------
    async def case_stats(self, period: Period, actor: Actor) -> CaseStats:
        _require(actor, STAT_ROLES)
        return await case_stats(self.db, self.moment(), period, actor)

    async def stats_export(self, period: Period, actor: Actor) -> Export:
        stats = await self.case_stats(period, actor)
        data = await asyncio.to_thread(sheets_workbook, stats.sheets())
        return data, f"办件统计_{period.start}_{period.end}.xlsx"

    async def case_list(self, s: Slice, actor: Actor, page: int = 1, per_page: int = 20) -> dict[str, Any]:
        _require(actor, STAT_ROLES)
        return await case_page(self.db, self.moment(), self.clock(), s, actor, page, per_page, self.due_soon_days)

    async def case_export(self, s: Slice, actor: Actor) -> Export:
        _require(actor, STAT_ROLES)
        moment = self.moment()
        async with self.db.reader() as conn:
            title = slice_title(s, await department_names(conn))
        data = await self.workers.run(case_workbook, self.db.path, slice_where(s, actor, moment), moment, title)
        return data, f"办件列表_{s.period.start}_{s.period.end}.xlsx"

    # --- 来电情况 统计表 ----------------------------------------------------------------------------------
    async def call_stats(self, period: Period, grouping: str, actor: Actor) -> CallStats:
        _require(actor, CALL_ROLES)
        return await call_stats(self.db, self.moment(), period, grouping)

    async def call_stats_export(self, period: Period, grouping: str, actor: Actor) -> Export:
        stats = await self.call_stats(period, grouping, actor)
        data = await asyncio.to_thread(sheets_workbook, stats.sheets())
        return data, f"来电情况统计表_{period.start}_{period.end}.xlsx"

    async def call_list(self, s: CallSlice, actor: Actor, page: int = 1, per_page: int = 20) -> dict[str, Any]:
        _require(actor, CALL_ROLES)
        return await call_page(self.db, s, page, per_page)

    async def call_export(self, s: CallSlice, actor: Actor) -> Export:
        _require(actor, CALL_ROLES)
        data = await self.workers.run(call_workbook, self.db.path, s.where(), s.title())
        return data, f"来电记录_{s.period.start}_{s.period.end}.xlsx"

    # --- 考核 ---------------------------------------------------------------------------------------
    async def appraisal(self, period: Period, actor: Actor) -> Appraisal:
        _require(actor, STAT_ROLES)
        return await appraisal_mod.appraisal(self.db, self.moment(), period, actor)

    async def appraisal_export(self, period: Period, actor: Actor) -> Export:
        result = await self.appraisal(period, actor)
        data = await asyncio.to_thread(sheets_workbook, result.sheets())
        return data, f"单位考核_{period.start}_{period.end}.xlsx"

    async def weights(self, actor: Actor) -> dict[str, int]:
        _require(actor, (Role.ADMIN,), "只有系统管理员可以设置考核权重")
        return await appraisal_mod.weights(self.db)

    async def save_weights(self, data: Mapping[str, Any], actor: Actor) -> dict[str, int]:
        _require(actor, (Role.ADMIN,), "只有系统管理员可以设置考核权重")
        values = appraisal_mod.parse_weights(data)
        await appraisal_mod.save_weights(self.db, values, actor.id, self.clock())
        return values

    # --- 热点 ---------------------------------------------------------------------------------------
    async def hotspots(self, actor: Actor, force: bool = False) -> hs.HotspotView:
        _require(actor, STAT_ROLES)
        curate = actor.has(*CURATE_ROLES)
        return await hs.view(self.detector, actor, self.today(), curate, force and curate)

    async def hotspots_export(self, actor: Actor) -> Export:
        view = await self.hotspots(actor)
        data = await asyncio.to_thread(sheets_workbook, view.sheets())
        return data, f"热点_{view.detection.start}_{view.detection.today}.xlsx"

    async def hotspot_cases(self, actor: Actor, hotspot_id: int | None, term: str, page: int = 1,
                            per_page: int = 20) -> dict[str, Any]:
        _require(actor, STAT_ROLES)
        if hotspot_id is None:
            _require(actor, CURATE_ROLES, "只有监督管理人员可以查看候选热点")
        title, ids = await hs.members_of(self.detector, actor, self.today(), hotspot_id, term)
        s = Slice(Period(self.today(), self.today()))
        result = await case_page(self.db, self.moment(), self.clock(), s, actor, page, per_page,
                                 self.due_soon_days, where=hs.ids_where(actor, ids))
        return {**result, "title": title}

    async def hotspot_export(self, actor: Actor, hotspot_id: int | None, term: str) -> Export:
        _require(actor, STAT_ROLES)
        if hotspot_id is None:
            _require(actor, CURATE_ROLES, "只有监督管理人员可以查看候选热点")
        title, ids = await hs.members_of(self.detector, actor, self.today(), hotspot_id, term)
        data = await self.workers.run(case_workbook, self.db.path, hs.ids_where(actor, ids), self.moment(), title)
        return data, "热点办件.xlsx"

    async def curate(self, action: str, data: Mapping[str, Any], actor: Actor) -> str:
        """One curation step by a supervisor; returns the message to show."""
        _require(actor, CURATE_ROLES, "只有监督管理人员可以维护热点")
        f = Fields(data)
        now, user = self.clock(), actor.id
        if action in ("confirm", "dismiss") and not f.integer("id"):
            term, kind = hs.parse_name(f.text("term")), f.text("kind", "topic")
            status = "confirmed" if action == "confirm" else "dismissed"
            name = hs.parse_name(f.text("name") or term) if action == "confirm" else term
            await hs.add(self.db, name, kind if kind in ("topic", "place") else "topic", [term], status, user, now)
            return "已确认为热点" if action == "confirm" else "已忽略该候选热点"
        if action in ("confirm", "dismiss", "restore"):
            status = "dismissed" if action == "dismiss" else "confirmed"
            await hs.update(self.db, self._id(f), user, now, status=status)
            return "已撤销该热点" if action == "dismiss" else "已恢复该热点"
        if action == "rename":
            await hs.update(self.db, self._id(f), user, now, name=hs.parse_name(f.text("name")))
            return "热点已改名"
        if action == "merge":
            return await self._merge(f, user)
        if action == "add":
            name, terms = hs.parse_name(f.text("name")), hs.parse_terms(f.text("terms"))
            await hs.add(self.db, name, "manual", terms, "confirmed", user, now)
            return "已添加热点"
        raise Invalid("未知的操作", fields={"action": "未知的操作"})

    async def _merge(self, f: Fields, user: int) -> str:
        target = f.integer("target", required=True)
        sources = list(f.integers("ids"))
        terms = [t for t in f.text("term").split() if t]
        f.done()
        if not sources and not terms:
            raise Invalid(fields={"ids": "请选择要合并的热点"})
        await hs.merge(self.db, int(target or 0), sources, terms, user, self.clock())
        return "已合并到所选热点"

    @staticmethod
    def _id(f: Fields) -> int:
        value = f.integer("id", required=True)
        f.done()
        return int(value or 0)
