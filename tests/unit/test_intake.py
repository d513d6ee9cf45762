"""Registering cases (intake.register) and the field rules (intake.validate)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from casework.domain import commands as c
from casework.domain.enums import AssignmentState as A, CaseType, Disposition, Source, State as S, Urgency
from casework.domain.handlers import apply
from casework.domain.intake import LIMITS, Intake, Route, register, valid_phone, validate
from casework.errors import Forbidden, Invalid
from tests.unit.fakes import (ADMIN, CALL_TAKER, DEADLINE, NOW, SUPERVISOR, clerk, context, dept_leader,
                              handler)

BASE = Intake(title=" 噪音扰民 ", content=" 工地夜间施工 ", source=Source.PHONE, case_type=CaseType.COMPLAINT,
              route=Route.CENTRE, caller_name=" 张三 ", caller_phone=" 13800138000 ", address=" 某路1号 ",
              district=" 西湖区 ")


def invalid(intake: Intake, actor=CALL_TAKER, ctx=None) -> dict[str, str]:
    with pytest.raises(Invalid) as info:
        register(intake, actor, ctx or context())
    return info.value.fields


def test_phone_case_to_the_centre():
    case = register(replace(BASE, knowledge_article_id=5, call_id=77, concern_department_id=2), CALL_TAKER,
                    context())
    assert case.state is S.PENDING_DISPATCH and case.disposition is Disposition.FORWARDED
    assert (case.title, case.content, case.caller_name, case.caller_phone, case.address, case.district) == (
        "噪音扰民", "工地夜间施工", "张三", "13800138000", "某路1号", "西湖区")
    assert (case.created_at, case.deadline, case.created_by) == (NOW, DEADLINE, CALL_TAKER.id)
    assert (case.knowledge_article_id, case.call_id, case.concern_department_id) == (5, 77, 2)
    assert case.closed_at is None and case.assignments == []
    (entry,) = case.new_flow
    assert (entry.action, entry.actor_id, entry.role, entry.from_state, entry.to_state) == (
        "register", CALL_TAKER.id, "话务员", "pending_review", "pending_dispatch")
    assert entry.label == "登记（转监督指挥中心）"


def test_deadline_days_come_from_the_context():
    case = register(replace(BASE, urgency=Urgency.URGENT), SUPERVISOR, context(deadline_days=1))
    assert case.deadline.date().isoformat() == "2026-03-03" and case.urgency is Urgency.URGENT


def test_phone_case_straight_to_departments():
    intake = replace(BASE, route=Route.DEPARTMENT, departments=(2, 3), lead=3, instructions="请核查")
    case = register(intake, CALL_TAKER, context())
    assert case.state is S.PENDING_SIGNOFF
    assert [(a.department_id, a.state, a.is_lead, a.instructions) for a in case.assignments] == [
        (2, A.PENDING_SIGNOFF, False, "请核查"), (3, A.PENDING_SIGNOFF, True, "请核查")]
    assert case.new_flow[0].opinion == "请核查"


def test_single_department_is_lead():
    case = register(replace(BASE, route=Route.DEPARTMENT, departments=(4,)), CALL_TAKER, context())
    assert case.lead().department_id == 4


@pytest.mark.parametrize("departments,lead,field", [
    ((), None, "departments"),
    ((1, 9), 1, "departments"),
    ((1, 2), None, "lead"),
    ((1, 2), 3, "lead"),
])
def test_department_route_refusals(departments, lead, field):
    assert field in invalid(replace(BASE, route=Route.DEPARTMENT, departments=departments, lead=lead))


def test_front_desk_closes_at_creation():
    case = register(replace(BASE, route=Route.FRONT_DESK, answer="已告知办理流程", knowledge_article_id=3),
                    CALL_TAKER, context())
    assert (case.state, case.disposition, case.result, case.closed_at) == (
        S.CLOSED, Disposition.FRONT_DESK, "已告知办理流程", NOW)
    assert case.new_flow[0].to_state == "closed" and case.new_flow[0].opinion == "已告知办理流程"


def test_front_desk_needs_an_answer():
    assert "answer" in invalid(replace(BASE, route=Route.FRONT_DESK, answer="  "))


def test_invalid_call_closes_at_creation_without_title_or_content():
    case = register(replace(BASE, route=Route.INVALID, title="", content=""), CALL_TAKER, context())
    assert (case.state, case.disposition, case.closed_at, case.title) == (
        S.CLOSED, Disposition.INVALID, NOW, "无效来电")


@pytest.mark.parametrize("source", [s for s in Source if s is not Source.PHONE])
@pytest.mark.parametrize("route", [r for r in Route if r is not Route.REVIEW])
def test_non_phone_sources_must_go_to_review(source, route):
    intake = replace(BASE, source=source, route=route, answer="答复", departments=(1,))
    assert "route" in invalid(intake)


@pytest.mark.parametrize("source", list(Source))
def test_review_route_is_pending_review(source):
    case = register(replace(BASE, source=source, route=Route.REVIEW), CALL_TAKER, context())
    assert case.state is S.PENDING_REVIEW and case.new_flow[0].to_state == "pending_review"


def test_citizen_submission_needs_a_phone_and_is_recorded_as_citizen():
    web = replace(BASE, source=Source.WEB, route=Route.REVIEW)
    assert "caller_phone" in invalid(replace(web, caller_phone=""), actor=None)
    case = register(web, None, context())
    assert case.created_by is None and case.state is S.PENDING_REVIEW
    entry = case.new_flow[0]
    assert (entry.actor_id, entry.actor_name, entry.role, entry.department_id) == (None, "市民", "市民", None)


def test_staff_may_register_without_phone():
    assert register(replace(BASE, caller_phone=""), CALL_TAKER, context()).caller_phone == ""


@pytest.mark.parametrize("actor", [clerk(1), handler(1), dept_leader(1), ADMIN])
def test_only_call_takers_and_supervisors_register(actor):
    with pytest.raises(Forbidden):
        register(BASE, actor, context())


def test_unknown_concern_department():
    assert "concern_department_id" in invalid(replace(BASE, concern_department_id=9))


# --- validate ----------------------------------------------------------------------------------

def test_100_kb_title_is_refused():
    assert "title" in invalid(replace(BASE, title="标" * 100 * 1024))


@pytest.mark.parametrize("name", list(LIMITS))
def test_each_length_limit(name):
    at_limit = replace(BASE, **{"route": Route.FRONT_DESK, "answer": "答复", name: "x" * LIMITS[name]})
    validate(at_limit)
    with pytest.raises(Invalid) as info:
        validate(replace(at_limit, **{name: "x" * (LIMITS[name] + 1)}))
    assert set(info.value.fields) == {name}


@pytest.mark.parametrize("field", ["title", "content"])
@pytest.mark.parametrize("blank", ["", "   ", "\n\t"])
def test_title_and_content_required(field, blank):
    assert field in invalid(replace(BASE, **{field: blank}))


def test_all_errors_are_reported_together():
    fields = invalid(replace(BASE, title="", content="", caller_phone="abc", source=Source.SMS))
    assert set(fields) == {"title", "content", "caller_phone", "route"}


@pytest.mark.parametrize("phone", ["13800138000", "+8613800138000", "86-13800138000", "010-12345678",
                                   "0571-8888888", "057188888888", "88888888", "400-123-4567",
                                   "8001234567", "12345", " 13800138000 "])
def test_valid_phones(phone):
    assert valid_phone(phone)
    validate(replace(BASE, caller_phone=phone))


@pytest.mark.parametrize("phone", ["12345abc", "1380013800", "138001380001", "23800138000", "abc",
                                   "123", "010-123", "+1 202 555 0100", "13800138000; drop"])
def test_invalid_phones(phone):
    assert not valid_phone(phone)
    assert "caller_phone" in invalid(replace(BASE, caller_phone=phone))


def test_handler_from_another_department_cannot_be_picked():
    # intake hands the case to a department; signing it to someone outside that department is refused
    case = register(replace(BASE, route=Route.DEPARTMENT, departments=(1,)), CALL_TAKER, context())
    with pytest.raises(Invalid) as info:
        apply(case, clerk(1), c.Sign(handler_id=handler(2).id), context())
    assert "handler_id" in info.value.fields
    assert case.assignments[0].state is A.PENDING_SIGNOFF
