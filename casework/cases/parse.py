"""Turning request data into domain commands, intakes and filters, with field-level errors."""
from __future__ import annotations

import dataclasses
import typing
from datetime import date
from enum import Enum
from typing import Any, Mapping

from casework.cases.queries import SORTS, CaseFilter
from casework.domain import commands as c
from casework.domain.enums import CaseType, Disposition, Labelled, OverdueClass, Source, State, Urgency
from casework.domain.intake import Intake, Route, validate
from casework.errors import Invalid

MAX_TEXT = 20000
MAX_INT = 2 ** 63 - 1  # SQLite's INTEGER: a larger id or number cannot exist, and must not reach a query


def checked_int(value: Any) -> int:
    """int(value), refusing what SQLite cannot hold (ValueError, like any other bad integer)."""
    number = int(value)
    if not -MAX_INT <= number <= MAX_INT:
        raise ValueError("out of range")
    return number


class Fields:
    """Collects every field error before raising, so a form shows all of them at once."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data, self.errors = data, {}

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name, default)
        if value is None:
            return default
        if not isinstance(value, str):
            self.errors[name] = "应为文本"
            return default
        if len(value) > MAX_TEXT:
            self.errors[name] = f"不能超过 {MAX_TEXT} 个字"
            return default
        return value

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.data.get(name)
        if value in (None, ""):
            if required:
                self.errors[name] = "必填"
            return None
        if isinstance(value, bool):
            self.errors[name] = "应为整数"
            return None
        try:
            return checked_int(value)
        except (TypeError, ValueError):
            self.errors[name] = "应为整数"
            return None

    def integers(self, name: str) -> tuple[int, ...]:
        value = self.data.get(name, [])
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.errors[name] = "应为整数列表"
            return ()
        try:
            return tuple(checked_int(v) for v in value if not isinstance(v, bool))
        except (TypeError, ValueError):
            self.errors[name] = "应为整数列表"
            return ()

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if isinstance(value, bool):
            return value
        if value in ("1", "true", "on", "yes", 1):
            return True
        if value in ("0", "false", "off", "no", 0, "", None):
            return False
        self.errors[name] = "应为 true 或 false"
        return default

    def choice(self, name: str, enum: type[Labelled], default: Any = None, *, required: bool = False) -> Any:
        raw = self.data.get(name)
        if raw in (None, ""):
            if required:
                self.errors[name] = "必填"
            return default
        found = enum.parse(raw)
        if found is None:
            self.errors[name] = f"无效的取值：{raw}"
            return default
        return found

    def day(self, name: str) -> date | None:
        raw = self.data.get(name)
        if raw in (None, ""):
            return None
        try:
            return date.fromisoformat(str(raw))
        except ValueError:
            self.errors[name] = "日期格式应为 YYYY-MM-DD"
            return None

    def done(self) -> None:
        if self.errors:
            raise Invalid(fields=self.errors)


def parse_intake(data: Mapping[str, Any], *, source: Source | None = None, route: Route | None = None) -> Intake:
    f = Fields(data)
    intake = Intake(
        title=f.text("title"), content=f.text("content"),
        source=source or f.choice("source", Source, Source.PHONE),
        case_type=f.choice("case_type", CaseType, CaseType.OTHER, required=True),
        route=route or f.choice("route", Route, Route.CENTRE, required=True),
        urgency=f.choice("urgency", Urgency, Urgency.NORMAL), caller_name=f.text("caller_name"),
        caller_phone=f.text("caller_phone"), address=f.text("address"), district=f.text("district"),
        departments=f.integers("departments"), lead=f.integer("lead"), instructions=f.text("instructions"),
        answer=f.text("answer"), knowledge_article_id=f.integer("knowledge_article_id"),
        concern_department_id=f.integer("concern_department_id"), call_id=f.integer("call_id"))
    if f.errors:
        try:
            validate(intake, phone_required=source is Source.WEB)
        except Invalid as err:
            f.errors = {**err.fields, **f.errors}
    f.done()
    return intake


def parse_command(action: c.Action, data: Mapping[str, Any]) -> c.Command:
    cls = c.COMMANDS[action]
    f = Fields(data)
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        tp = hints[field.name]
        if tp is str:
            values[field.name] = f.text(field.name)
        elif tp is bool:
            values[field.name] = f.boolean(field.name, field.default)
        elif tp == int:
            values[field.name] = f.integer(field.name) or 0
        elif tp == int | None:
            values[field.name] = f.integer(field.name)
        elif tp == tuple[int, ...]:
            values[field.name] = f.integers(field.name)
        elif isinstance(tp, type) and issubclass(tp, Enum):
            values[field.name] = f.choice(field.name, tp, field.default)
    f.done()
    return cls(**values)


def parse_filter(data: Mapping[str, Any]) -> CaseFilter:
    f = Fields(data)
    states_raw = data.get("state") or ""
    states = []
    for raw in (states_raw.split(",") if isinstance(states_raw, str) else states_raw):
        if raw:
            found = State.parse(raw)
            if found is None:
                f.errors["state"] = f"无效的状态：{raw}"
            else:
                states.append(found)
    result = CaseFilter(
        q=f.text("q")[:100], number=f.text("number")[:40], phone=f.text("phone")[:30],
        date_from=f.day("from"), date_to=f.day("to"), states=tuple(states),
        case_type=f.choice("case_type", CaseType), source=f.choice("source", Source),
        department_id=f.integer("department"), urgency=f.choice("urgency", Urgency),
        overdue=f.choice("overdue", OverdueClass), disposition=f.choice("disposition", Disposition),
        page=f.integer("page") or 1, per_page=f.integer("per_page") or 20,
        sort=f.text("sort", "-created_at") or "-created_at")
    if result.sort.lstrip("-") not in SORTS:
        f.errors["sort"] = f"无效的排序字段：{result.sort}"
    if result.date_from and result.date_to and result.date_from > result.date_to:
        f.errors["to"] = "结束日期不能早于开始日期"
    f.done()
    return result
