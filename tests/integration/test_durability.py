"""A killed server loses no committed case: SIGKILL during a write burst, then reopen the file."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.support import PASSWORD, Api

HOTLINE = [sys.executable, "-m", "web.cli"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_healthy(base: str, proc: subprocess.Popen, timeout: float = 20) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(int(timeout * 10)):
            assert proc.poll() is None, "server exited early"
            try:
                async with session.get(f"{base}/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("server never became healthy")


def data_with_call_taker(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A data folder holding one call-taker `ct`, made by the real command line; and the environment to serve it."""
    data = tmp_path / "data"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    subprocess.run([*HOTLINE, "user", "add", "--data-dir", str(data), "--username", "ct", "--name", "话务员",
                    "--role", "call_taker", "--password", PASSWORD], check=True, env=env, capture_output=True)
    return data, env


@pytest.mark.slow
async def test_sigkill_during_write_burst_loses_no_acknowledged_case(tmp_path: Path) -> None:
    data, env = data_with_call_taker(tmp_path)
    port = free_port()
    proc = subprocess.Popen([*HOTLINE, "serve", "--data-dir", str(data), "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    acknowledged: list[str] = []
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_healthy(base, proc)
        api = await Api(base).login("ct")

        async def writer(n: int) -> None:
            for i in range(1000):
                try:
                    status, body = await api.call("POST", "/cases", {
                        "title": f"写入压力{n}-{i}", "content": "测试内容", "case_type": "consultation", "route": "centre"})
                except (aiohttp.ClientError, asyncio.TimeoutError):
                    return
                if status == 201:
                    acknowledged.append(body["number"])

        tasks = [asyncio.create_task(writer(n)) for n in range(4)]
        while len(acknowledged) < 60:
            await asyncio.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        await asyncio.gather(*tasks)
        await api.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    conn = sqlite3.connect(data / "hotline.sqlite3")
    stored = {row[0] for row in conn.execute("SELECT number FROM cases")}
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert len(acknowledged) >= 60
    assert set(acknowledged) <= stored


async def test_a_migration_numbered_below_the_newest_applied_is_still_applied(tmp_path: Path) -> None:
    import aiosqlite

    from casework.db.migrate import migrate
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "0001_a.sql").write_text("CREATE TABLE a (x INTEGER);")
    (folder / "0003_c.sql").write_text("CREATE TABLE c (x INTEGER);")
    async with aiosqlite.connect(tmp_path / "m.sqlite3", isolation_level=None) as conn:
        assert await migrate(conn, folder) == 3
        (folder / "0002_b.sql").write_text("CREATE TABLE b (x INTEGER);")
        assert await migrate(conn, folder) == 3
        tables = {r[0] for r in await conn.execute_fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"a", "b", "c"} <= tables
        assert await migrate(conn, folder) == 3
