"""The link's health as plain data, for `/healthz`, the UI and logs."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class LinkState:
    """A snapshot: `up` means connected *and* logged in; failures keep their last reason and time."""
    up: bool
    last_failure: str
    last_failure_at: datetime | None
    connected_since: datetime | None
    attempts: int           # connection attempts so far, including the first
    sessions: int           # attempts that reached "logged in"
    backlog: int            # messages waiting for room in the sink
    backpressure_pauses: int
    varset_dropped: int
    events_ignored: int     # events the consumer does not read, dropped unparsed
    malformed_lines: int
    dropped_frames: int     # frames with neither Event nor Response, or oversized
