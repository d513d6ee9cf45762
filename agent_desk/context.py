"""What the screen pop shows about a caller: where the number is from, and the history behind it."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
from phonenumbers import carrier, geocoder

from casework.cases.queries import CaseFilter
from casework.cases.service import CaseService
from casework.db.database import Database
from casework.db.timefmt import to_db
from casework.domain.enums import OPEN_STATES, OverdueClass
from casework.domain.model import Actor
from telephony.calls.records import normalize_number
from telephony.calls.service import CallService

REPEAT_CALLS = 3        # calls in 30 days that make a repeat caller
NUISANCE_INVALID = 3    # invalid calls in 30 days that suggest a nuisance number


def locate(number: str) -> dict[str, str]:
    """号码归属地 and carrier from the phonenumbers package's offline data."""
    try:
        parsed = phonenumbers.parse(number, "CN")
    except phonenumbers.NumberParseException:
        return {"location": "", "carrier": ""}
    return {"location": geocoder.description_for_number(parsed, "zh") or "",
            "carrier": carrier.name_for_number(parsed, "zh") or ""}


@dataclass
class CallerContext:
    cases: CaseService
    calls: CallService
    db: Database

    async def nuisance(self, number: str) -> bool:
        async with self.db.reader() as conn:
            rows = await conn.execute_fetchall("SELECT 1 FROM nuisance_numbers WHERE number = ?",
                                               (normalize_number(number),))
        return bool(rows)

    async def invalid_count(self, number: str, since: datetime) -> int:
        async with self.db.reader() as conn:
            rows = await conn.execute_fetchall(
                "SELECT COUNT(*) FROM cases WHERE caller_phone = ? AND disposition = 'invalid' AND created_at >= ?",
                (number, to_db(since, self.db.tz)))
        return int(rows[0][0])

    async def build(self, number: str, actor: Actor, now: datetime) -> dict[str, Any]:
        recent = await self.calls.recent_for_number(number, 30)
        history = await self.cases.search(CaseFilter(phone=number, per_page=10), actor)
        open_cases = [c for c in history["items"] if c["state"] in {s.value for s in OPEN_STATES}]
        invalid = await self.invalid_count(number, now - timedelta(days=30))
        marked = await self.nuisance(number)
        names = [r.caller_name for r in recent if r.caller_name] + [c["caller_name"] for c in history["items"]]
        return {
            "number": number, **locate(number), "known_name": names[0] if names else "",
            "calls_30d": [{"id": r.id, "offered_at": r.offered_at.isoformat(timespec="seconds"),
                           "answered": r.answered, "disposition": r.disposition.value} for r in recent[:10]],
            "calls_30d_count": len(recent), "open_cases": open_cases, "last_cases": history["items"][:5],
            "flags": {"repeat_caller": len(recent) >= REPEAT_CALLS,
                      "overdue_case": any(c["overdue_class"] == OverdueClass.OVERDUE_OPEN.value for c in open_cases),
                      "nuisance": marked or invalid >= NUISANCE_INVALID, "nuisance_marked": marked,
                      "invalid_30d": invalid}}
