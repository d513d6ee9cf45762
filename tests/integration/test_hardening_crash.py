"""kill -9 in the middle of a burst of 500 registrations: after a restart on the same data folder, every
case that was acknowledged with 201 is there (by id and number, through the API), searchable, once."""
from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from tests.integration.test_durability import data_with_call_taker, free_port, wait_healthy
from tests.support import Api

HOTLINE = [sys.executable, "-m", "web.cli"]
BURST, WRITERS, KILL_AFTER, DEADLINE = 500, 25, 200, 60.0


def _serve(data: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([*HOTLINE, "serve", "--data-dir", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def _burst(api: Api, acknowledged: dict[int, str], refused: list[int]) -> int:
    """Send BURST registrations from WRITERS concurrent clients until the server dies; how many were sent."""
    queue = iter(range(BURST))
    sent = 0
    started = time.monotonic()

    async def writer() -> None:
        nonlocal sent
        for i in queue:
            if time.monotonic() - started > DEADLINE:
                return
            sent += 1
            try:
                status, body = await api.call("POST", "/cases", {
                    "title": f"断电测试{i:03d}号", "content": f"第{i}件 kill -9 测试", "case_type": "consultation",
                    "route": "centre", "caller_phone": "13800138000"})
            except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError):
                return
            if status == 201:
                acknowledged[body["id"]] = body["number"]
            else:
                refused.append(status)

    await asyncio.gather(*(writer() for _ in range(WRITERS)))
    return sent


@pytest.mark.slow
async def test_kill_9_during_500_registrations_loses_no_acknowledged_case(tmp_path: Path) -> None:
    data, env = data_with_call_taker(tmp_path)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = _serve(data, port, env)
    acknowledged: dict[int, str] = {}
    refused: list[int] = []
    try:
        await wait_healthy(base, proc)
        api = await Api(base).login("ct")
        burst = asyncio.create_task(_burst(api, acknowledged, refused))
        for _ in range(int(DEADLINE * 100)):
            if len(acknowledged) >= KILL_AFTER or burst.done():
                break
            await asyncio.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        sent = await asyncio.wait_for(burst, DEADLINE)
        await api.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert refused == [] and KILL_AFTER <= len(acknowledged) < BURST, (len(acknowledged), refused)

    proc = _serve(data, port, env)
    try:
        await wait_healthy(base, proc)
        api = await Api(base).login("ct")
        found = 0
        for case_id, number in acknowledged.items():
            status, case = await api.call("GET", f"/cases/{case_id}")
            assert status == 200 and case["number"] == number, (case_id, number, status)
            found += 1
        listed = await api.ok("GET", "/cases", params={"per_page": 1, "q": "断电测试"})
        numbers = [c["number"] for c in (await api.ok("GET", "/cases", params={"per_page": 100}))["items"]]
        assert len(numbers) == len(set(numbers))
        assert listed["total"] >= len(acknowledged)
        assert (await api.ok("POST", "/cases", {"title": "重启后登记", "content": "重启后", "case_type": "consultation",
                                                "route": "centre"}, status=201))["id"] > max(acknowledged)
        await api.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    print(f"\nkill -9: {sent} sent, {len(acknowledged)} acknowledged with 201, {found} found after restart")
