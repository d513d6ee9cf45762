"""Search (FTS through CaseService.search vs a LIKE scan) and the supervision list's five tabs."""
from __future__ import annotations

import math
import time
from pathlib import Path

import aiosqlite

from casework.accounts.service import AccountService
from casework.cases.queries import COUNT_CAP, CaseFilter
from casework.cases.service import CaseService
from casework.clock import system_clock
from casework.db.database import PRAGMAS, Database
from casework.reference.service import ReferenceService
from config.settings import SecuritySettings

from bench.casework_org import TZ, Org

KEYWORDS = ("噪音", "停水", "路灯", "充电桩", "渣土车", "公积金", "椰子树", "占道经营", "违章搭建", "共享单车")
TABS = ("supervision_all", "supervision_done", "due_soon", "overdue_open", "overdue_done")
PAGES = (1, 100)
LIKE_WHERE = "title LIKE ? OR content LIKE ? OR address LIKE ?"
LIKE_SQL = f"SELECT * FROM cases WHERE {LIKE_WHERE} ORDER BY created_at DESC, id DESC LIMIT 20"
# The same work as the API answer: the page plus the total capped like CaseQueries (COUNT_CAP + 1).
LIKE_COUNT_SQL = f"SELECT COUNT(*) FROM (SELECT 1 FROM cases WHERE {LIKE_WHERE} LIMIT {COUNT_CAP + 1})"


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = await fn(*args)
    return (time.perf_counter() - t0) * 1000, result


async def _like(conn: aiosqlite.Connection, keyword: str) -> list[int]:
    pattern = f"%{keyword}%"
    async with conn.execute(LIKE_SQL, (pattern, pattern, pattern)) as cur:
        return [r[0] for r in await cur.fetchall()]


async def _like_counted(conn: aiosqlite.Connection, keyword: str) -> list[int]:
    ids = await _like(conn, keyword)
    pattern = f"%{keyword}%"
    async with conn.execute(LIKE_COUNT_SQL, (pattern, pattern, pattern)) as cur:
        await cur.fetchone()
    return ids


async def _raw_reader(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    for pragma in (*PRAGMAS, "PRAGMA synchronous=FULL", "PRAGMA query_only=ON"):
        await conn.execute(pragma)
    return conn


async def _one_keyword(svc: CaseService, actor, conn, kw: str, repeats: int, like_repeats: int) -> dict:
    await svc.search(CaseFilter(q=kw), actor)  # warm-up
    fts = [await timed(svc.search, CaseFilter(q=kw), actor) for _ in range(repeats)]
    like = [await timed(_like, conn, kw) for _ in range(like_repeats)]
    counted = [await timed(_like_counted, conn, kw) for _ in range(like_repeats)]
    fts_ids = [item["id"] for item in fts[-1][1]["items"]]
    return {"keyword": kw, "fts_ms": [t for t, _ in fts], "like_ms": [t for t, _ in like],
            "like_count_ms": [t for t, _ in counted],
            "total": fts[-1][1]["total"], "capped": fts[-1][1]["total_capped"], "same": fts_ids == like[-1][1]}


async def search_bench(svc: CaseService, actor, path: Path, repeats: int, like_repeats: int) -> dict:
    conn = await _raw_reader(path)
    try:
        rows = [await _one_keyword(svc, actor, conn, kw, repeats, like_repeats) for kw in KEYWORDS]
    finally:
        await conn.close()
    fts = [t for r in rows for t in r["fts_ms"]]
    out = {"keywords": rows, "fts_p50": percentile(fts, 50), "fts_p95": percentile(fts, 95)}
    for key in ("like", "like_count"):
        samples = [t for r in rows for t in r[f"{key}_ms"]]
        out[f"{key}_p50"], out[f"{key}_p95"] = percentile(samples, 50), percentile(samples, 95)
        out[f"{key}_ratio_p50"] = out[f"{key}_p50"] / out["fts_p50"]
        out[f"{key}_ratio_p95"] = out[f"{key}_p95"] / out["fts_p95"]
    return out


async def tabs_bench(svc: CaseService, actor, repeats: int) -> list[dict]:
    rows = []
    for name in TABS:
        for page in PAGES:
            f = CaseFilter(page=page)
            await svc.named_list(name, f, actor)  # warm-up
            runs = [await timed(svc.named_list, name, f, actor) for _ in range(repeats)]
            last = runs[-1][1]
            rows.append({"tab": name, "page": page, "p50": percentile([t for t, _ in runs], 50),
                         "p95": percentile([t for t, _ in runs], 95), "items": len(last["items"]),
                         "total": last["total"], "capped": last["total_capped"]})
    return rows


async def reads(path: Path, org: Org, repeats: int, like_repeats: int, tab_repeats: int) -> tuple[dict, list]:
    """Both read benchmarks on one Database opened as the server opens it (two reader connections)."""
    db = await Database(path, readers=2, tz=TZ).open()
    try:
        clock = system_clock(TZ)
        svc = CaseService(db, clock, ReferenceService(db), 3)
        supervisor = (await AccountService(db, clock, SecuritySettings()).user(org.supervisors[0].id)).actor()
        search = await search_bench(svc, supervisor, path, repeats, like_repeats)
        tabs = await tabs_bench(svc, supervisor, tab_repeats)
    finally:
        await db.close()
    return search, tabs
