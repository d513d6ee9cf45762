"""Registering a new case from any of the five sources, and the rules its fields must obey."""
from __future__ import annotations

import re
from dataclasses import dataclass

from casework.domain.deadlines import compute_deadline
from casework.domain.enums import CaseType, Disposition, Role, Route, Source, State, Urgency
from casework.domain.handlers import Context, assign, record
from casework.domain.model import Actor, Case
from casework.errors import Forbidden, Invalid

PHONE_RE = re.compile(r"^(?:\+?86[- ]?)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{7,8}|[48]00-?\d{3}-?\d{4}|1\d{4})$")
LIMITS = {"title": 200, "content": 5000, "address": 200, "caller_name": 50, "instructions": 2000,
          "answer": 5000, "district": 20}


@dataclass(frozen=True)
class Intake:
    title: str
    content: str
    source: Source
    case_type: CaseType
    route: Route
    urgency: Urgency = Urgency.NORMAL
    caller_name: str = ""
    caller_phone: str = ""
    address: str = ""
    district: str = ""
    departments: tuple[int, ...] = ()
    lead: int | None = None
    instructions: str = ""
    answer: str = ""
    knowledge_article_id: int | None = None
    concern_department_id: int | None = None
    call_id: int | None = None


def valid_phone(phone: str) -> bool:
    return bool(PHONE_RE.match(phone.strip()))


def validate(intake: Intake, *, phone_required: bool = False) -> None:
    errors: dict[str, str] = {}
    for name, limit in LIMITS.items():
        if len(getattr(intake, name)) > limit:
            errors[name] = f"不能超过 {limit} 个字"
    if intake.route is not Route.INVALID:
        for name, label in (("title", "标题"), ("content", "内容")):
            if not getattr(intake, name).strip():
                errors[name] = f"请填写{label}"
    if intake.caller_phone and not valid_phone(intake.caller_phone):
        errors["caller_phone"] = "电话号码格式不正确"
    elif phone_required and not intake.caller_phone:
        errors["caller_phone"] = "请填写联系电话"
    if intake.route is Route.FRONT_DESK and not intake.answer.strip():
        errors["answer"] = "前台办结请填写答复内容"
    if intake.source is not Source.PHONE and intake.route is not Route.REVIEW:
        errors["route"] = "网站、传真、短信、邮件来件须先进入待初审"
    if errors:
        raise Invalid(fields=errors)


def register(intake: Intake, actor: Actor | None, ctx: Context) -> Case:
    """A new case in the state its route asks for; front-desk answers and invalid calls close at once."""
    if actor is not None and not actor.has(Role.CALL_TAKER, Role.SUPERVISOR):
        raise Forbidden("只有话务员和监督管理人员可以登记办件", code="role_forbidden")
    validate(intake, phone_required=actor is None)
    if actor is None and intake.route is not Route.REVIEW:
        raise Invalid(fields={"route": "市民来件须先进入待初审"})
    case = Case(
        title=intake.title.strip() or "无效来电", content=intake.content.strip(), source=intake.source,
        case_type=intake.case_type, urgency=intake.urgency, state=State.PENDING_REVIEW,
        created_at=ctx.now, deadline=compute_deadline(ctx.now, ctx.deadline_days, ctx.calendar),
        caller_name=intake.caller_name.strip(), caller_phone=intake.caller_phone.strip(),
        address=intake.address.strip(), district=intake.district.strip(),
        created_by=actor.id if actor else None, knowledge_article_id=intake.knowledge_article_id,
        concern_department_id=intake.concern_department_id, call_id=intake.call_id)
    _route(case, intake, ctx)
    record(case, actor, "register", f"登记（{intake.route.label}）", intake.answer or intake.instructions,
           State.PENDING_REVIEW, ctx.now)
    return case


def _route(case: Case, intake: Intake, ctx: Context) -> None:
    if intake.concern_department_id is not None and intake.concern_department_id not in ctx.department_ids:
        raise Invalid(fields={"concern_department_id": "未知部门"})
    if intake.route is Route.FRONT_DESK:
        case.state, case.disposition, case.result = State.CLOSED, Disposition.FRONT_DESK, intake.answer
        case.closed_at = ctx.now
    elif intake.route is Route.INVALID:
        case.state, case.disposition, case.closed_at = State.CLOSED, Disposition.INVALID, ctx.now
    elif intake.route is Route.CENTRE:
        case.state = State.PENDING_DISPATCH
    elif intake.route is Route.DEPARTMENT:
        assign(case, intake.departments, intake.lead, intake.instructions, ctx)
        case.state = State.PENDING_SIGNOFF
