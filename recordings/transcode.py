"""Transcoding recordings to what every browser plays: Opus in Ogg or WebM, MP3 as the fallback.

Each (file, format) is transcoded once into the cache, named by the file's checksum, and then served
as a static file (so HTTP Range requests and seeking come for free). Requests for the same file
share one job. The job runs in the ffmpeg pool with a timeout; when every request waiting for it
has gone away (the browser closed the tab) the job is cancelled, which kills its ffmpeg process
and removes the partial output.

pydub would build the same ffmpeg command (`export(format="ogg", codec="libopus")`), but its export
blocks a thread in `Popen.communicate()` with no timeout and no handle on the process, so the
command is run here directly, through the pool that can kill it.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from recordings.ffmpeg import FFmpeg, collect_stderr, finish_task

log = logging.getLogger(__name__)
VERSION = 1  # part of every cache file name: bump when the arguments below change
POLL_SECONDS = 0.2
COMMON = ("-map", "0:a:0", "-ac", "1", "-map_metadata", "-1", "-vn")


@dataclass(frozen=True)
class Format:
    name: str
    content_type: str
    args: tuple[str, ...]


OPUS = ("-c:a", "libopus", "-b:a", "24k", "-application", "voip")
FORMATS = {
    "ogg": Format("ogg", "audio/ogg", (*OPUS, "-f", "ogg")),
    "webm": Format("webm", "audio/webm", (*OPUS, "-f", "webm")),
    "mp3": Format("mp3", "audio/mpeg", ("-c:a", "libmp3lame", "-b:a", "32k", "-ar", "22050", "-f", "mp3")),
}


class TranscodeFailed(Exception):
    pass


class ClientGone(Exception):
    """Every request that wanted this transcode went away before it finished."""


def command(source: Path, fmt: Format, target: Path) -> list[str]:
    """The ffmpeg arguments (after the binary) for one transcode; the bench runs exactly these too."""
    return ["-loglevel", "error", "-i", str(source), *COMMON, *fmt.args, "-y", str(target)]


@dataclass
class _Job:
    task: asyncio.Task[Path]
    waiters: int = 0


class Transcoder:
    def __init__(self, ff: FFmpeg, cache_dir: Path, timeout: float) -> None:
        self.ff, self.cache_dir, self.timeout = ff, Path(cache_dir), timeout
        self._jobs: dict[Path, _Job] = {}

    def target(self, sha256: str, fmt: Format) -> Path:
        return self.cache_dir / sha256[:2] / f"{sha256}.v{VERSION}.{fmt.name}"

    async def ensure(self, source: Path, sha256: str, fmt: Format, gone: Callable[[], bool] = lambda: False,
                     *, interactive: bool = True) -> Path:
        """The cached transcode, made now if missing. `gone()` says the caller's client disconnected;
        `interactive` callers get 503 at once when the pool's queue is full instead of waiting."""
        target = self.target(sha256, fmt)
        if await asyncio.to_thread(target.exists):
            return target
        job = self._jobs.get(target)
        if job is None or job.task.cancelling():  # a job being cancelled is not joined, but replaced
            task = asyncio.get_running_loop().create_task(self._run(source, fmt, target, interactive),
                                                          name=f"transcode-{sha256[:12]}.{fmt.name}")
            job = self._jobs[target] = _Job(task)
        job.waiters += 1
        try:
            while True:
                done, _ = await asyncio.wait({job.task}, timeout=POLL_SECONDS)
                if done:
                    return job.task.result()
                if gone():
                    raise ClientGone()
        finally:
            job.waiters -= 1
            if job.waiters == 0 and not job.task.done():
                job.task.cancel()  # nobody wants it any more: kill ffmpeg, drop the partial file

    async def _run(self, source: Path, fmt: Format, target: Path, interactive: bool) -> Path:
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            await asyncio.to_thread(target.parent.mkdir, parents=True, exist_ok=True)
            async with self.ff.slot(wait=not interactive):
                async with asyncio.timeout(self.timeout):
                    await self._ffmpeg(command(source, fmt, tmp))
            await asyncio.to_thread(os.replace, tmp, target)
            return target
        except TimeoutError:
            raise TranscodeFailed(f"转码超过 {self.timeout:.0f} 秒") from None
        finally:
            job = self._jobs.get(target)
            if job is not None and job.task is asyncio.current_task():
                del self._jobs[target]
            await asyncio.to_thread(tmp.unlink, missing_ok=True)

    async def _ffmpeg(self, args: list[str]) -> None:
        lines: list[str] = []
        async with self.ff.spawn(*args, stdout=None) as proc:
            reader = asyncio.get_running_loop().create_task(collect_stderr(proc, lines), name="ffmpeg-stderr")
            try:
                code = await proc.wait()
            finally:
                await finish_task(reader)
        if code != 0:
            log.error("ffmpeg failed (%s): %s", code, " | ".join(lines[-5:]))
            raise TranscodeFailed("; ".join(lines[-2:]) or f"ffmpeg 退出码 {code}")

    @property
    def active(self) -> int:
        return len(self._jobs)

    async def close(self) -> None:
        """Cancel every job (their ffmpeg processes are killed) and wait for them to end."""
        tasks = [job.task for job in self._jobs.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
