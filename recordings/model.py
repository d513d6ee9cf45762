"""What a recording is, why a file was refused, and what an import reports.

Plain data only: the matcher, the probe and the service all speak these types, so the rules can be
tested without files, ffmpeg or a database.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from casework.domain.enums import labels_beside, vocabulary
from casework.errors import AppError

LABELS = labels_beside(__file__)
Source = vocabulary("Source", LABELS["Source"])
Reason = vocabulary("Reason", LABELS["Reason"])
MatchRule = vocabulary("MatchRule", LABELS["MatchRule"])
Outcome = vocabulary("Outcome", LABELS["Outcome"])


class BadAudio(Exception):
    """Raised by the probe: the file cannot become a recording, for `reason`."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason.value}: {detail}")
        self.reason, self.detail = reason, detail[:500]


class Busy(AppError):
    status, code, message = 503, "recordings_busy", "录音转码繁忙，请稍后再试"


@dataclass(frozen=True)
class AudioInfo:
    """What the probe learned by decoding the whole file once."""
    container: str
    codec: str
    sample_rate: int
    channels: int
    duration_ms: int
    peaks: bytes


@dataclass(frozen=True)
class Recording:
    id: int
    source: Source
    original_name: str
    source_path: str
    stored_name: str
    sha256: str
    size: int
    container: str
    codec: str
    sample_rate: int
    channels: int
    duration_ms: int
    peaks: bytes
    caller_number: str
    started_at: datetime | None
    unique_id: str
    call_id: int | None
    case_id: int | None
    match_rule: MatchRule
    match_note: str
    linked_by: int | None
    linked_at: datetime | None
    imported_at: datetime
    effective_case_id: int | None = None

    @property
    def duration_label(self) -> str:
        seconds = round(self.duration_ms / 1000)
        hours, rest = divmod(seconds, 3600)
        return (f"{hours}:" if hours else "") + f"{rest // 60:02d}:{rest % 60:02d}"

    @property
    def peaks_b64(self) -> str:
        """The peaks as the player reads them from the page: base64 is a third of a list of numbers."""
        return base64.b64encode(self.peaks).decode("ascii")

    @property
    def matched(self) -> bool:
        return self.call_id is not None or self.case_id is not None

    def to_dict(self, *, peaks: bool = False) -> dict[str, Any]:
        """JSON-ready; the waveform's peaks only when asked (a list of recordings stays small)."""
        out: dict[str, Any] = {"id": self.id, "source": self.source.value, "source_label": self.source.label,
                "name": self.original_name, "sha256": self.sha256, "size": self.size, "container": self.container,
                "codec": self.codec, "sample_rate": self.sample_rate, "channels": self.channels,
                "duration_ms": self.duration_ms, "duration": self.duration_label, "caller_number": self.caller_number,
                "started_at": self.started_at.isoformat() if self.started_at else None, "unique_id": self.unique_id,
                "call_id": self.call_id, "case_id": self.effective_case_id, "match_rule": self.match_rule.value,
                "match_label": self.match_rule.label, "match_note": self.match_note,
                "imported_at": self.imported_at.isoformat()}
        if peaks:
            out["peaks"] = list(self.peaks)
        return out


@dataclass(frozen=True)
class QuarantineItem:
    id: int
    source: Source
    original_name: str
    source_path: str
    size: int
    reason: Reason
    detail: str
    quarantined_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source.value, "name": self.original_name, "path": self.source_path,
                "size": self.size, "reason": self.reason.value, "reason_label": self.reason.label,
                "detail": self.detail, "quarantined_at": self.quarantined_at.isoformat()}


@dataclass
class ImportSummary:
    """Counts for the command line and the bench: imported = matched + unmatched."""
    counts: dict[Outcome, int] = field(default_factory=lambda: {o: 0 for o in Outcome})
    reasons: dict[Reason, int] = field(default_factory=lambda: {r: 0 for r in Reason})
    audio_seconds: float = 0.0

    def add(self, outcome: Outcome, reason: Reason | None = None, seconds: float = 0.0) -> None:
        self.counts[outcome] += 1
        if reason is not None:
            self.reasons[reason] += 1
        self.audio_seconds += seconds

    @property
    def imported(self) -> int:
        return self.counts[Outcome.MATCHED] + self.counts[Outcome.UNMATCHED]

    def lines(self) -> list[str]:
        c = self.counts
        out = [(f"导入 {self.imported} 个（已匹配 {c[Outcome.MATCHED]}，未匹配 {c[Outcome.UNMATCHED]}），"
                f"隔离 {c[Outcome.QUARANTINED]} 个，重复跳过 {c[Outcome.DUPLICATE]} 个；"
                f"录音总时长 {self.audio_seconds / 3600:.2f} 小时")]
        out += [f"  隔离原因：{r.label} {n} 个" for r, n in self.reasons.items() if n]
        if c[Outcome.DEFERRED]:
            out.append(f"  未能读取 {c[Outcome.DEFERRED]} 个（见日志），可再次导入")
        return out

    def to_dict(self) -> dict[str, int]:
        return {"imported": self.imported, **{o.value: n for o, n in self.counts.items()}}


@dataclass(frozen=True)
class RetentionReport:
    """Recordings older than the retention period: listed for a person to decide, never deleted here."""
    retention_days: int
    cutoff: datetime
    count: int
    total_bytes: int
    oldest: datetime | None
    items: list[Recording]

    def to_dict(self) -> dict[str, Any]:
        return {"retention_days": self.retention_days, "cutoff": self.cutoff.isoformat(), "count": self.count,
                "total_bytes": self.total_bytes, "oldest": self.oldest.isoformat() if self.oldest else None,
                "items": [r.to_dict() for r in self.items]}
