"""Inspecting a file before it becomes a recording: is it audio, is it whole, how long, what it looks like.

imageio-ffmpeg ships ffmpeg without ffprobe, so the probe decodes the whole file once with ffmpeg
(to 4 kHz mono 8-bit PCM on a pipe): a file that decodes is playable, the sample count is its true
duration, and the same samples give the waveform's peaks, so the player never decodes anything.
Container headers that state a size (ASF, WAV) or a frame size (raw GSM) also catch files cut short
by a crashed recorder or an interrupted copy, which ffmpeg alone would decode without complaint.
"""
from __future__ import annotations

import asyncio
import re
import struct
import uuid
from pathlib import Path

from recordings.ffmpeg import FFmpeg, collect_stderr, finish_task
from recordings.model import AudioInfo, BadAudio, Reason

ASF_HEADER = uuid.UUID("75B22630-668E-11CF-A6D9-00AA0062CE6C").bytes_le
ASF_FILE_PROPERTIES = uuid.UUID("8CABDCA1-A947-11CF-8EE4-00C00C205365").bytes_le
GSM_FRAME = 33
RATE = 4000  # decoded for measuring and drawing only; playback transcodes the original
BUCKET = RATE // 50  # one peak per 20 ms before reduction
ABS = bytes(min(127, abs(i - 128)) for i in range(256))  # unsigned 8-bit sample → its amplitude
QUIET = 8  # amplitudes below 8/127 (-24 dBFS) are not stretched to full height
PEAKS = 600
CHUNK = 64 * 1024
STREAM = re.compile(r"Stream #\d+:\d+.*?: Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+)")
INPUT = re.compile(r"Input #0, ([\w,]+), from")
DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")


def sniff(head: bytes, name: str) -> str | None:
    """The container by its first bytes (never by the name alone, except raw GSM which has no magic)."""
    if head.startswith(ASF_HEADER):
        return "asf"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    if name.lower().endswith(".gsm") and head and head[0] >> 4 == 0xD:
        return "gsm"
    return None


def _asf_problem(data: bytes, size: int) -> str | None:
    at = data.find(ASF_FILE_PROPERTIES)
    if at < 0 or len(data) < at + 92:
        return None if at < 0 else "ASF 文件头不完整"
    declared = struct.unpack_from("<Q", data, at + 40)[0]
    broadcast = struct.unpack_from("<I", data, at + 88)[0] & 1
    if not broadcast and declared > size:
        return f"文件头声明 {declared} 字节，实际只有 {size} 字节"
    return None


def _wav_problem(data: bytes, size: int) -> str | None:
    """A data chunk that claims more bytes than the file holds. 0 and 0xFFFFFFFF mean "unknown" (streamed)."""
    at = 12
    while at + 8 <= len(data):
        tag, length = data[at:at + 4], struct.unpack_from("<I", data, at + 4)[0]
        if tag == b"data":
            if length in (0, 0xFFFFFFFF):
                return None
            if at + 8 + length > size:
                return f"数据块声明 {length} 字节，实际只有 {size - at - 8} 字节"
            return None
        at += 8 + length + (length & 1)
    return None


def header_problem(path: Path, container: str, size: int) -> str | None:
    """Blocking (run in a thread): what the container's own header says about the file being cut short."""
    if container == "gsm":
        return f"GSM 帧不完整（{size} 字节不是 {GSM_FRAME} 的整数倍）" if size % GSM_FRAME else None
    if container not in ("asf", "wav"):
        return None
    with path.open("rb") as f:
        data = f.read(64 * 1024)
    return _asf_problem(data, size) if container == "asf" else _wav_problem(data, size)


def read_head(path: Path) -> tuple[int, bytes]:
    with path.open("rb") as f:
        head = f.read(64)
    return path.stat().st_size, head


class PeakMeter:
    """Running peaks of 8-bit samples, 20 ms each, reduced at the end to a fixed number for the canvas.

    8-bit at 4 kHz is plenty for a picture of a phone call and keeps the Python work per audio second
    small (one `translate` and one `max` over 80 bytes per 20 ms), which matters: it runs on the loop."""

    def __init__(self) -> None:
        self.buckets: list[int] = []
        self.samples = 0
        self._open = b""

    def feed(self, data: bytes) -> None:
        self.samples += len(data)
        data = self._open + data.translate(ABS)
        full = len(data) - len(data) % BUCKET
        self.buckets.extend([max(data[i:i + BUCKET]) for i in range(0, full, BUCKET)])
        self._open = data[full:]

    def peaks(self, count: int = PEAKS) -> bytes:
        """`count` values 0–255; quiet recordings are scaled up, but never noise to full height."""
        buckets = self.buckets + ([max(self._open)] if self._open else [])
        if not buckets:
            return b""
        groups = min(count, len(buckets))
        step = len(buckets) / groups
        values = [max(buckets[int(i * step):max(int((i + 1) * step), int(i * step) + 1)]) for i in range(groups)]
        top = max(max(values), QUIET)
        return bytes(min(255, round(v * 255 / top)) for v in values)


def _stream_facts(log: list[str]) -> tuple[str, str, int, int, float | None]:
    container, codec, rate, channels, declared = "", "", 0, 0, None
    for line in log:
        if (m := INPUT.search(line)) and not container:
            container = m.group(1).split(",")[0]
        if (m := STREAM.search(line)) and not codec:
            layout = m.group(3).strip()
            codec, rate = m.group(1), int(m.group(2))
            channels = {"mono": 1, "stereo": 2}.get(layout, int(layout.split()[0]) if layout[:1].isdigit() else 1)
        if (m := DURATION.search(line)) and declared is None:
            declared = int(m.group(1)) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    return container, codec, rate, channels, declared


LEVEL = re.compile(r"^.*?\[(?:error|fatal)\] ")


def _errors(log: list[str]) -> list[str]:
    return [LEVEL.sub("", line) for line in log if LEVEL.match(line)]


def judge(log: list[str], returncode: int, meter: PeakMeter) -> AudioInfo:
    """Turn ffmpeg's log, exit status and the decoded samples into an AudioInfo or a BadAudio reason."""
    container, codec, rate, channels, declared = _stream_facts(log)
    errors = _errors(log)
    if not codec:
        raise BadAudio(Reason.CORRUPT, "; ".join(errors[-2:]) or "没有音频流")
    if returncode != 0:
        raise BadAudio(Reason.CORRUPT, "; ".join(errors[-2:]) or f"ffmpeg 退出码 {returncode}")
    seconds = meter.samples / RATE
    if meter.samples == 0:
        raise BadAudio(Reason.EMPTY, "解码后没有声音数据")
    if errors and declared and seconds < declared * 0.9:
        raise BadAudio(Reason.CORRUPT, f"只能解码 {seconds:.1f} / {declared:.1f} 秒：{errors[0]}")
    return AudioInfo(container, codec, rate, channels, round(seconds * 1000), meter.peaks())


async def decode(ff: FFmpeg, path: Path) -> AudioInfo:
    """One ffmpeg run over the whole file (the caller holds a pool slot and the timeout)."""
    args = ["-loglevel", "level+info", "-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(RATE),
            "-f", "u8", "pipe:1"]
    meter, log = PeakMeter(), []
    async with ff.spawn(*args) as proc:
        assert proc.stdout is not None
        errors = asyncio.get_running_loop().create_task(collect_stderr(proc, log), name="ffmpeg-probe-stderr")
        try:
            while chunk := await proc.stdout.read(CHUNK):
                meter.feed(chunk)  # well under a millisecond per chunk; then let the loop serve others
                await asyncio.sleep(0)
            returncode = await proc.wait()
        finally:
            await finish_task(errors)
    return judge(log, returncode, meter)


async def probe(ff: FFmpeg, path: Path, timeout: float) -> AudioInfo:
    """Check and measure one file; raises BadAudio with the reason it must be quarantined."""
    size, head = await asyncio.to_thread(read_head, path)
    if size == 0:
        raise BadAudio(Reason.EMPTY, "文件大小为 0")
    container = sniff(head, path.name)
    if container is None:
        raise BadAudio(Reason.NOT_AUDIO, f"文件开头不是已知的音频格式（{head[:8].hex()}）")
    problem = await asyncio.to_thread(header_problem, path, container, size)
    if problem:
        raise BadAudio(Reason.TRUNCATED, problem)
    async with ff.slot():
        try:
            async with asyncio.timeout(timeout):
                return await decode(ff, path)
        except TimeoutError:
            raise BadAudio(Reason.TIMEOUT, f"解码超过 {timeout:.0f} 秒") from None
