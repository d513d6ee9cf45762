"""The recording hook: a small valid WAV per answered call, at the path MIXMONITOR_FILENAME announces.

Asterisk's MixMonitor writes 8 kHz 16-bit mono PCM for the `wav` format and creates the file when recording
starts; the simulator does the same (an empty WAV at start, a few seconds of tone and silence at the end).
"""
from __future__ import annotations

import asyncio
import math
import struct
import wave
from datetime import datetime
from pathlib import Path
from typing import Callable

RATE = 8000


def tone_frames(seconds: float, freq: float = 425.0) -> bytes:
    """425 Hz (the Chinese ring-back frequency) for half of each second, silence for the other half."""
    total = int(max(0.0, seconds) * RATE)
    samples = []
    for n in range(total):
        on = (n % RATE) < RATE // 2
        samples.append(int(8000 * math.sin(2 * math.pi * freq * n / RATE)) if on else 0)
    return struct.pack(f"<{len(samples)}h", *samples)


def write_wav(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(tone_frames(seconds))
    tmp.replace(path)


LegacyHook = Callable[[Path, str, datetime], object]


class Recorder:
    """One WAV per answered call; with `legacy`, also what the old recorder wrote (a blocking hook, run in a thread)."""

    def __init__(self, folder: Path, max_seconds: float = 4.0, legacy: LegacyHook | None = None) -> None:
        self.folder = Path(folder)
        self.max_seconds = max_seconds
        self.legacy = legacy

    def path_for(self, announced: str) -> Path:
        """The announced name is absolute under the folder (monitor_dir = folder) or relative to it."""
        p = Path(announced)
        return p if p.is_absolute() else self.folder / p

    async def start(self, announced: str) -> None:
        await asyncio.to_thread(write_wav, self.path_for(announced), 0.0)

    async def finish(self, announced: str, talk_seconds: float, caller_number: str = "",
                     answered: datetime | None = None) -> None:
        seconds = min(max(talk_seconds, 0.5), self.max_seconds)
        path = self.path_for(announced)
        await asyncio.to_thread(write_wav, path, seconds)
        if self.legacy is not None and answered is not None:
            await asyncio.to_thread(self.legacy, path, caller_number, answered)
