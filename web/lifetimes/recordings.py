"""The recordings lifetime: the service (after the casework services exist), one named, supervised,
cancellable task per watched folder; on shutdown the tasks are cancelled and any running ffmpeg killed.
"""
from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import AsyncIterator

from aiohttp import web

from config.settings import Settings
from recordings.model import Source
from recordings.service import RecordingService
from recordings.watcher import FolderWatcher
from web.background import supervised
from web.keys import CLOCK, DATABASE, RECORDING_TASKS, RECORDINGS, SERVICES, SETTINGS

log = logging.getLogger(__name__)


def watched_folders(settings: Settings) -> list[tuple[Source, Path]]:
    """The configured folders; with the built-in PBX simulator, the folder it records into by default."""
    rs, folders = settings.recordings, []
    simulated = settings.pbx.enabled and settings.pbx.simulate
    wma_dir = rs.wma_dir if rs.wma_dir is not None or not simulated else settings.storage.recordings_dir / "wma"
    if wma_dir is not None:
        folders.append((Source.WMA, wma_dir))
    pbx_dir = rs.pbx_dir
    if pbx_dir is None and settings.pbx.enabled and settings.pbx.simulate:
        pbx_dir = settings.storage.recordings_dir / "pbx"
    if pbx_dir is not None:
        folders.append((Source.PBX, pbx_dir))
    return folders


async def recordings_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    service = RecordingService(app[DATABASE], app[CLOCK], settings, app[SERVICES].cases)
    app[RECORDINGS] = service
    loop, tasks = asyncio.get_running_loop(), []
    for source, folder in watched_folders(settings):
        watcher = FolderWatcher(service, folder, source, settings.recordings.poll_seconds,
                                settings.recordings.settle_seconds)
        name = f"recordings-watch-{source.value}"
        tasks.append(loop.create_task(supervised(name, watcher.run), name=name))
    app[RECORDING_TASKS] = tasks
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await service.close()
