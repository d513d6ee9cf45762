"""Pure matching rules: which call a recording file belongs to (domain.md §9, manual 5.4).

Four rules, tried in this order by the service, each from the strongest evidence to the weakest:
1. the legacy recorder's index file names the file with its caller number and start time (or the
   PBX's unique id);
2. the file name is the one the PBX announced in the call's MIXMONITOR_FILENAME;
3. the file name carries the PBX's unique id of the call (Asterisk's `1714529410.26`);
4. the file name carries the caller number and the start time, and exactly one call of that number
   was offered or answered within the tolerance.
Nothing here reads files or the database, so each rule is tested on its own.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePath, PurePosixPath, PureWindowsPath
from zoneinfo import ZoneInfo

from recordings.model import MatchRule
from telephony.calls.records import normalize_number

UNIQUE_ID = re.compile(r"(?<![\d.])(\d{9,11}\.\d{1,6})(?![\d.])")
TIMESTAMP = re.compile(r"(?<!\d)(20\d\d)[-_.]?([01]\d)[-_.]?([0-3]\d)[-_ T.]?([0-2]\d)[-_.:]?([0-5]\d)[-_.:]?([0-5]\d)"
                       r"(?!\d)")
PHONE = re.compile(r"\+?\d+(?:-\d+)*")
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                "%Y/%m/%d %H:%M")
HEADERS = {"file": ("file", "filename", "文件", "文件名", "录音文件"),
           "number": ("caller", "number", "caller_number", "主叫", "号码", "来电号码", "主叫号码"),
           "start": ("start", "time", "start_time", "开始时间", "时间", "录音时间"),
           "linked_id": ("linked_id", "linkedid", "uniqueid", "unique_id", "通话标识")}
AMBIGUOUS_SECONDS = 1.0


@dataclass(frozen=True)
class NameKeys:
    """What a file name tells about its call."""
    stem: str
    number: str
    started_at: datetime | None
    unique_id: str


@dataclass(frozen=True)
class IndexEntry:
    file: str
    number: str
    started_at: datetime | None
    linked_id: str


@dataclass(frozen=True)
class CallCandidate:
    id: int
    linked_id: str
    caller_number: str
    offered_at: datetime
    answered_at: datetime | None
    recording: str


@dataclass(frozen=True)
class Decision:
    """The call a rule chose, or none with a note saying why (shown in the unmatched list)."""
    call_id: int | None
    rule: MatchRule
    note: str = ""


NO_MATCH = Decision(None, MatchRule.NONE)


def base_name(path: str) -> str:
    """The last component of a path written by Linux or Windows (the legacy recorder ran on Windows)."""
    return PureWindowsPath(PurePosixPath(path).name).name if path else ""


def _timestamp(stem: str, tz: ZoneInfo) -> tuple[datetime | None, tuple[int, int] | None]:
    for m in TIMESTAMP.finditer(stem):
        try:
            return datetime(*(int(g) for g in m.groups()), tzinfo=tz), m.span()
        except ValueError:
            continue
    return None, None


def _blank(text: str, span: tuple[int, int] | None) -> str:
    return text if span is None else text[:span[0]] + " " + text[span[1]:]


def parse_name(name: str, tz: ZoneInfo) -> NameKeys:
    """Caller number, start time and PBX unique id, as far as the name carries them.

    Handles the legacy recorder's `13800138000_20240501101010.wma`, `0898-66668888 2024-05-01 10-10-10.wma`
    and FreePBX's `q-hotline-13800138000-20240501-101010-1714529410.26.wav`.
    """
    stem = PurePath(base_name(name)).stem if "." in base_name(name) else base_name(name)
    uid_match = UNIQUE_ID.search(stem)
    rest = _blank(stem, uid_match.span() if uid_match else None)
    started, span = _timestamp(rest, tz)
    rest = _blank(rest, span)
    runs = [normalize_number(m.group()) for m in PHONE.finditer(rest)]
    numbers = [r for r in runs if 5 <= len(r) <= 12] or [r for r in runs if 13 <= len(r) <= 15]
    number = max(numbers, key=len) if numbers else ""  # a phone number is at most 12 digits here
    return NameKeys(stem, number, started, uid_match.group(1) if uid_match else "")


def parse_time(text: str, tz: ZoneInfo) -> datetime | None:
    text = text.strip()
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


def decode_index(raw: bytes) -> str:
    """Index files come from a Chinese Windows recorder: UTF-8 (with or without BOM) or GBK/GB18030."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def _columns(header: list[str]) -> dict[str, int] | None:
    found = {}
    for i, cell in enumerate(header):
        for key, names in HEADERS.items():
            if cell.strip().lower() in names:
                found[key] = i
    return found if "file" in found else None


def parse_index(text: str, tz: ZoneInfo) -> dict[str, IndexEntry]:
    """The index file's rows by lower-cased file name; with a header row its columns may come in any order,
    without one they are file, caller number, start time and (optionally) the PBX's unique id."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return {}
    delimiter = "\t" if "\t" in lines[0] else ("," if "," in lines[0] else ";")
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    columns = _columns(rows[0])
    if columns is None:
        columns = {"file": 0, "number": 1, "start": 2, "linked_id": 3}
    else:
        rows = rows[1:]
    entries = {}
    for row in rows:
        cell = {k: (row[i].strip() if i < len(row) else "") for k, i in columns.items()}
        name = base_name(cell.get("file", ""))
        if not name:
            continue
        entries[name.lower()] = IndexEntry(name, normalize_number(cell.get("number", "")),
                                           parse_time(cell.get("start", ""), tz), cell.get("linked_id", ""))
    return entries


def by_recording_name(name: str, candidates: list[CallCandidate]) -> Decision:
    """The PBX announced this very file (MIXMONITOR_FILENAME), with or without its folder or extension."""
    wanted = base_name(name).lower()
    wanted_stem = PurePath(wanted).stem
    for call in candidates:
        announced = base_name(call.recording).lower()
        if announced and (announced == wanted or PurePath(announced).stem == wanted_stem):
            return Decision(call.id, MatchRule.MIXMONITOR, call.recording)
    return NO_MATCH


def by_unique_id(unique_id: str, candidates: list[CallCandidate]) -> Decision:
    for call in candidates:
        if unique_id and call.linked_id == unique_id:
            return Decision(call.id, MatchRule.UNIQUE_ID, unique_id)
    return NO_MATCH


def _distance(call: CallCandidate, started: datetime) -> float:
    times = [t for t in (call.answered_at, call.offered_at) if t is not None]
    return min(abs((t - started).total_seconds()) for t in times)


def by_number_and_time(number: str, started: datetime | None, candidates: list[CallCandidate],
                       tolerance: timedelta, rule: MatchRule = MatchRule.NAME_TIME) -> Decision:
    """The one call of this number offered or answered within the tolerance of the start time.

    Two calls about equally near (within a second of each other) are not guessed between: the file
    waits for a supervisor, with a note saying so.
    """
    if not number or started is None:
        return NO_MATCH
    near = sorted(((_distance(c, started), c) for c in candidates
                   if normalize_number(c.caller_number) == number), key=lambda pair: (pair[0], pair[1].id))
    near = [(d, c) for d, c in near if d <= tolerance.total_seconds()]
    if not near:
        return Decision(None, MatchRule.NONE, f"{number} 在 {started:%Y-%m-%d %H:%M:%S} 前后没有来电")
    if len(near) > 1 and near[1][0] - near[0][0] < AMBIGUOUS_SECONDS:
        return Decision(None, MatchRule.NONE, f"{number} 有 {len(near)} 个时间相近的来电，需人工关联")
    distance, call = near[0]
    return Decision(call.id, rule, f"相差 {distance:.0f} 秒")


def window(started: datetime, tolerance: timedelta) -> tuple[datetime, datetime]:
    """Offered-at bounds that cover every call which could be answered within the tolerance (a caller
    waits in the queue at most an hour, longer than any hotline's queue timeout)."""
    return started - tolerance - timedelta(hours=1), started + tolerance
