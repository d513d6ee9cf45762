"""The live board's picture: queues, agents and calls, with GB/T 33358's 15 s / 95 % targets."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from telephony.calls.model import CallModel
from telephony.calls.records import ANSWER_RATE_TARGET, SERVICE_LEVEL_SECONDS


def board_snapshot(model: CallModel, queues: tuple[str, ...], link: dict[str, Any], now: datetime) -> dict[str, Any]:
    level = model.service_level()
    entries = model.queue_entries()
    per_queue = []
    for queue in queues:
        waiting = [e for e in entries if e.queue == queue]
        per_queue.append({"queue": queue, "waiting": len(waiting),
                          "longest_wait": max((e.wait_seconds(now) for e in waiting), default=0),
                          "entries": [e.to_dict(now) for e in waiting]})
    return {
        "at": now.isoformat(timespec="seconds"), "link": link, "queues": per_queue,
        "today": {"offered": level.offered, "answered": level.answered, "abandoned": level.abandoned,
                  "answered_in_time": level.answered_in_time, "answer_rate": level.answer_rate,
                  "in_time_rate": level.in_time_rate, "meets_target": level.meets_target,
                  "target_seconds": SERVICE_LEVEL_SECONDS, "target_rate": ANSWER_RATE_TARGET},
        "agents": sorted((a.to_dict(now) for a in model.agents()), key=lambda a: a["interface"]),
        "calls": [c.to_dict(now) for c in model.calls()],
    }
