"""The WHERE clause a case list is built from, and the overdue tabs' conditions.

Kept apart from the queries so the list definitions (lists.py) and the queries that run them can
both use it without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casework.domain.enums import DONE_STATES, OPEN_STATES, OverdueClass


@dataclass
class Where:
    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "1"


# Literal (enum values, not input) and sorted, as in the partial index cases_open_deadline (migration
# 0009): SQLite uses a partial index only for a query that repeats its condition.
OPEN_SQL = f"c.state IN ({', '.join(repr(s) for s in sorted(s.value for s in OPEN_STATES))})"


def overdue_clause(where: Where, cls: OverdueClass, now: str, soon: str) -> None:
    if cls is OverdueClass.OVERDUE_OPEN:
        where.add(f"{OPEN_SQL} AND c.deadline < ?", now)
    elif cls is OverdueClass.DUE_SOON:
        where.add(f"{OPEN_SQL} AND c.deadline >= ? AND c.deadline < ?", now, soon)
    elif cls is OverdueClass.ON_TIME:
        where.add(f"{OPEN_SQL} AND c.deadline >= ?", soon)
    elif cls is OverdueClass.DONE_OVERDUE:
        where.add("c.overdue_done = 1")
    else:
        where.add("c.state IN (?, ?) AND c.overdue_done = 0", *[s.value for s in DONE_STATES])
