"""Watching the recorder's and the PBX's folders without blocking the event loop.

Polling, not inotify: the folders are often network shares (the legacy recorder ran on Windows),
where change notifications do not arrive. Each scan is one `os.scandir` walk in the default
executor; a file is taken only once it has stopped changing (same size and mtime in two scans and
older than `settle_seconds`), and files already handled are remembered in `recording_files`, so a
restart does not copy and decode everything again.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from recordings import matcher
from recordings.ingest import Result
from recordings.model import Outcome, Source
from recordings.service import RecordingService
from recordings.storage import RecordingStore

log = logging.getLogger(__name__)
AUDIO_SUFFIXES = frozenset({".wma", ".asf", ".wav", ".wav49", ".gsm", ".mp3", ".ogg"})
INDEX_SUFFIXES = frozenset({".csv", ".tsv", ".idx"})
DEFER_SECONDS = 30.0
REMATCH_EVERY = 15  # scans


@dataclass(frozen=True)
class Entry:
    path: Path
    size: int
    mtime_ns: int

    @property
    def key(self) -> tuple[int, int]:
        return self.size, self.mtime_ns


def scan(root: Path) -> tuple[list[Entry], list[Entry]]:
    """Blocking (run in an executor): audio files and index files under `root`, skipping hidden and
    partial files (`.part`, `.tmp`) that their writers have not finished."""
    audio, index, stack = [], [], [root]
    while stack:
        try:
            with os.scandir(stack.pop()) as it:
                for item in it:
                    if item.name.startswith(".") or item.name.endswith((".part", ".tmp")):
                        continue
                    if item.is_dir(follow_symlinks=False):
                        stack.append(Path(item.path))
                        continue
                    suffix = os.path.splitext(item.name)[1].lower()
                    if suffix in AUDIO_SUFFIXES or suffix in INDEX_SUFFIXES:
                        st = item.stat()
                        found = Entry(Path(item.path), st.st_size, st.st_mtime_ns)
                        (audio if suffix in AUDIO_SUFFIXES else index).append(found)
        except OSError as err:  # a folder removed or unreadable mid-scan: the next scan tries again
            log.warning("cannot scan %s: %s", root, err)
    return sorted(audio, key=lambda e: e.mtime_ns), index


def read_index(path: Path) -> bytes:
    return path.read_bytes()


async def load_indexes(service: RecordingService, entries: list[Entry], known: dict[str, tuple[int, int]]) -> None:
    """(Re)read the index files that changed since the last scan into the service's lookup."""
    for entry in entries:
        if known.get(str(entry.path)) == entry.key:
            continue
        try:
            raw = await asyncio.to_thread(read_index, entry.path)
        except OSError as err:
            log.warning("cannot read index %s: %s", entry.path, err)
            continue
        folder = str(entry.path.parent).replace("\\", "/")
        service.index.by_folder.setdefault(folder, {}).update(
            matcher.parse_index(matcher.decode_index(raw), service.db.tz))
        known[str(entry.path)] = entry.key


async def remember(service: RecordingService, entry: Entry, result: Result) -> None:
    async with service.db.transaction() as conn:
        await RecordingStore(conn, service.db.tz).mark_file(str(entry.path), entry.size, entry.mtime_ns,
                                                            result.outcome.value, result.recording_id, service.clock())


class FolderWatcher:
    def __init__(self, service: RecordingService, root: Path, source: Source, poll_seconds: float,
                 settle_seconds: float) -> None:
        self.service, self.root, self.source = service, Path(root), source
        self.poll, self.settle = poll_seconds, settle_seconds
        self.handled: dict[str, tuple[int, int]] = {}
        self.previous: dict[str, tuple[int, int]] = {}
        self.deferred: dict[str, tuple[tuple[int, int], float]] = {}
        self.indexes: dict[str, tuple[int, int]] = {}
        self.scans = 0

    async def run(self) -> None:
        """Forever: scan, ingest what settled, sleep. Cancelled at shutdown (between or inside a file)."""
        await asyncio.to_thread(self.root.mkdir, parents=True, exist_ok=True)
        async with self.service.db.reader() as conn:
            self.handled = await RecordingStore(conn, self.service.db.tz).seen_files(str(self.root))
        log.info("watching %s for %s recordings (%d files known)", self.root, self.source.value, len(self.handled))
        while True:
            await self.cycle()
            await asyncio.sleep(self.poll)

    def _ready(self, entry: Entry, now: float) -> bool:
        key = str(entry.path)
        if self.handled.get(key) == entry.key:
            return False
        waiting = self.deferred.get(key)
        if waiting is not None and waiting[0] == entry.key and now < waiting[1]:
            return False
        stable = self.previous.get(key) == entry.key
        return stable and (time.time() - entry.mtime_ns / 1e9) >= self.settle

    async def cycle(self) -> int:
        """One scan; returns how many files it handled (for tests and the bench)."""
        audio, index = await asyncio.get_running_loop().run_in_executor(None, scan, self.root)
        await load_indexes(self.service, index, self.indexes)
        now, handled = time.monotonic(), 0
        for entry in audio:
            if self._ready(entry, now):
                handled += await self._one(entry, now)
        self.previous = {str(e.path): e.key for e in audio}
        self.scans += 1
        if self.scans % REMATCH_EVERY == 0:
            await self.service.rematch()
        return handled

    async def _one(self, entry: Entry, now: float) -> int:
        key = str(entry.path)
        try:
            result = await self.service.ingest(entry.path, self.source, live=True)
        except OSError as err:  # vanished or unreadable: try again later
            log.warning("cannot ingest %s: %s", entry.path, err)
            self.deferred[key] = (entry.key, now + DEFER_SECONDS)
            return 0
        if result.outcome is Outcome.DEFERRED:
            self.deferred[key] = (entry.key, now + DEFER_SECONDS)
            return 0
        self.deferred.pop(key, None)
        await remember(self.service, entry, result)
        self.handled[key] = entry.key
        return 1
