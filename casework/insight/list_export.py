"""Excel export of the work lists and of 办件查询: the same filter as the page, every matching case."""
from __future__ import annotations

from datetime import timedelta

from casework.cases.lists import LISTS
from casework.cases.queries import CaseFilter, CaseQueries
from casework.cases.where import Where
from casework.db.timefmt import to_db
from casework.domain.model import Actor
from casework.errors import Forbidden, NotFound
from casework.insight.export import case_workbook
from casework.insight.service import InsightService


async def list_where(svc: InsightService, f: CaseFilter, actor: Actor, name: str) -> Where:
    """The WHERE of CaseQueries.search for this filter (and named list), as the page builds it."""
    spec = LISTS.get(name) if name else None
    if name and spec is None:
        raise NotFound("没有这个列表", code="list_not_found")
    if spec is not None and not spec.roles & actor.roles:
        raise Forbidden("您无权查看该列表")
    now = svc.clock()
    async with svc.db.reader() as conn:
        queries = CaseQueries(conn, svc.db.tz, svc.due_soon_days)
        w = queries.where(f, actor, now, await queries.text_match(f.q))
    if spec is not None:
        soon = now + timedelta(days=svc.due_soon_days)
        spec.apply(w, actor, to_db(now, svc.db.tz) or "", to_db(soon, svc.db.tz) or "")
    return w


async def export_list(svc: InsightService, f: CaseFilter, actor: Actor, name: str) -> tuple[bytes, str]:
    """Every case of a work list or a search (newest first, at most EXPORT_MAX) as a workbook."""
    w = await list_where(svc, f, actor, name)
    title = LISTS[name].label if name else "办件查询"
    data = await svc.workers.run(case_workbook, svc.db.path, w, svc.moment(), title)
    return data, f"{title}.xlsx"
