"""Whole-case stories: register -> dispatch -> sign -> complete -> approve -> callback, and joint cases."""
from __future__ import annotations

from copy import deepcopy
from datetime import datetime, timedelta

import pytest

from casework.domain import commands as c
from casework.domain.enums import AssignmentState as A, CaseType, Satisfaction, Source, State as S
from casework.domain.handlers import apply
from casework.domain.intake import Intake, Route, register
from casework.domain.model import Case
from casework.errors import Conflict, Forbidden, Invalid
from tests.unit.fakes import (CALL_TAKER, NOW, SUPERVISOR, TZ, asg, clerk, context, handler, make_case,
                              run, states)


def _at(hours: int):
    return context(NOW + timedelta(hours=hours))


def _registered() -> Case:
    intake = Intake(title="道路积水", content="暴雨后某路口积水严重", source=Source.PHONE,
                    case_type=CaseType.COMPLAINT, route=Route.CENTRE, caller_phone="13912345678")
    case = register(intake, CALL_TAKER, context())
    case.id = 10
    return case


def _dispatched_and_signed(case: Case, hour: int = 1) -> None:
    run(case, SUPERVISOR, c.Dispatch("请联合处置", departments=(1, 2), lead=1), _at(hour))
    assert case.state is S.PENDING_SIGNOFF
    assert states(case) == {1: A.PENDING_SIGNOFF, 2: A.PENDING_SIGNOFF}
    run(case, clerk(1), c.Sign(handler_id=handler(1).id), _at(hour + 1))
    assert case.state is S.IN_PROGRESS
    run(case, clerk(2), c.Sign(handler_id=handler(2).id), _at(hour + 1))
    assert states(case) == {1: A.IN_PROGRESS, 2: A.IN_PROGRESS}


def _complete_joint(case: Case, hour: int) -> None:
    snapshot = deepcopy(case)
    with pytest.raises(Conflict) as info:
        apply(case, handler(1), c.Complete("主办汇总答复"), _at(hour))
    assert info.value.code == "co_handlers_open" and case == snapshot
    run(case, handler(2), c.Complete("协办：已疏通管网"), _at(hour))
    assert case.state is S.IN_PROGRESS and states(case)[2] is A.COMPLETED
    run(case, handler(1), c.Complete("主办：已排水并整改"), _at(hour + 1))
    assert case.state is S.PENDING_APPROVAL


def test_full_lifecycle_with_reopen():
    case = _registered()
    assert case.state is S.PENDING_DISPATCH
    assert [e.action for e in case.new_flow] == ["register"]

    _dispatched_and_signed(case)
    _complete_joint(case, 3)
    run(case, SUPERVISOR, c.Approve("同意办结"), _at(5))
    assert (case.state, case.result, case.closed_at) == (S.CLOSED, "主办：已排水并整改", NOW + timedelta(hours=5))

    run(case, CALL_TAKER, c.Callback("仍有积水", resolved=False, satisfaction=Satisfaction.UNSATISFIED,
                                     reopen=True), _at(24))
    assert case.state is S.PENDING_DISPATCH and case.reopen_count == 1
    assert case.closed_at is None and case.active_assignments() == []
    assert {a.state for a in case.assignments} == {A.WITHDRAWN}
    assert case.deadline == datetime(2026, 3, 17, 23, 59, 59, tzinfo=TZ)  # 10 working days from Tue 3 Mar

    _dispatched_and_signed(case, 25)
    assert len(case.assignments) == 4 and len(case.active_assignments()) == 2
    _complete_joint(case, 27)
    run(case, SUPERVISOR, c.Approve(), _at(29))
    run(case, CALL_TAKER, c.Callback("已解决", resolved=True, satisfaction=Satisfaction.BASIC), _at(30))
    assert case.state is S.FEEDBACK_DONE
    assert (case.resolved, case.satisfaction, case.reopen_count) == (True, Satisfaction.BASIC, 1)

    flow = [(e.action, e.from_state, e.to_state) for e in case.new_flow]
    assert flow[:8] == [
        ("register", "pending_review", "pending_dispatch"),
        ("dispatch", "pending_dispatch", "pending_signoff"),
        ("sign", "pending_signoff", "in_progress"),
        ("sign", "in_progress", "in_progress"),
        ("complete", "in_progress", "in_progress"),
        ("complete", "in_progress", "pending_approval"),
        ("approve", "pending_approval", "closed"),
        ("callback", "closed", "pending_dispatch"),
    ]
    assert flow[-1] == ("callback", "closed", "feedback_done")
    assert len(flow) == 15


def test_a_closed_case_accepts_no_more_department_work():
    case = make_case(S.CLOSED, asg(1, A.COMPLETED, lead=True), closed_at=NOW)
    with pytest.raises(Conflict):
        apply(case, handler(1), c.Complete("x"), context())
    with pytest.raises(Conflict):
        apply(case, SUPERVISOR, c.Urge("x"), context())
    run(case, CALL_TAKER, c.Callback("满意"))
    with pytest.raises(Conflict):
        apply(case, CALL_TAKER, c.Callback("again"), context())


# --- joint cases: returns, re-dispatch, insist, transfer, reject ---------------------------

def _joint_signed() -> Case:
    case = make_case(S.PENDING_DISPATCH)
    _dispatched_and_signed(case)
    return case


def _joint_one_returned() -> Case:
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Dispatch(departments=(1, 2), lead=1))
    run(case, clerk(1), c.Sign(handler_id=handler(1).id))
    run(case, clerk(2), c.Return("非本单位职责，应由4号单位办理"))
    return case


def test_one_department_returns_only_its_assignment():
    case = _joint_one_returned()
    assert states(case) == {1: A.IN_PROGRESS, 2: A.RETURNED}
    assert case.state is S.RETURNED and case.return_count == 1
    assert case.assignments[1].return_reason == "非本单位职责，应由4号单位办理"
    # the department still working is not blocked by the other's return
    run(case, handler(1), c.SaveOpinion("正在核查"))
    run(case, handler(1), c.Forward(handler_id=handler(1, 2).id))
    assert case.state is S.RETURNED


def test_redispatch_withdraws_returned_and_adds_new_department():
    case = _joint_one_returned()
    run(case, SUPERVISOR, c.Dispatch("改派", departments=(4,), lead=1))
    assert [(a.department_id, a.state, a.is_lead) for a in case.assignments] == [
        (1, A.IN_PROGRESS, True), (2, A.WITHDRAWN, False), (4, A.PENDING_SIGNOFF, False)]
    assert case.state is S.IN_PROGRESS
    assert case.new_flow[-1].from_state == "returned"


def test_redispatch_can_move_the_lead_to_the_new_department():
    case = _joint_one_returned()
    run(case, SUPERVISOR, c.Dispatch(departments=(4,), lead=4))
    assert case.lead().department_id == 4
    assert not case.assignment_for(1).is_lead


def test_redispatch_without_new_department_keeps_the_others():
    case = _joint_one_returned()
    run(case, SUPERVISOR, c.Dispatch("仅由1号单位办理"))
    assert states(case) == {1: A.IN_PROGRESS} and case.state is S.IN_PROGRESS


def test_redispatch_to_the_returning_department_again_is_allowed():
    case = _joint_one_returned()
    run(case, SUPERVISOR, c.Dispatch(departments=(2,), lead=1))
    assert states(case) == {1: A.IN_PROGRESS, 2: A.PENDING_SIGNOFF}
    assert len(case.assignments) == 3


@pytest.mark.parametrize("command,field", [
    (c.Dispatch(departments=(9,), lead=1), "departments"),
    (c.Dispatch(departments=(1,), lead=1), "departments"),   # already handling
    (c.Dispatch(departments=(4,)), "lead"),                 # two active, no lead named
    (c.Dispatch(departments=(4,), lead=2), "lead"),          # the returning department
])
def test_refused_redispatch_leaves_the_returned_assignment_alone(command, field):
    case = _joint_one_returned()
    snapshot = deepcopy(case)
    with pytest.raises(Invalid) as info:
        apply(case, SUPERVISOR, command, context())
    assert field in info.value.fields
    assert case == snapshot


def test_single_department_return_then_insist_goes_back_to_signoff():
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Dispatch(departments=(3,)))
    run(case, clerk(3), c.Return("不属本单位"))
    assert case.state is S.RETURNED
    entry = run(case, SUPERVISOR, c.Insist("根据三定方案属贵单位职责"))
    assert case.state is S.PENDING_SIGNOFF and states(case) == {3: A.PENDING_SIGNOFF}
    assert (entry.from_state, entry.to_state) == ("returned", "pending_signoff")
    run(case, clerk(3), c.Sign(handler_id=handler(3).id))
    assert case.state is S.IN_PROGRESS and case.return_count == 1


def test_insist_in_joint_case_with_returned_department():
    case = _joint_one_returned()
    run(case, SUPERVISOR, c.Insist("请协办"))
    assert states(case) == {1: A.IN_PROGRESS, 2: A.PENDING_SIGNOFF}
    assert case.state is S.IN_PROGRESS


def test_transfer_to_another_unit_in_joint_case():
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Dispatch(departments=(1, 2), lead=2))
    run(case, clerk(1), c.Sign(handler_id=handler(1).id))
    run(case, clerk(2), c.Transfer("请3号单位主办", department_id=3))
    assert states(case) == {1: A.IN_PROGRESS, 3: A.PENDING_SIGNOFF}
    assert case.lead().department_id == 3 and case.state is S.IN_PROGRESS
    # the transferring department lost the case, the new one has it
    with pytest.raises(Forbidden) as info:
        apply(case, clerk(2), c.Sign(handler_id=handler(2).id), context())
    assert info.value.code == "not_assigned"
    run(case, clerk(3), c.Sign(handler_id=handler(3).id))
    run(case, handler(1), c.Complete("协办意见"))
    run(case, handler(3), c.Complete("主办答复"))
    assert case.state is S.PENDING_APPROVAL


def test_reject_from_pending_approval_back_to_in_progress_and_complete_again():
    case = _joint_signed()
    _complete_joint(case, 3)
    run(case, SUPERVISOR, c.Reject("请补充整改时限"))
    assert case.state is S.IN_PROGRESS
    assert states(case) == {1: A.IN_PROGRESS, 2: A.COMPLETED}
    run(case, handler(1), c.Complete("主办：已补充整改时限"))
    assert case.state is S.PENDING_APPROVAL
    run(case, SUPERVISOR, c.Approve("同意"))
    assert case.result == "主办：已补充整改时限"


def test_direct_close_of_a_returned_case():
    case = make_case(S.PENDING_DISPATCH)
    run(case, SUPERVISOR, c.Dispatch(departments=(1,)))
    run(case, clerk(1), c.Return("非本单位"))
    run(case, SUPERVISOR, c.Close("中心已直接答复市民"))
    assert case.state is S.CLOSED and case.active_assignments() == []
