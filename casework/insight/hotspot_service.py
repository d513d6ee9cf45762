"""热点 curation: the latest detection (kept for a while by the service's Detector, recomputed in a worker
process, off the event loop and its GIL), the hotspots supervisors confirmed, merged, renamed,
dismissed or added by hand, and the views of both: supervisors see the candidates too, leaders the
curated list within their scope.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from casework.cases.where import Where
from casework.cases.visibility import visible_departments
from casework.db.database import Database
from casework.db.reads import fetch_all, fetch_one
from casework.db.timefmt import to_db
from casework.domain.model import Actor
from casework.errors import Invalid, NotFound
from casework.insight.hotspots import WINDOW_DAYS, Candidate, Detection, Term, run, trend
from casework.insight.queries import scope_clause, scoped
from casework.insight.tables import Sheet
from casework.insight.workers import WorkerPool

CACHE_SECONDS = 600
KIND_LABELS = {"topic": "话题", "place": "地点", "manual": "人工添加"}
MAX_TERMS, MAX_NAME = 10, 40


@dataclass
class Hotspot:
    id: int
    name: str
    kind: str
    terms: list[str]
    status: str
    merged_into: int | None = None
    note: str = ""


@dataclass
class Item:
    """A hotspot or candidate as shown: its cases in the window, its trend, its curation."""
    name: str
    kind: str
    terms: list[str]
    case_ids: list[int]
    trend: list[int]
    id: int | None = None
    status: str = "candidate"
    candidate: Candidate | None = None

    @property
    def count(self) -> int:
        return len(self.case_ids)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


@dataclass
class HotspotView:
    detection: Detection
    confirmed: list[Item]
    candidates: list[Item] = field(default_factory=list)
    dismissed: list[Item] = field(default_factory=list)
    curate: bool = False
    scoped: bool = False

    @property
    def days(self) -> list[str]:
        from datetime import timedelta
        return [(self.detection.start + timedelta(days=i)).isoformat() for i in range(WINDOW_DAYS)]

    def sheets(self) -> list[Sheet]:
        """The hotspots as the page lists them, and their daily counts over the window."""
        listed = [*self.confirmed, *self.candidates]
        table = Sheet("热点", ["热点", "状态", "类型", "关键词 / 地名", "近 30 天件数", "近 7 天"],
                      [[i.name, "已确认" if i.id else "候选", i.kind_label, "、".join(i.terms), i.count, sum(i.trend[-7:])]
                       for i in listed])
        daily = Sheet("每日件数", ["日期", *(i.name for i in listed)],
                      [[day, *(i.trend[n] for i in listed)] for n, day in enumerate(self.days)])
        return [table, daily]

    def charts(self) -> dict[str, Any]:
        shown = (self.confirmed or self.candidates)[:6]
        return {"trend": {"type": "line", "title": "热点近 30 天走势（每日件数）", "categories": self.days,
                          "series": [{"name": i.name, "values": i.trend} for i in shown]}}


class Detector:
    """The latest detection of one database, kept for a while and recomputed in a worker process."""

    def __init__(self, db: Database, workers: WorkerPool) -> None:
        self.db, self.workers = db, workers
        self.lock = asyncio.Lock()
        self.result: Detection | None = None
        self.at = 0.0

    async def detection(self, today: date, terms: list[str], force: bool = False) -> Detection:
        """Recomputed when old, for another day or missing terms."""
        async with self.lock:
            found = self.result
            stale = (found is None or found.today != today or time.monotonic() - self.at > CACHE_SECONDS
                     or any(t not in found.terms for t in terms))
            if force or stale:
                self.result = await self.workers.run(run, self.db.path, today, terms)
                self.at = time.monotonic()
            assert self.result is not None
            return self.result


async def curated(db: Database) -> list[Hotspot]:
    async with db.reader() as conn:
        rows = await fetch_all(conn, "SELECT * FROM hotspots WHERE status != 'merged' "
                                     "ORDER BY updated_at DESC, id DESC")
    return [Hotspot(r["id"], r["name"], r["kind"], json.loads(r["terms"]), r["status"], r["merged_into"], r["note"])
            for r in rows]


def _members(result: Detection, terms: list[str], visible: set[int] | None) -> list[tuple[int, date]]:
    seen: dict[int, date] = {}
    for term in terms:
        for case_id, day in result.terms.get(term, Term("topic", term)).members:
            if visible is None or case_id in visible:
                seen[case_id] = day
    return sorted(seen.items(), key=lambda m: (m[1], m[0]))


def item(result: Detection, name: str, kind: str, terms: list[str], visible: set[int] | None, **extra: Any) -> Item:
    members = _members(result, terms, visible)
    return Item(name, kind, terms, [i for i, _ in members], trend(members, result.start), **extra)


async def visible_ids(db: Database, actor: Actor, start: date, today: date) -> set[int] | None:
    if visible_departments(actor) is None:
        return None
    w = scoped(actor, start, today)
    async with db.reader() as conn:
        return {int(r[0]) for r in await fetch_all(conn, f"SELECT c.id FROM cases c WHERE {w.sql()}", w.params)}


async def view(detector: Detector, actor: Actor, today: date, curate: bool, force: bool = False) -> HotspotView:
    db = detector.db
    hotspots = await curated(db)
    result = await detector.detection(today, sorted({t for h in hotspots for t in h.terms}), force)
    visible = await visible_ids(db, actor, result.start, today)
    confirmed = [item(result, h.name, h.kind, h.terms, visible, id=h.id, status=h.status)
                 for h in hotspots if h.status == "confirmed"]
    confirmed.sort(key=lambda i: -i.count)
    out = HotspotView(result, confirmed, curate=curate, scoped=visible is not None)
    if curate:
        taken = {t for h in hotspots for t in h.terms}
        out.candidates = [item(result, c.term, c.kind, [c.term], visible, candidate=c)
                          for c in result.candidates if c.term not in taken]
        out.dismissed = [item(result, h.name, h.kind, h.terms, visible, id=h.id, status=h.status)
                         for h in hotspots if h.status == "dismissed"]
    return out


async def members_of(detector: Detector, actor: Actor, today: date, hotspot_id: int | None,
                     term: str) -> tuple[str, list[int]]:
    """(title, case ids) of a curated hotspot or of one term (a candidate), within the user's scope."""
    db = detector.db
    hotspots = await curated(db)
    if hotspot_id is not None:
        found = next((h for h in hotspots if h.id == hotspot_id), None)
        if found is None:
            raise NotFound("没有这个热点")
        name, terms = found.name, found.terms
    else:
        name, terms = term, [term]
    result = await detector.detection(today, sorted({t for h in hotspots for t in h.terms} | set(terms)))
    visible = await visible_ids(db, actor, result.start, today)
    return f"热点：{name}（{result.start} 至 {result.today}）", [i for i, _ in _members(result, terms, visible)]


def ids_where(actor: Actor, ids: list[int]) -> Where:
    w = Where()
    scope_clause(w, actor)
    w.add("c.id IN (SELECT value FROM json_each(?))", json.dumps(ids))
    return w


# --- curation (supervisors) -------------------------------------------------------------------------
def parse_terms(raw: str) -> list[str]:
    terms = list(dict.fromkeys(t for t in raw.replace("，", " ").replace(",", " ").replace("、", " ").split() if t))
    if not terms:
        raise Invalid(fields={"terms": "请填写至少一个关键词或地名"})
    if len(terms) > MAX_TERMS or any(len(t) > 20 or len(t) < 2 for t in terms):
        raise Invalid(fields={"terms": f"最多 {MAX_TERMS} 个词，每个 2 至 20 个字"})
    return terms


def parse_name(raw: str) -> str:
    name = raw.strip()
    if not name or len(name) > MAX_NAME:
        raise Invalid(fields={"name": f"请填写热点名称（不超过 {MAX_NAME} 个字）"})
    return name


async def add(db: Database, name: str, kind: str, terms: list[str], status: str, user_id: int, now: datetime) -> int:
    stamp = to_db(now, db.tz)
    async with db.transaction() as conn:
        taken = await _taken(conn, terms)
        if taken:
            raise Invalid(fields={"terms": f"已有热点包含：{'、'.join(taken)}"})
        cur = await conn.execute(
            "INSERT INTO hotspots (name, kind, terms, status, created_by, created_at, updated_by, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (name, kind, json.dumps(terms, ensure_ascii=False), status, user_id, stamp, user_id, stamp))
        return int(cur.lastrowid or 0)


async def _taken(conn: Any, terms: list[str]) -> list[str]:
    used = {t for r in await fetch_all(conn, "SELECT terms FROM hotspots WHERE status != 'merged'")
            for t in json.loads(r[0])}
    return [t for t in terms if t in used]


async def _get(conn: Any, hotspot_id: int) -> Hotspot:
    r = await fetch_one(conn, "SELECT * FROM hotspots WHERE id = ? AND status != 'merged'", (hotspot_id,))
    if r is None:
        raise NotFound("没有这个热点")
    return Hotspot(r["id"], r["name"], r["kind"], json.loads(r["terms"]), r["status"], r["merged_into"], r["note"])


async def update(db: Database, hotspot_id: int, user_id: int, now: datetime, *, name: str | None = None,
                 status: str | None = None, terms: list[str] | None = None) -> None:
    async with db.transaction() as conn:
        found = await _get(conn, hotspot_id)
        await conn.execute("UPDATE hotspots SET name = ?, status = ?, terms = ?, updated_by = ?, updated_at = ? "
                           "WHERE id = ?", (name or found.name, status or found.status,
                                            json.dumps(terms if terms is not None else found.terms, ensure_ascii=False),
                                            user_id, to_db(now, db.tz), hotspot_id))


async def merge(db: Database, target_id: int, sources: list[int], terms: list[str], user_id: int,
                now: datetime) -> None:
    """Fold hotspots `sources` and candidate `terms` into `target_id` (its terms grow by theirs)."""
    stamp = to_db(now, db.tz)
    async with db.transaction() as conn:
        target = await _get(conn, target_id)
        merged = list(target.terms)
        for source_id in sources:
            if source_id == target_id:
                continue
            source = await _get(conn, source_id)
            merged.extend(source.terms)
            await conn.execute("UPDATE hotspots SET status = 'merged', merged_into = ?, updated_by = ?, "
                               "updated_at = ? WHERE id = ?", (target_id, user_id, stamp, source_id))
        taken = await _taken(conn, [t for t in terms if t not in merged])
        if taken:
            raise Invalid(fields={"terms": f"已有热点包含：{'、'.join(taken)}"})
        merged = list(dict.fromkeys([*merged, *terms]))[:MAX_TERMS * 3]
        await conn.execute("UPDATE hotspots SET terms = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                           (json.dumps(merged, ensure_ascii=False), user_id, stamp, target_id))
