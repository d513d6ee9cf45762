"""`hotline recordings import DIR` and `hotline recordings retention`.

A bulk import (an archive of the legacy recorder's WMA files, a copy of the PBX's monitor folder)
goes through exactly the ingest the watchers use, `pool_size` files at a time, with a progress bar
and a summary; a bad file is quarantined and the import goes on.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import time
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from casework.cases.service import CaseService
from casework.clock import system_clock
from casework.db.database import Database
from casework.demo.generator import progress
from casework.reference.service import ReferenceService
from config.settings import Settings, load_settings
from recordings.ingest import Result
from recordings.model import ImportSummary, Outcome, Source
from recordings.service import RecordingService
from recordings.watcher import load_indexes, remember, scan

log = logging.getLogger(__name__)
Progress = Callable[[int, int, float], None]


def _bar(done: int, total: int, started: float) -> None:
    progress(done, total, started, label="导入录音")


async def import_with(service: RecordingService, folder: Path, *, source: Source = Source.IMPORT,
                      on_progress: Progress | None = None) -> ImportSummary:
    """Import every audio file under `folder` with an existing service (the command and the bench)."""
    audio, index = await asyncio.get_running_loop().run_in_executor(None, scan, Path(folder))
    await load_indexes(service, index, {})
    summary, started, done = ImportSummary(), time.perf_counter(), 0
    queue: asyncio.Queue = asyncio.Queue()
    for entry in audio:
        queue.put_nowait(entry)

    async def worker() -> None:
        """`pool_size` workers, so a folder of 100 000 files is not 100 000 waiting tasks."""
        nonlocal done
        while not queue.empty():
            entry = queue.get_nowait()
            try:
                result = await service.ingest(entry.path, source)
            except OSError as err:  # unreadable or vanished: reported, the import goes on
                log.warning("cannot import %s: %s", entry.path, err)
                result = Result(Outcome.DEFERRED)
            else:
                await remember(service, entry, result)
            summary.add(result.outcome, result.reason, result.seconds)
            done += 1
            if on_progress is not None and (done % 5 == 0 or done == len(audio)):
                on_progress(done, len(audio), started)

    await asyncio.gather(*(worker() for _ in range(max(1, service.ff.pool_size))))
    if on_progress is not None and not audio:
        on_progress(0, 0, started)
    return summary


async def import_folder(settings: Settings, folder: Path, *, show_progress: bool = True) -> ImportSummary:
    """`hotline recordings import DIR`: open the database, import, close."""
    tz = ZoneInfo(settings.casework.timezone)
    db = await Database(settings.storage.database_path, readers=2, tz=tz).open()
    clock = system_clock(tz)
    service = RecordingService(db, clock, settings, CaseService(db, clock, ReferenceService(db)))
    try:
        return await import_with(service, folder, on_progress=_bar if show_progress else None)
    finally:
        await service.close()
        await db.close()


async def retention_report(settings: Settings) -> list[str]:
    tz = ZoneInfo(settings.casework.timezone)
    db = await Database(settings.storage.database_path, readers=1, tz=tz).open()
    clock = system_clock(tz)
    try:
        report = await RecordingService(db, clock, settings, CaseService(db, clock, ReferenceService(db))).retention()
    finally:
        await db.close()
    lines = [f"保存期限 {report.retention_days} 天（{report.cutoff:%Y-%m-%d} 之前）：超期录音 {report.count} 个，"
             f"共 {report.total_bytes / 1024 / 1024:.1f} MB" + (f"，最早 {report.oldest:%Y-%m-%d}" if report.oldest else "")]
    lines += [f"  #{r.id} {r.original_name} {r.duration_label} {'已关联' if r.matched else '未匹配'}" for r in report.items]
    lines.append("本报告只列出超期录音，不会删除任何文件。")
    return lines


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config", None)).with_overrides(data_dir=getattr(args, "data_dir", None))


def cmd_import(args: argparse.Namespace) -> int:
    folder = Path(args.folder)
    if not folder.is_dir():
        print(f"错误：目录不存在：{folder}", file=sys.stderr)
        return 2
    summary = asyncio.run(import_folder(_settings(args), folder, show_progress=not args.quiet))
    for line in summary.lines():
        print(line)
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    for line in asyncio.run(retention_report(_settings(args))):
        print(line)
    return 0


def add_cli(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """`hotline recordings …`: called by web/cli.py's parser()."""
    group = subparsers.add_parser("recordings", help="录音：批量导入、保存期限报告")
    sub = group.add_subparsers(dest="recordings_command", required=True)
    imp = sub.add_parser("import", help="导入目录中的录音文件（WMA、WAV、GSM），显示进度并汇总")
    imp.add_argument("folder", help="录音文件所在目录（含子目录；索引文件 .csv/.idx 一并读取）")
    imp.add_argument("--quiet", action="store_true", help="不显示进度条")
    imp.set_defaults(func=cmd_import)
    ret = sub.add_parser("retention", help="列出超过保存期限的录音（只报告，不删除）")
    ret.set_defaults(func=cmd_retention)
    for p in (imp, ret):
        p.add_argument("--data-dir", type=Path, help="数据目录（数据库、附件、录音）")
        p.add_argument("--config", help="额外的 TOML 配置文件")

