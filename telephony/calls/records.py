"""The stored call record (来电 / 去电) and the vocabularies it uses.

A record is written for every inbound hotline call and every call the platform originated, so
that answer-rate statistics, the 漏接回拨 list and a case's recording all read from one table.
Its disposition says how the call ended for the hotline: 'abandoned' when no agent answered,
otherwise 'pending' until the case the agent registers decides it (办件 / 转办件 / 无效件).
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Iterable

from casework.domain.enums import Labelled, labels_beside, vocabulary
from casework.paging import clamp_page
from telephony.events import HangupSide

SERVICE_LEVEL_SECONDS = 15  # GB/T 33358-2016: answer within 15 s ...
ANSWER_RATE_TARGET = 0.95  # ... and answer at least 95 % of the calls offered
LABELS = labels_beside(__file__)
Direction = vocabulary("Direction", LABELS["Direction"])


class _Purposes(Labelled):
    @classmethod
    def of(cls, raw: str) -> Any:
        """The purpose a channel variable names; anything else is none."""
        return cls.parse((raw or "").strip().lower()) or cls["NONE"]


Purpose = vocabulary("Purpose", LABELS["Purpose"], _Purposes)


class _CallDispositions(Labelled):
    @classmethod
    def of_case(cls, value: Any) -> Any:
        """The disposition a case gives its call; only 办件 / 转办件 / 无效件 are decisions of a case."""
        raw = value.value if isinstance(value, Labelled) else str(value)
        found = cls.parse(raw)
        if found not in CASE_DECISIONS:
            raise ValueError(f"not a case disposition: {value!r}")
        return found


CallDisposition = vocabulary("CallDisposition", LABELS["CallDisposition"], _CallDispositions)
CASE_DECISIONS = frozenset({CallDisposition.FRONT_DESK, CallDisposition.FORWARDED, CallDisposition.INVALID})


@dataclass(frozen=True)
class CallRecord:
    """One call as stored. For an outbound call `caller_number` is the citizen's number (the other party).

    `ended_at` is None for a call still in progress: the record of an answered call is written at
    answer time too, so the agent's case can link to it while the citizen is still on the line.
    """
    linked_id: str
    direction: Direction
    offered_at: datetime
    caller_number: str = ""
    caller_name: str = ""
    queue: str = ""
    purpose: Purpose = Purpose.NONE
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    wait_seconds: int = 0
    ring_seconds: int = 0
    talk_seconds: int = 0
    agent_interface: str = ""
    agent_name: str = ""
    agent_user_id: int | None = None
    recording: str = ""
    hangup_cause: int = 0
    hangup_cause_text: str = ""
    hangup_side: HangupSide = HangupSide.SYSTEM
    case_id: int | None = None
    callback_of: int | None = None
    disposition: CallDisposition = CallDisposition.PENDING
    id: int | None = None

    @property
    def answered(self) -> bool:
        return self.answered_at is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: enums as values (with Chinese labels), times as ISO text."""
        out = asdict(self)
        for key, value in out.items():
            if isinstance(value, datetime):
                out[key] = value.isoformat()
            elif isinstance(value, (Labelled, HangupSide)):
                out[key] = value.value
        out["disposition_label"] = self.disposition.label
        out["direction_label"] = self.direction.label
        return out


def disposition_for(direction: Direction, answered: bool) -> CallDisposition:
    """The disposition a call has when it ends, before any case decides it."""
    if direction is Direction.OUTBOUND:
        return CallDisposition.OUTBOUND
    return CallDisposition.PENDING if answered else CallDisposition.ABANDONED


_NOT_DIGITS = re.compile(r"[^\d]")


def normalize_number(number: str) -> str:
    """One form per phone number, so a call-back to '13800138000' matches a call from '+86 138-0013-8000'.

    Keeps digits only and drops China's country code (+86 / 0086) and the trunk '0' in front of a
    mobile number; landlines keep their area code.
    """
    digits = _NOT_DIGITS.sub("", number or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) - len(prefix) >= 10:
            digits = digits[len(prefix):]
            break
    if len(digits) == 12 and digits.startswith("01"):
        digits = digits[1:]
    return digits


def agent_extension(interface: str) -> str:
    """The extension a member interface dials: 'PJSIP/1001' or 'Local/1001@agents/n' → '1001'.

    Users carry their desk phone in users.phone_ext; this is what it is compared with.
    """
    tail = interface.split("/", 1)[1] if "/" in interface else interface
    return tail.split("@", 1)[0].split("/", 1)[0]


@dataclass(frozen=True)
class Page:
    page: int = 1
    per_page: int = 20

    def __post_init__(self) -> None:
        page, per_page = clamp_page(int(self.page), int(self.per_page))
        object.__setattr__(self, "page", page)
        object.__setattr__(self, "per_page", per_page)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True)
class CallFilter:
    """Conditions of the call list (来电情况); dates are local days, inclusive."""
    date_from: date | None = None
    date_to: date | None = None
    direction: Direction | None = None
    disposition: CallDisposition | None = None
    queue: str = ""
    number: str = ""
    agent_user_id: int | None = None
    agent_interface: str = ""
    answered: bool | None = None
    case_id: int | None = None


@dataclass(frozen=True)
class CallPage:
    items: list[CallRecord]
    page: int
    per_page: int
    total: int
    extra: dict[int, dict[str, Any]] = field(default_factory=dict)  # per record id, e.g. 漏接 counts

    def to_dict(self) -> dict[str, Any]:
        items = [{**r.to_dict(), **self.extra.get(r.id or 0, {})} for r in self.items]
        return {"items": items, "page": self.page, "per_page": self.per_page, "total": self.total}


@dataclass(frozen=True)
class ServiceLevel:
    """Inbound calls offered / answered / answered within the threshold / abandoned (GB/T 33358)."""
    offered: int = 0
    answered: int = 0
    answered_in_time: int = 0
    abandoned: int = 0
    threshold_seconds: int = SERVICE_LEVEL_SECONDS

    @property
    def answer_rate(self) -> float | None:
        return self.answered / self.offered if self.offered else None

    @property
    def in_time_rate(self) -> float | None:
        """Share of the calls offered that were answered within the threshold (15 秒接通率)."""
        return self.answered_in_time / self.offered if self.offered else None

    @property
    def meets_target(self) -> bool:
        """At least 95 % answered; with no calls offered there is nothing to miss."""
        return self.answer_rate is None or self.answer_rate >= ANSWER_RATE_TARGET

    def counting(self, record: CallRecord) -> "ServiceLevel":
        """This level with one more finished call counted (outbound calls do not count)."""
        if record.direction is not Direction.INBOUND:
            return self
        answered = record.answered
        in_time = answered and record.wait_seconds <= self.threshold_seconds
        return ServiceLevel(self.offered + 1, self.answered + answered, self.answered_in_time + in_time,
                            self.abandoned + (not answered), self.threshold_seconds)


def service_level(records: Iterable[CallRecord], threshold_seconds: int = SERVICE_LEVEL_SECONDS) -> ServiceLevel:
    level = ServiceLevel(threshold_seconds=threshold_seconds)
    for record in records:
        level = level.counting(record)
    return level
