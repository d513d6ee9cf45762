"""Event fan-out: every emitted event is framed once and handed to each logged-in session."""
from __future__ import annotations

from collections import deque
from typing import Iterable, Protocol

from .fields import category_of
from .protocol import encode


class Subscriber(Protocol):
    def deliver(self, category: str, data: bytes) -> None: ...


class EventBus:
    def __init__(self, system_name: str = "", log_size: int = 50_000) -> None:
        self.system_name = system_name
        self.sessions: set[Subscriber] = set()
        self.log: deque[tuple[str, tuple[tuple[str, str], ...]]] = deque(maxlen=log_size)
        self.count = 0

    def emit(self, event: str, fields: Iterable[tuple[str, str]], category: str | None = None) -> None:
        cat = category or category_of(event)
        body = tuple(fields)
        head = [("Event", event), ("Privilege", f"{cat},all")]
        if self.system_name:
            head.append(("SystemName", self.system_name))
        data = encode(head + list(body))
        self.count += 1
        self.log.append((event, body))
        for session in list(self.sessions):
            session.deliver(cat, data)

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are, to every logged-in session (malformed frames, cut UTF-8 …)."""
        for session in list(self.sessions):
            session.deliver("", data)

    def events_for(self, linkedid: str) -> list[tuple[str, dict[str, str]]]:
        """Every logged event of one call (by Linkedid), fields as a dict (first value of a key wins)."""
        out = []
        for event, body in self.log:
            if ("Linkedid", linkedid) in body or ("DestLinkedid", linkedid) in body:
                fields: dict[str, str] = {}
                for key, value in body:
                    fields.setdefault(key, value)
                out.append((event, fields))
        return out
