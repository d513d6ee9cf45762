"""Reference data held in memory: it is small, read on every action, and changed rarely."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from casework.domain.calendar import WorkCalendar
from casework.domain.deadlines import deadline_days
from casework.domain.enums import CaseType, Urgency

DEPARTMENT_KINDS = {"centre": "监督指挥中心", "department": "职能单位", "district": "区政府"}


@dataclass(frozen=True)
class Department:
    id: int
    name: str
    kind: str = "department"
    district: str = ""
    active: bool = True
    sort: int = 0

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "kind": self.kind, "kind_label": DEPARTMENT_KINDS.get(self.kind),
                "district": self.district, "active": self.active, "sort": self.sort}


@dataclass(frozen=True)
class Reference:
    departments: dict[int, Department] = field(default_factory=dict)
    rules: dict[tuple[CaseType, Urgency], int] = field(default_factory=dict)
    overrides: dict[date, bool] = field(default_factory=dict)

    @cached_property
    def calendar(self) -> WorkCalendar:
        """Kept with the reference (replaced whenever it changes), so its day memo lasts."""
        return WorkCalendar(self.overrides)

    @cached_property
    def active_department_ids(self) -> frozenset[int]:
        return frozenset(d.id for d in self.departments.values() if d.active and d.kind != "centre")

    def days_for(self, case_type: CaseType, urgency: Urgency) -> int:
        return deadline_days(case_type, urgency, self.rules)

    def department_name(self, department_id: int | None) -> str:
        dept = self.departments.get(department_id) if department_id is not None else None
        return dept.name if dept else ""
