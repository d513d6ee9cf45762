"""Building (or reusing) the benchmark database.

The schema comes from the real migrations (casework.db.database.Database) and the departments and
users from the real services; the cases are then bulk-inserted with executemany in big
transactions (the only place the benchmark bypasses the services), with a writer thread so that
generating rows in Python and SQLite's index work overlap on two cores.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
import queue
import random
import shutil
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

from casework.cases.rows import ASSIGNMENT_COLUMNS, CASE_COLUMNS, FLOW_COLUMNS
from casework.db.database import Database
from casework.db.migrate import available

from bench.casework_history import fmt
from bench.casework_org import PASSWORD, TZ, Org, create_org
from bench.casework_plan import DAY, Planner

META_FILE = "bench-meta.json"
BATCH = 20_000
HOUR_WEIGHT = (1, .5, .3, .2, .2, .4, 1, 3, 6, 8, 8, 7, 5, 6, 7, 7, 6, 5, 5, 5, 4, 3, 2, 1.5)
BUILD_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=OFF", "PRAGMA foreign_keys=OFF",
                 "PRAGMA cache_size=-1000000", "PRAGMA temp_store=MEMORY")


def _insert(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


CASE_SQL = _insert("cases", ("id", *CASE_COLUMNS, "version"))
STATEMENTS = (CASE_SQL, _insert("assignments", ASSIGNMENT_COLUMNS), _insert("flow", FLOW_COLUMNS),
              _insert("urgings", ("case_id", "author_id", "author_name", "role", "opinion", "created_at",
                                  "updated_at")),
              _insert("extensions", ("case_id", "department_id", "requested_by", "days", "reason",
                                     "requested_at", "status", "decided_by", "decided_at", "decision_opinion")),
              "INSERT INTO case_fts(rowid, body) VALUES (?, ?)")


def database_dir(data_dir: Path, cases: int) -> Path:
    """One folder per size, laid out as `hotline serve --data-dir` expects (hotline.sqlite3 inside)."""
    return data_dir / f"cases-{cases}"


def local_now() -> int:
    """Now as seconds since the naive local epoch (times are stored as local wall-clock text)."""
    now = datetime.now(TZ).replace(tzinfo=None, microsecond=0)
    return int((now - datetime(1970, 1, 1)).total_seconds())


def timeline(n: int, now: int, rng: random.Random) -> list[int]:
    """Creation times over the last twelve months: busier by day than by night, quieter at weekends."""
    start, out, top = now - 365 * DAY, [], max(HOUR_WEIGHT)
    while len(out) < n:
        t = start + int(rng.random() * 365 * DAY)
        weekend = ((t // DAY) + 3) % 7 >= 5  # 1970-01-01 was a Thursday
        if rng.random() < HOUR_WEIGHT[(t % DAY) // 3600] / top * (0.7 if weekend else 1.0):
            out.append(t)
    return sorted(out)


def phone_pool(n: int, rng: random.Random) -> list[str]:
    size = max(1000, min(250_000, n // 4))
    mobiles = [f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}" for _ in range(size * 9 // 10)]
    return mobiles + [f"0898-6{rng.randrange(10 ** 7):07d}" for _ in range(size - len(mobiles))]


def _writer(conn: sqlite3.Connection, jobs: queue.Queue, failures: list[BaseException]) -> None:
    try:
        while (batch := jobs.get()) is not None:
            conn.execute("BEGIN")
            for sql, rows in zip(STATEMENTS, batch):
                conn.executemany(sql, rows)
            conn.execute("COMMIT")
    except BaseException as err:  # reported by the producer
        failures.append(err)
        while jobs.get() is not None:
            pass


def _batches(planner: Planner, times: list[int]):
    counters: dict[str, int] = {}
    batch: tuple[list, ...] = ([], [], [], [], [], [])
    for cid, created in enumerate(times, start=1):
        day = fmt(created)[:10].replace("-", "")
        counters[day] = counters.get(day, 0) + 1
        g = planner.make(cid, created, f"HK{day}-{counters[day]:06d}")
        batch[0].append(g.case), batch[1].extend(g.assignments), batch[2].extend(g.flow)
        batch[3].extend(g.urgings), batch[4].extend(g.extensions), batch[5].append(g.fts)
        if cid % BATCH == 0 or cid == len(times):
            yield cid, batch
            batch = ([], [], [], [], [], [])
    yield 0, counters


def bulk_insert(path: Path, org: Org, n: int, seed: int, log) -> None:
    rng, now = random.Random(seed), local_now()
    times = timeline(n, now, rng)
    planner = Planner(org, now, seed + 1, phone_pool(n, rng))
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    for pragma in BUILD_PRAGMAS:
        conn.execute(pragma)
    jobs, failures, started = queue.Queue(maxsize=3), [], time.perf_counter()
    writer = threading.Thread(target=_writer, args=(conn, jobs, failures), daemon=True)
    writer.start()
    for done, batch in _batches(planner, times):
        if done == 0:
            counters = batch
            break
        jobs.put(batch)
        if done % 100_000 == 0 or done == n:
            log(f"  {done:>9,} cases generated ({done / (time.perf_counter() - started):,.0f}/s)")
    jobs.put(None)
    writer.join()
    if failures:
        raise failures[0]
    conn.executemany("INSERT INTO case_counters(day, last) VALUES (?, ?)", sorted(counters.items()))
    conn.execute("UPDATE search_progress SET upto = ?", (n,))  # indexed as it was loaded
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


async def _prepare(path: Path, seed: int) -> Org:
    db = await Database(path, readers=1, tz=TZ).open()  # runs the migrations
    try:
        return await create_org(db, seed)
    finally:
        await db.close()


def migration_hashes() -> dict[str, str]:
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()[:16] for _, path in available()}


def load_meta(folder: Path, cases: int, log=print) -> dict | None:
    """The meta of a finished build of `cases` cases whose applied migrations are still the same files.

    New migrations are fine (the benchmark's first Database.open applies them); a migration file that
    changed after it was applied here means the schema may differ from production: rebuild.
    """
    meta_path = folder / META_FILE
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text("utf-8"))
    if meta.get("cases") != cases or not meta.get("complete"):
        return None
    now = migration_hashes()
    changed = [n for n, h in meta.get("migrations", {}).items() if n in now and now[n] != h]
    if changed:
        log(f"  migrations changed since the build ({', '.join(changed)}): rebuilding")
        return None
    meta["migrations"] = {**meta.get("migrations", {}), **now}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    return meta


def build(data_dir: Path, cases: int, seed: int, log=print) -> tuple[dict, float, bool]:
    """The database for `cases` cases: (meta, build seconds, reused?)."""
    folder = database_dir(data_dir, cases)
    meta = load_meta(folder, cases, log)
    if meta is not None:
        return meta, meta["build_seconds"], True
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    path = folder / "hotline.sqlite3"
    started = time.perf_counter()
    org = asyncio.run(_prepare(path, seed))
    log(f"  schema, {len(org.departments)} departments and users created through the services "
        f"({time.perf_counter() - started:.1f} s)")
    bulk_insert(path, org, cases, seed, log)
    # The bulk load runs with synchronous=OFF: its gigabytes go to disk now, not behind the first
    # measured commits' fsyncs (which would then time the build's write-back).
    os.sync()
    seconds = time.perf_counter() - started
    meta = {"cases": cases, "seed": seed, "complete": True, "build_seconds": round(seconds, 1),
            "built_at": fmt(local_now()), "password": PASSWORD, "migrations": migration_hashes(),
            "org": org.to_json()}
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    return meta, seconds, False
