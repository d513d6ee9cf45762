"""Casework benchmark (issue 2): a database of N cases, then in the same run

1. the build time (or the reused database's),
2. full lifecycle cycles/s through CaseService vs raw aiosqlite update+insert transactions,
3. Chinese keyword search p50/p95 (FTS through CaseService.search) vs a LIKE scan,
4. the supervision list's five tabs, first and hundredth page, p95,
5. resident memory of a real `hotline serve` process on that database.

    .venv/bin/python bench/casework.py [--cases 1000000] [--data-dir var/bench]
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if sys.path and Path(sys.path[0]).resolve() == ROOT / "bench":
    sys.path[0] = str(ROOT)  # this file is named casework.py: do not let it shadow the casework package

import argparse  # noqa: E402
import asyncio  # noqa: E402
import os  # noqa: E402
import time  # noqa: E402

from bench.casework_build import build, database_dir  # noqa: E402
from bench.casework_lifecycle import STEPS, lifecycle  # noqa: E402
from bench.casework_org import Org  # noqa: E402
from bench.casework_queries import reads  # noqa: E402
from bench.casework_server import server_memory  # noqa: E402

AIM_RATIO, AIM_SEARCH_P95, AIM_SEARCH_X, AIM_TAB_P95 = 0.5, 50.0, 20.0, 100.0


def log(message: str) -> None:
    print(message, flush=True)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=1_000_000, help="cases in the database (default 1,000,000)")
    p.add_argument("--data-dir", type=Path, default=Path("var/bench"), help="where the databases live")
    p.add_argument("--cycles", type=int, default=1000,
                   help="full lifecycle cycles to time (default 1000: about 4 s of service time, in 5 rounds; "
                        "a few hundred leave the figure to the first cycles' cold caches and the disk's moods)")
    p.add_argument("--search-repeats", type=int, default=5, help="timed FTS searches per keyword")
    p.add_argument("--like-repeats", type=int, default=3, help="timed LIKE scans per keyword")
    p.add_argument("--tab-repeats", type=int, default=10, help="timed requests per tab and page")
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--no-server", action="store_true", help="skip the server memory measurement")
    return p.parse_args(argv)


def mark(ok: bool) -> str:
    return "OK  " if ok else "MISS"


def size_text(folder: Path) -> str:
    total = sum(f.stat().st_size for f in folder.glob("hotline.sqlite3*"))
    return f"{total / 2**30:.2f} GiB"


def print_search(search: dict) -> None:
    log(f"  {'keyword':<10}{'matches':>9}  {'FTS ms':>8}  {'LIKE page ms':>12}  {'LIKE page+count ms':>18}  "
        f"same top 20")
    for r in search["keywords"]:
        fts, like, counted = (median(r[k]) for k in ("fts_ms", "like_ms", "like_count_ms"))
        total = f"{r['total']}{'+' if r['capped'] else ''}"
        log(f"  {r['keyword']:<{10 - len(r['keyword'])}}{total:>9}  {fts:>8.1f}  {like:>12.1f}  {counted:>18.1f}  "
            f"{'yes' if r['same'] else 'NO'}")


def median(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2]


def print_tabs(tabs: list[dict]) -> None:
    for r in tabs:
        total = f"{r['total']}{'+' if r['capped'] else ''}"
        log(f"  {r['tab']:<17} page {r['page']:>3}: p50 {r['p50']:7.1f} ms  p95 {r['p95']:7.1f} ms  "
            f"({r['items']} rows, total {total})")


def _lifecycle_lines(life: dict) -> list[str]:
    return [
        f"lifecycle (service)  : {life['cycles_per_s']:8.2f} cycles/s   ({life['cycles']} cycles x {STEPS} "
        f"transactions through CaseService)",
        f"baseline (raw)       : {life['raw_tx_per_s']:8.1f} tx/s = {life['raw_cycles_per_s']:.2f} cycles/s "
        f"(aiosqlite, WAL, synchronous=FULL, 1 UPDATE + 1 INSERT per tx)",
        f"lifecycle ratio      : {life['ratio']:8.2f}   aim >= {AIM_RATIO}   {mark(life['ratio'] >= AIM_RATIO)}"]


def _search_lines(search: dict) -> list[str]:
    lines = [f"search FTS p50/p95   : {search['fts_p50']:8.1f} / {search['fts_p95']:.1f} ms   aim p95 <= "
             f"{AIM_SEARCH_P95:.0f} ms   {mark(search['fts_p95'] <= AIM_SEARCH_P95)}   "
             f"(CaseService.search: page + capped total)"]
    for key, label in (("like", "LIKE page"), ("like_count", "LIKE pg+count")):
        ratio = search[f"{key}_ratio_p95"]
        lines.append(f"search {label:<14}: {search[f'{key}_p50']:8.1f} / {search[f'{key}_p95']:.1f} ms   ratio "
                     f"p50 {search[f'{key}_ratio_p50']:.1f}x, p95 {ratio:.1f}x   aim >= {AIM_SEARCH_X:.0f}x   "
                     f"{mark(ratio >= AIM_SEARCH_X)}")
    return lines


def _tab_lines(tabs: list[dict]) -> list[str]:
    lines = [f"tab p95 {r['tab'] + ' p' + str(r['page']):<21}: {r['p95']:8.1f} ms   aim <= {AIM_TAB_P95:.0f} ms   "
             f"{mark(r['p95'] <= AIM_TAB_P95)}" for r in tabs]
    worst = max(tabs, key=lambda r: r["p95"])
    return lines + [f"tabs worst p95       : {worst['p95']:8.1f} ms ({worst['tab']} page {worst['page']})"]


def _server_lines(server: dict | None) -> list[str]:
    if not server:
        return ["server memory        : not measured (--no-server)"]
    return [f"server memory        : VmRSS {server['VmRSS'] / 1024:.0f} MiB, VmHWM {server['VmHWM'] / 1024:.0f} MiB "
            f"(idle after start {server['idle'].get('VmRSS', 0) / 1024:.0f} MiB; measured after login, "
            f"{len(server['lists_ms'])} tab pages and {len(server['searches_ms'])} searches over HTTP)"]


def summary(args: argparse.Namespace, folder: Path, build_s: float, reused: bool, life: dict, search: dict,
            tabs: list[dict], server: dict | None) -> None:
    reuse_note = "  (reused: built earlier with the same --cases)" if reused else ""
    lines = [f"CASEWORK BENCHMARK SUMMARY  ({args.cases:,} cases, database {size_text(folder)}, {folder})",
             "=" * 100, f"build                : {build_s:8.1f} s{reuse_note}",
             *_lifecycle_lines(life), *_search_lines(search), *_tab_lines(tabs), *_server_lines(server),
             f"load average         : {' '.join(f'{x:.2f}' for x in os.getloadavg())} (1/5/15 min, 2 cores; "
             f"other sessions' tests share this machine)"]
    log("\n" + "=" * 100)
    for line in lines:
        log(line)
    log("=" * 100)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    log(f"[1/5] database of {args.cases:,} cases under {args.data_dir}")
    meta, build_s, reused = build(args.data_dir, args.cases, args.seed, log)
    folder, org = database_dir(args.data_dir, args.cases), Org.from_json(meta["org"])
    path = folder / "hotline.sqlite3"
    log(f"  {'reused' if reused else 'built'}: {path} ({size_text(folder)}), build time {build_s:.1f} s")
    log(f"[2/5] lifecycle: {args.cycles} cycles through CaseService vs raw aiosqlite")
    life = asyncio.run(lifecycle(path, org, args.cycles))
    log(f"  service {life['service_s']:.1f} s, raw {life['raw_s']:.1f} s")
    log("[3/5] search and [4/5] supervision tabs")
    search, tabs = asyncio.run(reads(path, org, args.search_repeats, args.like_repeats, args.tab_repeats))
    print_search(search)
    print_tabs(tabs)
    server = None
    if not args.no_server:
        log("[5/5] server memory")
        server = server_memory(folder, org.supervisors[0].username, meta["password"])
        log(f"  ready in {server['ready_s']:.1f} s; tab pages over HTTP max {max(server['lists_ms']):.0f} ms, "
            f"searches max {max(server['searches_ms']):.0f} ms")
    summary(args, folder, build_s, reused, life, search, tabs, server)
    log(f"total benchmark time {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
