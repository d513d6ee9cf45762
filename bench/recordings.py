"""Recordings benchmark: transcoding throughput against plain ffmpeg, and event-loop lag during a bulk import.

    .venv/bin/python -m bench.recordings [--files 200] [--pool N]

1. Throughput, in audio seconds per wall second, for the same files in the same run: the platform's
   Transcoder (pool, timeout, cache, kill-on-cancel) against the plain ffmpeg command line with the
   same arguments run N at a time. Aim: ratio ≥ 0.8.
2. The largest event-loop lag of the real application (create_app) while it
   imports every file (`recordings import`'s code path) and another process keeps loading pages.
   Aim: ≤ 50 ms.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import aiohttp
from aiohttp import web

from casework.domain.enums import Role
from config.settings import Settings, load_settings
from recordings.cli import import_with
from recordings.ffmpeg import FFmpeg, resolve_binary
from web.keys import RECORDINGS
from recordings.legacy import gsm_capable_ffmpeg, synth
from recordings.transcode import FORMATS, Transcoder, command
from web.app import create_app
from web.keys import SERVICES

PASSWORD = "Bench-Passw0rd!"
BASELINE_SECONDS = 5.0
CHEAP = {"HOTLINE_SECURITY__ARGON2_TIME_COST": "1", "HOTLINE_SECURITY__ARGON2_MEMORY_KIB": "1024",
         "HOTLINE_SECURITY__ARGON2_PARALLELISM": "1"}


def make_files(folder: Path, count: int, binary: str) -> list[tuple[Path, float]]:
    """`count` real recordings, 20–120 s: mostly legacy WMA, some PBX WAV and (if an encoder exists) GSM."""
    gsm = gsm_capable_ffmpeg(binary)
    specs = []
    for i in range(count):
        seconds = 20 + (i * 37) % 101
        kind = "gsm" if gsm and i % 10 == 9 else ("pcm" if i % 5 == 4 else "wmav2")
        suffix = {"wmav2": "wma", "pcm": "wav", "gsm": "gsm"}[kind]
        name = f"1380013{i:04d}_20260928{9 + i // 60:02d}{i % 60:02d}00.{suffix}"
        specs.append((folder / name, float(seconds), kind, 300 + i * 3))  # a tone of its own: no duplicates
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        list(pool.map(lambda s: synth(gsm if s[2] == "gsm" else binary, s[0], s[1], s[2], frequency=s[3]), specs))
    return [(path, seconds) for path, seconds, _, _ in specs]


def plain_ffmpeg(binary: str, files: list[tuple[Path, float]], out: Path, pool: int) -> float:
    """Wall seconds for the plain command line (same arguments), `pool` processes at a time."""
    out.mkdir(parents=True, exist_ok=True)
    fmt = FORMATS["ogg"]

    def run(item: tuple[int, tuple[Path, float]]) -> None:
        i, (path, _) = item
        subprocess.run([binary, "-hide_banner", "-nostdin", "-nostats", *command(path, fmt, out / f"{i}.ogg")],
                       check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    started = time.perf_counter()
    with ThreadPoolExecutor(pool) as executor:
        list(executor.map(run, enumerate(files)))
    return time.perf_counter() - started


async def platform_transcoder(binary: str, files: list[tuple[Path, float]], cache: Path, pool: int) -> float:
    transcoder = Transcoder(FFmpeg(binary, pool), cache, timeout=600)
    fmt = FORMATS["ogg"]
    started = time.perf_counter()
    await asyncio.gather(*(transcoder.ensure(path, hashlib.sha256(str(path).encode()).hexdigest(), fmt,
                                             interactive=False) for path, _ in files))
    return time.perf_counter() - started


def throughput(binary: str, files: list[tuple[Path, float]], work: Path, pool: int) -> dict[str, float]:
    audio = sum(seconds for _, seconds in files)
    runs: dict[str, list[float]] = {"plain": [], "platform": []}
    for attempt in range(2):  # alternate, so neither side alone profits from a warm disk cache
        runs["plain"].append(plain_ffmpeg(binary, files, work / f"plain{attempt}", pool))
        runs["platform"].append(asyncio.run(platform_transcoder(binary, files, work / f"cache{attempt}", pool)))
    plain, platform = audio / min(runs["plain"]), audio / min(runs["platform"])
    return {"audio_s": audio, "plain": plain, "platform": platform, "ratio": platform / plain}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def page_client(base: str, stop: "multiprocessing.synchronize.Event", results: "multiprocessing.Queue") -> None:
    """Another process (so its own work is not the server loop's lag): log in, load pages until told to stop."""
    async def main() -> list[float]:
        times: list[float] = []
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.post(f"{base}/api/v1/auth/login", json={"username": "bench_sup",
                                                                       "password": PASSWORD}) as r:
                assert r.status == 200, await r.text()
            pages = ["/recordings", "/api/v1/recordings/unmatched?per_page=50", "/recordings?tab=quarantine",
                     "/lists/dispatch", "/healthz"]
            while not stop.is_set():
                for page in pages:
                    t0 = time.perf_counter()
                    async with session.get(base + page) as resp:
                        await resp.read()
                        assert resp.status == 200, (page, resp.status)
                    times.append((time.perf_counter() - t0) * 1000)
        return times
    results.put(asyncio.run(main()))


async def watch_lag(lags: list[float], stop: asyncio.Event, interval: float = 0.005) -> None:
    while not stop.is_set():
        t0 = time.perf_counter()
        await asyncio.sleep(interval)
        lags.append((time.perf_counter() - t0 - interval) * 1000)


async def lag_during(work, keep: dict | None = None) -> list[float]:
    """The loop's lags (ms, sorted) while `work` runs; its result goes into keep["result"]."""
    lags, stop = [], asyncio.Event()
    monitor = asyncio.get_running_loop().create_task(watch_lag(lags, stop), name="lag-monitor")
    try:
        result = await work
    finally:
        stop.set()
        await monitor
    if keep is not None:
        keep["result"] = result
    return sorted(lags)


async def _seed(app: web.Application) -> None:
    svc = app[SERVICES]
    centre = await svc.reference.add_department("市12345热线监督指挥中心", "centre")
    await svc.accounts.add_user(username="bench_sup", name="压测监督", password=PASSWORD,
                                roles=frozenset({Role.SUPERVISOR}), department_id=centre.id, leader_scope=frozenset())


async def import_under_load(settings: Settings, folder: Path) -> dict[str, float]:
    app = create_app(settings)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    ctx = multiprocessing.get_context("spawn")
    stop_client, results = ctx.Event(), ctx.Queue()
    try:
        await _seed(app)
        client = ctx.Process(target=page_client, args=(f"http://127.0.0.1:{port}", stop_client, results))
        client.start()
        await asyncio.sleep(1.0)  # the client logs in and starts loading pages
        idle = await lag_during(asyncio.sleep(BASELINE_SECONDS))  # the same page load, no import: the baseline
        started = time.perf_counter()
        lags = await lag_during(import_with(app[RECORDINGS], folder), keep := {})
        wall, summary = time.perf_counter() - started, keep["result"]
        stop_client.set()
        pages = await asyncio.to_thread(results.get, True, 60)
        await asyncio.to_thread(client.join, 30)
    finally:
        await runner.cleanup()
    return {"files": sum(summary.counts.values()), "imported": summary.imported, "wall_s": wall,
            "audio_s": summary.audio_seconds, "lag_max": lags[-1], "lag_p99": lags[int(len(lags) * 0.99)],
            "idle_max": idle[-1], "idle_p99": idle[int(len(idle) * 0.99)],
            "pages": len(pages), "page_p50": statistics.median(pages), "page_max": max(pages)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--pool", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    binary = resolve_binary("")
    with tempfile.TemporaryDirectory(prefix="bench-recordings-") as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        files = make_files(work / "in", args.files, binary)
        print(f"{len(files)} files, {sum(s for _, s in files) / 3600:.2f} h of audio, made in "
              f"{time.perf_counter() - t0:.1f} s; ffmpeg {binary}; pool {args.pool}")
        t = throughput(binary, files, work, args.pool)
        print(f"transcoding to Opus/Ogg: platform {t['platform']:.0f} audio-s/s, plain ffmpeg {t['plain']:.0f} "
              f"audio-s/s, ratio {t['ratio']:.2f} (aim >= 0.80) {'OK' if t['ratio'] >= 0.8 else 'BELOW AIM'}")
        base = load_settings(environ=CHEAP).with_overrides(data_dir=work / "data")
        settings = replace(base, recordings=replace(base.recordings, pool_size=args.pool))
        r = asyncio.run(import_under_load(settings, work / "in"))
        print(f"bulk import: {r['imported']}/{r['files']} files imported in {r['wall_s']:.1f} s "
              f"({r['files'] / r['wall_s']:.1f} files/s, {r['audio_s'] / r['wall_s']:.0f} audio-s/s) while "
              f"{r['pages']} pages were served (p50 {r['page_p50']:.1f} ms, max {r['page_max']:.1f} ms)")
        print(f"event loop lag during the import: max {r['lag_max']:.1f} ms, p99 {r['lag_p99']:.1f} ms "
              f"(aim max <= 50 ms) {'OK' if r['lag_max'] <= 50 else 'ABOVE AIM'}; same pages without an import "
              f"(baseline, {BASELINE_SECONDS:.0f} s): max {r['idle_max']:.1f} ms, p99 {r['idle_p99']:.1f} ms; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
