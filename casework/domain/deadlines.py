"""Deadlines (办结时限) from type and urgency, and the overdue classes of the supervision list."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Mapping

from casework.domain.calendar import WorkCalendar
from casework.domain.enums import DONE_STATES, CaseType, OverdueClass, State, Urgency

# Working days per type; urgent help requests get the shortest deadline (domain.md §2).
DEFAULT_DEADLINE_DAYS: Mapping[tuple[CaseType, Urgency], int] = {
    **{(t, Urgency.NORMAL): d for t, d in ((CaseType.CONSULTATION, 5), (CaseType.SUGGESTION, 15),
                                           (CaseType.COMPLAINT, 10), (CaseType.HELP, 5),
                                           (CaseType.OTHER, 10))},
    **{(t, Urgency.URGENT): 1 for t in CaseType},
}

END_OF_DAY = time(23, 59, 59)
MAX_EXTENSION_DAYS = 30


def deadline_days(case_type: CaseType, urgency: Urgency,
                  rules: Mapping[tuple[CaseType, Urgency], int] | None = None) -> int:
    table = {**DEFAULT_DEADLINE_DAYS, **(rules or {})}
    return table[(case_type, urgency)]


def compute_deadline(start: datetime, days: int, calendar: WorkCalendar) -> datetime:
    """End of the `days`-th working day after the start day."""
    due = calendar.add_workdays(start.date(), days)
    return datetime.combine(due, END_OF_DAY, tzinfo=start.tzinfo)


def extend_deadline(deadline: datetime, days: int, calendar: WorkCalendar) -> datetime:
    return compute_deadline(deadline, days, calendar)


def overdue_class(state: State, deadline: datetime, closed_at: datetime | None, now: datetime,
                  due_soon_days: int = 3) -> OverdueClass:
    if state in DONE_STATES:
        late = closed_at is not None and closed_at > deadline
        return OverdueClass.DONE_OVERDUE if late else OverdueClass.DONE_ON_TIME
    if now > deadline:
        return OverdueClass.OVERDUE_OPEN
    if deadline - now < timedelta(days=due_soon_days):
        return OverdueClass.DUE_SOON
    return OverdueClass.ON_TIME
