"""Lifecycle throughput through the real CaseService, against raw aiosqlite doing the same number
of single-row update+insert transactions (one per workflow step) on the same database file.

The two run interleaved in rounds so that disk and cache conditions are shared.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from casework.accounts.service import AccountService
from casework.cases.service import CaseService
from casework.clock import system_clock
from casework.db.database import PRAGMAS, Database
from casework.domain import commands as c
from casework.domain.enums import CaseType, Satisfaction, Source, State
from casework.domain.intake import Intake, Route
from casework.reference.service import ReferenceService
from casework.search.indexer import SearchIndexer
from config.settings import SecuritySettings

from bench.casework_org import TZ, Org

STEPS = 8  # register, dispatch, sign ×2, complete ×2, approve, call-back
SCRATCH = ("CREATE TABLE IF NOT EXISTS bench_scratch_case (id INTEGER PRIMARY KEY, state TEXT NOT NULL, "
           "version INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL)",
           "CREATE TABLE IF NOT EXISTS bench_scratch_flow (id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, "
           "at TEXT NOT NULL, action TEXT NOT NULL, opinion TEXT NOT NULL)")


@dataclass
class Cast:
    """The actors of one cycle, as the accounts service builds them."""
    call_taker: object
    supervisor: object
    clerks: tuple
    handlers: tuple
    departments: tuple[int, int]


async def _cast(accounts: AccountService, org: Org) -> Cast:
    lead, co = org.departments["water"], org.districts["龙华区"]

    async def actor(user_id: int):
        return (await accounts.user(user_id)).actor()
    return Cast(await actor(org.call_takers[0].id), await actor(org.supervisors[0].id),
                (await actor(org.clerks[lead].id), await actor(org.clerks[co].id)),
                (await actor(org.handlers[lead][0].id), await actor(org.handlers[co][0].id)), (lead, co))


def _intake(i: int) -> Intake:
    return Intake(title=f"龙华区金龙路{i % 300 + 1}号停水", source=Source.PHONE, case_type=CaseType.HELP,
                  content="来电人反映海口市龙华区金龙路一带从今天上午开始停水，没有提前通知，请尽快恢复供水。",
                  route=Route.CENTRE, caller_name="王先生", caller_phone=f"1390898{i % 10000:04d}",
                  address=f"海口市龙华区金龙路{i % 300 + 1}号椰城花园", district="龙华区")


async def one_cycle(svc: CaseService, cast: Cast, i: int) -> None:
    """register → dispatch to two departments (lead + co) → both sign → co, then lead complete →
    approve → call-back satisfied: 8 transactions."""
    lead, co = cast.departments
    case = await svc.register(_intake(i), cast.call_taker)
    steps = ((cast.supervisor, c.Dispatch(departments=(lead, co), lead=lead, opinion="请水务局主办，龙华区协办。")),
             (cast.clerks[0], c.Sign(handler_id=cast.handlers[0].id)),
             (cast.clerks[1], c.Sign(handler_id=cast.handlers[1].id)),
             (cast.handlers[1], c.Complete(opinion="已配合现场排查，协办完毕。")),
             (cast.handlers[0], c.Complete(opinion="管道抢修完毕，已恢复供水。")),
             (cast.supervisor, c.Approve(opinion="同意办结。")),
             (cast.call_taker, c.Callback(resolved=True, satisfaction=Satisfaction.SATISFIED, opinion="满意")))
    for who, command in steps:
        case = await svc.perform(case.id, who, command)
    if case.state is not State.FEEDBACK_DONE:
        raise AssertionError(f"cycle {i} ended in {case.state}")


async def _raw_connection(path: Path) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None)
    for pragma in (*PRAGMAS, "PRAGMA synchronous=FULL"):  # as Database(durable=True)
        await conn.execute(pragma)
    for ddl in SCRATCH:
        await conn.execute(ddl)
    return conn


async def raw_transactions(conn: aiosqlite.Connection, count: int, first: int) -> None:
    """`count` transactions, each one single-row UPDATE plus one INSERT, committed (synchronous=FULL)."""
    for n in range(first, first + count):
        row, stamp = n // STEPS + 1, time.strftime("%Y-%m-%d %H:%M:%S")
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute("UPDATE bench_scratch_case SET state = ?, version = version + 1, updated_at = ? "
                           "WHERE id = ?", (f"step{n % STEPS}", stamp, row))
        await conn.execute("INSERT INTO bench_scratch_flow (case_id, at, action, opinion) VALUES (?, ?, ?, ?)",
                           (row, stamp, f"step{n % STEPS}", "同意"))
        await conn.execute("COMMIT")


async def _timed_rounds(svc: CaseService, cast: Cast, raw: aiosqlite.Connection, start_row: int, cycles: int,
                        rounds: int, warmup: int) -> tuple[float, float]:
    """Service cycles and raw transactions, alternating in `rounds` so both see the same conditions."""
    service_s, raw_s, done = 0.0, 0.0, 0
    for r in range(rounds):
        n = cycles // rounds + (1 if r < cycles % rounds else 0)
        t0 = time.perf_counter()
        for i in range(done, done + n):
            await one_cycle(svc, cast, warmup + i)
        t1 = time.perf_counter()
        await raw_transactions(raw, n * STEPS, start_row + (warmup + done) * STEPS)
        service_s, raw_s, done = service_s + t1 - t0, raw_s + time.perf_counter() - t1, done + n
    return service_s, raw_s


async def lifecycle(path: Path, org: Org, cycles: int, rounds: int = 5, warmup: int = 5) -> dict:
    db = await Database(path, readers=2, tz=TZ).open()
    clock = system_clock(TZ)
    svc = CaseService(db, clock, ReferenceService(db), 3)
    cast = await _cast(AccountService(db, clock, SecuritySettings()), org)
    raw = await _raw_connection(path)
    indexer = SearchIndexer(db)  # as the app runs it: the service's registrations reach the index
    indexing = asyncio.create_task(indexer.run(), name="case-search-indexer")
    try:
        start_row = await _scratch_start(raw, cycles + warmup)
        for i in range(warmup):
            await one_cycle(svc, cast, i)
        await raw_transactions(raw, warmup * STEPS, start_row)
        service_s, raw_s = await _timed_rounds(svc, cast, raw, start_row, cycles, rounds, warmup)
    finally:
        indexing.cancel()
        await asyncio.gather(indexing, return_exceptions=True)
        await indexer.catch_up()
        await raw.close()
        await db.close()
    return {"cycles": cycles, "service_s": service_s, "raw_s": raw_s, "cycles_per_s": cycles / service_s,
            "raw_tx_per_s": cycles * STEPS / raw_s, "raw_cycles_per_s": cycles / raw_s,
            "ratio": raw_s / service_s}


async def _scratch_start(conn: aiosqlite.Connection, cycles: int) -> int:
    """Fresh scratch rows for this run (created untimed), after earlier runs' rows."""
    async with conn.execute("SELECT COALESCE(MAX(id), 0) FROM bench_scratch_case") as cur:
        (last,) = await cur.fetchone()
    await conn.execute("BEGIN IMMEDIATE")
    await conn.executemany("INSERT INTO bench_scratch_case (id, state, updated_at) VALUES (?, ?, ?)",
                           [(last + i, "pending_review", "2026-01-01 00:00:00") for i in range(1, cycles + 1)])
    await conn.execute("COMMIT")
    return last * STEPS
