"""Units of work on the writer thread (casework/db/writer.py) and the case store's partial updates,
on a real SQLite file."""
from __future__ import annotations

import asyncio
import sqlite3
import time
from dataclasses import fields
from pathlib import Path

import pytest

from casework.cases.loading import load_case
from casework.cases.rows import CaseRows
from casework.cases.storage import CaseStore
from casework.db.checkpoint import Checkpointer
from casework.db.database import Database
from casework.domain import commands as c
from casework.domain.enums import CaseType, Source, State, Urgency
from casework.domain.intake import Intake, Route
from casework.errors import Conflict
from web.keys import DATABASE, SERVICES



@pytest.fixture
async def db(tmp_path: Path):
    database = await Database(tmp_path / "units.sqlite3").open()
    await database.write(lambda conn: conn.execute("CREATE TABLE t (n INTEGER NOT NULL)"))
    yield database
    await database.close()


def _count(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM t").fetchone()[0]


async def test_a_failing_unit_rolls_back_and_raises(db: Database) -> None:
    def unit(conn: sqlite3.Connection) -> None:
        conn.execute("INSERT INTO t VALUES (1)")
        raise Conflict("测试冲突", code="test")
    with pytest.raises(Conflict):
        await db.write(unit)
    assert _count(db.path) == 0
    assert await db.write(lambda conn: conn.execute("INSERT INTO t VALUES (2)").rowcount) == 1
    assert _count(db.path) == 1


async def test_a_cancelled_caller_still_commits_and_waits_for_the_unit(db: Database) -> None:
    started = asyncio.Event()
    loop = asyncio.get_running_loop()

    def slow(conn: sqlite3.Connection) -> None:
        loop.call_soon_threadsafe(started.set)
        time.sleep(0.3)
        conn.execute("INSERT INTO t VALUES (1)")
    task = asyncio.create_task(db.write(slow))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert _count(db.path) == 1  # accepted work is never lost, and the caller returned only after it


async def test_units_and_aiosqlite_transactions_take_turns(db: Database) -> None:
    await db.write(lambda conn: conn.execute("INSERT INTO t VALUES (0)"))

    def bump(conn: sqlite3.Connection) -> None:
        (n,) = conn.execute("SELECT n FROM t").fetchone()
        conn.execute("UPDATE t SET n = ?", (n + 1,))

    async def bump_async() -> None:
        async with db.transaction() as conn:
            (n,) = (await conn.execute_fetchall("SELECT n FROM t"))[0]
            await asyncio.sleep(0)
            await conn.execute("UPDATE t SET n = ?", (n + 1,))
    await asyncio.gather(*(db.write(bump) if i % 2 else bump_async() for i in range(60)))
    with sqlite3.connect(db.path) as conn:
        assert conn.execute("SELECT n FROM t").fetchone()[0] == 60


async def test_close_and_reopen(db: Database) -> None:
    await db.close()
    await db.open()
    assert await db.write(lambda conn: conn.execute("SELECT 7").fetchone()[0]) == 7


async def _urged_extended_merged(app, org) -> int:
    """A case with every kind of child row: two assignments, an urging, an extension, a merged duplicate."""
    svc, accounts = app[SERVICES].cases, app[SERVICES].accounts
    ct, sup = (await accounts.user(org.users["ct"])).actor(), (await accounts.user(org.users["sup"])).actor()
    clerk = (await accounts.user(org.users["water_clerk"])).actor()
    intake = Intake(title="金龙路停水", source=Source.PHONE, case_type=CaseType.HELP, content="停水两天",
                    route=Route.CENTRE, caller_name="王先生", caller_phone="13907551234", address="金龙路1号")
    main, dup = await svc.register(intake, ct), await svc.register(intake, ct)
    water, housing = org.departments["water"], org.departments["housing"]
    await svc.perform(main.id, sup, c.Dispatch(departments=(water, housing), lead=water, opinion="请办理"))
    await svc.perform(main.id, clerk, c.Sign(handler_id=org.users["water_h1"]))
    await svc.perform(main.id, sup, c.Urge(opinion="请加快"))
    await svc.perform(main.id, clerk, c.RequestExtension(days=3, opinion="需要施工"))
    await svc.perform(dup.id, sup, c.Merge(target_id=main.id))
    return main.id


async def test_the_one_statement_load_gives_back_what_was_saved(server, org) -> None:
    """Every field of the aggregate survives a save and a load (the load is positional)."""
    app = server.app
    case_id = await _urged_extended_merged(app, org)
    rows = CaseRows(app[DATABASE].tz)
    async with app[DATABASE].reader() as conn:
        loaded = await load_case(conn, rows, case_id)
    in_memory = await app[DATABASE].write(lambda conn: CaseStore(conn, rows).load(case_id))
    assert len(loaded.assignments) == 2 and len(loaded.urgings) == 1 and len(loaded.extensions) == 1
    assert len(loaded.merged_children) == 1
    for f in fields(loaded):
        assert getattr(loaded, f.name) == getattr(in_memory, f.name), f.name
    assert loaded.title == "金龙路停水" and loaded.caller_phone == "13907551234" and loaded.urge_count == 1
    assert loaded.assignments[0].handler_id == org.users["water_h1"] and loaded.created_at.tzinfo is not None


async def test_a_registered_case_loads_back_field_for_field(server, org) -> None:
    """The case as the domain built it in memory equals the case loaded from its row (not the same code)."""
    app = server.app
    ct = (await app[SERVICES].accounts.user(org.users["ct"])).actor()
    intake = Intake(title="美兰区海甸岛噪音扰民", source=Source.PHONE, case_type=CaseType.COMPLAINT,
                    content="夜间施工噪音", route=Route.DEPARTMENT, urgency=Urgency.URGENT, caller_name="李女士",
                    caller_phone="13807561234", address="海甸岛五西路", district="美兰区",
                    departments=(org.departments["water"], org.departments["housing"]),
                    lead=org.departments["housing"], instructions="请尽快核实",
                    concern_department_id=org.departments["housing"])
    built = await app[SERVICES].cases.register(intake, ct)
    async with app[DATABASE].reader() as conn:
        loaded = await load_case(conn, CaseRows(app[DATABASE].tz), built.id)
    assert loaded.state is not State.PENDING_REVIEW and len(loaded.assignments) == 2
    for f in fields(loaded):
        if f.name not in ("new_flow", "assignments"):
            assert getattr(loaded, f.name) == getattr(built, f.name), f.name
    for a, b in zip(loaded.assignments, built.assignments):
        assert a == b


async def test_an_action_updates_only_the_columns_it_changed(server, org) -> None:
    app = server.app
    case_id = await _urged_extended_merged(app, org)
    db, rows = app[DATABASE], CaseRows(app[DATABASE].tz)
    statements: list[str] = []

    def urge(conn: sqlite3.Connection) -> None:
        store = CaseStore(conn, rows)
        case = store.load(case_id)
        case.urge_count += 1
        conn.set_trace_callback(statements.append)
        try:
            store.save(case, app[SERVICES].cases.clock())
        finally:
            conn.set_trace_callback(None)
    await db.write(urge)
    [update] = {s for s in statements if s.startswith("UPDATE cases")}  # traced again for each trigger
    assert "urge_count" in update and "version = version + 1" in update
    for untouched in ("title", "state", "deadline", "created_at", "caller_phone"):
        assert f"{untouched} =" not in update, update
    assert not [s for s in statements if s.startswith("UPDATE assignments")]


async def test_a_save_over_a_newer_version_is_refused(server, org) -> None:
    app = server.app
    case_id = await _urged_extended_merged(app, org)
    db, rows = app[DATABASE], CaseRows(app[DATABASE].tz)

    def stale(conn: sqlite3.Connection) -> None:
        store = CaseStore(conn, rows)
        case = store.load(case_id)
        conn.execute("UPDATE cases SET version = version + 1 WHERE id = ?", (case_id,))
        case.result = "旧版本上的修改"
        store.save(case, app[SERVICES].cases.clock())
    with pytest.raises(Conflict):
        await db.write(stale)
    async with db.reader() as conn:
        assert (await load_case(conn, rows, case_id)).result == ""  # rolled back, the version bump too


async def test_the_wal_is_copied_back_in_the_background(db: Database) -> None:
    """Commits leave the WAL alone (below the backstop); the checkpoint thread copies it into the file."""
    before = db.path.stat().st_size

    def fill(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE blobs (b BLOB)")
        conn.executemany("INSERT INTO blobs VALUES (?)", [(bytes(3000),) for _ in range(1500)])
    await db.write(fill)
    for _ in range(50):
        if db.path.stat().st_size > before + 3_000_000:
            break
        await asyncio.sleep(0.1)
    assert db.path.stat().st_size > before + 3_000_000



def _wal_salt(db: Database) -> bytes:
    """Salt-1 of the WAL header: it changes each time the log starts over from its beginning."""
    return db.path.with_name(db.path.name + "-wal").read_bytes()[16:20]


async def test_a_finished_checkpoint_lets_the_next_commit_start_the_wal_over(db: Database) -> None:
    await db.write(lambda conn: conn.executemany("INSERT INTO t VALUES (?)", [(n,) for n in range(300)]))
    first = _wal_salt(db)
    await db.finish_checkpoint()
    await db.write(lambda conn: conn.execute("INSERT INTO t VALUES (1)"))
    assert _wal_salt(db) != first


async def test_each_checkpoint_round_that_copied_frames_is_finished(db: Database) -> None:
    finished: list[float] = []

    async def finish() -> None:
        finished.append(time.monotonic())
    checkpointer = Checkpointer(db.path, finish, interval=0.05)
    checkpointer.start()
    try:
        await asyncio.sleep(0.2)
        finished.clear()
        await asyncio.sleep(0.3)
        assert finished == []  # nothing written since: nothing to finish
        await db.write(lambda conn: conn.execute("INSERT INTO t VALUES (1)"))
        for _ in range(40):
            if finished:
                break
            await asyncio.sleep(0.05)
        assert finished
    finally:
        await checkpointer.stop()
