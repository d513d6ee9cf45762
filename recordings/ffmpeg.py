"""The one ffmpeg every recording job runs, and the one way a job's process is started and ended.

The binary comes from the imageio-ffmpeg package by default, so a fresh install needs no system
package; a configured path (or "system") wins. pydub (used only for the legacy recorder's WMA
copies, recordings/legacy.py) is pointed at the same binary.

Every process is started with `spawn`: at most `pool_size` run at once (a semaphore, so waiting
costs no thread), and whatever ends the caller — success, error, timeout or cancellation because
the browser went away — the process is killed if still running and awaited, so none is left behind.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

from recordings.model import Busy

log = logging.getLogger(__name__)
MAX_STDERR_LINES = 64


def resolve_binary(configured: str = "") -> str:
    """The ffmpeg to run: a configured path, "system" for the one on PATH, else imageio-ffmpeg's."""
    if configured and configured != "system":
        if not Path(configured).exists():
            raise FileNotFoundError(f"configured ffmpeg not found: {configured}")
        return configured
    if configured == "system":
        found = shutil.which("ffmpeg")
        if found is None:
            raise FileNotFoundError("ffmpeg = \"system\" but no ffmpeg on PATH")
        return found
    import imageio_ffmpeg
    return imageio_ffmpeg.get_ffmpeg_exe()


def point_pydub_at(binary: str) -> None:
    """pydub (used for the legacy recorder's WMA copies) shells out to `AudioSegment.converter`."""
    from pydub import AudioSegment
    AudioSegment.converter = binary


@dataclass
class FFmpeg:
    """A bounded pool of ffmpeg processes. `max_waiting` bounds the queue: past it callers get 503."""
    binary: str
    pool_size: int = 2
    max_waiting: int = 64
    niceness: int = 10
    running: set[asyncio.subprocess.Process] = field(default_factory=set)
    _slots: asyncio.Semaphore | None = None
    _waiting: int = 0

    @property
    def slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.pool_size)
        return self._slots

    @asynccontextmanager
    async def slot(self, *, wait: bool = True) -> AsyncIterator[None]:
        """One place in the pool; with wait=False (browser requests) a full queue answers 503 at once."""
        if not wait and self._waiting >= self.max_waiting:
            raise Busy()
        self._waiting += 1
        try:
            await self.slots.acquire()
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self.slots.release()

    def _lower_priority(self, pid: int) -> None:
        """ffmpeg is background work: a transcode or an import must not take the CPU from the web process."""
        if self.niceness and hasattr(os, "setpriority"):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, self.niceness)

    @asynccontextmanager
    async def spawn(self, *args: str, stdout: int | None = asyncio.subprocess.PIPE
                    ) -> AsyncIterator[asyncio.subprocess.Process]:
        """Start `ffmpeg args…` (inside a slot the caller holds); kill and await it on the way out."""
        proc = await asyncio.create_subprocess_exec(
            self.binary, "-hide_banner", "-nostdin", "-nostats", *args, stdin=asyncio.subprocess.DEVNULL,
            stdout=stdout if stdout is not None else asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            close_fds=False)  # posix_spawn: cheaper for a process started per file
        self.running.add(proc)
        try:
            self._lower_priority(proc.pid)
            yield proc
        finally:
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
            await proc.wait()
            self.running.discard(proc)


async def collect_stderr(proc: asyncio.subprocess.Process, lines: list[str]) -> None:
    """Read ffmpeg's log to the end (so the pipe never fills), keeping the first lines for the reason."""
    assert proc.stderr is not None
    while chunk := await proc.stderr.readline():
        if len(lines) < MAX_STDERR_LINES:
            lines.append(chunk.decode("utf-8", errors="replace").rstrip())


async def finish_task(task: asyncio.Task[None], timeout: float = 1.0) -> None:
    """Let a helper task (stderr reader) finish draining, or cancel it."""
    if task.done():
        return
    try:
        await asyncio.wait_for(task, timeout=timeout)
    except (TimeoutError, asyncio.TimeoutError):
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
