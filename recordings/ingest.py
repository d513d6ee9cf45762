"""One file in: copy it, check it, find its call, store it — or quarantine it with the reason.

The source file is only ever read: the copy under the data folder is what gets checked (the source
may still change), stored under its checksum, and played. The copy keeps the source's extension
because raw GSM has no magic number and ffmpeg recognises it by the name.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import secrets
import time
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from casework.clock import Clock
from casework.db.database import Database
from recordings import matcher as m
from recordings.ffmpeg import FFmpeg
from recordings.matcher import Decision, IndexEntry, NameKeys
from recordings.model import AudioInfo, BadAudio, MatchRule, Outcome, Reason, Source
from recordings.probe import probe
from recordings.storage import RecordingStore

log = logging.getLogger(__name__)
COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Folders:
    store: Path
    quarantine: Path

    @property
    def incoming(self) -> Path:
        return self.store / ".incoming"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: Reason | None = None
    seconds: float = 0.0
    recording_id: int | None = None


def copy_hashing(src: Path, dst: Path) -> tuple[str, int]:
    """Blocking (run in a thread): copy and checksum in one pass, fsync so a stored recording survives power loss."""
    digest, size = hashlib.sha256(), 0
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as fin, dst.open("wb") as fout:
        while chunk := fin.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return digest.hexdigest(), size


def _place(tmp: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, target)


async def decide(store: RecordingStore, name: str, keys: NameKeys, entry: IndexEntry | None,
                 tolerance: timedelta, around: datetime) -> Decision:
    """The four rules of recordings/matcher.py, strongest first; the last rule's note explains a miss."""
    note = ""
    if entry is not None:
        if entry.linked_id:
            found = m.by_unique_id(entry.linked_id, await store.calls_by_linked_id(entry.linked_id))
            if found.call_id:
                return replace(found, rule=MatchRule.INDEX)
        if entry.number and entry.started_at:
            lo, hi = m.window(entry.started_at, tolerance)
            found = m.by_number_and_time(entry.number, entry.started_at, await store.calls_of_number(entry.number, lo, hi),
                                         tolerance, MatchRule.INDEX)
            if found.call_id:
                return found
            note = found.note
    centre = keys.started_at or around
    found = m.by_recording_name(name, await store.calls_named(name, centre - timedelta(days=1),
                                                              centre + timedelta(days=1)))
    if found.call_id is None and keys.unique_id:
        found = m.by_unique_id(keys.unique_id, await store.calls_by_linked_id(keys.unique_id))
    if found.call_id is None and keys.number and keys.started_at:
        lo, hi = m.window(keys.started_at, tolerance)
        found = m.by_number_and_time(keys.number, keys.started_at, await store.calls_of_number(keys.number, lo, hi),
                                     tolerance)
    return found if found.call_id or not note else replace(found, note=note)


class Ingestor:
    def __init__(self, db: Database, clock: Clock, ff: FFmpeg, folders: Folders, tolerance_seconds: float,
                 timeout: float, grace_seconds: float) -> None:
        self.db, self.clock, self.ff, self.folders = db, clock, ff, folders
        self.tolerance = timedelta(seconds=tolerance_seconds)
        self.timeout, self.grace = timeout, grace_seconds

    async def ingest(self, path: Path, source: Source, entry: IndexEntry | None = None, *,
                     live: bool = False) -> Result:
        """Never raises for a bad file: the worst outcome is quarantine. `live` (folder watching) defers
        files that may still be being written: empty and young, or belonging to a call not yet ended."""
        stat = await asyncio.to_thread(path.stat)
        young = live and (time.time() - stat.st_mtime) < self.grace  # file age is physical time, not the clock
        if stat.st_size == 0:
            if young:
                return Result(Outcome.DEFERRED)
            return await self._quarantine(path, source, None, 0, "", BadAudio(Reason.EMPTY, "文件大小为 0"))
        keys = m.parse_name(path.name, self.db.tz)
        mtime = datetime.fromtimestamp(stat.st_mtime, self.db.tz)
        async with self.db.reader() as conn:
            store = RecordingStore(conn, self.db.tz)
            decision = await decide(store, path.name, keys, entry, self.tolerance, mtime)
            state = await store.call_state(decision.call_id) if young and decision.call_id else None
            if state is not None and not state[1]:
                return Result(Outcome.DEFERRED)  # the call is still going on: MixMonitor is still writing
        tmp = self.folders.incoming / f"{secrets.token_hex(8)}{path.suffix.lower()}"
        try:
            return await self._checked(path, source, tmp, keys, entry, decision, young)
        finally:
            await asyncio.to_thread(tmp.unlink, missing_ok=True)

    async def _checked(self, path: Path, source: Source, tmp: Path, keys: NameKeys, entry: IndexEntry | None,
                       decision: Decision, young: bool) -> Result:
        sha, size = await asyncio.to_thread(copy_hashing, path, tmp)
        async with self.db.reader() as conn:
            if await RecordingStore(conn, self.db.tz).known_sha(sha):
                return Result(Outcome.DUPLICATE)
        try:
            info = await probe(self.ff, tmp, self.timeout)
        except BadAudio as bad:
            if young and bad.reason in (Reason.EMPTY, Reason.TRUNCATED):
                return Result(Outcome.DEFERRED)  # still being written
            return await self._quarantine(path, source, tmp, size, sha, bad)
        return await self._store(path, source, tmp, sha, size, info, keys, entry, decision)

    async def _store(self, path: Path, source: Source, tmp: Path, sha: str, size: int, info: AudioInfo,
                     keys: NameKeys, entry: IndexEntry | None, decision: Decision) -> Result:
        stored = f"{sha[:2]}/{sha}{path.suffix.lower()}"
        number = (entry.number if entry and entry.number else "") or keys.number
        started = (entry.started_at if entry and entry.started_at else None) or keys.started_at
        async with self.db.transaction() as conn:
            store = RecordingStore(conn, self.db.tz)
            if await store.known_sha(sha):
                return Result(Outcome.DUPLICATE)
            rec_id = await store.add({
                "source": source.value, "original_name": path.name, "source_path": str(path), "stored_name": stored,
                "sha256": sha, "size": size, "container": info.container, "codec": info.codec,
                "sample_rate": info.sample_rate, "channels": info.channels, "duration_ms": info.duration_ms,
                "peaks": info.peaks, "caller_number": number, "started_at": store.t(started),
                "unique_id": (entry.linked_id if entry else "") or keys.unique_id, "call_id": decision.call_id,
                "match_rule": decision.rule.value, "match_note": decision.note, "imported_at": store.t(self.clock())})
            await asyncio.to_thread(_place, tmp, self.folders.store / stored)
        outcome = Outcome.MATCHED if decision.call_id else Outcome.UNMATCHED
        return Result(outcome, None, info.duration_ms / 1000, rec_id)

    async def _quarantine(self, path: Path, source: Source, tmp: Path | None, size: int, sha: str,
                          bad: BadAudio) -> Result:
        """Keep a copy for the technician (the source may be cleaned up by its owner) and say why."""
        stored = ""
        if tmp is not None:
            stored = f"{self.clock():%Y%m%d}/{secrets.token_hex(4)}-{path.name}"
            await asyncio.to_thread(_place, tmp, self.folders.quarantine / stored)
        async with self.db.transaction() as conn:
            await RecordingStore(conn, self.db.tz).quarantine(source, path.name, str(path), stored, size, sha,
                                                              bad.reason, bad.detail, self.clock())
        log.warning("recording quarantined (%s): %s %s", bad.reason.value, path, bad.detail)
        return Result(Outcome.QUARANTINED, bad.reason)

    async def rematch(self, since: datetime, index: "IndexLookup", limit: int = 200) -> int:
        """Try the unmatched recordings again: the call record may have been written after the file arrived."""
        async with self.db.reader() as conn:
            store = RecordingStore(conn, self.db.tz)
            pending = await store.unmatched_since(since, limit)
            found = []
            for rec in pending:
                keys = m.parse_name(rec.original_name, self.db.tz)
                decision = await decide(store, rec.original_name, keys, index(rec.source_path), self.tolerance,
                                        rec.started_at or rec.imported_at)
                if decision.call_id:
                    found.append((rec.id, decision))
        if found:
            async with self.db.transaction() as conn:
                store = RecordingStore(conn, self.db.tz)
                for rec_id, decision in found:
                    await store.set_link(rec_id, decision.call_id, None, decision.rule, decision.note, None, None)
        return len(found)


class IndexLookup:
    """The index entry of a file, by its full path (index files describe the files in their own folder)."""

    def __init__(self) -> None:
        self.by_folder: dict[str, dict[str, IndexEntry]] = {}

    def __call__(self, path: str) -> IndexEntry | None:
        folder, _, name = path.replace("\\", "/").rpartition("/")
        return self.by_folder.get(folder, {}).get(name.lower())

