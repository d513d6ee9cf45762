"""Resident memory of a real `hotline serve` process on the benchmark database.

Starts the server as a subprocess, waits for /healthz, logs in as a supervisor over HTTP, opens the
five supervision tabs (first and hundredth page) and runs the search keywords, then reads
VmRSS/VmHWM from /proc/<pid>/status and stops the server.
"""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import aiohttp

from bench.casework_queries import KEYWORDS, PAGES, TABS

ROOT = Path(__file__).resolve().parents[1]
HOTLINE = ROOT / ".venv" / "bin" / "hotline"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM in KiB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


async def _wait_ready(session: aiohttp.ClientSession, base: str, proc: subprocess.Popen, limit: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            async with session.get(f"{base}/healthz") as resp:
                if resp.status == 200:
                    return time.perf_counter() - started
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("server did not become ready")


async def _get(session: aiohttp.ClientSession, url: str, headers: dict) -> float:
    t0 = time.perf_counter()
    async with session.get(url, headers=headers) as resp:
        await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {url} -> {resp.status}")
    return (time.perf_counter() - t0) * 1000


async def _exercise(base: str, proc: subprocess.Popen, username: str, password: str) -> dict:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        ready_s = await _wait_ready(session, base, proc, 180)
        idle = memory(proc.pid)
        async with session.post(f"{base}/api/v1/auth/login", json={"username": username, "password": password}) as r:
            body = await r.json()
            if r.status != 200 or "hotline_session" not in {c.key for c in jar}:
                raise RuntimeError(f"login failed: {r.status} {body}")
        headers = {"X-CSRF-Token": body["csrf_token"]}
        lists = [await _get(session, f"{base}/api/v1/lists/{tab}?page={p}", headers) for tab in TABS for p in PAGES]
        searches = [await _get(session, f"{base}/api/v1/cases?q={kw}", headers) for kw in KEYWORDS]
        async with session.post(f"{base}/api/v1/auth/logout", headers=headers) as r:
            await r.read()
    return {"ready_s": ready_s, "idle": idle, "lists_ms": lists, "searches_ms": searches}


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_memory(folder: Path, username: str, password: str) -> dict:
    port, log_path = free_port(), folder / "bench-server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([str(HOTLINE), "serve", "--data-dir", str(folder.resolve()), "--host", "127.0.0.1",
                                 "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                                env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            result = asyncio.run(_exercise(f"http://127.0.0.1:{port}", proc, username, password))
            result.update(memory(proc.pid), pid=proc.pid, log=str(log_path))
        finally:
            _stop(proc)
    return result
