"""Keeping the reference data: the administrator's changes, and the cached copy the workflow reads."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

from casework.db.database import Database
from casework.domain.deadlines import DEFAULT_DEADLINE_DAYS
from casework.domain.enums import CaseType, Urgency
from casework.errors import Invalid, NotFound
from casework.reference import storage
from casework.reference.model import DEPARTMENT_KINDS, Department, Reference


class ReferenceService:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._cached: Reference | None = None

    async def current(self) -> Reference:
        if self._cached is None:
            async with self.db.reader() as conn:
                self._cached = await storage.load_reference(conn)
        return self._cached

    def _invalidate(self) -> None:
        self._cached = None

    async def departments(self, include_inactive: bool = False) -> list[Department]:
        ref = await self.current()
        depts = [d for d in ref.departments.values() if include_inactive or d.active]
        return sorted(depts, key=lambda d: (d.sort, d.id))

    @staticmethod
    def _check_department(name: str, kind: str) -> None:
        errors = {}
        if not name.strip() or len(name) > 50:
            errors["name"] = "请填写单位名称（不超过 50 字）"
        if kind not in DEPARTMENT_KINDS:
            errors["kind"] = "未知单位类型"
        if errors:
            raise Invalid(fields=errors)

    async def add_department(self, name: str, kind: str = "department", district: str = "", sort: int = 0) -> Department:
        self._check_department(name, kind)
        _unique_name(await self.current(), name)
        async with self.db.transaction() as conn:
            dept_id = await storage.add_department(conn, name.strip(), kind, district, sort)
        self._invalidate()
        return Department(dept_id, name.strip(), kind, district, True, sort)

    async def update_department(self, dept_id: int, **changes: object) -> Department:
        ref = await self.current()
        if dept_id not in ref.departments:
            raise NotFound("单位不存在", code="department_not_found")
        dept = replace(ref.departments[dept_id], **changes)
        self._check_department(dept.name, dept.kind)
        _unique_name(ref, dept.name, dept_id)
        async with self.db.transaction() as conn:
            await storage.update_department(conn, dept)
        self._invalidate()
        return dept

    async def rules(self) -> list[dict[str, object]]:
        ref = await self.current()
        return [{"case_type": t.value, "case_type_label": t.label, "urgency": u.value, "urgency_label": u.label,
                 "days": ref.days_for(t, u)} for (t, u) in DEFAULT_DEADLINE_DAYS]

    async def set_rule(self, case_type: CaseType, urgency: Urgency, days: int) -> None:
        if not 1 <= days <= 365:
            raise Invalid(fields={"days": "办结时限应为 1 至 365 个工作日"})
        async with self.db.transaction() as conn:
            await storage.set_rule(conn, case_type, urgency, days)
        self._invalidate()

    async def overrides(self) -> list[dict[str, object]]:
        async with self.db.reader() as conn:
            return await storage.list_overrides(conn)

    async def set_override(self, day: date, is_workday: bool, note: str = "") -> None:
        if len(note) > 100:
            raise Invalid(fields={"note": "说明不超过 100 字"})
        async with self.db.transaction() as conn:
            await storage.set_override(conn, day, is_workday, note)
        self._invalidate()

    async def delete_override(self, day: date) -> None:
        async with self.db.transaction() as conn:
            if not await storage.delete_override(conn, day):
                raise NotFound("没有该日期的调整", code="override_not_found")
        self._invalidate()


def _unique_name(ref: Reference, name: str, dept_id: int | None = None) -> None:
    """Names are unique in the table too; saying so beats the constraint's 500."""
    if any(d.name == name.strip() and d.id != dept_id for d in ref.departments.values()):
        raise Invalid(fields={"name": "该单位已存在"})
